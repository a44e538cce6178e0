use tenant_members::operations::RevokeDirectoryToken;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<RevokeDirectoryToken>().await
}

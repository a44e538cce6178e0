use tenant_members::operations::CreateDirectoryToken;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<CreateDirectoryToken>().await
}

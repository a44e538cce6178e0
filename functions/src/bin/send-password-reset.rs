use tenant_members::operations::SendPasswordReset;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<SendPasswordReset>().await
}

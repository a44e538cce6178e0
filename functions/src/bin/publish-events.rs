#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run_publisher().await
}

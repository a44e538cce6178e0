use tenant_members::operations::GetMe;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<GetMe>().await
}

use tenant_members::operations::GetTenant;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<GetTenant>().await
}

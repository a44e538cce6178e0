use tenant_members::operations::CreateTenant;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<CreateTenant>().await
}

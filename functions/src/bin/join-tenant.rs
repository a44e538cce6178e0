use tenant_members::operations::JoinTenant;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<JoinTenant>().await
}

use tenant_members::operations::Operation;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run(Operation::JoinTenant).await
}

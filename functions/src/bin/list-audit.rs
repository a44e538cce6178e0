use tenant_members::operations::ListAudit;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ListAudit>().await
}

use tenant_members::operations::ListRoles;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ListRoles>().await
}

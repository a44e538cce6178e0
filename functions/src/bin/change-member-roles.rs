use tenant_members::operations::ChangeMemberRoles;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ChangeMemberRoles>().await
}

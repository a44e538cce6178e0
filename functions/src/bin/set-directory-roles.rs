use tenant_members::operations::SetDirectoryRoles;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<SetDirectoryRoles>().await
}

use tenant_members::operations::ListTenants;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ListTenants>().await
}

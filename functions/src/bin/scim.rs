use tenant_members::operations::Scim;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<Scim>().await
}

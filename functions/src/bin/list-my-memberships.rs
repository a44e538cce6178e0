use tenant_members::operations::ListMyMemberships;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ListMyMemberships>().await
}

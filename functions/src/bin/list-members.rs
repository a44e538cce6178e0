use tenant_members::operations::ListMembers;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ListMembers>().await
}

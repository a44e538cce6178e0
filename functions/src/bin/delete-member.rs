use tenant_members::operations::DeleteMember;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<DeleteMember>().await
}

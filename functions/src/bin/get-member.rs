use tenant_members::operations::GetMember;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<GetMember>().await
}

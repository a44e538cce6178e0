use tenant_members::operations::SetMemberMfa;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<SetMemberMfa>().await
}

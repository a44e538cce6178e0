use tenant_members::operations::AcceptInvitation;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<AcceptInvitation>().await
}

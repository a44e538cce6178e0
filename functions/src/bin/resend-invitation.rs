use tenant_members::operations::ResendInvitation;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ResendInvitation>().await
}

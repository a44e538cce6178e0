use tenant_members::operations::LookupInvitation;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<LookupInvitation>().await
}

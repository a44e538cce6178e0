use tenant_members::triggers::EnforceMfa;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run_trigger::<EnforceMfa>().await
}

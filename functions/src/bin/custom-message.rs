use tenant_members::triggers::CustomMessage;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run_trigger::<CustomMessage>().await
}

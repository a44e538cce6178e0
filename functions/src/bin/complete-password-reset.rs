use tenant_members::operations::CompletePasswordReset;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<CompletePasswordReset>().await
}

use tenant_members::operations::GetDirectory;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<GetDirectory>().await
}

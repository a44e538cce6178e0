use tenant_members::operations::ChangeRepresentative;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ChangeRepresentative>().await
}

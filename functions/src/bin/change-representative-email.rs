use tenant_members::operations::ChangeRepresentativeEmail;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ChangeRepresentativeEmail>().await
}

use tenant_members::operations::ListRepresentativeCandidates;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<ListRepresentativeCandidates>().await
}

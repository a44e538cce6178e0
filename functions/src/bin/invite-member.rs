use tenant_members::operations::InviteMember;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<InviteMember>().await
}

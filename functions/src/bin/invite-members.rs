use tenant_members::operations::InviteMembers;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenant_members::lambda::run::<InviteMembers>().await
}

//! `GET /tenants/{tenantId}/members/{memberId}`.
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::operations::scope::ManagedMember;
use crate::operations::{Call, Handler, Reply};

pub struct GetMember;

impl Handler for GetMember {
    const NAME: &'static str = "get-member";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedMember;
    type Input = ();

    async fn handle(_: &App, call: Call<ManagedMember, ()>) -> Result<Reply, ApiError> {
        Ok(Reply::member(200, &call.scope.member, call.now))
    }
}

//! `GET /roles`: the authorization tables, for any signed-in user.
use crate::app::{App, Ports};
use crate::catalog::CATALOG;
use crate::error::ApiError;
use crate::operations::scope::SignedIn;
use crate::operations::{Call, Handler, Reply};

pub struct ListRoles;

impl Handler for ListRoles {
    const NAME: &'static str = "list-roles";
    const PORTS: Ports = Ports::STORE;
    type Scope = SignedIn;
    type Input = ();

    async fn handle(_: &App, _: Call<SignedIn, ()>) -> Result<Reply, ApiError> {
        Ok(Reply::ok(&serde_json::json!({ "applications": CATALOG })))
    }
}

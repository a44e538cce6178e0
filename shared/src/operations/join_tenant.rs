//! `POST /invitations/join` (signed in): a person who already has an account accepts an
//! invitation sent to them; no password is set or changed.
use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::operations::input::Json;
use crate::operations::links::{redeem, TokenOnly};
use crate::operations::scope::SignedIn;
use crate::operations::{Call, Handler, Reply};
use crate::rules;
use crate::tokens::TokenPurpose;

pub struct JoinTenant;

impl Handler for JoinTenant {
    const NAME: &'static str = "join-tenant";
    const PORTS: Ports = Ports::STORE;
    type Scope = SignedIn;
    type Input = Json<TokenOnly>;

    /// One transaction burns the link (unless a redemption holds it) and activates the member;
    /// the caller must be the invited person, proven by their token's `sub`.
    async fn handle(app: &App, call: Call<SignedIn, Json<TokenOnly>>) -> Result<Reply, ApiError> {
        let Call { scope: SignedIn(caller), input: Json(body), now, .. } = call;
        let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation, now).await?;
        rules::invited_person(&caller, &member)?;
        let (member, changes) = changes::accept_invitation(&record, None, &member, &Change::by(Actor::member(&member), now));
        app.store.commit(&changes).await?;
        Ok(Reply::joined(&member))
    }
}

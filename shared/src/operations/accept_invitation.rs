//! `POST /invitations/accept` (public): an invited person without an account sets their first
//! password and becomes active. A person who has an account joins instead (`join-tenant`).
use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::links::FirstPassword;
use crate::operations::input::Json;
use crate::operations::links::{claimed, redeem, TokenAndPassword};
use crate::operations::scope::Public;
use crate::operations::{Call, Handler, Reply};
use crate::tokens::TokenPurpose;

pub struct AcceptInvitation;

impl Handler for AcceptInvitation {
    const NAME: &'static str = "accept-invitation";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = Public;
    type Input = Json<TokenAndPassword>;

    /// Order: the password against the pool's policy (no AWS call), the link and its member,
    /// whether the person has an account; then the link is claimed (with the person's first
    /// password, so that no other link sets it), Cognito sets the password, and one transaction
    /// burns the link and activates the member. A failure lets go of the claim. A password
    /// Cognito set stays this link's: a failure after it says so, and the same link finishes
    /// the join without setting a password again (a link sets a first password once); no other
    /// link may set one.
    async fn handle(app: &App, Call { input: Json(body), now, .. }: Call<Public, Json<TokenAndPassword>>) -> Result<Reply, ApiError> {
        app.config.password_policy.check(&body.password)?;
        let (record, member) = redeem(app, &body.token, TokenPurpose::Invitation, now).await?;
        let account_exists = app.directory.has_account(&member.user_sub).await?;
        let first = FirstPassword { user: member.user_sub.clone(), account_exists };
        let member = claimed(app, &record, Some(&first), now, |claim| {
            let (record, member, password) = (&record, &member, &body.password);
            async move {
                if !account_exists {
                    app.directory.set_password(&member.user_sub, password).await?;
                }
                let change = Change::by(Actor::member(member), now);
                let (accepted, changes) = changes::accept_invitation(record, Some(&claim), member, &change);
                app.store.commit(&changes).await.map(|()| accepted).map_err(|error| error.after(NOT_JOINED))
            }
        })
        .await?;
        Ok(Reply::joined(&member))
    }
}

const NOT_JOINED: &str =
    "your password is set, but joining the tenant failed: open the same link again to finish (your password stays as set)";

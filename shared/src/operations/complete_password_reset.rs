//! `POST /password-resets/complete` (public): the member sets a new password from the link.
use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::log::error_chain;
use crate::operations::input::Json;
use crate::operations::links::{claimed, redeem, TokenAndPassword};
use crate::operations::people;
use crate::operations::scope::Public;
use crate::operations::{Call, Handler, Reply};
use crate::tokens::TokenPurpose;

pub struct CompletePasswordReset;

impl Handler for CompletePasswordReset {
    const NAME: &'static str = "complete-password-reset";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = Public;
    type Input = Json<TokenAndPassword>;

    /// Order: the password against the pool's policy (no AWS call), the link; then the link is
    /// claimed, Cognito sets the password, every session of the person ends, and the link burns.
    /// A failure lets go of the claim, and the link works again: the same request sets the same
    /// password and finishes. Once the password is set, a failure says so; if ending the sessions
    /// at Cognito failed (tried again first), the API refuses them at once all the same, and the
    /// token trigger renews none of them until the same request, sent again, ends them
    /// (`changes::record_failed_sign_out`).
    async fn handle(app: &App, Call { input: Json(body), now, .. }: Call<Public, Json<TokenAndPassword>>) -> Result<Reply, ApiError> {
        app.config.password_policy.check(&body.password)?;
        let (record, member) = redeem(app, &body.token, TokenPurpose::PasswordReset, now).await?;
        claimed(app, &record, None, now, |claim| {
            let (record, member, password) = (&record, &member, &body.password);
            async move {
                app.directory.set_password(&member.user_sub, password).await?;
                if let Err(error) = people::end_sessions(app, &member.user_sub).await {
                    if let Err(unrecorded) = app.store.commit(&changes::record_failed_sign_out(&member.user_sub, now)).await {
                        tracing::warn!(error = %error_chain(&unrecorded), "the API accepts the person's old sessions until the reset is finished");
                    }
                    return Err(error.after(SESSIONS_NOT_ENDED));
                }
                let change = Change::by(Actor::member(member), now);
                let changes = changes::complete_password_reset(record, &claim, member, &change);
                app.store.commit(&changes).await.map_err(|error| error.after(LINK_NOT_USED_UP))
            }
        })
        .await?;
        Ok(Reply::no_content())
    }
}

const SESSIONS_NOT_ENDED: &str =
    "your new password is set, but ending your other sessions failed: send the same request again to finish (until then they cannot use this service, nor be renewed)";
const LINK_NOT_USED_UP: &str =
    "your new password is set and your other sessions ended, but the reset could not be finished: send the same request again";

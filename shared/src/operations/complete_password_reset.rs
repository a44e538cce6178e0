//! `POST /password-resets/complete` (public): the member sets a new password from the link.
use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::changes;
use crate::error::ApiError;
use crate::operations::input::Json;
use crate::operations::links::{claimed, redeem, TokenAndPassword};
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
    /// A failure lets go of the claim, and the link simply works again.
    async fn handle(app: &App, Call { input: Json(body), now, .. }: Call<Public, Json<TokenAndPassword>>) -> Result<Reply, ApiError> {
        app.config.password_policy.check(&body.password)?;
        let (record, member) = redeem(app, &body.token, TokenPurpose::PasswordReset, now).await?;
        claimed(app, &record, None, now, |claim| {
            let (record, member, password) = (&record, &member, &body.password);
            async move {
                app.directory.set_password(&member.user_sub, password).await?;
                app.directory.sign_out_everywhere(&member.user_sub).await?;
                let change = Change::by(Actor::member(member), now);
                app.store.commit(&changes::complete_password_reset(record, &claim, member, &change)).await
            }
        })
        .await?;
        Ok(Reply::no_content())
    }
}

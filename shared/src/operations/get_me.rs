//! `GET /me`: the caller as a person: their `sub`, sign-in email, whether they are an operator
//! (by the pool's groups now, not the token's claim), and their one MFA setting.
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::operations::scope::{live_operator, SignedIn};
use crate::operations::{Call, Handler, Reply};

pub struct GetMe;

impl Handler for GetMe {
    const NAME: &'static str = "get-me";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = SignedIn;
    type Input = ();

    async fn handle(app: &App, Call { scope: SignedIn(caller), caller_person: person, .. }: Call<SignedIn, ()>) -> Result<Reply, ApiError> {
        let (email, operator) = tokio::try_join!(app.directory.email_of(&caller.sub), live_operator(app, &caller))?;
        // A token outlives its user only until it expires: the person is gone.
        let email = email.ok_or(ApiError::Unauthenticated)?;
        let mfa = person.map(|p| p.mfa).unwrap_or_default();
        Ok(Reply::ok(&serde_json::json!({ "sub": caller.sub, "email": email, "operator": operator, "mfa": mfa })))
    }
}

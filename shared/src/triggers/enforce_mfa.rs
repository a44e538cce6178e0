//! Pre-authentication: a person's MFA is what their tenants say.
use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreAuthentication;

use super::{person_of, Trigger};
use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::operations::people;

/// A person may switch their own MFA off through Cognito's user API (`SetUserMFAPreference` with
/// their access token); before their next sign-in is judged, this switches it back on, so the MFA
/// their tenants require is asked for. A failure fails the sign-in: nobody whose tenants require
/// MFA signs in without it because a dependency was down.
pub struct EnforceMfa;

impl Trigger for EnforceMfa {
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Event = CognitoEventUserPoolsPreAuthentication;

    /// Restores the MFA the person's record holds if Cognito has none. The event goes back to
    /// Cognito unchanged: the sign-in itself is Cognito's to judge.
    async fn answer(app: &App, event: Self::Event) -> Result<Self::Event, ApiError> {
        let Some(user) = person_of(event.request.user_attributes.get("sub").map(String::as_str)) else { return Ok(event) };
        let required = app.store.get_person(&user).await?.is_some_and(|p| p.mfa.enabled);
        if required && !app.directory.mfa_enabled(&user).await? {
            tracing::warn!("a person's MFA was off in Cognito while their tenants require it: restored");
            people::apply_mfa(app, &user, true).await?;
        }
        Ok(event)
    }
}

//! Cognito's pre-authentication trigger: a person's MFA is what their tenants say. A person
//! may switch their own MFA off through Cognito's user API (`SetUserMFAPreference` with their
//! access token); before their next sign-in is judged, this switches it back on, so the MFA
//! their tenants require is asked for.
use serde_json::Value;

use crate::app::App;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::operations::people;

/// The person the trigger event is about: Cognito's `sub` of the user signing in.
pub fn person_of(event: &Value) -> Option<UserSub> {
    event["request"]["userAttributes"]["sub"].as_str().filter(|s| !s.is_empty()).map(UserSub::new)
}

/// Restores the MFA the person's record holds if Cognito has none. The event goes back to
/// Cognito unchanged: the sign-in itself is Cognito's to judge.
pub async fn enforce_mfa(app: &App, event: Value) -> Result<Value, ApiError> {
    let Some(user) = person_of(&event) else { return Ok(event) };
    let required = app.store.get_person(&user).await?.is_some_and(|p| p.mfa.enabled);
    if required && !app.directory.mfa_enabled(&user).await? {
        tracing::warn!("a person's MFA was off in Cognito while their tenants require it: restored");
        people::apply_mfa(app, &user, true).await?;
    }
    Ok(event)
}

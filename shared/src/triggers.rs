//! The user pool's Lambda triggers. Each event names its pool (the template cannot: the pool
//! names its triggers).
use std::future::Future;

use serde_json::Value;

use crate::app::{App, Ports};
use crate::emails::CodeEmail;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::model::Person;
use crate::operations::people;

/// One trigger as its Lambda function runs it.
pub trait Trigger {
    /// The ports it calls: its function builds those clients and no other.
    const PORTS: Ports;
    /// Answers Cognito's event; an error fails what Cognito was doing (the sign-in, the email).
    fn answer(app: &App, event: Value) -> impl Future<Output = Result<Value, ApiError>> + Send;
}

/// The person the trigger event is about: Cognito's `sub` of the user.
pub fn person_of(event: &Value) -> Option<UserSub> {
    event["request"]["userAttributes"]["sub"].as_str().filter(|s| !s.is_empty()).map(UserSub::new)
}

/// Pre-authentication: a person's MFA is what their tenants say. A person may switch their own
/// MFA off through Cognito's user API (`SetUserMFAPreference` with their access token); before
/// their next sign-in is judged, this switches it back on, so the MFA their tenants require is
/// asked for. A failure fails the sign-in: nobody whose tenants require MFA signs in without it
/// because a dependency was down.
pub struct EnforceMfa;

impl Trigger for EnforceMfa {
    const PORTS: Ports = Ports::STORE_DIRECTORY;

    /// Restores the MFA the person's record holds if Cognito has none. The event goes back to
    /// Cognito unchanged: the sign-in itself is Cognito's to judge.
    async fn answer(app: &App, event: Value) -> Result<Value, ApiError> {
        let Some(user) = person_of(&event) else { return Ok(event) };
        let required = app.store.get_person(&user).await?.is_some_and(|p| p.mfa.enabled);
        if required && !app.directory.mfa_enabled(&user).await? {
            tracing::warn!("a person's MFA was off in Cognito while their tenants require it: restored");
            people::apply_mfa(app, &user, true).await?;
        }
        Ok(event)
    }
}

/// Custom message: the codes Cognito itself emails (the email sign-in code of MFA, the
/// forgot-password code, an attribute verification) in the person's language, written like the
/// service's own emails. Cognito sends its default (English) message when this fails, so a
/// failure is logged and the event goes back unchanged rather than costing the person the code.
pub struct CustomMessage;

impl Trigger for CustomMessage {
    const PORTS: Ports = Ports::STORE;

    async fn answer(app: &App, mut event: Value) -> Result<Value, ApiError> {
        let source = event["triggerSource"].as_str().unwrap_or_default();
        let Some(kind) = CodeEmail::for_trigger(source) else { return Ok(event) };
        let Some(code) = event["request"]["codeParameter"].as_str().map(str::to_string) else { return Ok(event) };
        let locale = event["request"]["userAttributes"]["locale"].as_str();
        let memberships = match person_of(&event) {
            // The locale decides alone when it names a language: no read.
            Some(user) if locale.and_then(crate::language::Language::of_locale).is_none() => match app.store.memberships_of(&user).await {
                Ok(memberships) => memberships,
                Err(error) => {
                    tracing::warn!(error = %crate::log::error_chain(&error), "Cognito's message goes out in its default language");
                    return Ok(event);
                }
            },
            _ => Vec::new(),
        };
        let message = kind.render(Person::language(locale, &memberships), &code);
        event["response"]["emailSubject"] = message.subject.into();
        event["response"]["emailMessage"] = message.html.into();
        Ok(event)
    }
}

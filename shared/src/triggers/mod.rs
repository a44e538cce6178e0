//! The user pool's Lambda triggers, one file each, each reading Cognito's event as
//! `aws_lambda_events` types it. Each event names its pool (the template cannot: the pool names
//! its triggers).
mod custom_message;
mod enforce_mfa;
mod token_claims;

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::ids::UserSub;

pub use custom_message::CustomMessage;
pub use enforce_mfa::EnforceMfa;
pub use token_claims::TokenClaims;

/// One trigger as its Lambda function runs it.
pub trait Trigger {
    /// The ports it calls: its function builds those clients and no other.
    const PORTS: Ports;
    /// Cognito's event for this trigger; the answer is the same event, its `response` filled in.
    type Event: DeserializeOwned + Serialize + Send;
    /// Answers Cognito's event; an error fails what Cognito was doing (the sign-in, the email).
    fn answer(app: &App, event: Self::Event) -> impl Future<Output = Result<Self::Event, ApiError>> + Send;

    /// What to answer to an event this trigger cannot read: by default an error, so that Cognito
    /// does nothing on a guess.
    fn unreadable(_event: Value, error: serde_json::Error) -> Result<Value, ApiError> {
        Err(ApiError::validation(format!("not an event of this trigger: {error}")))
    }

    /// Answers Cognito's event as it comes over the wire: the event as Cognito sent it, its
    /// `response` the trigger's (what the type does not know of the event goes back as it came).
    fn answer_json(app: &App, mut event: Value) -> impl Future<Output = Result<Value, ApiError>> + Send {
        async move {
            let typed = match <Self::Event as serde::Deserialize>::deserialize(&event) {
                Ok(typed) => typed,
                Err(error) => return Self::unreadable(event, error),
            };
            let mut answered = serde_json::to_value(Self::answer(app, typed).await?).map_err(ApiError::upstream)?;
            event["response"] = answered["response"].take();
            Ok(event)
        }
    }
}

/// The pool's triggers, by their function's name (their binaries under `functions/src/bin/`).
pub const NAMES: [&str; 3] = ["enforce-mfa", "custom-message", "token-claims"];

/// The ports of the trigger named `name`.
pub fn ports_of(name: &str) -> Option<Ports> {
    match name {
        "enforce-mfa" => Some(EnforceMfa::PORTS),
        "custom-message" => Some(CustomMessage::PORTS),
        "token-claims" => Some(TokenClaims::PORTS),
        _ => None,
    }
}

/// Runs the trigger named `name` on Cognito's event, with only its ports wired; none for a name
/// that is no trigger.
pub async fn answer_named(name: &str, app: &App, event: Value) -> Option<Result<Value, ApiError>> {
    let app = app.only(ports_of(name)?);
    Some(match name {
        "enforce-mfa" => EnforceMfa::answer_json(&app, event).await,
        "custom-message" => CustomMessage::answer_json(&app, event).await,
        _ => TokenClaims::answer_json(&app, event).await,
    })
}

/// The person an event is about: the `sub` among the user's attributes.
fn person_of(sub: Option<&str>) -> Option<UserSub> {
    sub.filter(|s| !s.is_empty()).map(UserSub::new)
}

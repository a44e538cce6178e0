//! Custom message: the codes Cognito itself emails, in the person's language.
use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage;
use serde_json::Value;

use super::{person_of, Trigger};
use crate::app::{App, Ports};
use crate::emails::CodeEmail;
use crate::error::ApiError;
use crate::language::Language;
use crate::model::Person;

/// The email sign-in code of MFA, the forgot-password code and an attribute verification,
/// written like the service's own emails. Cognito sends its default (English) message when this
/// fails, so a failure is logged and the event goes back unchanged rather than costing the person
/// the code.
pub struct CustomMessage;

impl Trigger for CustomMessage {
    const PORTS: Ports = Ports::STORE;
    type Event = CognitoEventUserPoolsCustomMessage;

    async fn answer(app: &App, mut event: Self::Event) -> Result<Self::Event, ApiError> {
        let source = event.cognito_event_user_pools_header.trigger_source.as_ref();
        let Some(kind) = source.and_then(CodeEmail::for_trigger) else { return Ok(event) };
        let Some(code) = event.request.code_parameter.clone() else { return Ok(event) };
        let attribute = |name: &str| event.request.user_attributes.get(name).and_then(Value::as_str);
        let locale = attribute("locale");
        let memberships = match person_of(attribute("sub")) {
            // The locale decides alone when it names a language: no read.
            Some(user) if locale.and_then(Language::of_locale).is_none() => match app.store.memberships_of(&user).await {
                Ok(memberships) => memberships,
                Err(error) => {
                    tracing::warn!(error = %crate::log::error_chain(&error), "Cognito's message goes out in its default language");
                    return Ok(event);
                }
            },
            _ => Vec::new(),
        };
        let message = kind.render(Person::language(locale, &memberships), &code);
        event.response.email_subject = Some(message.subject);
        event.response.email_message = Some(message.html);
        Ok(event)
    }

    /// A message of a kind this trigger does not know goes out as Cognito writes it.
    fn unreadable(event: Value, error: serde_json::Error) -> Result<Value, ApiError> {
        tracing::warn!(%error, "Cognito's message goes out as it wrote it");
        Ok(event)
    }
}

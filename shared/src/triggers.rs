//! The user pool's Lambda triggers. Each event names its pool (the template cannot: the pool
//! names its triggers).
use std::future::Future;

use serde_json::Value;

use crate::app::{App, Ports};
use crate::changes;
use crate::claims::{self, TenantClaims};
use crate::emails::CodeEmail;
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::ids::UserSub;
use crate::model::{MemberStatus, Person};
use crate::operations::people;

/// One trigger as its Lambda function runs it.
pub trait Trigger {
    /// The ports it calls: its function builds those clients and no other.
    const PORTS: Ports;
    /// Answers Cognito's event; an error fails what Cognito was doing (the sign-in, the email).
    fn answer(app: &App, event: Value) -> impl Future<Output = Result<Value, ApiError>> + Send;
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
        "enforce-mfa" => EnforceMfa::answer(&app, event).await,
        "custom-message" => CustomMessage::answer(&app, event).await,
        _ => TokenClaims::answer(&app, event).await,
    })
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

/// Pre-token generation (event version `V2_0`): the ID and access tokens say, for the person's
/// active tenant, `tenant_id`, `tenant_roles` and `permissions` (`claims::active_membership`
/// chooses it). A tenant asked for in `ClientMetadata.tenantId` must be an active membership,
/// else the call fails with `tenant_not_available` and Cognito issues nothing; it is remembered
/// as the tenant switched to. Claims are never issued unchecked: when the memberships cannot be
/// read, a call that named a tenant fails, and any other gets tokens without tenant claims. The
/// membership chosen is read again by its key, consistently (the index that found it may lag a
/// removal or a downgrade by a moment). A refresh of a person whose sessions the service ended
/// while Cognito could not (`Person::sessions_outlive_sign_out`) fails: nothing is renewed.
pub struct TokenClaims;

/// What the tenant switch's write may take: it is a convenience for the next plain refresh, and
/// the whole trigger must answer within Cognito's 5 seconds.
const SWITCH_WRITE_BUDGET: std::time::Duration = std::time::Duration::from_millis(500);

/// Cognito's trigger source of tokens renewed from a refresh token.
const REFRESH: &str = "TokenGeneration_RefreshTokens";

impl Trigger for TokenClaims {
    const PORTS: Ports = Ports::STORE;

    async fn answer(app: &App, mut event: Value) -> Result<Value, ApiError> {
        let Some(user) = person_of(&event) else { return Ok(event) };
        let asked = match event["request"]["clientMetadata"]["tenantId"].as_str() {
            Some(raw) => Some(TenantId::parse(raw).map_err(|_| ApiError::TenantNotAvailable)?),
            None => None,
        };
        // Without a tenant asked for, a failed read gives tokens without tenant claims.
        let unchecked = |error: ApiError| match asked {
            None => {
                tracing::warn!(error = %crate::log::error_chain(&error), "tokens issued without tenant claims");
                Ok(None)
            }
            Some(_) => Err(error),
        };
        let (memberships, person) = match tokio::try_join!(app.store.memberships_of(&user), app.store.get_person(&user)) {
            Ok(read) => read,
            Err(error) => return unchecked(error).map(|_| event),
        };
        if event["triggerSource"] == REFRESH && person.as_ref().is_some_and(|p| p.sessions_outlive_sign_out) {
            return Err(ApiError::Unauthenticated);
        }
        let last = person.as_ref().and_then(|p| p.active_tenant.as_ref());
        let Some(chosen) = claims::active_membership(asked.as_ref(), last, &memberships)? else { return Ok(event) };
        let current = match app.store.get_member(&chosen.tenant_id, &chosen.member_id).await {
            Ok(read) => read.filter(|m| m.user_sub == user && m.status == MemberStatus::Active),
            Err(error) => unchecked(error)?,
        };
        let Some(member) = current else {
            return if asked.is_some() { Err(ApiError::TenantNotAvailable) } else { Ok(event) };
        };
        if asked.is_some() && last != Some(&member.tenant_id) {
            // Only what the next plain refresh speaks for: the tokens asked for are right without it.
            let switch = changes::switch_tenant(&user, &member.tenant_id);
            match tokio::time::timeout(SWITCH_WRITE_BUDGET, app.store.commit(&switch)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(error = %crate::log::error_chain(&error), "the tenant switched to is not remembered"),
                Err(_) => tracing::warn!("the tenant switched to is not remembered: its write took too long"),
            }
        }
        let claims = serde_json::to_value(TenantClaims::of(&member)).expect("claims serialise");
        event["response"]["claimsAndScopeOverrideDetails"] = serde_json::json!({
            "idTokenGeneration": { "claimsToAddOrOverride": claims },
            "accessTokenGeneration": { "claimsToAddOrOverride": claims },
        });
        Ok(event)
    }
}

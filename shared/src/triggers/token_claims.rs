//! Pre-token generation (event version `V2_0`): the tokens speak for the person's active tenant.
use aws_lambda_events::event::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoAccessTokenGenerationV2, CognitoEventUserPoolsPreTokenGenTriggerSource as Source,
    CognitoEventUserPoolsPreTokenGenV2, CognitoIdTokenGenerationV2,
};

use super::{person_of, Trigger};
use crate::app::{App, Ports};
use crate::changes;
use crate::claims::{self, TenantClaims};
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::model::MemberStatus;

/// The ID and access tokens say, for the person's active tenant, `tenant_id`, `tenant_roles` and
/// `permissions` (`claims::active_membership` chooses it). A tenant asked for in
/// `ClientMetadata.tenantId` must be an active membership, else the call fails with
/// `tenant_not_available` and Cognito issues nothing; it is remembered as the tenant switched to.
/// Claims are never issued unchecked: when the memberships cannot be read, a call that named a
/// tenant fails, and any other gets tokens without tenant claims. The membership chosen is read
/// again by its key, consistently (the index that found it may lag a removal or a downgrade by a
/// moment). A refresh of a person whose sessions the service ended while Cognito could not
/// (`Person::sessions_outlive_sign_out`) fails: nothing is renewed.
pub struct TokenClaims;

/// What the tenant switch's write may take: it is a convenience for the next plain refresh, and
/// the whole trigger must answer within Cognito's 5 seconds.
const SWITCH_WRITE_BUDGET: std::time::Duration = std::time::Duration::from_millis(500);

impl Trigger for TokenClaims {
    const PORTS: Ports = Ports::STORE;
    type Event = CognitoEventUserPoolsPreTokenGenV2;

    async fn answer(app: &App, mut event: Self::Event) -> Result<Self::Event, ApiError> {
        let Some(user) = person_of(event.request.user_attributes.get("sub").map(String::as_str)) else { return Ok(event) };
        let asked = match event.request.client_metadata.get("tenantId") {
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
        let refresh = event.cognito_event_user_pools_header.trigger_source == Some(Source::RefreshTokens);
        if refresh && person.as_ref().is_some_and(|p| p.sessions_outlive_sign_out) {
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
        let claims = match serde_json::to_value(TenantClaims::of(&member)).expect("claims serialise") {
            serde_json::Value::Object(claims) => claims.into_iter().collect(),
            _ => unreachable!("claims are an object"),
        };
        let mut id_token = CognitoIdTokenGenerationV2::default();
        id_token.claims_to_add_or_override = claims;
        let mut access_token = CognitoAccessTokenGenerationV2::default();
        access_token.claims_to_add_or_override = id_token.claims_to_add_or_override.clone();
        let mut details = ClaimsAndScopeOverrideDetailsV2::default();
        // The type has no "leave the groups alone": the groups the person has, as they are.
        details.group_override_details = event.request.group_configuration.clone();
        details.id_token_generation = Some(id_token);
        details.access_token_generation = Some(access_token);
        event.response.claims_and_scope_override_details = Some(details);
        Ok(event)
    }
}

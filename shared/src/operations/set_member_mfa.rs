//! `PUT /tenants/{tenantId}/members/{memberId}/mfa`: the person's multi-factor authentication on
//! or off. MFA belongs to the person: every membership of theirs shows it.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, AuditAction, Change};
use crate::changes;
use crate::error::ApiError;
use crate::http::json_body;
use crate::ids::TenantId;
use crate::model::{Member, Mfa, Person};
use crate::operations::{managed_member, member_response, people};
use crate::rules;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetMfa {
    enabled: bool,
}

/// How often the person's memberships are read again while the index lags behind their count.
const READ_ATTEMPTS: usize = 3;

/// Order: the person, their groups and memberships (one round trip), the tenants of those
/// memberships; Cognito; then one transaction for the person and each membership's copy. A lost
/// race or a failed write makes Cognito follow the record again (`people::sync_mfa`), so the two
/// never disagree for long; repeating the request converges.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    let body: SetMfa = json_body(req)?;
    rules::not_self(&access.caller, &member, "you cannot switch your own multi-factor authentication here")?;
    rules::must_be_active(&member)?;

    let (person, memberships, operator) = person_with_memberships(app, &member).await?;
    if operator {
        return Err(ApiError::IdentityProtected);
    }
    let tenant_ids: Vec<TenantId> = memberships.iter().map(|m| m.tenant_id.clone()).collect();
    let tenants = app.store.get_tenants(&tenant_ids).await?;
    let managed = |tenant: &TenantId| tenants.iter().any(|t| t.tenant_id == *tenant && access.manages(t));
    if !body.enabled && !tenant_ids.iter().all(managed) {
        return Err(ApiError::MfaRequiredElsewhere);
    }

    let mfa = Mfa { enabled: body.enabled, r#type: people::apply_mfa(app, &member.user_sub, body.enabled).await? };
    let change = Change::by(Actor::manager(&access));
    let updates: Vec<(Member, Member)> = memberships
        .into_iter()
        .map(|before| {
            let after = before.revised(|m| m.mfa = mfa.clone());
            (before, after)
        })
        .collect();
    let entries = updates
        .iter()
        .map(|(before, after)| {
            let mut entry = change.entry(AuditAction::MfaChanged, Some(before), Some(after));
            entry.from_another_tenant = !managed(&before.tenant_id);
            entry
        })
        .collect();
    let written = app.store.commit(&changes::set_mfa(&person, &updates, &mfa, entries)).await;
    // Whoever won, Cognito ends as the record says.
    let synced = match &written {
        Ok(()) => confirm(app, &person).await,
        Err(_) => people::sync_mfa(app, &person.user_sub).await,
    };
    written?;
    synced?;
    let (_, changed) = updates.into_iter().find(|(before, _)| before.member_id == member.member_id).ok_or(ApiError::VersionConflict)?;
    Ok(member_response(StatusCode::OK, &changed))
}

/// After a successful write: if someone else changed the person since, follow the record.
async fn confirm(app: &App, written: &Person) -> Result<(), ApiError> {
    let now = app.store.get_person(&written.user_sub).await?;
    if now.is_some_and(|p| p.version != written.version + 1) {
        people::sync_mfa(app, &written.user_sub).await?;
    }
    Ok(())
}

/// The member's person, all their memberships (as many as the person counts: the index that
/// finds them may lag behind a change for a moment) and whether they are an operator.
async fn person_with_memberships(app: &App, member: &Member) -> Result<(Person, Vec<Member>, bool), ApiError> {
    for _ in 0..READ_ATTEMPTS {
        let (person, memberships, operator) = tokio::try_join!(
            app.store.get_person(&member.user_sub),
            app.store.memberships_of(&member.user_sub),
            people::is_operator(app, &member.user_sub),
        )?;
        let person = person.ok_or(ApiError::NotFound("no such member"))?;
        if memberships.len() as u64 == person.memberships && memberships.iter().any(|m| m.member_id == member.member_id) {
            return Ok((person, memberships, operator));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(ApiError::VersionConflict)
}

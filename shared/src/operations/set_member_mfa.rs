//! `PUT /tenants/{tenantId}/members/{memberId}/mfa`: the person's multi-factor authentication on
//! or off. MFA belongs to the person: every membership of theirs shows it.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::log::error_chain;
use crate::model::{Member, Mfa, Person};
use crate::operations::input::Json;
use crate::operations::people;
use crate::operations::scope::ManagedMember;
use crate::operations::{Call, Handler, Reply};
use crate::rules;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaSwitch {
    enabled: bool,
}

/// How often the person's memberships are read again while the index lags behind their count.
const READ_ATTEMPTS: usize = 3;

pub struct SetMemberMfa;

impl Handler for SetMemberMfa {
    const NAME: &'static str = "set-member-mfa";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedMember;
    type Input = Json<MfaSwitch>;

    /// Order: the person, their groups and memberships (one round trip), the tenants of those
    /// memberships (beside Cognito's switch when it is on); Cognito; switched on, the person's
    /// sessions end at Cognito; then one
    /// transaction for the person and each membership's copy. The sessions end before the commit,
    /// so that a switch that committed never leaves a session begun without MFA renewable: when
    /// they cannot be ended, nothing commits (and Cognito's MFA follows the record back). A lost
    /// race or a failed write makes Cognito follow the record again (`people::sync_mfa`), so the
    /// two never disagree for long; repeating the request converges.
    async fn handle(
        app: &App,
        Call { scope, input: Json(body), now, .. }: Call<ManagedMember, Json<MfaSwitch>>,
    ) -> Result<Reply, ApiError> {
        let ManagedMember { access, member } = scope;
        rules::not_self(&access.caller, &member, "you cannot switch your own multi-factor authentication here")?;
        rules::must_be_active(&member)?;

        let (person, memberships, operator) = person_with_memberships(app, &member).await?;
        rules::not_an_operator(operator)?;
        let tenant_ids: Vec<TenantId> = memberships.iter().map(|m| m.tenant_id.clone()).collect();
        // Switched off, MFA must not be required by a tenant the caller does not manage: the
        // tenants are read first. Switched on, nothing forbids it: the tenants (which only say
        // whose audit entries are the caller's) are read beside Cognito's switch.
        let (tenants, applied) = if body.enabled {
            tokio::join!(app.store.get_tenants(&tenant_ids), people::apply_mfa(app, &member.user_sub, true))
        } else {
            let tenants = app.store.get_tenants(&tenant_ids).await?;
            rules::may_switch_mfa_off(&access, &memberships, &tenants)?;
            (Ok(tenants), people::apply_mfa(app, &member.user_sub, false).await)
        };
        let (tenants, applied) = match tenants.and_then(|tenants| Ok((tenants, applied?))) {
            Ok(read_and_applied) => read_and_applied,
            // Cognito may have switched it and its answer been lost: it follows the record again.
            Err(error) => return Err(synced_back(app, &person, error).await),
        };
        let mfa = Mfa { enabled: body.enabled, r#type: applied };
        let manages = |tenant: &TenantId| rules::manages_tenant(&access, &tenants, tenant);
        let ends_sessions = changes::mfa_ends_sessions(&person, &mfa);
        let (changed, changes) = changes::set_mfa(&person, memberships, &mfa, &Change::by(access.actor(), now), manages);
        let written = async {
            if ends_sessions {
                people::end_sessions(app, &member.user_sub).await?;
            }
            app.store.commit(&changes).await
        }
        .await;
        // Whoever won, Cognito ends as the record says. After our own commit that is cleanup: the
        // switch is made, and whoever changed the person since has Cognito follow them.
        match &written {
            Ok(()) => {
                if let Err(error) = confirm(app, &person).await {
                    tracing::warn!(error = %error_chain(&error), "the person's MFA was not read again after the switch");
                }
            }
            Err(_) => {
                let synced = people::sync_mfa(app, &person.user_sub).await;
                written?;
                synced?;
            }
        }
        let changed = changed.into_iter().find(|after| after.member_id == member.member_id).ok_or(ApiError::VersionConflict)?;
        Ok(Reply::member(200, &changed, now))
    }
}

/// `error`, once Cognito's MFA follows the person's record again (a failure of that is logged:
/// the next switch or sign-in converges it).
async fn synced_back(app: &App, person: &Person, error: ApiError) -> ApiError {
    if let Err(unsynced) = people::sync_mfa(app, &person.user_sub).await {
        tracing::warn!(error = %error_chain(&unsynced), "Cognito's MFA may differ from the person's record until the next switch");
    }
    error
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

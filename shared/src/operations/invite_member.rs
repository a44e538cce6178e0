//! `POST /tenants/{tenantId}/members`: invite a person by email with a language and roles.
use futures::lock::Mutex;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::catalog::Roles;
use crate::changes;
use crate::directory::DirectoryLink;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::invitations;
use crate::language::Language;
use crate::links::{InvitationLifetime, Quota};
use crate::model::{Member, Tenant};
use crate::operations::input::Json;
use crate::operations::people;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Invitation {
    pub(super) email: Email,
    pub(super) language: Language,
    pub(super) roles: Roles,
    /// 1–30 days; else the stack's invitation lifetime.
    pub(super) expires_in_days: Option<InvitationLifetime>,
    /// The tenant's directory invites it (SCIM): what the member keeps of it.
    #[serde(skip)]
    pub(super) directory: Option<DirectoryLink>,
}

pub struct InviteMember;

impl Handler for InviteMember {
    const NAME: &'static str = "invite-member";
    const PORTS: Ports = Ports::ALL;
    const IDEMPOTENT: bool = true;
    type Scope = ManagedTenant;
    type Input = Json<Invitation>;

    async fn handle(app: &App, call: Call<ManagedTenant, Json<Invitation>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(invitation), now, .. } = call;
        let member = invite(app, &access.tenant, invitation, Change::by(access.actor(), now), &Mutex::new(())).await?;
        let location = format!("/tenants/{}/members/{}", member.tenant_id, member.member_id);
        Ok(Reply::member(201, &member, now).at(location))
    }
}

/// The quotas an invitation's email counts against (`EmailQuotas::for_email`).
pub(super) fn quotas(app: &App, tenant: &Tenant, email: &Email, now: OffsetDateTime) -> Vec<Quota> {
    app.config.email_quotas.for_email(&tenant.tenant_id, tenant.tree(), email, None, now)
}

/// Invites one person into the tenant as `change` (by its actor, at its time) and returns the
/// new member. Order of calls: Cognito user (reused if the person exists), then one transaction
/// for the member, its email marker, its token, its counts and its audit entry, then the email;
/// if the email fails the transaction is taken back, so a retry starts clean and reuses the
/// Cognito user. Each commit holds `commits`: the rows of a batch write the same tenant's counts,
/// and one at a time they never cancel each other's transactions.
pub(super) async fn invite(
    app: &App,
    tenant: &Tenant,
    body: Invitation,
    change: Change,
    commits: &Mutex<()>,
) -> Result<Member, ApiError> {
    let now = change.at;
    let email = body.email.clone();
    let mut member = Member::new_invited(tenant.tenant_id.clone(), body.email, body.language, body.roles, UserSub::new(""), now);
    member.directory = body.directory;
    let invitation = invitations::issue(app, &member, now, body.expires_in_days)?;
    invitation.record_on(&mut member, &change.actor);

    let quotas = quotas(app, tenant, &email, now);
    let (user, written) = people::add_membership(app, &email, &mut member, |member, joining| {
        let changes = changes::invite_member(&member, &invitation.record, joining, &quotas, &change);
        async move {
            let _one_at_a_time = commits.lock().await;
            app.store.commit(&changes).await.map(|()| changes)
        }
    })
    .await?;
    let kind = LinkKind::MemberInvitation;
    if let Err(error) = invitations::send(app, kind, &member, user.has_account, &tenant.name, &invitation).await {
        let _one_at_a_time = commits.lock().await;
        app.store.commit(&written.undo()).await?;
        return Err(error);
    }
    Ok(member)
}

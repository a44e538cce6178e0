//! `POST /tenants/{tenantId}/members`: invite a person by email with a language and roles.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::catalog::Roles;
use crate::changes;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::invitations;
use crate::language::Language;
use crate::links::InvitationLifetime;
use crate::model::Member;
use crate::operations::input::Json;
use crate::operations::links::sent_or_taken_back;
use crate::operations::people;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Invitation {
    email: Email,
    language: Language,
    roles: Roles,
    /// 1–30 days; else the stack's invitation lifetime.
    expires_in_days: Option<InvitationLifetime>,
}

pub struct InviteMember;

impl Handler for InviteMember {
    const NAME: &'static str = "invite-member";
    const PORTS: Ports = Ports::ALL;
    const IDEMPOTENT: bool = true;
    type Scope = ManagedTenant;
    type Input = Json<Invitation>;

    /// Order of calls: Cognito user (reused if the person exists), then one transaction for the
    /// member, its email marker, its token and its person's count, then the email; if the email
    /// fails the transaction is taken back, so a retry starts clean and reuses the Cognito user.
    async fn handle(app: &App, call: Call<ManagedTenant, Json<Invitation>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(body), now } = call;
        let email = body.email.clone();
        let mut member = Member::new_invited(access.tenant.tenant_id.clone(), body.email, body.language, body.roles, UserSub::new(""), now);
        let change = Change::by(access.actor(), now);
        let invitation = invitations::issue(app, &member, now, body.expires_in_days)?;
        invitation.record_on(&mut member, &change.actor);

        let quotas = app.config.email_quotas.for_email(&member.tenant_id, access.tenant.tree(), &email, None, now);
        let (user, written) = people::add_membership(app, &email, &mut member, |member, joining| {
            let changes = changes::invite_member(&member, &invitation.record, joining, &quotas, &change);
            async move { app.store.commit(&changes).await.map(|()| changes) }
        })
        .await?;
        let kind = LinkKind::MemberInvitation;
        let sent = invitations::send(app, kind, &member, user.has_account, &access.tenant.name, &invitation).await;
        sent_or_taken_back(app, sent, || written.undo()).await?;
        let location = format!("/tenants/{}/members/{}", member.tenant_id, member.member_id);
        Ok(Reply::member(201, &member, now).at(location))
    }
}

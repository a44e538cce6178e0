//! `POST /tenants/{tenantId}/members/{memberId}/invitation`: a new link; the old one dies.
use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::invitations;
use crate::links::InvitationLifetime;
use crate::operations::input::OptionalJson;
use crate::operations::links::sent_or_taken_back;
use crate::operations::scope::ManagedMember;
use crate::operations::{Call, Handler, Reply};
use crate::rules;
use crate::tokens::TokenPurpose;

/// The resend's optional body: how long the new invitation lives.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resend {
    expires_in_days: Option<InvitationLifetime>,
}

pub struct ResendInvitation;

impl Handler for ResendInvitation {
    const NAME: &'static str = "resend-invitation";
    const PORTS: Ports = Ports::ALL;
    type Scope = ManagedMember;
    type Input = OptionalJson<Resend>;

    async fn handle(
        app: &App,
        Call { scope, input: OptionalJson(body), now, .. }: Call<ManagedMember, OptionalJson<Resend>>,
    ) -> Result<Reply, ApiError> {
        let ManagedMember { access, member } = scope;
        rules::must_be_invited(&member)?;
        // A person who has an account meanwhile is asked to sign in and join.
        let has_account = app.directory.has_account(&member.user_sub).await?;

        let invitation = invitations::issue(app, &member, now, body.expires_in_days)?;
        let resent = Some((&member.member_id, TokenPurpose::Invitation));
        let quotas = app.config.email_quotas.for_email(&member.tenant_id, access.tenant.tree(), &member.email, resent, now);
        let change = Change::by(access.actor(), now);
        let (renewed, changes) = changes::replace_link(&member, &invitation.record, &quotas, &change);
        app.store.commit(&changes).await?;
        // The representative's invitation keeps its administrator wording.
        let kind = if renewed.representative { LinkKind::AdministratorInvitation } else { LinkKind::MemberInvitation };
        let sent = invitations::send(app, kind, &renewed, has_account, &access.tenant.name, &invitation).await;
        sent_or_taken_back(app, sent, || changes::take_back_link(&member, &renewed, &invitation.record, &change)).await?;
        Ok(Reply::accepted())
    }
}

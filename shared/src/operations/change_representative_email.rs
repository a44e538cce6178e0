//! `PUT /tenants/{tenantId}/representative/email`: while the representative has not registered,
//! invite the administrator at another address instead.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::invitations;
use crate::operations::input::Json;
use crate::operations::links::sent_or_taken_back;
use crate::operations::people;
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::rules;
use crate::tokens::TokenPurpose;
use crate::views::TenantView;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEmail {
    email: Email,
}

pub struct ChangeRepresentativeEmail;

impl Handler for ChangeRepresentativeEmail {
    const NAME: &'static str = "change-representative-email";
    const PORTS: Ports = Ports::ALL;
    type Scope = ManagedTenant;
    type Input = Json<NewEmail>;

    /// Order: the representative read beside whether the new address is registered (refused if
    /// so), then the old person (the one leaving), find or create the new person in Cognito, move
    /// the member, its email marker and its invitation and count the membership on the new person
    /// and off the old one in one transaction, send the administrator invitation, then delete the
    /// old address's Cognito user if the contract allows. When the email fails, the move is taken
    /// back (the old address, its invitation and its person as they were) and the email's error
    /// is the answer. Asking again for the
    /// address the representative already has re-sends that invitation.
    async fn handle(app: &App, call: Call<ManagedTenant, Json<NewEmail>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(body), now, .. } = call;
        let tenant = &access.tenant;
        // Whether the new address is registered is asked beside the representative's read: the
        // tenant already says the address the representative has.
        let registered = async {
            if body.email == tenant.representative.email {
                return Ok(None);
            }
            app.directory.is_registered(&body.email).await.map(Some)
        };
        let (representative, registered) =
            tokio::try_join!(app.store.get_member(&tenant.tenant_id, &tenant.representative.member_id), registered)?;
        let representative = representative.ok_or(ApiError::NotFound("the tenant has no representative"))?;
        rules::must_be_invited(&representative)?;
        let change = Change::by(access.actor(), now);
        // Every administrator invitation, to the same address or a new one, counts as a resend
        // of the representative's: changing the address is no way around the quota.
        let resend_quotas = |to: &Email| {
            let representative = Some((&representative.member_id, TokenPurpose::Invitation));
            app.config.email_quotas.for_email(&tenant.tenant_id, tenant.tree(), to, representative, now)
        };

        if body.email == representative.email {
            let has_account = app.directory.has_account(&representative.user_sub).await?;
            let invitation = invitations::issue(app, &representative, now, None)?;
            let quotas = resend_quotas(&body.email);
            let (renewed, changes) = changes::replace_link(&representative, &invitation.record, &quotas, &change);
            app.store.commit(&changes).await?;
            let kind = LinkKind::AdministratorInvitation;
            let sent = invitations::send(app, kind, &renewed, has_account, &tenant.name, &invitation).await;
            sent_or_taken_back(app, sent, || changes::take_back_link(&representative, &renewed, &invitation.record, &change)).await?;
            return Ok(Reply::ok(&TenantView::from(tenant)));
        }

        let registered = match registered {
            Some(registered) => registered,
            None => app.directory.is_registered(&body.email).await?,
        };
        rules::unregistered_address(registered)?;
        let departure = people::departure(app, &representative).await?;
        let invitation = invitations::issue(app, &representative, now, None)?;
        let mut moved = representative.revised(|m| {
            m.email = body.email.clone();
            invitation.record_on(m, &change.actor);
        });
        let (_, updated) = people::add_membership(app, &body.email, &mut moved, |moved, joining| {
            let (representative, invitation, leaving, change) = (&representative, &invitation.record, &departure.leaving, &change);
            let quotas = resend_quotas(&moved.email);
            let (updated, changes) =
                changes::change_representative_email(tenant, representative, &moved, invitation, leaving, joining, &quotas, change);
            async move { app.store.commit(&changes).await.map(|()| updated) }
        })
        .await?;
        let sent = invitations::send(app, LinkKind::AdministratorInvitation, &moved, false, &tenant.name, &invitation).await;
        sent_or_taken_back(app, sent, || {
            changes::take_back_representative_email(&representative, &moved, &invitation.record, &departure.leaving, &change)
        })
        .await?;
        people::finish_departure(app, &representative.user_sub, &departure).await;
        Ok(Reply::ok(&TenantView::from(&updated)))
    }
}

//! `POST /tenants` (operators): a tenant, with its administrator invited as representative.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::auth;
use crate::catalog::Roles;
use crate::changes;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::ids::{TenantId, UserSub};
use crate::invitations;
use crate::language::Language;
use crate::model::{Member, Tenant};
use crate::operations::input::Json;
use crate::operations::links::sent_or_taken_back;
use crate::operations::people;
use crate::operations::scope::OperatorClaim;
use crate::operations::{Call, Handler, Reply};
use crate::rules;
use crate::views::{MemberView, TenantView};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewTenant {
    name: String,
    parent_tenant_id: Option<TenantId>,
    admin_email: Email,
    admin_language: Language,
}

pub struct CreateTenant;

impl Handler for CreateTenant {
    const NAME: &'static str = "create-tenant";
    const PORTS: Ports = Ports::ALL;
    const IDEMPOTENT: bool = true;
    type Scope = OperatorClaim;
    type Input = Json<NewTenant>;

    async fn handle(app: &App, call: Call<OperatorClaim, Json<NewTenant>>) -> Result<Reply, ApiError> {
        let Call { scope: OperatorClaim(caller), input: Json(body), now, .. } = call;
        let name = rules::tenant_name(&body.name)?;
        // The token's group claim is checked again against the pool itself: a token issued
        // before the caller left the group still carries it.
        let parent = async {
            match &body.parent_tenant_id {
                None => Ok(None),
                Some(parent_id) => app
                    .store
                    .get_tenant(parent_id)
                    .await?
                    .map(Some)
                    .ok_or_else(|| ApiError::validation("parentTenantId does not name a tenant")),
            }
        };
        let (operator, parent) = tokio::try_join!(people::is_operator(app, &caller.sub), parent)?;
        auth::require_operator(operator)?;
        let ancestors = rules::nested_under(parent.as_ref())?;

        let tenant_id = TenantId::at(now);
        let email = body.admin_email.clone();
        let mut representative =
            Member::new_invited(tenant_id.clone(), body.admin_email, body.admin_language, Roles::tenant_admin(), UserSub::new(""), now);
        representative.representative = true;
        let change = Change::by(Actor::operator(&caller.sub), now);
        let invitation = invitations::issue(app, &representative, now, None)?;
        invitation.record_on(&mut representative, &change.actor);

        let tree = ancestors.first().unwrap_or(&tenant_id);
        let quotas = app.config.email_quotas.for_email(&tenant_id, tree, &email, None, now);
        let (user, (tenant, written)) = people::add_membership(app, &email, &mut representative, |representative, joining| {
            let tenant = Tenant::founded(tenant_id.clone(), name.clone(), ancestors.clone(), &representative, now);
            let changes = changes::create_tenant(&tenant, &representative, &invitation.record, joining, &quotas, &change);
            async move { app.store.commit(&changes).await.map(|()| (tenant, changes)) }
        })
        .await?;
        let kind = LinkKind::AdministratorInvitation;
        let sent = invitations::send(app, kind, &representative, user.has_account, &tenant.name, &invitation).await;
        sent_or_taken_back(app, sent, || written.undo()).await?;
        Ok(Reply::created(
            &serde_json::json!({ "tenant": TenantView::from(&tenant), "representative": MemberView::at(&representative, now) }),
        ))
    }
}

//! `POST /tenants` (operators): a tenant, with its administrator invited as representative.
use serde::Deserialize;

use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::auth::{self, Caller};
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
use crate::operations::input::RequestParts;
use crate::operations::scope::{signed_in, Scope};
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

/// The parent a body names, read as leniently as can be: a body that is not a tenant is refused
/// by its parse, after the caller's checks.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NamedParent {
    parent_tenant_id: Option<TenantId>,
}

/// An operator, as the pool has them now (the token's group claim is only a first answer: a
/// token issued before the caller left the group still carries it), and the parent tenant the
/// body names. Both are read in the round trip of the session check: neither needs the other,
/// and a caller without the claim is refused before anything is read.
pub struct OperatorWithParent {
    caller: Caller,
    parent: Option<(TenantId, Option<Tenant>)>,
}

impl Scope for OperatorWithParent {
    async fn resolve(app: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        let caller = signed_in(parts)?;
        caller.require_operator()?;
        let named = (parts.body.len() <= CreateTenant::MAX_BODY_BYTES)
            .then(|| serde_json::from_slice::<NamedParent>(&parts.body).ok()?.parent_tenant_id)
            .flatten();
        let parent = async {
            match named {
                Some(id) => app.store.get_tenant(&id).await.map(|tenant| Some((id, tenant))),
                None => Ok(None),
            }
        };
        let (operator, parent) = tokio::try_join!(people::is_operator(app, &caller.sub), parent)?;
        auth::require_operator(operator)?;
        Ok(Self { caller, parent })
    }
}

impl OperatorWithParent {
    /// The tenant `named` by the parsed body, as read with the caller's checks.
    fn parent(&self, named: Option<&TenantId>) -> Result<Option<&Tenant>, ApiError> {
        let Some(named) = named else { return Ok(None) };
        match &self.parent {
            Some((read, Some(tenant))) if read == named => Ok(Some(tenant)),
            _ => Err(ApiError::validation("parentTenantId does not name a tenant")),
        }
    }
}

pub struct CreateTenant;

impl Handler for CreateTenant {
    const NAME: &'static str = "create-tenant";
    const PORTS: Ports = Ports::ALL;
    const IDEMPOTENT: bool = true;
    type Scope = OperatorWithParent;
    type Input = Json<NewTenant>;

    async fn handle(app: &App, call: Call<OperatorWithParent, Json<NewTenant>>) -> Result<Reply, ApiError> {
        let Call { scope, input: Json(body), now, .. } = call;
        let name = rules::tenant_name(&body.name)?;
        let parent = scope.parent(body.parent_tenant_id.as_ref())?;
        let caller = &scope.caller;
        let ancestors = rules::nested_under(parent)?;

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

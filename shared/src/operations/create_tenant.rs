//! `POST /tenants` (operators): a tenant, with its administrator invited as representative.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::catalog::Roles;
use crate::changes;
use crate::email::Email;
use crate::emails::LinkKind;
use crate::error::ApiError;
use crate::http::{json, json_body};
use crate::idempotency;
use crate::ids::{TenantId, UserSub};
use crate::invitations;
use crate::language::Language;
use crate::model::{Member, Tenant};
use crate::operations::people;

/// Deep enough for any organisation chart; bounds the transaction that creates a tenant.
const MAX_DEPTH: usize = 10;
const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateTenant {
    name: String,
    parent_tenant_id: Option<TenantId>,
    admin_email: Email,
    admin_language: Language,
}

fn tenant_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::validation(format!("name must be 1 to {MAX_NAME_CHARS} printable characters")));
    }
    Ok(name.to_string())
}

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    idempotency::once(app, req, create(app, req)).await
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = crate::http::caller(req)?;
    if !caller.operator {
        return Err(ApiError::Forbidden("only operators may create tenants"));
    }
    let body: CreateTenant = json_body(req)?;
    let name = tenant_name(&body.name)?;
    // The token's group claim is checked again against the pool itself: a token issued before
    // the caller left the group still carries it.
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
    if !operator {
        return Err(ApiError::Forbidden("only operators may create tenants"));
    }
    let ancestors = match parent {
        None => Vec::new(),
        Some(parent) if parent.ancestors.len() + 1 >= MAX_DEPTH => {
            return Err(ApiError::validation(format!("tenants nest at most {MAX_DEPTH} levels deep")));
        }
        Some(parent) => parent.lineage().cloned().collect(),
    };

    let now = crate::model::now();
    let tenant_id = TenantId::generate();
    let email = body.admin_email.clone();
    let mut representative =
        Member::new_invited(tenant_id.clone(), body.admin_email, body.admin_language, Roles::tenant_admin(), UserSub::new(""), now);
    representative.representative = true;
    let invitation = invitations::issue(app, &representative, now)?;
    invitation.record_on(&mut representative);

    let change = Change::by(Actor::operator(&caller));
    let quotas = app.config.email_quotas.for_email(&tenant_id, &email, None, now);
    let (user, (tenant, written)) = people::add_membership(app, &email, &mut representative, |representative, joining| {
        let tenant = Tenant::founded(tenant_id.clone(), name.clone(), ancestors.clone(), &representative, now);
        let changes = changes::create_tenant(&tenant, &representative, &invitation.record, joining, &quotas, &change);
        async move { app.store.commit(&changes).await.map(|()| (tenant, changes)) }
    })
    .await?;
    let kind = LinkKind::AdministratorInvitation;
    let sent = invitations::send(app, kind, &representative, user.has_account, &tenant.name, &invitation).await;
    if let Err(error) = sent {
        app.store.commit(&written.undo()).await?;
        return Err(error);
    }
    Ok(json(StatusCode::CREATED, &serde_json::json!({ "tenant": tenant.view(), "representative": representative.view() })))
}

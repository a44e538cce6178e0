//! One module per operation; `Operation` names them for the Lambda binaries and the local API.
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};

use crate::app::App;
use crate::auth::{require_manager, Caller, ManagerAccess};
use crate::error::ApiError;
use crate::http::{path_param, problem};
use crate::ids::{MemberId, TenantId};
use crate::model::Member;

mod accept_invitation;
mod create_tenant;
mod get_member;
mod get_tenant;
mod invite_member;
mod list_members;
mod list_roles;
mod list_tenants;

macro_rules! operations {
    ($($variant:ident => $name:literal, $module:ident;)*) => {
        /// Every operation of the service; each is one Lambda function named `$name`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Operation {
            $($variant,)*
        }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$variant,)*];

            /// The function's name: its folder under `functions/` and its binary.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }

            async fn handle(self, app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
                match self {
                    $(Operation::$variant => $module::handle(app, req).await,)*
                }
            }
        }
    };
}

operations! {
    CreateTenant => "create-tenant", create_tenant;
    GetTenant => "get-tenant", get_tenant;
    ListTenants => "list-tenants", list_tenants;
    InviteMember => "invite-member", invite_member;
    ListMembers => "list-members", list_members;
    GetMember => "get-member", get_member;
    AcceptInvitation => "accept-invitation", accept_invitation;
    ListRoles => "list-roles", list_roles;
}

impl Operation {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// Runs the operation and answers as the contract says, errors included; logs one line.
    pub async fn respond(self, app: &App, req: Request) -> Response<Body> {
        let started = Instant::now();
        let result = self.handle(app, &req).await;
        let response = match &result {
            Ok(_) => None,
            Err(error) => Some(problem(error)),
        };
        let status = response.as_ref().map_or_else(|| result.as_ref().map(|r| r.status()).ok(), |r| Some(r.status()));
        let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
        let tenant = req.path_parameters_ref().and_then(|p| p.first("tenantId")).unwrap_or_default().to_string();
        let upstream_error = match &result {
            Err(ApiError::Upstream(source)) => Some(source.to_string()),
            _ => None,
        };
        tracing::info!(
            request_id,
            function = self.name(),
            tenant,
            status = status.map(|s| s.as_u16()).unwrap_or_default(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            upstream_error,
            "request"
        );
        match (result, response) {
            (Ok(ok), _) => ok,
            (Err(_), Some(problem)) => problem,
            (Err(error), None) => problem(&error),
        }
    }
}

/// The tenant of the path, once the caller is cleared to manage it.
async fn managed_tenant(app: &App, req: &Request) -> Result<ManagerAccess, ApiError> {
    let caller = Caller::from_request(req)?;
    // A malformed id names no tenant: answer as for any unknown tenant.
    let tenant_id =
        TenantId::parse(&path_param(req, "tenantId")?).map_err(|_| ApiError::NotFound("no such tenant"))?;
    require_manager(app, caller, &tenant_id).await
}

/// The member of the path, within the managed tenant.
async fn managed_member(app: &App, access: &ManagerAccess, req: &Request) -> Result<Member, ApiError> {
    let member_id =
        MemberId::parse(&path_param(req, "memberId")?).map_err(|_| ApiError::NotFound("no such member"))?;
    app.store
        .get_member(&access.tenant.tenant_id, &member_id)
        .await?
        .ok_or(ApiError::NotFound("no such member"))
}

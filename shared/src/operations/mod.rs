//! One module per operation; `Operation` names them for the Lambda binaries and the local API.
use std::time::Instant;

use lambda_http::http::{header, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::app::{App, Ports};
use crate::auth::{granting_membership, standing, Caller, ManagerAccess, Standing};
use crate::changes;
use crate::error::ApiError;
use crate::http::{json, path_param, problem, with_header};
use crate::ids::{MemberId, TenantId};
use crate::links::{FirstPassword, LinkClaim, TokenRecord};
use crate::model::Member;
use crate::tokens::Token;
use crate::tokens::TokenPurpose;

mod accept_invitation;
mod change_member_roles;
mod change_representative;
mod change_representative_email;
mod complete_password_reset;
mod create_tenant;
mod delete_member;
mod get_member;
mod get_tenant;
mod invite_member;
mod join_tenant;
mod list_audit;
mod list_members;
mod list_representative_candidates;
mod list_roles;
mod list_tenants;
mod lookup_invitation;
pub(crate) mod people;
mod resend_invitation;
mod send_password_reset;
mod set_member_mfa;

/// One operation as its Lambda function runs it. A function's binary names its operation's type
/// (`lambda::run::<InviteMember>()`), so it links that handler and no other; the name → handler
/// table (`Operation`) is for the local gateway and the tests.
pub trait Handler {
    /// The function's name: its folder under `functions/` and its binary.
    const NAME: &'static str;
    /// The ports it calls: its function builds those clients and no other.
    const PORTS: Ports;
    fn handle(app: &App, req: &Request) -> impl std::future::Future<Output = Result<Response<Body>, ApiError>> + Send;
}

macro_rules! operations {
    ($($variant:ident => $name:literal, $module:ident, $ports:ident;)*) => {
        $(
            #[doc = concat!("The `", $name, "` function.")]
            pub struct $variant;

            impl Handler for $variant {
                const NAME: &'static str = $name;
                const PORTS: Ports = Ports::$ports;
                fn handle(app: &App, req: &Request) -> impl std::future::Future<Output = Result<Response<Body>, ApiError>> + Send {
                    $module::handle(app, req)
                }
            }
        )*

        /// Every operation of the service, by name; each is one Lambda function named `$name`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Operation {
            $($variant,)*
        }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$variant,)*];

            /// The function's name: its folder under `functions/` and its binary.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $variant::NAME,)*
                }
            }

            /// The ports its function calls.
            pub fn ports(self) -> Ports {
                match self {
                    $(Operation::$variant => $variant::PORTS,)*
                }
            }

            /// Runs the operation and answers as the contract says, errors included; logs one line.
            pub async fn respond(self, app: &App, req: Request) -> Response<Body> {
                match self {
                    $(Operation::$variant => respond::<$variant>(app, req).await,)*
                }
            }
        }
    };
}

operations! {
    CreateTenant => "create-tenant", create_tenant, ALL;
    GetTenant => "get-tenant", get_tenant, STORE;
    ListTenants => "list-tenants", list_tenants, STORE;
    InviteMember => "invite-member", invite_member, ALL;
    ListMembers => "list-members", list_members, STORE;
    GetMember => "get-member", get_member, STORE;
    LookupInvitation => "lookup-invitation", lookup_invitation, STORE_DIRECTORY;
    AcceptInvitation => "accept-invitation", accept_invitation, STORE_DIRECTORY;
    JoinTenant => "join-tenant", join_tenant, STORE;
    ListRoles => "list-roles", list_roles, NONE;
    ChangeMemberRoles => "change-member-roles", change_member_roles, STORE;
    DeleteMember => "delete-member", delete_member, STORE_DIRECTORY;
    ResendInvitation => "resend-invitation", resend_invitation, ALL;
    SendPasswordReset => "send-password-reset", send_password_reset, ALL;
    CompletePasswordReset => "complete-password-reset", complete_password_reset, STORE_DIRECTORY;
    SetMemberMfa => "set-member-mfa", set_member_mfa, STORE_DIRECTORY;
    ListRepresentativeCandidates => "list-representative-candidates", list_representative_candidates, STORE;
    ChangeRepresentative => "change-representative", change_representative, STORE;
    ChangeRepresentativeEmail => "change-representative-email", change_representative_email, ALL;
    ListAudit => "list-audit", list_audit, STORE;
}

impl Operation {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }
}

/// Reads the tenant and the caller's memberships in parallel (one round trip) and decides.
pub async fn require_manager(app: &App, caller: Caller, tenant_id: &TenantId) -> Result<ManagerAccess, ApiError> {
    let (tenant, memberships) = tokio::try_join!(app.store.get_tenant(tenant_id), app.store.memberships_of(&caller.sub))?;
    let tenant = tenant.ok_or(ApiError::NotFound("no such tenant"))?;
    match standing(&caller, &tenant, &memberships) {
        Standing::Operator | Standing::Manager => {}
        Standing::Member => return Err(ApiError::Forbidden("only tenant administrators may manage members")),
        Standing::Stranger => return Err(ApiError::NotFound("no such tenant")),
    }
    let grant = granting_membership(&tenant, &memberships).cloned();
    let own_membership = memberships.iter().find(|m| m.tenant_id == tenant.tenant_id).cloned();
    Ok(ManagerAccess { caller, tenant, own_membership, grant, memberships })
}

/// Runs operation `H` and answers as the contract says, errors included; logs one line.
pub async fn respond<H: Handler>(app: &App, req: Request) -> Response<Body> {
    let started = Instant::now();
    let result = H::handle(app, &req).await;
    answer(H::NAME, started, &req, result)
}

fn answer(function: &'static str, started: Instant, req: &Request, result: Result<Response<Body>, ApiError>) -> Response<Body> {
    let response = match &result {
        Ok(_) => None,
        Err(error) => Some(problem(error)),
    };
    let status = response.as_ref().map_or_else(|| result.as_ref().map(|r| r.status()).ok(), |r| Some(r.status()));
    let request_id = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let tenant = req.path_parameters_ref().and_then(|p| p.first("tenantId")).unwrap_or_default().to_string();
    let upstream_error = match &result {
        Err(ApiError::Upstream(source)) => Some(error_chain(source.as_ref())),
        _ => None,
    };
    tracing::info!(
        request_id,
        function,
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

/// An error and its causes, for the log ("service error" alone says nothing).
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The tenant of the path, once the caller is cleared to manage it.
async fn managed_tenant(app: &App, req: &Request) -> Result<ManagerAccess, ApiError> {
    let caller = crate::http::caller(req)?;
    require_manager(app, caller, &path_tenant(req)?).await
}

/// A malformed id names no tenant: answered as for any unknown tenant.
fn path_tenant(req: &Request) -> Result<TenantId, ApiError> {
    TenantId::parse(&path_param(req, "tenantId")?).map_err(|_| ApiError::NotFound("no such tenant"))
}

/// The managed tenant and the member of the path in it. The member is read in the same round
/// trip as the caller's authorization, and shown only once that clears.
async fn managed_member(app: &App, req: &Request) -> Result<(ManagerAccess, Member), ApiError> {
    let caller = crate::http::caller(req)?;
    let tenant_id = path_tenant(req)?;
    let member_id = MemberId::parse(&path_param(req, "memberId")?).ok();
    let read_member = async {
        match &member_id {
            Some(id) => app.store.get_member(&tenant_id, id).await,
            None => Ok(None),
        }
    };
    let (access, member) = tokio::join!(require_manager(app, caller, &tenant_id), read_member);
    let access = access?;
    let member = member?.ok_or(ApiError::NotFound("no such member"))?;
    Ok((access, member))
}

/// A member as the contract shows it, with its version as `ETag` for a later `If-Match`.
fn member_response(status: StatusCode, member: &Member) -> Response<Body> {
    with_header(json(status, &member.view()), header::ETAG, &format!("\"{}\"", member.version))
}

/// What accepting or joining answers: the membership now active.
fn joined(status: StatusCode, member: &Member) -> Response<Body> {
    json(status, &serde_json::json!({ "memberId": member.member_id, "tenantId": member.tenant_id, "email": member.email }))
}

/// The body of both public endpoints that set a password: the token from an email link and the
/// new password.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenAndPassword {
    token: String,
    password: String,
}

/// The body of the endpoints that take a link's token alone.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenOnly {
    token: String,
}

/// Holds the link for this redemption, runs `redeem` (the calls to Cognito and the burn), and
/// lets go of the link if that fails, so that the person can simply try again.
async fn claimed<T, Redeemed>(
    app: &App,
    record: &TokenRecord,
    first_password: Option<&FirstPassword>,
    redeem: impl FnOnce(LinkClaim) -> Redeemed,
) -> Result<T, ApiError>
where
    Redeemed: std::future::Future<Output = Result<T, ApiError>>,
{
    let claim = LinkClaim::new(crate::model::now());
    app.store.commit(&changes::claim_link(record, &claim, first_password)).await?;
    let redeemed = redeem(claim.clone()).await;
    if redeemed.is_err() {
        match app.store.commit(&changes::release_link(record, &claim)).await {
            // Burnt or taken over meanwhile: nothing of ours to let go.
            Ok(()) | Err(ApiError::TokenInvalid) => {}
            Err(error) => tracing::warn!(error = %error_chain(&error), "a link stays held until its claim expires"),
        }
    }
    redeemed
}

/// The stored link behind a token from an email, and its member, if it may be redeemed now.
/// Unknown, used, replaced and malformed tokens are all `TokenInvalid`, so answers tell
/// nothing; only a live link past its expiry is `TokenExpired`.
async fn redeem(app: &App, raw: &str, purpose: TokenPurpose) -> Result<(TokenRecord, Member), ApiError> {
    let hash = Token::parse(raw)?.hash();
    let record = app.store.get_token(&hash).await?.filter(|r| r.purpose == purpose).ok_or(ApiError::TokenInvalid)?;
    let member = app
        .store
        .get_member(&record.tenant_id, &record.member_id)
        .await?
        .filter(|m| m.live_token(purpose) == Some(&hash))
        .ok_or(ApiError::TokenInvalid)?;
    if record.expires_at <= crate::model::now() {
        return Err(ApiError::TokenExpired);
    }
    Ok((record, member))
}

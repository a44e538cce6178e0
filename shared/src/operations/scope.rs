//! Who may call a handler, decided from the caller and the path before anything else of the
//! request is read: each handler names its `Scope`, and receives it cleared.
use std::future::Future;

use crate::app::App;
use crate::auth::{Caller, ManagerAccess};
use crate::error::ApiError;
use crate::ids::{MemberId, TenantId};
use crate::model::Member;
use crate::operations::input::RequestParts;
use crate::operations::people;
use crate::tokens::sha256_hex;

pub trait Scope: Sized + Send {
    fn resolve(app: &App, parts: &RequestParts) -> impl Future<Output = Result<Self, ApiError>> + Send;
}

/// A public route: anyone, with an emailed link's token in the body; through the stack's
/// firewall when it has one (`Config::public_origin_secret`).
pub struct Public;

impl Scope for Public {
    async fn resolve(app: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        match &app.config.public_origin_secret {
            // Compared as hashes: how long a comparison takes tells nothing of the secret.
            Some(secret) if parts.origin_verify.as_deref().is_none_or(|sent| sha256_hex(sent) != sha256_hex(secret.as_bytes())) => {
                Err(ApiError::Forbidden("call the public routes through the portal's API address"))
            }
            _ => Ok(Public),
        }
    }
}

/// Any signed-in caller.
pub struct SignedIn(pub Caller);

impl Scope for SignedIn {
    async fn resolve(_: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        signed_in(parts).map(SignedIn)
    }
}

pub fn signed_in(parts: &RequestParts) -> Result<Caller, ApiError> {
    parts.caller.clone().ok_or(ApiError::Unauthenticated)
}

/// A signed-in caller with every membership of theirs, and whether the pool still has them in
/// `operators`: read as a managed route reads its caller's, in the round trip of the session
/// check.
pub struct OwnMemberships {
    pub caller: Caller,
    pub memberships: Vec<Member>,
}

impl Scope for OwnMemberships {
    async fn resolve(app: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        OwnMemberships::of(app, signed_in(parts)?).await
    }
}

impl OwnMemberships {
    /// The caller's memberships and, when their token says they are an operator, the pool's
    /// live groups, in one round trip.
    async fn of(app: &App, caller: Caller) -> Result<Self, ApiError> {
        let (memberships, operator) = tokio::try_join!(app.store.memberships_of(&caller.sub), live_operator(app, &caller))?;
        Ok(OwnMemberships { caller: Caller { operator, ..caller }, memberships })
    }
}

/// A manager of the path's tenant.
pub struct ManagedTenant(pub ManagerAccess);

impl Scope for ManagedTenant {
    async fn resolve(app: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        let caller = signed_in(parts)?;
        let tenant_id = path_tenant(parts)?;
        require_manager(app, caller, &tenant_id).await.map(ManagedTenant)
    }
}

/// A manager of the path's tenant, and the path's member in it. The member is read in the
/// same round trip as the caller's authorization, and shown only once that clears.
pub struct ManagedMember {
    pub access: ManagerAccess,
    pub member: Member,
}

impl Scope for ManagedMember {
    async fn resolve(app: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        let caller = signed_in(parts)?;
        let tenant_id = path_tenant(parts)?;
        let member_id = parts.member_id.as_deref().and_then(|id| MemberId::parse(id).ok());
        let read_member = async {
            match &member_id {
                Some(id) => app.store.get_member(&tenant_id, id).await,
                None => Ok(None),
            }
        };
        let (access, member) = tokio::join!(require_manager(app, caller, &tenant_id), read_member);
        let access = access?;
        let member = member?.ok_or(ApiError::NotFound("no such member"))?;
        Ok(ManagedMember { access, member })
    }
}

/// A malformed id names no tenant: answered as for any unknown tenant.
fn path_tenant(parts: &RequestParts) -> Result<TenantId, ApiError> {
    let raw = parts.tenant_id.as_deref().ok_or_else(|| ApiError::validation("missing path parameter tenantId"))?;
    TenantId::parse(raw).map_err(|_| ApiError::NotFound("no such tenant"))
}

/// Reads the tenant beside the caller's own memberships (one round trip); the domain decides.
async fn require_manager(app: &App, caller: Caller, tenant_id: &TenantId) -> Result<ManagerAccess, ApiError> {
    let (tenant, own) = tokio::try_join!(app.store.get_tenant(tenant_id), OwnMemberships::of(app, caller))?;
    ManagerAccess::clear(own.caller, tenant, own.memberships)
}

/// Whether the caller is an operator now: the token's group claim is only a first answer (a
/// token issued before they left `operators` still carries it), so a claim is checked against
/// the pool's groups; no claim, no call.
pub async fn live_operator(app: &App, caller: &Caller) -> Result<bool, ApiError> {
    if !caller.operator {
        return Ok(false);
    }
    people::is_operator(app, &caller.sub).await
}

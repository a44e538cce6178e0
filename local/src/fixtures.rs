//! The tenants and members the sample events in `events/` name by id, written through the
//! store ports so that each event can be fed to its function against a real (emulated) table.
//!
//! Tenant `TENANT_ID`: representative `ADMIN_ID` (the events' administrator), a second active
//! administrator, a plain member (the events' forbidden caller), a registered `TARGET_ID` with a
//! pending password reset, and an invited member. Its child `CHILD_TENANT_ID` has a
//! representative who has not registered yet.
use tenant_members::audit::{Actor, Change};
use tenant_members::auth::Caller;
use tenant_members::catalog::Roles;
use tenant_members::email::Email;
use tenant_members::ids::{MemberId, TenantId, UserSub};
use tenant_members::language::Language;
use tenant_members::model::{Member, Tenant};
use tenant_members::ports::{SendQuota, TokenPurpose, TokenRecord};
use tenant_members::tokens::Token;
use tenant_members::{ApiError, App};
use time::OffsetDateTime;

pub const TENANT_ID: &str = "01JEVENTS00000000000TENANT";
pub const CHILD_TENANT_ID: &str = "01JEVENTS000000000000CHD01";
pub const ADMIN_ID: &str = "01JEVENTS0000000000000ADMN";
pub const SECOND_ADMIN_ID: &str = "01JEVENTS000000000000ADMN2";
pub const MEMBER_ID: &str = "01JEVENTS000000000000MEMBR";
pub const TARGET_ID: &str = "01JEVENTS000000000000TARGT";
pub const INVITED_ID: &str = "01JEVENTS00000000000NVTD01";
pub const CHILD_REPRESENTATIVE_ID: &str = "01JEVENTS00000000000CHDREP";
/// The callers of the events, as their JWT `sub` claims name them.
pub const ADMIN_SUB: &str = "event-admin-sub";
pub const SECOND_ADMIN_SUB: &str = "event-second-admin-sub";
pub const MEMBER_SUB: &str = "event-member-sub";
/// The invited member's invitation, which `accept-invitation` events redeem.
pub const INVITATION_TOKEN: &str = "ZXZlbnRzLWFjY2VwdC10b2tlbi0wMDAwMDAwMDAwMDA";
/// The target's password reset, which `complete-password-reset` events redeem.
pub const RESET_TOKEN: &str = "ZXZlbnRzLXJlc2V0LXRva2VuLTAwMDAwMDAwMDAwMDA";

fn portal(role: &str) -> Result<Roles, ApiError> {
    Roles::parse([("service-management-portal".to_string(), role.to_string())].into())
}

fn member(tenant: &str, id: &str, email: &str, roles: Roles, sub: UserSub, now: OffsetDateTime) -> Result<Member, ApiError> {
    let mut member = Member::new_invited(TenantId::parse(tenant)?, Email::parse(email)?, Language::En, roles, sub, now);
    member.member_id = MemberId::parse(id)?;
    Ok(member)
}

/// Attaches an invitation with this token to the member.
fn invite(member: &mut Member, token: &Token, now: OffsetDateTime) -> TokenRecord {
    let record = TokenRecord::for_member(token, TokenPurpose::Invitation, member, now + time::Duration::days(7));
    member.invitation_expires_at = Some(record.expires_at);
    member.invitation_token_hash = Some(record.hash.clone());
    record
}

fn tenant(id: &str, name: &str, parent: Option<&str>, representative: &Member, now: OffsetDateTime) -> Result<Tenant, ApiError> {
    let ancestors = parent.map(TenantId::parse).transpose()?.into_iter().collect();
    Ok(Tenant::founded(TenantId::parse(id)?, name.into(), ancestors, representative, now))
}

pub async fn seed(app: &App) -> Result<(), ApiError> {
    let now = tenant_members::model::now();
    let store = &app.store;
    let seeding = || Change::by(Actor::operator(&Caller { sub: UserSub::new("events-fixtures"), operator: true }));

    let mut admin = member(TENANT_ID, ADMIN_ID, "admin@events.example.com", Roles::tenant_admin(), UserSub::new(ADMIN_SUB), now)?;
    admin.representative = true;
    let admin_invitation = invite(&mut admin, &Token::generate()?, now);
    store.create_tenant(&tenant(TENANT_ID, "Events Inc.", None, &admin, now)?, &admin, &admin_invitation, &seeding()).await?;
    store.accept_invitation(&admin_invitation, &admin, &Change::by(Actor::member(&admin))).await?;

    let real_sub = |email: &'static str| async move { app.directory.ensure_user(&Email::parse(email)?).await };
    let members = [
        (SECOND_ADMIN_ID, "second.admin@events.example.com", Roles::tenant_admin(), UserSub::new(SECOND_ADMIN_SUB), true),
        (MEMBER_ID, "member@events.example.com", portal("member")?, UserSub::new(MEMBER_SUB), true),
        (TARGET_ID, "target@events.example.com", portal("member")?, real_sub("target@events.example.com").await?, true),
        (INVITED_ID, "invited@events.example.com", portal("member")?, real_sub("invited@events.example.com").await?, false),
    ];
    for (id, email, roles, sub, registers) in members {
        let mut new = member(TENANT_ID, id, email, roles, sub, now)?;
        let token = if id == INVITED_ID { Token::parse(INVITATION_TOKEN)? } else { Token::generate()? };
        let invitation = invite(&mut new, &token, now);
        store.insert_member(&new, &invitation, &seeding()).await?;
        if registers {
            let active = store.accept_invitation(&invitation, &new, &Change::by(Actor::member(&new))).await?;
            if id == TARGET_ID {
                let reset = TokenRecord::for_member(
                    &Token::parse(RESET_TOKEN)?,
                    TokenPurpose::PasswordReset,
                    &active,
                    now + time::Duration::hours(1),
                );
                let quota = SendQuota::hourly(&active.member_id, TokenPurpose::PasswordReset, now);
                store.replace_link(&active, &reset, &quota, &seeding()).await?;
            }
        }
    }

    let child_sub = real_sub("child.admin@events.example.com").await?;
    let mut child_representative =
        member(CHILD_TENANT_ID, CHILD_REPRESENTATIVE_ID, "child.admin@events.example.com", Roles::tenant_admin(), child_sub, now)?;
    child_representative.representative = true;
    let child_invitation = invite(&mut child_representative, &Token::generate()?, now);
    let child = tenant(CHILD_TENANT_ID, "Events Child", Some(TENANT_ID), &child_representative, now)?;
    store.create_tenant(&child, &child_representative, &child_invitation, &seeding()).await?;
    Ok(())
}

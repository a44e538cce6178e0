//! The tenant and members the sample events in `events/` name by id, written through the store
//! ports so that each event can be fed to its function against a real (emulated) table.
use tenant_members::catalog::Roles;
use tenant_members::email::Email;
use tenant_members::ids::{MemberId, TenantId, UserSub};
use tenant_members::language::Language;
use tenant_members::model::{Member, MemberStatus, Mfa, RepresentativeSummary, Tenant};
use tenant_members::ports::{TokenPurpose, TokenRecord};
use tenant_members::tokens::Token;
use tenant_members::{ApiError, App};
use time::OffsetDateTime;

pub const TENANT_ID: &str = "01JEVENTS00000000000TENANT";
pub const REPRESENTATIVE_ID: &str = "01JEVENTS000000000000REPRS";
pub const ADMIN_ID: &str = "01JEVENTS0000000000000ADMN";
pub const MEMBER_ID: &str = "01JEVENTS000000000000MEMBR";
/// The callers of the events, as their JWT `sub` claims name them.
pub const ADMIN_SUB: &str = "event-admin-sub";
pub const MEMBER_SUB: &str = "event-member-sub";
pub const MEMBER_EMAIL: &str = "member@events.example.com";
/// The representative's pending invitation, which `accept-invitation` events redeem.
pub const INVITATION_TOKEN: &str = "ZXZlbnRzLWFjY2VwdC10b2tlbi0wMDAwMDAwMDAwMDA";

fn member(id: &str, email: &str, roles: Roles, sub: UserSub, now: OffsetDateTime) -> Result<Member, ApiError> {
    Ok(Member {
        member_id: MemberId::parse(id)?,
        tenant_id: TenantId::parse(TENANT_ID)?,
        email: Email::parse(email)?,
        language: Language::En,
        roles,
        status: MemberStatus::Invited,
        representative: false,
        mfa: Mfa::default(),
        invited_at: now,
        invitation_expires_at: None,
        registered_at: None,
        version: 1,
        user_sub: sub,
    })
}

fn invitation(member: &Member, token: &Token, now: OffsetDateTime) -> TokenRecord {
    TokenRecord {
        hash: token.hash(),
        purpose: TokenPurpose::Invitation,
        tenant_id: member.tenant_id.clone(),
        member_id: member.member_id.clone(),
        expires_at: now + time::Duration::days(7),
    }
}

/// Seeds: the tenant, its representative (invited, with `INVITATION_TOKEN`), an active second
/// tenant-admin (`ADMIN_SUB`) and an active plain member (`MEMBER_SUB`).
pub async fn seed(app: &App) -> Result<(), ApiError> {
    let now = OffsetDateTime::now_utc();
    let representative_email = Email::parse("representative@events.example.com")?;
    let representative_sub = app.directory.ensure_user(&representative_email).await?;
    let mut representative =
        member(REPRESENTATIVE_ID, representative_email.as_str(), Roles::tenant_admin(), representative_sub, now)?;
    representative.representative = true;
    let token = Token::parse(INVITATION_TOKEN)?;
    representative.invitation_expires_at = Some(now + time::Duration::days(7));
    let tenant = Tenant {
        tenant_id: TenantId::parse(TENANT_ID)?,
        name: "Events Inc.".into(),
        parent_tenant_id: None,
        ancestors: Vec::new(),
        representative: RepresentativeSummary {
            member_id: representative.member_id.clone(),
            email: representative.email.clone(),
            status: MemberStatus::Invited,
        },
        member_count: 1,
        created_at: now,
    };
    app.store.create_tenant(&tenant, &representative, &invitation(&representative, &token, now)).await?;

    let plain_member = Roles::parse([("service-management-portal".to_string(), "member".to_string())].into())?;
    for (id, email, roles, sub) in [
        (ADMIN_ID, "admin@events.example.com", Roles::tenant_admin(), ADMIN_SUB),
        (MEMBER_ID, MEMBER_EMAIL, plain_member, MEMBER_SUB),
    ] {
        let member = member(id, email, roles, UserSub::new(sub), now)?;
        let token = Token::generate()?;
        let record = invitation(&member, &token, now);
        app.store.insert_member(&member, &record).await?;
        app.store.accept_invitation(&record, &member, now).await?;
    }
    Ok(())
}

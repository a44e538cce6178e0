//! The tenants and members the sample events in `events/` name by id, written through the
//! store ports so that each event can be fed to its function against a real (emulated) table.
//!
//! Tenant `TENANT_ID`: representative `ADMIN_ID` (the events' administrator), a second active
//! administrator, a plain member (the events' forbidden caller), a registered `TARGET_ID` with a
//! pending password reset, and an invited member. Its child `CHILD_TENANT_ID` has a
//! representative who has not registered yet; the administrator is invited there too (`JOIN_TOKEN`,
//! which `join-tenant` events redeem), and so is the target, who has an account (`SIGN_IN_TOKEN`:
//! accepting it with a password is refused). The events' operator is a real operator of the pool.
//! The tenant's directory connection has one token, `DIRECTORY_TOKEN`, which `scim` events use.
use tenant_members::audit::{Actor, Change};
use tenant_members::catalog::Roles;
use tenant_members::changes::{self, Joining};
use tenant_members::directory::{DirectoryToken, TokenLifetime};
use tenant_members::email::Email;
use tenant_members::ids::{MemberId, TenantId, UserSub};
use tenant_members::language::Language;
use tenant_members::links::TokenRecord;
use tenant_members::model::{Member, Tenant};
use tenant_members::tokens::Token;
use tenant_members::tokens::TokenPurpose;
use tenant_members::{ApiError, App};
use time::OffsetDateTime;

// The fixtures' ids, tokens, callers and password: one source, `local/fixtures.json`, which
// `scripts/generate-events.py` writes the events from and `build.rs` makes these constants of.
include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

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

/// The events' operator: a user of the pool with the events' fixed `sub`, in group `operators`
/// (the emulator keeps a `sub` it is given; see scripts/emulator.py).
async fn operator(cognito: &aws_sdk_cognitoidentityprovider::Client, user_pool_id: &str) -> Result<(), ApiError> {
    let attribute = |name: &str, value: &str| {
        aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name(name).value(value).build().map_err(ApiError::upstream)
    };
    let created = cognito
        .admin_create_user()
        .user_pool_id(user_pool_id)
        .username(OPERATOR_EMAIL)
        .user_attributes(attribute("email", OPERATOR_EMAIL)?)
        .user_attributes(attribute("sub", OPERATOR_SUB)?)
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await;
    // The events' user pool outlives a reseed (only the table is made anew).
    if let Err(error) = created {
        if !error.as_service_error().is_some_and(|e| e.is_username_exists_exception()) {
            return Err(ApiError::upstream(error));
        }
    }
    cognito
        .admin_add_user_to_group()
        .user_pool_id(user_pool_id)
        .username(OPERATOR_SUB)
        .group_name(tenant_members::auth::OPERATORS_GROUP)
        .send()
        .await
        .map_err(ApiError::upstream)?;
    Ok(())
}

pub async fn seed(app: &App, cognito: &aws_sdk_cognitoidentityprovider::Client) -> Result<(), ApiError> {
    operator(cognito, &app.config.user_pool_id).await?;
    let now = tenant_members::clock::now();
    let store = &app.store;
    let known = Joining { created_user: false };
    let seeding = || Change::by(Actor::operator(&UserSub::new("events-fixtures")), now);

    let mut admin = member(TENANT_ID, ADMIN_ID, ADMIN_EMAIL, Roles::tenant_admin(), UserSub::new(ADMIN_SUB), now)?;
    admin.representative = true;
    let admin_invitation = invite(&mut admin, &Token::generate()?, now);
    let events_inc = tenant(TENANT_ID, "Events Inc.", None, &admin, now)?;
    store.commit(&changes::create_tenant(&events_inc, &admin, &admin_invitation, known, &[], &seeding())).await?;
    store.commit(&changes::accept_invitation(&admin_invitation, None, &admin, &Change::by(Actor::member(&admin), now)).1).await?;

    let real_sub = |email: &'static str| async move { Ok::<_, ApiError>(app.directory.ensure_user(&Email::parse(email)?).await?.sub) };
    let members = [
        (SECOND_ADMIN_ID, SECOND_ADMIN_EMAIL, Roles::tenant_admin(), UserSub::new(SECOND_ADMIN_SUB), Language::En, true),
        // Japanese: the custom-message events word this member's codes in Japanese.
        (MEMBER_ID, MEMBER_EMAIL, portal("member")?, UserSub::new(MEMBER_SUB), Language::Ja, true),
        (TARGET_ID, "target@events.example.com", portal("member")?, real_sub("target@events.example.com").await?, Language::En, true),
        (INVITED_ID, "invited@events.example.com", portal("member")?, real_sub("invited@events.example.com").await?, Language::En, false),
    ];
    for (id, email, roles, sub, language, registers) in members {
        let mut new = member(TENANT_ID, id, email, roles, sub, now)?;
        new.language = language;
        let token = if id == INVITED_ID { Token::parse(INVITATION_TOKEN)? } else { Token::generate()? };
        let invitation = invite(&mut new, &token, now);
        store.commit(&changes::invite_member(&new, &invitation, known, &[], &seeding())).await?;
        if registers {
            let (active, accepting) = changes::accept_invitation(&invitation, None, &new, &Change::by(Actor::member(&new), now));
            store.commit(&accepting).await?;
            if id == TARGET_ID {
                let reset = TokenRecord::for_member(
                    &Token::parse(RESET_TOKEN)?,
                    TokenPurpose::PasswordReset,
                    &active,
                    now + time::Duration::hours(1),
                );
                store.commit(&changes::replace_link(&active, &reset, &[], &seeding()).1).await?;
            }
        }
    }

    let child_sub = real_sub("child.admin@events.example.com").await?;
    let mut child_representative =
        member(CHILD_TENANT_ID, CHILD_REPRESENTATIVE_ID, "child.admin@events.example.com", Roles::tenant_admin(), child_sub, now)?;
    child_representative.representative = true;
    let child_invitation = invite(&mut child_representative, &Token::generate()?, now);
    let child = tenant(CHILD_TENANT_ID, "Events Child", Some(TENANT_ID), &child_representative, now)?;
    store.commit(&changes::create_tenant(&child, &child_representative, &child_invitation, known, &[], &seeding())).await?;

    let target_sub = app.store.get_member(&TenantId::parse(TENANT_ID)?, &MemberId::parse(TARGET_ID)?).await?.map(|m| m.user_sub);
    let target_sub = target_sub.ok_or(ApiError::NotFound("the target was not seeded"))?;
    app.directory.set_password(&target_sub, TARGET_PASSWORD).await?;
    let invited_again = [
        (CHILD_ADMIN_MEMBERSHIP_ID, ADMIN_EMAIL, UserSub::new(ADMIN_SUB), JOIN_TOKEN),
        (CHILD_TARGET_MEMBERSHIP_ID, "target@events.example.com", target_sub, SIGN_IN_TOKEN),
    ];
    for (id, email, sub, token) in invited_again {
        let mut new = member(CHILD_TENANT_ID, id, email, portal("member")?, sub, now)?;
        let invitation = invite(&mut new, &Token::parse(token)?, now);
        store.commit(&changes::invite_member(&new, &invitation, known, &[], &seeding())).await?;
    }

    let tenant_id = TenantId::parse(TENANT_ID)?;
    let (_, mut directory_token) = DirectoryToken::issue(&tenant_id, TokenLifetime::DEFAULT, now)?;
    let token = Token::parse(DIRECTORY_TOKEN)?;
    directory_token.hash = token.hash();
    directory_token.last_four = DIRECTORY_TOKEN[DIRECTORY_TOKEN.len() - 4..].to_string();
    let unset = store.get_connection(&tenant_id).await?;
    let connected = unset.with_token(directory_token.clone(), now)?;
    store.commit(&changes::add_directory_token(&unset, &connected, &directory_token)).await?;
    Ok(())
}

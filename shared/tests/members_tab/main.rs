//! Every rule of the Members tab, in process: the operations run on the in-memory adapters with
//! the events Lambda would receive, in milliseconds. The end-to-end suites (`tests/api`) run the
//! same operations on the emulator, for the AWS adapters, faults, races and wire budgets.
mod helpers;

use std::time::Duration;

use helpers::{World, PASSWORD};
use serde_json::{json, Value};
use tenant_members::email::Email;
use tenant_members::model::MfaType;
use tenant_members::ports::PersonStore;
use tenant_members::registry::Operation;
use time::format_description::well_known::Rfc3339;

fn member_path<'a>(tenant: &'a str, member: &'a str) -> [(&'a str, &'a str); 2] {
    [("tenantId", tenant), ("memberId", member)]
}

#[tokio::test]
async fn an_invitation_is_stored_counted_audited_and_emailed_once() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;

    let invited = world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await;
    assert_eq!(invited.status, 201, "{invited:?}");
    assert_eq!(invited.body["status"], "invited");
    assert!(invited.body.get("userSub").is_none(), "the Cognito user is never shown");
    assert_eq!(world.emails_to("new@acme.example.com"), 1);
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2);
    assert!(world.audit_actions(&tenant.id).await.contains(&"member_invited".into()));

    let again = world.invite(&tenant.id, &tenant.admin.sub, "NEW@acme.example.com", "member").await;
    assert_eq!((again.status, again.code()), (409, "member_exists"));
    assert_eq!(world.emails_to("new@acme.example.com"), 1, "a refused invitation sends nothing");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2);
}

#[tokio::test]
async fn an_invitation_whose_email_fails_leaves_nothing_behind_and_can_be_retried() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let audit_before = world.audit_actions(&tenant.id).await;

    world.mailer.refuse_next();
    let failed = world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await;
    assert_eq!((failed.status, failed.code()), (503, "upstream_unavailable"));
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 1);
    assert_eq!(world.audit_actions(&tenant.id).await, audit_before, "the taken-back change leaves no audit entry");
    let members = world.call(Operation::ListMembers, Some(&tenant.admin.sub), &[("tenantId", &tenant.id)], None).await;
    assert_eq!(members.body["items"].as_array().unwrap().len(), 1);

    let retried = world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await;
    assert_eq!(retried.status, 201, "{retried:?}");
    world.register("new@acme.example.com").await;
}

#[tokio::test]
async fn only_managers_of_the_tenant_invite() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let plain = world.member(&acme, "plain@acme.example.com", "member").await;

    let by_member = world.invite(&acme.id, &plain.sub, "x@acme.example.com", "member").await;
    assert_eq!((by_member.status, by_member.code()), (403, "forbidden"));
    let by_stranger = world.invite(&acme.id, &other.admin.sub, "x@acme.example.com", "member").await;
    assert_eq!((by_stranger.status, by_stranger.code()), (404, "not_found"), "another tenant's admin is not told it exists");
    assert_eq!(world.emails_to("x@acme.example.com"), 0);
}

#[tokio::test]
async fn administrators_of_a_parent_manage_its_children_and_not_the_reverse() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let child = world.tenant("Child", Some(&parent.id), "admin@child.example.com").await;

    let down = world.invite(&child.id, &parent.admin.sub, "a@child.example.com", "member").await;
    assert_eq!(down.status, 201, "{down:?}");
    let up = world.invite(&parent.id, &child.admin.sub, "b@parent.example.com", "member").await;
    assert_eq!(up.status, 404);
}

#[tokio::test]
async fn roles_change_on_the_version_read_never_ones_own_and_the_representative_stays_admin() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;
    let roles = |role: &str| json!({ "roles": { "service-management-portal": role } });

    let changed = world
        .call(
            Operation::ChangeMemberRoles,
            Some(&tenant.admin.sub),
            &member_path(&tenant.id, &member.member_id),
            Some(roles("tenant-admin")),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(changed.body["roles"]["service-management-portal"], "tenant-admin");
    let version = changed.body["version"].as_u64().unwrap();

    let stale = world
        .call_with(
            Operation::ChangeMemberRoles,
            Some(&tenant.admin.sub),
            &member_path(&tenant.id, &member.member_id),
            Some(roles("member")),
            json!({ "if-match": format!("\"{}\"", version - 1) }),
        )
        .await;
    assert_eq!((stale.status, stale.code()), (412, "version_conflict"));

    let own = world
        .call(Operation::ChangeMemberRoles, Some(&second.sub), &member_path(&tenant.id, &second.member_id), Some(roles("member")))
        .await;
    assert_eq!((own.status, own.code()), (403, "self_change_forbidden"));

    let demote_representative = world
        .call(Operation::ChangeMemberRoles, Some(&second.sub), &member_path(&tenant.id, &tenant.admin.member_id), Some(roles("member")))
        .await;
    assert_eq!((demote_representative.status, demote_representative.code()), (409, "representative_protected"));
    assert_eq!(world.get_member(&tenant.id, &member.member_id).await.body["version"], version);
}

#[tokio::test]
async fn deleting_a_members_last_membership_retires_the_account_the_service_created() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;

    let own = world.call(Operation::DeleteMember, Some(&second.sub), &member_path(&tenant.id, &second.member_id), None).await;
    assert_eq!((own.status, own.code()), (403, "self_change_forbidden"));
    let representative =
        world.call(Operation::DeleteMember, Some(&second.sub), &member_path(&tenant.id, &tenant.admin.member_id), None).await;
    assert_eq!((representative.status, representative.code()), (409, "representative_protected"));

    let deleted = world.call(Operation::DeleteMember, Some(&tenant.admin.sub), &member_path(&tenant.id, &member.member_id), None).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(world.get_member(&tenant.id, &member.member_id).await.status, 404);
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2);
    assert!(!world.directory.exists(&member.sub), "the account the service created goes with its last membership");
    assert!(world.audit_actions(&tenant.id).await.contains(&"member_deleted".into()));
}

#[tokio::test]
async fn a_person_with_memberships_elsewhere_keeps_their_account_when_one_is_deleted() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let person = world.member(&acme, "both@example.com", "member").await;
    let joined = world.invite(&other.id, &other.admin.sub, "both@example.com", "member").await;
    assert_eq!(joined.status, 201);

    let deleted = world.call(Operation::DeleteMember, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), None).await;
    assert_eq!(deleted.status, 204);
    assert!(world.directory.exists(&person.sub));
    assert_eq!(world.directory.password_of(&person.sub).as_deref(), Some(PASSWORD));
    assert_eq!(world.directory.sign_outs_of(&person.sub), 0, "their other membership keeps them signed in");
}

#[tokio::test]
async fn a_resent_invitation_kills_the_old_link_and_resends_are_limited() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let invited = world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await;
    let member_id = invited.body["memberId"].as_str().unwrap().to_string();
    let old = world.last_token_to("new@acme.example.com");

    for _ in 0..5 {
        let resent = world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &member_path(&tenant.id, &member_id), None).await;
        assert_eq!(resent.status, 202, "{resent:?}");
    }
    let over = world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &member_path(&tenant.id, &member_id), None).await;
    assert_eq!((over.status, over.code()), (429, "rate_limited"));
    assert_eq!(world.emails_to("new@acme.example.com"), 6, "the refused resend sends nothing");

    let with_old = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": old, "password": PASSWORD }))).await;
    assert_eq!((with_old.status, with_old.code()), (400, "token_invalid"));
    let registered = world.register("new@acme.example.com").await;
    let after =
        world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &member_path(&tenant.id, &registered.member_id), None).await;
    assert_eq!((after.status, after.code()), (409, "already_registered"));
}

#[tokio::test]
async fn a_resend_or_reset_whose_email_fails_changes_nothing_and_the_previous_link_still_works() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await;
    let first = world.last_token_to("new@acme.example.com");
    let invited =
        world.call(Operation::ListMembers, Some(&tenant.admin.sub), &[("tenantId", &tenant.id)], None).await.body["items"][1].clone();
    let path = member_path(&tenant.id, invited["memberId"].as_str().unwrap());
    let audit = world.audit_actions(&tenant.id).await.len();

    world.mailer.refuse_next();
    let resent = world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &path, None).await;
    assert_eq!((resent.status, resent.code()), (503, "upstream_unavailable"));
    assert_eq!(world.audit_actions(&tenant.id).await.len(), audit, "no audit entry for a resend that was not sent");
    let member = world.get_member(&tenant.id, invited["memberId"].as_str().unwrap()).await;
    assert_eq!(member.body, invited, "the member is as it was");
    let lookup = world.call(Operation::LookupInvitation, None, &[], Some(json!({ "token": first }))).await;
    assert_eq!(lookup.status, 200, "the previous link still works: {lookup:?}");

    let registered = world.member(&tenant, "staff@acme.example.com", "member").await;
    let staff = member_path(&tenant.id, &registered.member_id);
    assert_eq!(world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &staff, None).await.status, 202);
    let reset = world.last_token_to("staff@acme.example.com");
    world.mailer.refuse_next();
    let again = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &staff, None).await;
    assert_eq!((again.status, again.code()), (503, "upstream_unavailable"));
    let completed =
        world.call(Operation::CompletePasswordReset, None, &[], Some(json!({ "token": reset, "password": "Another-Pass-9" }))).await;
    assert_eq!(completed.status, 204, "the reset link sent before still works: {completed:?}");

    // The unregistered representative's invitation sent again to the same address.
    let body = json!({ "name": "Beta", "adminEmail": "rep@beta.example.com", "adminLanguage": "en" });
    let created = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let beta = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    let first = world.last_token_to("rep@beta.example.com");
    let audit = world.audit_actions(&beta).await.len();
    world.mailer.refuse_next();
    let same = json!({ "email": "rep@beta.example.com" });
    let again = world.call(Operation::ChangeRepresentativeEmail, Some(&world.operator), &[("tenantId", &beta)], Some(same)).await;
    assert_eq!((again.status, again.code()), (503, "upstream_unavailable"));
    assert_eq!(world.audit_actions(&beta).await.len(), audit, "no audit entry for an invitation that was not sent");
    let lookup = world.call(Operation::LookupInvitation, None, &[], Some(json!({ "token": first }))).await;
    assert_eq!(lookup.status, 200, "the representative's previous invitation still works: {lookup:?}");

    // Moved to a new address: taken back, the old address and its person as they were.
    let before = world.get_tenant(&beta).await;
    let old_sub = world.directory.user_of(&Email::parse("rep@beta.example.com").unwrap()).unwrap();
    world.mailer.refuse_next();
    let moved = json!({ "email": "moved@beta.example.com" });
    let again = world.call(Operation::ChangeRepresentativeEmail, Some(&world.operator), &[("tenantId", &beta)], Some(moved.clone())).await;
    assert_eq!((again.status, again.code()), (503, "upstream_unavailable"));
    assert_eq!(world.get_tenant(&beta).await, before, "the tenant still names the old address");
    assert_eq!(world.audit_actions(&beta).await.len(), audit, "no audit entry for a move whose invitation was not sent");
    let person = world.store.get_person(&old_sub).await.unwrap().expect("the old address's person");
    assert_eq!((person.memberships, person.retiring), (1, false), "the old person counts the membership again: {person:?}");
    let lookup = world.call(Operation::LookupInvitation, None, &[], Some(json!({ "token": first }))).await;
    assert_eq!(lookup.status, 200, "the invitation to the old address still works: {lookup:?}");
    let retried = world.call(Operation::ChangeRepresentativeEmail, Some(&world.operator), &[("tenantId", &beta)], Some(moved)).await;
    assert_eq!(retried.status, 200, "the same request again moves it: {retried:?}");
    assert!(!world.directory.exists(&old_sub), "then the old address's unused account goes");
}

#[tokio::test]
async fn a_first_password_cognito_failed_to_set_locks_no_one_out() {
    use tenant_members::ports::ChangeStore;
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let to = "new@acme.example.com";
    let invited = world.invite(&tenant.id, &tenant.admin.sub, to, "member").await;
    let path = member_path(&tenant.id, invited.body["memberId"].as_str().unwrap());
    let accept = |token: String| world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": PASSWORD })));

    world.directory.refuse_next_password();
    let failed = accept(world.last_token_to(to)).await;
    assert_eq!((failed.status, failed.code()), (503, "upstream_unavailable"));
    // Another tenant's invitation, and the resent one, each set the person's first password.
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    assert_eq!(world.invite(&other.id, &other.admin.sub, to, "member").await.status, 201);
    let elsewhere = world.last_token_to(to);
    assert_eq!(world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &path, None).await.status, 202);
    world.directory.refuse_next_password();
    let failed = accept(world.last_token_to(to)).await;
    assert_eq!((failed.status, failed.code()), (503, "upstream_unavailable"));
    let joined = accept(elsewhere).await;
    assert_eq!(joined.status, 200, "the other tenant's link sets the first password: {joined:?}");

    // A redemption that died holding the first password holds it only as long as its claim.
    let third = world.tenant("Third", None, "admin@third.example.com").await;
    world.invite(&third.id, &third.admin.sub, "late@third.example.com", "member").await;
    let late = world.last_token_to("late@third.example.com");
    let user = world.directory.user_of(&Email::parse("late@third.example.com").unwrap()).unwrap();
    let stranded = tenant_members::links::LinkClaim::new(world.app.clock.now());
    let other_link = tenant_members::tokens::Token::generate().unwrap().hash();
    world
        .store
        .commit(&tenant_members::changes::Changeset::default().write(
            tenant_members::changes::Write::SetFirstPassword {
                user,
                link: other_link,
                account_exists: false,
                at: stranded.at,
                until: stranded.until,
            },
            |_| tenant_members::ApiError::SignInRequired,
        ))
        .await
        .unwrap();
    let held = accept(late.clone()).await;
    assert_eq!((held.status, held.code()), (409, "sign_in_required"), "held by another link's redemption in progress");
    world.advance(time::Duration::seconds(tenant_members::links::LinkClaim::HOLD_SECONDS + 1));
    let accepted = accept(late).await;
    assert_eq!(accepted.status, 200, "once that redemption's hold ran out: {accepted:?}");
}

#[tokio::test]
async fn an_invitation_expires_at_the_end_of_its_lifetime_by_the_services_clock() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    world.invite(&tenant.id, &tenant.admin.sub, "late@acme.example.com", "member").await;
    let token = json!({ "token": world.last_token_to("late@acme.example.com") });
    let lifetime = time::Duration::try_from(world.app.config.invitation_ttl).unwrap();

    world.advance(lifetime - time::Duration::seconds(1));
    let on_time = world.call(Operation::LookupInvitation, None, &[], Some(token.clone())).await;
    assert_eq!(on_time.status, 200, "a second before its expiry the link works: {on_time:?}");
    world.advance(time::Duration::seconds(1));
    let late = world.call(Operation::LookupInvitation, None, &[], Some(token.clone())).await;
    assert_eq!((late.status, late.code()), (410, "token_expired"));
    let accept = json!({ "token": token["token"], "password": PASSWORD });
    let late = world.call(Operation::AcceptInvitation, None, &[], Some(accept)).await;
    assert_eq!((late.status, late.code()), (410, "token_expired"));
}

#[tokio::test]
async fn an_invitation_link_is_single_use() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await;
    let token = world.last_token_to("new@acme.example.com");

    let weak = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": "short" }))).await;
    assert_eq!((weak.status, weak.code()), (400, "password_rejected"));
    let accepted = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": PASSWORD }))).await;
    assert_eq!(accepted.status, 200, "the link still works after a refused password: {accepted:?}");
    let again = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": "Another-Pass-9" }))).await;
    assert_eq!((again.status, again.code()), (400, "token_invalid"));
    let sub = world.directory.user_of(&Email::parse("new@acme.example.com").unwrap()).unwrap();
    assert_eq!(world.directory.password_of(&sub).as_deref(), Some(PASSWORD));
}

#[tokio::test]
async fn a_password_reset_link_sets_the_password_once_and_ends_every_session() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;

    let own =
        world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, &tenant.admin.member_id), None).await;
    assert_eq!((own.status, own.code()), (403, "self_change_forbidden"));
    let sent = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, &member.member_id), None).await;
    assert_eq!(sent.status, 202, "{sent:?}");
    let token = world.last_token_to("m@acme.example.com");

    let body = json!({ "token": token, "password": "Brand-New-Pass-1" });
    let completed = world.call(Operation::CompletePasswordReset, None, &[], Some(body.clone())).await;
    assert_eq!(completed.status, 204, "{completed:?}");
    assert_eq!(world.directory.password_of(&member.sub).as_deref(), Some("Brand-New-Pass-1"));
    assert_eq!(world.directory.sign_outs_of(&member.sub), 1);
    let again = world.call(Operation::CompletePasswordReset, None, &[], Some(body)).await;
    assert_eq!((again.status, again.code()), (400, "token_invalid"));
}

#[tokio::test]
async fn an_operators_account_is_out_of_a_tenant_managers_reach() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let staff = world.member(&tenant, "staff@acme.example.com", "member").await;
    world.directory.add_to_group(&staff.sub, tenant_members::auth::OPERATORS_GROUP);

    let reset = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, &staff.member_id), None).await;
    assert_eq!((reset.status, reset.code()), (409, "identity_protected"));
    let mfa = world
        .call(
            Operation::SetMemberMfa,
            Some(&tenant.admin.sub),
            &member_path(&tenant.id, &staff.member_id),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!((mfa.status, mfa.code()), (409, "identity_protected"));
    let deleted = world.call(Operation::DeleteMember, Some(&tenant.admin.sub), &member_path(&tenant.id, &staff.member_id), None).await;
    assert_eq!(deleted.status, 204);
    assert!(world.directory.exists(&staff.sub), "an operator's account stays when their membership goes");
}

#[tokio::test]
async fn mfa_is_email_by_default_the_app_when_verified_and_shows_on_every_membership() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let child = world.tenant("Child", Some(&acme.id), "admin@child.example.com").await;
    let person = world.member(&acme, "m@example.com", "member").await;
    world.invite(&child.id, &child.admin.sub, "m@example.com", "member").await;
    let mfa = |enabled: bool| Some(json!({ "enabled": enabled }));

    let on = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), mfa(true)).await;
    assert_eq!(on.status, 200, "{on:?}");
    assert_eq!(on.body["mfa"], json!({ "enabled": true, "type": "email" }));
    assert_eq!(world.directory.mfa_of(&person.sub), Some(MfaType::Email));
    let elsewhere = world.call(Operation::ListMembers, Some(&child.admin.sub), &[("tenantId", &child.id)], None).await;
    let copy = elsewhere.body["items"].as_array().unwrap().iter().find(|m| m["email"] == "m@example.com").unwrap().clone();
    assert_eq!(copy["mfa"]["enabled"], false, "an invitation shows nothing of the person's account before they join");

    let off_from_child = world
        .call(Operation::SetMemberMfa, Some(&child.admin.sub), &member_path(&child.id, copy["memberId"].as_str().unwrap()), mfa(false))
        .await;
    assert_eq!((off_from_child.status, off_from_child.code()), (409, "not_registered"), "the child membership is still invited");

    world.directory.verify_authenticator_app(&person.sub);
    let off = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), mfa(false)).await;
    assert_eq!((off.status, off.body["mfa"]["enabled"].as_bool()), (200, Some(false)), "the parent's admin manages both tenants");
    let app = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), mfa(true)).await;
    assert_eq!(app.body["mfa"]["type"], "authenticator_app");
    assert_eq!(world.directory.mfa_of(&person.sub), Some(MfaType::AuthenticatorApp));
}

/// An invitation of an address that has an account elsewhere, with MFA on, answers what the
/// invitation of a new address answers: the inviting tenant learns neither that an account
/// exists nor how it is protected. Once the person joins, the tenant shows their one MFA.
#[tokio::test]
async fn an_invitation_shows_nothing_of_the_persons_account_until_they_join() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let person = world.member(&acme, "m@example.com", "member").await;
    let on = world
        .call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), Some(json!({ "enabled": true })))
        .await;
    assert_eq!(on.body["mfa"]["enabled"], true);

    let known = world.invite(&other.id, &other.admin.sub, "m@example.com", "member").await;
    let unknown = world.invite(&other.id, &other.admin.sub, "nobody-yet@example.com", "member").await;
    let shown = |answer: &helpers::Answer| (answer.body["mfa"].clone(), answer.body["selfServicePasswordReset"].clone());
    assert_eq!(shown(&known), shown(&unknown), "the invitation tells an existing account from a new address");
    let listed = world.get_member(&other.id, known.body["memberId"].as_str().unwrap()).await;
    assert_eq!(shown(&listed), shown(&unknown));

    let token = world.last_token_to("m@example.com");
    // Switching MFA on ended the person's sessions: they join from a new one.
    let join = world.call_in_new_session(Operation::JoinTenant, &person.sub, &[], Some(json!({ "token": token }))).await;
    assert_eq!(join.status, 200, "{join:?}");
    let joined = world.get_member(&other.id, known.body["memberId"].as_str().unwrap()).await;
    assert_eq!(joined.body["mfa"], json!({ "enabled": true, "type": "email" }), "once joined, the person's one MFA");
}

#[tokio::test]
async fn mfa_stays_on_while_a_tenant_the_caller_does_not_manage_has_the_person() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let person = world.member(&acme, "m@example.com", "member").await;
    world.invite(&other.id, &other.admin.sub, "m@example.com", "member").await;
    let path = member_path(&acme.id, &person.member_id);

    let on = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &path, Some(json!({ "enabled": true }))).await;
    assert_eq!(on.status, 200);
    let off = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &path, Some(json!({ "enabled": false }))).await;
    assert_eq!((off.status, off.code()), (409, "mfa_required_elsewhere"));
    assert_eq!(world.directory.mfa_of(&person.sub), Some(MfaType::Email), "a refused change leaves Cognito as it was");
    let other_audit = world.audit_actions(&other.id).await;
    assert!(!other_audit.contains(&"mfa_changed".into()), "the trail of a tenant the person has not joined tells nothing of their account");
}

#[tokio::test]
async fn the_representative_hands_the_role_only_to_a_registered_tenant_admin() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let plain = world.member(&tenant, "plain@acme.example.com", "member").await;
    let pending = world.invite(&tenant.id, &tenant.admin.sub, "pending@acme.example.com", "tenant-admin").await;
    let hand = |to: &str| Some(json!({ "memberId": to }));
    let tenant_path = [("tenantId", tenant.id.as_str())];

    let not_rep = world.call(Operation::ChangeRepresentative, Some(&second.sub), &tenant_path, hand(&second.member_id)).await;
    assert_eq!((not_rep.status, not_rep.code()), (403, "not_representative"));
    for target in [plain.member_id.as_str(), pending.body["memberId"].as_str().unwrap()] {
        let refused = world.call(Operation::ChangeRepresentative, Some(&tenant.admin.sub), &tenant_path, hand(target)).await;
        assert_eq!((refused.status, refused.code()), (409, "not_eligible"));
    }

    let handed = world.call(Operation::ChangeRepresentative, Some(&tenant.admin.sub), &tenant_path, hand(&second.member_id)).await;
    assert_eq!(handed.status, 200, "{handed:?}");
    assert_eq!(handed.body["representative"]["memberId"], second.member_id.as_str());
    assert_eq!(world.get_member(&tenant.id, &tenant.admin.member_id).await.body["representative"], false);
    let former = world.call(Operation::DeleteMember, Some(&second.sub), &member_path(&tenant.id, &tenant.admin.member_id), None).await;
    assert_eq!(former.status, 204, "the former representative can now be deleted");
}

#[tokio::test]
async fn an_unregistered_representatives_email_changes_with_a_new_administrator_invitation() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let body = json!({ "name": "Child", "parentTenantId": parent.id, "adminEmail": "typo@child.example.com", "adminLanguage": "en" });
    let created = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let child = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    let typo_sub = world.directory.user_of(&Email::parse("typo@child.example.com").unwrap()).unwrap();
    let old = world.last_token_to("typo@child.example.com");
    let path = [("tenantId", child.as_str())];

    let registered = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "admin@parent.example.com" })))
        .await;
    assert_eq!((registered.status, registered.code()), (409, "email_in_use"));

    let changed = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "right@child.example.com" })))
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(changed.body["representative"]["email"], "right@child.example.com");
    assert_eq!(world.emails_to("right@child.example.com"), 1);
    assert!(!world.directory.exists(&typo_sub), "the mistyped address's unused account goes");
    let with_old = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": old, "password": PASSWORD }))).await;
    assert_eq!(with_old.code(), "token_invalid");

    let representative = world.register("right@child.example.com").await;
    assert_eq!(world.get_tenant(&child).await["representative"]["status"], "active");
    let after = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "late@child.example.com" })))
        .await;
    assert_eq!((after.status, after.code()), (409, "already_registered"));
    assert_eq!(representative.email, "right@child.example.com");
}

#[tokio::test]
async fn a_person_with_an_account_joins_by_signing_in_not_with_a_password() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    world.invite(&other.id, &other.admin.sub, "admin@acme.example.com", "member").await;
    let token = world.last_token_to("admin@acme.example.com");

    let with_password =
        world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": "Takeover-Pass-1" }))).await;
    assert_eq!((with_password.status, with_password.code()), (409, "sign_in_required"));
    assert_eq!(world.directory.password_of(&acme.admin.sub).as_deref(), Some(PASSWORD), "no invitation resets a password");
    let wrong = world.call(Operation::JoinTenant, Some(&other.admin.sub), &[], Some(json!({ "token": token }))).await;
    assert_eq!((wrong.status, wrong.code()), (403, "wrong_account"));
    let joined = world.call(Operation::JoinTenant, Some(&acme.admin.sub), &[], Some(json!({ "token": token }))).await;
    assert_eq!(joined.status, 200, "{joined:?}");
    assert_eq!(joined.body["tenantId"], other.id.as_str());
}

#[tokio::test]
async fn a_change_is_refused_once_the_administrator_who_made_it_is_demoted() {
    use tenant_members::audit::{ActingMembership, Actor, ActorKind, Change};
    use tenant_members::changes;
    use tenant_members::ids::{MemberId, TenantId};
    use tenant_members::ports::{ChangeStore, MemberStore};

    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;
    let tenant_id = TenantId::parse(&tenant.id).unwrap();
    let read = |id: &str| {
        let (store, tenant_id, id) = (world.store.clone(), tenant_id.clone(), MemberId::parse(id).unwrap());
        async move { store.get_member(&tenant_id, &id).await.unwrap().unwrap() }
    };
    // `second` decides a change, then is demoted before it is written.
    let acting = read(&second.member_id).await;
    let actor = Actor {
        kind: ActorKind::Administrator,
        user_sub: second.sub.clone(),
        via: Some(ActingMembership { tenant_id: tenant_id.clone(), member_id: acting.member_id.clone(), email: acting.email.clone() }),
    };
    let target = read(&member.member_id).await;
    let (_, pending) =
        changes::change_roles(&target, &tenant_members::catalog::Roles::tenant_admin(), &Change::by(actor, tenant_members::clock::now()));
    let roles = json!({ "roles": { "service-management-portal": "member" } });
    let demoted =
        world.call(Operation::ChangeMemberRoles, Some(&tenant.admin.sub), &member_path(&tenant.id, &second.member_id), Some(roles)).await;
    assert_eq!(demoted.status, 200);

    let refused = world.store.commit(&pending).await;
    assert!(matches!(refused, Err(tenant_members::ApiError::Forbidden(_))), "{refused:?}");
    assert_eq!(read(&member.member_id).await.roles, target.roles, "nothing of the refused change is written");
}

#[tokio::test]
async fn a_tenants_daily_email_quota_counts_every_invitation_and_refuses_past_it() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let per_day = world.app.config.email_quotas.per_tenant_per_day;
    // The administrator's own invitation was the tenant's first email.
    for n in 1..per_day {
        let invited = world.invite(&tenant.id, &tenant.admin.sub, &format!("m{n}@acme.example.com"), "member").await;
        assert_eq!(invited.status, 201, "invitation {n}: {invited:?}");
    }
    let refused = world.invite(&tenant.id, &tenant.admin.sub, "one.more@acme.example.com", "member").await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    assert!(refused.retry_after.is_some_and(|s| (1..=24 * 3600).contains(&s)), "{refused:?}");
    assert_eq!(world.emails_to("one.more@acme.example.com"), 0);
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], per_day);
    let address = Email::parse("one.more@acme.example.com").unwrap();
    assert_eq!(world.directory.user_of(&address), None, "the refused invitation left no Cognito user behind");

    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let elsewhere = world.invite(&other.id, &other.admin.sub, "one.more@acme.example.com", "member").await;
    assert_eq!(elsewhere.status, 201, "another tenant has its own quota");
    let person = world.store.get_person(&world.directory.user_of(&address).unwrap()).await.unwrap().unwrap();
    assert!(person.created_by_service, "so the account is the service's to delete with the last membership");
}

#[tokio::test]
async fn the_services_daily_email_quota_holds_across_tenants() {
    let world = World::new();
    let per_day = world.app.config.email_quotas.per_service_per_day;
    let mut sent = 0;
    let mut refused = None;
    for t in 0.. {
        let tenant = world.tenant(&format!("T{t}"), None, &format!("admin@t{t}.example.com")).await;
        sent += 1;
        for n in 0..20 {
            let invited = world.invite(&tenant.id, &tenant.admin.sub, &format!("m{n}@t{t}.example.com"), "member").await;
            if invited.status != 201 {
                refused = Some(invited);
                break;
            }
            sent += 1;
        }
        if refused.is_some() {
            break;
        }
    }
    let refused = refused.unwrap();
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    assert_eq!(sent, per_day);
    assert_eq!(world.mailer.sent().len() as u32, per_day);
}

#[tokio::test]
async fn changing_the_representatives_email_counts_as_resending_their_invitation() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let body = json!({ "name": "Child", "parentTenantId": parent.id, "adminEmail": "first@child.example.com", "adminLanguage": "en" });
    let created = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let child = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    let path = [("tenantId", child.as_str())];
    for n in 1..=5 {
        let email = json!({ "email": format!("rep{n}@child.example.com") });
        let changed = world.call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(email)).await;
        assert_eq!(changed.status, 200, "change {n}: {changed:?}");
    }
    let sixth = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "rep6@child.example.com" })))
        .await;
    assert_eq!((sixth.status, sixth.code()), (429, "rate_limited"));
    assert_eq!(world.emails_to("rep6@child.example.com"), 0);
    assert_eq!(world.get_tenant(&child).await["representative"]["email"], "rep5@child.example.com", "nothing changed");
}

#[tokio::test]
async fn a_password_reset_counts_against_the_address_whatever_the_tenant() {
    let world = World::new();
    let per_address = world.app.config.email_quotas.per_address_per_day;
    let mut tenants = Vec::new();
    // One person, member of several tenants, each of whose admins sends them resets.
    for t in 0..3 {
        let tenant = world.tenant(&format!("T{t}"), None, &format!("admin@t{t}.example.com")).await;
        tenants.push(tenant);
    }
    let person = world.member(&tenants[0], "p@example.com", "member").await;
    let mut memberships = vec![person.member_id.clone()];
    for tenant in &tenants[1..] {
        let invited = world.invite(&tenant.id, &tenant.admin.sub, "p@example.com", "member").await;
        let token = world.last_token_to("p@example.com");
        let joined = world.call(Operation::JoinTenant, Some(&person.sub), &[], Some(json!({ "token": token }))).await;
        assert_eq!(joined.status, 200, "{joined:?}");
        memberships.push(invited.body["memberId"].as_str().unwrap().to_string());
    }
    let mut answers = Vec::new();
    for (tenant, member) in tenants.iter().zip(&memberships).cycle().take(per_address as usize) {
        let reset = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, member), None).await;
        answers.push(reset.status);
    }
    assert_eq!(world.emails_to("p@example.com") as u32, per_address, "{answers:?}");
    assert_eq!(answers.last(), Some(&429));
}

#[tokio::test]
async fn no_tenant_tree_uses_up_an_address_for_the_others_and_the_address_keeps_its_total() {
    let world = World::new();
    let quotas = world.app.config.email_quotas.clone();
    let to = "someone@example.com";
    let a = world.tenant("A", None, "admin@a.example.com").await;
    let body = json!({ "name": "A child", "parentTenantId": a.id, "adminEmail": "rep@a-child.example.com", "adminLanguage": "en" });
    let child = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let child = child.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    // A's administrator invites and deletes the address until A's tree has used its share.
    for n in 0..quotas.per_address_per_tenant_tree_per_day {
        let invited = world.invite(&a.id, &a.admin.sub, to, "member").await;
        assert_eq!(invited.status, 201, "invitation {n}: {invited:?}");
        let path = member_path(&a.id, invited.body["memberId"].as_str().unwrap());
        assert_eq!(world.call(Operation::DeleteMember, Some(&a.admin.sub), &path, None).await.status, 204);
    }
    let refused = world.invite(&a.id, &a.admin.sub, to, "member").await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"), "A's tree has used its share");
    let from_child = world.invite(&child, &a.admin.sub, to, "member").await;
    assert_eq!((from_child.status, from_child.code()), (429, "rate_limited"), "a child is of the same tree: no second share");

    // Every other tree still reaches the address, until the address's own total.
    let mut sent = quotas.per_address_per_tenant_tree_per_day;
    let mut tree = 0;
    while sent < quotas.per_address_per_day {
        tree += 1;
        let other = world.tenant(&format!("B{tree}"), None, &format!("admin@b{tree}.example.com")).await;
        let invited = world.invite(&other.id, &other.admin.sub, to, "member").await;
        assert_eq!(invited.status, 201, "tree B{tree}, email {}: {invited:?}", sent + 1);
        sent += 1;
    }
    assert_eq!(world.emails_to(to) as u32, quotas.per_address_per_day);
    let last = world.tenant("C", None, "admin@c.example.com").await;
    let over = world.invite(&last.id, &last.admin.sub, to, "member").await;
    assert_eq!((over.status, over.code()), (429, "rate_limited"), "the address's total holds across trees");
}

#[tokio::test]
async fn quota_counts_start_again_in_the_next_window() {
    use tenant_members::changes::Changeset;
    use tenant_members::ids::TenantId;
    use tenant_members::ports::ChangeStore;

    let world = World::new();
    let quotas = &world.app.config.email_quotas;
    let (tenant, to) = (TenantId::generate(), Email::parse("x@example.com").unwrap());
    let today = tenant_members::clock::now();
    let count = |at| Changeset::default().counted(&quotas.for_email(&tenant, &tenant, &to, None, at));
    for _ in 0..quotas.per_address_per_tenant_tree_per_day {
        world.store.commit(&count(today)).await.unwrap();
    }
    let full = world.store.commit(&count(today)).await;
    assert!(matches!(full, Err(tenant_members::ApiError::RateLimited { .. })), "{full:?}");
    world.store.commit(&count(today + time::Duration::days(1))).await.expect("a new day, a new count");
}

#[tokio::test]
async fn a_filtered_page_reads_a_bounded_share_of_the_tenant_and_its_cursors_find_every_match() {
    use tenant_members::changes::{self, Joining};
    use tenant_members::ids::{TenantId, UserSub};
    use tenant_members::language::Language;
    use tenant_members::links::TokenRecord;
    // The contract's bound on the members one page reads (bench/RESULTS.md, the budgets).
    const MEMBERS_READ_PER_PAGE: usize = 300;
    use tenant_members::model::Member;
    use tenant_members::ports::ChangeStore;
    use tenant_members::tokens::{Token, TokenPurpose};

    let world = World::new();
    let tenant = world.tenant("Large", None, "admin@large.example.com").await;
    let tenant_id = TenantId::parse(&tenant.id).unwrap();
    let mut needles = std::collections::BTreeSet::new();
    let operator_change =
        || tenant_members::audit::Change::by(tenant_members::audit::Actor::operator(&world.operator), tenant_members::clock::now());
    for n in 0..(3 * MEMBERS_READ_PER_PAGE) {
        let local = if n % 101 == 7 { format!("needle-{n}") } else { format!("hay-{n}") };
        let roles = tenant_members::catalog::Roles::tenant_admin();
        let member = Member::new_invited(
            tenant_id.clone(),
            Email::parse(&format!("{local}@large.example.com")).unwrap(),
            Language::En,
            roles,
            UserSub::new(format!("u{n}")),
            tenant_members::clock::now(),
        );
        let link = TokenRecord::for_member(&Token::generate().unwrap(), TokenPurpose::Invitation, &member, tenant_members::clock::now());
        world.store.commit(&changes::invite_member(&member, &link, Joining { created_user: true }, &[], &operator_change())).await.unwrap();
        if local.starts_with("needle") {
            needles.insert(member.member_id.as_str().to_string());
        }
    }

    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = json!({ "q": "needle-", "limit": "2" });
        if let Some(c) = &cursor {
            query["cursor"] = json!(c);
        }
        let page = world.list_members(&tenant.id, &tenant.admin.sub, query).await;
        assert_eq!(page.status, 200, "{page:?}");
        pages += 1;
        found.extend(page.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap().to_string()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let unique: std::collections::BTreeSet<String> = found.iter().cloned().collect();
    assert_eq!(unique.len(), found.len(), "no member twice");
    assert_eq!(unique, needles, "no member missed");
    assert!(pages >= 3, "a page reads at most {MEMBERS_READ_PER_PAGE} members: {pages} pages");
}

#[tokio::test]
async fn tenants_are_listed_a_page_at_a_time() {
    let world = World::new();
    let root = world.tenant("Root", None, "admin@root.example.com").await;
    for n in 0..4 {
        world.tenant(&format!("Child {n}"), Some(&root.id), &format!("admin@c{n}.example.com")).await;
    }
    for (caller, expected) in [(&world.operator, 5), (&root.admin.sub, 5)] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = json!({ "limit": "2" });
            if let Some(c) = &cursor {
                query["cursor"] = json!(c);
            }
            let page = world.call_query(Operation::ListTenants, Some(caller), &[], query).await;
            assert_eq!(page.status, 200, "{page:?}");
            assert!(page.body["items"].as_array().unwrap().len() <= 2);
            seen.extend(page.body["items"].as_array().unwrap().iter().map(|t| t["tenantId"].as_str().unwrap().to_string()));
            match page.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (expected, expected), "{seen:?}");
    }
}

#[tokio::test]
async fn cognitos_code_emails_speak_the_locale_the_person_chose_else_their_latest_invitations_language() {
    use tenant_members::triggers::{CustomMessage, Trigger};
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await; // invited in English
    let code_email = |locale: Option<&str>| {
        let mut attributes = json!({ "sub": acme.admin.sub.as_str(), "email": "admin@acme.example.com" });
        if let Some(locale) = locale {
            attributes["locale"] = locale.into();
        }
        let event = json!({
            "userPoolId": world.app.config.user_pool_id, "triggerSource": "CustomMessage_Authentication",
            "request": { "userAttributes": attributes, "codeParameter": "{####}" },
            "response": { "emailSubject": null, "emailMessage": null }
        });
        let app = world.app.only(CustomMessage::PORTS);
        async move { CustomMessage::answer(&app, event).await.expect("the trigger answers")["response"].clone() }
    };
    let english = code_email(None).await;
    assert!(english["emailSubject"].as_str().unwrap().contains("sign-in code"), "{english}");
    assert!(english["emailMessage"].as_str().unwrap().contains("{####}"));

    let other = world.tenant("Other", None, "admin@other.example.com").await;
    assert_eq!(world.invite(&other.id, &other.admin.sub, "admin@acme.example.com", "member").await.status, 201); // in Japanese
    assert!(code_email(None).await["emailSubject"].as_str().unwrap().contains("サインイン"), "the latest invitation was Japanese");
    assert!(code_email(Some("en-US")).await["emailSubject"].as_str().unwrap().contains("sign-in code"), "the chosen locale wins");
}

#[tokio::test]
async fn behind_the_firewall_a_public_route_refuses_a_request_that_came_around_it() {
    let mut world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    assert_eq!(world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await.status, 201);
    std::sync::Arc::make_mut(&mut world.app.config).public_origin_secret = Some("from-the-distribution".into());
    let body = json!({ "token": world.last_token_to("new@acme.example.com") });
    for headers in [json!({}), json!({ "x-origin-verify": "a-guess" })] {
        let around = world.call_with(Operation::LookupInvitation, None, &[], Some(body.clone()), headers).await;
        assert_eq!((around.status, around.code()), (403, "forbidden"), "straight to the API's own address");
    }
    let through =
        world.call_with(Operation::LookupInvitation, None, &[], Some(body), json!({ "x-origin-verify": "from-the-distribution" })).await;
    assert_eq!(through.status, 200, "{:?}", through.body);
}

fn invitation(email: &str, expires_in_days: Value) -> Value {
    json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" }, "expiresInDays": expires_in_days })
}

#[tokio::test]
async fn an_invitation_lives_the_days_its_sender_chose_and_then_reads_expired_until_resent() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let invited =
        world.call(Operation::InviteMember, Some(&tenant.admin.sub), &path, Some(invitation("new@acme.example.com", json!(2)))).await;
    assert_eq!(invited.status, 201, "{:?}", invited.body);
    let invited_at = time::OffsetDateTime::parse(invited.body["invitedAt"].as_str().unwrap(), &Rfc3339).unwrap();
    let expires_at = time::OffsetDateTime::parse(invited.body["invitationExpiresAt"].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(expires_at - invited_at, time::Duration::days(2), "the chosen lifetime, not the stack's 7 days");
    // The world's clock runs on between requests: lifetimes are compared to the second.
    let about = |lived: time::Duration, days: i64| (lived - time::Duration::days(days)).abs() < time::Duration::seconds(1);
    assert_eq!(
        invited.body["invitedBy"],
        json!({ "kind": "tenant_admin", "memberId": tenant.admin.member_id, "email": "admin@acme.example.com" })
    );
    let member_id = invited.body["memberId"].as_str().unwrap().to_string();
    let token = world.last_token_to("new@acme.example.com");

    world.advance(time::Duration::days(2));
    let expired = world.get_member(&tenant.id, &member_id).await;
    assert_eq!(expired.body["status"], "expired");
    let listed = |status: &'static str| {
        let (world, tenant) = (&world, &tenant);
        async move {
            let page = world.list_members(&tenant.id, &tenant.admin.sub, json!({ "status": status })).await;
            page.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("expired").await, std::slice::from_ref(&member_id));
    assert!(!listed("invited").await.contains(&member_id), "an expired invitation is not listed as invited");
    let accept = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": PASSWORD }))).await;
    assert_eq!((accept.status, accept.code()), (410, "token_expired"));

    // Expired is invited as the rules see it: it can be resent, for as long as chosen again.
    let member_path = [("tenantId", tenant.id.as_str()), ("memberId", member_id.as_str())];
    let resent = world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &member_path, Some(json!({ "expiresInDays": 30 }))).await;
    assert_eq!(resent.status, 202, "{:?}", resent.body);
    let renewed = world.get_member(&tenant.id, &member_id).await;
    assert_eq!(renewed.body["status"], "invited");
    let renewed_expiry = time::OffsetDateTime::parse(renewed.body["invitationExpiresAt"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(about(renewed_expiry - (invited_at + time::Duration::days(2)), 30), "{renewed_expiry}");
    let no_body = world.call(Operation::ResendInvitation, Some(&tenant.admin.sub), &member_path, None).await;
    assert_eq!(no_body.status, 202, "the resend's body may be left out: {:?}", no_body.body);
    let defaulted = world.get_member(&tenant.id, &member_id).await;
    let default_expiry = time::OffsetDateTime::parse(defaulted.body["invitationExpiresAt"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(about(default_expiry - (invited_at + time::Duration::days(2)), 7), "the stack's lifetime by default: {default_expiry}");
}

#[tokio::test]
async fn an_expiry_out_of_range_is_validation_failed_and_creates_nothing() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let sent_before = world.mailer.sent().len();
    for days in [json!(0), json!(31), json!(-1), json!(1.5), json!("7"), json!(null)] {
        let email = "out.of.range@acme.example.com";
        let answer = world.call(Operation::InviteMember, Some(&tenant.admin.sub), &path, Some(invitation(email, days.clone()))).await;
        if days.is_null() {
            assert_eq!(answer.status, 201, "null is the default lifetime: {:?}", answer.body);
            continue;
        }
        assert_eq!((answer.status, answer.code()), (400, "validation_failed"), "expiresInDays {days}");
        assert!(answer.body["detail"].as_str().unwrap().contains("expiresInDays"), "{:?}", answer.body);
    }
    assert_eq!(world.mailer.sent().len(), sent_before + 1, "only the valid invitation was sent");
    let members = world.list_members(&tenant.id, &tenant.admin.sub, json!({})).await;
    assert_eq!(members.body["items"].as_array().unwrap().len(), 2, "the administrator and the one valid invitation");
}

fn batch(items: Vec<Value>, dry_run: bool) -> Value {
    json!({ "items": items, "dryRun": dry_run })
}

fn row(email: &str, role: &str) -> Value {
    json!({ "email": email, "language": "en", "roles": { "service-management-portal": role } })
}

fn row_statuses(answer: &helpers::Answer) -> Vec<(u64, String)> {
    let items = answer.body["items"].as_array().unwrap_or_else(|| panic!("{answer:?}"));
    items.iter().map(|r| (r["status"].as_u64().unwrap(), r["error"]["code"].as_str().unwrap_or("").to_string())).collect()
}

#[tokio::test]
async fn a_batch_does_each_row_as_one_invitation_would_in_the_order_given() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let rows = vec![
        row("first@acme.example.com", "member"),
        row("not an address", "member"),
        row("owner@acme.example.com", "owner"),
        row("FIRST@acme.example.com", "member"),
        row("admin@acme.example.com", "member"),
        json!({ "email": "second@acme.example.com", "language": "ja", "roles": { "service-management-portal": "tenant-admin" }, "expiresInDays": 3 }),
    ];
    let answer = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows, false))).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let expected =
        [(201, ""), (400, "validation_failed"), (400, "validation_failed"), (409, "member_exists"), (409, "member_exists"), (201, "")];
    assert_eq!(row_statuses(&answer), expected.map(|(s, c)| (s, c.to_string())));
    let items = answer.body["items"].as_array().unwrap();
    assert_eq!(items[1]["email"], "not an address", "each row shows its email as sent");
    assert!(items[3]["error"]["detail"].as_str().unwrap().contains("earlier row"), "{:?}", items[3]);
    assert_eq!(items[5]["member"]["language"], "ja");
    let lived = |m: &Value| {
        let at = |name: &str| time::OffsetDateTime::parse(m[name].as_str().unwrap(), &Rfc3339).unwrap();
        at("invitationExpiresAt") - at("invitedAt")
    };
    assert_eq!((lived(&items[0]["member"]), lived(&items[5]["member"])), (time::Duration::days(7), time::Duration::days(3)));

    assert_eq!((world.emails_to("first@acme.example.com"), world.emails_to("second@acme.example.com")), (1, 1));
    assert_eq!(world.mailer.sent().len(), 3, "the administrator's invitation and the two valid rows' emails, no other");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 3);
    let audit = world.call(Operation::ListAudit, Some(&tenant.admin.sub), &path, None).await;
    let invited: Vec<&Value> = audit.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "member_invited").collect();
    assert_eq!(invited.len(), 2, "one entry per created row");
    assert_eq!(invited[0]["actor"], invited[1]["actor"], "the rows name the same actor");
    assert_eq!(invited[0]["actor"]["memberId"], tenant.admin.member_id.as_str());
    world.register("second@acme.example.com").await;
}

/// Rows start at the stack's `BatchInvitationsPerSecond`, so that a batch never asks Cognito and
/// SES for more than that a second, and no slower: on tokio's paused clock, which moves only
/// when every task waits, the batch's time is its pace's alone.
#[tokio::test(start_paused = true)]
async fn a_batch_starts_its_rows_at_the_stacks_pace_and_no_slower() {
    let world = World::with_config(|config| config.batch_invitations_per_second = 10);
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let rows = (0..6).map(|n| row(&format!("paced-{n}@acme.example.com"), "member")).collect();
    let started = tokio::time::Instant::now();
    let answer = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows, false))).await;
    let took = started.elapsed();
    assert_eq!(row_statuses(&answer), vec![(201, String::new()); 6], "{answer:?}");
    assert!(
        (Duration::from_millis(500)..Duration::from_millis(600)).contains(&took),
        "6 rows at 10 a second start over 0.5 s, the last 0.5 s after the first: took {took:?}"
    );
}

/// A body is refused for its size before it is read: 16 KB for a route of one member's fields,
/// 128 KB for a batch, which 100 long addresses need.
#[tokio::test]
async fn a_body_over_its_routes_limit_is_refused_for_its_size_and_a_batch_has_room_for_100_long_rows() {
    let world = World::with_config(|config| {
        config.email_quotas.per_tenant_per_day = 1_000;
        config.email_quotas.per_service_per_day = 1_000;
    });
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let mut padded = row("padded@acme.example.com", "member");
    padded["pad"] = json!("x".repeat(17 * 1024));
    let answer = world.call(Operation::InviteMember, Some(&tenant.admin.sub), &path, Some(padded)).await;
    assert_eq!((answer.status, answer.code()), (400, "validation_failed"));
    assert!(answer.body["detail"].as_str().unwrap().contains("larger than 16 KB"), "{answer:?}");

    let long = |n: usize| format!("{}-{n:03}@{}.{}.example.com", "l".repeat(60), "d".repeat(60), "e".repeat(60));
    let rows: Vec<Value> = (0..100).map(|n| row(&long(n), "member")).collect();
    let body = batch(rows, true);
    assert!(body.to_string().len() > 16 * 1024, "more than one member's route takes");
    let answer = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body["detail"]);
    let statuses = row_statuses(&answer);
    assert!(statuses.iter().all(|(status, _)| *status == 201), "{:?}", &statuses[..3]);
}

#[tokio::test]
async fn a_batch_of_more_than_100_or_of_none_is_refused_whole() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let rows = |n: usize| (0..n).map(|i| row(&format!("m{i}@acme.example.com"), "member")).collect::<Vec<_>>();
    let too_many = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows(101), false))).await;
    assert_eq!((too_many.status, too_many.code()), (400, "batch_too_large"), "{too_many:?}");
    let none = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows(0), false))).await;
    assert_eq!((none.status, none.code()), (400, "validation_failed"));
    let not_a_list =
        world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(json!({ "items": row("a@b.co", "member") }))).await;
    assert_eq!((not_a_list.status, not_a_list.code()), (400, "validation_failed"));
    assert_eq!(world.mailer.sent().len(), 1, "nothing was sent but the administrator's invitation");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 1);

    let hundred = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows(100), true))).await;
    assert_eq!(hundred.status, 200, "100 rows is a batch: {hundred:?}");
}

#[tokio::test]
async fn a_dry_run_answers_every_row_as_the_batch_then_does_and_changes_nothing() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    world.member(&tenant, "already@acme.example.com", "member").await;
    let path = [("tenantId", tenant.id.as_str())];
    // The tenant may send 30 emails a day and has sent 2: the 29th new row is over its quota.
    let mut rows: Vec<Value> = (0..30).map(|i| row(&format!("m{i}@acme.example.com"), "member")).collect();
    rows.insert(3, row("already@acme.example.com", "member"));
    rows.insert(5, row("m0@acme.example.com", "member"));
    rows.push(row("admin@acme.example.com", "member"));
    let body = batch(rows, true);
    let (sent, audit) = (world.mailer.sent().len(), world.audit_actions(&tenant.id).await);

    let dry = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body.clone())).await;
    assert_eq!(dry.status, 200, "{dry:?}");
    let predicted = row_statuses(&dry);
    assert_eq!(predicted.iter().filter(|(s, _)| *s == 201).count(), 28);
    assert_eq!(predicted[3], (409, "member_exists".into()), "an existing member");
    assert_eq!(predicted[5], (409, "member_exists".into()), "an email already in the batch");
    assert_eq!(predicted[31], (429, "rate_limited".into()), "the tenant's quota is full");
    assert_eq!(predicted[32], (429, "rate_limited".into()), "a full quota refuses before the existing member, as a commit does");
    assert!(dry.body["items"][31]["error"]["retryAfter"].as_u64().is_some_and(|s| s > 0), "{:?}", dry.body["items"][31]);
    assert!(dry.body["items"].as_array().unwrap().iter().all(|r| r.get("member").is_none()), "a dry run creates no member");
    assert_eq!(world.mailer.sent().len(), sent, "a dry run sends nothing");
    assert_eq!(world.audit_actions(&tenant.id).await, audit, "a dry run changes nothing");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2);
    assert_eq!(world.directory.user_of(&Email::parse("m0@acme.example.com").unwrap()), None, "and creates no Cognito user");

    let done = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(json!({ "items": body["items"] }))).await;
    assert_eq!(row_statuses(&done), predicted, "the batch went as its dry run said");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2 + 28);
}

#[tokio::test]
async fn a_batch_rows_email_failure_takes_back_that_row_alone() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let emails = ["a@acme.example.com", "b@acme.example.com", "c@acme.example.com"];
    world.mailer.refuse_next();
    let answer = world
        .call(
            Operation::InviteMembers,
            Some(&tenant.admin.sub),
            &path,
            Some(batch(emails.iter().map(|e| row(e, "member")).collect(), false)),
        )
        .await;
    let statuses = row_statuses(&answer);
    let failed: Vec<usize> = (0..3).filter(|i| statuses[*i].0 != 201).collect();
    assert_eq!(failed.len(), 1, "{statuses:?}");
    assert_eq!(statuses[failed[0]], (503, "upstream_unavailable".into()));
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 3, "the two other rows stay");
    let members = world.list_members(&tenant.id, &tenant.admin.sub, json!({})).await;
    let listed: Vec<&str> = members.body["items"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert!(!listed.contains(&emails[failed[0]]), "the failed row was taken back: {listed:?}");

    let retry = vec![row(emails[failed[0]], "member")];
    let retried = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(retry, false))).await;
    assert_eq!(row_statuses(&retried), [(201, String::new())], "the failed row alone can be sent again");
}

#[tokio::test]
async fn a_batch_replayed_with_its_idempotency_key_answers_the_same_and_sends_nothing_new() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let body = batch(vec![row("a@acme.example.com", "member"), row("b@acme.example.com", "nobody")], false);
    let key = json!({ "idempotency-key": "onboarding-2026-12-03" });
    let first = world.call_with(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body.clone()), key.clone()).await;
    let sent = world.mailer.sent().len();
    let again = world.call_with(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body), key).await;
    assert_eq!((again.status, &again.body), (200, &first.body), "the whole answer again");
    assert_eq!(world.mailer.sent().len(), sent, "and no email again");
}

#[tokio::test]
async fn a_person_sees_themselves_and_the_tenants_they_are_active_in_with_those_they_manage() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let child = world.tenant("Child", Some(&parent.id), "admin@child.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let me = &parent.admin;
    let join = |tenant: &helpers::Tenant| {
        let (world, tenant) = (&world, tenant.clone());
        async move {
            assert_eq!(world.invite(&tenant.id, &tenant.admin.sub, &me.email, "member").await.status, 201);
            let token = world.last_token_to(&me.email);
            let joined = world.call(Operation::JoinTenant, Some(&me.sub), &[], Some(json!({ "token": token }))).await;
            assert_eq!(joined.status, 200, "{joined:?}");
        }
    };
    join(&other).await;
    join(&child).await;
    assert_eq!(
        world
            .invite(&world.tenant("Pending", None, "admin@pending.example.com").await.id, &world.operator, &me.email, "member")
            .await
            .status,
        201
    );

    let listed = world.call_query(Operation::ListMyMemberships, Some(&me.sub), &[], json!({})).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let mut expected = vec![
        (parent.id.clone(), "Parent", true, true),
        (child.id.clone(), "Child", false, true),
        (other.id.clone(), "Other", false, false),
    ];
    expected.sort();
    let shown: Vec<(String, &str, bool, bool)> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let id = m["tenantId"].as_str().unwrap().to_string();
            (id, m["tenantName"].as_str().unwrap(), m["representative"].as_bool().unwrap(), m["manager"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(shown, expected, "only active memberships, the child managed as the parent's administrator, the other not");
    assert!(listed.body["items"][0]["roles"]["service-management-portal"].is_string(), "each with its roles");

    let first = world.call_query(Operation::ListMyMemberships, Some(&me.sub), &[], json!({ "limit": "2" })).await;
    let cursor = first.body["nextCursor"].as_str().expect("a second page").to_string();
    let second = world.call_query(Operation::ListMyMemberships, Some(&me.sub), &[], json!({ "limit": "2", "cursor": cursor })).await;
    assert_eq!((first.body["items"].as_array().unwrap().len(), second.body["items"].as_array().unwrap().len()), (2, 1));
    assert_eq!(second.body["nextCursor"], Value::Null);

    let person = world.call(Operation::GetMe, Some(&me.sub), &[], None).await;
    assert_eq!(
        person.body,
        json!({ "sub": me.sub.as_str(), "email": "admin@parent.example.com", "operator": false, "mfa": { "enabled": false, "type": null } })
    );
    let operator = world.call(Operation::GetMe, Some(&world.operator), &[], None).await;
    assert_eq!((operator.body["operator"].as_bool(), operator.body["email"].as_str()), (Some(true), Some("operator@example.com")));
    let nobody = world.call(Operation::GetMe, None, &[], None).await;
    assert_eq!((nobody.status, nobody.code()), (401, "unauthenticated"));
}

/// A pre-token-generation event of version `V2_0`, as Cognito sends it for `sub`, asking for
/// `tenant` in its `ClientMetadata` if given.
fn token_event(sub: &str, tenant: Option<&str>) -> Value {
    let mut request = json!({
        "userAttributes": { "sub": sub, "email_verified": "true", "cognito:user_status": "CONFIRMED" },
        "groupConfiguration": { "groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null },
        "scopes": ["aws.cognito.signin.user.admin"],
    });
    if let Some(tenant) = tenant {
        request["clientMetadata"] = json!({ "tenantId": tenant });
    }
    json!({
        "version": "2", "triggerSource": "TokenGeneration_RefreshTokens", "region": "us-east-1", "userPoolId": "memory",
        "userName": sub, "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "portal" },
        "request": request, "response": { "claimsAndScopeOverrideDetails": null },
    })
}

#[tokio::test]
async fn tokens_speak_for_the_tenant_asked_for_then_the_last_switched_to_and_never_one_left() {
    use tenant_members::triggers::{TokenClaims, Trigger};
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let globex = world.tenant("Globex", None, "admin@globex.example.com").await;
    let me = &acme.admin;
    assert_eq!(world.invite(&globex.id, &globex.admin.sub, &me.email, "member").await.status, 201);
    let joined = world.call(Operation::JoinTenant, Some(&me.sub), &[], Some(json!({ "token": world.last_token_to(&me.email) }))).await;
    assert_eq!(joined.status, 200);
    let in_globex = joined.body["memberId"].as_str().unwrap().to_string();
    let claims = |tenant: Option<&str>| {
        let (world, event) = (&world, token_event(me.sub.as_str(), tenant));
        async move {
            let answer = TokenClaims::answer(&world.app, event).await?;
            let details = &answer["response"]["claimsAndScopeOverrideDetails"];
            assert_eq!(details["idTokenGeneration"], details["accessTokenGeneration"], "both tokens say the same");
            Ok::<Value, tenant_members::ApiError>(details["idTokenGeneration"]["claimsToAddOrOverride"].clone())
        }
    };

    assert_eq!(claims(None).await.unwrap(), Value::Null, "two tenants and none chosen: no tenant claims");
    let switched = claims(Some(&globex.id)).await.unwrap();
    assert_eq!(switched["tenant_id"], globex.id.as_str());
    assert_eq!(switched["tenant_roles"], json!({ "service-management-portal": "member" }));
    assert_eq!(switched["permissions"], json!(["service-management-portal:profile:update", "service-management-portal:tenant:read"]));
    assert_eq!(claims(None).await.unwrap()["tenant_id"], globex.id.as_str(), "a plain refresh stays in the tenant switched to");
    let admin = claims(Some(&acme.id)).await.unwrap();
    assert!(admin["permissions"].as_array().unwrap().contains(&json!("service-management-portal:members:invite")));

    let path = [("tenantId", globex.id.as_str()), ("memberId", in_globex.as_str())];
    let roles = json!({ "roles": { "service-management-portal": "member", "device-management": "viewer" } });
    assert_eq!(world.call(Operation::ChangeMemberRoles, Some(&globex.admin.sub), &path, Some(roles)).await.status, 200);
    assert_eq!(claims(Some(&globex.id)).await.unwrap()["tenant_roles"]["device-management"], "viewer", "a role change shows at once");
    assert_eq!(world.call(Operation::DeleteMember, Some(&globex.admin.sub), &path, None).await.status, 204);
    let refused = claims(Some(&globex.id)).await.unwrap_err();
    assert_eq!(refused.code(), "tenant_not_available");
    assert!(refused.to_string().starts_with("tenant_not_available"), "Cognito's message names the code");
    assert_eq!(claims(None).await.unwrap()["tenant_id"], acme.id.as_str(), "the tenant left is no longer the last one: the only one left");
    assert!(claims(Some("not-a-tenant-id")).await.is_err());
}

/// The index that finds a person's memberships may lag a change by a moment: the claims come from
/// the chosen membership read by its key, so a refresh right after a downgrade or a removal never
/// mints the roles that were taken away.
#[tokio::test]
async fn tokens_never_carry_roles_taken_away_while_the_index_lags() {
    use tenant_members::triggers::{TokenClaims, Trigger};
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let admin = world.member(&acme, "second-admin@acme.example.com", "tenant-admin").await;
    let claims = || TokenClaims::answer(&world.app, token_event(admin.sub.as_str(), Some(&acme.id)));
    let granted = claims().await.unwrap();
    assert!(granted.to_string().contains("members:invite"), "{granted}");

    world.store.lag_index(true);
    let path = [("tenantId", acme.id.as_str()), ("memberId", admin.member_id.as_str())];
    let roles = json!({ "roles": { "service-management-portal": "member" } });
    assert_eq!(world.call(Operation::ChangeMemberRoles, Some(&acme.admin.sub), &path, Some(roles)).await.status, 200);
    let downgraded = claims().await.unwrap();
    let details = &downgraded["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"];
    assert_eq!(details["tenant_roles"]["service-management-portal"], "member", "the old roles were minted: {details}");
    assert_eq!(world.call(Operation::DeleteMember, Some(&acme.admin.sub), &path, None).await.status, 204);
    let removed = claims().await;
    world.store.lag_index(false);
    assert_eq!(removed.map(|_| ()).unwrap_err().code(), "tenant_not_available", "tokens were minted for a membership removed");
}

//! Inviting: what an invitation stores, sends and counts, who may send it, its link, its lifetime.
use super::*;

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

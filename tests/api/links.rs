//! Resending invitations and password resets: single-use links, the member's language, quotas.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{wait, TestStack, PASSWORD};

const NEW_PASSWORD: &str = "An0ther-Good-Passw0rd!";

#[tokio::test]
async fn resend_is_only_for_members_who_have_not_registered() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, _) = stack.active_member(&tenant).await;
    let answer =
        stack.post(&format!("{}/invitation", TestStack::member_path(&tenant, &member_id)), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "already_registered");
}

#[tokio::test]
async fn a_resent_invitation_kills_the_old_link_and_speaks_the_member_language() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, email) = stack.pending(&tenant, "member", "ja").await;
    let old_token = stack.last_email_to(&email).await.token();
    let before = stack.get(&TestStack::member_path(&tenant, &member_id), &tenant.admin_token).await;

    let resent =
        stack.post(&format!("{}/invitation", TestStack::member_path(&tenant, &member_id)), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(resent.status, StatusCode::ACCEPTED, "{:?}", resent.body);
    let emails = stack.emails_to(&email).await;
    assert_eq!(emails.len(), 2);
    assert!(emails[1].body.contains("招待"), "{}", emails[1].body);
    let new_token = emails[1].token();
    assert_ne!(old_token, new_token);
    let after = stack.get(&TestStack::member_path(&tenant, &member_id), &tenant.admin_token).await;
    assert!(after.body["invitationExpiresAt"].as_str() >= before.body["invitationExpiresAt"].as_str());

    let old = stack.post("/invitations/accept", None, json!({ "token": old_token, "password": PASSWORD })).await;
    assert_eq!(old.code(), "token_invalid");
    let new = stack.post("/invitations/accept", None, json!({ "token": new_token, "password": PASSWORD })).await;
    assert_eq!(new.status, StatusCode::OK, "{:?}", new.body);
}

#[tokio::test]
async fn invitations_are_resent_at_most_5_times_an_hour() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, email) = stack.pending(&tenant, "member", "en").await;
    let path = format!("{}/invitation", TestStack::member_path(&tenant, &member_id));
    for n in 1..=5 {
        let answer = stack.post(&path, Some(&tenant.admin_token), json!({})).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "resend {n}: {:?}", answer.body);
    }
    let sixth = stack.post(&path, Some(&tenant.admin_token), json!({})).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.code(), "rate_limited");
    assert_eq!(stack.emails_to(&email).await.len(), 6, "the invitation and five resends");
    let last = stack.last_email_to(&email).await.token();
    let accepted = stack.post("/invitations/accept", None, json!({ "token": last, "password": PASSWORD })).await;
    assert_eq!(accepted.status, StatusCode::OK, "the refused resend did not kill the live link");
}

#[tokio::test]
async fn a_password_reset_is_only_for_registered_members() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, email) = stack.pending(&tenant, "member", "en").await;
    let answer =
        stack.post(&format!("{}/password-reset", TestStack::member_path(&tenant, &member_id)), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "not_registered");
    assert_eq!(stack.emails_to(&email).await.len(), 1, "only the invitation");
}

#[tokio::test]
async fn a_password_reset_link_sets_the_new_password_once_and_ends_other_sessions() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let sent = stack
        .post(&format!("{}/password-reset", TestStack::member_path(&tenant, &person.member_id)), Some(&tenant.admin_token), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{:?}", sent.body);
    let email = stack.last_email_to(&person.email).await;
    assert!(email.body.contains("https://portal.test/reset-password?token="), "{}", email.body);
    let token = email.token();

    let weak = stack.post("/password-resets/complete", None, json!({ "token": token, "password": "weak" })).await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.code(), "password_rejected");

    let done = stack.post("/password-resets/complete", None, json!({ "token": token, "password": NEW_PASSWORD })).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    assert!(stack.sign_in(&person.email, NEW_PASSWORD).await.is_ok(), "the new password signs in");
    assert!(!stack.access_token_works(&person.access_token).await, "the old session ended");

    let again = stack.post("/password-resets/complete", None, json!({ "token": token, "password": PASSWORD })).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.code(), "token_invalid");
    let invitation_link = stack.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await;
    assert_eq!(invitation_link.code(), "token_invalid", "a reset token is no invitation");
}

#[tokio::test]
async fn a_newer_password_reset_link_replaces_the_older_one() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let path = format!("{}/password-reset", TestStack::member_path(&tenant, &person.member_id));
    stack.post(&path, Some(&tenant.admin_token), json!({})).await;
    let first = stack.last_email_to(&person.email).await.token();
    stack.post(&path, Some(&tenant.admin_token), json!({})).await;
    let second = stack.last_email_to(&person.email).await.token();
    let old = stack.post("/password-resets/complete", None, json!({ "token": first, "password": NEW_PASSWORD })).await;
    assert_eq!(old.code(), "token_invalid");
    let new = stack.post("/password-resets/complete", None, json!({ "token": second, "password": NEW_PASSWORD })).await;
    assert_eq!(new.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn password_resets_are_sent_at_most_5_times_an_hour() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, _) = stack.active_member(&tenant).await;
    let path = format!("{}/password-reset", TestStack::member_path(&tenant, &member_id));
    for n in 1..=5 {
        assert_eq!(stack.post(&path, Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED, "reset {n}");
    }
    let sixth = stack.post(&path, Some(&tenant.admin_token), json!({})).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.code(), "rate_limited");
}

#[tokio::test]
async fn an_expired_password_reset_link_is_token_expired() {
    let stack = TestStack::start_with(|o| o.password_reset_ttl = Duration::from_secs(1)).await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let path = format!("{}/password-reset", TestStack::member_path(&tenant, &person.member_id));
    stack.post(&path, Some(&tenant.admin_token), json!({})).await;
    let token = stack.last_email_to(&person.email).await.token();
    wait(Duration::from_millis(1100)).await;
    let late = stack.post("/password-resets/complete", None, json!({ "token": token, "password": NEW_PASSWORD })).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(late.code(), "token_expired");
    assert!(stack.sign_in(&person.email, PASSWORD).await.is_ok(), "the password did not change");
}

#[tokio::test]
async fn a_password_cognito_would_refuse_is_refused_before_any_aws_call_and_the_link_still_works() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (_, email) = stack.pending(&tenant, "member", "en").await;
    let token = stack.last_email_to(&email).await.token();
    for password in [format!(" {PASSWORD}"), format!("{PASSWORD}\t"), format!("{PASSWORD}{}", "x".repeat(240)), "short".to_string()] {
        stack.traffic.reset();
        let answer = stack.post("/invitations/accept", None, json!({ "token": token, "password": password })).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, "password_rejected"), "{password:?}: {:?}", answer.body);
        assert!(stack.traffic.tally().calls.is_empty(), "{password:?}: {}", stack.traffic.tally().describe());
    }
    assert_eq!(stack.accept_invitation(&email).await.status, StatusCode::OK, "the link was not used up");
}

#[tokio::test]
async fn inviting_and_deleting_one_address_in_a_loop_stops_at_its_trees_share_and_blocks_no_other_tenant() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = format!("loop-{}@example.com", ulid::Ulid::new().to_string().to_lowercase());
    let roles = || json!({ "service-management-portal": "member" });
    // The share as the template's parameter `EmailsPerAddressPerTenantTreePerDay` sets it.
    let template = local_stack::template::Template::load(&crate::helpers::project_root().join("template.yaml")).unwrap();
    let quotas = template.email_quotas().unwrap();
    let per_day = quotas.per_address_per_tenant_tree_per_day;
    assert!(per_day < quotas.per_address_per_day, "a tree's share is less than the address's total");
    for n in 1..=per_day {
        let invited = stack.invite(&tenant, &email, "en", roles()).await;
        assert_eq!(invited.status, StatusCode::CREATED, "invitation {n}: {:?}", invited.body);
        let path = TestStack::member_path(&tenant, invited.body["memberId"].as_str().unwrap());
        assert_eq!(stack.delete(&path, &tenant.admin_token).await.status, StatusCode::NO_CONTENT);
    }
    let refused = stack.invite(&tenant, &email, "en", roles()).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let retry_after: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=24 * 3600).contains(&retry_after), "{retry_after}");
    assert_eq!(stack.emails_to(&email).await.len(), per_day as usize, "the refused invitation sent nothing");
    let members = stack.get(&format!("/tenants/{}/members", tenant.tenant_id), &tenant.admin_token).await;
    assert!(!members.body.to_string().contains(&email), "and stored nothing");
    assert_eq!(stack.cognito_users(&email).await, 0, "and left no Cognito user behind");

    // Other tenants (top-level, each its own tree) still reach the person.
    let others = 3;
    let mut blocked = 0;
    for _ in 0..others {
        let other = stack.tenant_with_admin(None).await;
        let invited = stack.invite(&other, &email, "en", roles()).await;
        if invited.status != StatusCode::CREATED {
            blocked += 1;
        }
    }
    crate::helpers::figure(format!(
        "cross-tenant quota abuse: {blocked} of {others} other tenants' invitations blocked, after one tenant used its share ({per_day}) of an address"
    ));
    assert_eq!(blocked, 0, "one tenant's loop blocked other tenants' invitations to the address");
}

//! The representative administrator: candidates, transfer, and the email of one not registered.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{figure, unique_email, TestStack, PASSWORD};

#[tokio::test]
async fn candidates_are_the_active_tenant_admins_other_than_the_representative() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/representative/candidates", tenant.tenant_id);
    let none = stack.get(&path, &tenant.admin_token).await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["items"], json!([]), "No tenant administrator available for selection");

    let admin = stack.join(&tenant, "tenant-admin").await;
    stack.join(&tenant, "member").await;
    stack.pending(&tenant, "tenant-admin", "en").await;
    let some = stack.get(&path, &tenant.admin_token).await;
    let ids: Vec<_> = some.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap()).collect();
    assert_eq!(ids, [admin.member_id.as_str()]);
}

#[tokio::test]
async fn only_the_representative_hands_over_the_role() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let answer =
        stack.put(&format!("/tenants/{}/representative", tenant.tenant_id), &second.token, json!({ "memberId": second.member_id })).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "not_representative");
}

#[tokio::test]
async fn the_new_representative_must_be_an_active_tenant_admin_of_the_tenant() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let other = stack.tenant_with_admin(None).await;
    let (plain, _) = stack.active_member(&tenant).await;
    let (pending_admin, _) = stack.pending(&tenant, "tenant-admin", "en").await;
    let foreign_admin = stack.join(&other, "tenant-admin").await;
    let path = format!("/tenants/{}/representative", tenant.tenant_id);
    for target in [plain, pending_admin, foreign_admin.member_id] {
        let answer = stack.put(&path, &tenant.admin_token, json!({ "memberId": target })).await;
        assert_eq!(answer.status, StatusCode::CONFLICT, "{:?}", answer.body);
        assert_eq!(answer.code(), "not_eligible");
    }
    let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &tenant.admin_token).await;
    assert_eq!(overview.body["representative"]["memberId"], tenant.admin_member_id.as_str());
}

#[tokio::test]
async fn a_transfer_leaves_exactly_one_representative() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let third = stack.join(&tenant, "tenant-admin").await;
    let path = format!("/tenants/{}/representative", tenant.tenant_id);
    // The representative clicks twice, for two different people, at once.
    let (a, b) = tokio::join!(
        stack.put(&path, &tenant.admin_token, json!({ "memberId": second.member_id })),
        stack.put(&path, &tenant.admin_token, json!({ "memberId": third.member_id })),
    );
    let transferred = [a.status, b.status].iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(transferred, 1, "{:?} {:?}", a.body, b.body);
    let representatives: Vec<_> = stack.members(&tenant).await.into_iter().filter(|m| m["representative"] == true).collect();
    figure(format!("race: 2 concurrent representative transfers: {transferred} done, {} representative", representatives.len()));
    assert_eq!(representatives.len(), 1);
    let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &second.token).await;
    assert_eq!(overview.body["representative"]["memberId"], representatives[0]["memberId"]);
}

#[tokio::test]
async fn the_representative_email_changes_only_before_registration() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let answer = stack
        .put(&format!("/tenants/{}/representative/email", tenant.tenant_id), &tenant.admin_token, json!({ "email": unique_email("new") }))
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "already_registered");
}

#[tokio::test]
async fn the_new_representative_email_must_not_be_registered_or_a_member_here() {
    let stack = TestStack::start().await;
    let operator = stack.operator().await;
    let registered = stack.tenant_with_admin(None).await;
    let pending_email = unique_email("pending-rep");
    let tenant_id = stack.create_tenant("Pending", &pending_email, None).await;
    // A member of this tenant, not registered either.
    let member_email = unique_email("member-here");
    let invited = stack
        .post(
            &format!("/tenants/{tenant_id}/members"),
            Some(&operator),
            json!({ "email": member_email, "language": "en", "roles": { "service-management-portal": "member" } }),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED);
    let path = format!("/tenants/{tenant_id}/representative/email");
    for email in [registered.admin_email.clone(), member_email.to_uppercase()] {
        let answer = stack.put(&path, &operator, json!({ "email": email })).await;
        assert_eq!(answer.status, StatusCode::CONFLICT, "{email}: {:?}", answer.body);
        assert_eq!(answer.code(), "email_in_use");
    }
    let overview = stack.get(&format!("/tenants/{tenant_id}"), &operator).await;
    assert_eq!(overview.body["representative"]["email"], pending_email.as_str());
}

#[tokio::test]
async fn a_new_representative_email_gets_a_new_administrator_invitation_and_the_old_link_dies() {
    let stack = TestStack::start().await;
    let operator = stack.operator().await;
    let old_email = unique_email("typo");
    let tenant_id = stack.create_tenant("Acme", &old_email, None).await;
    let old_token = stack.last_email_to(&old_email).await.token();

    let new_email = unique_email("right");
    let changed = stack.put(&format!("/tenants/{tenant_id}/representative/email"), &operator, json!({ "email": new_email })).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["representative"]["email"], new_email.as_str());
    assert_eq!(changed.body["representative"]["status"], "invited");

    let invitation = stack.last_email_to(&new_email).await;
    assert!(invitation.body.contains("representative tenant administrator"), "{}", invitation.body);
    let old = stack.post("/invitations/accept", None, json!({ "token": old_token, "password": PASSWORD })).await;
    assert_eq!(old.code(), "token_invalid");
    assert_eq!(stack.cognito_users(&old_email).await, 0, "the old address's unused account is gone");

    let accepted = stack.post("/invitations/accept", None, json!({ "token": invitation.token(), "password": PASSWORD })).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    let admin = stack.sign_in(&new_email, PASSWORD).await.expect("the new address signs in");
    let overview = stack.get(&format!("/tenants/{tenant_id}"), &admin).await;
    assert_eq!(overview.body["representative"]["status"], "active");
    let members = stack.get(&format!("/tenants/{tenant_id}/members"), &admin).await;
    let emails: Vec<_> = members.body["items"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(emails, [new_email.as_str()]);
}

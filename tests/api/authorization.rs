//! Who may do what, in which tenant.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{unique_email, TestStack};

#[tokio::test]
async fn calls_without_a_valid_token_are_unauthenticated() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    for token in [None, Some("not-a-jwt"), Some(&tenant.admin_token[..tenant.admin_token.len() - 4])] {
        let answer = stack.call(Method::GET, &format!("/tenants/{}/members", tenant.tenant_id), token, None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(answer.code(), "unauthenticated");
    }
    assert_eq!(stack.call(Method::GET, "/roles", None, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_of_another_user_pool_is_unauthenticated() {
    let stack = TestStack::start().await;
    let other = TestStack::start().await;
    let foreign = other.operator().await;
    let answer = stack.call(Method::GET, "/tenants", Some(&foreign), None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_operators_create_tenants() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let body = json!({ "name": "Rogue", "adminEmail": unique_email("rogue"), "adminLanguage": "en" });
    let answer = stack.post("/tenants", Some(&tenant.admin_token), body).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "forbidden");
}

#[tokio::test]
async fn a_member_of_tenant_a_cannot_see_or_change_tenant_b() {
    let stack = TestStack::start().await;
    let a = stack.tenant_with_admin(None).await;
    let b = stack.tenant_with_admin(None).await;
    let invite = json!({ "email": unique_email("intruder"), "language": "en",
                         "roles": { "service-management-portal": "member" } });

    for (method, path, body) in [
        (Method::GET, format!("/tenants/{}", b.tenant_id), None),
        (Method::GET, format!("/tenants/{}/members", b.tenant_id), None),
        (Method::POST, format!("/tenants/{}/members", b.tenant_id), Some(invite.clone())),
    ] {
        let answer = stack.call(method.clone(), &path, Some(&a.admin_token), body).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "admin of A on {method} {path}: {:?}", answer.body);
        assert_eq!(answer.code(), "not_found");
    }
    assert_eq!(stack.count_items(&b.tenant_id, "MEMBER#").await, 1, "nothing was added to B");

    let listed = stack.get("/tenants", &a.admin_token).await;
    let ids: Vec<_> = listed.body["items"].as_array().unwrap().iter().map(|t| t["tenantId"].as_str().unwrap()).collect();
    assert_eq!(ids, [a.tenant_id.as_str()]);
}

#[tokio::test]
async fn a_plain_member_may_not_manage_their_own_tenant() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (_, member_token) = stack.active_member(&tenant).await;
    let answer = stack.get(&format!("/tenants/{}/members", tenant.tenant_id), &member_token).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "forbidden");
    let invite = stack
        .post(
            &format!("/tenants/{}/members", tenant.tenant_id),
            Some(&member_token),
            json!({ "email": unique_email("x"), "language": "en", "roles": { "service-management-portal": "member" } }),
        )
        .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN);
    assert_eq!(stack.get("/tenants", &member_token).await.body["items"], json!([]));
}

#[tokio::test]
async fn an_unknown_or_malformed_tenant_or_member_is_not_found() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let operator = stack.operator().await;
    for path in [
        "/tenants/01JD0000000000000000000000".to_string(),
        "/tenants/..%2Fother".to_string(),
        format!("/tenants/{}/members/01JD0000000000000000000000", tenant.tenant_id),
        format!("/tenants/{}/members/nope", tenant.tenant_id),
    ] {
        let answer = stack.get(&path, &operator).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.code(), "not_found");
    }
}

#[tokio::test]
async fn a_token_that_still_names_the_operators_group_creates_nothing_once_the_pool_says_otherwise() {
    let stack = TestStack::start().await;
    let token = stack.operator().await;
    // Taken out of the group after signing in: the ID token still carries the claim.
    stack
        .cognito
        .admin_remove_user_from_group()
        .user_pool_id(&stack.stack.user_pool_id)
        .username(&stack.stack.operator.email)
        .group_name("operators")
        .send()
        .await
        .unwrap();
    let email = unique_email("rogue");
    let answer = stack.post("/tenants", Some(&token), json!({ "name": "Stale", "adminEmail": email, "adminLanguage": "en" })).await;
    assert_eq!((answer.status, answer.code()), (StatusCode::FORBIDDEN, "forbidden"), "{:?}", answer.body);
    assert_eq!(stack.cognito_users(&email).await, 0, "no Cognito user was created for the refused tenant");
}

#[tokio::test]
async fn an_administrator_neither_resets_their_own_password_nor_switches_their_own_mfa() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let own = TestStack::member_path(&tenant, &tenant.admin_member_id);
    let reset = stack.post(&format!("{own}/password-reset"), Some(&tenant.admin_token), json!({})).await;
    assert_eq!((reset.status, reset.code()), (StatusCode::FORBIDDEN, "self_change_forbidden"), "{:?}", reset.body);
    let mfa = stack.put(&format!("{own}/mfa"), &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!((mfa.status, mfa.code()), (StatusCode::FORBIDDEN, "self_change_forbidden"), "{:?}", mfa.body);
    assert!(stack.emails_to(&tenant.admin_email).await.iter().all(|e| !e.body.contains("reset-password")));
    let me = stack.get(&own, &tenant.admin_token).await;
    assert_eq!(me.body["mfa"]["enabled"], false);
}

#[test]
fn the_portal_client_cannot_move_a_persons_sign_in_email() {
    let template: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(crate::helpers::project_root().join("template.yaml")).unwrap()).unwrap();
    let client = &template["Resources"]["UserPoolClient"]["Properties"];
    let writable: Vec<&str> =
        client["WriteAttributes"].as_sequence().expect("WriteAttributes is listed").iter().filter_map(|a| a.as_str()).collect();
    assert!(!writable.contains(&"email") && !writable.contains(&"email_verified"), "{writable:?}");
    let verified =
        &template["Resources"]["UserPool"]["Properties"]["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"];
    assert!(verified.as_sequence().is_some_and(|a| a.iter().any(|v| v.as_str() == Some("email"))), "{verified:?}");
}

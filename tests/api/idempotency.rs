//! `Idempotency-Key` on the creating POSTs.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{figure, unique_email, wait, TestStack};

#[tokio::test]
async fn a_retried_invite_with_the_same_key_replays_the_first_answer_without_a_second_email() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members", tenant.tenant_id);
    let email = unique_email("retry");
    let body = json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" } });

    let first = stack.post_with_key(&path, &tenant.admin_token, "invite-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let again = stack.post_with_key(&path, &tenant.admin_token, "invite-1", &body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["location"], first.headers["location"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let emails = stack.emails_to(&email).await.len();
    figure(format!(
        "idempotency: an invite sent twice with one key: replayed {}, {emails} email",
        again.headers["idempotent-replayed"].to_str().unwrap_or("")
    ));
    assert_eq!(emails, 1, "no second email");
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 2);

    let other = json!({ "email": unique_email("other"), "language": "en", "roles": { "service-management-portal": "member" } });
    let reused = stack.post_with_key(&path, &tenant.admin_token, "invite-1", &other).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.code(), "idempotency_key_reused");
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 2, "nothing else was created");
}

#[tokio::test]
async fn a_failed_request_frees_its_key_for_the_corrected_retry() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members", tenant.tenant_id);
    let bad = json!({ "email": unique_email("fix"), "language": "xx", "roles": { "service-management-portal": "member" } });
    let refused = stack.post_with_key(&path, &tenant.admin_token, "invite-2", &bad).await;
    assert_eq!(refused.code(), "validation_failed");
    let mut fixed = bad.clone();
    fixed["language"] = json!("ja");
    let created = stack.post_with_key(&path, &tenant.admin_token, "invite-2", &fixed).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
}

#[tokio::test]
async fn a_retried_tenant_creation_with_the_same_key_creates_one_tenant() {
    let stack = TestStack::start().await;
    let operator = stack.operator().await;
    let admin_email = unique_email("tenant-retry");
    let body = json!({ "name": "Once", "adminEmail": admin_email, "adminLanguage": "en" });
    let first = stack.post_with_key("/tenants", &operator, "tenant-1", &body).await;
    let again = stack.post_with_key("/tenants", &operator, "tenant-1", &body).await;
    assert_eq!((first.status, again.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first.body["tenant"]["tenantId"], again.body["tenant"]["tenantId"]);
    assert_eq!(stack.emails_to(&admin_email).await.len(), 1);
    let tenants = stack.get("/tenants", &operator).await;
    let named_once = tenants.body["items"].as_array().unwrap().iter().filter(|t| t["name"] == "Once").count();
    assert_eq!(named_once, 1);

    // Kept a day, then DynamoDB's TTL removes the record.
    let records = stack
        .dynamodb
        .scan()
        .table_name(&stack.stack.table_name)
        .filter_expression("begins_with(pk, :p)")
        .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S("IDEMPOTENCY#".into()))
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for record in records.items() {
        let ttl: i64 = record["ttl"].as_n().unwrap().parse().unwrap();
        assert!((now + 23 * 3600..=now + 25 * 3600).contains(&ttl), "ttl {ttl}");
    }
    assert!(!records.items().is_empty());
}

/// A stored answer is the first request's, given again only to a caller who may still make that
/// request: an administrator removed since (and so signed out) gets 401 for their key, not the
/// stored 201 with a member's email; one who lost tenant-admin gets 403.
#[tokio::test]
async fn a_replayed_key_answers_only_a_caller_who_may_still_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members", tenant.tenant_id);
    let body = |email: &str| json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" } });
    let (removed, demoted) = (stack.join(&tenant, "tenant-admin").await, stack.join(&tenant, "tenant-admin").await);
    let (removed_email, demoted_email) = (unique_email("replay-removed"), unique_email("replay-demoted"));
    let first = stack.post_with_key(&path, &removed.token, "invite-3", &body(&removed_email)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(stack.post_with_key(&path, &demoted.token, "invite-4", &body(&demoted_email)).await.status, StatusCode::CREATED);

    // Session starts count whole seconds: the removal comes in a later one than the sign-in.
    wait(std::time::Duration::from_millis(1100)).await;
    let gone = stack.delete(&TestStack::member_path(&tenant, &removed.member_id), &tenant.admin_token).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let roles = json!({ "roles": { "service-management-portal": "member" } });
    let member_roles = format!("{}/roles", TestStack::member_path(&tenant, &demoted.member_id));
    assert_eq!(stack.put(&member_roles, &tenant.admin_token, roles).await.status, StatusCode::OK);

    let replays = [
        ("removed", stack.post_with_key(&path, &removed.token, "invite-3", &body(&removed_email)).await, StatusCode::UNAUTHORIZED),
        ("demoted", stack.post_with_key(&path, &demoted.token, "invite-4", &body(&demoted_email)).await, StatusCode::FORBIDDEN),
    ];
    let leaked = replays.iter().filter(|(_, answer, _)| answer.body.to_string().contains("replay-")).count();
    figure(format!("idempotency: stored answers replayed to a caller removed or demoted since: {leaked}/{}", replays.len()));
    for (who, answer, expected) in &replays {
        assert_eq!(answer.status, *expected, "{who}: {:?}", answer.body);
    }
}

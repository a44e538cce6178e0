//! `Idempotency-Key` on the creating POSTs.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{figure, unique_email, TestStack};

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

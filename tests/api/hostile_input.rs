//! Bad input gets a typed error and changes nothing.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{unique_email, TestStack};

#[tokio::test]
async fn hostile_invitations_are_validation_failed_and_change_nothing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("{}/tenants/{}/members", stack.stack.api_url, tenant.tenant_id);
    let member = json!({ "service-management-portal": "member" });
    let long_local = format!("{}@example.com", "a".repeat(300));
    let bodies = [
        json!({ "email": "evil\r\nbcc: victim@example.com", "language": "en", "roles": member }).to_string(),
        json!({ "email": "nul\u{0}@example.com", "language": "en", "roles": member }).to_string(),
        json!({ "email": long_local, "language": "en", "roles": member }).to_string(),
        json!({ "email": 42, "language": "en", "roles": member }).to_string(),
        json!({ "email": unique_email("x"), "language": "EN", "roles": member }).to_string(),
        json!([1, 2, 3]).to_string(),
        "null".to_string(),
        format!("{{\"email\":\"{}\",\"language\":\"en\",\"roles\":{{}},\"pad\":\"{}\"}}", unique_email("big"), "x".repeat(1024 * 1024)),
    ];
    for body in bodies {
        let answer = stack
            .http
            .post(&path)
            .bearer_auth(&tenant.admin_token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let problem: serde_json::Value = answer.json().await.unwrap_or_default();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}", &body[..body.len().min(80)]);
        assert_eq!(problem["code"], "validation_failed");
    }
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 1, "nothing was added");
}

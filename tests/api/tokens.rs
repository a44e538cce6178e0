//! Links: hashed at rest, and unknown, used and revoked tokens answered alike.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{unique_email, TestStack, PASSWORD};

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (_, email) = stack.pending(&tenant, "member", "en").await;
    let token = stack.last_email_to(&email).await.token();
    let everything = stack.dynamodb.scan().table_name(&stack.stack.table_name).send().await.unwrap();
    let dump = format!("{:?}", everything.items());
    assert!(!dump.contains(&token), "the raw token is stored");
    assert!(dump.contains("TOKEN#"), "the token's hash is");
}

#[tokio::test]
async fn unknown_used_and_revoked_tokens_get_the_same_answer() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    // Used: the administrator's own invitation, already accepted.
    let used = stack.emails_to(&tenant.admin_email).await[0].token();
    // Revoked: an invitation replaced by a resend.
    let (member_id, email) = stack.pending(&tenant, "member", "en").await;
    let revoked = stack.last_email_to(&email).await.token();
    let resent =
        stack.post(&format!("{}/invitation", TestStack::member_path(&tenant, &member_id)), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(resent.status, StatusCode::ACCEPTED);
    let unknown = "A".repeat(43);
    let malformed = unique_email("not-a-token");

    let mut answers = Vec::new();
    for token in [&used, &revoked, &unknown, &malformed] {
        let answer = stack.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await;
        answers.push((answer.status, answer.body.clone()));
    }
    assert_eq!(answers[0].0, StatusCode::BAD_REQUEST);
    assert_eq!(answers[0].1["code"], "token_invalid");
    for other in &answers[1..] {
        assert_eq!(other, &answers[0], "answers must not tell tokens apart");
    }
}

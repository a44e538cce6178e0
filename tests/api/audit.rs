//! The audit trail: one entry per state change, newest first, only for the tenant's managers.
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestStack, PASSWORD};

fn actions(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn every_change_is_recorded_newest_first_with_actor_and_before_after() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let path = TestStack::member_path(&tenant, &person.member_id);
    let changed =
        stack.put(&format!("{path}/roles"), &tenant.admin_token, json!({ "roles": { "service-management-portal": "tenant-admin" } })).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(stack.put(&format!("{path}/mfa"), &tenant.admin_token, json!({ "enabled": true })).await.status, StatusCode::OK);
    assert_eq!(stack.post(&format!("{path}/password-reset"), Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED);
    let token = stack.last_email_to(&person.email).await.token();
    let reset = stack.post("/password-resets/complete", None, json!({ "token": token, "password": format!("{PASSWORD}-2") })).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{:?}", reset.body);
    assert_eq!(stack.delete(&path, &tenant.admin_token).await.status, StatusCode::NO_CONTENT);

    let audit = stack.get(&format!("/tenants/{}/audit", tenant.tenant_id), &tenant.admin_token).await;
    assert_eq!(audit.status, StatusCode::OK, "{:?}", audit.body);
    assert_eq!(
        actions(&audit.body),
        [
            "member_deleted",
            "password_reset_completed",
            "password_reset_sent",
            "mfa_changed",
            "roles_changed",
            "invitation_accepted",
            "member_invited",
            "invitation_accepted",
            "tenant_created",
        ]
    );
    let entries = audit.body["items"].as_array().unwrap();
    let roles_changed = &entries[4];
    assert_eq!(roles_changed["memberId"], person.member_id.as_str());
    assert_eq!(roles_changed["before"]["roles"]["service-management-portal"], "member");
    assert_eq!(roles_changed["after"]["roles"]["service-management-portal"], "tenant-admin");
    assert_eq!(roles_changed["actor"], json!({ "kind": "tenant_admin", "memberId": tenant.admin_member_id, "email": tenant.admin_email }));
    assert_eq!(entries[0]["after"], Value::Null, "a deletion has no after");
    assert_eq!(entries[0]["before"]["email"], person.email.as_str());
    assert_eq!(entries[5]["before"]["status"], "invited");
    assert_eq!(entries[5]["after"]["status"], "active");
    assert_eq!(entries[5]["actor"]["kind"], "member");
    assert_eq!(entries[8]["actor"], json!({ "kind": "operator" }), "the operator is named by kind only");

    // Pages of two, newest first, cover the same entries.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = stack.get(&format!("/tenants/{}/audit?limit=2{query}", tenant.tenant_id), &tenant.admin_token).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        paged.extend(actions(&page.body));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, actions(&audit.body));
}

#[tokio::test]
async fn refused_and_rolled_back_changes_write_no_entry_and_only_managers_read_the_trail() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let member = stack.join(&tenant, "member").await;
    let audit_path = format!("/tenants/{}/audit", tenant.tenant_id);
    let before = stack.get(&audit_path, &tenant.admin_token).await.body["items"].as_array().unwrap().len();

    // Refused: the representative keeps tenant-admin; a stale version.
    let rep = TestStack::member_path(&tenant, &tenant.admin_member_id);
    let other_admin = stack.join(&tenant, "tenant-admin").await;
    let refused =
        stack.put(&format!("{rep}/roles"), &other_admin.token, json!({ "roles": { "service-management-portal": "member" } })).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let stale = stack
        .put_roles_if_match(
            &format!("{}/roles", TestStack::member_path(&tenant, &member.member_id)),
            &tenant.admin_token,
            json!({ "service-management-portal": "member" }),
            "\"99\"",
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let after = stack.get(&audit_path, &tenant.admin_token).await.body["items"].as_array().unwrap().len();
    assert_eq!(after, before + 2, "only the second admin's invitation and registration were added");

    assert_eq!(stack.get(&audit_path, &member.token).await.status, StatusCode::FORBIDDEN);
    let stranger = stack.tenant_with_admin(None).await;
    assert_eq!(stack.get(&audit_path, &stranger.admin_token).await.status, StatusCode::NOT_FOUND);
    let forged = stack.get(&format!("{audit_path}?cursor=VEVOQU5UIzAx"), &tenant.admin_token).await;
    assert_eq!(forged.code(), "validation_failed");
}

#[tokio::test]
async fn an_invitation_taken_back_after_its_email_failed_leaves_no_entry() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let audit_path = format!("/tenants/{}/audit", tenant.tenant_id);
    let before = stack.get(&audit_path, &tenant.admin_token).await.body["items"].as_array().unwrap().len();

    // Invite's calls: tenant, memberships, the caller's person, Cognito user, transaction, then the
    // email (index 5).
    stack.traffic.fail_call(5, local_stack::traffic::FaultKind::ServerError);
    let failed =
        stack.invite(&tenant, &crate::helpers::unique_email("unlucky"), "en", json!({ "service-management-portal": "member" })).await;
    let tally = stack.traffic.tally();
    stack.traffic.reset();
    assert!(tally.fault_hit && tally.calls[5].operation == "SendEmail", "{}", tally.describe());
    assert_eq!(failed.code(), "upstream_unavailable");

    let after = stack.get(&audit_path, &tenant.admin_token).await.body["items"].as_array().unwrap().len();
    assert_eq!(after, before, "the rolled-back invitation left no audit entry");
}

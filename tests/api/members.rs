//! Changing roles and deleting members: the seed's rules, against the emulator.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestStack;

fn member_path(tenant_id: &str, member_id: &str) -> String {
    format!("/tenants/{tenant_id}/members/{member_id}")
}

#[tokio::test]
async fn a_tenant_admin_never_changes_their_own_roles() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let own = format!("{}/roles", member_path(&tenant.tenant_id, &second.member_id));
    let answer = stack
        .put(&own, &second.token, json!({ "roles": { "service-management-portal": "tenant-admin", "device-management": "admin" } }))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{:?}", answer.body);
    assert_eq!(answer.code(), "self_change_forbidden");
    let unchanged = stack.get(&member_path(&tenant.tenant_id, &second.member_id), &tenant.admin_token).await;
    assert!(unchanged.body["roles"].get("device-management").is_none());
}

#[tokio::test]
async fn the_representative_always_keeps_tenant_admin() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let representative = format!("{}/roles", member_path(&tenant.tenant_id, &tenant.admin_member_id));
    let answer = stack.put(&representative, &second.token, json!({ "roles": { "service-management-portal": "member" } })).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "representative_protected");
    let unchanged = stack.get(&member_path(&tenant.tenant_id, &tenant.admin_member_id), &second.token).await;
    assert_eq!(unchanged.body["roles"]["service-management-portal"], "tenant-admin");
}

#[tokio::test]
async fn every_member_keeps_a_portal_role_when_roles_change() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, _) = stack.active_member(&tenant).await;
    let path = format!("{}/roles", member_path(&tenant.tenant_id, &member_id));
    let answer = stack.put(&path, &tenant.admin_token, json!({ "roles": { "device-management": "viewer" } })).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "validation_failed");
}

#[tokio::test]
async fn if_match_must_name_the_current_version() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, _) = stack.active_member(&tenant).await;
    let member = stack.get(&member_path(&tenant.tenant_id, &member_id), &tenant.admin_token).await;
    let version = member.body["version"].as_u64().unwrap();
    assert_eq!(member.headers["etag"].to_str().unwrap(), format!("\"{version}\""));
    let path = format!("{}/roles", member_path(&tenant.tenant_id, &member_id));
    let roles = json!({ "service-management-portal": "member", "cloud-video-recorder": "viewer" });

    let stale = stack.put_roles_if_match(&path, &tenant.admin_token, roles.clone(), &format!("\"{}\"", version - 1)).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "version_conflict");

    let current = stack.put_roles_if_match(&path, &tenant.admin_token, roles, &format!("\"{version}\"")).await;
    assert_eq!(current.status, StatusCode::OK, "{:?}", current.body);
    assert_eq!(current.body["version"], version + 1);
    assert_eq!(current.body["roles"]["cloud-video-recorder"], "viewer");
}

#[tokio::test]
async fn a_role_change_is_one_conditional_write_so_concurrent_edits_of_one_version_cannot_both_win() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, _) = stack.active_member(&tenant).await;
    let version = stack.get(&member_path(&tenant.tenant_id, &member_id), &tenant.admin_token).await.body["version"].clone();
    let path = format!("{}/roles", member_path(&tenant.tenant_id, &member_id));
    let if_match = version.to_string();
    let edits = ["viewer", "operator", "admin", "viewer", "operator"].map(|role| {
        stack.put_roles_if_match(
            &path,
            &tenant.admin_token,
            json!({ "service-management-portal": "member", "device-management": role }),
            &if_match,
        )
    });
    let answers = futures::future::join_all(edits).await;
    let won = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    let lost = answers.iter().filter(|a| a.code() == "version_conflict").count();
    assert_eq!((won, lost), (1, 4), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_tenant_admin_never_deletes_themselves() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let answer = stack.delete(&member_path(&tenant.tenant_id, &second.member_id), &second.token).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "self_change_forbidden");
    assert!(stack.access_token_works(&second.access_token).await);
}

#[tokio::test]
async fn the_representative_is_never_deleted() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let answer = stack.delete(&member_path(&tenant.tenant_id, &tenant.admin_member_id), &second.token).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "representative_protected");
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 2);
}

#[tokio::test]
async fn a_deleted_member_is_gone_signed_out_and_can_be_invited_again() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    assert!(stack.access_token_works(&person.access_token).await);

    let deleted = stack.delete(&member_path(&tenant.tenant_id, &person.member_id), &tenant.admin_token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);

    let emails: Vec<_> = stack.members(&tenant).await.iter().map(|m| m["email"].as_str().unwrap().to_string()).collect();
    assert!(!emails.contains(&person.email), "{emails:?}");
    assert_eq!(stack.count_items(&tenant.tenant_id, "EMAIL#").await, 1, "the email marker went with the member");
    assert!(!stack.access_token_works(&person.access_token).await, "the person's sessions ended");
    assert_eq!(stack.cognito_users(&person.email).await, 0, "no other membership: the Cognito user is deleted");
    let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &tenant.admin_token).await;
    assert_eq!(overview.body["memberCount"], 1);
    let again = stack.get(&member_path(&tenant.tenant_id, &person.member_id), &tenant.admin_token).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    let reinvited = stack.invite(&tenant, &person.email, "en", json!({ "service-management-portal": "member" })).await;
    assert_eq!(reinvited.status, StatusCode::CREATED, "{:?}", reinvited.body);
}

#[tokio::test]
async fn deleting_one_membership_keeps_the_sessions_and_the_account_of_a_person_in_other_tenants() {
    let stack = TestStack::start().await;
    let first = stack.tenant_with_admin(None).await;
    let second = stack.tenant_with_admin(None).await;
    let person = stack.join(&first, "member").await;
    let roles = json!({ "service-management-portal": "member" });
    assert_eq!(stack.invite(&second, &person.email, "en", roles).await.status, StatusCode::CREATED);

    let deleted = stack.delete(&member_path(&first.tenant_id, &person.member_id), &first.admin_token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(stack.access_token_works(&person.access_token).await, "not their last membership: their sessions go on");
    assert_eq!(stack.cognito_users(&person.email).await, 1, "still a member of the second tenant");
    let refused = stack.get(&format!("/tenants/{}", first.tenant_id), &person.token).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "yet the tenant they left refuses them at once");
}

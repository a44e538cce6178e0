//! The user's own document, followed step by step from the first tenant to the hand-over of the
//! representative role (../shared/seeds/member-management-screen.txt).
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{unique_email, TestStack, PASSWORD};

#[tokio::test]
async fn the_member_management_screen_from_first_tenant_to_representative_transfer() {
    let stack = TestStack::start().await;

    // The first tenant; its administrator registers from the invitation email.
    let tenant = stack.tenant_with_admin(None).await;
    let members_path = format!("/tenants/{}/members", tenant.tenant_id);
    assert_eq!(stack.members(&tenant).await.len(), 1, "at first only the administrator is registered");

    // Invite two administrators and a member, each with a display language and roles.
    let (second_admin_email, third_admin_email, member_email) =
        (unique_email("second-admin"), unique_email("third-admin"), unique_email("member"));
    for (email, language, roles) in [
        (&second_admin_email, "ja", json!({ "service-management-portal": "tenant-admin" })),
        (&third_admin_email, "en", json!({ "service-management-portal": "tenant-admin" })),
        (&member_email, "en", json!({ "service-management-portal": "member", "device-management": "viewer" })),
    ] {
        let invited = stack.invite(&tenant, email, language, roles).await;
        assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    }
    let id_of = |members: &[serde_json::Value], email: &str| -> String {
        members.iter().find(|m| m["email"] == email).unwrap()["memberId"].as_str().unwrap().to_string()
    };
    let members = stack.members(&tenant).await;
    let (second_admin, third_admin, member) =
        (id_of(&members, &second_admin_email), id_of(&members, &third_admin_email), id_of(&members, &member_email));
    assert_eq!(stack.accept_invitation(&second_admin_email).await.status, StatusCode::OK);
    assert_eq!(stack.accept_invitation(&member_email).await.status, StatusCode::OK);

    // Change a member's role.
    let member_path = format!("{members_path}/{member}");
    let changed = stack
        .put(
            &format!("{member_path}/roles"),
            &tenant.admin_token,
            json!({ "roles": { "service-management-portal": "member", "device-management": "operator" } }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["roles"]["device-management"], "operator");

    // A tenant administrator is not allowed to change their own role.
    let own = stack
        .put(
            &format!("{members_path}/{}/roles", tenant.admin_member_id),
            &tenant.admin_token,
            json!({ "roles": { "service-management-portal": "member" } }),
        )
        .await;
    assert_eq!(own.code(), "self_change_forbidden");

    // Multi-factor authentication toggled on (email by default), then off.
    let mfa = stack.put(&format!("{member_path}/mfa"), &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!(mfa.body["mfa"], json!({ "enabled": true, "type": "email" }));
    let mfa = stack.put(&format!("{member_path}/mfa"), &tenant.admin_token, json!({ "enabled": false })).await;
    assert_eq!(mfa.body["mfa"]["enabled"], false);

    // The administrator sends a password reset; the member resets and signs in with it.
    let reset = stack.post(&format!("{member_path}/password-reset"), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(reset.status, StatusCode::ACCEPTED);
    let token = stack.last_email_to(&member_email).await.token();
    let new_password = "Reset-By-Link-Passw0rd!";
    let done = stack.post("/password-resets/complete", None, json!({ "token": token, "password": new_password })).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT);
    assert!(stack.sign_in(&member_email, new_password).await.is_ok());

    // Resend the invitation to the administrator who has not registered: old link refused, new works.
    let old_link = stack.last_email_to(&third_admin_email).await.token();
    let resent = stack.post(&format!("{members_path}/{third_admin}/invitation"), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(resent.status, StatusCode::ACCEPTED);
    let refused = stack.post("/invitations/accept", None, json!({ "token": old_link, "password": PASSWORD })).await;
    assert_eq!(refused.code(), "token_invalid");
    assert_eq!(stack.accept_invitation(&third_admin_email).await.status, StatusCode::OK);

    // Hand the representative role to a registered tenant administrator.
    let candidates = stack.get(&format!("/tenants/{}/representative/candidates", tenant.tenant_id), &tenant.admin_token).await;
    let candidate_ids: Vec<_> = candidates.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].clone()).collect();
    assert!(candidate_ids.contains(&json!(second_admin)) && candidate_ids.contains(&json!(third_admin)));
    let transferred =
        stack.put(&format!("/tenants/{}/representative", tenant.tenant_id), &tenant.admin_token, json!({ "memberId": second_admin })).await;
    assert_eq!(transferred.status, StatusCode::OK, "{:?}", transferred.body);
    assert_eq!(transferred.body["representative"]["email"], second_admin_email.as_str());

    // The new representative can delete the old one, and cannot be deleted.
    let new_representative = stack.sign_in(&second_admin_email, PASSWORD).await.unwrap();
    let protected = stack.delete(&format!("{members_path}/{second_admin}"), &tenant.admin_token).await;
    assert_eq!(protected.code(), "representative_protected");
    let deleted = stack.delete(&format!("{members_path}/{}", tenant.admin_member_id), &new_representative).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    let remaining = stack.get(&members_path, &new_representative).await;
    let emails: Vec<_> = remaining.body["items"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert!(!emails.contains(&tenant.admin_email.as_str()), "the old representative's email disappears from the screen");
}

//! The walk: operator → tenant → admin registers → admin invites → lists → roles.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{unique_email, TestStack, PASSWORD};

#[tokio::test]
async fn operator_creates_a_tenant_whose_admin_registers_and_invites_a_member() {
    let stack = TestStack::start().await;
    let operator = stack.operator().await;

    let admin_email = unique_email("admin");
    let created =
        stack.post("/tenants", Some(&operator), json!({ "name": "Acme", "adminEmail": admin_email, "adminLanguage": "ja" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let tenant_id = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    assert_eq!(created.body["representative"]["status"], "invited");
    assert_eq!(created.body["representative"]["representative"], true);
    assert_eq!(created.body["representative"]["roles"]["service-management-portal"], "tenant-admin");
    assert_eq!(created.body["tenant"]["representative"]["email"], admin_email.as_str());

    // The administrator invitation, in Japanese, with the contract's link.
    let invitation = stack.last_email_to(&admin_email).await;
    assert!(invitation.body.contains("https://portal.test/accept-invitation?token="), "{}", invitation.body);
    assert!(invitation.body.contains("管理者"), "{}", invitation.body);
    assert!(invitation.subject.contains("Acme") && invitation.subject.contains("管理者"), "{}", invitation.subject);

    let accepted = stack.accept_invitation(&admin_email).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    assert_eq!(accepted.body["tenantId"], tenant_id.as_str());
    assert_eq!(accepted.body["email"], admin_email.as_str());
    let admin = stack.sign_in(&admin_email, PASSWORD).await.expect("the admin signs in with the new password");

    let overview = stack.get(&format!("/tenants/{tenant_id}"), &admin).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert_eq!(overview.body["representative"]["status"], "active");
    assert_eq!(overview.body["memberCount"], 1);

    let member_email = unique_email("member");
    let invited = stack
        .post(
            &format!("/tenants/{tenant_id}/members"),
            Some(&admin),
            json!({ "email": member_email, "language": "en",
                    "roles": { "service-management-portal": "member", "device-management": "viewer" } }),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    let member_id = invited.body["memberId"].as_str().unwrap();
    assert_eq!(invited.headers["location"].to_str().unwrap(), format!("/tenants/{tenant_id}/members/{member_id}"));
    assert_eq!(invited.body["status"], "invited");
    assert_eq!(invited.body["mfa"], json!({ "enabled": false, "type": null }));
    assert_eq!(invited.body["selfServicePasswordReset"], true);
    assert!(invited.body["invitationExpiresAt"].is_string());
    assert!(invited.body["registeredAt"].is_null());
    assert!(invited.body.get("userSub").is_none(), "internal ids stay internal");
    let member_invitation = stack.last_email_to(&member_email).await;
    assert!(member_invitation.body.contains("invited to join"), "{}", member_invitation.body);

    let list = stack.get(&format!("/tenants/{tenant_id}/members"), &admin).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["email"], admin_email.as_str());
    assert_eq!(items[0]["status"], "active");
    assert_eq!(items[1]["email"], member_email.as_str());
    assert_eq!(items[1]["status"], "invited");
    assert!(list.body["nextCursor"].is_null());

    let member = stack.get(&format!("/tenants/{tenant_id}/members/{member_id}"), &admin).await;
    assert_eq!(member.status, StatusCode::OK);
    assert_eq!(member.body["status"], "invited");
    assert_eq!(member.body["roles"]["device-management"], "viewer");

    let roles = stack.get("/roles", &admin).await;
    assert_eq!(roles.status, StatusCode::OK);
    let applications: Vec<_> =
        roles.body["applications"].as_array().unwrap().iter().map(|a| a["applicationId"].as_str().unwrap()).collect();
    assert_eq!(applications, ["service-management-portal", "device-management", "integrated-video-management", "cloud-video-recorder"]);
    assert!(roles.body["applications"][0]["roles"][0]["permissions"].as_array().is_some_and(|p| !p.is_empty()));
}

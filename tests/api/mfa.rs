//! Multi-factor authentication: on means email, unless the member registered an authenticator app.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestStack, PASSWORD};
use tenant_members::triggers::{EnforceMfa, Trigger};

#[tokio::test]
async fn mfa_on_means_email_by_default_and_blocks_self_service_password_reset() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let path = format!("{}/mfa", TestStack::member_path(&tenant, &person.member_id));

    let on = stack.put(&path, &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    assert_eq!(on.body["mfa"], json!({ "enabled": true, "type": "email" }));
    assert_eq!(on.body["selfServicePasswordReset"], false);
    let listed = stack.members(&tenant).await.into_iter().find(|m| m["memberId"] == person.member_id.as_str()).unwrap();
    assert_eq!(listed["mfa"]["type"], "email", "the list shows it without asking Cognito");
    assert_eq!(stack.preferred_mfa(&person.email).await.as_deref(), Some("EMAIL_OTP"));

    // Off sends only the factor the member has: the emulator, as Cognito is reported to, refuses
    // switching off an authenticator app the member never set up.
    let off = stack.put(&path, &tenant.admin_token, json!({ "enabled": false })).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    assert_eq!(off.body["mfa"], json!({ "enabled": false, "type": null }));
    assert_eq!(off.body["selfServicePasswordReset"], true);
    assert_eq!(stack.preferred_mfa(&person.email).await.as_deref(), Some(""), "Cognito has no factor on");
    let again = stack.put(&path, &tenant.admin_token, json!({ "enabled": false })).await;
    assert_eq!(again.status, StatusCode::OK, "off again, with no factor on, sends Cognito nothing: {:?}", again.body);
}

#[tokio::test]
async fn mfa_on_prefers_the_authenticator_app_the_member_registered() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    // The member registers an authenticator app themselves, as the portal's profile page would.
    let association = stack.cognito.associate_software_token().access_token(&person.access_token).send().await.unwrap();
    assert!(association.secret_code.is_some());
    stack
        .cognito
        .verify_software_token()
        .access_token(&person.access_token)
        .user_code("123456")
        .send()
        .await
        .expect("the emulator accepts the code");

    let path = format!("{}/mfa", TestStack::member_path(&tenant, &person.member_id));
    let on = stack.put(&path, &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    assert_eq!(on.body["mfa"], json!({ "enabled": true, "type": "authenticator_app" }));
    assert_eq!(on.body["selfServicePasswordReset"], true);
    assert_eq!(stack.preferred_mfa(&person.email).await.as_deref(), Some("SOFTWARE_TOKEN_MFA"));

    let off = stack.put(&path, &tenant.admin_token, json!({ "enabled": false })).await;
    assert_eq!(off.body["mfa"]["enabled"], false);
    // The emulator says "no preference" as an empty one; a failed lookup (None) is no pass.
    assert_eq!(stack.preferred_mfa(&person.email).await.as_deref(), Some(""), "every MFA preference is cleared");
}

#[tokio::test]
async fn mfa_is_only_set_for_registered_members() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, _) = stack.pending(&tenant, "member", "en").await;
    let answer =
        stack.put(&format!("{}/mfa", TestStack::member_path(&tenant, &member_id)), &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.code(), "not_registered");
}

#[tokio::test]
async fn a_person_who_switches_off_through_cognito_the_mfa_their_tenant_requires_gets_it_back_at_sign_in() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    stack.cognito.associate_software_token().access_token(&person.access_token).send().await.unwrap();
    stack.cognito.verify_software_token().access_token(&person.access_token).user_code("123456").send().await.unwrap();
    let on = stack
        .put(&format!("{}/mfa", TestStack::member_path(&tenant, &person.member_id)), &tenant.admin_token, json!({ "enabled": true }))
        .await;
    assert_eq!(on.body["mfa"]["type"], "authenticator_app", "{:?}", on.body);

    // The switch ended their session: they sign in again (with their app's code) and switch it
    // off with their own access token, as Cognito's user API allows.
    let (_, access_token) = stack.sign_in_tokens(&person.email, PASSWORD).await.unwrap();
    let off = aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType::builder().enabled(false).preferred_mfa(false).build();
    stack.cognito.set_user_mfa_preference().access_token(&access_token).software_token_mfa_settings(off).send().await.unwrap();
    assert_eq!(stack.preferred_mfa(&person.email).await.as_deref(), Some(""), "Cognito has it off now");

    // Their next sign-in runs Cognito's pre-authentication trigger first.
    let sub = stack
        .cognito
        .admin_get_user()
        .user_pool_id(&stack.stack.user_pool_id)
        .username(&person.email)
        .send()
        .await
        .unwrap()
        .username()
        .to_string();
    let event = json!({
        "version": "1", "region": "us-east-1", "userPoolId": stack.stack.user_pool_id, "userName": sub,
        "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "portal" }, "triggerSource": "PreAuthentication_Authentication",
        "request": { "userAttributes": { "sub": sub, "email": person.email } }, "response": {}
    });
    let back = EnforceMfa::answer_json(&stack.running.app, event.clone()).await.expect("the trigger answers");
    assert_eq!(back, event, "the event goes back to Cognito unchanged");
    assert_eq!(stack.preferred_mfa(&person.email).await.as_deref(), Some("SOFTWARE_TOKEN_MFA"), "the tenant's MFA is back");

    // Someone whose tenants require nothing is left as they are.
    let free = stack.join(&tenant, "member").await;
    let free_sub = stack
        .cognito
        .admin_get_user()
        .user_pool_id(&stack.stack.user_pool_id)
        .username(&free.email)
        .send()
        .await
        .unwrap()
        .username()
        .to_string();
    let event = json!({
        "version": "1", "region": "us-east-1", "userPoolId": stack.stack.user_pool_id, "userName": free_sub,
        "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "portal" }, "triggerSource": "PreAuthentication_Authentication",
        "request": { "userAttributes": { "sub": free_sub } }, "response": {}
    });
    EnforceMfa::answer_json(&stack.running.app, event).await.expect("the trigger answers");
    assert_eq!(stack.preferred_mfa(&free.email).await.as_deref(), Some(""), "no factor was switched on for them");
}

//! Password resets and MFA: what reaches the person, in every tenant they are in.
use super::*;

#[tokio::test]
async fn a_password_reset_link_sets_the_password_once_and_ends_every_session() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;

    let own =
        world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, &tenant.admin.member_id), None).await;
    assert_eq!((own.status, own.code()), (403, "self_change_forbidden"));
    let sent = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, &member.member_id), None).await;
    assert_eq!(sent.status, 202, "{sent:?}");
    let token = world.last_token_to("m@acme.example.com");

    let body = json!({ "token": token, "password": "Brand-New-Pass-1" });
    let completed = world.call(Operation::CompletePasswordReset, None, &[], Some(body.clone())).await;
    assert_eq!(completed.status, 204, "{completed:?}");
    assert_eq!(world.directory.password_of(&member.sub).as_deref(), Some("Brand-New-Pass-1"));
    assert_eq!(world.directory.sign_outs_of(&member.sub), 1);
    let again = world.call(Operation::CompletePasswordReset, None, &[], Some(body)).await;
    assert_eq!((again.status, again.code()), (400, "token_invalid"));
}

#[tokio::test]
async fn mfa_is_email_by_default_the_app_when_verified_and_shows_on_every_membership() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let child = world.tenant("Child", Some(&acme.id), "admin@child.example.com").await;
    let person = world.member(&acme, "m@example.com", "member").await;
    world.invite(&child.id, &child.admin.sub, "m@example.com", "member").await;
    let mfa = |enabled: bool| Some(json!({ "enabled": enabled }));

    let on = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), mfa(true)).await;
    assert_eq!(on.status, 200, "{on:?}");
    assert_eq!(on.body["mfa"], json!({ "enabled": true, "type": "email" }));
    assert_eq!(world.directory.mfa_of(&person.sub), Some(MfaType::Email));
    let elsewhere = world.call(Operation::ListMembers, Some(&child.admin.sub), &[("tenantId", &child.id)], None).await;
    let copy = elsewhere.body["items"].as_array().unwrap().iter().find(|m| m["email"] == "m@example.com").unwrap().clone();
    assert_eq!(copy["mfa"]["enabled"], false, "an invitation shows nothing of the person's account before they join");

    let off_from_child = world
        .call(Operation::SetMemberMfa, Some(&child.admin.sub), &member_path(&child.id, copy["memberId"].as_str().unwrap()), mfa(false))
        .await;
    assert_eq!((off_from_child.status, off_from_child.code()), (409, "not_registered"), "the child membership is still invited");

    world.directory.verify_authenticator_app(&person.sub);
    let off = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), mfa(false)).await;
    assert_eq!((off.status, off.body["mfa"]["enabled"].as_bool()), (200, Some(false)), "the parent's admin manages both tenants");
    let app = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), mfa(true)).await;
    assert_eq!(app.body["mfa"]["type"], "authenticator_app");
    assert_eq!(world.directory.mfa_of(&person.sub), Some(MfaType::AuthenticatorApp));
}

#[tokio::test]
async fn mfa_stays_on_while_a_tenant_the_caller_does_not_manage_has_the_person() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let person = world.member(&acme, "m@example.com", "member").await;
    world.invite(&other.id, &other.admin.sub, "m@example.com", "member").await;
    let path = member_path(&acme.id, &person.member_id);

    let on = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &path, Some(json!({ "enabled": true }))).await;
    assert_eq!(on.status, 200);
    let off = world.call(Operation::SetMemberMfa, Some(&acme.admin.sub), &path, Some(json!({ "enabled": false }))).await;
    assert_eq!((off.status, off.code()), (409, "mfa_required_elsewhere"));
    assert_eq!(world.directory.mfa_of(&person.sub), Some(MfaType::Email), "a refused change leaves Cognito as it was");
    let other_audit = world.audit_actions(&other.id).await;
    assert!(!other_audit.contains(&"mfa_changed".into()), "the trail of a tenant the person has not joined tells nothing of their account");
}

#[tokio::test]
async fn cognitos_code_emails_speak_the_locale_the_person_chose_else_their_latest_invitations_language() {
    use tenant_members::triggers::{CustomMessage, Trigger};
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await; // invited in English
    let code_email = |locale: Option<&str>| {
        let mut attributes = json!({ "sub": acme.admin.sub.as_str(), "email": "admin@acme.example.com" });
        if let Some(locale) = locale {
            attributes["locale"] = locale.into();
        }
        let event = json!({
            "version": "1", "region": "us-east-1", "userPoolId": world.app.config.user_pool_id, "userName": acme.admin.sub.as_str(),
            "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "portal" }, "triggerSource": "CustomMessage_Authentication",
            "request": { "userAttributes": attributes, "codeParameter": "{####}" },
            "response": { "emailSubject": null, "emailMessage": null }
        });
        let app = world.app.only(CustomMessage::PORTS);
        async move { CustomMessage::answer_json(&app, event).await.expect("the trigger answers")["response"].clone() }
    };
    let english = code_email(None).await;
    assert!(english["emailSubject"].as_str().unwrap().contains("sign-in code"), "{english}");
    assert!(english["emailMessage"].as_str().unwrap().contains("{####}"));

    let other = world.tenant("Other", None, "admin@other.example.com").await;
    assert_eq!(world.invite(&other.id, &other.admin.sub, "admin@acme.example.com", "member").await.status, 201); // in Japanese
    assert!(code_email(None).await["emailSubject"].as_str().unwrap().contains("サインイン"), "the latest invitation was Japanese");
    assert!(code_email(Some("en-US")).await["emailSubject"].as_str().unwrap().contains("sign-in code"), "the chosen locale wins");
}

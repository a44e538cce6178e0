//! Sessions the service ends reach the API at once: a token issued before a password reset, or
//! before a person's last membership went, is refused on every kind of route (401), though it has
//! not expired; a token from signing in again works.
use reqwest::StatusCode;
use serde_json::json;

use local_stack::traffic::FaultKind;

use crate::helpers::{figure, unique_email, wait, TestStack, PASSWORD};

/// A route of each kind a token reaches: one any signed-in caller may call, one that lists what
/// the caller may see, and one a manager of the tenant calls.
fn routes(tenant_id: &str) -> [String; 3] {
    ["/roles".to_string(), "/tenants".to_string(), format!("/tenants/{tenant_id}/members")]
}

/// How many of `tokens` × the routes answer 401, and what the others answered.
async fn refused(stack: &TestStack, tenant_id: &str, tokens: &[&str]) -> (usize, usize, Vec<String>) {
    let (mut refused, mut tried, mut others) = (0, 0, Vec::new());
    for token in tokens {
        for route in routes(tenant_id) {
            tried += 1;
            let answer = stack.get(&route, token).await;
            if answer.status == StatusCode::UNAUTHORIZED {
                refused += 1;
            } else {
                others.push(format!("{route}: {}", answer.status));
            }
        }
    }
    (refused, tried, others)
}

#[tokio::test]
async fn tokens_issued_before_the_service_ended_a_persons_sessions_are_refused_at_once() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (id_token, access_token) = stack.sign_in_tokens(&tenant.admin_email, PASSWORD).await.unwrap();
    for route in routes(&tenant.tenant_id) {
        assert_eq!(stack.get(&route, &id_token).await.status, StatusCode::OK, "{route} before the reset");
    }
    // `iat` counts whole seconds: the reset comes in a later second than the sign-in.
    wait(std::time::Duration::from_millis(1100)).await;

    // The operator sends the administrator a reset, and they set a new password from it.
    let operator = stack.operator().await;
    let path = format!("/tenants/{}/members/{}/password-reset", tenant.tenant_id, tenant.admin_member_id);
    assert_eq!(stack.call(reqwest::Method::POST, &path, Some(&operator), None).await.status, StatusCode::ACCEPTED);
    let link = stack.last_email_to(&tenant.admin_email).await.token();
    let new_password = format!("{PASSWORD}-new");
    let reset = stack.post("/password-resets/complete", None, json!({ "token": link, "password": new_password })).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{:?}", reset.body);

    let (after_reset, tried_reset, others) = refused(&stack, &tenant.tenant_id, &[&id_token, &access_token]).await;
    assert!(others.is_empty(), "tokens from before the reset still answered: {others:?}");
    let fresh = stack.sign_in(&tenant.admin_email, &new_password).await.unwrap();
    for route in routes(&tenant.tenant_id) {
        assert_eq!(stack.get(&route, &fresh).await.status, StatusCode::OK, "{route} after signing in again");
    }

    // A member whose last membership goes is signed out: their token lists nothing more.
    let tenant = crate::helpers::Tenant { admin_token: fresh.clone(), ..tenant };
    let member = stack.join(&tenant, "member").await;
    wait(std::time::Duration::from_millis(1100)).await;
    let deleted = stack.delete(&TestStack::member_path(&tenant, &member.member_id), &fresh).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let (after_delete, tried_delete, others) = refused(&stack, &tenant.tenant_id, &[&member.token, &member.access_token]).await;
    assert!(others.is_empty(), "tokens of a person whose last membership went still answered: {others:?}");

    figure(format!(
        "revoked tokens refused: {}/{} (ID and access tokens issued before a password reset, or before the last membership went, on {} kinds of route)",
        after_reset + after_delete,
        tried_reset + tried_delete,
        routes("").len()
    ));
}

#[tokio::test]
async fn a_person_removed_from_operators_loses_operator_power_at_once() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (pool, email) = (&stack.stack.user_pool_id, unique_email("ex-operator"));
    stack.own_account(&email).await;
    stack.cognito.admin_add_user_to_group().user_pool_id(pool).username(&email).group_name("operators").send().await.unwrap();
    let token = stack.sign_in(&email, PASSWORD).await.unwrap();
    let members = format!("/tenants/{}/members", tenant.tenant_id);
    let new_tenant = || json!({ "name": "Not theirs", "adminEmail": unique_email("not-theirs"), "adminLanguage": "en" });
    assert_eq!(stack.get(&members, &token).await.status, StatusCode::OK, "an operator manages every tenant");
    assert!(stack.get("/tenants", &token).await.body.to_string().contains(&tenant.tenant_id));

    stack.cognito.admin_remove_user_from_group().user_pool_id(pool).username(&email).group_name("operators").send().await.unwrap();
    // The same token, which still says `operators`.
    let answers = [
        ("a tenant's members", stack.get(&members, &token).await.status, StatusCode::NOT_FOUND),
        ("a tenant", stack.get(&format!("/tenants/{}", tenant.tenant_id), &token).await.status, StatusCode::NOT_FOUND),
        ("a new tenant", stack.post("/tenants", Some(&token), new_tenant()).await.status, StatusCode::FORBIDDEN),
    ];
    let wrong: Vec<String> =
        answers.iter().filter(|(_, got, want)| got != want).map(|(what, got, want)| format!("{what}: {got}, not {want}")).collect();
    let listed = stack.get("/tenants", &token).await;
    assert_eq!(listed.status, StatusCode::OK);
    let still_listed = listed.body.to_string().contains(&tenant.tenant_id);
    figure(format!(
        "revoked operators refused: {}/{} (a token that still says `operators`, after leaving the group in Cognito)",
        answers.len() - wrong.len() + usize::from(!still_listed),
        answers.len() + 1
    ));
    assert!(wrong.is_empty(), "{wrong:?}");
    assert!(!still_listed, "GET /tenants still lists every tenant");
}

/// Cognito asks for MFA at sign-in only: a session begun without it would go on without it,
/// renewed by its refresh token, and the applications would trust the tenant claims the token
/// trigger adds to what it renews. Once a manager switches a member's MFA on, the API refuses the
/// tokens of the sessions begun before, and Cognito renews none of them; a new sign-in, which asks
/// for the code, works. When Cognito cannot end the sessions, the switch is not made.
#[tokio::test]
async fn switching_mfa_on_ends_the_sessions_begun_without_it() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let (id_token, refresh) = stack.session(&person.email, PASSWORD).await.unwrap();
    assert_eq!(stack.get("/roles", &id_token).await.status, StatusCode::OK);
    // Session starts count whole seconds: the switch comes in a later one.
    wait(std::time::Duration::from_millis(1100)).await;
    let path = format!("{}/mfa", TestStack::member_path(&tenant, &person.member_id));

    // Cognito's sign-out down, however often it is tried: nothing changes, the session goes on.
    stack.traffic.fail_every_call_of("cognito-idp", "AdminUserGlobalSignOut", FaultKind::ServerError);
    let refused_switch = stack.put(&path, &tenant.admin_token, json!({ "enabled": true })).await;
    stack.traffic.reset();
    assert_eq!(refused_switch.code(), "upstream_unavailable", "{:?}", refused_switch.body);
    let shown = stack.get(&TestStack::member_path(&tenant, &person.member_id), &tenant.admin_token).await;
    assert_eq!(shown.body["mfa"]["enabled"], false, "a switch whose sessions could not end was made: {:?}", shown.body);
    assert_eq!(stack.preferred_mfa(&person.email).await.filter(|m| !m.is_empty()), None, "Cognito kept the MFA of a switch not made");

    let on = stack.put(&path, &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    let renewed = stack.refreshed_id_token(&refresh).await;
    let (refused, tried, others) = refused(&stack, &tenant.tenant_id, &[&id_token]).await;
    assert!(others.is_empty(), "tokens of the session begun without MFA still answered: {others:?}");
    assert_eq!(stack.get("/roles", &tenant.admin_token).await.status, StatusCode::OK, "the manager's own session goes on");
    figure(format!("sessions: begun before MFA was switched on, refused: {refused}/{tried}"));
    figure(format!("sessions ended on a cut-off: {}/1 (MFA switched on: the refresh token renews nothing)", u8::from(renewed.is_none())));
    assert!(renewed.is_none(), "Cognito still renews the session begun without MFA");
}

/// A password reset ends the person's sessions at Cognito. When Cognito cannot (tried again, still
/// down), the person's refresh tokens renew nothing, so that no application keeps trusting what
/// the API refuses, until the same request, sent again, ends them; then a new session renews.
#[tokio::test]
async fn a_reset_whose_sign_out_failed_renews_no_session_until_it_is_finished() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let (_, refresh) = stack.session(&person.email, PASSWORD).await.unwrap();
    assert!(stack.refresh_works(&refresh).await, "the session renews before the reset");
    let path = format!("{}/password-reset", TestStack::member_path(&tenant, &person.member_id));
    assert_eq!(stack.call(reqwest::Method::POST, &path, Some(&tenant.admin_token), None).await.status, StatusCode::ACCEPTED);
    let link = stack.last_email_to(&person.email).await.token();
    let new_password = format!("{PASSWORD}-new");
    let body = json!({ "token": link, "password": new_password });

    stack.traffic.fail_every_call_of("cognito-idp", "AdminUserGlobalSignOut", FaultKind::ServerError);
    let failed = stack.post("/password-resets/complete", None, body.clone()).await;
    let sign_outs = stack.traffic.tally().count("cognito-idp", "AdminUserGlobalSignOut");
    stack.traffic.reset();
    assert_eq!(failed.code(), "upstream_unavailable", "{:?}", failed.body);
    assert!(sign_outs > 1, "ending the sessions was not tried again ({sign_outs} calls)");
    let old_renewed = stack.refresh_works(&refresh).await;
    let (_, fresh_refresh) = stack.session(&person.email, &new_password).await.unwrap();
    assert!(!stack.refresh_works(&fresh_refresh).await, "a session renewed while the reset's sign-out is unfinished");

    let finished = stack.post("/password-resets/complete", None, body).await;
    assert_eq!(finished.status, StatusCode::NO_CONTENT, "{:?}", finished.body);
    let (_, after) = stack.session(&person.email, &new_password).await.unwrap();
    assert!(stack.refresh_works(&after).await, "a session begun after the finished reset does not renew");
    figure(format!(
        "sessions ended on a cut-off: {}/1 (a reset whose sign-out failed: the old refresh token renews nothing)",
        u8::from(!old_renewed)
    ));
    assert!(!old_renewed, "the session from before the reset renews although its sign-out failed");
}

//! The local Cognito runs the pool's triggers where Cognito runs them (`scripts/emulator_triggers.py`
//! calls the local stack's Lambda API): everything here goes through Cognito's own API, as an
//! application, boto3 or the portal's pages would call it, never through the trigger's code.
use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, EmailMfaSettingsType, UsernameAttributeType};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use crate::helpers::{unique_email, Tenant, TestStack, PASSWORD};

/// An application that trusts the pool's tokens, as docs/tokens.md tells one to: the signature by
/// the pool's JWKS, the issuer, the expiry and the app client, by a JWT library; then what the
/// token says the person may do in which tenant.
struct Application {
    keys: JwkSet,
    issuer: String,
    client_id: String,
}

impl Application {
    async fn trusting(stack: &TestStack) -> Self {
        let s = &stack.stack;
        let jwks = format!("{}/{}/.well-known/jwks.json", s.aws_endpoint_url, s.user_pool_id);
        let keys = reqwest::get(&jwks).await.unwrap().json().await.expect("the pool serves its JWKS");
        Self {
            keys,
            issuer: format!("https://cognito-idp.{}.amazonaws.com/{}", s.region, s.user_pool_id),
            client_id: s.user_pool_client_id.clone(),
        }
    }

    /// The token's claims if it is the pool's, for this app, unexpired.
    fn verify(&self, token: &str) -> Result<Map<String, Value>, String> {
        let kid = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?.kid.ok_or("no key id")?;
        let jwk = self.keys.find(&kid).ok_or("a key the pool does not publish")?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        // ID tokens name the app client in `aud`, access tokens in `client_id`: checked below.
        validation.validate_aud = false;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| e.to_string())?.claims;
        let client = claims.get("aud").or_else(|| claims.get("client_id")).and_then(Value::as_str);
        if client != Some(self.client_id.as_str()) {
            return Err("a token for another app client".into());
        }
        Ok(claims)
    }

    /// Whether the bearer of this access token may do `permission` in `tenant`.
    fn allows(&self, access_token: &str, tenant: &str, permission: &str) -> bool {
        let Ok(claims) = self.verify(access_token) else { return false };
        claims["token_use"] == "access"
            && claims.get("tenant_id").and_then(Value::as_str) == Some(tenant)
            && claims.get("permissions").and_then(Value::as_array).is_some_and(|p| p.iter().any(|p| p == permission))
    }
}

struct Tokens {
    id: String,
    access: String,
}

/// Cognito's GetTokensFromRefreshToken, asking for `tenant` if given: the tokens, or
/// "<Cognito's code>: <message>".
async fn refreshed(stack: &TestStack, refresh_token: &str, tenant: Option<&str>) -> Result<Tokens, String> {
    let metadata = tenant.map(|t| HashMap::from([("tenantId".to_string(), t.to_string())]));
    let answer = stack
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&stack.stack.user_pool_client_id)
        .refresh_token(refresh_token)
        .set_client_metadata(metadata)
        .send()
        .await
        .map_err(|e| {
            let e = e.into_service_error();
            format!("{}: {}", e.code().unwrap_or("?"), e.message().unwrap_or(""))
        })?;
    let result = answer.authentication_result.ok_or("no tokens")?;
    Ok(Tokens { id: result.id_token.ok_or("no ID token")?, access: result.access_token.ok_or("no access token")? })
}

async fn invite(stack: &TestStack, tenant: &Tenant, email: &str, language: &str, devices: &str) -> String {
    let roles = json!({ "service-management-portal": "member", "device-management": devices });
    let invited = stack.invite(tenant, email, language, roles).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    invited.body["memberId"].as_str().unwrap().to_string()
}

/// Someone registered in `first` (devices operator) who then joins `second` (devices viewer):
/// (member ids in each, email, a refresh token of theirs).
async fn person_in_two_tenants(stack: &TestStack, first: &Tenant, second: &Tenant, app: &Application) -> (String, String, String, String) {
    let email = unique_email("two-tenants");
    let in_first = invite(stack, first, &email, "en", "operator").await;
    assert_eq!(stack.accept_invitation(&email).await.status, StatusCode::OK);
    let (id_token, refresh_token) = stack.session(&email, PASSWORD).await.expect("the person signs in");
    let claims = app.verify(&id_token).unwrap();
    assert_eq!(claims.get("tenant_id"), Some(&json!(first.tenant_id)), "with one active membership, a plain sign-in speaks for it");

    let in_second = invite(stack, second, &email, "en", "viewer").await;
    let link = stack.last_email_to(&email).await.token();
    let joined = stack.post("/invitations/join", Some(&id_token), json!({ "token": link })).await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.body);
    (in_first, in_second, email, refresh_token)
}

#[tokio::test]
async fn a_person_in_two_tenants_switches_between_them_with_a_refresh_and_each_token_speaks_for_that_tenant() {
    let stack = TestStack::start().await;
    let app = Application::trusting(&stack).await;
    let (a, b, stranger) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let (in_a, in_b, _, refresh_token) = person_in_two_tenants(&stack, &a, &b, &app).await;

    let plain = refreshed(&stack, &refresh_token, None).await.unwrap();
    let claims = app.verify(&plain.id).unwrap();
    assert!(claims.get("tenant_id").is_none(), "two tenants and none chosen yet: no tenant claims, {claims:?}");

    let to_b = refreshed(&stack, &refresh_token, Some(&b.tenant_id)).await.unwrap();
    let claims = app.verify(&to_b.id).unwrap();
    assert_eq!(claims["tenant_roles"], json!({ "service-management-portal": "member", "device-management": "viewer" }));
    assert!(app.allows(&to_b.access, &b.tenant_id, "device-management:devices:read"));
    assert!(!app.allows(&to_b.access, &b.tenant_id, "device-management:devices:configure"), "a viewer in B configures nothing");
    assert!(!app.allows(&to_b.access, &a.tenant_id, "device-management:devices:read"), "the token speaks for B only");
    // A bearer who writes themselves a permission breaks the pool's signature.
    let mut forged = app.verify(&to_b.access).unwrap();
    forged["permissions"].as_array_mut().unwrap().push(json!("device-management:devices:configure"));
    let parts: Vec<&str> = to_b.access.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(Value::Object(forged).to_string()), parts[2]);
    assert!(!app.allows(&forged, &b.tenant_id, "device-management:devices:configure"), "a forged token is refused");

    let to_a = refreshed(&stack, &refresh_token, Some(&a.tenant_id)).await.unwrap();
    assert!(app.allows(&to_a.access, &a.tenant_id, "device-management:devices:configure"), "an operator in A configures");
    let again = refreshed(&stack, &refresh_token, None).await.unwrap();
    assert_eq!(app.verify(&again.access).unwrap()["tenant_id"], a.tenant_id.as_str(), "a plain refresh keeps the tenant switched to");

    let Err(refused) = refreshed(&stack, &refresh_token, Some(&stranger.tenant_id)).await else {
        panic!("no tokens for a tenant not theirs")
    };
    assert!(refused.starts_with("UserLambdaValidationException") && refused.contains("tenant_not_available"), "{refused}");

    // A role change reaches the next refresh.
    let path = format!("{}/roles", TestStack::member_path(&a, &in_a));
    let roles = json!({ "roles": { "service-management-portal": "member", "device-management": "viewer" } });
    assert_eq!(stack.put(&path, &a.admin_token, roles).await.status, StatusCode::OK);
    let after_change = refreshed(&stack, &refresh_token, None).await.unwrap();
    assert!(!app.allows(&after_change.access, &a.tenant_id, "device-management:devices:configure"), "the new role, not the old");
    assert!(app.allows(&after_change.access, &a.tenant_id, "device-management:devices:read"));

    // Once removed from B, a refresh for B is refused; A still answers.
    assert_eq!(stack.delete(&TestStack::member_path(&b, &in_b), &b.admin_token).await.status, StatusCode::NO_CONTENT);
    let Err(refused) = refreshed(&stack, &refresh_token, Some(&b.tenant_id)).await else { panic!("no tokens for a tenant left") };
    assert!(refused.contains("tenant_not_available"), "{refused}");
    assert!(refreshed(&stack, &refresh_token, Some(&a.tenant_id)).await.is_ok());
}

/// A membership the tenant's directory switched off: the person's next tokens name that tenant no
/// more (asking for it fails, a plain refresh that had it falls back), their other tenant's still
/// come, the same refresh token still works; switched on again, the tenant's claims are back.
#[tokio::test]
async fn a_membership_suspended_by_its_directory_gets_no_claims_while_the_persons_other_tenant_does() {
    use crate::directory::{directory_token, scim, PATCH};
    let stack = TestStack::start().await;
    let app = Application::trusting(&stack).await;
    let (a, b) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let (in_a, _, _, refresh_token) = person_in_two_tenants(&stack, &a, &b, &app).await;
    let before = refreshed(&stack, &refresh_token, Some(&a.tenant_id)).await.unwrap();
    assert!(app.allows(&before.access, &a.tenant_id, "device-management:devices:configure"));

    let token = directory_token(&stack, &a).await;
    let switch = |active: bool| json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": active }] });
    let user = format!("Users/{in_a}");
    let off = scim(&stack, &a.tenant_id, reqwest::Method::PATCH, &user, &token, Some(switch(false))).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);

    let Err(refused) = refreshed(&stack, &refresh_token, Some(&a.tenant_id)).await else { panic!("no tokens for a suspended membership") };
    assert!(refused.contains("tenant_not_available"), "{refused}");
    let plain = refreshed(&stack, &refresh_token, None).await.expect("the person's session is theirs: it still renews");
    assert_ne!(app.verify(&plain.id).unwrap().get("tenant_id"), Some(&json!(a.tenant_id)), "the tenant switched to is suspended");
    let to_b = refreshed(&stack, &refresh_token, Some(&b.tenant_id)).await.unwrap();
    assert!(app.allows(&to_b.access, &b.tenant_id, "device-management:devices:read"), "B is untouched");

    let on = scim(&stack, &a.tenant_id, reqwest::Method::PATCH, &user, &token, Some(switch(true))).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    let back = refreshed(&stack, &refresh_token, Some(&a.tenant_id)).await.unwrap();
    assert!(app.allows(&back.access, &a.tenant_id, "device-management:devices:configure"), "reactivated: A's claims again");
}

/// One person, an operator and a member of a tenant: their tokens speak for the tenant and still
/// say they are an operator (the trigger leaves their groups as Cognito has them).
#[tokio::test]
async fn an_operator_who_is_a_member_keeps_the_operators_group_beside_the_tenants_claims() {
    let stack = TestStack::start().await;
    let app = Application::trusting(&stack).await;
    let tenant = stack.tenant_with_admin(None).await;
    let (email, password) = (stack.stack.operator.email.clone(), stack.stack.operator.password.clone());
    invite(&stack, &tenant, &email, "en", "viewer").await;
    let link = stack.last_email_to(&email).await.token();
    let joined = stack.post("/invitations/join", Some(&stack.operator().await), json!({ "token": link })).await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.body);
    let (_, refresh_token) = stack.session(&email, &password).await.expect("the operator signs in");
    let tokens = refreshed(&stack, &refresh_token, Some(&tenant.tenant_id)).await.unwrap();
    for token in [&tokens.id, &tokens.access] {
        let claims = app.verify(token).unwrap();
        assert_eq!(claims["tenant_id"], tenant.tenant_id.as_str());
        let groups = claims.get("cognito:groups").and_then(Value::as_array);
        assert!(groups.is_some_and(|groups| groups.contains(&json!("operators"))), "still an operator: {claims:?}");
    }
}

#[tokio::test]
async fn an_srp_sign_in_by_boto3_asking_for_a_tenant_gets_its_claims_and_asking_for_another_gets_no_tokens() {
    let stack = TestStack::start().await;
    let app = Application::trusting(&stack).await;
    let (a, b, stranger) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let (_, _, email, _) = person_in_two_tenants(&stack, &a, &b, &app).await;
    let s = stack.stack.clone();
    // The script waits on the emulator, which waits on this test's local stack: run it off the test's thread.
    let sign_in_to = async |tenant: &str| {
        crate::srp::reference(&["sign-in-to", &s.aws_endpoint_url, &s.user_pool_id, &s.user_pool_client_id, &email, PASSWORD, tenant]).await
    };
    let signed_in = sign_in_to(&b.tenant_id).await;
    let claims: Value = serde_json::from_str(&signed_in).unwrap_or_else(|_| panic!("no tokens for B: {signed_in}"));
    assert_eq!(claims["tenant_id"], b.tenant_id.as_str());
    assert!(claims["permissions"].as_array().unwrap().contains(&json!("device-management:devices:read")), "{claims}");
    let refused = sign_in_to(&stranger.tenant_id).await;
    assert!(refused.starts_with("refused: UserLambdaValidationException") && refused.contains("tenant_not_available"), "{refused}");
}

#[tokio::test]
async fn a_person_who_switched_off_the_email_mfa_their_tenant_requires_is_asked_for_an_email_code_at_sign_in() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("ja-mfa");
    let member_id = invite(&stack, &tenant, &email, "ja", "viewer").await;
    assert_eq!(stack.accept_invitation(&email).await.status, StatusCode::OK);
    let on =
        stack.put(&format!("{}/mfa", TestStack::member_path(&tenant, &member_id)), &tenant.admin_token, json!({ "enabled": true })).await;
    assert_eq!(on.body["mfa"]["type"], "email", "{:?}", on.body);

    // The person signs in (with the emailed code) and switches email MFA off with their own
    // access token, as Cognito's user API allows.
    let (_, access_token) = stack.sign_in_tokens(&email, PASSWORD).await.expect("signed in with the emailed code");
    let off = EmailMfaSettingsType::builder().enabled(false).preferred_mfa(false).build();
    stack.cognito.set_user_mfa_preference().access_token(&access_token).email_mfa_settings(off).send().await.unwrap();
    assert_eq!(stack.preferred_mfa(&email).await.as_deref(), Some(""), "Cognito has it off now");

    // Their next sign-in runs the pre-authentication trigger first: the code is asked for.
    let started = stack
        .cognito
        .initiate_auth()
        .client_id(&stack.stack.user_pool_client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", &email)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(started.challenge_name, Some(ChallengeNameType::EmailOtp), "the tenant's MFA is back: {started:?}");
    assert!(started.authentication_result.is_none(), "no tokens before the code");
    let code_email = stack.last_email_to(&email).await;
    assert_eq!(code_email.subject, "サービス管理ポータル: サインインの確認コード", "the code comes in the member's language");
    let code = code_email.code();
    assert_eq!(code.len(), 6, "{}", code_email.body);

    let answer = |code: String, session: Option<String>| {
        stack
            .cognito
            .respond_to_auth_challenge()
            .client_id(&stack.stack.user_pool_client_id)
            .challenge_name(ChallengeNameType::EmailOtp)
            .set_session(session)
            .challenge_responses("USERNAME", &email)
            .challenge_responses("EMAIL_OTP_CODE", code)
            .send()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = answer(wrong.into(), started.session.clone()).await.expect_err("a wrong code signs no one in").into_service_error();
    assert!(refused.is_code_mismatch_exception(), "{refused:?}");
    let signed_in = answer(code, started.session).await.expect("the emailed code signs in");
    assert!(signed_in.authentication_result.and_then(|r| r.id_token).is_some());
}

#[tokio::test]
async fn a_japanese_members_forgot_password_code_comes_in_japanese_and_only_that_code_sets_a_password() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("ja-forgot");
    invite(&stack, &tenant, &email, "ja", "viewer").await;
    assert_eq!(stack.accept_invitation(&email).await.status, StatusCode::OK);
    let before = stack.emails_to(&email).await.len();

    let client = &stack.stack.user_pool_client_id;
    stack.cognito.forgot_password().client_id(client).username(&email).send().await.expect("Cognito takes the request");
    let emails = stack.emails_to(&email).await;
    assert_eq!(emails.len(), before + 1, "one code email");
    let code_email = emails.last().unwrap();
    assert_eq!(code_email.subject, "サービス管理ポータル: パスワード再設定の確認コード");
    assert!(code_email.body.contains("新しいパスワードを設定するには"), "{}", code_email.body);
    let code = code_email.code();

    let new_password = "Another-Passw0rd!";
    let confirm = |code: String| {
        stack.cognito.confirm_forgot_password().client_id(client).username(&email).confirmation_code(code).password(new_password).send()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = confirm(wrong.into()).await.expect_err("another code sets nothing").into_service_error();
    assert!(refused.is_code_mismatch_exception(), "{refused:?}");
    confirm(code).await.expect("the emailed code sets the new password");
    assert!(stack.sign_in(&email, new_password).await.is_ok(), "the new password signs in");
}

#[tokio::test]
async fn the_pages_cognito_path_switches_tenant_as_cognito_does() {
    let stack = TestStack::start_with(|options| {
        options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        options.portal_base_url = String::new();
    })
    .await;
    let app = Application::trusting(&stack).await;
    let (a, b) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let (_, _, _, refresh_token) = person_in_two_tenants(&stack, &a, &b, &app).await;
    let call = |tenant: &str| {
        reqwest::Client::new()
            .post(format!("{}/cognito", stack.stack.portal_base_url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken")
            .body(
                json!({ "ClientId": stack.stack.user_pool_client_id, "RefreshToken": refresh_token, "ClientMetadata": { "tenantId": tenant } })
                    .to_string(),
            )
            .send()
    };
    let answer: Value = call(&b.tenant_id).await.unwrap().json().await.unwrap();
    let id_token = answer["AuthenticationResult"]["IdToken"].as_str().expect("tokens through the pages' path");
    assert_eq!(app.verify(id_token).unwrap()["tenant_id"], b.tenant_id.as_str());
}

/// A second `make start` on a running emulator reuses the pool the first one made. If that one
/// ran an older template, without a trigger the template now names (the pre-token generation
/// that gives the applications their claims came after the pool), the pool takes the
/// template's triggers again, as a deploy would, and its people still sign in by email.
#[tokio::test]
async fn a_pool_an_older_template_made_takes_the_templates_triggers_when_the_stack_starts_again() {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
    let older = format!("older-{}", ulid::Ulid::new().to_string().to_lowercase());
    cognito.create_user_pool().pool_name(&older).username_attributes(UsernameAttributeType::Email).send().await.unwrap();
    let stack = TestStack::start_with(|options| options.names.user_pool = older.clone()).await;
    let app = Application::trusting(&stack).await;
    // The administrator signs in by email, the pool's sign-in name.
    let tenant = stack.tenant_with_admin(None).await;
    let (_, access) = stack.sign_in_tokens(&tenant.admin_email, PASSWORD).await.unwrap();
    let claims = app.verify(&access).unwrap();
    assert_eq!(claims.get("tenant_id").and_then(Value::as_str), Some(tenant.tenant_id.as_str()), "{claims:?}");
    assert!(app.allows(&access, &tenant.tenant_id, "service-management-portal:members:invite"), "{claims:?}");
}

//! People and memberships: what a tenant's manager does to a membership in tenant A never
//! reaches the person further than the contract allows. For every write route of
//! `template.yaml`, acting on a membership in A of a person P who is also a member of B (and of
//! A's child A1), and of the operator O who is also a member of A: P's sessions elsewhere (a
//! refresh token still works), P's password (the old one still signs in), P's MFA (B shows what
//! Cognito has), P's account (exists), and O's account, group and sign-in. A route without a row
//! here fails the suite, like the isolation matrix.
use std::collections::BTreeSet;
use std::time::Duration;

use local_stack::template::Template;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::directory::{directory_token, scim, PATCH};
use crate::helpers::{figure, project_root, unique_email, Answer, Tenant, TestStack, PASSWORD};

/// Someone signed in, with the session that must (or must not) survive.
struct Someone {
    email: String,
    token: String,
    refresh: String,
}

struct World {
    a: Tenant,
    b: Tenant,
    /// P, with an authenticator app as MFA (switched on in B), a tenant-admin of A and a member
    /// of B and A1.
    p: Someone,
    p_in_a: String,
    p_in_b: String,
    /// O, an operator and a plain member of A.
    o: Someone,
    o_in_a: String,
    operator_token: String,
}

async fn session(stack: &TestStack, email: &str, password: &str) -> Someone {
    let (token, refresh) = stack.session(email, password).await.unwrap_or_else(|e| panic!("{email} signs in: {e}"));
    Someone { email: email.to_string(), token, refresh }
}

/// Invites `email` into the tenant as `role` with the manager's token; returns the member id.
async fn invite(stack: &TestStack, tenant_id: &str, manager: &str, email: &str, role: &str) -> String {
    let path = format!("/tenants/{tenant_id}/members");
    let invited =
        stack.post(&path, Some(manager), json!({ "email": email, "language": "en", "roles": { "service-management-portal": role } })).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    invited.body["memberId"].as_str().unwrap().to_string()
}

/// The signed-in person joins with the newest invitation sent to them.
async fn join(stack: &TestStack, who: &str, token: &str) {
    let link = stack.last_email_to(who).await.token();
    let joined = stack.post("/invitations/join", Some(token), json!({ "token": link })).await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.body);
}

async fn world(stack: &TestStack) -> World {
    let a = stack.tenant_with_admin(None).await;
    let a1 = stack.create_tenant("A1", &unique_email("a1-rep"), Some(&a.tenant_id)).await;
    let b = stack.tenant_with_admin(None).await;
    let operator_token = stack.operator().await;

    // P registers in B, adds an authenticator app, and B's admin switches MFA on.
    let p_email = unique_email("person");
    let p_in_b = invite(stack, &b.tenant_id, &b.admin_token, &p_email, "member").await;
    assert_eq!(stack.accept_invitation(&p_email).await.status, StatusCode::OK);
    let (_, access) = stack.sign_in_tokens(&p_email, PASSWORD).await.unwrap();
    stack.cognito.associate_software_token().access_token(&access).send().await.unwrap();
    stack.cognito.verify_software_token().access_token(&access).user_code("123456").send().await.unwrap();
    let mfa = stack.put(&format!("{}/mfa", TestStack::member_path(&b, &p_in_b)), &b.admin_token, json!({ "enabled": true })).await;
    assert_eq!(mfa.body["mfa"]["type"], "authenticator_app", "{:?}", mfa.body);

    // P joins A (as a tenant-admin) and A1 with their existing account.
    let (p_token, _) = stack.session(&p_email, PASSWORD).await.unwrap();
    let p_in_a = invite(stack, &a.tenant_id, &a.admin_token, &p_email, "tenant-admin").await;
    join(stack, &p_email, &p_token).await;
    invite(stack, &a1, &a.admin_token, &p_email, "member").await;
    join(stack, &p_email, &p_token).await;

    // The operator is a member of A too.
    let o_email = stack.stack.operator.email.clone();
    let o_in_a = invite(stack, &a.tenant_id, &a.admin_token, &o_email, "member").await;
    join(stack, &o_email, &operator_token).await;

    let p = session(stack, &p_email, PASSWORD).await;
    let o = session(stack, &o_email, &stack.stack.operator.password).await;
    World { a, b, p, p_in_a, p_in_b, o, o_in_a, operator_token }
}

/// What a row expects of P afterwards (O is always expected untouched).
#[derive(Clone, Copy)]
struct Expect {
    status: StatusCode,
    code: Option<&'static str>,
    /// P's sessions elsewhere survive and P's old password still signs in; false only where P
    /// changes their own password.
    p_untouched: bool,
}

const UNTOUCHED: Expect = Expect { status: StatusCode::OK, code: None, p_untouched: true };

fn expect(status: StatusCode) -> Expect {
    Expect { status, ..UNTOUCHED }
}

fn refused(status: StatusCode, code: &'static str) -> Expect {
    Expect { status, code: Some(code), p_untouched: true }
}

/// A new tenant under A where A's admin invites `email`: returns (tenant id, member id).
async fn invited_into_new_child(stack: &TestStack, w: &World, email: &str) -> (String, String) {
    let child = stack.create_tenant("A2", &unique_email("a2-rep"), Some(&w.a.tenant_id)).await;
    let member = invite(stack, &child, &w.a.admin_token, email, "member").await;
    (child, member)
}

/// Runs one row: the request acting on a membership in A (or on the person through it).
async fn act(stack: &TestStack, w: &World, row: &str) -> (Answer, Expect) {
    let a = &w.a;
    let p_path = TestStack::member_path(a, &w.p_in_a);
    let o_path = TestStack::member_path(a, &w.o_in_a);
    match row {
        "create-tenant" => {
            let body = json!({ "name": "P's own", "adminEmail": w.p.email, "adminLanguage": "en" });
            let created = stack.post("/tenants", Some(&w.operator_token), body).await;
            let email = stack.last_email_to(&w.p.email).await;
            assert!(email.body.contains("existing password"), "an invitation to a known person asks them to sign in: {}", email.body);
            (created, expect(StatusCode::CREATED))
        }
        "invite-member" => {
            let child = stack.create_tenant("A2", &unique_email("a2-rep"), Some(&a.tenant_id)).await;
            let path = format!("/tenants/{child}/members");
            let body = json!({ "email": w.p.email, "language": "ja", "roles": { "service-management-portal": "member" } });
            let invited = stack.post(&path, Some(&a.admin_token), body).await;
            let email = stack.last_email_to(&w.p.email).await;
            assert!(email.body.contains("既存のパスワードでサインイン"), "in Japanese too: {}", email.body);
            (invited, expect(StatusCode::CREATED))
        }
        "invite-members" => {
            // P and the operator, both with accounts, invited at once into a new child of A.
            let child = stack.create_tenant("A2", &unique_email("a2-rep"), Some(&a.tenant_id)).await;
            let row = |email: &str| json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" } });
            let body = json!({ "items": [row(&w.p.email), row(&w.o.email)] });
            let invited = stack.post(&format!("/tenants/{child}/members/batch"), Some(&a.admin_token), body).await;
            let rows: Vec<&Value> = invited.body["items"].as_array().map(|r| r.iter().collect()).unwrap_or_default();
            assert!(rows.iter().all(|r| r["status"] == 201), "both rows are invited: {:?}", invited.body);
            for who in [&w.p.email, &w.o.email] {
                let email = stack.last_email_to(who).await;
                assert!(email.body.contains("existing password"), "a known person is asked to sign in: {}", email.body);
            }
            (invited, expect(StatusCode::OK))
        }
        "lookup-invitation" => {
            invited_into_new_child(stack, w, &w.p.email).await;
            let link = stack.last_email_to(&w.p.email).await.token();
            let found = stack.post("/invitations/lookup", None, json!({ "token": link })).await;
            assert_eq!(found.body["accountExists"], true, "{:?}", found.body);
            (found, UNTOUCHED)
        }
        "accept-invitation" => {
            invited_into_new_child(stack, w, &w.p.email).await;
            let link = stack.last_email_to(&w.p.email).await.token();
            let body = json!({ "token": link, "password": "Someone-Elses-Passw0rd!" });
            (stack.post("/invitations/accept", None, body).await, refused(StatusCode::CONFLICT, "sign_in_required"))
        }
        "accept-invitation (the operator's)" => {
            invited_into_new_child(stack, w, &w.o.email).await;
            let link = stack.last_email_to(&w.o.email).await.token();
            let body = json!({ "token": link, "password": "Someone-Elses-Passw0rd!" });
            (stack.post("/invitations/accept", None, body).await, refused(StatusCode::CONFLICT, "sign_in_required"))
        }
        "join-tenant" => {
            invited_into_new_child(stack, w, &w.p.email).await;
            let link = stack.last_email_to(&w.p.email).await.token();
            let intruder = stack.post("/invitations/join", Some(&w.o.token), json!({ "token": link })).await;
            assert_eq!((intruder.status, intruder.code()), (StatusCode::FORBIDDEN, "wrong_account"), "{:?}", intruder.body);
            (stack.post("/invitations/join", Some(&w.p.token), json!({ "token": link })).await, UNTOUCHED)
        }
        "change-member-roles" => {
            let body = json!({ "roles": { "service-management-portal": "member", "device-management": "viewer" } });
            (stack.put(&format!("{p_path}/roles"), &a.admin_token, body).await, UNTOUCHED)
        }
        "delete-member" => (stack.delete(&p_path, &a.admin_token).await, expect(StatusCode::NO_CONTENT)),
        "delete-member (the operator's membership)" => (stack.delete(&o_path, &a.admin_token).await, expect(StatusCode::NO_CONTENT)),
        "resend-invitation" => {
            let (child, member) = invited_into_new_child(stack, w, &w.p.email).await;
            let path = format!("/tenants/{child}/members/{member}/invitation");
            let resent = stack.post(&path, Some(&a.admin_token), json!({})).await;
            let email = stack.last_email_to(&w.p.email).await;
            assert!(email.body.contains("existing password"), "a resend asks a known person to sign in: {}", email.body);
            (resent, expect(StatusCode::ACCEPTED))
        }
        "send-password-reset" => {
            (stack.post(&format!("{p_path}/password-reset"), Some(&a.admin_token), json!({})).await, expect(StatusCode::ACCEPTED))
        }
        "send-password-reset (the operator)" => (
            stack.post(&format!("{o_path}/password-reset"), Some(&a.admin_token), json!({})).await,
            refused(StatusCode::CONFLICT, "identity_protected"),
        ),
        "complete-password-reset" => {
            let sent = stack.post(&format!("{p_path}/password-reset"), Some(&a.admin_token), json!({})).await;
            assert_eq!(sent.status, StatusCode::ACCEPTED, "{:?}", sent.body);
            let link = stack.last_email_to(&w.p.email).await.token();
            let body = json!({ "token": link, "password": format!("{PASSWORD}-new") });
            // The person changes their own password: their sessions end, as they asked.
            (stack.post("/password-resets/complete", None, body).await, Expect { p_untouched: false, ..expect(StatusCode::NO_CONTENT) })
        }
        "set-member-mfa" => (
            stack.put(&format!("{p_path}/mfa"), &a.admin_token, json!({ "enabled": false })).await,
            refused(StatusCode::CONFLICT, "mfa_required_elsewhere"),
        ),
        "set-member-mfa (the operator)" => (
            stack.put(&format!("{o_path}/mfa"), &a.admin_token, json!({ "enabled": true })).await,
            refused(StatusCode::CONFLICT, "identity_protected"),
        ),
        "set-member-mfa (on, from A)" => (stack.put(&format!("{p_path}/mfa"), &a.admin_token, json!({ "enabled": true })).await, UNTOUCHED),
        "change-representative" => {
            let path = format!("/tenants/{}/representative", a.tenant_id);
            (stack.put(&path, &a.admin_token, json!({ "memberId": w.p_in_a })).await, UNTOUCHED)
        }
        "change-representative-email" => {
            // The operator is the invited representative of a tenant under A; A's admin moves it.
            let child = stack.create_tenant("A3", &w.o.email, Some(&a.tenant_id)).await;
            let path = format!("/tenants/{child}/representative/email");
            (stack.put(&path, &a.admin_token, json!({ "email": unique_email("new-rep") })).await, UNTOUCHED)
        }
        "create-directory-token" => {
            let path = format!("/tenants/{}/directory/tokens", a.tenant_id);
            (stack.post(&path, Some(&a.admin_token), json!({})).await, expect(StatusCode::CREATED))
        }
        "revoke-directory-token" => {
            let path = format!("/tenants/{}/directory/tokens", a.tenant_id);
            let created = stack.post(&path, Some(&a.admin_token), json!({})).await;
            (
                stack.delete(&format!("{path}/{}", created.body["tokenId"].as_str().unwrap()), &a.admin_token).await,
                expect(StatusCode::NO_CONTENT),
            )
        }
        "set-directory-roles" => {
            let path = format!("/tenants/{}/directory/roles", a.tenant_id);
            (stack.put(&path, &a.admin_token, json!({ "defaultRoles": { "service-management-portal": "member" } })).await, UNTOUCHED)
        }
        "scim (P suspended in A)"
        | "scim (the operator suspended in A)"
        | "scim (P removed from A)"
        | "scim (the operator removed from A)" => {
            let token = directory_token(stack, a).await;
            let member = if row.contains("operator") { &w.o_in_a } else { &w.p_in_a };
            if row.contains("removed") {
                let path = format!("Users/{member}");
                (scim(stack, &a.tenant_id, reqwest::Method::DELETE, &path, &token, None).await, expect(StatusCode::NO_CONTENT))
            } else {
                let off = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
                (scim(stack, &a.tenant_id, reqwest::Method::PATCH, &format!("Users/{member}"), &token, Some(off)).await, UNTOUCHED)
            }
        }
        "scim (P put in a group of A)" => {
            let token = directory_token(stack, a).await;
            let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineers", "members": [{ "value": w.p_in_a }] });
            (scim(stack, &a.tenant_id, reqwest::Method::POST, "Groups", &token, Some(group)).await, expect(StatusCode::CREATED))
        }
        "scim (P and the operator created in another tenant)" => {
            let c = stack.tenant_with_admin(None).await;
            let token = directory_token(stack, &c).await;
            let user = |email: &str| json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email, "password": "Not-Kept-1!" });
            let p = scim(stack, &c.tenant_id, reqwest::Method::POST, "Users", &token, Some(user(&w.p.email))).await;
            assert_eq!(p.status, StatusCode::CREATED, "{:?}", p.body);
            (scim(stack, &c.tenant_id, reqwest::Method::POST, "Users", &token, Some(user(&w.o.email))).await, expect(StatusCode::CREATED))
        }
        other => panic!("the identity suite has no row {other}"),
    }
}

const ROWS: &[&str] = &[
    "create-tenant",
    "invite-member",
    "invite-members",
    "lookup-invitation",
    "accept-invitation",
    "accept-invitation (the operator's)",
    "join-tenant",
    "change-member-roles",
    "delete-member",
    "delete-member (the operator's membership)",
    "resend-invitation",
    "send-password-reset",
    "send-password-reset (the operator)",
    "complete-password-reset",
    "set-member-mfa",
    "set-member-mfa (the operator)",
    "set-member-mfa (on, from A)",
    "change-representative",
    "change-representative-email",
    "create-directory-token",
    "revoke-directory-token",
    "set-directory-roles",
    "scim (P suspended in A)",
    "scim (the operator suspended in A)",
    "scim (P removed from A)",
    "scim (the operator removed from A)",
    "scim (P put in a group of A)",
    "scim (P and the operator created in another tenant)",
];

/// What the row did to P in B and to O; empty when all is as the contract says.
async fn check(stack: &TestStack, w: &World, row: &str, answer: &Answer, expected: Expect) -> Vec<String> {
    let mut wrong = Vec::new();
    if answer.status != expected.status || expected.code.is_some_and(|c| answer.code() != c) {
        wrong.push(format!("answered {} {:?}, expected {} {:?}", answer.status, answer.body, expected.status, expected.code));
    }
    let p = &w.p;
    if stack.groups_of(&p.email).await.is_none() {
        wrong.push("P's account was deleted".into());
    }
    let refreshed = stack.refresh_works(&p.refresh).await;
    let old_password = stack.session(&p.email, PASSWORD).await.is_ok();
    if expected.p_untouched && !refreshed {
        wrong.push("P's sessions in other tenants ended".into());
    }
    if expected.p_untouched && !old_password {
        wrong.push("P's password was changed".into());
    }
    if !expected.p_untouched && (refreshed || old_password) {
        wrong.push(format!("P reset their password, yet the old session works: {refreshed}, the old password works: {old_password}"));
    }
    // The API honours a token as long as its session lives: the service's record of a sign-out
    // reaches every tenant of the person, so only a change that ends their sessions may make it.
    if expected.p_untouched && stack.get("/tenants", &p.token).await.status != StatusCode::OK {
        wrong.push("P's token in hand no longer acts on the API".into());
    }
    let in_b = stack.get(&TestStack::member_path(&w.b, &w.p_in_b), &w.b.admin_token).await;
    let cognito_mfa = stack.preferred_mfa(&p.email).await.as_deref() == Some("SOFTWARE_TOKEN_MFA");
    if in_b.body["status"] != "active" || in_b.body["mfa"]["enabled"] != Value::Bool(cognito_mfa) {
        wrong.push(format!("B shows P as {:?} with MFA {}, Cognito has MFA {cognito_mfa}", in_b.body["status"], in_b.body["mfa"]));
    }
    let o = &w.o;
    match stack.groups_of(&o.email).await {
        None => wrong.push("the operator's account was deleted".into()),
        Some(groups) if !groups.iter().any(|g| g == "operators") => wrong.push("the operator left the operators group".into()),
        Some(_) => {}
    }
    if stack.get("/tenants", &o.token).await.status != StatusCode::OK {
        wrong.push("the operator's token in hand no longer acts on the API".into());
    }
    if stack.sign_in(&o.email, &stack.stack.operator.password).await.is_err() || !stack.refresh_works(&o.refresh).await {
        wrong.push("the operator can no longer sign in, or was signed out".into());
    }
    wrong.into_iter().map(|w| format!("{row}: {w}")).collect()
}

async fn run(row: &'static str) -> Vec<String> {
    let stack = TestStack::start().await;
    let w = world(&stack).await;
    let preferences = || async { (stack.preferred_mfa(&w.p.email).await, stack.preferred_mfa(&w.o.email).await) };
    let before = preferences().await;
    let (answer, expected) = act(&stack, &w, row).await;
    let refused = expected.code.is_some();
    let mut wrong = check(&stack, &w, row, &answer, expected).await;
    // A refused request leaves Cognito's MFA as it was (a switch rolled back is no refusal).
    let after = preferences().await;
    if refused && after != before {
        wrong.push(format!("{row}: refused, yet Cognito's MFA preferences went from {before:?} to {after:?}"));
    }
    wrong
}

#[tokio::test]
async fn what_a_manager_does_to_a_membership_reaches_no_further_than_the_contract_allows() {
    let routes = Template::load(&project_root().join("template.yaml")).unwrap().routes().unwrap();
    let writes: BTreeSet<&str> = routes.iter().filter(|r| r.method != "GET").map(|r| r.function.as_str()).collect();
    let covered: BTreeSet<&str> = ROWS.iter().map(|r| r.split(" (").next().unwrap()).collect();
    let missing: Vec<_> = writes.difference(&covered).collect();
    assert!(missing.is_empty(), "write routes without a row in the identity suite: {missing:?}");

    let results = futures::future::join_all(ROWS.iter().map(|row| run(row))).await;
    let failures: Vec<String> = results.into_iter().flatten().collect();
    figure(format!("identity: {} rows over {} write routes, {} reaches beyond the membership", ROWS.len(), writes.len(), failures.len()));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A person whose last membership went stays *retiring* while their account's deletion has not
/// happened yet (here it failed); made an operator meanwhile, they are never deleted: their
/// groups are read again when their account is about to go, and a new invitation joins the
/// operator's account as it is.
#[tokio::test]
async fn a_retiring_person_made_an_operator_meanwhile_keeps_their_account() {
    let stack = TestStack::start().await;
    let a = stack.tenant_with_admin(None).await;
    let b = stack.tenant_with_admin(None).await;
    let person = stack.join(&a, "member").await;
    stack.traffic.fail_nth_call_of("cognito-idp", "AdminDeleteUser", 0, local_stack::traffic::FaultKind::ServerError);
    let deleted = stack.delete(&TestStack::member_path(&a, &person.member_id), &a.admin_token).await;
    assert!(stack.traffic.tally().fault_hit, "the account's deletion was reached");
    stack.traffic.reset();
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    stack
        .cognito
        .admin_add_user_to_group()
        .user_pool_id(&stack.stack.user_pool_id)
        .username(&person.email)
        .group_name("operators")
        .send()
        .await
        .expect("the pool's operators group takes them");

    let invited = stack.invite(&b, &person.email, "en", json!({ "service-management-portal": "member" })).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    assert_eq!(stack.groups_of(&person.email).await, Some(vec!["operators".to_string()]), "the operator's account is kept");
    assert!(stack.sign_in(&person.email, PASSWORD).await.is_ok(), "and signs in with its password");
    assert_eq!(stack.cognito_users(&person.email).await, 1);
    figure("identity: a retiring person made an operator meanwhile: account kept, 0 deleted".into());
}

/// MFA belongs to the person: a manager of A who switches it on ends P's sessions begun without
/// it, in B too (refused by the API, and ended at Cognito: the refresh token renews nothing, so no
/// application keeps trusting them), and no one else's: B's administrator and the operator act on.
#[tokio::test]
async fn switching_mfa_on_in_one_tenant_refuses_the_persons_older_sessions_in_every_tenant_and_no_one_elses() {
    let stack = TestStack::start().await;
    let (a, b) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let p = stack.join(&a, "member").await;
    invite(&stack, &b.tenant_id, &b.admin_token, &p.email, "tenant-admin").await;
    let (p_token, p_refresh) = stack.session(&p.email, PASSWORD).await.unwrap();
    join(&stack, &p.email, &p_token).await;
    let operator = stack.operator().await;
    let b_members = format!("/tenants/{}/members", b.tenant_id);
    assert_eq!(stack.get(&b_members, &p_token).await.status, StatusCode::OK);
    crate::helpers::wait(std::time::Duration::from_millis(1100)).await;

    let on = stack.put(&format!("{}/mfa", TestStack::member_path(&a, &p.member_id)), &a.admin_token, json!({ "enabled": true })).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    assert_eq!(stack.get(&b_members, &p_token).await.status, StatusCode::UNAUTHORIZED, "P's older session, in B too");
    assert!(!stack.refresh_works(&p_refresh).await, "P's Cognito session, begun without MFA, renews on");
    assert_eq!(stack.get(&b_members, &b.admin_token).await.status, StatusCode::OK, "B's administrator acts on");
    assert_eq!(stack.get("/tenants", &operator).await.status, StatusCode::OK, "the operator acts on");
    figure(
        "identity: MFA switched on in A: P's older session refused in B and ended at Cognito, B's administrator and the operator untouched"
            .into(),
    );
}

/// The pool's pre-token-generation trigger on the emulator's table: the claims speak for one
/// person's own memberships, in the tenant they switched to while they are an active member
/// there, and never for a tenant they left.
#[tokio::test]
async fn token_claims_speak_for_no_tenant_left_and_for_no_other_person() {
    use tenant_members::triggers::{TokenClaims, Trigger};
    let stack = TestStack::start().await;
    let (a, b) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let p = stack.join(&a, "member").await;
    let q = stack.join(&a, "tenant-admin").await;
    let p_in_b = invite(&stack, &b.tenant_id, &b.admin_token, &p.email, "member").await;
    join(&stack, &p.email, &p.token).await;
    let sub_of = |email: String| {
        let stack = &stack;
        async move {
            let user = stack.cognito.admin_get_user().user_pool_id(&stack.stack.user_pool_id).username(email).send().await.unwrap();
            user.username().to_string()
        }
    };
    let (p_sub, q_sub) = (sub_of(p.email.clone()).await, sub_of(q.email.clone()).await);
    let claims = |sub: &str, tenant: Option<&str>| {
        let mut request = json!({ "userAttributes": { "sub": sub }, "scopes": [] });
        if let Some(tenant) = tenant {
            request["clientMetadata"] = json!({ "tenantId": tenant });
        }
        let event = json!({
            "version": "2", "triggerSource": "TokenGeneration_RefreshTokens", "userPoolId": stack.stack.user_pool_id,
            "userName": sub, "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "portal" },
            "request": request, "response": { "claimsAndScopeOverrideDetails": null },
        });
        let app = stack.running.app.only(TokenClaims::PORTS);
        async move {
            let answer = TokenClaims::answer_json(&app, event).await?;
            Ok::<Value, tenant_members::ApiError>(
                answer["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"].clone(),
            )
        }
    };

    assert_eq!(claims(&p_sub, Some(&b.tenant_id)).await.unwrap()["tenant_id"], b.tenant_id.as_str());
    assert_eq!(claims(&p_sub, None).await.unwrap()["tenant_id"], b.tenant_id.as_str(), "the switch is kept in the table");
    let q_claims = claims(&q_sub, None).await.unwrap();
    assert_eq!(q_claims["tenant_id"], a.tenant_id.as_str(), "Q's only tenant, whatever P switched to");
    let p_in_a = claims(&p_sub, Some(&a.tenant_id)).await.unwrap();
    assert!(q_claims["permissions"].as_array().unwrap().contains(&json!("service-management-portal:members:invite")));
    assert!(
        !p_in_a["permissions"].as_array().unwrap().contains(&json!("service-management-portal:members:invite")),
        "P's own roles, not Q's"
    );

    let deleted = stack.delete(&TestStack::member_path(&b, &p_in_b), &b.admin_token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    let refused = claims(&p_sub, Some(&b.tenant_id)).await.unwrap_err();
    assert_eq!(refused.code(), "tenant_not_available");
    assert_eq!(claims(&p_sub, None).await.unwrap()["tenant_id"], a.tenant_id.as_str(), "after leaving B: the one tenant left");

    // The switch's write, slow past Cognito's 5 s limit for a trigger, does not hold the tokens:
    // what the next plain refresh speaks for is a convenience, the tokens asked for are not.
    let c = stack.tenant_with_admin(None).await;
    invite(&stack, &c.tenant_id, &c.admin_token, &p.email, "member").await;
    join(&stack, &p.email, &p.token).await;
    stack.traffic.fail_every_call_of("dynamodb", "TransactWriteItems", local_stack::traffic::FaultKind::Slow(Duration::from_secs(6)));
    let started = std::time::Instant::now();
    let switched = claims(&p_sub, Some(&c.tenant_id)).await;
    let took = started.elapsed();
    stack.traffic.reset();
    assert_eq!(switched.unwrap()["tenant_id"], c.tenant_id.as_str());
    assert!(took < Duration::from_secs(5), "the trigger answered after Cognito's 5 s: {took:?}");
}

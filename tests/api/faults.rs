//! Every write operation, with each of its AWS calls failing in turn (throttled, a 5xx, a
//! timeout; on every retry attempt), through the recording HTTP client the service's SDK clients
//! get in the tests. After each failure the caller gets `upstream_unavailable` (or the
//! operation's success, when only cleanup after the commit failed), DynamoDB, Cognito and the
//! outbox agree, and the same request simply retried succeeds. Then each call again, applied by
//! the service but its answer lost (a timeout to the SDK, on every attempt): a change DynamoDB
//! committed is never answered as a failure, and the same promises hold.
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use local_stack::traffic::FaultKind;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{calls_beyond_policy, figure, unique_email, wait, Answer, Tenant, TestStack, PASSWORD};

/// One request to break, and whom it concerns.
struct Case {
    method: Method,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    /// The tenant whose state must stay consistent; `None` for a tenant the request creates
    /// (found by its representative's email).
    tenant_id: Option<String>,
    /// The person whose Cognito user and outbox are watched.
    email: String,
    success: StatusCode,
}

impl Case {
    async fn send(&self, stack: &TestStack) -> Answer {
        stack.call(self.method.clone(), &self.path, self.token.as_deref(), self.body.clone()).await
    }
}

type Item = HashMap<String, AttributeValue>;

fn text(item: &Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(s)) => s.clone(),
        Some(AttributeValue::N(n)) => n.clone(),
        _ => String::new(),
    }
}

async fn partition(stack: &TestStack, tenant_id: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = stack
            .dynamodb
            .query()
            .table_name(&stack.stack.table_name)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(format!("TENANT#{tenant_id}")))
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .expect("the table answers");
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// The tenant's items agree with each other and with Cognito; returns its audit entry count.
async fn consistent(stack: &TestStack, tenant_id: &str) -> Result<usize, String> {
    let items = partition(stack, tenant_id).await;
    let of = |prefix: &str| items.iter().filter(|i| text(i, "sk").starts_with(prefix)).collect::<Vec<_>>();
    let tenant = of("TENANT").into_iter().next().ok_or("the tenant item is missing")?;
    let members = of("MEMBER#");
    let markers = of("EMAIL#");
    let count: usize = text(tenant, "memberCount").parse().map_err(|_| "memberCount is not a number")?;
    if count != members.len() || markers.len() != members.len() {
        return Err(format!("memberCount {count}, {} members, {} email markers", members.len(), markers.len()));
    }
    for marker in &markers {
        let email = text(marker, "sk").trim_start_matches("EMAIL#").to_string();
        let owner = members.iter().find(|m| text(m, "memberId") == text(marker, "memberId"));
        if owner.is_none_or(|m| text(m, "email") != email) {
            return Err(format!("the marker for {email} names no member with that email"));
        }
    }
    let representatives: Vec<_> = members.iter().filter(|m| m.get("representative") == Some(&AttributeValue::Bool(true))).collect();
    let summary = match tenant.get("representative") {
        Some(AttributeValue::M(summary)) => summary.clone(),
        _ => return Err("the tenant has no representative summary".into()),
    };
    match representatives.as_slice() {
        [rep]
            if text(rep, "memberId") == text(&summary, "memberId")
                && text(rep, "email") == text(&summary, "email")
                && text(rep, "status") == text(&summary, "status") => {}
        _ => return Err(format!("{} representatives, summary {summary:?}", representatives.len())),
    }
    for member in &members {
        let email = text(member, "email");
        let users = stack.cognito_users(&email).await;
        if users != 1 {
            return Err(format!("member {email} has {users} Cognito users"));
        }
        person_agrees(stack, member).await.map_err(|e| format!("member {email}: {e}"))?;
        if text(member, "status") == "invited" {
            let hash = text(member, "invitationTokenHash");
            let token = stack
                .dynamodb
                .get_item()
                .table_name(&stack.stack.table_name)
                .key("pk", AttributeValue::S(format!("TOKEN#{hash}")))
                .key("sk", AttributeValue::S("TOKEN".into()))
                .consistent_read(true)
                .send()
                .await
                .expect("the table answers");
            if token.item.is_none() {
                return Err(format!("invited member {email} has no live invitation"));
            }
        }
    }
    Ok(of("AUDIT#").len())
}

/// The member's person record counts every membership of theirs and has the MFA it shows.
async fn person_agrees(stack: &TestStack, member: &Item) -> Result<(), String> {
    let sub = text(member, "userSub");
    let person = stack
        .dynamodb
        .get_item()
        .table_name(&stack.stack.table_name)
        .key("pk", AttributeValue::S(format!("PERSON#{sub}")))
        .key("sk", AttributeValue::S("PERSON".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("the table answers")
        .item
        .ok_or("no person record")?;
    let memberships = stack
        .dynamodb
        .query()
        .table_name(&stack.stack.table_name)
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :user")
        .expression_attribute_values(":user", AttributeValue::S(format!("USER#{sub}")))
        .send()
        .await
        .expect("the index answers")
        .count as usize;
    if text(&person, "memberships") != memberships.to_string() {
        return Err(format!("the person counts {} memberships, {memberships} exist", text(&person, "memberships")));
    }
    // A retiring person's Cognito user is deleted by the next invitation of their email.
    if person.contains_key("retiring") {
        return Err("the person of a membership is retiring".into());
    }
    let shown = match member.get("mfa") {
        Some(AttributeValue::M(mfa)) => mfa.get("enabled") == Some(&AttributeValue::Bool(true)),
        _ => false,
    };
    if person.get("mfaEnabled") != Some(&AttributeValue::Bool(shown)) {
        return Err(format!("the member shows MFA {shown}, the person has {:?}", person.get("mfaEnabled")));
    }
    // Cognito agrees: the person's MFA preference, and a password of their own once active.
    let email = text(member, "email");
    let cognito = stack.cognito.admin_get_user().user_pool_id(&stack.stack.user_pool_id).username(&email).send().await;
    let user = cognito.map_err(|e| format!("Cognito has no user for the member: {e}"))?;
    // The emulator gives an empty preference where Cognito gives none.
    if user.preferred_mfa_setting().is_some_and(|m| !m.is_empty()) != shown {
        return Err(format!("the member shows MFA {shown}, Cognito prefers {:?}", user.preferred_mfa_setting()));
    }
    let confirmed = user.user_status() == Some(&aws_sdk_cognitoidentityprovider::types::UserStatusType::Confirmed);
    if text(member, "status") == "active" && !confirmed {
        return Err(format!("the member is active but Cognito's user is {:?}", user.user_status()));
    }
    Ok(())
}

/// The tenants (as the operator lists them) whose representative has this email.
async fn tenants_represented_by(stack: &TestStack, email: &str) -> Vec<String> {
    let list = stack.get("/tenants", &stack.operator().await).await;
    list.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["representative"]["email"] == email)
        .map(|t| t["tenantId"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The state a case's request concerns: (tenants involved, their audit entries, emails sent).
async fn observe(stack: &TestStack, case: &Case) -> Result<(usize, usize, usize), String> {
    let tenants = match &case.tenant_id {
        Some(id) => vec![id.clone()],
        None => tenants_represented_by(stack, &case.email).await,
    };
    let mut audit = 0;
    for tenant in &tenants {
        audit += consistent(stack, tenant).await.map_err(|e| format!("tenant {tenant}: {e}"))?;
    }
    if stack.cognito_users(&case.email).await > 1 {
        return Err(format!("{} has more than one Cognito user", case.email));
    }
    Ok((tenants.len(), audit, stack.emails_to(&case.email).await.len()))
}

/// Runs `operation` once to learn its AWS calls, then once per call with that call failing, the
/// fault kinds taken in turn (call `i` gets kind `i mod 3`): none of them reaches the service (the
/// fault answers in the service's place), so after the SDK gives up each is the same failure to
/// the operation, and every operation of three calls or more still meets all three. Then once per
/// call with that call applied and its answer lost. Returns the number of cases.
async fn each_call_failing<F, Fut>(stack: &TestStack, operation: &str, prepare: F) -> usize
where
    F: Fn() -> Fut,
    Fut: Future<Output = Case>,
{
    let case = prepare().await;
    stack.traffic.reset();
    let answer = case.send(stack).await;
    assert_eq!(answer.status, case.success, "{operation} without faults: {:?}", answer.body);
    let calls = stack.traffic.tally();
    println!("faults: {operation} calls {}", calls.describe());
    assert!(!calls.calls.is_empty(), "{operation}: no AWS call was seen, so none could be faulted");
    let beyond = calls_beyond_policy(operation, &calls);
    assert!(beyond.is_empty(), "{operation}: called {beyond:?}, which its policy in template.yaml does not allow");
    // The commit point: the last transaction. A call after it (but an email) is cleanup.
    let commit = calls.calls.iter().rposition(|c| c.service == "dynamodb" && c.operation == "TransactWriteItems");
    let emails_promised = calls.count("ses", "SendEmail");

    let mut failures = Vec::new();
    let mut cases = 0;
    let down = (0..calls.calls.len()).map(|index| (index, FaultKind::ALL[index % FaultKind::ALL.len()]));
    let lost = (0..calls.calls.len()).map(|index| (index, FaultKind::AppliedAnswerLost));
    let mut commits_learned = (0, 0);
    for (index, kind) in down.chain(lost) {
        let call = &calls.calls[index];
        let what = format!("{operation} with {}:{} failing ({kind:?})", call.service, call.operation);
        cases += 1;
        let case = prepare().await;
        let before = observe(stack, &case).await.unwrap_or_else(|e| panic!("{what}: inconsistent before: {e}"));
        stack.traffic.fail_call(index, kind);
        let first = case.send(stack).await;
        let tally = stack.traffic.tally();
        stack.traffic.reset();
        assert!(tally.fault_hit, "{what}: the call was not reached");
        let beyond = calls_beyond_policy(operation, &tally);
        if !beyond.is_empty() {
            failures.push(format!("{what}: called {beyond:?}, which its policy in template.yaml does not allow"));
        }
        // A SCIM route says it as SCIM does: no `code`, the error's schema.
        let scim_error = first.body["schemas"][0] == "urn:ietf:params:scim:api:messages:2.0:Error";
        let failed = first.status == StatusCode::SERVICE_UNAVAILABLE && (first.code() == "upstream_unavailable" || scim_error);
        if !failed && first.status != case.success {
            failures.push(format!("{what}: answered {} {:?}", first.status, first.body));
            continue;
        }
        // A success after a fault is right only when the fault hit cleanup after the commit (an
        // email is a promise, never cleanup), or when the call was applied and its answer lost:
        // the operation learned what it did and went on.
        // A SCIM request records its token's use beside its own calls: bookkeeping, whose failure
        // is logged and answers nothing.
        let token_use = operation.starts_with("scim") && call.service == "dynamodb" && call.operation == "UpdateItem";
        let cleanup = token_use || commit.is_some_and(|commit| index > commit) && call.service != "ses";
        if !failed && !cleanup && kind != FaultKind::AppliedAnswerLost {
            failures.push(format!("{what}: answered {} although the failed call was no cleanup after its commit", first.status));
            continue;
        }
        let after = match observe(stack, &case).await {
            Ok(after) => after,
            Err(e) => {
                failures.push(format!("{what}: inconsistent after the failure: {e}"));
                continue;
            }
        };
        if kind == FaultKind::AppliedAnswerLost && call.service == "dynamodb" && call.operation == "TransactWriteItems" {
            commits_learned.1 += 1;
            commits_learned.0 += usize::from(!failed || after.1 == before.1);
        }
        // SES takes no idempotency token: an email whose answer was lost may have gone out while
        // its change was taken back. Its link is then dead, which `link_is_dead` holds.
        let email_lost = kind == FaultKind::AppliedAnswerLost && call.service == "ses";
        if failed && after.1 == before.1 && after.2 != before.2 {
            if !email_lost {
                failures.push(format!("{what}: an email was sent for a change that was not made"));
            } else if let Err(e) = link_is_dead(stack, &case.email).await {
                failures.push(format!("{what}: {e}"));
            }
        }
        if failed && after.1 != before.1 {
            failures.push(format!("{what}: answered 503 but its audit entry was written ({} -> {})", before.1, after.1));
        }
        if !failed && after.2 != before.2 + emails_promised {
            failures.push(format!("{what}: answered {} but sent {} of its {emails_promised} emails", first.status, after.2 - before.2));
        }
        if failed && after.0 != before.0 {
            failures.push(format!("{what}: a tenant was left behind by a failed creation"));
        }
        if !failed {
            continue;
        }
        let retry = case.send(stack).await;
        if retry.status != case.success {
            failures.push(format!("{what}: the retry answered {} {:?}", retry.status, retry.body));
            continue;
        }
        if let Err(e) = observe(stack, &case).await {
            failures.push(format!("{what}: inconsistent after the retry: {e}"));
        }
        let users = stack.cognito_users(&case.email).await;
        if case.success != StatusCode::NO_CONTENT && users != 1 {
            failures.push(format!("{what}: after the retry {} has {users} Cognito users", case.email));
        }
    }
    figure(format!(
        "faults: {operation}: {cases} cases ({} AWS calls, each faulted and reached, throttled / 5xx / timeout in turn, then applied with its answer lost), {} inconsistencies",
        calls.calls.len(),
        failures.len(),
    ));
    if commits_learned.1 > 0 {
        figure(format!(
            "faults: {operation}: commits whose answer was lost answered as they ended: {}/{}",
            commits_learned.0, commits_learned.1
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    cases
}

/// The link in the last email to `email` works no more: the change that sent it was taken back.
async fn link_is_dead(stack: &TestStack, email: &str) -> Result<(), String> {
    let sent = stack.last_email_to(email).await;
    let token = sent.token();
    let answer = if sent.body.contains("reset-password") {
        stack.post("/password-resets/complete", None, json!({ "token": token, "password": format!("{PASSWORD}-lost") })).await
    } else {
        stack.post("/invitations/lookup", None, json!({ "token": token })).await
    };
    match answer.code() {
        "token_invalid" => Ok(()),
        _ => Err(format!("the email of a change taken back carries a link that still works: {} {:?}", answer.status, answer.body)),
    }
}

/// Every write route of `template.yaml` has its case here (an `each_call_failing` call naming
/// its function, or a case named `"<function> (…)"`): a new write route fails this until it is
/// faulted too.
#[test]
fn every_write_route_is_faulted() {
    let routes = local_stack::template::Template::load(&crate::helpers::project_root().join("template.yaml")).unwrap().routes().unwrap();
    let source = include_str!("faults.rs");
    let missing: Vec<&str> = routes
        .iter()
        .filter(|r| r.method != "GET" && r.function != "lookup-invitation")
        .map(|r| r.function.as_str())
        .filter(|f| !source.contains(&format!("each_call_failing(&stack, \"{f}\"")) && !source.contains(&format!("\"{f} (")))
        .collect();
    assert!(missing.is_empty(), "write routes without a faults case: {missing:?}");
}

fn request(method: Method, path: String, token: &str, body: Option<Value>, tenant: &Tenant, email: &str, success: StatusCode) -> Case {
    Case {
        method,
        path,
        token: Some(token.to_string()),
        body,
        tenant_id: Some(tenant.tenant_id.clone()),
        email: email.to_string(),
        success,
    }
}

fn member_role(role: &str) -> Value {
    json!({ "service-management-portal": role })
}

#[tokio::test]
async fn create_tenant_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let operator = stack.operator().await;
    each_call_failing(&stack, "create-tenant", || {
        let operator = operator.clone();
        async move {
            let email = unique_email("founder");
            Case {
                method: Method::POST,
                path: "/tenants".into(),
                token: Some(operator),
                body: Some(json!({ "name": "Faulty", "adminEmail": email, "adminLanguage": "en" })),
                tenant_id: None,
                email,
                success: StatusCode::CREATED,
            }
        }
    })
    .await;
}

#[tokio::test]
async fn invite_member_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "invite-member", || {
        let tenant = &tenant;
        async move {
            let email = unique_email("invitee");
            let body = json!({ "email": email, "language": "en", "roles": member_role("member") });
            let path = format!("/tenants/{}/members", tenant.tenant_id);
            request(Method::POST, path, &tenant.admin_token, Some(body), tenant, &email, StatusCode::CREATED)
        }
    })
    .await;
}

#[tokio::test]
async fn accept_invitation_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "accept-invitation", || {
        let (stack, tenant) = (&stack, &tenant);
        async move {
            let (_, email) = stack.pending(tenant, "member", "en").await;
            let token = stack.last_email_to(&email).await.token();
            let mut case = request(Method::POST, "/invitations/accept".into(), "", None, tenant, &email, StatusCode::OK);
            case.token = None;
            case.body = Some(json!({ "token": token, "password": PASSWORD }));
            case
        }
    })
    .await;
}

#[tokio::test]
async fn join_tenant_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let other = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "join-tenant", || {
        let (stack, tenant, other) = (&stack, &tenant, &other);
        async move {
            // A new person each time: one address gets at most ten emails a day.
            let person = &stack.join(other, "member").await;
            // A new tenant each time, which the person (who has an account) is invited to.
            let child =
                Tenant { tenant_id: stack.create_tenant("Joined", &unique_email("rep"), Some(&tenant.tenant_id)).await, ..tenant.clone() };
            assert_eq!(stack.invite(&child, &person.email, "en", member_role("member")).await.status, StatusCode::CREATED);
            let token = stack.last_email_to(&person.email).await.token();
            let mut case = request(Method::POST, "/invitations/join".into(), &person.token, None, &child, &person.email, StatusCode::OK);
            case.body = Some(json!({ "token": token }));
            case
        }
    })
    .await;
}

#[tokio::test]
async fn change_member_roles_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let turn = AtomicUsize::new(0);
    each_call_failing(&stack, "change-member-roles", || {
        let (tenant, person) = (&tenant, &person);
        let role = if turn.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) { "tenant-admin" } else { "member" };
        async move {
            let path = format!("{}/roles", TestStack::member_path(tenant, &person.member_id));
            let body = json!({ "roles": member_role(role) });
            request(Method::PUT, path, &tenant.admin_token, Some(body), tenant, &person.email, StatusCode::OK)
        }
    })
    .await;
}

#[tokio::test]
async fn delete_member_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "delete-member", || {
        let (stack, tenant) = (&stack, &tenant);
        async move {
            let person = stack.join(tenant, "member").await;
            let path = TestStack::member_path(tenant, &person.member_id);
            request(Method::DELETE, path, &tenant.admin_token, None, tenant, &person.email, StatusCode::NO_CONTENT)
        }
    })
    .await;
}

#[tokio::test]
async fn resend_invitation_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "resend-invitation", || {
        let (stack, tenant) = (&stack, &tenant);
        async move {
            let (member_id, email) = stack.pending(tenant, "member", "en").await;
            let path = format!("{}/invitation", TestStack::member_path(tenant, &member_id));
            request(Method::POST, path, &tenant.admin_token, Some(json!({})), tenant, &email, StatusCode::ACCEPTED)
        }
    })
    .await;
}

#[tokio::test]
async fn send_password_reset_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "send-password-reset", || {
        let (stack, tenant) = (&stack, &tenant);
        async move {
            let person = stack.join(tenant, "member").await;
            let path = format!("{}/password-reset", TestStack::member_path(tenant, &person.member_id));
            request(Method::POST, path, &tenant.admin_token, Some(json!({})), tenant, &person.email, StatusCode::ACCEPTED)
        }
    })
    .await;
}

#[tokio::test]
async fn complete_password_reset_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "complete-password-reset", || {
        let (stack, tenant) = (&stack, &tenant);
        async move {
            let person = stack.join(tenant, "member").await;
            let path = format!("{}/password-reset", TestStack::member_path(tenant, &person.member_id));
            assert_eq!(stack.post(&path, Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED);
            let token = stack.last_email_to(&person.email).await.token();
            let mut case =
                request(Method::POST, "/password-resets/complete".into(), "", None, tenant, &person.email, StatusCode::NO_CONTENT);
            case.token = None;
            case.body = Some(json!({ "token": token, "password": format!("{PASSWORD}-new") }));
            case
        }
    })
    .await;
}

#[tokio::test]
async fn set_member_mfa_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    for enabled in [true, false] {
        each_call_failing(&stack, &format!("set-member-mfa (enabled: {enabled})"), || {
            let (stack, tenant, person) = (&stack, &tenant, &person);
            async move {
                let path = format!("{}/mfa", TestStack::member_path(tenant, &person.member_id));
                // Start from the other state, so that every case makes the same calls.
                let other = stack.put(&path, &tenant.admin_token, json!({ "enabled": !enabled })).await;
                assert_eq!(other.status, StatusCode::OK, "{:?}", other.body);
                request(Method::PUT, path, &tenant.admin_token, Some(json!({ "enabled": enabled })), tenant, &person.email, StatusCode::OK)
            }
        })
        .await;
    }
}

#[tokio::test]
async fn change_representative_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    // The role goes back and forth: whoever holds it hands it to the other.
    let people = [
        (tenant.admin_member_id.clone(), tenant.admin_token.clone(), tenant.admin_email.clone()),
        (second.member_id.clone(), second.token.clone(), second.email.clone()),
    ];
    each_call_failing(&stack, "change-representative", || {
        let (stack, tenant, people) = (&stack, &tenant, &people);
        async move {
            let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &tenant.admin_token).await;
            let holder = overview.body["representative"]["memberId"].as_str().unwrap().to_string();
            let (from, to) = if people[0].0 == holder { (&people[0], &people[1]) } else { (&people[1], &people[0]) };
            let path = format!("/tenants/{}/representative", tenant.tenant_id);
            request(Method::PUT, path, &from.1, Some(json!({ "memberId": to.0 })), tenant, &to.2, StatusCode::OK)
        }
    })
    .await;
}

#[tokio::test]
async fn change_representative_email_survives_each_failing_call() {
    let stack = TestStack::start().await;
    let parent = stack.tenant_with_admin(None).await;
    each_call_failing(&stack, "change-representative-email", || {
        let (stack, parent) = (&stack, &parent);
        async move {
            // A new child each time: each change counts as a resend of its representative's
            // invitation, of which an hour allows five.
            let child_id = stack.create_tenant("Child", &unique_email("child-rep"), Some(&parent.tenant_id)).await;
            let child = &Tenant { tenant_id: child_id, ..parent.clone() };
            let email = unique_email("new-rep");
            let path = format!("/tenants/{}/representative/email", child.tenant_id);
            request(Method::PUT, path, &child.admin_token, Some(json!({ "email": email })), child, &email, StatusCode::OK)
        }
    })
    .await;
}

/// A call that never answers (SES accepting the connection and then nothing) is cut by the
/// functions' own SDK timeouts, well within the Lambda's 10 s: the invitation is taken back, its
/// idempotency key freed, and the same request with the same key then succeeds afresh.
#[tokio::test]
async fn a_hung_call_is_cut_by_the_sdk_timeouts_and_leaves_nothing_behind_and_the_key_free() {
    let stack = TestStack::start_with(|options| {
        let testing = options.service_sdk.take().expect("the tests adjust the service's SDK");
        options.service_sdk =
            Some(Box::new(move |sdk| testing(sdk).to_builder().timeout_config(tenant_members::sdk::sdk_timeouts()).build()));
    })
    .await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members", tenant.tenant_id);
    let invite = |email: &str| json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" } });
    let post = |key: &'static str, body: Value| {
        let request = stack.http.post(format!("{}{path}", stack.stack.api_url)).bearer_auth(&tenant.admin_token);
        async move {
            let response = request.header("idempotency-key", key).json(&body).send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Where the email goes out among an invitation's calls.
    stack.traffic.reset();
    assert_eq!(post("hang-probe", invite(&unique_email("probe"))).await.0, StatusCode::CREATED);
    let send = stack.traffic.tally().calls.iter().position(|c| c.operation == "SendEmail").expect("an invitation sends an email");

    let email = unique_email("hung");
    stack.traffic.fail_call(send, FaultKind::Hang);
    let started = std::time::Instant::now();
    let (status, body) = post("hang-1", invite(&email)).await;
    let waited = started.elapsed();
    assert!(stack.traffic.tally().fault_hit, "the email's call hung");
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("upstream_unavailable")), "{body}");
    assert!(waited < std::time::Duration::from_secs(8), "answered in {waited:?}, well within the Lambda's 15 s");
    let listed = stack.members(&tenant).await;
    assert!(!listed.iter().any(|m| m["email"] == email.as_str()), "the invitation was taken back");
    assert!(stack.emails_to(&email).await.is_empty());

    stack.traffic.reset();
    let (status, body) = post("hang-1", invite(&email)).await;
    assert_eq!(status, StatusCode::CREATED, "the key was freed: the retry runs afresh: {body}");
    assert_eq!(stack.emails_to(&email).await.len(), 1);
    figure(format!("faults: a hung SES call was cut after {:.1} s; nothing left behind, the key freed", waited.as_secs_f64()));
}

/// Cognito set the new password, then ending the person's sessions failed: the answer says the
/// password is set, the API refuses the old session at once (even a token Cognito renewed from
/// it since), and the same request finishes: the session ends at Cognito and the link burns.
#[tokio::test]
async fn a_reset_whose_sign_out_fails_refuses_the_old_session_at_once_and_the_same_request_finishes_it() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "tenant-admin").await;
    let (stolen, refresh) = stack.session(&person.email, PASSWORD).await.unwrap();
    let members = format!("/tenants/{}/members", tenant.tenant_id);
    assert_eq!(stack.get(&members, &stolen).await.status, StatusCode::OK);
    // Session starts count whole seconds: the reset comes in a later one.
    wait(Duration::from_millis(1100)).await;
    let path = format!("{}/password-reset", TestStack::member_path(&tenant, &person.member_id));
    assert_eq!(stack.post(&path, Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED);
    let new_password = format!("{PASSWORD}-new");
    let body = json!({ "token": stack.last_email_to(&person.email).await.token(), "password": new_password });

    stack.traffic.fail_nth_call_of("cognito-idp", "AdminUserGlobalSignOut", 0, FaultKind::ServerError);
    let first = stack.post("/password-resets/complete", None, body.clone()).await;
    assert!(stack.traffic.tally().fault_hit, "the sign-out was reached");
    stack.traffic.reset();
    assert_eq!((first.status, first.code()), (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable"));
    let detail = first.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("password is set"), "the answer says what was done: {detail}");
    assert!(stack.sign_in(&person.email, &new_password).await.is_ok());
    assert!(stack.refreshed_id_token(&refresh).await.is_none(), "the session its sign-out missed renews nothing either");
    let answer = stack.get(&members, &stolen).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "a token of the session begun before the reset: {:?}", answer.body);

    let retry = stack.post("/password-resets/complete", None, body.clone()).await;
    assert_eq!(retry.status, StatusCode::NO_CONTENT, "{:?}", retry.body);
    assert!(!stack.refresh_works(&refresh).await, "the retry ended the session at Cognito");
    assert_eq!(stack.post("/password-resets/complete", None, body).await.code(), "token_invalid", "and used up the link");
    let (fresh, _) = stack.session(&person.email, &new_password).await.unwrap();
    assert_eq!(stack.get(&members, &fresh).await.status, StatusCode::OK, "a session begun after the reset acts");
    figure("faults: a reset whose sign-out failed: the old session's token refused at once and renewed no more, ended by the retry".into());
}

/// Cognito set a new person's first password, then the commit that makes them a member failed:
/// the answer says the password is set, and the same link finishes the join without setting
/// another password (a link sets a first password once).
#[tokio::test]
async fn an_accept_whose_commit_fails_after_the_password_is_set_says_so_and_the_link_only_finishes_the_join() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, email) = stack.pending(&tenant, "member", "en").await;
    let token = stack.last_email_to(&email).await.token();

    // The first transaction claims the link; the second makes the member active.
    stack.traffic.fail_nth_call_of("dynamodb", "TransactWriteItems", 1, FaultKind::ServerError);
    let first = stack.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await;
    assert!(stack.traffic.tally().fault_hit, "the commit was reached");
    stack.traffic.reset();
    assert_eq!((first.status, first.code()), (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable"));
    let detail = first.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("password is set"), "the answer says what was done: {detail}");
    assert!(stack.sign_in(&email, PASSWORD).await.is_ok());

    let other_password = format!("{PASSWORD}-other");
    let retry = stack.post("/invitations/accept", None, json!({ "token": token, "password": other_password })).await;
    assert_eq!(retry.status, StatusCode::OK, "{:?}", retry.body);
    assert!(stack.sign_in(&email, PASSWORD).await.is_ok(), "the password set first stays");
    assert!(stack.sign_in(&email, &other_password).await.is_err(), "the link did not set a second one");
    let member = stack.get(&TestStack::member_path(&tenant, &member_id), &tenant.admin_token).await;
    assert_eq!(member.body["status"], "active");
    figure("faults: an accept whose commit failed after Cognito set the password: finished by the same link, 1 password set".into());
}

/// A batch of three, with each of its AWS calls failing once in turn (found by service,
/// operation and rank, as its rows run side by side): a call before the rows fails the whole
/// batch with nothing done; a row's call fails that row alone (`503`), which leaves nothing
/// behind and succeeds sent again, while the other rows are done in full. Then each call applied
/// with its answer lost: a row whose commit was applied is done, never answered `503`.
#[tokio::test]
async fn invite_members_survives_each_failing_call_with_no_half_done_row() {
    const CASE: &str = "invite-members (3 rows)";
    // Two batches a case, many cases a minute: more than a tenant's default.
    let stack = TestStack::start_with(|options| options.batches_per_tenant_per_minute = 1_000).await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members/batch", tenant.tenant_id);
    let rows = |emails: &[String]| json!({ "items": emails.iter().map(|e| json!({ "email": e, "language": "en", "roles": member_role("member") })).collect::<Vec<_>>() });
    let fresh = || (0..3).map(|n| unique_email(&format!("batch{n}"))).collect::<Vec<_>>();

    stack.traffic.reset();
    let clean = stack.post(&path, Some(&tenant.admin_token), rows(&fresh())).await;
    assert_eq!(clean.status, StatusCode::OK, "{:?}", clean.body);
    let calls = stack.traffic.tally();
    println!("faults: {CASE} calls {}", calls.describe());
    let beyond = calls_beyond_policy(CASE, &calls);
    assert!(beyond.is_empty(), "called {beyond:?}, which its policy in template.yaml does not allow");
    let mut ranked: Vec<(String, String, usize)> = Vec::new();
    for call in &calls.calls {
        let rank = ranked.iter().filter(|(s, o, _)| *s == call.service && *o == call.operation).count();
        ranked.push((call.service.clone(), call.operation.clone(), rank));
    }

    let mut failures = Vec::new();
    let down = ranked.iter().enumerate().map(|(index, call)| (call, FaultKind::ALL[index % FaultKind::ALL.len()]));
    let lost = ranked.iter().map(|call| (call, FaultKind::AppliedAnswerLost));
    for ((service, operation, rank), kind) in down.chain(lost) {
        let what = format!("{CASE} with {service}:{operation} #{rank} failing ({kind:?})");
        // SES takes no idempotency token: a lost answer's email may have gone with a dead link.
        let email_lost = kind == FaultKind::AppliedAnswerLost && service == "ses";
        let emails = fresh();
        stack.traffic.fail_nth_call_of(service, operation, *rank, kind);
        let answer = stack.post(&path, Some(&tenant.admin_token), rows(&emails)).await;
        let hit = stack.traffic.tally().fault_hit;
        stack.traffic.reset();
        if !hit {
            failures.push(format!("{what}: the call was not reached"));
            continue;
        }
        if let Err(e) = consistent(&stack, &tenant.tenant_id).await {
            failures.push(format!("{what}: inconsistent: {e}"));
            continue;
        }
        let failed: Vec<&String> = match answer.status {
            StatusCode::SERVICE_UNAVAILABLE => emails.iter().collect(),
            StatusCode::OK => {
                let statuses: Vec<u64> = answer.body["items"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
                // A lost answer may be learned and its row done after all.
                let most_failed = if kind == FaultKind::AppliedAnswerLost { 0..=1 } else { 1..=1 };
                if statuses.iter().any(|s| ![201, 503].contains(s))
                    || !most_failed.contains(&statuses.iter().filter(|s| **s == 503).count())
                {
                    failures.push(format!("{what}: rows answered {statuses:?}, expected one 503 and the rest 201"));
                    continue;
                }
                emails.iter().zip(&statuses).filter(|(_, s)| **s == 503).map(|(e, _)| e).collect()
            }
            other => {
                failures.push(format!("{what}: answered {other} {:?}", answer.body));
                continue;
            }
        };
        let members: Vec<String> = stack.members(&tenant).await.iter().map(|m| m["email"].as_str().unwrap_or("").to_string()).collect();
        for email in &emails {
            let (is_member, sent) = (members.contains(email), stack.emails_to(email).await.len());
            let done = !failed.contains(&email);
            // The SDK's retries of a send whose answer was lost each went out.
            if email_lost && !done && !is_member && sent >= 1 {
                if let Err(e) = link_is_dead(&stack, email).await {
                    failures.push(format!("{what}: {e}"));
                }
                continue;
            }
            if (is_member, sent) != (done, usize::from(done)) {
                failures.push(format!("{what}: {email} (done: {done}) is a member: {is_member}, emailed {sent} times"));
            }
        }
        if !failed.is_empty() {
            let retried = stack.post(&path, Some(&tenant.admin_token), rows(&failed.into_iter().cloned().collect::<Vec<_>>())).await;
            let all_created = retried.body["items"].as_array().is_some_and(|r| r.iter().all(|r| r["status"] == 201));
            if retried.status != StatusCode::OK || !all_created {
                failures.push(format!("{what}: the failed rows sent again answered {} {:?}", retried.status, retried.body));
            }
        }
        for email in &emails {
            let (users, sent) = (stack.cognito_users(email).await, stack.emails_to(email).await.len());
            if users != 1 || !(sent == 1 || email_lost && sent >= 2) {
                failures.push(format!("{what}: in the end {email} has {users} Cognito users and {sent} emails"));
            }
        }
        if let Err(e) = consistent(&stack, &tenant.tenant_id).await {
            failures.push(format!("{what}: inconsistent after the retry: {e}"));
        }
    }
    figure(format!(
        "faults: {CASE}: {} calls failed in turn, then each applied with its answer lost, {} wrong",
        ranked.len(),
        failures.len()
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The functions' timeout (template.yaml) holds the worst a change meets when its email fails:
/// one dependency hung until the SDK cuts it, and both the change's commit and the commit taking
/// it back waiting out their conflicts, with 2 s left for the calls that answer at once.
#[test]
fn the_functions_timeout_holds_a_hung_call_and_two_commits_waiting_out_their_conflicts() {
    let text = std::fs::read_to_string(crate::helpers::project_root().join("template.yaml")).unwrap();
    let template: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let timeout = std::time::Duration::from_secs(template["Globals"]["Function"]["Timeout"].as_u64().expect("a Timeout in Globals"));
    let hung = tenant_members::sdk::sdk_timeouts().operation_timeout().expect("an operation timeout");
    let needed = hung + 2 * tenant_members::adapters::CONFLICT_WAIT + std::time::Duration::from_secs(2);
    assert!(timeout >= needed, "the functions time out at {timeout:?}; a change taken back may need {needed:?}");
}

/// The tenant's directory connection with no token: so that each case may add one.
async fn no_directory_tokens(stack: &TestStack, tenant: &Tenant) -> String {
    let directory = format!("/tenants/{}/directory", tenant.tenant_id);
    let shown = stack.get(&directory, &tenant.admin_token).await;
    for token in shown.body["tokens"].as_array().cloned().unwrap_or_default() {
        let revoked = stack.delete(&format!("{directory}/tokens/{}", token["tokenId"].as_str().unwrap()), &tenant.admin_token).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:?}", revoked.body);
    }
    directory
}

#[tokio::test]
async fn the_directory_connections_writes_survive_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (s, tenant) = (&stack, &tenant);
    each_call_failing(&stack, "create-directory-token", || async move {
        let directory = no_directory_tokens(s, tenant).await;
        request(
            Method::POST,
            format!("{directory}/tokens"),
            &tenant.admin_token,
            Some(json!({})),
            tenant,
            &tenant.admin_email,
            StatusCode::CREATED,
        )
    })
    .await;
    each_call_failing(&stack, "revoke-directory-token", || async move {
        let directory = no_directory_tokens(s, tenant).await;
        let created = s.post(&format!("{directory}/tokens"), Some(&tenant.admin_token), json!({})).await;
        let path = format!("{directory}/tokens/{}", created.body["tokenId"].as_str().unwrap());
        request(Method::DELETE, path, &tenant.admin_token, None, tenant, &tenant.admin_email, StatusCode::NO_CONTENT)
    })
    .await;
    let turn = AtomicUsize::new(0);
    each_call_failing(&stack, "set-directory-roles", || {
        let role = if turn.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) { "tenant-admin" } else { "member" };
        async move {
            let path = format!("/tenants/{}/directory/roles", tenant.tenant_id);
            request(
                Method::PUT,
                path,
                &tenant.admin_token,
                Some(json!({ "defaultRoles": member_role(role) })),
                tenant,
                &tenant.admin_email,
                StatusCode::OK,
            )
        }
    })
    .await;
}

/// The directory's writes (SCIM): a creation is an invitation, a deactivation one commit, a
/// deletion the Members tab's; none leaves anything half done when a call fails. Each case calls
/// with a token of its own, so that each records its first use alike.
#[tokio::test]
async fn the_directorys_writes_survive_each_failing_call() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (s, tenant) = (&stack, &tenant);
    let users = format!("/scim/v2/{}/Users", tenant.tenant_id);
    let users = users.as_str();
    let user =
        |email: &str| json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email, "preferredLanguage": "ja" });
    let fresh_token = || async move {
        no_directory_tokens(s, tenant).await;
        crate::directory::directory_token(s, tenant).await
    };
    let created_user = |token: String| async move {
        let email = unique_email("scim");
        let created = s.call(Method::POST, users, Some(&token), Some(user(&email))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        (format!("{users}/{}", created.body["id"].as_str().unwrap()), email)
    };
    each_call_failing(&stack, "scim (create a user)", || async move {
        let token = fresh_token().await;
        let email = unique_email("scim");
        request(Method::POST, users.to_string(), &token, Some(user(&email)), tenant, &email, StatusCode::CREATED)
    })
    .await;
    each_call_failing(&stack, "scim (deactivate a user)", || async move {
        let token = fresh_token().await;
        let (path, email) = created_user(token.clone()).await;
        let off = json!({ "schemas": [crate::directory::PATCH], "Operations": [{ "op": "Replace", "path": "active", "value": "False" }] });
        request(Method::PATCH, path, &token, Some(off), tenant, &email, StatusCode::OK)
    })
    .await;
    each_call_failing(&stack, "scim (delete a user)", || async move {
        let token = fresh_token().await;
        let (path, email) = created_user(token.clone()).await;
        request(Method::DELETE, path, &token, None, tenant, &email, StatusCode::NO_CONTENT)
    })
    .await;
    // A group that gives roles: a member added to it moves in the group's transaction.
    let groups = format!("/scim/v2/{}/Groups", tenant.tenant_id);
    let groups = groups.as_str();
    let token = fresh_token().await;
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Faulty admins" });
    let group = s.call(Method::POST, groups, Some(&token), Some(group)).await.body["id"].as_str().unwrap().to_string();
    let mapping =
        json!({ "defaultRoles": member_role("member"), "groups": [{ "groupId": group, "roles": { "device-management": "admin" } }] });
    assert_eq!(s.put(&format!("/tenants/{}/directory/roles", tenant.tenant_id), &tenant.admin_token, mapping).await.status, StatusCode::OK);
    let group = format!("{groups}/{group}");
    let group = group.as_str();
    each_call_failing(&stack, "scim (add a member to a group)", || async move {
        let token = fresh_token().await;
        let (path, email) = created_user(token.clone()).await;
        let id = path.rsplit('/').next().unwrap().to_string();
        let add =
            json!({ "schemas": [crate::directory::PATCH], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": id }] }] });
        request(Method::PATCH, group.to_string(), &token, Some(add), tenant, &email, StatusCode::OK)
    })
    .await;
}

//! The isolation matrix: every route of `template.yaml` × every kind of caller gets exactly the
//! contract's answer, and no response carries data of a tenant the caller may not see.
//!
//! Tenants: P (root) with children T (the target) and S (T's sibling), K (T's child), and an
//! unrelated root U. T's representative has not registered, so that changing its email can
//! succeed; T is run by a second administrator.
use std::collections::BTreeMap;

use local_stack::template::{Route, Template};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{figure, project_root, unique_email, Tenant, TestStack, PASSWORD};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    NonMember,
    PlainMember,
    SiblingAdmin,
    ChildAdmin,
    ParentAdmin,
    Operator,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::NonMember,
    Caller::PlainMember,
    Caller::SiblingAdmin,
    Caller::ChildAdmin,
    Caller::ParentAdmin,
    Caller::Operator,
];

/// What each tenant's data looks like in a response: its id, name, members' ids and emails.
#[derive(Default)]
struct Markers(BTreeMap<&'static str, Vec<String>>);

impl Markers {
    fn add(&mut self, tenant: &'static str, marker: impl Into<String>) {
        self.0.entry(tenant).or_default().push(marker.into());
    }

    /// The first marker of a tenant outside `visible` that `body` contains. A tenant's overview
    /// names its parent by id (`parentTenantId`), so the parent's id alone is not a leak.
    fn leak(&self, body: &str, visible: &[&str], parent: Option<&str>) -> Option<String> {
        let parent_id = parent.and_then(|p| self.0.get(p)).and_then(|markers| markers.first());
        self.0
            .iter()
            .filter(|(tenant, _)| !visible.contains(tenant))
            .flat_map(|(tenant, markers)| markers.iter().map(move |m| (tenant, m)))
            .filter(|(_, marker)| Some(*marker) != parent_id)
            .find(|(_, marker)| body.contains(marker.as_str()))
            .map(|(tenant, marker)| format!("{marker} of tenant {tenant}"))
    }
}

/// The tenants whose data each caller may see.
fn visible(caller: Caller) -> &'static [&'static str] {
    match caller {
        Caller::Anonymous => &[],
        Caller::NonMember => &["U"],
        Caller::PlainMember => &["T"],
        Caller::SiblingAdmin => &["S"],
        Caller::ChildAdmin => &["K"],
        Caller::ParentAdmin => &["P", "T", "S", "K"],
        Caller::Operator => &["P", "T", "S", "K", "U", "new"],
    }
}

/// The parent of the tenant a caller administers.
fn parent(caller: Caller) -> Option<&'static str> {
    match caller {
        Caller::SiblingAdmin => Some("P"),
        Caller::ChildAdmin => Some("T"),
        Caller::PlainMember => Some("P"),
        _ => None,
    }
}

/// The status of an operation's success, from `openapi.yaml`.
fn success_statuses() -> BTreeMap<String, u16> {
    let spec: serde_norway::Value = serde_norway::from_str(&std::fs::read_to_string(project_root().join("openapi.yaml")).unwrap()).unwrap();
    let mut statuses = BTreeMap::new();
    for (_, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            if method.as_str() == Some("parameters") {
                continue;
            }
            let success = operation["responses"]
                .as_mapping()
                .unwrap()
                .keys()
                .filter_map(|k| k.as_str()?.parse::<u16>().ok())
                .find(|s| (200..300).contains(s))
                .unwrap();
            statuses.insert(operation["operationId"].as_str().unwrap().to_string(), success);
        }
    }
    statuses
}

/// What the contract answers `caller` on `route` (status, and the problem code when refused).
fn expected(route: &Route, caller: Caller, success: u16) -> (u16, Option<&'static str>) {
    if route.function == "scim" {
        // Only a directory token of the tenant opens it: no Cognito token, whoever holds it.
        return (401, None);
    }
    if route.public {
        // Answered by the link's token alone, whoever calls: a made-up token is invalid.
        return (400, Some("token_invalid"));
    }
    if caller == Caller::Anonymous {
        return (401, Some("unauthenticated"));
    }
    if route.function == "join-tenant" {
        // Signed in, with a made-up link: no invitation to anyone.
        return (400, Some("token_invalid"));
    }
    if !route.path.contains("{tenantId}") {
        return match (route.method.as_str(), caller) {
            ("POST", Caller::Operator) => (success, None),
            ("POST", _) => (403, Some("forbidden")),
            _ => (success, None),
        };
    }
    match caller {
        Caller::NonMember | Caller::SiblingAdmin | Caller::ChildAdmin => (404, Some("not_found")),
        Caller::PlainMember => (403, Some("forbidden")),
        // Only the representative hands the role on; managers above it cannot take it away.
        Caller::ParentAdmin | Caller::Operator if route.function == "change-representative" => (403, Some("not_representative")),
        _ => (success, None),
    }
}

struct World {
    tokens: BTreeMap<Caller, String>,
    /// T, as its second administrator and the operator act on it.
    target: Tenant,
    /// Members of T that refused requests name; they must never change.
    active: String,
    invited: String,
    markers: Markers,
}

async fn world(stack: &TestStack) -> World {
    let mut markers = Markers::default();
    let operator = stack.operator().await;
    let root = |name: &'static str, parent: Option<String>| {
        let operator = operator.clone();
        async move {
            let email = unique_email(&format!("rep-{}", name.to_lowercase()));
            let display = format!("Tenant {name} {}", ulid::Ulid::new());
            let mut body = json!({ "name": display, "adminEmail": email, "adminLanguage": "en" });
            if let Some(parent) = parent {
                body["parentTenantId"] = json!(parent);
            }
            let created = stack.post("/tenants", Some(&operator), body).await;
            assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
            let id = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
            let rep = created.body["representative"]["memberId"].as_str().unwrap().to_string();
            (id, display, email, rep)
        }
    };
    let registered = |email: String| async move {
        assert_eq!(stack.accept_invitation(&email).await.status, StatusCode::OK);
        stack.sign_in(&email, PASSWORD).await.unwrap()
    };
    let p = root("P", None).await;
    let t = root("T", Some(p.0.clone())).await;
    let s = root("S", Some(p.0.clone())).await;
    let k = root("K", Some(t.0.clone())).await;
    let u = root("U", None).await;
    for (name, tenant) in [("P", &p), ("T", &t), ("S", &s), ("K", &k), ("U", &u)] {
        // The id first: `leak` reads it as the tenant's id.
        markers.add(name, tenant.0.clone());
        markers.add(name, tenant.1.clone());
        markers.add(name, tenant.2.clone());
        markers.add(name, tenant.3.clone());
    }
    let mut tokens = BTreeMap::new();
    tokens.insert(Caller::ParentAdmin, registered(p.2.clone()).await);
    tokens.insert(Caller::SiblingAdmin, registered(s.2.clone()).await);
    tokens.insert(Caller::ChildAdmin, registered(k.2.clone()).await);
    tokens.insert(Caller::NonMember, registered(u.2.clone()).await);
    tokens.insert(Caller::Operator, operator.clone());

    let by_operator =
        Tenant { tenant_id: t.0.clone(), admin_email: String::new(), admin_token: operator.clone(), admin_member_id: String::new() };
    let admin = stack.join(&by_operator, "tenant-admin").await;
    let plain = stack.join(&by_operator, "member").await;
    let active = stack.join(&by_operator, "member").await;
    let (invited, invited_email) = stack.pending(&by_operator, "member", "en").await;
    for (id, email) in
        [(&admin.member_id, &admin.email), (&plain.member_id, &plain.email), (&active.member_id, &active.email), (&invited, &invited_email)]
    {
        markers.add("T", id.clone());
        markers.add("T", email.clone());
    }
    tokens.insert(Caller::PlainMember, plain.token.clone());
    let target = Tenant { tenant_id: t.0, admin_email: admin.email, admin_token: admin.token, admin_member_id: admin.member_id };
    World { tokens, target, active: active.member_id, invited, markers }
}

/// A request the route's operation accepts: the body, and the member the path names (a fresh
/// one in the state the operation needs when the request is meant to succeed).
async fn request_for(stack: &TestStack, world: &mut World, route: &Route, succeeds: bool) -> (String, Option<Value>) {
    let t = &world.target;
    let member = match (route.path.contains("{memberId}"), succeeds, route.function.as_str()) {
        (false, _, _) => String::new(),
        (true, false, "resend-invitation") => world.invited.clone(),
        (true, false, _) => world.active.clone(),
        (true, true, "resend-invitation") => {
            let (id, email) = stack.pending(t, "member", "en").await;
            world.markers.add("T", id.clone());
            world.markers.add("T", email);
            id
        }
        (true, true, _) => {
            let person = stack.join(t, "member").await;
            world.markers.add("T", person.member_id.clone());
            world.markers.add("T", person.email);
            person.member_id
        }
    };
    let token_id = match (route.path.contains("{tokenId}"), succeeds) {
        (true, true) => {
            let directory = stack.get(&format!("/tenants/{}/directory", t.tenant_id), &t.admin_token).await;
            directory.body["tokens"][0]["tokenId"].as_str().expect("a token to revoke").to_string()
        }
        _ => ulid::Ulid::new().to_string(),
    };
    let path = route
        .path
        .replace("{tenantId}", &t.tenant_id)
        .replace("{memberId}", &member)
        .replace("{tokenId}", &token_id)
        .replace("{proxy+}", "Users");
    let fresh_email = || unique_email("matrix");
    let body = match route.function.as_str() {
        "list-roles"
        | "list-tenants"
        | "get-tenant"
        | "list-members"
        | "get-member"
        | "delete-member"
        | "list-representative-candidates"
        | "list-audit"
        | "get-me"
        | "list-my-memberships"
        | "get-directory"
        | "revoke-directory-token" => None,
        "create-directory-token" => Some(json!({})),
        "set-directory-roles" => Some(json!({ "defaultRoles": { "service-management-portal": "member" } })),
        "scim" => Some(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": fresh_email() })),
        "create-tenant" => {
            Some(json!({ "name": format!("Matrix {}", ulid::Ulid::new()), "adminEmail": fresh_email(), "adminLanguage": "en" }))
        }
        "invite-member" => Some(json!({ "email": fresh_email(), "language": "en", "roles": { "service-management-portal": "member" } })),
        "invite-members" => {
            Some(json!({ "items": [{ "email": fresh_email(), "language": "en", "roles": { "service-management-portal": "member" } }] }))
        }
        "change-member-roles" => Some(json!({ "roles": { "service-management-portal": "member", "device-management": "viewer" } })),
        "resend-invitation" | "send-password-reset" => Some(json!({})),
        "set-member-mfa" => Some(json!({ "enabled": true })),
        "change-representative" => Some(json!({ "memberId": t.admin_member_id })),
        "change-representative-email" => Some(json!({ "email": fresh_email() })),
        "accept-invitation" | "complete-password-reset" => {
            Some(json!({ "token": "bWFkZS11cC10b2tlbi0wMDAwMDAwMDAwMDAwMDAwMDAwMA", "password": PASSWORD }))
        }
        "lookup-invitation" | "join-tenant" => Some(json!({ "token": "bWFkZS11cC10b2tlbi0wMDAwMDAwMDAwMDAwMDAwMDAwMA" })),
        other => panic!("the isolation matrix has no request for {other}: add one"),
    };
    // A body's new emails belong to T once created there (or to a new tenant, for create-tenant).
    let rows = body.as_ref().and_then(|b| b.get("items")).and_then(Value::as_array).into_iter().flatten();
    let emails = body.iter().chain(rows).filter_map(|b| b.get("email").or(b.get("adminEmail"))?.as_str());
    for email in emails {
        world.markers.add(if route.function == "create-tenant" { "new" } else { "T" }, email.to_string());
    }
    (path, body)
}

/// Everything a request could change: every item of the stack's table (tenants, members,
/// people, links, quotas, audit entries), the users of its pool, and the emails sent to every
/// address of this world.
#[derive(PartialEq)]
struct Snapshot {
    items: Vec<String>,
    users: Vec<String>,
    emails: Vec<(String, usize)>,
}

impl Snapshot {
    async fn take(stack: &TestStack, world: &World) -> Self {
        let addresses = world.markers.0.values().flatten().filter(|m| m.contains('@')).cloned().collect();
        // A refused directory token is counted on the tenant's connection: the limit on junk
        // (docs/directory.md), the one write a refusal makes.
        let items = stack.table_items_but(&["refusedCount", "refusedMinute"]).await;
        Self { items, users: stack.pool_users().await, emails: stack.emails_to_each(&addresses).await }
    }

    /// What changed from `self` to `after`, in a few words.
    fn changes(&self, after: &Snapshot) -> Vec<String> {
        let diff = |what: &str, before: &[String], after: &[String]| {
            let gone = before.iter().filter(|x| !after.contains(x)).map(|x| format!("{what} gone: {x}"));
            let new = after.iter().filter(|x| !before.contains(x)).map(|x| format!("{what} new: {x}"));
            gone.chain(new).collect::<Vec<_>>()
        };
        let mut changes = diff("item", &self.items, &after.items);
        changes.extend(diff("user", &self.users, &after.users));
        let sent = |s: &Snapshot| s.emails.iter().map(|(to, n)| format!("{to}: {n} emails")).collect::<Vec<_>>();
        changes.extend(diff("outbox", &sent(self), &sent(after)));
        changes
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_contract_says_and_leaks_nothing() {
    let stack = TestStack::start().await;
    let mut world = world(&stack).await;
    let routes = Template::load(&project_root().join("template.yaml")).unwrap().routes().unwrap();
    let successes = success_statuses();
    let mut cases = 0;
    let mut refused = 0;
    // The state before the next refused request: the one after the last, unless a request
    // meant to succeed came in between.
    let mut last: Option<Snapshot> = None;
    let mut leaks = 0;
    let mut failures = Vec::new();
    for route in &routes {
        // The SCIM endpoint is RFC 7644's, not openapi.yaml's: no Cognito caller succeeds there.
        let success = successes.get(&route.function).copied().unwrap_or(201);
        for caller in CALLERS {
            cases += 1;
            let (status, code) = expected(route, caller, success);
            let (path, body) = request_for(&stack, &mut world, route, status == success).await;
            let method = if route.method == "ANY" { Method::POST } else { Method::from_bytes(route.method.as_bytes()).unwrap() };
            let token = world.tokens.get(&caller).cloned();
            let before = match (status == success, last.take()) {
                (true, _) => None,
                (false, Some(snapshot)) => Some(snapshot),
                (false, None) => Some(Snapshot::take(&stack, &world).await),
            };
            let answer = stack.call(method, &path, token.as_deref(), body).await;
            let what = format!("{} {} as {caller:?}", route.method, route.path);
            if let Some(before) = before {
                refused += 1;
                let after = Snapshot::take(&stack, &world).await;
                let changes = before.changes(&after);
                if !changes.is_empty() {
                    failures.push(format!("{what}: refused, and changed {}", changes.join("; ")));
                }
                last = Some(after);
            }
            if answer.status.as_u16() != status || code.is_some_and(|c| answer.code() != c) {
                failures.push(format!("{what}: expected {status} {code:?}, got {} {:?}", answer.status, answer.body));
            }
            if let Some(leak) = world.markers.leak(&answer.body.to_string(), visible(caller), parent(caller)) {
                leaks += 1;
                failures.push(format!("{what}: the response shows {leak}"));
            }
        }
    }
    let wrong = failures.len() - leaks;
    figure(format!(
        "isolation: {cases} cases, {leaks} leaks ({} routes x {} callers; {refused} refused requests, each with the table, the pool \
         and the outbox compared before and after; {wrong} other answers or changes than the contract's)",
        routes.len(),
        CALLERS.len()
    ));
    assert!(refused > 0, "no refused request was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

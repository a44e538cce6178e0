//! Directory sync (SCIM 2.0) end to end: a tenant's connection and its tokens, and the requests
//! real clients send (Okta's and Entra's, replayed from the shapes their documentation gives)
//! against the local API, with what each does to the memberships and the people behind them.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use aws_sdk_dynamodb::types::AttributeValue;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{unique_email, wait, Answer, Tenant, TestStack, PASSWORD};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A directory token of the tenant, as its manager creates it.
pub(crate) async fn directory_token(stack: &TestStack, tenant: &Tenant) -> String {
    let created = stack.post(&format!("/tenants/{}/directory/tokens", tenant.tenant_id), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    created.body["token"].as_str().unwrap().to_string()
}

/// A SCIM request to the tenant's endpoint, as a client sends it (`application/scim+json`).
pub(crate) async fn scim(stack: &TestStack, tenant_id: &str, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
    let url = format!("{}/scim/v2/{tenant_id}/{path}", stack.stack.api_url);
    let mut request = stack.http.request(method, url).bearer_auth(token).header("accept", "application/scim+json");
    if let Some(body) = body {
        request = request.header("content-type", "application/scim+json").body(body.to_string());
    }
    Answer::of(request).await
}

fn filter(expression: &str) -> String {
    format!("Users?filter={}", urlencode(expression))
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn refused_as_scim(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.body["schemas"], json!([ERROR]), "a SCIM error: {:?}", answer.body);
    assert_eq!(answer.body["status"], status.as_u16().to_string());
}

#[tokio::test]
async fn a_directory_token_is_shown_once_reaches_its_own_tenant_only_and_dies_at_once_when_revoked() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let other = stack.tenant_with_admin(None).await;
    let directory = format!("/tenants/{}/directory", tenant.tenant_id);
    let created = stack.post(&format!("{directory}/tokens"), Some(&tenant.admin_token), json!({ "expiresInDays": 30 })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let token = created.body["token"].as_str().unwrap().to_string();
    assert!(token.ends_with(created.body["lastFour"].as_str().unwrap()));

    let shown = stack.get(&directory, &tenant.admin_token).await;
    assert_eq!(shown.status, StatusCode::OK, "{:?}", shown.body);
    assert_eq!(shown.body["scimBaseUrl"], format!("{}/scim/v2/{}", stack.stack.api_url, tenant.tenant_id));
    assert!(!shown.body.to_string().contains(&token), "the token is shown once, at its creation");
    assert_eq!(shown.body["tokens"][0]["lastUsedAt"], Value::Null);

    let users = scim(&stack, &tenant.tenant_id, Method::GET, "Users", &token, None).await;
    assert_eq!(users.status, StatusCode::OK, "{:?}", users.body);
    assert_eq!(users.headers["content-type"], "application/scim+json");
    let used = stack.get(&directory, &tenant.admin_token).await;
    assert!(used.body["tokens"][0]["lastUsedAt"].is_string() && used.body["lastRequestAt"].is_string(), "{:?}", used.body);

    refused_as_scim(&scim(&stack, &other.tenant_id, Method::GET, "Users", &token, None).await, StatusCode::UNAUTHORIZED);
    refused_as_scim(&scim(&stack, &tenant.tenant_id, Method::GET, "Users", &tenant.admin_token, None).await, StatusCode::UNAUTHORIZED);
    let with_directory_token = stack.get(&format!("/tenants/{}/members", tenant.tenant_id), &token).await;
    assert_eq!(with_directory_token.status, StatusCode::UNAUTHORIZED, "a directory token never reaches the rest of the API");

    let second = stack.post(&format!("{directory}/tokens"), Some(&tenant.admin_token), json!({})).await;
    assert_eq!(second.status, StatusCode::CREATED, "two live tokens, so that IT can rotate");
    let third = stack.post(&format!("{directory}/tokens"), Some(&tenant.admin_token), json!({})).await;
    assert_eq!((third.status, third.code()), (StatusCode::CONFLICT, "too_many_tokens"));
    let stranger = stack.post(&format!("{directory}/tokens"), Some(&other.admin_token), json!({})).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND, "another tenant's manager learns nothing of this one");

    let revoked = stack.delete(&format!("{directory}/tokens/{}", created.body["tokenId"].as_str().unwrap()), &tenant.admin_token).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:?}", revoked.body);
    refused_as_scim(&scim(&stack, &tenant.tenant_id, Method::GET, "Users", &token, None).await, StatusCode::UNAUTHORIZED);
    let rotated = scim(&stack, &tenant.tenant_id, Method::GET, "Users", second.body["token"].as_str().unwrap(), None).await;
    assert_eq!(rotated.status, StatusCode::OK, "the other token still works");
}

/// Okta's SCIM 2.0 spec test (the steps its documentation lists, in order): list a page, read a
/// user, a random userName and a random id not found, a new user looked up before its creation,
/// created with realistic values, read back, created again (409), found by its userName in another
/// case, Groups (optional), then Okta's updates: PUT of the whole resource, and the
/// path-less `replace` of `active` that deactivates and reactivates. Last, its deletion.
#[tokio::test]
async fn oktas_spec_test_steps_provision_update_deactivate_reactivate_and_remove_a_user() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let t = tenant.tenant_id.as_str();
    let email = unique_email("okta");

    // 1. The Users endpoint pages by index.
    let page = scim(&stack, t, Method::GET, "Users?count=1&startIndex=1", &token, None).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!((page.body["startIndex"].clone(), page.body["itemsPerPage"].clone()), (json!(1), json!(1)), "{:?}", page.body);
    assert_eq!(page.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
    // 2. The user it lists reads by id (the representative, invited by hand).
    let first = page.body["Resources"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(scim(&stack, t, Method::GET, &format!("Users/{first}"), &token, None).await.body["id"], json!(first));
    // 3. A random userName finds nothing; 4. a random id is a 404.
    let random = filter(&format!("userName eq \"{}\"", unique_email("random")));
    assert_eq!(scim(&stack, t, Method::GET, &random, &token, None).await.body["totalResults"], 0);
    refused_as_scim(&scim(&stack, t, Method::GET, "Users/010a7f3e-4a8c-4d0b-9d1c-random", &token, None).await, StatusCode::NOT_FOUND);
    // 5. The user about to be created does not exist yet.
    let by_name = filter(&format!("userName eq \"{email}\""));
    let none = scim(&stack, t, Method::GET, &format!("{by_name}&startIndex=1&count=100"), &token, None).await;
    assert_eq!((none.status, none.body["totalResults"].clone()), (StatusCode::OK, json!(0)), "{:?}", none.body);
    // 6. Created with realistic values (a password Okta may send is ignored, never kept).
    let user = json!({
        "schemas": [USER], "userName": email, "name": { "givenName": "Kim", "familyName": "Lee" },
        "emails": [{ "primary": true, "value": email, "type": "work" }], "displayName": "Kim Lee",
        "locale": "ja-JP", "externalId": "00u1okta", "groups": [], "password": "Not-Kept-1!", "active": true,
    });
    let created = scim(&stack, t, Method::POST, "Users", &token, Some(user.clone())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!((created.body["externalId"].clone(), created.body["active"].clone()), (json!("00u1okta"), json!(true)));
    assert!(created.body.get("password").is_none(), "a password sent is ignored, never shown");
    let invitation = stack.last_email_to(&email).await;
    assert!(invitation.body.contains("招待"), "invited in the language of its locale: {}", invitation.body);
    let member = stack.get(&format!("/tenants/{t}/members/{id}"), &tenant.admin_token).await;
    assert_eq!(member.body["status"], "invited");
    assert_eq!(member.body["directory"], json!({ "externalId": "00u1okta", "groups": [] }));
    assert_eq!(member.body["invitedBy"]["kind"], "directory");
    // 7. Read back.
    let read = scim(&stack, t, Method::GET, &format!("Users/{id}"), &token, None).await;
    assert_eq!((read.status, read.body["userName"].clone()), (StatusCode::OK, json!(email)));
    // 8. Created again: 409, for Okta to find it by filter and take it over.
    let again = scim(&stack, t, Method::POST, "Users", &token, Some(user.clone())).await;
    refused_as_scim(&again, StatusCode::CONFLICT);
    assert_eq!(again.body["scimType"], "uniqueness");
    // 9. userName is compared without case.
    let upper = filter(&format!("userName eq \"{}\"", email.to_uppercase()));
    assert_eq!(scim(&stack, t, Method::GET, &upper, &token, None).await.body["Resources"][0]["id"], json!(id));
    // 10. Groups (optional in Okta's test) answer a list.
    let groups = scim(&stack, t, Method::GET, "Groups", &token, None).await;
    assert_eq!((groups.status, groups.body["totalResults"].clone()), (StatusCode::OK, json!(0)), "{:?}", groups.body);
    // 11. Okta's profile push: PUT of the whole resource.
    let mut put = user.clone();
    put["name"] = json!({ "givenName": "Kimberly", "familyName": "Lee" });
    let replaced = scim(&stack, t, Method::PUT, &format!("Users/{id}"), &token, Some(put)).await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    assert_eq!(replaced.body["name"]["givenName"], "Kimberly");
    // 12. Deactivated and reactivated by a path-less replace.
    let off = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "active": false } }] });
    let deactivated = scim(&stack, t, Method::PATCH, &format!("Users/{id}"), &token, Some(off)).await;
    assert_eq!((deactivated.status, deactivated.body["active"].clone()), (StatusCode::OK, json!(false)), "{:?}", deactivated.body);
    assert_eq!(stack.get(&format!("/tenants/{t}/members/{id}"), &tenant.admin_token).await.body["status"], "suspended");
    let still_readable = scim(&stack, t, Method::GET, &format!("Users/{id}"), &token, None).await;
    assert_eq!((still_readable.status, still_readable.body["active"].clone()), (StatusCode::OK, json!(false)));
    let on = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "active": true } }] });
    let reactivated = scim(&stack, t, Method::PATCH, &format!("Users/{id}"), &token, Some(on)).await;
    assert_eq!(reactivated.body["active"], true);
    let back = stack.get(&format!("/tenants/{t}/members/{id}"), &tenant.admin_token).await;
    assert_eq!(back.body["status"], "invited", "back to what it was: it never registered");

    let deleted = scim(&stack, t, Method::DELETE, &format!("Users/{id}"), &token, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    refused_as_scim(&scim(&stack, t, Method::GET, &format!("Users/{id}"), &token, None).await, StatusCode::NOT_FOUND);
    let audit = stack.get(&format!("/tenants/{t}/audit"), &tenant.admin_token).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["memberId"] == json!(id))
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["member_deleted", "member_reactivated", "member_suspended", "member_invited"]);
    let entry = &audit.body["items"][0];
    assert_eq!(entry["actor"]["kind"], "directory");
    assert!(entry["actor"]["tokenId"].is_string(), "{entry:?}");
}

/// Entra ID's requests: the empty-result filter on a random userName at "Test connection", a
/// create from its default mapping, and its PATCH dialect (`Replace`/`Add`, `"False"`,
/// `emails[type eq "work"].value`, attributes the service does not keep).
#[tokio::test]
async fn entras_dialect_is_accepted_from_test_connection_to_deactivation() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let probe = filter("userName eq \"6c2e1f3a-1d7c-4e1d-a2b5-5d1e0a0e6f10\"");
    let test_connection = scim(&stack, &tenant.tenant_id, Method::GET, &probe, &token, None).await;
    assert_eq!(
        (test_connection.status, test_connection.body["Resources"].clone()),
        (StatusCode::OK, json!([])),
        "{:?}",
        test_connection.body
    );

    let email = unique_email("entra");
    let create = json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "kim", "userName": email, "active": true, "displayName": "Kim",
        "emails": [{ "primary": true, "type": "work", "value": email }],
        "name": { "formatted": "Kim Lee", "familyName": "Lee", "givenName": "Kim" },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Security" },
        "preferredLanguage": "en-US",
    });
    let created = scim(&stack, &tenant.tenant_id, Method::POST, "Users", &token, Some(create)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();

    let update = json!({ "schemas": [PATCH], "Operations": [
        { "op": "Replace", "path": "displayName", "value": "Kim L." },
        { "op": "Add", "path": "name.givenName", "value": "Kimberly" },
        { "op": "Replace", "path": format!("emails[type eq \"work\"].value"), "value": email.to_uppercase() },
        { "op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales" },
    ]});
    let updated = scim(&stack, &tenant.tenant_id, Method::PATCH, &format!("Users/{id}"), &token, Some(update)).await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!((updated.body["displayName"].clone(), updated.body["name"]["givenName"].clone()), (json!("Kim L."), json!("Kimberly")));

    let moved = json!({ "schemas": [PATCH], "Operations": [{ "op": "Replace", "path": "emails[type eq \"work\"].value", "value": unique_email("moved") }] });
    let refused = scim(&stack, &tenant.tenant_id, Method::PATCH, &format!("Users/{id}"), &token, Some(moved)).await;
    refused_as_scim(&refused, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["scimType"], "mutability");

    let off = json!({ "schemas": [PATCH], "Operations": [{ "op": "Replace", "path": "active", "value": "False" }] });
    let deactivated = scim(&stack, &tenant.tenant_id, Method::PATCH, &format!("Users/{id}"), &token, Some(off)).await;
    assert_eq!((deactivated.status, deactivated.body["active"].clone()), (StatusCode::OK, json!(false)), "{:?}", deactivated.body);
    let by_external_id = scim(&stack, &tenant.tenant_id, Method::GET, &filter("externalId eq \"kim\""), &token, None).await;
    assert_eq!(by_external_id.body["totalResults"], 1, "{:?}", by_external_id.body);
}

/// A person in two tenants, switched off by one tenant's directory: refused there at once, their
/// other tenant, sessions and account untouched.
#[tokio::test]
async fn a_user_suspended_by_one_tenants_directory_keeps_their_other_tenant_and_their_sessions() {
    let stack = TestStack::start().await;
    let a = stack.tenant_with_admin(None).await;
    let b = stack.tenant_with_admin(None).await;
    let person = stack.join(&a, "tenant-admin").await;
    let in_b = stack.invite(&b, &person.email, "en", json!({ "service-management-portal": "tenant-admin" })).await;
    assert_eq!(in_b.status, StatusCode::CREATED, "{:?}", in_b.body);
    let joined =
        stack.post("/invitations/join", Some(&person.token), json!({ "token": stack.last_email_to(&person.email).await.token() })).await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.body);
    let (_, refresh) = stack.session(&person.email, PASSWORD).await.expect("a session");

    let token = directory_token(&stack, &a).await;
    let off = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    let suspended = scim(&stack, &a.tenant_id, Method::PATCH, &format!("Users/{}", person.member_id), &token, Some(off)).await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);

    let in_a = stack.get(&format!("/tenants/{}/members", a.tenant_id), &person.token).await;
    assert_eq!(in_a.status, StatusCode::NOT_FOUND, "refused in A at once, as anyone not a member there: {:?}", in_a.body);
    let in_b = stack.get(&format!("/tenants/{}/members", b.tenant_id), &person.token).await;
    assert_eq!(in_b.status, StatusCode::OK, "B is untouched");
    let memberships = stack.get("/me/memberships", &person.token).await;
    let tenants: Vec<&str> = memberships.body["items"].as_array().unwrap().iter().map(|m| m["tenantId"].as_str().unwrap()).collect();
    assert_eq!(tenants, [b.tenant_id.as_str()]);
    assert!(stack.refresh_works(&refresh).await, "their sessions are the person's: untouched");

    let a_member_of_b = stack.join(&b, "member").await;
    let same_email = json!({ "schemas": [USER], "userName": a_member_of_b.email });
    let created = scim(&stack, &a.tenant_id, Method::POST, "Users", &token, Some(same_email)).await;
    assert_eq!(created.status, StatusCode::CREATED, "a membership of A of its own: {:?}", created.body);
    assert!(stack.last_email_to(&a_member_of_b.email).await.body.contains("sign in"), "an account's owner joins by signing in");
    let theirs = stack.get(&format!("/tenants/{}/members/{}", b.tenant_id, a_member_of_b.member_id), &b.admin_token).await;
    assert_eq!(
        (theirs.body["status"].clone(), theirs.body["directory"].clone()),
        (json!("active"), Value::Null),
        "B's membership untouched"
    );
}

/// The seeds' rules hold against the directory: the representative is neither switched off nor
/// removed, and a directory member's roles are not changed by hand.
#[tokio::test]
async fn the_directory_spares_the_representative_and_its_members_roles_are_not_edited_by_hand() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let representative = format!("Users/{}", tenant.admin_member_id);
    let off = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    let deactivate = scim(&stack, &tenant.tenant_id, Method::PATCH, &representative, &token, Some(off)).await;
    refused_as_scim(&deactivate, StatusCode::CONFLICT);
    assert!(deactivate.body["detail"].as_str().unwrap().contains("hand the role"), "{:?}", deactivate.body);
    refused_as_scim(&scim(&stack, &tenant.tenant_id, Method::DELETE, &representative, &token, None).await, StatusCode::CONFLICT);
    let still = stack.get(&format!("/tenants/{}/members/{}", tenant.tenant_id, tenant.admin_member_id), &tenant.admin_token).await;
    assert_eq!(still.body["status"], "active");

    let roles = json!({ "defaultRoles": { "service-management-portal": "member", "device-management": "viewer" } });
    let mapped = stack.put(&format!("/tenants/{}/directory/roles", tenant.tenant_id), &tenant.admin_token, roles).await;
    assert_eq!(mapped.status, StatusCode::OK, "{:?}", mapped.body);
    let created =
        scim(&stack, &tenant.tenant_id, Method::POST, "Users", &token, Some(json!({ "schemas": [USER], "userName": unique_email("dir") })))
            .await;
    let id = created.body["id"].as_str().unwrap();
    let member = format!("/tenants/{}/members/{id}", tenant.tenant_id);
    assert_eq!(
        stack.get(&member, &tenant.admin_token).await.body["roles"]["device-management"],
        "viewer",
        "the connection's default roles"
    );
    let by_hand = stack
        .put(&format!("{member}/roles"), &tenant.admin_token, json!({ "roles": { "service-management-portal": "tenant-admin" } }))
        .await;
    assert_eq!((by_hand.status, by_hand.code()), (StatusCode::CONFLICT, "directory_managed"));
    assert_eq!(stack.get(&member, &tenant.admin_token).await.body["roles"]["service-management-portal"], "member");
}

/// A suite nobody here wrote, run against a fresh tenant's SCIM base with a token of its own.
async fn outside_suite(program: &str, args: &[&str], env: &[(&str, String)]) -> String {
    let suites = crate::helpers::project_root().join(".venv-scim/bin");
    let mut command = tokio::process::Command::new(suites.join(program));
    command.args(args).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).kill_on_drop(true);
    let output = command.output().await.unwrap_or_else(|e| panic!("{program} runs (make test installs it into .venv-scim): {e}"));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn scim2_tester_passes_every_check_of_the_published_schema_and_skips_none() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let base = format!("{}/scim/v2/{}", stack.stack.api_url, tenant.tenant_id);
    let headers = ("SCIM_CLI_HEADERS", format!("Authorization: Bearer {token}"));
    let report = outside_suite("scim2", &["--url", &base, "test"], &[headers]).await;
    let outcomes: Vec<&str> = report.lines().filter(|l| !l.starts_with(' ') && !l.starts_with("Performing")).collect();
    let passed = outcomes.iter().filter(|l| l.starts_with("SUCCESS")).count();
    crate::helpers::figure(format!("scim2-tester: {passed}/{} checks passed", outcomes.len()));
    assert!(passed > 40 && passed == outcomes.len(), "every check passes, none skipped:\n{report}");
}

#[tokio::test]
async fn scim_sanity_probes_the_endpoint_without_a_failure() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let base = format!("{}/scim/v2/{}", stack.stack.api_url, tenant.tenant_id);
    for mode in ["--compat", "--strict"] {
        let args = ["probe", &base, "--token", &token, mode, "--i-accept-side-effects", "--json-output"];
        let report = outside_suite("scim-sanity", &args, &[]).await;
        let summary: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("a JSON report ({e}):\n{report}"));
        let summary = &summary["summary"];
        crate::helpers::figure(format!(
            "scim-sanity probe {mode}: {}/{} passed, {} failed, {} skipped (agents are not published)",
            summary["passed"], summary["total"], summary["failed"], summary["skipped"]
        ));
        assert_eq!((summary["failed"].as_u64(), summary["errors"].as_u64()), (Some(0), Some(0)), "{report}");
        assert!(summary["passed"].as_u64() >= Some(25), "its User and Group lifecycles, search and errors: {report}");
    }
}

/// Roles from groups: per application the most permissive role a user's groups map to, else the
/// connection's defaults; recomputed when a group's members or the mapping change, each change of
/// a member's roles its own audit entry; the representative keeps tenant-admin whatever the groups.
#[tokio::test]
async fn groups_give_roles_and_each_change_of_members_or_mapping_moves_them() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let t = tenant.tenant_id.as_str();
    let create_user = |email: String| {
        let (stack, token) = (&stack, &token);
        async move {
            let created = scim(stack, t, Method::POST, "Users", token, Some(json!({ "schemas": [USER], "userName": email }))).await;
            assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
            created.body["id"].as_str().unwrap().to_string()
        }
    };
    let kim = create_user(unique_email("kim")).await;
    let lee = create_user(unique_email("lee")).await;
    let group = |name: &str, members: &[&str]| json!({ "schemas": [GROUP], "displayName": name, "members": members.iter().map(|m| json!({ "value": m })).collect::<Vec<_>>() });
    let viewers = scim(&stack, t, Method::POST, "Groups", &token, Some(group("Viewers", &[&kim]))).await;
    assert_eq!(viewers.status, StatusCode::CREATED, "{:?}", viewers.body);
    let viewers = viewers.body["id"].as_str().unwrap().to_string();
    let admins =
        scim(&stack, t, Method::POST, "Groups", &token, Some(group("Device admins", &[]))).await.body["id"].as_str().unwrap().to_string();
    let twin = scim(&stack, t, Method::POST, "Groups", &token, Some(group("VIEWERS", &[]))).await;
    refused_as_scim(&twin, StatusCode::CONFLICT);
    assert_eq!(twin.body["scimType"], "uniqueness");

    let mapping = json!({
        "defaultRoles": { "service-management-portal": "member" },
        "groups": [
            { "groupId": viewers, "roles": { "device-management": "viewer", "cloud-video-recorder": "viewer" } },
            { "groupId": admins, "roles": { "device-management": "admin" } },
        ],
    });
    let mapped = stack.put(&format!("/tenants/{t}/directory/roles"), &tenant.admin_token, mapping).await;
    assert_eq!(mapped.status, StatusCode::OK, "{:?}", mapped.body);
    let shown: Vec<(String, u64)> = mapped.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["displayName"].as_str().unwrap().to_string(), g["memberCount"].as_u64().unwrap()))
        .collect();
    assert_eq!(shown, [("Viewers".to_string(), 1), ("Device admins".to_string(), 0)]);
    let (s, admin) = (&stack, tenant.admin_token.as_str());
    let roles = |id: String| async move { s.get(&format!("/tenants/{t}/members/{id}"), admin).await.body["roles"].clone() };
    assert_eq!(
        roles(kim.clone()).await,
        json!({ "service-management-portal": "member", "device-management": "viewer", "cloud-video-recorder": "viewer" }),
        "the mapping reached the group's member"
    );
    assert_eq!(roles(lee.clone()).await, json!({ "service-management-portal": "member" }), "in no group: the defaults");

    // Okta adds Kim to the admins: the most permissive role per application wins.
    let add =
        json!({ "schemas": [PATCH], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": kim, "display": "kim" }] }] });
    assert_eq!(scim(&stack, t, Method::PATCH, &format!("Groups/{admins}"), &token, Some(add)).await.status, StatusCode::OK);
    assert_eq!(
        roles(kim.clone()).await,
        json!({ "service-management-portal": "member", "device-management": "admin", "cloud-video-recorder": "viewer" })
    );
    // Entra removes Kim from the viewers by a value list; Okta from the admins by a filter.
    let entra = json!({ "schemas": [PATCH], "Operations": [{ "op": "Remove", "path": "members", "value": [{ "value": kim }] }] });
    assert_eq!(scim(&stack, t, Method::PATCH, &format!("Groups/{viewers}"), &token, Some(entra)).await.status, StatusCode::OK);
    assert_eq!(roles(kim.clone()).await, json!({ "service-management-portal": "member", "device-management": "admin" }));
    let okta = json!({ "schemas": [PATCH], "Operations": [{ "op": "remove", "path": format!("members[value eq \"{kim}\"]") }] });
    assert_eq!(scim(&stack, t, Method::PATCH, &format!("Groups/{admins}"), &token, Some(okta)).await.status, StatusCode::OK);
    assert_eq!(roles(kim.clone()).await, json!({ "service-management-portal": "member" }), "in no group again: the defaults");

    // The representative in a group keeps tenant-admin.
    let rep =
        json!({ "schemas": [PATCH], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": tenant.admin_member_id }] }] });
    assert_eq!(scim(&stack, t, Method::PATCH, &format!("Groups/{viewers}"), &token, Some(rep)).await.status, StatusCode::OK);
    assert_eq!(roles(tenant.admin_member_id.clone()).await["service-management-portal"], "tenant-admin");
    assert_eq!(roles(tenant.admin_member_id.clone()).await["device-management"], "viewer");

    let found = scim(
        &stack,
        t,
        Method::GET,
        &format!("Groups?filter={}&excludedAttributes=members", urlencode("displayName eq \"viewers\"")),
        &token,
        None,
    )
    .await;
    assert_eq!(found.body["Resources"][0]["id"], json!(viewers), "{:?}", found.body);
    assert!(found.body["Resources"][0].get("members").is_none(), "excludedAttributes=members");

    let deleted = scim(&stack, t, Method::DELETE, &format!("Groups/{viewers}"), &token, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    assert_eq!(
        roles(tenant.admin_member_id.clone()).await,
        json!({ "service-management-portal": "tenant-admin" }),
        "the group gone, its roles with it"
    );

    let audit = stack.get(&format!("/tenants/{t}/audit?limit=100"), &tenant.admin_token).await;
    let kims: Vec<&Value> =
        audit.body["items"].as_array().unwrap().iter().filter(|e| e["memberId"] == json!(kim) && e["action"] == "roles_changed").collect();
    assert_eq!(kims.len(), 4, "the mapping, the admins joined, the viewers left, the admins left: {kims:?}");
    assert_eq!(kims[1]["actor"]["kind"], "directory");
    assert_eq!(kims[3]["actor"]["kind"], "tenant_admin", "the mapping's change is the administrator's");
}

/// A token past its expiry opens nothing, though its record is still there (DynamoDB removes it
/// later, by itself); a busy directory records its token's use once a minute, not per request;
/// and a write naming a version that is no longer the member's (`If-Match`) is a 412 that changes
/// nothing.
#[tokio::test]
async fn an_expired_token_opens_nothing_its_use_is_recorded_once_a_minute_and_a_stale_if_match_changes_nothing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let t = tenant.tenant_id.as_str();
    let hash = tenant_members::tokens::Token::parse(&token).unwrap().hash();
    let record = (format!("DIRTOKEN#{}", hash.as_str()), "DIRTOKEN".to_string());
    let directory = format!("/tenants/{t}/directory");
    let last_used = || async { stack.get(&directory, &tenant.admin_token).await.body["tokens"][0]["lastUsedAt"].clone() };

    assert_eq!(scim(&stack, t, Method::GET, "Users", &token, None).await.status, StatusCode::OK);
    let first = last_used().await;
    assert!(first.is_string(), "the first use is recorded");
    wait(std::time::Duration::from_millis(1100)).await;
    assert_eq!(scim(&stack, t, Method::GET, "Users", &token, None).await.status, StatusCode::OK);
    assert_eq!(last_used().await, first, "a second use within the minute writes nothing");
    let earlier = (time::OffsetDateTime::now_utc() - time::Duration::minutes(2)).format(&Rfc3339).unwrap();
    stack.set_attribute(record.clone(), "lastUsedAt", AttributeValue::S(earlier.clone())).await;
    assert_eq!(scim(&stack, t, Method::GET, "Users", &token, None).await.status, StatusCode::OK);
    let moved = last_used().await;
    assert!(moved.as_str().unwrap() > earlier.as_str() && moved != first, "a use a minute later is recorded: {moved}");

    let email = unique_email("if-match");
    let user =
        json!({ "schemas": [USER], "userName": email, "emails": [{ "value": email, "type": "work", "primary": true }], "active": true });
    let created = scim(&stack, t, Method::POST, "Users", &token, Some(user)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let (id, etag) = (created.body["id"].as_str().unwrap().to_string(), created.headers["etag"].to_str().unwrap().to_string());
    let rename = |given: &str| json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "name.givenName", "value": given }] });
    let renamed = scim_if_match(&stack, t, &format!("Users/{id}"), &token, &etag, rename("Aki")).await;
    assert_eq!(renamed.status, StatusCode::OK, "the version read: {:?}", renamed.body);
    let stale = scim_if_match(&stack, t, &format!("Users/{id}"), &token, &etag, rename("Ren")).await;
    refused_as_scim(&stale, StatusCode::PRECONDITION_FAILED);
    let read = scim(&stack, t, Method::GET, &format!("Users/{id}"), &token, None).await;
    assert_eq!(read.body["name"]["givenName"], "Aki", "the stale write changed nothing: {:?}", read.body);

    let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1)).format(&Rfc3339).unwrap();
    stack.set_attribute(record, "expiresAt", AttributeValue::S(yesterday)).await;
    refused_as_scim(&scim(&stack, t, Method::GET, "Users", &token, None).await, StatusCode::UNAUTHORIZED);
    let patched = scim(&stack, t, Method::PATCH, &format!("Users/{id}"), &token, Some(rename("Sora"))).await;
    refused_as_scim(&patched, StatusCode::UNAUTHORIZED);
    let read = stack.get(&format!("/tenants/{t}/members/{id}"), &tenant.admin_token).await;
    assert_eq!(read.body["status"], "invited", "{:?}", read.body);
}

/// A SCIM PATCH naming the version it read (`If-Match`), as a careful client sends it.
async fn scim_if_match(stack: &TestStack, tenant_id: &str, path: &str, token: &str, etag: &str, body: Value) -> Answer {
    let url = format!("{}/scim/v2/{tenant_id}/{path}", stack.stack.api_url);
    let request = stack.http.patch(url).bearer_auth(token).header("if-match", etag).header("content-type", "application/scim+json");
    Answer::of(request.body(body.to_string())).await
}

/// Junk on a tenant's SCIM path (a guess, a revoked token, another tenant's) is refused for one
/// read and one count (two writes for the minute's first); past the minute's refusals it is a `429` with `Retry-After` that costs the
/// read alone, in that tenant only, while the tenant's own token still works. A tenant without a
/// connection counts nothing.
#[tokio::test]
async fn junk_tokens_are_refused_cheaply_then_limited_per_tenant_while_its_own_token_still_works() {
    const LIMIT: usize = 3;
    let stack = TestStack::start_with(|o| o.directory_refusals_per_minute = LIMIT as u32).await;
    let (tenant, other, unconnected) =
        (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let (token, other_token) = (directory_token(&stack, &tenant).await, directory_token(&stack, &other).await);
    // The window is a clock minute: start early in one, so that the count is not cut in two.
    let second = time::OffsetDateTime::now_utc().second();
    if second > 45 {
        wait(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let junk = || tenant_members::tokens::Token::generate().unwrap().expose().to_string();
    let costs = |tenant_id: &str, bearer: String| {
        let stack = &stack;
        let tenant_id = tenant_id.to_string();
        async move {
            stack.traffic.reset();
            let answer = scim(stack, &tenant_id, Method::GET, "Users", &bearer, None).await;
            (answer, stack.traffic.tally().describe())
        }
    };

    for n in 0..LIMIT {
        let bearer = if n == 0 { other_token.clone() } else { junk() };
        let (answer, calls) = costs(&tenant.tenant_id, bearer).await;
        refused_as_scim(&answer, StatusCode::UNAUTHORIZED);
        // The minute's first count begins the window: a second write, once a minute.
        let counted =
            if n == 0 { "dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:UpdateItem" } else { "dynamodb:GetItem, dynamodb:UpdateItem" };
        assert_eq!(calls, counted, "a refusal: its read and its count");
    }
    let (full, calls) = costs(&tenant.tenant_id, junk()).await;
    refused_as_scim(&full, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = full.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "until the minute ends: {retry_after}");
    assert_eq!(calls, "dynamodb:GetItem, dynamodb:UpdateItem", "the count that found the window full");
    let (again, calls) = costs(&tenant.tenant_id, junk()).await;
    refused_as_scim(&again, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(calls, "dynamodb:GetItem", "then junk costs the read alone");

    let (own, _) = costs(&tenant.tenant_id, token.clone()).await;
    assert_eq!(own.status, StatusCode::OK, "the tenant's own token is never refused for the junk: {:?}", own.body);
    let (elsewhere, _) = costs(&other.tenant_id, junk()).await;
    refused_as_scim(&elsewhere, StatusCode::UNAUTHORIZED);
    for _ in 0..=LIMIT {
        let (answer, _) = costs(&unconnected.tenant_id, junk()).await;
        refused_as_scim(&answer, StatusCode::UNAUTHORIZED);
    }
    let (_, calls) = costs(&unconnected.tenant_id, junk()).await;
    assert_eq!(calls, "dynamodb:GetItem", "a tenant without a connection writes nothing for junk");
}

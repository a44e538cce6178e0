//! AWS round trips per operation, counted on the wire by the recording HTTP client: every
//! operation held to its budget, and to the calls it cannot do without. Sequential round trips
//! are what the caller waits for; reads issued in parallel count once.
use local_stack::traffic::Tally;
use reqwest::Method;
use serde_json::{json, Value};
use tenant_members::registry::Operation;

use crate::helpers::{calls_beyond_policy, figure, unique_email, TestStack, PASSWORD};

/// The budget of one operation (bench/RESULTS.md, the budgets): its sequential AWS round trips,
/// the caller's authorization (1) included, between a lower and an upper bound (a range only where
/// the figure moves: a batch's rows overlapping, a directory token's use recorded once a minute),
/// so that a round trip gained or saved shows and its figure is updated where it is told; and the
/// calls it cannot do without: a service that skipped its commit or its email would be under any
/// upper bound.
struct Budget {
    round_trips: std::ops::RangeInclusive<usize>,
    required: &'static [&'static str],
}

const COMMIT: &str = "dynamodb:TransactWriteItems";
const EMAIL: &str = "ses:SendEmail";
const AUTHORIZATION: [&str; 2] = ["dynamodb:GetItem", "dynamodb:Query"];

/// Every measured case has one; a case without one fails the test.
fn budget(case: &str) -> Budget {
    let (fewest, most, required): (usize, usize, &'static [&'static str]) = match case {
        "list-roles" => (1, 1, &["dynamodb:GetItem"]),
        // The pool's live groups and the parent beside the session check.
        "create-tenant" => (4, 4, &["cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminCreateUser", COMMIT, EMAIL]),
        "get-tenant" => (1, 1, &AUTHORIZATION),
        "list-tenants" => (3, 3, &["dynamodb:Query"]),
        // The pool's live groups beside the session check, then one page of the tenants index.
        "list-tenants (operator)" => (2, 2, &["cognito-idp:AdminListGroupsForUser", "dynamodb:Query"]),
        "invite-member" => (4, 4, &["cognito-idp:AdminCreateUser", COMMIT, EMAIL]),
        "invite-member (person already in Cognito)" => (5, 5, &["cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser", COMMIT, EMAIL]),
        // Three rows at the batch's pace: authorization, the batch counted, then each row's three.
        // On a fast machine a row ends before the next starts (11); on a slow one they overlap.
        "invite-members (3 rows)" => (5, 11, &["cognito-idp:AdminCreateUser", COMMIT, EMAIL]),
        "invite-members (dry run of 3 rows)" => (2, 2, &["dynamodb:BatchGetItem"]),
        "lookup-invitation" => (3, 3, &["dynamodb:GetItem", "cognito-idp:AdminGetUser"]),
        "join-tenant" => (4, 4, &["dynamodb:GetItem", COMMIT]),
        "list-members" => (2, 2, &AUTHORIZATION),
        "get-member" => (1, 1, &AUTHORIZATION),
        "resend-invitation" => (4, 4, &["cognito-idp:AdminGetUser", COMMIT, EMAIL]),
        "accept-invitation" => (6, 6, &["cognito-idp:AdminSetUserPassword", COMMIT]),
        "change-member-roles" => (2, 2, &[COMMIT]),
        // Switched on: the person's sessions end at Cognito before the commit.
        "set-member-mfa" => (7, 7, &["cognito-idp:AdminSetUserMFAPreference", "cognito-idp:AdminUserGlobalSignOut", COMMIT]),
        "send-password-reset" => (4, 4, &["cognito-idp:AdminListGroupsForUser", COMMIT, EMAIL]),
        "complete-password-reset" => (6, 6, &["cognito-idp:AdminSetUserPassword", "cognito-idp:AdminUserGlobalSignOut", COMMIT]),
        "list-representative-candidates" => (2, 2, &AUTHORIZATION),
        "change-representative" => (3, 3, &[COMMIT]),
        "change-representative-email" => (8, 8, &["cognito-idp:AdminCreateUser", COMMIT, EMAIL]),
        "change-representative-email (away from an account of the person's own)" => {
            (7, 7, &["cognito-idp:AdminCreateUser", COMMIT, EMAIL, "cognito-idp:AdminUserGlobalSignOut"])
        }
        "delete-member" => (5, 5, &["cognito-idp:AdminListGroupsForUser", COMMIT]),
        "list-audit" => (2, 2, &AUTHORIZATION),
        // The caller's session (their person record), then what is asked.
        "get-me" => (2, 2, &["dynamodb:GetItem", "cognito-idp:AdminGetUser"]),
        "list-my-memberships" => (2, 2, &["dynamodb:Query", "dynamodb:BatchGetItem"]),
        // The caller's authorization, the connection, then its tokens' records (their last use).
        "get-directory" => (3, 3, &AUTHORIZATION),
        "create-directory-token" => (3, 3, &[COMMIT]),
        "revoke-directory-token" => (3, 3, &[COMMIT]),
        // No member of the directory yet: the mapping's commit, then the members' page beside the
        // tokens' records the answer shows.
        "set-directory-roles" => (4, 4, &[COMMIT]),
        // The token's one read, then the request's own calls, its use recorded (once a minute)
        // beside them.
        "scim (read a user)" => (2, 2, &["dynamodb:GetItem"]),
        // What a client asks before it creates: the email's marker, then the member.
        "scim (look a user up by userName)" => (3, 3, &["dynamodb:GetItem"]),
        "scim (create a user)" => (5, 5, &["cognito-idp:AdminCreateUser", COMMIT, EMAIL]),
        "scim (deactivate a user)" => (3, 3, &[COMMIT]),
        // The token's read, then delete-member's five.
        "scim (delete a user)" => (6, 6, &[COMMIT]),
        other => panic!("{other} has no budget: give it one here and in bench/RESULTS.md"),
    };
    Budget { round_trips: fewest..=most, required }
}

/// The contract's bound on the members one page reads (bench/RESULTS.md, the budgets).
const MEMBERS_READ_PER_PAGE: usize = 300;

/// The caller's authorization reads (the tenant, their memberships) besides a list's own page.
const AUTHORIZATION_ITEMS: usize = 10;

/// Most DynamoDB items a list route may read in one request, whatever the size of the tenant:
/// its page (one over the limit) or its bounded share of a filtered search, plus authorization.
fn items_read_bound(case: &str) -> Option<usize> {
    let page = match case {
        // The token, the email's marker, the member: never the tenant's other members.
        "scim (look a user up by userName)" => return Some(3),
        "list-members" => MEMBERS_READ_PER_PAGE,
        "list-audit" | "list-tenants" | "list-tenants (operator)" => 50 + 1,
        "list-representative-candidates" => 100 + 1,
        _ => return None,
    };
    Some(page + AUTHORIZATION_ITEMS)
}

struct Measured {
    case: String,
    tally: Tally,
}

async fn measure(
    stack: &TestStack,
    rows: &mut Vec<Measured>,
    case: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Value {
    stack.traffic.reset();
    let answer = stack.call(method, path, token, body).await;
    assert!(answer.status.is_success(), "{case}: {} {:?}", answer.status, answer.body);
    rows.push(Measured { case: case.to_string(), tally: stack.traffic.tally() });
    answer.body
}

#[tokio::test]
async fn every_operation_stays_within_its_aws_round_trip_budget() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let other = stack.tenant_with_admin(None).await;
    let token = tenant.admin_token.as_str();
    let operator = stack.operator().await;
    let t = &tenant.tenant_id;
    let member_path = |id: &str| TestStack::member_path(&tenant, id);
    let mut rows = Vec::new();
    let rows = &mut rows;

    measure(&stack, rows, "list-roles", Method::GET, "/roles", Some(token), None).await;
    measure(&stack, rows, "get-me", Method::GET, "/me", Some(token), None).await;
    measure(&stack, rows, "list-my-memberships", Method::GET, "/me/memberships", Some(token), None).await;
    let child_rep = unique_email("child-rep");
    let created = measure(
        &stack,
        rows,
        "create-tenant",
        Method::POST,
        "/tenants",
        Some(&operator),
        Some(json!({ "name": "Budget child", "parentTenantId": t, "adminEmail": child_rep, "adminLanguage": "en" })),
    )
    .await;
    let child = created["tenant"]["tenantId"].as_str().unwrap().to_string();
    measure(&stack, rows, "get-tenant", Method::GET, &format!("/tenants/{t}"), Some(token), None).await;
    measure(&stack, rows, "list-tenants", Method::GET, "/tenants", Some(token), None).await;
    measure(&stack, rows, "list-tenants (operator)", Method::GET, "/tenants", Some(&operator), None).await;

    let invitee = unique_email("budget");
    let roles = json!({ "service-management-portal": "member" });
    let invited = measure(
        &stack,
        rows,
        "invite-member",
        Method::POST,
        &format!("/tenants/{t}/members"),
        Some(token),
        Some(json!({ "email": invitee, "language": "en", "roles": roles })),
    )
    .await;
    let invited_id = invited["memberId"].as_str().unwrap().to_string();
    let known = stack.join(&other, "member").await;
    measure(
        &stack,
        rows,
        "invite-member (person already in Cognito)",
        Method::POST,
        &format!("/tenants/{t}/members"),
        Some(token),
        Some(json!({ "email": known.email, "language": "en", "roles": roles })),
    )
    .await;
    let batch = |dry_run: bool| {
        let rows: Vec<Value> = (0..3).map(|_| json!({ "email": unique_email("budget-batch"), "language": "en", "roles": roles })).collect();
        Some(json!({ "items": rows, "dryRun": dry_run }))
    };
    let batch_path = format!("/tenants/{t}/members/batch");
    measure(&stack, rows, "invite-members (dry run of 3 rows)", Method::POST, &batch_path, Some(token), batch(true)).await;
    measure(&stack, rows, "invite-members (3 rows)", Method::POST, &batch_path, Some(token), batch(false)).await;
    let join_link = stack.last_email_to(&known.email).await.token();
    measure(&stack, rows, "lookup-invitation", Method::POST, "/invitations/lookup", None, Some(json!({ "token": join_link }))).await;
    measure(&stack, rows, "join-tenant", Method::POST, "/invitations/join", Some(&known.token), Some(json!({ "token": join_link }))).await;
    measure(&stack, rows, "list-members", Method::GET, &format!("/tenants/{t}/members"), Some(token), None).await;
    measure(&stack, rows, "get-member", Method::GET, &member_path(&invited_id), Some(token), None).await;
    measure(
        &stack,
        rows,
        "resend-invitation",
        Method::POST,
        &format!("{}/invitation", member_path(&invited_id)),
        Some(token),
        Some(json!({})),
    )
    .await;
    let link = stack.last_email_to(&invitee).await.token();
    measure(
        &stack,
        rows,
        "accept-invitation",
        Method::POST,
        "/invitations/accept",
        None,
        Some(json!({ "token": link, "password": PASSWORD })),
    )
    .await;
    measure(
        &stack,
        rows,
        "change-member-roles",
        Method::PUT,
        &format!("{}/roles", member_path(&invited_id)),
        Some(token),
        Some(json!({ "roles": { "service-management-portal": "tenant-admin" } })),
    )
    .await;
    measure(
        &stack,
        rows,
        "set-member-mfa",
        Method::PUT,
        &format!("{}/mfa", member_path(&invited_id)),
        Some(token),
        Some(json!({ "enabled": true })),
    )
    .await;
    measure(
        &stack,
        rows,
        "send-password-reset",
        Method::POST,
        &format!("{}/password-reset", member_path(&invited_id)),
        Some(token),
        Some(json!({})),
    )
    .await;
    let reset = stack.last_email_to(&invitee).await.token();
    measure(
        &stack,
        rows,
        "complete-password-reset",
        Method::POST,
        "/password-resets/complete",
        None,
        Some(json!({ "token": reset, "password": format!("{PASSWORD}-2") })),
    )
    .await;
    measure(
        &stack,
        rows,
        "list-representative-candidates",
        Method::GET,
        &format!("/tenants/{t}/representative/candidates"),
        Some(token),
        None,
    )
    .await;
    measure(
        &stack,
        rows,
        "change-representative",
        Method::PUT,
        &format!("/tenants/{t}/representative"),
        Some(token),
        Some(json!({ "memberId": invited_id })),
    )
    .await;
    measure(
        &stack,
        rows,
        "change-representative-email",
        Method::PUT,
        &format!("/tenants/{child}/representative/email"),
        Some(token),
        Some(json!({ "email": unique_email("new-child-rep") })),
    )
    .await;
    // A person who signed up on their own (the service did not create their account), invited as
    // a representative: moved away from, their last membership gone, they are signed out.
    let own = unique_email("own-account");
    stack.own_account(&own).await;
    let theirs = stack.create_tenant("Budget child of their own", &own, Some(t)).await;
    measure(
        &stack,
        rows,
        "change-representative-email (away from an account of the person's own)",
        Method::PUT,
        &format!("/tenants/{theirs}/representative/email"),
        Some(token),
        Some(json!({ "email": unique_email("new-own-rep") })),
    )
    .await;
    let plain = stack.join(&tenant, "member").await;
    measure(&stack, rows, "delete-member", Method::DELETE, &member_path(&plain.member_id), Some(token), None).await;
    measure(&stack, rows, "list-audit", Method::GET, &format!("/tenants/{t}/audit"), Some(token), None).await;

    let directory = format!("/tenants/{t}/directory");
    measure(&stack, rows, "get-directory", Method::GET, &directory, Some(token), None).await;
    let scim_token =
        measure(&stack, rows, "create-directory-token", Method::POST, &format!("{directory}/tokens"), Some(token), Some(json!({}))).await;
    let spare = stack.post(&format!("{directory}/tokens"), Some(token), json!({})).await;
    let revoke = format!("{directory}/tokens/{}", spare.body["tokenId"].as_str().unwrap());
    measure(&stack, rows, "revoke-directory-token", Method::DELETE, &revoke, Some(token), None).await;
    let roles = json!({ "defaultRoles": { "service-management-portal": "member" } });
    measure(&stack, rows, "set-directory-roles", Method::PUT, &format!("{directory}/roles"), Some(token), Some(roles)).await;
    let scim_token = scim_token["token"].as_str().unwrap();
    let users = format!("/scim/v2/{t}/Users");
    let user_name = unique_email("scim");
    let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name });
    let created = measure(&stack, rows, "scim (create a user)", Method::POST, &users, Some(scim_token), Some(user)).await;
    let lookup = format!("{users}?filter=userName%20eq%20%22{user_name}%22");
    let found = measure(&stack, rows, "scim (look a user up by userName)", Method::GET, &lookup, Some(scim_token), None).await;
    assert_eq!(found["totalResults"], 1, "{found:?}");
    let user = format!("{users}/{}", created["id"].as_str().unwrap());
    measure(&stack, rows, "scim (read a user)", Method::GET, &user, Some(scim_token), None).await;
    let off = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    measure(&stack, rows, "scim (deactivate a user)", Method::PATCH, &user, Some(scim_token), Some(off)).await;
    measure(&stack, rows, "scim (delete a user)", Method::DELETE, &user, Some(scim_token), None).await;

    for list in ["list-members", "list-audit", "list-tenants", "list-representative-candidates", "scim (look a user up by userName)"] {
        assert!(items_read_bound(list).is_some() && rows.iter().any(|r| r.case == list), "{list} has no bound on items read");
    }
    for operation in Operation::ALL {
        assert!(rows.iter().any(|r| r.case.starts_with(operation.name())), "{} is not measured: add it here", operation.name());
    }
    let mut over = Vec::new();
    for row in rows.iter() {
        let tally = &row.tally;
        let (dynamodb, cognito, ses) =
            ["dynamodb", "cognito-idp", "ses"].map(|s| tally.calls.iter().filter(|c| c.service == s).count()).into();
        let budget = budget(&row.case);
        figure(format!(
            "aws calls: {:<45} {:>2} round trips (budget {:?})  ({} calls: {dynamodb} DynamoDB, {cognito} Cognito, {ses} SES; {} items read; {})",
            row.case,
            tally.round_trips,
            budget.round_trips,
            tally.calls.len(),
            tally.items_read,
            tally.describe_rounds()
        ));
        if !budget.round_trips.contains(&tally.round_trips) {
            over.push(format!("{}: {} round trips, not {:?} ({})", row.case, tally.round_trips, budget.round_trips, tally.describe()));
        }
        for call in budget.required {
            let (service, operation) = call.split_once(':').expect("service:Operation");
            if tally.count(service, operation) == 0 {
                over.push(format!("{}: no {call} ({})", row.case, tally.describe()));
            }
        }
        assert_eq!(tally.count("dynamodb", "Scan"), 0, "{} scans", row.case);
        let beyond = calls_beyond_policy(&row.case, tally);
        if !beyond.is_empty() {
            over.push(format!("{}: called {beyond:?}, which its policy in template.yaml does not allow", row.case));
        }
        if let Some(bound) = items_read_bound(&row.case) {
            assert!(tally.items_read <= bound, "{} read {} items, more than {bound}", row.case, tally.items_read);
        }
    }
    let list = rows.iter().find(|r| r.case == "list-members").unwrap();
    assert_eq!(list.tally.calls.iter().filter(|c| c.service == "cognito-idp").count(), 0, "listing asks Cognito nothing");
    let me = rows.iter().find(|r| r.case == "get-me").unwrap();
    assert_eq!(me.tally.count("dynamodb", "GetItem"), 1, "get-me reads the caller's person once, in the session check");
    assert!(over.is_empty(), "over budget, or short of a call the operation needs:\n{}", over.join("\n"));
    figure(format!(
        "aws calls: {} cases of {} operations, each held to its budget and its required calls",
        rows.len(),
        Operation::ALL.len()
    ));
}

/// Anyone may call the public routes, with any token: one that names no link costs one read
/// (the link's `GetItem`) and nothing else, whichever route it is sent to.
#[tokio::test]
async fn a_public_request_with_a_junk_token_costs_one_read() {
    let stack = TestStack::start().await;
    let mut cheap = 0;
    let routes = ["/invitations/lookup", "/invitations/accept", "/password-resets/complete"];
    for route in routes {
        let junk = tenant_members::tokens::Token::generate().unwrap().expose().to_string();
        stack.traffic.reset();
        let body = match route {
            "/invitations/lookup" => json!({ "token": junk }),
            _ => json!({ "token": junk, "password": format!("{PASSWORD}-junk") }),
        };
        let answer = stack.post(route, None, body).await;
        assert_eq!((answer.status.as_u16(), answer.code()), (400, "token_invalid"), "{route}");
        let tally = stack.traffic.tally();
        assert_eq!(tally.describe(), "dynamodb:GetItem", "{route}: a junk token's AWS calls");
        cheap += 1;
    }
    figure(format!("budgets: public requests with a junk token that cost one read: {cheap}/{}", routes.len()));
}

/// A caller whose token does not claim `operators` is refused a tenant before anything the body
/// names is read, and before the pool is asked: their session's read is all it costs.
#[tokio::test]
async fn a_tenant_asked_for_without_the_operators_claim_costs_the_session_read_alone() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    stack.traffic.reset();
    let body = json!({ "name": "Rogue", "parentTenantId": tenant.tenant_id, "adminEmail": unique_email("rogue"), "adminLanguage": "en" });
    let answer = stack.post("/tenants", Some(&tenant.admin_token), body).await;
    assert_eq!((answer.status.as_u16(), answer.code()), (403, "forbidden"));
    assert_eq!(stack.traffic.tally().describe(), "dynamodb:GetItem", "a refused tenant's AWS calls");
}

/// What `make bench` prices a DynamoDB call at (`local_stack::capacity`) follows DynamoDB's own
/// rounding: reads by 4 KB, half for an eventually consistent one, a miss a step too; writes by
/// 1 KB; a transaction twice; the audit entries a write puts are the events it will cost.
#[test]
fn request_units_follow_dynamodbs_rounding() {
    use local_stack::capacity::{audit_entries, item_size, units};
    let small = json!({ "pk": { "S": "TENANT#1" }, "sk": { "S": "AUDIT#2" } });
    let big = json!({ "pk": { "S": "x".repeat(5000) } });
    assert_eq!(units("GetItem", &json!({}), &json!({ "Item": small })), (0.5, 0.0));
    assert_eq!(units("GetItem", &json!({ "ConsistentRead": true }), &json!({})), (1.0, 0.0), "a miss costs a step too");
    assert_eq!(units("GetItem", &json!({}), &json!({ "Item": big })), (1.0, 0.0));
    assert_eq!(units("PutItem", &json!({ "Item": big }), &json!({})), (0.0, 5.0));
    let transaction = json!({ "TransactItems": [{ "Put": { "Item": small } }, { "Update": {} }, { "ConditionCheck": {} }] });
    assert_eq!(units("TransactWriteItems", &transaction, &json!({})), (0.0, 6.0));
    assert_eq!(audit_entries("TransactWriteItems", &transaction), 1);
    assert_eq!(item_size(&json!({ "n": { "N": "12345" } })), 1 + 4);
}

//! The contract's "Events", end to end on the emulator: every change a route commits reaches the
//! stack's bus as its event, carried from the table's stream by the publisher's code, and the
//! bus's rule delivers it to the queue `eventsQueueUrl` names, which these tests read as a
//! consumer would. The event's id is its audit entry's; a refused request gives none; a change
//! taken back is followed by its reversal; a publisher failure is retried, then parked, and a
//! parked batch is re-driven with the same ids.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use local_stack::traffic::FaultKind;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{figure, project_root, unique_email, Tenant, TestStack, PASSWORD};

const NEW_PASSWORD: &str = "Ev3nts-Reset-Passw0rd!";

/// How long an event may take from its commit to the queue before a test gives up on it.
const PATIENCE: Duration = Duration::from_secs(30);
/// How long the queue is watched after the last expected event, for one too many.
const QUIET: Duration = Duration::from_secs(2);

async fn events_stack() -> TestStack {
    TestStack::start_with(|options| options.events = true).await
}

/// The stack's queue, read as a consumer reads it: every message taken and deleted.
struct Consumer {
    sqs: aws_sdk_sqs::Client,
    url: String,
    received: Vec<Value>,
}

impl Consumer {
    async fn of(stack: &TestStack) -> Self {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let url = stack.stack.events_queue_url.clone().expect("the stack publishes events: eventsQueueUrl");
        Self { sqs: aws_sdk_sqs::Client::new(&sdk), url, received: Vec::new() }
    }

    /// Takes what the queue holds now.
    async fn take(&mut self) {
        let answer = self.sqs.receive_message().queue_url(&self.url).max_number_of_messages(10).wait_time_seconds(1).send().await;
        for message in answer.expect("the queue answers").messages.unwrap_or_default() {
            let envelope: Value = serde_json::from_str(message.body().unwrap_or_default()).expect("EventBridge's envelope");
            self.received.push(envelope);
            self.sqs
                .delete_message()
                .queue_url(&self.url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .unwrap();
        }
    }

    /// The events' details (the envelope checked: source, detail-type) once `count` of them
    /// arrived, and after a quiet spell showed no more.
    async fn exactly(&mut self, count: usize) -> Vec<Value> {
        let started = Instant::now();
        while self.received.len() < count && started.elapsed() < PATIENCE {
            self.take().await;
        }
        let quiet = Instant::now();
        while quiet.elapsed() < QUIET {
            self.take().await;
        }
        let details: Vec<Value> = self
            .received
            .iter()
            .map(|envelope| {
                assert_eq!(envelope["source"], "tenant-members", "{envelope}");
                assert_eq!(envelope["detail-type"], envelope["detail"]["type"], "{envelope}");
                envelope["detail"].clone()
            })
            .collect();
        assert_eq!(details.len(), count, "events received: {}", serde_json::to_string_pretty(&details).unwrap());
        details
    }
}

/// The repository's JSON Schema of each event type (`schemas/events/`), as a consumer gets it.
fn assert_matches_its_schema(event: &Value) {
    let kind = event["type"].as_str().expect("a type");
    let path = project_root().join(format!("schemas/events/{kind}.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("a schema per type")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(event).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{kind} does not match {}: {errors:?}\n{event:#}", path.display());
}

/// Every audit entry of the tenant, oldest first, as its managers read them.
async fn audit_of(stack: &TestStack, tenant_id: &str, token: &str) -> Vec<Value> {
    let answer = stack.get(&format!("/tenants/{tenant_id}/audit?limit=100"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let mut entries = answer.body["items"].as_array().unwrap().clone();
    entries.reverse();
    entries
}

fn type_of_action(action: &str) -> &'static str {
    match action {
        "tenant_created" => "tenant.created",
        "member_invited" => "member.invited",
        "invitation_resent" => "invitation.resent",
        "invitation_accepted" => "invitation.accepted",
        "roles_changed" => "member.roles_changed",
        "mfa_changed" => "member.mfa_changed",
        "member_deleted" => "member.deleted",
        "password_reset_sent" => "password_reset.sent",
        "password_reset_completed" => "password_reset.completed",
        "representative_changed" => "tenant.representative_changed",
        "representative_email_changed" => "tenant.representative_email_changed",
        other => panic!("an audit action the events do not know: {other}"),
    }
}

/// Each event is its audit entry: the same id, the type of its action, the same member and
/// before/after; and it carries no token, link or password.
fn assert_each_event_is_its_entry(events: &[Value], entries: &[Value]) {
    let by_id: BTreeMap<&str, &Value> = events.iter().map(|e| (e["id"].as_str().unwrap(), e)).collect();
    assert_eq!(by_id.len(), events.len(), "an event was delivered twice");
    let entry_ids: Vec<&str> = entries.iter().map(|e| e["auditId"].as_str().unwrap()).collect();
    let event_ids: Vec<&str> = by_id.keys().copied().collect();
    let mut sorted_entries = entry_ids.clone();
    sorted_entries.sort();
    assert_eq!(event_ids, sorted_entries, "one event per audit entry, by the entry's id");
    for entry in entries {
        let event = by_id[entry["auditId"].as_str().unwrap()];
        assert_eq!(event["type"], type_of_action(entry["action"].as_str().unwrap()), "{event:#}");
        assert_eq!(event["memberId"], entry["memberId"], "{event:#}");
        assert_eq!(event["before"], entry["before"], "before, as the audit entry shows it: {event:#}");
        assert_eq!(event["after"], entry["after"], "after, as the audit entry shows it: {event:#}");
        assert_eq!(event.get("formerRepresentativeId"), entry.get("formerRepresentativeId"), "{event:#}");
        assert_matches_its_schema(event);
        let text = event.to_string();
        for secret in ["token", "http", PASSWORD, NEW_PASSWORD, "Hash", "TENANT#", "PERSON#"] {
            assert!(!text.contains(secret), "an event carries {secret}: {text}");
        }
    }
}

/// A tenant with its representative registered, and a consumer that has taken its two events.
async fn tenant_and_consumer(stack: &TestStack) -> (Tenant, Consumer) {
    let tenant = stack.tenant_with_admin(None).await;
    let mut consumer = Consumer::of(stack).await;
    consumer.exactly(2).await;
    consumer.received.clear();
    (tenant, consumer)
}

async fn reset_password(stack: &TestStack, tenant: &Tenant, member_id: &str, email: &str) {
    let path = format!("{}/password-reset", TestStack::member_path(tenant, member_id));
    assert_eq!(stack.post(&path, Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED);
    let token = stack.last_email_to(email).await.token();
    let done = stack.post("/password-resets/complete", None, json!({ "token": token, "password": NEW_PASSWORD })).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
}

#[tokio::test]
async fn every_write_route_gives_exactly_its_events_with_its_audit_entrys_id_and_a_refused_one_none() {
    let stack = events_stack().await;
    let mut consumer = Consumer::of(&stack).await;
    let operator = stack.operator().await;

    // tenant.created, invitation.accepted
    let tenant = stack.tenant_with_admin(None).await;
    // member.invited, invitation.accepted
    let person = stack.join(&tenant, "member").await;
    // member.invited, invitation.resent
    let (pending_id, _) = stack.pending(&tenant, "member", "ja").await;
    let resend = format!("{}/invitation", TestStack::member_path(&tenant, &pending_id));
    assert_eq!(stack.post(&resend, Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED);
    // member.roles_changed
    let roles = json!({ "roles": { "service-management-portal": "tenant-admin", "device-management": "viewer" } });
    let changed = stack.put(&format!("{}/roles", TestStack::member_path(&tenant, &person.member_id)), &tenant.admin_token, roles).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    // password_reset.sent, password_reset.completed
    reset_password(&stack, &tenant, &person.member_id, &person.email).await;
    // member.mfa_changed
    let mfa = stack
        .put(&format!("{}/mfa", TestStack::member_path(&tenant, &person.member_id)), &tenant.admin_token, json!({ "enabled": true }))
        .await;
    assert_eq!(mfa.status, StatusCode::OK, "{:?}", mfa.body);
    // tenant.representative_changed
    let transfer = stack
        .put(&format!("/tenants/{}/representative", tenant.tenant_id), &tenant.admin_token, json!({ "memberId": person.member_id }))
        .await;
    assert_eq!(transfer.status, StatusCode::OK, "{:?}", transfer.body);
    // member.deleted
    assert_eq!(stack.delete(&TestStack::member_path(&tenant, &pending_id), &tenant.admin_token).await.status, StatusCode::NO_CONTENT);
    // member.invited twice: one event per row of a batch
    let rows = json!({ "items": [
        { "email": unique_email("row-one"), "language": "en", "roles": { "service-management-portal": "member" } },
        { "email": unique_email("row-two"), "language": "ja", "roles": { "service-management-portal": "member" } },
    ] });
    let batch = stack.post(&format!("/tenants/{}/members/batch", tenant.tenant_id), Some(&tenant.admin_token), rows).await;
    assert_eq!(batch.status, StatusCode::OK, "{:?}", batch.body);
    // A second tenant: tenant.created, tenant.representative_email_changed
    let other_id = stack.create_tenant("Other", &unique_email("first-rep"), None).await;
    let moved =
        stack.put(&format!("/tenants/{other_id}/representative/email"), &operator, json!({ "email": unique_email("second-rep") })).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);

    // Refused: none of these gives an event.
    let again = stack.invite(&tenant, &person.email, "en", json!({ "service-management-portal": "member" })).await;
    assert_eq!(again.code(), "member_exists");
    let own = format!("{}/roles", TestStack::member_path(&tenant, &tenant.admin_member_id));
    let refused = stack.put(&own, &tenant.admin_token, json!({ "roles": { "service-management-portal": "member" } })).await;
    assert_eq!(refused.code(), "self_change_forbidden");
    let batch_refused = stack
        .post(
            &format!("/tenants/{}/members/batch", tenant.tenant_id),
            Some(&tenant.admin_token),
            json!({ "items": [
            { "email": unique_email("dry"), "language": "en", "roles": { "service-management-portal": "member" } }], "dryRun": true }),
        )
        .await;
    assert_eq!(batch_refused.status, StatusCode::OK, "a dry run changes nothing");

    let events = consumer.exactly(16).await;
    let mut entries = audit_of(&stack, &tenant.tenant_id, &operator).await;
    entries.extend(audit_of(&stack, &other_id, &operator).await);
    assert_eq!(entries.len(), 16, "the audit entries of the changes");
    assert_each_event_is_its_entry(&events, &entries);

    let of_type = |kind: &str| events.iter().filter(|e| e["type"] == kind).collect::<Vec<_>>();
    let created = of_type("tenant.created");
    assert_eq!(created.len(), 2);
    assert!(created.iter().all(|e| e["actor"]["kind"] == "operator" && e["actor"]["sub"].is_string()), "{created:?}");
    assert_eq!(of_type("member.invited").len(), 4, "two invitations and the batch's two rows");
    let accepted = of_type("invitation.accepted");
    assert!(accepted.iter().all(|e| e["actor"]["kind"] == "member" && e["after"]["status"] == "active"), "{accepted:?}");
    let transferred = of_type("tenant.representative_changed");
    assert_eq!(transferred[0]["formerRepresentativeId"], tenant.admin_member_id.as_str());
    assert_eq!(transferred[0]["memberId"], person.member_id.as_str());
    assert_eq!(transferred[0]["actor"]["kind"], "tenant_admin");
    let deleted = of_type("member.deleted");
    assert_eq!(deleted[0]["before"]["status"], "invited", "before.status tells a revoked invitation");
    assert_eq!(deleted[0]["after"], Value::Null);
    let roles_changed = of_type("member.roles_changed");
    assert_eq!(roles_changed[0]["before"]["roles"], json!({ "service-management-portal": "member" }));
    assert_eq!(roles_changed[0]["after"]["roles"]["device-management"], "viewer");
    assert_eq!(of_type("member.mfa_changed")[0]["after"]["mfa"]["enabled"], true);
}

#[tokio::test]
async fn a_change_taken_back_because_its_email_failed_is_followed_by_its_reversal() {
    let stack = events_stack().await;
    let (tenant, mut consumer) = tenant_and_consumer(&stack).await;

    stack.traffic.fail_nth_call_of("ses", "SendEmail", 0, FaultKind::ServerError);
    let failed = stack.invite(&tenant, &unique_email("unlucky"), "en", json!({ "service-management-portal": "member" })).await;
    assert!(stack.traffic.tally().fault_hit, "{}", stack.traffic.tally().describe());
    stack.traffic.reset();
    assert_eq!(failed.code(), "upstream_unavailable");

    let events = consumer.exactly(2).await;
    let invited = events.iter().find(|e| e["type"] == "member.invited").expect("the invitation's event");
    let reversal = events.iter().find(|e| e["type"] == "member.deleted").expect("the event that takes it back");
    assert_eq!(reversal["id"], format!("{}-reversal", invited["id"].as_str().unwrap()));
    assert_eq!(reversal["memberId"], invited["memberId"]);
    assert_eq!(reversal["actor"], json!({ "kind": "system", "sub": null }));
    assert_eq!(reversal["before"], invited["after"]);
    assert_eq!(reversal["after"], Value::Null);
    // As instants: RFC 3339 text drops trailing zeros ("….12Z" after "….121Z" as text).
    let instant = |event: &Value| {
        time::OffsetDateTime::parse(event["time"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert!(instant(reversal) > instant(invited), "the reversal orders after the change by time");
    for event in &events {
        assert_matches_its_schema(event);
    }
    let entries = audit_of(&stack, &tenant.tenant_id, &tenant.admin_token).await;
    assert!(entries.iter().all(|e| e["auditId"] != invited["id"]), "the taken-back change left no audit entry");
}

#[tokio::test]
async fn a_publisher_that_fails_once_delivers_the_event_once_it_recovers_with_the_same_id() {
    let stack = events_stack().await;
    let (tenant, mut consumer) = tenant_and_consumer(&stack).await;

    stack.traffic.fail_nth_call_of("events", "PutEvents", 0, FaultKind::Transient);
    let invited = stack.invite(&tenant, &unique_email("patient"), "en", json!({ "service-management-portal": "member" })).await;
    assert_eq!(invited.status, StatusCode::CREATED, "the change does not wait for its event");
    let events = consumer.exactly(1).await;
    let tally = stack.traffic.tally();
    assert!(tally.fault_hit && tally.count("events", "PutEvents") >= 2, "the bus failed, then took it: {}", tally.describe());
    let entries = audit_of(&stack, &tenant.tenant_id, &tenant.admin_token).await;
    assert_eq!(events[0]["id"], entries.last().unwrap()["auditId"], "the same id as its audit entry");
    assert_eq!(events[0]["memberId"], invited.body["memberId"]);
}

#[tokio::test]
async fn a_batch_the_bus_never_takes_is_parked_as_its_records_and_a_re_drive_a_day_later_delivers_it_with_the_same_ids() {
    let stack = TestStack::start_with(|options| {
        options.events = true;
        options.stream_retries = Some(0);
    })
    .await;
    let (tenant, mut consumer) = tenant_and_consumer(&stack).await;

    // The bus refuses the batch; Lambda parks its place in the stream; the publisher, handed
    // that place, reads the stream, which answers its first page empty, as DynamoDB Streams may
    // anywhere in a shard.
    stack.traffic.fail_nth_call_of("events", "PutEvents", 0, FaultKind::Throttling);
    stack.traffic.and_fail_nth_call_of("dynamodb", "GetRecords", 0, FaultKind::EmptyPage);
    let email = unique_email("parked");
    assert_eq!(stack.invite(&tenant, &email, "en", json!({ "service-management-portal": "member" })).await.status, StatusCode::CREATED);
    consumer.exactly(0).await;

    // The dead-letter queue holds the records themselves, nothing of the table but the change.
    let events = stack.running.events.as_ref().unwrap();
    let sqs = consumer.sqs.clone();
    let started = Instant::now();
    let parked = loop {
        let answer = sqs.receive_message().queue_url(&events.provisioned.dead_letter_queue_url).wait_time_seconds(1).send().await.unwrap();
        if let Some(message) = answer.messages.unwrap_or_default().into_iter().next() {
            break message;
        }
        assert!(started.elapsed() < PATIENCE, "nothing was parked");
    };
    let tally = stack.traffic.tally();
    let paged_on = tally.fault_hit && tally.count("dynamodb", "GetRecords") >= 2;
    assert!(paged_on, "the stream answered no empty page, or it was not read past it: {}", tally.describe());
    let message: Value = serde_json::from_str(parked.body().unwrap()).unwrap();
    let records = message["parkedRecords"].as_array().unwrap_or_else(|| panic!("records parked, not a place: {message:#}"));
    assert_eq!(records.len(), 1, "{message:#}");
    assert!(records[0]["dynamodb"]["Keys"]["sk"]["S"].as_str().unwrap().starts_with("AUDIT#"), "{message:#}");
    assert!(message.to_string().contains(&email), "the change itself is parked");

    // A day later the stream has trimmed the records: the re-drive reads nothing of it, the
    // publisher's code given the message as `aws lambda invoke` would give it.
    stack.traffic.fail_every_call_of("dynamodb", "GetShardIterator", FaultKind::ServerError);
    let answer = events.publisher.answer(&message).await.expect("the re-drive publishes");
    stack.traffic.reset();
    figure(format!(
        "events re-driven after an empty page: {}/1 (parked as their records, re-driven without the stream)",
        answer["redriven"]
    ));
    assert_eq!(answer["redriven"], 1);
    let delivered = consumer.exactly(1).await;
    let entries = audit_of(&stack, &tenant.tenant_id, &tenant.admin_token).await;
    assert_eq!(delivered[0]["id"], entries.last().unwrap()["auditId"]);
    assert_eq!(delivered[0]["after"]["email"], email.as_str());
}

#[tokio::test]
async fn a_person_in_two_tenants_joins_with_an_event_and_their_mfa_gives_one_event_per_tenant_each_its_own_id() {
    let stack = events_stack().await;
    let (first, mut consumer) = tenant_and_consumer(&stack).await;
    let second = stack.tenant_with_admin(None).await;
    let person = stack.join(&first, "member").await;
    let invited = stack.invite(&second, &person.email, "en", json!({ "service-management-portal": "member" })).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    let token = stack.last_email_to(&person.email).await.token();
    assert_eq!(stack.post("/invitations/join", Some(&person.token), json!({ "token": token })).await.status, StatusCode::OK);
    // second: tenant.created, invitation.accepted; person: invited and accepted in each.
    let setup = consumer.exactly(6).await;
    let joined = setup.iter().filter(|e| e["type"] == "invitation.accepted" && e["tenantId"] == second.tenant_id.as_str()).count();
    assert_eq!(joined, 2, "the representative's acceptance and the person's join");
    consumer.received.clear();

    let switched = stack
        .put(&format!("{}/mfa", TestStack::member_path(&first, &person.member_id)), &first.admin_token, json!({ "enabled": true }))
        .await;
    assert_eq!(switched.status, StatusCode::OK, "{:?}", switched.body);
    let events = consumer.exactly(2).await;
    let mut entries = audit_of(&stack, &first.tenant_id, &first.admin_token).await.split_off(4);
    entries.extend(audit_of(&stack, &second.tenant_id, &second.admin_token).await.split_off(4));
    assert_each_event_is_its_entry(&events, &entries);
    let tenants: Vec<&str> = events.iter().map(|e| e["tenantId"].as_str().unwrap()).collect();
    assert!(tenants.contains(&first.tenant_id.as_str()) && tenants.contains(&second.tenant_id.as_str()), "{tenants:?}");
    assert!(events.iter().all(|e| e["type"] == "member.mfa_changed" && e["after"]["mfa"]["enabled"] == true));
    assert_ne!(events[0]["id"], events[1]["id"], "each its own id: a consumer dropping repeats keeps both");
}

/// `.local/stack.json` as the local start writes it names exactly what the contract lists,
/// `eventBusName` and `eventsQueueUrl` among them.
#[tokio::test]
async fn the_stack_file_has_every_field_the_contract_names() {
    let contract = std::fs::read_to_string(project_root().join("../shared/design/http-api.md")).expect("the contract beside the project");
    let section = &contract[contract.find("## The local stack file").expect("the contract's stack file section")..];
    let block = &section[section.find("```").unwrap() + 3..];
    let block = &block[..block.find("```").unwrap()];
    let mut named: Vec<&str> = block.split('"').skip(1).step_by(2).collect();
    named.sort();
    let stack = events_stack().await;
    let path = std::env::temp_dir().join(format!("stack-{}.json", ulid::Ulid::new()));
    local_stack::write_stack_file(&path, &stack.stack).unwrap();
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    let mut keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
    keys.extend(written["operator"].as_object().unwrap().keys().map(String::as_str));
    keys.sort();
    assert_eq!(keys, named, "the written file against the contract's");
    assert!(written["eventsQueueUrl"].as_str().unwrap().starts_with(written["awsEndpointUrl"].as_str().unwrap()));
}

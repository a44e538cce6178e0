//! `bench events`: membership events on the local stack, read as a consumer reads them, from
//! the queue the bus's rule fills: how long from a change's answer to its event in the queue,
//! and what an event costs in AWS round trips (the change writes its outbox, the audit entry, in
//! its own transaction: nothing more; the publisher puts up to ten events a call).
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::BoxError;

/// Tenants created one after another, each waited for in the queue.
const CHANGES: usize = 20;
/// Rows of the invitation batch whose events are counted per call.
const BATCH_ROWS: usize = 50;

pub async fn events(template: &Path) -> Result<(), BoxError> {
    // The publisher's calls, seen from the wire (the routes' share the client; told apart by service).
    let (running, traffic) = crate::recorded_stack(template, "events").await?;
    let stack = &running.stack;
    let http = reqwest::Client::new();
    let token = crate::console::operator_token(&http, stack).await?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let queue = Queue { sqs: aws_sdk_sqs::Client::new(&sdk), url: stack.events_queue_url.clone().ok_or("no events queue")? };

    let mut latencies = Vec::new();
    traffic.reset();
    for n in 0..CHANGES {
        let body = json!({ "name": format!("Bench {n}"), "adminEmail": format!("rep-{n}@bench.example"), "adminLanguage": "en" });
        let created: Value = http.post(format!("{}/tenants", stack.api_url)).bearer_auth(&token).json(&body).send().await?.json().await?;
        let answered = Instant::now();
        let tenant = created["tenant"]["tenantId"].as_str().ok_or("the tenant is created")?.to_string();
        queue.until(|event| event["detail"]["tenantId"] == tenant.as_str(), 1).await?;
        latencies.push(answered.elapsed().as_secs_f64() * 1000.0);
    }
    let tally = traffic.tally();
    let puts = tally.count("events", "PutEvents");
    latencies.sort_by(f64::total_cmp);
    println!(
        "events: from POST /tenants's 201 to its tenant.created in the consumers' queue: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms \
         ({CHANGES} changes one after another; the local stream is read every 250 ms, Lambda's four times a second too)",
        latencies[CHANGES / 2],
        latencies[CHANGES * 95 / 100],
        latencies[CHANGES - 1]
    );
    println!(
        "events: {CHANGES} changes one at a time: {puts} PutEvents calls ({:.2} a change); each change wrote its event's outbox in its \
         own transaction (0 extra calls)",
        puts as f64 / CHANGES as f64
    );

    // A batch of invitations: one event per row, up to ten a PutEvents call.
    let tenant = queue_tenant(&http, stack, &token).await?;
    queue.until(|_| true, 1).await?;
    let rows: Vec<Value> = (0..BATCH_ROWS)
        .map(|n| json!({ "email": format!("row-{n}@bench.example"), "language": "en", "roles": { "service-management-portal": "member" } }))
        .collect();
    traffic.reset();
    let answer = http
        .post(format!("{}/tenants/{tenant}/members/batch", stack.api_url))
        .bearer_auth(&token)
        .json(&json!({ "items": rows }))
        .send()
        .await?;
    let answered = Instant::now();
    if !answer.status().is_success() {
        return Err(format!("the batch answered {}", answer.status()).into());
    }
    queue.until(|event| event["detail-type"] == "member.invited", BATCH_ROWS).await?;
    let all_in = answered.elapsed().as_secs_f64() * 1000.0;
    let puts = traffic.tally().count("events", "PutEvents");
    println!(
        "events: a batch of {BATCH_ROWS} invitations: {BATCH_ROWS} member.invited events in {puts} PutEvents calls ({:.1} events a call), \
         the last in the queue {all_in:.0} ms after the batch's answer",
        BATCH_ROWS as f64 / puts.max(1) as f64
    );
    Ok(())
}

/// A tenant for the batch, its own event taken off the queue.
async fn queue_tenant(http: &reqwest::Client, stack: &local_stack::StackFile, token: &str) -> Result<String, BoxError> {
    let body = json!({ "name": "Bench batch", "adminEmail": "rep-batch@bench.example", "adminLanguage": "en" });
    let created: Value = http.post(format!("{}/tenants", stack.api_url)).bearer_auth(token).json(&body).send().await?.json().await?;
    Ok(created["tenant"]["tenantId"].as_str().ok_or("the tenant is created")?.to_string())
}

struct Queue {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl Queue {
    /// Takes messages off the queue until `count` of them match.
    async fn until(&self, matches: impl Fn(&Value) -> bool, count: usize) -> Result<(), BoxError> {
        let started = Instant::now();
        let mut seen = 0;
        while seen < count {
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!("{seen} of {count} events reached the queue in a minute").into());
            }
            let answer = self.sqs.receive_message().queue_url(&self.url).max_number_of_messages(10).send().await?;
            let messages = answer.messages.unwrap_or_default();
            if messages.is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            for message in messages {
                let event: Value = serde_json::from_str(message.body().unwrap_or_default())?;
                seen += usize::from(matches(&event));
                self.sqs.delete_message().queue_url(&self.url).receipt_handle(message.receipt_handle().unwrap_or_default()).send().await?;
            }
        }
        Ok(())
    }
}

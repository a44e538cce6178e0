//! `bench price`: what 1,000 accepted invitations, and 1,000 members provisioned by a directory,
//! cost on AWS at the public list prices of `bench/prices.json` (dated, each with its source),
//! computed from what this run measures on the local stack: each request's handler time at the
//! template's memory size, DynamoDB's request units (`local_stack::capacity`), the emails, the
//! events (each audit entry one, put by the publisher) and the people who sign in (Cognito bills
//! a month's active users, not its calls).
use std::path::Path;
use std::time::{Duration, Instant};

use local_stack::traffic::{Cost, Traffic};
use local_stack::StackFile;
use serde_json::{json, Value};

use crate::BoxError;

/// People through each path; the figures are per person, scaled to 1,000.
const PEOPLE: usize = 20;
const PASSWORD: &str = "Bench-Price-Pass-1!";
/// The pool's triggers a password sign-in runs: pre-authentication and pre-token-generation.
const TRIGGERS_PER_SIGN_IN: usize = 2;
/// A publisher invocation is not timed here: billed as one PutEvents round trip on AWS.
const PUBLISHER_MS: f64 = 20.0;

/// What one path cost in all, for `PEOPLE` people.
#[derive(Default)]
struct Bill {
    api_requests: usize,
    invocations: usize,
    lambda_ms: f64,
    cost: Cost,
    emails: usize,
    sign_ins: usize,
}

pub async fn price(template: &Path) -> Result<(), BoxError> {
    let prices: Value = serde_json::from_str(&std::fs::read_to_string(crate::root().join("bench/prices.json"))?)?;
    let (memory_mb, architecture) = local_stack::template::Template::load(template)?.function_sizing()?;
    let (running, traffic) = crate::recorded_stack(template, "price").await?;
    let stack = &running.stack;
    let http = reqwest::Client::new();
    let operator = crate::console::operator_token(&http, stack).await?;

    // A tenant and its signed-in administrator, who invites; its directory's token.
    let created = post(
        &http,
        stack,
        "/tenants",
        &operator,
        json!({ "name": "Price Co", "adminEmail": "admin@price.example", "adminLanguage": "en" }),
    )
    .await?;
    let tenant = created.1["tenant"]["tenantId"].as_str().ok_or("the tenant is created")?.to_string();
    accept(&http, stack, "admin@price.example").await?;
    let admin = crate::console::sign_in(&http, stack, "admin@price.example", PASSWORD).await?;
    let scim_token = post(&http, stack, &format!("/tenants/{tenant}/directory/tokens"), &admin, json!({})).await?.1["token"]
        .as_str()
        .ok_or("a directory token")?
        .to_string();
    settle(&traffic).await?;

    let mut invited = Bill::default();
    traffic.reset();
    for n in 0..PEOPLE {
        let email = format!("invited-{n}@price.example");
        let body = json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" } });
        invited.request(post(&http, stack, &format!("/tenants/{tenant}/members"), &admin, body).await?, 201)?;
        invited.accepted(&http, stack, &email).await?;
    }
    invited.close(&traffic).await?;

    let mut provisioned = Bill::default();
    traffic.reset();
    let users = format!("/scim/v2/{tenant}/Users");
    for n in 0..PEOPLE {
        let email = format!("provisioned-{n}@price.example");
        // Okta looks the user up before it creates them.
        let filter = format!("{users}?filter=userName%20eq%20%22{email}%22");
        provisioned.request(call(http.get(format!("{}{filter}", stack.api_url)).bearer_auth(&scim_token)).await?, 200)?;
        let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email, "active": true });
        provisioned.request(post(&http, stack, &users, &scim_token, user).await?, 201)?;
        provisioned.accepted(&http, stack, &email).await?;
    }
    provisioned.close(&traffic).await?;

    let gb_second = prices["lambdaPerGbSecond"][&architecture].as_f64().ok_or("no Lambda price for the template's architecture")?;
    let price = |name: &str| prices[name].as_f64().unwrap_or_else(|| panic!("bench/prices.json has {name}"));
    println!(
        "\nprice: per 1,000 people, at the list prices of {} as of {} (bench/prices.json names each source); {memory_mb} MB {architecture} \
         functions as template.yaml sizes them; {PEOPLE} people measured per path",
        prices["region"].as_str().unwrap_or("?"),
        prices["asOf"].as_str().unwrap_or("?")
    );
    println!("| per 1,000 | API requests | Lambda invocations / GB-s | DynamoDB read / write units | emails | events | sign-ins | API Gateway $ | Lambda $ | DynamoDB $ | SES $ | EventBridge $ | total $ (without Cognito) | Cognito MAUs $ (beyond its free {}) |", price("cognitoEssentialsFreeMaus"));
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (path, bill) in [("invitations accepted", &invited), ("members provisioned by a directory, then accepted", &provisioned)] {
        let per = 1000.0 / PEOPLE as f64;
        let gb_s = bill.lambda_ms / 1000.0 * memory_mb as f64 / 1024.0 * per;
        let api = bill.api_requests as f64 * per * price("httpApiPerMillionRequests") / 1e6;
        let lambda = bill.invocations as f64 * per * price("lambdaPerMillionRequests") / 1e6 + gb_s * gb_second;
        let dynamodb = (bill.cost.read_units * price("dynamodbPerMillionReadUnits")
            + bill.cost.write_units * price("dynamodbPerMillionWriteUnits"))
            * per
            / 1e6;
        let ses = bill.emails as f64 * per * price("sesPerThousandEmails") / 1000.0;
        let events = bill.cost.events_put as f64 * per * price("eventbridgePerMillionEvents") / 1e6;
        let maus = bill.sign_ins as f64 * per * price("cognitoEssentialsPerMau");
        println!(
            "| {path} | {:.0} | {:.0} / {gb_s:.1} | {:.0} / {:.0} | {:.0} | {:.0} | {:.0} | {api:.4} | {lambda:.4} | {dynamodb:.4} | {ses:.4} | {events:.4} | **{:.4}** | {maus:.2} |",
            bill.api_requests as f64 * per,
            bill.invocations as f64 * per,
            bill.cost.read_units * per,
            bill.cost.write_units * per,
            bill.emails as f64 * per,
            bill.cost.events_put as f64 * per,
            bill.sign_ins as f64 * per,
            api + lambda + dynamodb + ses + events,
        );
        if bill.cost.largest_item > 1024 {
            return Err(format!("an item of {} bytes was written: updates are counted for 1 KB", bill.cost.largest_item).into());
        }
    }
    Ok(())
}

impl Bill {
    /// One API request, its function's invocation and time.
    fn request(&mut self, (took, body, status): (Duration, Value, u16), expected: u16) -> Result<(), BoxError> {
        if status != expected {
            return Err(format!("answered {status}, not {expected}: {body}").into());
        }
        self.api_requests += 1;
        self.invocations += 1;
        self.lambda_ms += took.as_secs_f64() * 1000.0;
        Ok(())
    }

    /// The person follows their invitation's link (its page looks it up), sets a password and
    /// signs in: the triggers run, Cognito counts a month's active user.
    async fn accepted(&mut self, http: &reqwest::Client, stack: &StackFile, email: &str) -> Result<(), BoxError> {
        let token = link_token(http, stack, email).await?;
        self.request(post(http, stack, "/invitations/lookup", "", json!({ "token": token })).await?, 200)?;
        self.request(post(http, stack, "/invitations/accept", "", json!({ "token": token, "password": PASSWORD })).await?, 200)?;
        let started = Instant::now();
        crate::console::sign_in(http, stack, email, PASSWORD).await?;
        self.invocations += TRIGGERS_PER_SIGN_IN;
        // The sign-in's time, Cognito's own part included: more than its triggers take.
        self.lambda_ms += started.elapsed().as_secs_f64() * 1000.0;
        self.sign_ins += 1;
        Ok(())
    }

    /// Waits for the publisher to put every change's event, and takes the path's calls.
    async fn close(&mut self, traffic: &Traffic) -> Result<(), BoxError> {
        let tally = settle(traffic).await?;
        let publishes = tally.count("events", "PutEvents");
        self.invocations += publishes;
        self.lambda_ms += publishes as f64 * PUBLISHER_MS;
        self.cost = tally.cost;
        self.emails = tally.count("ses", "SendEmail");
        Ok(())
    }
}

/// The traffic once the publisher has put an event for every audit entry written.
async fn settle(traffic: &Traffic) -> Result<local_stack::traffic::Tally, BoxError> {
    for _ in 0..300 {
        let tally = traffic.tally();
        if tally.cost.events_put >= tally.cost.audit_entries {
            return Ok(tally);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the publisher did not put every change's event within 30 s".into())
}

/// A JSON POST to the API (a bearer token unless empty): its time, body and status.
async fn post(http: &reqwest::Client, stack: &StackFile, path: &str, token: &str, body: Value) -> Result<(Duration, Value, u16), BoxError> {
    let mut request = http.post(format!("{}{path}", stack.api_url)).json(&body);
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    call(request).await
}

/// A request to the API: its time, body and status.
async fn call(request: reqwest::RequestBuilder) -> Result<(Duration, Value, u16), BoxError> {
    let started = Instant::now();
    let answer = request.send().await?;
    let took = started.elapsed();
    let status = answer.status().as_u16();
    Ok((took, answer.json().await.unwrap_or(Value::Null), status))
}

/// The token of the newest link emailed to `address` (the emulator's outbox).
async fn link_token(http: &reqwest::Client, stack: &StackFile, address: &str) -> Result<String, BoxError> {
    let ses = std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap_or_else(|_| stack.aws_endpoint_url.clone());
    let data: Value = http.get(format!("{ses}/moto-api/data.json")).send().await?.json().await?;
    let messages = data["ses"]["Message"].as_array().cloned().unwrap_or_default();
    let body = messages
        .iter()
        .rev()
        .find(|m| m["destinations"]["ToAddresses"].as_array().is_some_and(|to| to.iter().any(|t| t == address)))
        .and_then(|m| m["body"].as_str())
        .ok_or_else(|| format!("no email to {address}"))?;
    let start = body.find("token=").ok_or("the email carries a link")? + "token=".len();
    Ok(body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}

async fn accept(http: &reqwest::Client, stack: &StackFile, email: &str) -> Result<(), BoxError> {
    let token = link_token(http, stack, email).await?;
    let (_, body, status) = post(http, stack, "/invitations/accept", "", json!({ "token": token, "password": PASSWORD })).await?;
    if status != 200 {
        return Err(format!("{email} could not accept: {body}").into());
    }
    Ok(())
}

//! A function answered in process, its AWS calls recorded on the wire: handler time, calls and
//! round trips of one request.
use std::time::Instant;

use local_stack::traffic::Traffic;
use tenant_members::registry::Operation;
use tenant_members::triggers;
use tenant_members::App;

use crate::percentile;

/// A function of the template: a route's, or one of the pool's triggers (Cognito's events).
#[derive(Clone, Copy)]
pub enum Function {
    Route(Operation),
    Trigger(&'static str),
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Function::Route(operation) => operation.name(),
            Function::Trigger(name) => name,
        }
    }

    /// Answers the event in process; the status a route's response has, or a trigger's answer
    /// would have as a problem (200 when Cognito gets its event back).
    pub async fn answer(self, app: &App, event: &str) -> u16 {
        match self {
            Function::Route(operation) => {
                let request = lambda_http::request::from_str(event).expect("events are API Gateway requests");
                operation.respond(app, request).await.status().as_u16()
            }
            Function::Trigger(name) => {
                let event = serde_json::from_str(event).expect("trigger events are JSON");
                match triggers::answer_named(name, app, event).await.expect("a trigger of the template") {
                    Ok(_) => 200,
                    Err(error) => tenant_members::problem::status_of(&error).as_u16(),
                }
            }
        }
    }
}

/// In process: handler time (wall minus AWS in flight), AWS calls and round trips, status.
pub async fn handler(app: &App, traffic: &Traffic, function: Function, event: &str, count: usize) -> (f64, f64, usize, usize, u16) {
    let mut samples = Vec::with_capacity(count);
    let mut first = None;
    for _ in 0..count {
        traffic.reset();
        let started = Instant::now();
        let status = function.answer(app, event).await;
        let wall = started.elapsed();
        let tally = traffic.tally();
        samples.push(wall.saturating_sub(tally.waiting).as_secs_f64() * 1000.0);
        first.get_or_insert((tally.calls.len(), tally.round_trips, status));
    }
    let (calls, round_trips, status) = first.unwrap_or_default();
    (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99), calls, round_trips, status)
}

/// The event with another (plain text) body.
pub fn with_body(event: &str, body: &str) -> String {
    let mut event: serde_json::Value = serde_json::from_str(event).expect("events are JSON");
    event["body"] = body.into();
    event["isBase64Encoded"] = false.into();
    event.to_string()
}

/// The event with another query string.
pub fn with_query(event: &str, query: &[(&str, &str)]) -> String {
    let mut event: serde_json::Value = serde_json::from_str(event).expect("events are JSON");
    event["rawQueryString"] = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into();
    event["queryStringParameters"] =
        query.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect::<serde_json::Map<_, _>>().into();
    event.to_string()
}

//! What the service says to AWS, seen from the wire: an HTTP client for the SDK that records
//! every call (service, operation, timing) and can make one chosen call fail (throttled, a 5xx,
//! a timeout) on every attempt. The fault tests, the AWS-call budgets and the benchmark use it;
//! the service code does not know it is there.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

use crate::capacity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Throttling,
    ServerError,
    /// A 5xx for this call alone: the same request sent again (a retried invocation) succeeds.
    Transient,
    Timeout,
    /// No answer ever: only the SDK's own timeouts end the call.
    Hang,
    /// A stream's `GetRecords` answers no record and the same iterator again: DynamoDB Streams
    /// may answer an empty page anywhere in an open shard, not only at its end.
    EmptyPage,
    /// Answered right, this much later: a dependency slow but under the SDK's timeouts.
    Slow(Duration),
    /// The call reaches the service, which acts on it, and its answer is lost on the way back (a
    /// timeout to the SDK), as a network can lose it: the caller cannot tell it from a failure.
    AppliedAnswerLost,
}

impl FaultKind {
    /// The faults that answer at once (a hang takes the SDK's timeouts, seconds, to end).
    pub const ALL: [FaultKind; 3] = [FaultKind::Throttling, FaultKind::ServerError, FaultKind::Timeout];

    /// Whether the service is down for the call: then the same request sent again (the service's
    /// own re-send, beyond the SDK's retries: the same body) fails too. A lost answer is one
    /// call's: a re-send reaches the service and learns what it did.
    fn down(self) -> bool {
        !matches!(self, FaultKind::AppliedAnswerLost | FaultKind::Slow(_) | FaultKind::EmptyPage | FaultKind::Transient)
    }
}

/// One SDK operation (all its attempts share the SDK's invocation id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The signing name: `dynamodb`, `cognito-idp`, `ses`.
    pub service: String,
    pub operation: String,
    invocation: String,
    /// A hash of the request's body: a request sent again has the same.
    body: u64,
    /// The sequential round trip its first attempt began in (1-based).
    round: usize,
}

impl Call {
    /// Whether `self` is `other` sent again: the same request as a new call.
    fn resends(&self, other: &Call) -> bool {
        self.service == other.service && self.operation == other.operation && self.body == other.body
    }
}

#[derive(Debug, Default)]
struct Record {
    calls: Vec<Call>,
    attempts: usize,
    in_flight: usize,
    /// The longest chain of attempts each begun after the one before it ended: what a caller
    /// waits for in sequence. A call beside others (begun with them, or during them) adds none,
    /// however long it takes.
    round_trips: usize,
    /// The deepest in that chain of the attempts ended so far: an attempt begun now is one deeper.
    ended_depth: usize,
    /// Which record an attempt began in (one begun before a reset ends after it).
    epoch: Epoch,
    /// DynamoDB items that responses carried back (what a read cost).
    items_read: usize,
    cost: Cost,
    /// Time with at least one attempt in flight.
    waiting: Duration,
    busy_since: Option<Instant>,
    /// The faults armed; the first whose target a call is answers it.
    faults: Vec<(Target, FaultKind)>,
    fault_hit: bool,
    /// The answers, when asked to keep them (`capture`).
    captured: Option<Vec<Recorded>>,
}

impl Record {
    /// Counts the items a DynamoDB answer carries and what its call bills.
    fn count(&mut self, operation: &str, request: &serde_json::Value, response: &serde_json::Value) {
        let (read_units, write_units) = capacity::units(operation, request, response);
        let largest = match operation {
            "PutItem" => capacity::item_size(&request["Item"]),
            "TransactWriteItems" => request["TransactItems"]
                .as_array()
                .map_or(0, |i| i.iter().map(|i| capacity::item_size(&i["Put"]["Item"])).max().unwrap_or(0)),
            _ => 0,
        };
        self.items_read += items_in(response);
        self.cost.read_units += read_units;
        self.cost.write_units += write_units;
        self.cost.audit_entries += capacity::audit_entries(operation, request);
        self.cost.largest_item = self.cost.largest_item.max(largest);
    }
}

/// One answer AWS gave, kept to be given again (`replay`).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub service: String,
    pub operation: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The call a fault is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// The `index`th call (0-based, counting operations, not retries).
    Index(usize),
    /// The `nth` call (0-based) of this operation of this service, whichever it is.
    Nth { service: String, operation: String, nth: usize },
    /// Every call of this operation of this service.
    Every { service: String, operation: String },
}

#[derive(Debug, Default, Clone)]
pub struct Traffic {
    record: Arc<Mutex<Record>>,
}

/// What one stretch of traffic amounted to.
#[derive(Debug, Clone)]
pub struct Tally {
    pub calls: Vec<Call>,
    pub attempts: usize,
    pub round_trips: usize,
    pub waiting: Duration,
    pub fault_hit: bool,
    /// DynamoDB items the responses carried back.
    pub items_read: usize,
    pub cost: Cost,
}

/// What the calls bill, beside their number: DynamoDB's request units (`capacity`), the audit
/// entries written (each an event on the bus, later), the events put on the bus.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Cost {
    pub read_units: f64,
    pub write_units: f64,
    pub audit_entries: usize,
    pub events_put: usize,
    /// The largest item a call put, in bytes (writes are counted by the KB).
    pub largest_item: usize,
}

impl Tally {
    pub fn count(&self, service: &str, operation: &str) -> usize {
        self.calls.iter().filter(|c| c.service == service && c.operation == operation).count()
    }

    /// `dynamodb:GetItem, cognito-idp:AdminCreateUser, …` in call order.
    pub fn describe(&self) -> String {
        self.calls.iter().map(|c| format!("{}:{}", c.service, c.operation)).collect::<Vec<_>>().join(", ")
    }

    /// The calls by sequential round trip: `GetItem ∥ Query → AdminCreateUser → …`.
    pub fn describe_rounds(&self) -> String {
        let mut rounds: Vec<Vec<&str>> = Vec::new();
        for call in &self.calls {
            rounds.resize_with(rounds.len().max(call.round), Vec::new);
            if let Some(round) = call.round.checked_sub(1) {
                rounds[round].push(&call.operation);
            }
        }
        rounds.iter().filter(|r| !r.is_empty()).map(|r| r.join(" ∥ ")).collect::<Vec<_>>().join(" → ")
    }
}

impl Traffic {
    pub fn new() -> Self {
        Self::default()
    }

    /// An HTTP client for an `SdkConfig` that records through this `Traffic`: the functions' own
    /// HTTPS client underneath, so that the suites go through what a deployed function uses.
    pub fn http_client(&self) -> SharedHttpClient {
        let inner = tenant_members::sdk::https_client();
        SharedHttpClient::new(RecordingClient { inner, traffic: self.clone() })
    }

    /// Forgets what was recorded and disarms any fault.
    pub fn reset(&self) {
        *self.record.lock().expect("traffic lock") = Record::default();
    }

    /// As `reset`, and keeps every answer from now on (`captured`).
    pub fn capture(&self) {
        *self.record.lock().expect("traffic lock") = Record { captured: Some(Vec::new()), ..Record::default() };
    }

    /// The answers kept since `capture`, in the order they came.
    pub fn captured(&self) -> Vec<Recorded> {
        self.record.lock().expect("traffic lock").captured.clone().unwrap_or_default()
    }

    /// Makes the `index`th call from now (0-based, counting operations, not retries) fail on
    /// every attempt; a kind that is the service down also fails the same operation sent again
    /// right after it (`FaultKind::down`).
    pub fn fail_call(&self, index: usize, kind: FaultKind) {
        let mut record = self.record.lock().expect("traffic lock");
        *record = Record::default();
        record.faults = vec![(Target::Index(index), kind)];
    }

    /// Makes the `nth` call (0-based) of `service`'s `operation` from now fail on every attempt.
    pub fn fail_nth_call_of(&self, service: &str, operation: &str, nth: usize, kind: FaultKind) {
        let mut record = self.record.lock().expect("traffic lock");
        *record = Record::default();
        record.faults = vec![(Target::Nth { service: service.into(), operation: operation.into(), nth }, kind)];
    }

    /// As `fail_nth_call_of`, beside the faults already armed (the count starts now too).
    pub fn and_fail_nth_call_of(&self, service: &str, operation: &str, nth: usize, kind: FaultKind) {
        let mut record = self.record.lock().expect("traffic lock");
        let earlier = record.calls.iter().filter(|c| c.service == service && c.operation == operation).count();
        record.faults.push((Target::Nth { service: service.into(), operation: operation.into(), nth: earlier + nth }, kind));
    }

    /// Makes every call of `service`'s `operation` from now fail (or be slow) on every attempt: a
    /// dependency that stays down however often the service tries again.
    pub fn fail_every_call_of(&self, service: &str, operation: &str, kind: FaultKind) {
        let mut record = self.record.lock().expect("traffic lock");
        *record = Record::default();
        record.faults = vec![(Target::Every { service: service.into(), operation: operation.into() }, kind)];
    }

    /// What was recorded since the last reset.
    pub fn tally(&self) -> Tally {
        let record = self.record.lock().expect("traffic lock");
        Tally {
            calls: record.calls.clone(),
            attempts: record.attempts,
            round_trips: record.round_trips,
            waiting: record.waiting,
            fault_hit: record.fault_hit,
            items_read: record.items_read,
            cost: record.cost,
        }
    }

    /// Notes an attempt's start; returns the fault to answer it with, if it is the chosen call.
    fn start(&self, call: Call) -> (Option<FaultKind>, Attempt) {
        let mut record = self.record.lock().expect("traffic lock");
        record.attempts += 1;
        if record.in_flight == 0 {
            record.busy_since = Some(Instant::now());
        }
        let attempt = Attempt { epoch: record.epoch, depth: record.ended_depth + 1 };
        record.round_trips = record.round_trips.max(attempt.depth);
        let index = match record.calls.iter().position(|c| c.invocation == call.invocation) {
            Some(index) => index,
            None => {
                record.calls.push(Call { round: attempt.depth, ..call });
                record.calls.len() - 1
            }
        };
        record.in_flight += 1;
        let calls = &record.calls;
        let fault = record.faults.iter().find_map(|(target, kind)| match target {
            Target::Index(at) if *at == index => Some(*kind),
            Target::Index(at) if kind.down() && *at < index => calls[index].resends(&calls[*at]).then_some(*kind),
            Target::Index(_) => None,
            Target::Nth { service, operation, nth } => {
                let mut same = calls.iter().enumerate().filter(|(_, c)| c.service == *service && c.operation == *operation);
                match same.nth(*nth) {
                    Some((at, _)) if at == index => Some(*kind),
                    Some((at, first)) if kind.down() && at < index && calls[index].resends(first) => Some(*kind),
                    _ => None,
                }
            }
            Target::Every { service, operation } => {
                let call = &calls[index];
                (call.service == *service && call.operation == *operation).then_some(*kind)
            }
        });
        record.fault_hit |= fault.is_some();
        (fault, attempt)
    }

    /// Reads a response whole when there is something to learn from it (a DynamoDB call's items
    /// and what it bills; any answer while capturing), and hands it on unchanged.
    async fn observe(
        &self,
        service: &str,
        operation: &str,
        request: &serde_json::Value,
        mut response: HttpResponse,
    ) -> Result<HttpResponse, ConnectorError> {
        let capturing = self.record.lock().expect("traffic lock").captured.is_some();
        if service != "dynamodb" && !capturing {
            return Ok(response);
        }
        let body = std::mem::replace(response.body_mut(), SdkBody::empty());
        let bytes =
            aws_smithy_types::byte_stream::ByteStream::new(body).collect().await.map_err(|e| ConnectorError::io(Box::new(e)))?.into_bytes();
        let mut record = self.record.lock().expect("traffic lock");
        if service == "dynamodb" {
            record.count(operation, request, &serde_json::from_slice(&bytes).unwrap_or_default());
        }
        if let Some(kept) = record.captured.as_mut() {
            let headers = response.headers().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let status = response.status().as_u16();
            kept.push(Recorded { service: service.into(), operation: operation.into(), status, headers, body: bytes.to_vec() });
        }
        drop(record);
        *response.body_mut() = SdkBody::from(bytes);
        Ok(response)
    }

    fn finish(&self, attempt: Attempt) {
        let mut record = self.record.lock().expect("traffic lock");
        // A call begun before a reset (the event publisher's, in the background) ends after it.
        if attempt.epoch == record.epoch {
            record.ended_depth = record.ended_depth.max(attempt.depth);
        }
        record.in_flight = record.in_flight.saturating_sub(1);
        if record.in_flight == 0 {
            if let Some(since) = record.busy_since.take() {
                record.waiting += since.elapsed();
            }
        }
    }
}

#[derive(Debug)]
struct RecordingClient {
    inner: SharedHttpClient,
    traffic: Traffic,
}

impl HttpClient for RecordingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            traffic: self.traffic.clone(),
        })
    }
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    traffic: Traffic,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let call = identify(&request);
        let (service, operation) = (call.service.clone(), call.operation.clone());
        let (fault, attempt) = self.traffic.start(call);
        let body: serde_json::Value = match service.as_str() {
            "dynamodb" | "events" => request.body().bytes().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or_default(),
            _ => serde_json::Value::Null,
        };
        if operation == "PutEvents" {
            self.traffic.record.lock().expect("traffic lock").cost.events_put += body["Entries"].as_array().map_or(0, Vec::len);
        }
        // DynamoDB Streams signs as `dynamodb`: its body is read above.
        let same_iterator = (fault == Some(FaultKind::EmptyPage)).then(|| body["ShardIterator"].clone());
        let traffic = self.traffic.clone();
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            // Finished when answered, or when the SDK gives up on the attempt and drops it.
            let _attempt = AttemptDone(traffic.clone(), attempt);
            match fault {
                Some(FaultKind::Hang) => std::future::pending().await,
                Some(FaultKind::EmptyPage) => Ok(empty_page(same_iterator.unwrap_or_default())),
                Some(FaultKind::Slow(delay)) => {
                    tokio::time::sleep(delay).await;
                    inner.call(request).await
                }
                Some(FaultKind::AppliedAnswerLost) => {
                    let _applied = inner.call(request).await;
                    failure(&service, FaultKind::Timeout)
                }
                Some(kind) => failure(&service, kind),
                None => match inner.call(request).await {
                    Ok(response) => traffic.observe(&service, &operation, &body, response).await,
                    other => other,
                },
            }
        })
    }
}

struct AttemptDone(Traffic, Attempt);

impl Drop for AttemptDone {
    fn drop(&mut self) {
        self.0.finish(self.1);
    }
}

/// One attempt's place: the record it began in, and its depth in the chain of round trips.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    epoch: Epoch,
    depth: usize,
}

/// A record's own number: each new record (a reset) takes the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Epoch(u64);

impl Default for Epoch {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Epoch(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// The items a DynamoDB response carries: `Items` (Query, Scan), `Item` (GetItem), `Responses`
/// (BatchGetItem).
fn items_in(response: &serde_json::Value) -> usize {
    let listed = response["Items"].as_array().map_or(0, Vec::len);
    let single = usize::from(response["Item"].is_object());
    let batched: usize =
        response["Responses"].as_object().map_or(0, |tables| tables.values().filter_map(|t| t.as_array()).map(Vec::len).sum());
    listed + single + batched
}

fn identify(request: &HttpRequest) -> Call {
    let headers = request.headers();
    let (service, operation) =
        service_and_operation(headers.get("authorization"), headers.get("x-amz-target"), request.method(), request.uri());
    let invocation = headers.get("amz-sdk-invocation-id").unwrap_or_default().to_string();
    let body = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        request.body().bytes().unwrap_or_default().hash(&mut hasher);
        hasher.finish()
    };
    Call { service, operation, invocation, body, round: 0 }
}

/// The service from the SigV4 credential scope of `authorization`, the operation from
/// `X-Amz-Target` (JSON protocols) or the path (SES v2's REST protocol).
pub fn service_and_operation(authorization: Option<&str>, target: Option<&str>, method: &str, uri: &str) -> (String, String) {
    let service = authorization
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').nth(3))
        .unwrap_or("unknown")
        .to_string();
    let operation = match target {
        Some(target) => target.rsplit('.').next().unwrap_or(target).to_string(),
        None if uri.contains("/v2/email/outbound-emails") => "SendEmail".to_string(),
        None => format!("{method} {uri}"),
    };
    (service, operation)
}

/// A `GetRecords` answer with no record, to be read on from `iterator`.
fn empty_page(iterator: serde_json::Value) -> HttpResponse {
    let body = serde_json::json!({ "Records": [], "NextShardIterator": iterator }).to_string();
    let mut response = Response::new(StatusCode::try_from(200).expect("a valid status"), SdkBody::from(body));
    response.headers_mut().insert("content-type", "application/x-amz-json-1.0");
    response
}

/// The answer AWS gives for each fault, in the service's protocol.
fn failure(service: &str, kind: FaultKind) -> Result<aws_smithy_runtime_api::client::orchestrator::HttpResponse, ConnectorError> {
    let (status, code) = match (kind, service) {
        (FaultKind::Timeout | FaultKind::Hang | FaultKind::EmptyPage | FaultKind::Slow(_) | FaultKind::AppliedAnswerLost, _) => {
            return Err(ConnectorError::timeout("injected: the call timed out".into()))
        }
        (FaultKind::Throttling, "dynamodb") => (400, "ThrottlingException"),
        (FaultKind::Throttling, "ses") => (429, "TooManyRequestsException"),
        (FaultKind::Throttling, _) => (400, "TooManyRequestsException"),
        (FaultKind::ServerError | FaultKind::Transient, "dynamodb") => (500, "InternalServerError"),
        (FaultKind::ServerError | FaultKind::Transient, "ses") => (503, "ServiceUnavailable"),
        (FaultKind::ServerError | FaultKind::Transient, _) => (500, "InternalErrorException"),
    };
    let body = format!(r#"{{"__type":"{code}","message":"injected fault"}}"#);
    let mut response = Response::new(StatusCode::try_from(status).expect("a valid status"), SdkBody::from(body));
    response.headers_mut().insert("x-amzn-errortype", code);
    response.headers_mut().insert("content-type", "application/x-amz-json-1.0");
    Ok(response)
}

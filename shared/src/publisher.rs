//! The event publisher, function `publish-events`: the table's stream, as Lambda's event source
//! mapping hands it over, onto the stack's EventBridge bus. Every audit entry written is a change
//! committed and becomes its event; every one a compensation removed becomes its reversal
//! (`events`). A record it cannot put on the bus is reported back as the batch's first failure
//! (`ReportBatchItemFailures`): Lambda retries from that record on and, once its retries are
//! spent, parks the batch's place in the stream on a queue of ranges. The stream keeps a record
//! 24 hours, so the publisher is handed each parked range at once (an SQS event) and parks the
//! records themselves on the dead-letter queue, which keeps them 14 days: a removed audit entry's
//! record is the only trace of its reversal. Given a parked message (records, or a range that
//! could not be read in time), the function publishes it again (a re-drive), with the same ids:
//! consumers drop repeats by `id`.
use std::sync::Arc;

use async_trait::async_trait;
use aws_lambda_events::event::dynamodb::EventRecord;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::events::AuditChange;

/// The function's name (its binary, `functions/src/bin/<name>.rs`).
pub const NAME: &str = "publish-events";

/// How many events one `PutEvents` takes.
pub const EVENTS_PER_PUT: usize = 10;

/// One event as the bus takes it: its `detail-type`, `time` and `detail` (`source` is the stack's).
#[derive(Debug, Clone, PartialEq)]
pub struct BusEvent {
    pub id: String,
    pub detail_type: &'static str,
    pub time: OffsetDateTime,
    pub detail: String,
}

impl BusEvent {
    pub fn of(change: &AuditChange) -> Result<Self, ApiError> {
        let event = change.event();
        Ok(Self {
            id: event.id.clone(),
            detail_type: event.r#type,
            time: event.time,
            detail: serde_json::to_string(&event).map_err(ApiError::upstream)?,
        })
    }
}

/// The stack's bus.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Puts at most `EVENTS_PER_PUT` events; answers, for each, whether the bus took it. An error:
    /// none was taken, as far as anyone can tell.
    async fn put(&self, events: &[BusEvent]) -> Result<Vec<bool>, ApiError>;
}

/// Where parked records wait for a re-drive (the events' dead-letter queue).
#[async_trait]
pub trait DeadLetterQueue: Send + Sync {
    async fn park(&self, message: &str) -> Result<(), ApiError>;
}

/// The most one parked message carries, in bytes of JSON: under SQS's 256 KiB with room to spare.
pub const PARKED_MESSAGE_BYTES: usize = 200 * 1024;

/// The table's stream, whose records only the store's adapter can read (its items' layout).
#[async_trait]
pub trait ChangeStream: Send + Sync {
    /// The change one record of a Lambda stream batch is (an audit entry written or removed), or
    /// none for any other item; an error for a record it cannot read.
    fn change_of(&self, record: &EventRecord) -> Result<Option<AuditChange>, ApiError>;
    /// The records of `shard` from `first` to `last` (sequence numbers), as Lambda hands them
    /// over: a stretch read again for a re-drive.
    async fn records(&self, stream_arn: &str, shard: &str, first: &str, last: &str) -> Result<Vec<EventRecord>, ApiError>;
}

#[derive(Clone)]
pub struct Publisher {
    bus: Arc<dyn EventBus>,
    stream: Arc<dyn ChangeStream>,
    dead_letters: Arc<dyn DeadLetterQueue>,
}

impl Publisher {
    pub fn new(bus: Arc<dyn EventBus>, stream: Arc<dyn ChangeStream>, dead_letters: Arc<dyn DeadLetterQueue>) -> Self {
        Self { bus, stream, dead_letters }
    }

    /// Answers one invocation: a batch of stream records (the batch's failures, as Lambda reads
    /// them), parked ranges to park as records (the messages that failed, as Lambda reads them
    /// from an SQS event), or a message of the dead-letter queue to re-drive (an error unless all
    /// of it went).
    pub async fn answer(&self, payload: &Value) -> Result<Value, ApiError> {
        let records = payload["Records"].as_array().map(Vec::as_slice).unwrap_or_default();
        if records.first().is_some_and(|record| record["eventSource"] == "aws:sqs") {
            return Ok(self.park_ranges(records).await);
        }
        let parked = if let Some(parked) = payload.get("parkedRecords") {
            stream_records(parked)?
        } else if let Some(range) = payload.get("DDBStreamBatchInfo") {
            self.range(range).await?
        } else {
            return Ok(self.publish(&stream_records(&payload["Records"])?).await.response());
        };
        let outcome = self.publish(&parked).await;
        match outcome.failed_at {
            None => Ok(json!({ "redriven": outcome.published })),
            Some(sequence) => Err(ApiError::upstream(std::io::Error::other(format!(
                "re-drive stopped at record {sequence} after {} events: send the message again",
                outcome.published
            )))),
        }
    }

    /// The records of a range Lambda parked (its `DDBStreamBatchInfo`), read from the stream.
    async fn range(&self, range: &Value) -> Result<Vec<EventRecord>, ApiError> {
        let field = |name: &str| range[name].as_str().ok_or_else(|| ApiError::validation(format!("DDBStreamBatchInfo.{name} is missing")));
        self.stream.records(field("streamArn")?, field("shardId")?, field("startSequenceNumber")?, field("endSequenceNumber")?).await
    }

    /// Parks the records of each range Lambda parked (an SQS message of Lambda's on-failure
    /// shape) on the dead-letter queue, the audit changes only (nothing else of the table leaves
    /// it), in messages of at most `PARKED_MESSAGE_BYTES`. A range that fails is answered as
    /// the batch's failure: SQS hands it over again, then moves it to the dead-letter queue as is.
    async fn park_ranges(&self, messages: &[Value]) -> Value {
        let mut failures = Vec::new();
        for message in messages {
            if let Err(error) = self.park_range(message).await {
                tracing::error!(error = %crate::log::error_chain(&error), "a parked range could not be parked as its records");
                failures.push(json!({ "itemIdentifier": message["messageId"] }));
            }
        }
        json!({ "batchItemFailures": failures })
    }

    async fn park_range(&self, message: &Value) -> Result<(), ApiError> {
        let body: Value = serde_json::from_str(message["body"].as_str().unwrap_or_default()).map_err(ApiError::upstream)?;
        let range = body.get("DDBStreamBatchInfo").ok_or_else(|| ApiError::validation("the message is no parked range"))?;
        // A record that cannot be read is parked too: it is never skipped.
        let changes = self.range(range).await?.into_iter().filter(|record| !matches!(self.stream.change_of(record), Ok(None)));
        let mut parked = 0;
        for chunk in chunks_of_at_most(changes, PARKED_MESSAGE_BYTES) {
            self.dead_letters.park(&json!({ "parkedRecords": chunk }).to_string()).await?;
            parked += chunk.len();
        }
        tracing::warn!(parked, "events parked on the dead-letter queue as their records");
        Ok(())
    }

    /// Publishes the events of `records`, in their order, up to the first that fails.
    pub async fn publish(&self, records: &[EventRecord]) -> Outcome {
        let mut pending: Vec<(String, BusEvent)> = Vec::new();
        let mut unreadable = None;
        for record in records {
            let sequence = record.change.sequence_number.clone().unwrap_or_default();
            match self.stream.change_of(record).and_then(|change| change.as_ref().map(BusEvent::of).transpose()) {
                Ok(Some(event)) => pending.push((sequence, event)),
                Ok(None) => {}
                Err(error) => {
                    // Never skipped: retried, then parked on the dead-letter queue with its place.
                    tracing::error!(sequence, error = %crate::log::error_chain(&error), "a stream record could not be read");
                    unreadable = Some(sequence);
                    break;
                }
            }
        }
        let mut published = 0;
        for chunk in pending.chunks(EVENTS_PER_PUT) {
            let events: Vec<BusEvent> = chunk.iter().map(|(_, event)| event.clone()).collect();
            let refused = match self.bus.put(&events).await {
                Ok(taken) => taken.iter().position(|taken| !taken),
                Err(error) => {
                    tracing::warn!(error = %crate::log::error_chain(&error), "the bus took no event");
                    Some(0)
                }
            };
            if let Some(first) = refused {
                published += first;
                tracing::warn!(published, records = records.len(), "events published up to a failure");
                return Outcome { published, failed_at: Some(chunk[first].0.clone()) };
            }
            published += chunk.len();
        }
        tracing::info!(published, records = records.len(), "events published");
        Outcome { published, failed_at: unreadable }
    }
}

/// Stream records as Lambda hands them over (a batch's `Records`, a parked message's
/// `parkedRecords`): one that does not read as a stream record fails the whole answer, which is
/// retried, never skipped.
fn stream_records(records: &Value) -> Result<Vec<EventRecord>, ApiError> {
    // Read from the payload in place: a batch may be megabytes.
    Vec::<EventRecord>::deserialize(records).map_err(|error| ApiError::validation(format!("not a list of stream records: {error}")))
}

/// `records` in order, in lists of at most `bytes` of JSON each (a record larger alone).
fn chunks_of_at_most(records: impl Iterator<Item = EventRecord>, bytes: usize) -> Vec<Vec<EventRecord>> {
    let mut chunks: Vec<Vec<EventRecord>> = Vec::new();
    let mut size = 0;
    for record in records {
        let length = serde_json::to_string(&record).map_or(0, |json| json.len()) + 1;
        match chunks.last_mut() {
            Some(chunk) if size + length <= bytes => chunk.push(record),
            _ => {
                chunks.push(vec![record]);
                size = 0;
            }
        }
        size += length;
    }
    chunks
}

/// What one batch came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub published: usize,
    /// The first record not published: Lambda retries from it.
    pub failed_at: Option<String>,
}

impl Outcome {
    /// The answer of a function with `ReportBatchItemFailures`.
    pub fn response(&self) -> Value {
        let failures: Vec<Value> = self.failed_at.iter().map(|sequence| json!({ "itemIdentifier": sequence })).collect();
        json!({ "batchItemFailures": failures })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::audit::{Actor, AuditAction, Change};
    use crate::catalog::Roles;
    use crate::email::Email;
    use crate::ids::{TenantId, UserSub};
    use crate::language::Language;
    use crate::model::Member;

    /// A bus that takes what it is given, but refuses the events whose ids it is told to, and
    /// fails whole calls while `down`.
    #[derive(Default)]
    struct FakeBus {
        taken: Mutex<Vec<BusEvent>>,
        calls: Mutex<usize>,
        refuse: Vec<String>,
        down: bool,
    }

    #[async_trait]
    impl EventBus for FakeBus {
        async fn put(&self, events: &[BusEvent]) -> Result<Vec<bool>, ApiError> {
            *self.calls.lock().unwrap() += 1;
            assert!(events.len() <= EVENTS_PER_PUT, "PutEvents takes at most ten");
            if self.down {
                return Err(ApiError::upstream(std::io::Error::other("the bus is down")));
            }
            let verdicts: Vec<bool> = events.iter().map(|e| !self.refuse.contains(&e.id)).collect();
            let mut taken = self.taken.lock().unwrap();
            taken.extend(events.iter().zip(&verdicts).filter(|(_, ok)| **ok).map(|(e, _)| e.clone()));
            Ok(verdicts)
        }
    }

    /// A stream whose records carry their audit entry as is (its JSON, the new image's `entry`),
    /// or nothing for another item: reading the table's own layout is the DynamoDB adapter's,
    /// tested beside it. A range read again is `kept`, or fails when the stream no longer has it
    /// (`None`).
    #[derive(Default)]
    struct FakeStream {
        kept: Option<Vec<EventRecord>>,
    }

    #[async_trait]
    impl ChangeStream for FakeStream {
        fn change_of(&self, record: &EventRecord) -> Result<Option<AuditChange>, ApiError> {
            let entry = match record.change.new_image.get("entry") {
                Some(serde_dynamo::AttributeValue::S(entry)) => Some(serde_json::from_str(entry).map_err(ApiError::upstream)),
                _ => None,
            };
            entry.transpose().map(|entry| entry.map(AuditChange::Committed))
        }

        async fn records(&self, _: &str, _: &str, _: &str, _: &str) -> Result<Vec<EventRecord>, ApiError> {
            self.kept.clone().ok_or_else(|| ApiError::upstream(std::io::Error::other("trimmed: the stream keeps 24 hours")))
        }
    }

    /// A queue that keeps what it is given.
    #[derive(Default)]
    struct FakeQueue {
        messages: Mutex<Vec<Value>>,
    }

    #[async_trait]
    impl DeadLetterQueue for FakeQueue {
        async fn park(&self, message: &str) -> Result<(), ApiError> {
            assert!(message.len() <= PARKED_MESSAGE_BYTES + 32, "a message SQS takes");
            self.messages.lock().unwrap().push(serde_json::from_str(message).unwrap());
            Ok(())
        }
    }

    /// `n` invitations' stream records, in order, each with a non-event record (the member) before
    /// it: read from the JSON Lambda hands over.
    fn records(n: usize) -> (Vec<EventRecord>, Vec<String>) {
        let tenant = TenantId::generate();
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        let admin = Member::new_invited(
            tenant.clone(),
            Email::parse("a@example.com").unwrap(),
            Language::En,
            Roles::tenant_admin(),
            UserSub::new("a"),
            at,
        );
        let mut records = Vec::new();
        let mut ids = Vec::new();
        for i in 0..n {
            let email = Email::parse(&format!("m{i}@example.com")).unwrap();
            let invited = Member::new_invited(tenant.clone(), email, Language::En, Roles::tenant_admin(), UserSub::new("a"), at);
            let entry =
                Change::by(Actor::administrator(&UserSub::new("a"), &admin), at).entry(AuditAction::MemberInvited, None, Some(&invited));
            ids.push(entry.audit_id.as_str().to_string());
            let image = json!({ "entry": { "S": serde_json::to_string(&entry).unwrap() } });
            records.push(record(2 * i, json!({})));
            records.push(record(2 * i + 1, image));
        }
        (records, ids)
    }

    fn record(n: usize, image: Value) -> EventRecord {
        serde_json::from_value(json!({
            "eventID": n.to_string(), "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": { "SequenceNumber": format!("{:022}", 100 + n), "SizeBytes": 100, "NewImage": image },
        }))
        .expect("Lambda's stream record")
    }

    fn sequence(record: &EventRecord) -> Option<&str> {
        record.change.sequence_number.as_deref()
    }

    fn publisher(bus: Arc<FakeBus>) -> Publisher {
        Publisher::new(bus, Arc::new(FakeStream::default()), Arc::new(FakeQueue::default()))
    }

    /// Lambda's on-failure message for a range, as an SQS event's record.
    fn parked_range(message_id: &str) -> Value {
        let body = json!({ "DDBStreamBatchInfo": {
            "shardId": "shard-1", "startSequenceNumber": "100", "endSequenceNumber": "999", "streamArn": "arn:stream",
        } });
        json!({ "messageId": message_id, "eventSource": "aws:sqs", "body": body.to_string() })
    }

    #[tokio::test]
    async fn a_parked_range_is_parked_as_its_audit_records_which_re_drive_after_the_stream_forgot_them() {
        // 2 000 entries: more than one message holds.
        let (records, ids) = records(2000);
        let queue = Arc::new(FakeQueue::default());
        let stream = Arc::new(FakeStream { kept: Some(records) });
        let bus = Arc::new(FakeBus::default());
        let parking = Publisher::new(Arc::clone(&bus) as _, stream, Arc::clone(&queue) as _);
        let answer = parking.answer(&json!({ "Records": [parked_range("m-1")] })).await.unwrap();
        assert_eq!(answer, json!({ "batchItemFailures": [] }));
        assert!(bus.taken.lock().unwrap().is_empty(), "parked, not published");
        let messages = queue.messages.lock().unwrap().clone();
        assert!(messages.len() > 1, "in messages SQS takes");
        let parked: Vec<Value> = messages.iter().flat_map(|m| m["parkedRecords"].as_array().unwrap().clone()).collect();
        assert_eq!(parked.len(), 2000, "the audit entries' records only, not the members'");

        // A day later: the stream has nothing of it, the parked records are all a re-drive needs.
        let redriving = Publisher::new(Arc::clone(&bus) as _, Arc::new(FakeStream { kept: None }), Arc::new(FakeQueue::default()));
        let mut redriven = 0;
        for message in &messages {
            redriven += redriving.answer(message).await.unwrap()["redriven"].as_u64().unwrap();
        }
        assert_eq!(redriven, 2000);
        let taken: Vec<String> = bus.taken.lock().unwrap().iter().map(|e| e.id.clone()).collect();
        assert_eq!(taken, ids, "the same ids, in order");
    }

    #[tokio::test]
    async fn a_range_the_stream_no_longer_has_stays_a_failure_of_its_message_alone() {
        let queue = Arc::new(FakeQueue::default());
        let publisher = Publisher::new(Arc::new(FakeBus::default()), Arc::new(FakeStream { kept: None }), Arc::clone(&queue) as _);
        let answer = publisher.answer(&json!({ "Records": [parked_range("m-1")] })).await.unwrap();
        assert_eq!(answer, json!({ "batchItemFailures": [{ "itemIdentifier": "m-1" }] }), "SQS hands it over again, then parks it as is");
        assert!(queue.messages.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_batch_is_published_in_order_ten_events_a_call_and_nothing_but_audit_entries() {
        let bus = Arc::new(FakeBus::default());
        let (records, ids) = records(23);
        let outcome = publisher(Arc::clone(&bus)).publish(&records).await;
        assert_eq!(outcome, Outcome { published: 23, failed_at: None });
        assert_eq!(outcome.response(), json!({ "batchItemFailures": [] }));
        let taken: Vec<String> = bus.taken.lock().unwrap().iter().map(|e| e.id.clone()).collect();
        assert_eq!(taken, ids, "one event per audit entry, in the stream's order");
        assert_eq!(*bus.calls.lock().unwrap(), 3, "23 events in three calls");
    }

    #[tokio::test]
    async fn the_first_event_the_bus_refuses_is_the_batchs_failure_and_what_came_before_is_published() {
        let (records, ids) = records(12);
        let bus = Arc::new(FakeBus { refuse: vec![ids[4].clone()], ..FakeBus::default() });
        let outcome = publisher(Arc::clone(&bus)).publish(&records).await;
        // Record 2·4+1 carries the fifth entry.
        let fifth = sequence(&records[9]).unwrap().to_string();
        assert_eq!(outcome, Outcome { published: 4, failed_at: Some(fifth.clone()) });
        assert_eq!(outcome.response(), json!({ "batchItemFailures": [{ "itemIdentifier": fifth }] }));

        let down = Arc::new(FakeBus { down: true, ..FakeBus::default() });
        let outcome = publisher(down).publish(&records).await;
        assert_eq!(outcome.failed_at.as_deref(), sequence(&records[1]), "from the first event on");
    }

    #[tokio::test]
    async fn a_batch_that_is_not_stream_records_fails_the_invocation_and_publishes_nothing() {
        let bus = Arc::new(FakeBus::default());
        let (records, _) = records(2);
        let mut batch = serde_json::to_value(&records).unwrap();
        batch[1]["dynamodb"]["SizeBytes"] = json!("large");
        let answered = publisher(Arc::clone(&bus)).answer(&json!({ "Records": batch })).await;
        assert!(answered.is_err(), "Lambda retries the batch, then parks its place: {answered:?}");
        assert!(bus.taken.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_record_that_cannot_be_read_is_a_failure_never_skipped() {
        let (mut records, _) = records(3);
        let serde_dynamo::AttributeValue::S(entry) = &records[3].change.new_image["entry"] else { unreachable!("an entry's JSON") };
        let mut entry: Value = serde_json::from_str(entry).unwrap();
        entry["action"] = json!("no_such_action");
        records[3].change.new_image.insert("entry".into(), serde_dynamo::AttributeValue::S(entry.to_string()));
        let bus = Arc::new(FakeBus::default());
        let outcome = publisher(Arc::clone(&bus)).publish(&records).await;
        assert_eq!(outcome.published, 1, "the entry before it");
        assert_eq!(outcome.failed_at.as_deref(), sequence(&records[3]));
    }
}

//! The table's stream carried to the bus, as Lambda's event source mapping of `template.yaml`
//! carries it in AWS: the emulator keeps the stream but runs nothing on it (its Pipes are only
//! stored), so this polls the stream with the streams API and hands each batch to the
//! publisher's own code (`tenant_members::publisher`), in Lambda's event shape. A batch that
//! reports a failed record is retried from that record, as often as the template's
//! `MaximumRetryAttempts` says, then its place in the stream is parked on the queue of parked
//! ranges in Lambda's message shape; that queue is read as the template's SQS mapping reads it,
//! handing each message to the publisher, which parks the range's records on the dead-letter
//! queue (a message it fails on goes there as it is after the template's `maxReceiveCount`).
//! Only the records the template's filter patterns match are handed over, as Lambda filters them.
//! Provisioned beside it: the bus, and a rule delivering every event to a queue
//! (`eventsQueueUrl`), which stands for the consumers.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use serde_json::{json, Value};
use tenant_members::adapters::{lambda_record, sequence_order, DynamoChangeStream, EventBridgeBus, SqsDeadLetterQueue};
use tenant_members::publisher::{BusEvent, EventBus, Publisher};
use tenant_members::ApiError;

use crate::BoxError;

/// How often the stream is read (Lambda reads a shard four times a second).
const POLL_EVERY: Duration = Duration::from_millis(250);
/// Records a batch takes at most (the template's `BatchSize`).
const BATCH_SIZE: i32 = 100;
/// How many published events the outbox page shows.
const RECENT: usize = 100;

/// The events put on the bus lately, newest last (the outbox page's).
pub type RecentEvents = Arc<Mutex<VecDeque<Value>>>;

/// What the local stack made for the events, by name.
#[derive(Debug, Clone)]
pub struct EventsProvisioned {
    pub bus_name: String,
    pub queue_url: String,
    pub dead_letter_queue_url: String,
    pub parked_ranges_queue_url: String,
    pub stream_arn: String,
}

/// Creates, idempotently, the bus, the consumers' queue with the rule that fills it, the
/// dead-letter queue and the queue of parked ranges that gives up into it after `max_receives`;
/// all named after the stack's table.
pub async fn provision(sdk: &aws_config::SdkConfig, table: &str, max_receives: u32) -> Result<EventsProvisioned, BoxError> {
    let events = aws_sdk_eventbridge::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let bus_name = table.to_string();
    match events.create_event_bus().name(&bus_name).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_already_exists_exception()) => {}
        Err(e) => return Err(e.into()),
    }
    let queue_url = sqs.create_queue().queue_name(format!("{bus_name}-events")).send().await?.queue_url.ok_or("no queue URL")?;
    let dead_letter_queue_url =
        sqs.create_queue().queue_name(format!("{bus_name}-events-dlq")).send().await?.queue_url.ok_or("no queue URL")?;
    let consumers_queue_arn = queue_arn(&sqs, &queue_url).await?;
    let redrive = json!({ "deadLetterTargetArn": queue_arn(&sqs, &dead_letter_queue_url).await?, "maxReceiveCount": max_receives });
    let parked_ranges_queue_url = sqs
        .create_queue()
        .queue_name(format!("{bus_name}-events-parked-ranges"))
        // Handed over again a second after a failure (the template waits the function's time).
        .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, "1")
        .attributes(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await?
        .queue_url
        .ok_or("no queue URL")?;
    let rule = format!("{bus_name}-every-event");
    let pattern = json!({ "source": [tenant_members::events::SOURCE] }).to_string();
    events.put_rule().name(&rule).event_bus_name(&bus_name).event_pattern(pattern).send().await?;
    let target = aws_sdk_eventbridge::types::Target::builder().id("events-queue").arn(consumers_queue_arn).build()?;
    events.put_targets().rule(&rule).event_bus_name(&bus_name).targets(target).send().await?;
    let stream_arn = dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await?
        .table
        .and_then(|t| t.latest_stream_arn)
        .ok_or("the table has no stream: template.yaml's StreamSpecification")?;
    Ok(EventsProvisioned { bus_name, queue_url, dead_letter_queue_url, parked_ranges_queue_url, stream_arn })
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, BoxError> {
    let arn = aws_sdk_sqs::types::QueueAttributeName::QueueArn;
    let attributes = sqs.get_queue_attributes().queue_url(url).attribute_names(arn.clone()).send().await?.attributes;
    Ok(attributes.and_then(|mut a| a.remove(&arn)).ok_or("no queue ARN")?)
}

/// The bus of the publisher, remembering for the outbox page what it took.
struct RecordedBus {
    bus: EventBridgeBus,
    recent: RecentEvents,
}

#[async_trait]
impl EventBus for RecordedBus {
    async fn put(&self, events: &[BusEvent]) -> Result<Vec<bool>, ApiError> {
        let taken = self.bus.put(events).await?;
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        for (event, _) in events.iter().zip(&taken).filter(|(_, taken)| **taken) {
            recent.push_back(serde_json::from_str(&event.detail).unwrap_or(Value::Null));
            if recent.len() > RECENT {
                recent.pop_front();
            }
        }
        Ok(taken)
    }
}

/// The publisher as the function runs it, on `sdk`'s clients (a test's faults reach its bus).
pub fn publisher(sdk: &aws_config::SdkConfig, provisioned: &EventsProvisioned, recent: RecentEvents) -> Publisher {
    let bus = EventBridgeBus::new(aws_sdk_eventbridge::Client::new(sdk), provisioned.bus_name.clone());
    Publisher::new(
        Arc::new(RecordedBus { bus, recent }),
        Arc::new(DynamoChangeStream::new(aws_sdk_dynamodbstreams::Client::new(sdk))),
        Arc::new(SqsDeadLetterQueue::new(aws_sdk_sqs::Client::new(sdk), provisioned.dead_letter_queue_url.clone())),
    )
}

/// Whether a record matches an event filter pattern of Lambda's (EventBridge's syntax, the part
/// the template uses): every field of the pattern matches, a list by any of its values, a
/// `{"prefix": …}` by a string's start.
pub fn matches(pattern: &Value, value: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(name, pattern)| matches(pattern, &value[name])),
        Value::Array(allowed) => allowed.iter().any(|allowed| match allowed["prefix"].as_str() {
            Some(prefix) => value.as_str().is_some_and(|v| v.starts_with(prefix)),
            None => allowed == value,
        }),
        other => other == value,
    }
}

/// How the template's event source mapping reads the stream.
pub struct MappingSettings {
    /// Retries of a failing batch before it is parked.
    pub retries: u32,
    /// The records it hands over: those that match any of these (all, when none).
    pub filters: Vec<Value>,
}

/// Carries the stream to `publisher` from now on, in the background.
pub async fn start(
    sdk: &aws_config::SdkConfig,
    provisioned: &EventsProvisioned,
    publisher: Publisher,
    settings: MappingSettings,
) -> Result<tokio::task::JoinHandle<()>, BoxError> {
    let streams = aws_sdk_dynamodbstreams::Client::new(sdk);
    let stream = streams.describe_stream().stream_arn(&provisioned.stream_arn).send().await?;
    let shard = stream
        .stream_description
        .and_then(|d| d.shards.and_then(|shards| shards.into_iter().next()))
        .and_then(|s| s.shard_id)
        .ok_or("the table's stream has no shard")?;
    // From now on: what an earlier start of the stack wrote was published then.
    let iterator = streams
        .get_shard_iterator()
        .stream_arn(&provisioned.stream_arn)
        .shard_id(&shard)
        .shard_iterator_type(ShardIteratorType::Latest)
        .send()
        .await?
        .shard_iterator
        .ok_or("no shard iterator")?;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    tokio::spawn(read_parked_ranges(sqs.clone(), provisioned.parked_ranges_queue_url.clone(), publisher.clone()));
    let mapping = Mapping {
        streams,
        sqs,
        stream_arn: provisioned.stream_arn.clone(),
        shard,
        parked_ranges_queue_url: provisioned.parked_ranges_queue_url.clone(),
        publisher,
        settings,
    };
    Ok(tokio::spawn(mapping.run(iterator)))
}

/// The queue of parked ranges as the template's SQS mapping reads it: one message at a time in
/// Lambda's SQS event shape, deleted unless the publisher reports it failed (then SQS hands it
/// over again, and past `maxReceiveCount` moves it to the dead-letter queue).
async fn read_parked_ranges(sqs: aws_sdk_sqs::Client, queue_url: String, publisher: Publisher) {
    loop {
        let messages = match sqs.receive_message().queue_url(&queue_url).wait_time_seconds(1).send().await {
            Ok(answer) => answer.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "the queue of parked ranges could not be read");
                tokio::time::sleep(POLL_EVERY * 4).await;
                continue;
            }
        };
        for message in messages {
            let record = json!({
                "messageId": message.message_id(), "receiptHandle": message.receipt_handle(), "body": message.body(),
                "eventSource": "aws:sqs", "awsRegion": "us-east-1",
            });
            let failed = match publisher.answer(&json!({ "Records": [record] })).await {
                Ok(answer) => answer["batchItemFailures"].as_array().is_none_or(|f| !f.is_empty()),
                Err(_) => true,
            };
            if !failed {
                let handle = message.receipt_handle().unwrap_or_default();
                if let Err(e) = sqs.delete_message().queue_url(&queue_url).receipt_handle(handle).send().await {
                    tracing::warn!(error = %e, "a parked range was parked but stays on its queue");
                }
            }
        }
    }
}

struct Mapping {
    streams: aws_sdk_dynamodbstreams::Client,
    sqs: aws_sdk_sqs::Client,
    stream_arn: String,
    shard: String,
    parked_ranges_queue_url: String,
    publisher: Publisher,
    settings: MappingSettings,
}

impl Mapping {
    async fn run(self, mut iterator: String) {
        loop {
            let page = match self.streams.get_records().shard_iterator(&iterator).limit(BATCH_SIZE).send().await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "the table's stream could not be read");
                    tokio::time::sleep(POLL_EVERY * 4).await;
                    continue;
                }
            };
            let filters = &self.settings.filters;
            let records: Vec<Value> = page
                .records()
                .iter()
                // The JSON Lambda hands a function, which its filters read too.
                .map(|r| serde_json::to_value(lambda_record(r, &self.stream_arn)).unwrap_or_default())
                .filter(|record| filters.is_empty() || filters.iter().any(|pattern| matches(pattern, record)))
                .collect();
            if !records.is_empty() {
                self.deliver(records).await;
            }
            match page.next_shard_iterator {
                Some(next) => iterator = next,
                None => return,
            }
            if page.records.as_ref().is_none_or(Vec::is_empty) {
                tokio::time::sleep(POLL_EVERY).await;
            }
        }
    }

    /// One batch, retried from its first failed record, then parked.
    async fn deliver(&self, mut batch: Vec<Value>) {
        let retries = self.settings.retries;
        for attempt in 0..=retries {
            let failed_at = match self.publisher.answer(&json!({ "Records": batch })).await {
                Ok(answer) => answer["batchItemFailures"][0]["itemIdentifier"].as_str().map(str::to_string),
                Err(_) => sequence_of(&batch[0]).map(str::to_string),
            };
            let Some(failed_at) = failed_at else { return };
            batch.retain(|record| sequence_of(record).is_some_and(|s| sequence_order(s, &failed_at).is_ge()));
            if batch.is_empty() {
                return;
            }
            if attempt < retries {
                tokio::time::sleep(POLL_EVERY * (attempt + 1)).await;
            }
        }
        self.park(&batch, retries + 1).await;
    }

    /// Parks the batch's place in the stream on the queue of parked ranges, as Lambda's
    /// on-failure destination does.
    async fn park(&self, batch: &[Value], invocations: u32) {
        let arrival = |record: &Value| {
            let seconds = record["dynamodb"]["ApproximateCreationDateTime"].as_f64().unwrap_or_default() as i64;
            time::OffsetDateTime::from_unix_timestamp(seconds)
                .ok()
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        };
        let (first, last) = (&batch[0], &batch[batch.len() - 1]);
        let message = json!({
            "requestContext": {
                "requestId": ulid::Ulid::new().to_string(), "functionArn": crate::provision::function_arn("us-east-1", tenant_members::publisher::NAME),
                "condition": "RetryAttemptsExhausted", "approximateInvokeCount": invocations,
            },
            "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": null },
            "version": "1.0",
            "timestamp": arrival(last),
            "DDBStreamBatchInfo": {
                "shardId": self.shard, "startSequenceNumber": sequence_of(first), "endSequenceNumber": sequence_of(last),
                "approximateArrivalOfFirstRecord": arrival(first), "approximateArrivalOfLastRecord": arrival(last),
                "batchSize": batch.len(), "streamArn": self.stream_arn,
            },
        });
        tracing::error!(records = batch.len(), "events could not be published: their place in the stream is parked");
        if let Err(e) = self.sqs.send_message().queue_url(&self.parked_ranges_queue_url).message_body(message.to_string()).send().await {
            tracing::error!(error = %e, "the queue of parked ranges took nothing: the batch is lost to the local stack");
        }
    }
}

fn sequence_of(record: &Value) -> Option<&str> {
    record["dynamodb"]["SequenceNumber"].as_str()
}

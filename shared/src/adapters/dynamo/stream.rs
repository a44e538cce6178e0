//! The table's stream as the event publisher reads it (`NEW_AND_OLD_IMAGES`): an audit entry
//! inserted is a change committed, an audit entry removed is a change taken back. Every other
//! item says nothing, so nothing but an audit entry (no key, hash or claim) reaches an event.
use std::cmp::Ordering;
use std::collections::HashMap;

use async_trait::async_trait;
use aws_lambda_events::event::dynamodb::{EventRecord, StreamRecord, StreamViewType, UserIdentity};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use time::OffsetDateTime;

use super::items::AuditItem;
use crate::audit::AuditEntry;
use crate::error::ApiError;
use crate::events::AuditChange;
use crate::publisher::ChangeStream;

/// The audit change of one record of a Lambda DynamoDB-stream event, if it is one.
pub fn audit_change(record: &EventRecord) -> Result<Option<AuditChange>, ApiError> {
    let change = &record.change;
    if !matches!(change.keys.get("sk"), Some(serde_dynamo::AttributeValue::S(sk)) if sk.starts_with("AUDIT#")) {
        return Ok(None);
    }
    match record.event_name.as_str() {
        "INSERT" => Ok(Some(AuditChange::Committed(entry_of(&change.new_image)?))),
        // A removal by the table's TTL is no change taken back (audit entries have no TTL today).
        "REMOVE" if record.user_identity.as_ref().is_none_or(|identity| identity.principal_id != "dynamodb.amazonaws.com") => {
            let seconds = change.approximate_creation_date_time.timestamp();
            if seconds == 0 {
                return Err(malformed("no ApproximateCreationDateTime"));
            }
            let at = OffsetDateTime::from_unix_timestamp(seconds).map_err(ApiError::upstream)?;
            Ok(Some(AuditChange::TakenBack { entry: entry_of(&change.old_image)?, at }))
        }
        _ => Ok(None),
    }
}

fn entry_of(image: &serde_dynamo::Item) -> Result<AuditEntry, ApiError> {
    let stored: AuditItem = serde_dynamo::from_item(image.clone()).map_err(ApiError::upstream)?;
    Ok(stored.entry)
}

/// A record of the streams API as Lambda's event source mapping hands it to a function.
pub fn lambda_record(record: &Record, stream_arn: &str) -> EventRecord {
    let image = |image: Option<&HashMap<String, AttributeValue>>| image.cloned().map(serde_dynamo::Item::from).unwrap_or_default();
    let mut lambda = EventRecord::default();
    if let Some(change) = record.dynamodb() {
        let mut stream = StreamRecord::default();
        if let Some(at) = change.approximate_creation_date_time() {
            stream.approximate_creation_date_time = chrono::DateTime::from_timestamp(at.secs(), at.subsec_nanos()).unwrap_or_default();
        }
        stream.keys = image(change.keys.as_ref());
        stream.new_image = image(change.new_image.as_ref());
        stream.old_image = image(change.old_image.as_ref());
        stream.sequence_number = change.sequence_number().map(str::to_string);
        stream.size_bytes = change.size_bytes().unwrap_or_default();
        stream.stream_view_type = change.stream_view_type().and_then(|t| serde_json::from_value::<StreamViewType>(t.as_str().into()).ok());
        lambda.change = stream;
    }
    lambda.event_id = record.event_id().unwrap_or_default().to_string();
    lambda.event_name = record.event_name().map(|n| n.as_str().to_string()).unwrap_or_default();
    lambda.event_version = record.event_version().map(str::to_string);
    lambda.event_source = record.event_source().map(str::to_string);
    lambda.aws_region = record.aws_region().unwrap_or_default().to_string();
    lambda.event_source_arn = Some(stream_arn.to_string());
    lambda.user_identity = record.user_identity().map(|identity| {
        let mut lambda_identity = UserIdentity::default();
        lambda_identity.type_ = identity.r#type().unwrap_or_default().to_string();
        lambda_identity.principal_id = identity.principal_id().unwrap_or_default().to_string();
        lambda_identity
    });
    lambda
}

/// Stream sequence numbers are decimal numbers too long for any integer type.
pub fn sequence_order(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The table's stream: its records read as audit changes, and the streams API for a re-drive.
pub struct DynamoChangeStream {
    client: aws_sdk_dynamodbstreams::Client,
}

impl DynamoChangeStream {
    pub fn new(client: aws_sdk_dynamodbstreams::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ChangeStream for DynamoChangeStream {
    fn change_of(&self, record: &EventRecord) -> Result<Option<AuditChange>, ApiError> {
        audit_change(record)
    }

    async fn records(&self, stream_arn: &str, shard: &str, first: &str, last: &str) -> Result<Vec<EventRecord>, ApiError> {
        let start = self
            .client
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(shard)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .sequence_number(first)
            .send()
            .await
            .map_err(ApiError::upstream)?;
        // An empty page is not the end of a shard (DynamoDB Streams says so): read on until the
        // range's last record, or the shard's end.
        let mut iterator = start.shard_iterator;
        let mut records = Vec::new();
        let mut empty_pages = 0;
        while let Some(current) = iterator.filter(|_| empty_pages < MAX_EMPTY_PAGES) {
            let page = self.client.get_records().shard_iterator(current).send().await.map_err(ApiError::upstream)?;
            empty_pages = if page.records().is_empty() { empty_pages + 1 } else { 0 };
            for record in page.records() {
                let sequence = record.dynamodb().and_then(|c| c.sequence_number()).unwrap_or_default();
                if sequence_order(sequence, last) == Ordering::Greater {
                    return Ok(records);
                }
                records.push(lambda_record(record, stream_arn));
                if sequence == last {
                    return Ok(records);
                }
            }
            iterator = page.next_shard_iterator;
        }
        let unread = format!("the stream's records {first}..={last} were not reached ({} read): the re-drive stays parked", records.len());
        Err(ApiError::upstream(std::io::Error::new(std::io::ErrorKind::NotFound, unread)))
    }
}

/// Empty pages in a row after which an open shard is taken to hold nothing more of the range:
/// its tip, reached after the range was written.
const MAX_EMPTY_PAGES: usize = 20;

fn malformed(what: &str) -> ApiError {
    ApiError::upstream(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("a stream record with {what}")))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::audit::{Actor, AuditAction, Change};
    use crate::catalog::Roles;
    use crate::email::Email;
    use crate::ids::{TenantId, UserSub};
    use crate::language::Language;
    use crate::model::Member;

    fn entry() -> AuditEntry {
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        let tenant = TenantId::generate();
        let admin = Member::new_invited(
            tenant.clone(),
            Email::parse("a@example.com").unwrap(),
            Language::Ja,
            Roles::tenant_admin(),
            UserSub::new("a"),
            at,
        );
        let invited =
            Member::new_invited(tenant, Email::parse("n@example.com").unwrap(), Language::En, Roles::tenant_admin(), UserSub::new("n"), at);
        Change::by(Actor::administrator(&UserSub::new("a"), &admin), at).entry(AuditAction::MemberInvited, None, Some(&invited))
    }

    /// A record as Lambda hands it over (its JSON), with the item as the store writes it.
    fn record(event_name: &str, item: &super::super::Item, image: &str) -> Value {
        let image_json = serde_json::to_value(serde_dynamo::Item::from(item.clone())).unwrap();
        json!({
            "eventID": "1", "eventName": event_name, "eventSource": "aws:dynamodb", "eventVersion": "1.1",
            "awsRegion": "us-east-1", "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_796_374_801.0,
                "Keys": { "pk": image_json["pk"], "sk": image_json["sk"] },
                image: image_json, "SequenceNumber": "100", "SizeBytes": 512, "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        })
    }

    /// The change of a record's JSON, read as the publisher reads it.
    fn change(record: &Value) -> Result<Option<AuditChange>, ApiError> {
        audit_change(&serde_json::from_value(record.clone()).expect("Lambda's stream record"))
    }

    #[test]
    fn an_inserted_audit_entry_is_its_change_committed_and_a_removed_one_its_change_taken_back() {
        let entry = entry();
        let item = super::super::items::audit_item(&entry);
        assert_eq!(change(&record("INSERT", &item, "NewImage")).unwrap(), Some(AuditChange::Committed(entry.clone())));
        let taken_back = change(&record("REMOVE", &item, "OldImage")).unwrap();
        let at = OffsetDateTime::from_unix_timestamp(1_796_374_801).unwrap();
        assert_eq!(taken_back, Some(AuditChange::TakenBack { entry, at }));
    }

    #[test]
    fn other_items_an_entry_changed_and_a_ttl_removal_say_nothing() {
        let entry = entry();
        let audit = super::super::items::audit_item(&entry);
        assert_eq!(change(&record("MODIFY", &audit, "NewImage")).unwrap(), None);
        let mut by_ttl = record("REMOVE", &audit, "OldImage");
        by_ttl["userIdentity"] = json!({ "type": "Service", "principalId": "dynamodb.amazonaws.com" });
        assert_eq!(change(&by_ttl).unwrap(), None);
        let token = super::super::items::token_key(&crate::tokens::Token::generate().unwrap().hash());
        assert_eq!(change(&record("INSERT", &token, "NewImage")).unwrap(), None, "a token is no event");
    }

    #[test]
    fn an_audit_entry_it_cannot_read_is_an_error_never_nothing() {
        let mut record = record("INSERT", &super::super::items::audit_item(&entry()), "NewImage");
        record["dynamodb"]["NewImage"]["action"] = json!({ "S": "no_such_action" });
        assert!(change(&record).is_err(), "the publisher parks it rather than skip it");
    }
}

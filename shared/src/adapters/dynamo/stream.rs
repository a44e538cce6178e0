//! The table's stream as the event publisher reads it (`NEW_AND_OLD_IMAGES`): an audit entry
//! inserted is a change committed, an audit entry removed is a change taken back. Every other
//! item says nothing, so nothing but an audit entry (no key, hash or claim) reaches an event.
use std::cmp::Ordering;
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::items::AuditItem;
use crate::audit::AuditEntry;
use crate::error::ApiError;
use crate::events::AuditChange;
use crate::publisher::ChangeStream;

/// The audit change of one record of a Lambda DynamoDB-stream event, if it is one.
pub fn audit_change(record: &Value) -> Result<Option<AuditChange>, ApiError> {
    let stream = &record["dynamodb"];
    if !stream["Keys"]["sk"]["S"].as_str().is_some_and(|sk| sk.starts_with("AUDIT#")) {
        return Ok(None);
    }
    match record["eventName"].as_str() {
        Some("INSERT") => Ok(Some(AuditChange::Committed(entry_of(&stream["NewImage"])?))),
        // A removal by the table's TTL is no change taken back (audit entries have no TTL today).
        Some("REMOVE") if record["userIdentity"]["principalId"] != "dynamodb.amazonaws.com" => {
            let seconds = stream["ApproximateCreationDateTime"].as_f64().ok_or_else(|| malformed("no ApproximateCreationDateTime"))?;
            let at = OffsetDateTime::from_unix_timestamp(seconds as i64).map_err(ApiError::upstream)?;
            Ok(Some(AuditChange::TakenBack { entry: entry_of(&stream["OldImage"])?, at }))
        }
        _ => Ok(None),
    }
}

fn entry_of(image: &Value) -> Result<AuditEntry, ApiError> {
    let item: serde_dynamo::Item = serde_json::from_value(image.clone()).map_err(ApiError::upstream)?;
    let stored: AuditItem = serde_dynamo::from_item(item).map_err(ApiError::upstream)?;
    Ok(stored.entry)
}

/// A record of the streams API as Lambda's event source mapping hands it to a function.
pub fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let image = |image: Option<&HashMap<String, AttributeValue>>| {
        image.map(|image| serde_json::to_value(serde_dynamo::Item::from(image.clone())).unwrap_or_default())
    };
    let change = record.dynamodb();
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time()).map(|at| at.as_secs_f64()),
        "Keys": image(change.and_then(|c| c.keys.as_ref())),
        "SequenceNumber": change.and_then(|c| c.sequence_number()),
        "SizeBytes": change.and_then(|c| c.size_bytes()),
        "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|t| t.as_str()),
    });
    for (name, value) in
        [("NewImage", image(change.and_then(|c| c.new_image.as_ref()))), ("OldImage", image(change.and_then(|c| c.old_image.as_ref())))]
    {
        if let Some(value) = value {
            dynamodb[name] = value;
        }
    }
    let mut lambda = json!({
        "eventID": record.event_id(), "eventName": record.event_name().map(|n| n.as_str()), "eventVersion": record.event_version(),
        "eventSource": record.event_source(), "awsRegion": record.aws_region(), "eventSourceARN": stream_arn, "dynamodb": dynamodb,
    });
    if let Some(identity) = record.user_identity() {
        lambda["userIdentity"] = json!({ "type": identity.r#type(), "principalId": identity.principal_id() });
    }
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
    fn change_of(&self, record: &Value) -> Result<Option<AuditChange>, ApiError> {
        audit_change(record)
    }

    async fn records(&self, stream_arn: &str, shard: &str, first: &str, last: &str) -> Result<Vec<Value>, ApiError> {
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
    use serde_json::json;

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

    /// A record as Lambda hands it over, with the item as the store writes it.
    fn record(event_name: &str, item: &super::super::Item, image: &str) -> Value {
        let image_json = serde_json::to_value(serde_dynamo::Item::from(item.clone())).unwrap();
        json!({
            "eventName": event_name, "eventSource": "aws:dynamodb",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_796_374_801.0,
                "Keys": { "pk": image_json["pk"], "sk": image_json["sk"] },
                image: image_json, "SequenceNumber": "100", "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        })
    }

    #[test]
    fn an_inserted_audit_entry_is_its_change_committed_and_a_removed_one_its_change_taken_back() {
        let entry = entry();
        let item = super::super::items::audit_item(&entry);
        assert_eq!(audit_change(&record("INSERT", &item, "NewImage")).unwrap(), Some(AuditChange::Committed(entry.clone())));
        let taken_back = audit_change(&record("REMOVE", &item, "OldImage")).unwrap();
        let at = OffsetDateTime::from_unix_timestamp(1_796_374_801).unwrap();
        assert_eq!(taken_back, Some(AuditChange::TakenBack { entry, at }));
    }

    #[test]
    fn other_items_an_entry_changed_and_a_ttl_removal_say_nothing() {
        let entry = entry();
        let audit = super::super::items::audit_item(&entry);
        assert_eq!(audit_change(&record("MODIFY", &audit, "NewImage")).unwrap(), None);
        let mut by_ttl = record("REMOVE", &audit, "OldImage");
        by_ttl["userIdentity"] = json!({ "type": "Service", "principalId": "dynamodb.amazonaws.com" });
        assert_eq!(audit_change(&by_ttl).unwrap(), None);
        let token = super::super::items::token_key(&crate::tokens::Token::generate().unwrap().hash());
        assert_eq!(audit_change(&record("INSERT", &token, "NewImage")).unwrap(), None, "a token is no event");
    }

    #[test]
    fn an_audit_entry_it_cannot_read_is_an_error_never_nothing() {
        let mut record = record("INSERT", &super::super::items::audit_item(&entry()), "NewImage");
        record["dynamodb"]["NewImage"]["action"] = json!({ "S": "no_such_action" });
        assert!(audit_change(&record).is_err(), "the publisher parks it rather than skip it");
    }
}

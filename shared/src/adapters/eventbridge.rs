//! The stack's EventBridge bus.
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

use crate::error::ApiError;
use crate::events::SOURCE;
use crate::publisher::{BusEvent, EventBus};

pub struct EventBridgeBus {
    client: Client,
    bus_name: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus_name: String) -> Self {
        Self { client, bus_name }
    }
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn put(&self, events: &[BusEvent]) -> Result<Vec<bool>, ApiError> {
        let entries = events.iter().map(|event| {
            PutEventsRequestEntry::builder()
                .event_bus_name(&self.bus_name)
                .source(SOURCE)
                .detail_type(event.detail_type)
                .time(aws_smithy_types::DateTime::from_secs(event.time.unix_timestamp()))
                .detail(&event.detail)
                .build()
        });
        let answer = self.client.put_events().set_entries(Some(entries.collect())).send().await.map_err(ApiError::upstream)?;
        // One result per entry, in order; a refused one has an error code and no id.
        let taken: Vec<bool> = answer.entries().iter().map(|entry| entry.error_code().is_none() && entry.event_id().is_some()).collect();
        if taken.len() != events.len() {
            return Err(ApiError::upstream(std::io::Error::other("PutEvents answered for another number of events")));
        }
        Ok(taken)
    }
}

//! The events' dead-letter queue, where the publisher parks records for a re-drive.
use async_trait::async_trait;
use aws_sdk_sqs::Client;

use crate::error::ApiError;
use crate::publisher::DeadLetterQueue;

pub struct SqsDeadLetterQueue {
    client: Client,
    queue_url: String,
}

impl SqsDeadLetterQueue {
    pub fn new(client: Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }
}

#[async_trait]
impl DeadLetterQueue for SqsDeadLetterQueue {
    async fn park(&self, message: &str) -> Result<(), ApiError> {
        self.client.send_message().queue_url(&self.queue_url).message_body(message).send().await.map_err(ApiError::upstream)?;
        Ok(())
    }
}

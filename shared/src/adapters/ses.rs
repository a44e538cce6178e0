use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sesv2::Client;
use aws_types::sdk_config::SdkConfig;

use crate::error::ApiError;
use crate::ports::{Mailer, OutgoingEmail};
use crate::sdk::ClientOnFirstCall;

/// SES v2; its client is built at the first email.
pub struct SesMailer {
    client: ClientOnFirstCall<Client>,
    sender: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(sdk: &SdkConfig, sender: String, configuration_set: Option<String>) -> Self {
        Self { client: ClientOnFirstCall::new(sdk, Client::new), sender, configuration_set }
    }
}

fn utf8(data: String) -> Content {
    Content::builder().data(data).charset("UTF-8").build().expect("data is set")
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: OutgoingEmail) -> Result<(), ApiError> {
        let message = Message::builder()
            .subject(utf8(email.subject))
            .body(Body::builder().text(utf8(email.text)).html(utf8(email.html)).build())
            .build();
        self.client
            .get()
            .send_email()
            .from_email_address(&self.sender)
            .set_configuration_set_name(self.configuration_set.clone())
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(ApiError::upstream)?;
        Ok(())
    }
}

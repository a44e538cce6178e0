use std::sync::Arc;

use crate::adapters::{CognitoDirectory, DynamoStore, SesMailer};
use crate::config::Config;
use crate::ports::{Directory, Mailer, Store};

/// Everything an operation needs, built once per process (a Lambda init or the local API).
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub directory: Arc<dyn Directory>,
    pub mailer: Arc<dyn Mailer>,
}

impl App {
    /// The service on real AWS clients (or an emulator, when `sdk` points at one).
    pub fn on_aws(sdk: &aws_config::SdkConfig, config: Config) -> Self {
        Self {
            store: Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), config.table_name.clone())),
            directory: Arc::new(CognitoDirectory::new(aws_sdk_cognitoidentityprovider::Client::new(sdk), config.user_pool_id.clone())),
            mailer: Arc::new(SesMailer::new(
                aws_sdk_sesv2::Client::new(sdk),
                config.sender_email.clone(),
                config.ses_configuration_set.clone(),
            )),
            config: Arc::new(config),
        }
    }
}

//! The ports' adapters: AWS (DynamoDB and its stream, Cognito, SES, EventBridge, SQS) and in memory.
mod cognito;
pub(crate) mod dynamo;
mod eventbridge;
mod memory;
mod ses;
mod sqs;

pub use cognito::CognitoDirectory;
pub use dynamo::stream::{lambda_record, sequence_order, DynamoChangeStream};
pub use dynamo::{DynamoStore, CONFLICT_WAIT};
pub use eventbridge::EventBridgeBus;
pub use memory::{MemoryDirectory, MemoryMailer, MemoryStore};
pub use ses::SesMailer;
pub use sqs::SqsDeadLetterQueue;

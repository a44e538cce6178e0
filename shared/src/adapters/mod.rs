//! The ports' adapters: AWS (DynamoDB, Cognito, SES) and in memory.
mod cognito;
mod dynamo;
mod memory;
mod ses;

pub use cognito::CognitoDirectory;
pub use dynamo::DynamoStore;
pub use memory::{MemoryDirectory, MemoryMailer, MemoryStore};
pub use ses::SesMailer;

//! The AWS side of the ports.
mod cognito;
mod dynamo;
mod ses;

pub use cognito::CognitoDirectory;
pub use dynamo::DynamoStore;
pub use ses::SesMailer;

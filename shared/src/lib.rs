//! The tenant member-management service: domain rules, ports, AWS adapters and the operations
//! every Lambda function and the local API share.
pub mod adapters;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod changes;
pub mod config;
pub mod email;
pub mod emails;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod invitations;
pub mod lambda;
pub mod language;
pub mod links;
pub mod model;
pub mod operations;
pub mod password;
pub mod ports;
pub mod rules;
pub mod tokens;
pub mod triggers;
pub mod views;

pub use app::App;
pub use config::Config;
pub use error::ApiError;

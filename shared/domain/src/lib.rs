//! The domain of the tenant member-management service: newtypes, the role catalog, the rules of
//! the Members tab, the changes each use case decides (`changes`), what the contract shows
//! (`views`) and the ports the adapters implement. It depends on neither HTTP nor the AWS SDK:
//! its `Cargo.toml` has neither, so the compiler keeps it that way.
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod changes;
pub mod claims;
pub mod config;
pub mod directory;
pub mod email;
pub mod error;
pub mod events;
pub mod ids;
pub mod language;
pub mod links;
pub mod listing;
pub mod model;
pub mod password;
pub mod ports;
pub mod rules;
pub mod tokens;
pub mod views;

//! The tenant member-management service: the domain (re-exported from `tenant-members-domain`,
//! which knows neither HTTP nor the AWS SDK), the adapters, and the operations every Lambda
//! function and the local API share, with their HTTP edge.
pub use tenant_members_domain::{
    audit, auth, catalog, changes, claims, config, directory, email, error, events, ids, language, links, listing, model, password, ports,
    rules, tokens, views,
};
pub mod adapters;
pub mod app;
pub mod clock;
pub mod edge;
pub mod emails;
pub mod environment;
pub mod invitations;
pub mod lambda;
pub mod log;
pub mod operations;
pub mod problem;
pub mod publisher;
pub mod registry;
pub mod sdk;
pub mod triggers;

pub use app::App;
pub use config::Config;
pub use error::ApiError;

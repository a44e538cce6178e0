//! End-to-end tests: the local API on the emulator, through the real AWS SDK clients.
//! Run with `make test`, which starts the emulator they need.
mod helpers;

mod audit;
mod authorization;
mod browser;
mod budgets;
mod console;
mod console_daily_use;
mod console_directory;
mod directory;
mod events;
mod faults;
mod fuzz;
mod hostile_input;
mod idempotency;
mod identity;
mod invitations;
mod isolation;
mod links;
mod listing;
mod members;
mod membership_events;
mod mfa;
mod pool_triggers;
mod races;
mod representative;
mod routes;
mod seed_walkthrough;
mod sessions;
mod srp;
mod store_conformance;
mod tokens;
mod walkthrough;

//! Every rule of the Members tab, in process: the operations run on the in-memory adapters with
//! the events Lambda would receive, in milliseconds. The end-to-end suites (`tests/api`) run the
//! same operations on the emulator, for the AWS adapters, faults, races and wire budgets.
mod helpers;

mod batches;
mod invitations;
mod listing;
mod passwords_and_mfa;
mod people_and_tokens;
mod quotas;
mod representative;
mod roles_and_removal;

use std::time::Duration;

use helpers::{World, PASSWORD};
use serde_json::{json, Value};
use tenant_members::email::Email;
use tenant_members::model::MfaType;
use tenant_members::ports::PersonStore;
use tenant_members::registry::Operation;
use time::format_description::well_known::Rfc3339;

fn member_path<'a>(tenant: &'a str, member: &'a str) -> [(&'a str, &'a str); 2] {
    [("tenantId", tenant), ("memberId", member)]
}

//! What the tenant's directory (SCIM) writes: its connection, and the memberships it manages.
use crate::audit::{AuditAction, Change};
use crate::directory::{Connection, DirectoryToken};
use crate::model::{Member, MemberStatus};

use super::{collision, version_conflict, Changeset, Write};

fn put_connection(before: &Connection, after: &Connection) -> Write {
    Write::PutConnection { version: before.version, after: after.clone() }
}

/// The connection with a new token, and the token found by its hash.
pub fn add_directory_token(before: &Connection, after: &Connection, token: &DirectoryToken) -> Changeset {
    Changeset::default().write(put_connection(before, after), version_conflict).write(Write::PutDirectoryToken(token.clone()), collision)
}

/// The connection without `removed`, whose hash finds nothing from now on.
pub fn revoke_directory_token(before: &Connection, after: &Connection, removed: &DirectoryToken) -> Changeset {
    Changeset::default()
        .write(put_connection(before, after), version_conflict)
        .write(Write::DeleteDirectoryToken(removed.hash.clone()), version_conflict)
}

/// The connection's roles changed.
pub fn change_connection(before: &Connection, after: &Connection) -> Changeset {
    Changeset::default().write(put_connection(before, after), version_conflict)
}

/// A member as the directory left it: one audit entry per change the members' trail and events
/// know (suspended, reactivated, roles changed); what only the directory shows (its ids, the
/// names) is written without one.
pub fn directory_update(before: &Member, after: &Member, change: &Change) -> Changeset {
    let mut entries = Vec::new();
    let suspended = |m: &Member| m.status == MemberStatus::Suspended;
    match (suspended(before), suspended(after)) {
        (false, true) => entries.push(change.entry(AuditAction::MemberSuspended, Some(before), Some(after))),
        (true, false) => entries.push(change.entry(AuditAction::MemberReactivated, Some(before), Some(after))),
        _ => {}
    }
    if before.roles != after.roles {
        let roles = if entries.is_empty() { change.clone() } else { Change::by(change.actor.clone(), change.at) };
        entries.push(roles.entry(AuditAction::RolesChanged, Some(before), Some(after)));
    }
    Changeset::default().write(Write::UpdateMember { version: before.version, after: after.clone() }, version_conflict).audited(entries)
}

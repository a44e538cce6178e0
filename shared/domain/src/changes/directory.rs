//! What the tenant's directory (SCIM) writes: its connection, and the memberships it manages.
use crate::audit::{AuditAction, Change};
use time::OffsetDateTime;

use crate::directory::{Connection, DirectoryGroup, DirectoryLink, DirectoryToken};
use crate::error::ApiError;
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

/// A group as the directory leaves it (`None`: gone), with each member whose groups the change
/// moves, before and after: their roles follow, each change of roles its own audit entry.
pub fn group_change(
    before: Option<&DirectoryGroup>,
    after: Option<&DirectoryGroup>,
    members: &[(Member, Member)],
    change: &Change,
) -> Changeset {
    let name_taken = |_: &Write| ApiError::GroupNameTaken;
    let mut changes = Changeset::default();
    let renamed = match (before, after) {
        (Some(before), Some(after)) => before.name_key() != after.name_key(),
        _ => true,
    };
    if let Some(before) = before.filter(|_| renamed) {
        changes =
            changes.write(Write::ReleaseGroupName { tenant: before.tenant_id.clone(), name_key: before.name_key() }, version_conflict);
    }
    if let Some(after) = after.filter(|_| renamed) {
        let reserve =
            Write::ReserveGroupName { tenant: after.tenant_id.clone(), name_key: after.name_key(), group: after.group_id.clone() };
        changes = changes.write(reserve, name_taken);
    }
    changes = match (before, after) {
        (_, Some(after)) => {
            changes.write(Write::PutGroup { version: before.map_or(0, |b| b.version), after: after.clone() }, version_conflict)
        }
        (Some(before), None) => changes.write(Write::DeleteGroup(before.clone()), version_conflict),
        (None, None) => changes,
    };
    let mut entries = Vec::new();
    for (member, moved) in members {
        changes = changes.write(Write::UpdateMember { version: member.version, after: moved.clone() }, version_conflict);
        if member.roles != moved.roles {
            let entry_change = if entries.is_empty() { change.clone() } else { Change::by(change.actor.clone(), change.at) };
            entries.push(entry_change.entry(AuditAction::RolesChanged, Some(member), Some(moved)));
        }
    }
    changes.audited(entries)
}

/// The member in `groups`, with the roles they give (`Connection::roles_for`); none when that is
/// what they already are. A member the directory did not manage yet is managed from now on.
pub fn regrouped(connection: &Connection, member: &Member, groups: Vec<String>, now: OffsetDateTime) -> Option<Member> {
    let link = member.directory.clone().unwrap_or_default();
    let roles = connection.roles_for(&groups, member.representative);
    if member.directory.is_some() && link.groups == groups && member.roles == roles {
        return None;
    }
    Some(member.revised(|m| {
        m.directory = Some(DirectoryLink { groups, modified_at: Some(now), ..link });
        m.roles = roles;
    }))
}

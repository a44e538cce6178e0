//! The events the stack's bus carries (the contract's "Events"): one per committed change, made
//! from its audit entry and from nothing else the table holds, so no key, hash or claim can leak
//! into one. The audit entry is the outbox: it is written in the change's own transaction, so an
//! event exists exactly when its change committed. A change taken back (its email could not be
//! sent) removes its entry; that removal becomes the event that takes it back.
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{AuditAction, AuditEntry, MemberState};
use crate::ids::{DirectoryTokenId, MemberId, TenantId, UserSub};
use crate::model::ActorKind;

/// The `source` of every event on the bus.
pub const SOURCE: &str = "tenant-members";

/// Every `type` an event has, as the contract lists them.
pub const TYPES: [&str; 13] = [
    "tenant.created",
    "member.invited",
    "invitation.resent",
    "invitation.accepted",
    "member.roles_changed",
    "member.mfa_changed",
    "member.deleted",
    "password_reset.sent",
    "password_reset.completed",
    "tenant.representative_changed",
    "tenant.representative_email_changed",
    "member.suspended",
    "member.reactivated",
];

/// One event's `detail`; its `detail-type` is its `type`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipEvent<'a> {
    /// The audit entry's id (`GET …/audit` shows the same); a reversal's is the entry's id with
    /// `-reversal`, so that consumers dropping repeats by `id` keep both.
    pub id: String,
    pub r#type: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub tenant_id: &'a TenantId,
    pub member_id: Option<&'a MemberId>,
    pub actor: EventActor<'a>,
    pub before: Option<&'a MemberState>,
    pub after: Option<&'a MemberState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_representative_id: Option<&'a MemberId>,
}

#[derive(Debug, Serialize)]
pub struct EventActor<'a> {
    pub kind: EventActorKind,
    pub sub: Option<&'a UserSub>,
    /// The directory's token, when the directory acted.
    #[serde(rename = "tokenId", skip_serializing_if = "Option::is_none")]
    pub token_id: Option<&'a DirectoryTokenId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventActorKind {
    Operator,
    TenantAdmin,
    AncestorTenantAdmin,
    Member,
    Directory,
    System,
}

/// The event type of an action.
pub fn type_of(action: AuditAction) -> &'static str {
    match action {
        AuditAction::TenantCreated => "tenant.created",
        AuditAction::MemberInvited => "member.invited",
        AuditAction::InvitationResent => "invitation.resent",
        AuditAction::InvitationAccepted => "invitation.accepted",
        AuditAction::RolesChanged => "member.roles_changed",
        AuditAction::MfaChanged => "member.mfa_changed",
        AuditAction::MemberDeleted => "member.deleted",
        AuditAction::PasswordResetSent => "password_reset.sent",
        AuditAction::PasswordResetCompleted => "password_reset.completed",
        AuditAction::RepresentativeChanged => "tenant.representative_changed",
        AuditAction::RepresentativeEmailChanged => "tenant.representative_email_changed",
        AuditAction::MemberSuspended => "member.suspended",
        AuditAction::MemberReactivated => "member.reactivated",
    }
}

impl<'a> MembershipEvent<'a> {
    /// The event of a committed change.
    pub fn of(entry: &'a AuditEntry) -> Self {
        let kind = match entry.actor.kind {
            ActorKind::Operator => EventActorKind::Operator,
            ActorKind::Member => EventActorKind::Member,
            ActorKind::Directory => EventActorKind::Directory,
            // An administrator acting through a membership of this tenant, or of another tenant
            // of the same person (their MFA, `from_another_tenant`): a tenant administrator.
            ActorKind::Administrator => match &entry.actor.via {
                Some(via) if via.tenant_id != entry.tenant_id && !entry.from_another_tenant => EventActorKind::AncestorTenantAdmin,
                _ => EventActorKind::TenantAdmin,
            },
        };
        Self {
            id: entry.audit_id.as_str().to_string(),
            r#type: type_of(entry.action),
            time: entry.at,
            tenant_id: &entry.tenant_id,
            member_id: Some(&entry.member_id),
            actor: EventActor {
                kind,
                sub: Some(&entry.actor.user_sub).filter(|_| kind != EventActorKind::Directory),
                token_id: entry.actor.token_id.as_ref(),
            },
            before: entry.before.as_ref(),
            after: entry.after.as_ref(),
            former_representative_id: entry.former_representative_id.as_ref(),
        }
    }

    /// The event that takes back a change whose entry a compensation removed at `at` (its email
    /// could not be sent), by the system. An invitation taken back is the membership gone:
    /// `member.deleted`. A tenant taken back is its creation again with `after: null`: the
    /// tenant is gone, and its representative's invitation with it. Any other change taken back
    /// (a resend, a reset sent, a representative's email) is its own type again, from its `after`
    /// back to its `before`. Its `time` is never before the change's own, so that consumers
    /// ordering a member's events by `time` end with the change taken back (the stream dates a
    /// removal to the whole second, often earlier than the change's own time).
    pub fn reversal(entry: &'a AuditEntry, at: OffsetDateTime) -> Self {
        let (r#type, after) = match entry.action {
            AuditAction::MemberInvited => ("member.deleted", None),
            AuditAction::TenantCreated => (type_of(entry.action), None),
            other => (type_of(other), entry.before.as_ref()),
        };
        Self {
            id: format!("{}-reversal", entry.audit_id.as_str()),
            r#type,
            time: at.max(entry.at + time::Duration::milliseconds(1)),
            tenant_id: &entry.tenant_id,
            member_id: Some(&entry.member_id),
            actor: EventActor { kind: EventActorKind::System, sub: None, token_id: None },
            before: entry.after.as_ref(),
            after,
            former_representative_id: None,
        }
    }
}

/// What the table's stream says of an audit entry: written with its change, or removed by the
/// compensation that took its change back at `at`.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditChange {
    Committed(AuditEntry),
    TakenBack { entry: AuditEntry, at: OffsetDateTime },
}

impl AuditChange {
    /// The event the bus carries for it.
    pub fn event(&self) -> MembershipEvent<'_> {
        match self {
            AuditChange::Committed(entry) => MembershipEvent::of(entry),
            AuditChange::TakenBack { entry, at } => MembershipEvent::reversal(entry, *at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::audit::{Actor, Change};
    use crate::catalog::Roles;
    use crate::email::Email;
    use crate::language::Language;
    use crate::model::Member;

    fn member(tenant: &TenantId, email: &str) -> Member {
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        Member::new_invited(tenant.clone(), Email::parse(email).unwrap(), Language::En, Roles::tenant_admin(), UserSub::new(email), at)
    }

    #[test]
    fn every_action_has_one_type_of_the_contract_and_every_type_one_action() {
        let actions = [
            AuditAction::TenantCreated,
            AuditAction::MemberInvited,
            AuditAction::InvitationResent,
            AuditAction::InvitationAccepted,
            AuditAction::RolesChanged,
            AuditAction::MfaChanged,
            AuditAction::MemberDeleted,
            AuditAction::PasswordResetSent,
            AuditAction::PasswordResetCompleted,
            AuditAction::RepresentativeChanged,
            AuditAction::RepresentativeEmailChanged,
            AuditAction::MemberSuspended,
            AuditAction::MemberReactivated,
        ];
        let types: Vec<&str> = actions.into_iter().map(type_of).collect();
        assert_eq!(types, TYPES);
    }

    #[test]
    fn an_event_is_its_entry_by_id_and_shows_the_actor_by_kind_and_sub_only() {
        let tenant = TenantId::generate();
        let admin = member(&tenant, "admin@example.com");
        let invited = member(&tenant, "new@example.com");
        let change = Change::by(Actor::administrator(&UserSub::new("admin-sub"), &admin), time::macros::datetime!(2026-12-04 09:00 UTC));
        let entry = change.entry(AuditAction::MemberInvited, None, Some(&invited));
        let event = serde_json::to_value(MembershipEvent::of(&entry)).unwrap();
        assert_eq!(event["id"], entry.audit_id.as_str());
        assert_eq!(event["type"], "member.invited");
        assert_eq!(event["time"], "2026-12-04T09:00:00Z");
        assert_eq!(event["memberId"], invited.member_id.as_str());
        assert_eq!(event["actor"], serde_json::json!({ "kind": "tenant_admin", "sub": "admin-sub" }));
        assert_eq!(event["before"], serde_json::Value::Null);
        assert_eq!(event["after"]["email"], "new@example.com");
        assert!(event.get("formerRepresentativeId").is_none());
        // Nothing of the membership's own records: no hash, link or person.
        let text = event.to_string();
        assert!(!text.contains("Hash") && !text.contains("token") && !text.contains("new@example.com\",\"userSub"), "{text}");
    }

    #[test]
    fn an_ancestors_administrator_and_an_operator_are_told_apart() {
        let parent = TenantId::generate();
        let child = TenantId::generate();
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        let ancestor_admin = member(&parent, "parent-admin@example.com");
        let target = member(&child, "child@example.com");
        let by_ancestor = Change::by(Actor::administrator(&UserSub::new("parent-sub"), &ancestor_admin), at).entry(
            AuditAction::RolesChanged,
            Some(&target),
            Some(&target),
        );
        assert_eq!(MembershipEvent::of(&by_ancestor).actor.kind, EventActorKind::AncestorTenantAdmin);
        let by_operator = Change::by(Actor::operator(&UserSub::new("op-sub")), at).entry(AuditAction::TenantCreated, None, Some(&target));
        let event = MembershipEvent::of(&by_operator);
        assert_eq!((event.actor.kind, event.actor.sub.map(UserSub::as_str)), (EventActorKind::Operator, Some("op-sub")));
    }

    /// The repository's JSON Schema of an event type (`scripts/generate-event-schemas.py`).
    fn schema_of(kind: &str) -> jsonschema::Validator {
        let path = format!("{}/../../schemas/events/{kind}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    }

    fn assert_valid(event: &MembershipEvent) {
        let value = serde_json::to_value(event).unwrap();
        let errors: Vec<String> = schema_of(event.r#type).iter_errors(&value).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:?}\n{value:#}", event.r#type);
    }

    #[test]
    fn every_type_of_event_matches_its_json_schema_and_a_wrong_one_does_not() {
        let tenant = TenantId::generate();
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        let admin = member(&tenant, "admin@example.com");
        let invited = member(&tenant, "new@example.com");
        let mut active = invited.clone();
        active.status = crate::model::MemberStatus::Active;
        let by_admin = Change::by(Actor::administrator(&UserSub::new("admin-sub"), &admin), at);
        let by_member = Change::by(Actor::member(&active), at);
        let by_operator = Change::by(Actor::operator(&UserSub::new("op-sub")), at);
        let by_directory = Change::by(Actor::directory(&crate::ids::DirectoryTokenId::at(at)), at);
        let mut suspended = active.clone();
        suspended.status = crate::model::MemberStatus::Suspended;
        let mut entries = vec![
            by_operator.entry(AuditAction::TenantCreated, None, Some(&invited)),
            by_admin.entry(AuditAction::MemberInvited, None, Some(&invited)),
            by_admin.entry(AuditAction::InvitationResent, Some(&invited), Some(&invited)),
            by_member.entry(AuditAction::InvitationAccepted, Some(&invited), Some(&active)),
            by_admin.entry(AuditAction::RolesChanged, Some(&active), Some(&active)),
            by_admin.entry(AuditAction::MfaChanged, Some(&active), Some(&active)),
            by_admin.entry(AuditAction::MemberDeleted, Some(&active), None),
            by_admin.entry(AuditAction::PasswordResetSent, Some(&active), Some(&active)),
            by_member.entry(AuditAction::PasswordResetCompleted, Some(&active), Some(&active)),
            by_admin.entry(AuditAction::RepresentativeChanged, Some(&active), Some(&active)),
            by_operator.entry(AuditAction::RepresentativeEmailChanged, Some(&invited), Some(&invited)),
            by_directory.entry(AuditAction::MemberSuspended, Some(&active), Some(&suspended)),
            by_directory.entry(AuditAction::MemberReactivated, Some(&suspended), Some(&active)),
        ];
        entries[9].former_representative_id = Some(admin.member_id.clone());
        let types: Vec<&str> = entries.iter().map(|e| type_of(e.action)).collect();
        assert_eq!(types, TYPES, "one entry of every type");
        for entry in &entries {
            assert_valid(&MembershipEvent::of(entry));
        }
        assert_valid(&MembershipEvent::reversal(&entries[0], at));
        assert_valid(&MembershipEvent::reversal(&entries[1], at));
        // The schemas hold: a deletion that still has an `after` is not a `member.deleted`.
        let mut wrong = serde_json::to_value(MembershipEvent::of(&entries[6])).unwrap();
        wrong["after"] = wrong["before"].clone();
        assert!(!schema_of("member.deleted").is_valid(&wrong));
    }

    #[test]
    fn a_taken_back_resend_or_email_change_is_its_own_type_again_back_to_its_before() {
        let tenant = TenantId::generate();
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        let admin = member(&tenant, "admin@example.com");
        let before = member(&tenant, "old@example.com");
        let mut after = before.clone();
        after.email = Email::parse("new@example.com").unwrap();
        let by_admin = Change::by(Actor::administrator(&UserSub::new("admin-sub"), &admin), at);
        let moved = by_admin.entry(AuditAction::RepresentativeEmailChanged, Some(&before), Some(&after));
        let event = serde_json::to_value(MembershipEvent::reversal(&moved, at)).unwrap();
        assert_eq!(event["type"], "tenant.representative_email_changed");
        assert_eq!((&event["before"]["email"], &event["after"]["email"]), (&json!("new@example.com"), &json!("old@example.com")));
        assert_eq!(event["actor"]["kind"], "system");
        for action in [AuditAction::InvitationResent, AuditAction::PasswordResetSent, AuditAction::RepresentativeEmailChanged] {
            let entry = by_admin.entry(action, Some(&before), Some(&after));
            let reversal = MembershipEvent::reversal(&entry, at);
            assert_eq!(reversal.r#type, type_of(action));
            assert_valid(&reversal);
        }
    }

    #[test]
    fn a_taken_back_invitation_is_followed_by_the_system_deleting_it() {
        let tenant = TenantId::generate();
        let admin = member(&tenant, "admin@example.com");
        let invited = member(&tenant, "new@example.com");
        let at = time::macros::datetime!(2026-12-04 09:00 UTC);
        let entry = Change::by(Actor::administrator(&UserSub::new("admin-sub"), &admin), at).entry(
            AuditAction::MemberInvited,
            None,
            Some(&invited),
        );
        let event = serde_json::to_value(MembershipEvent::reversal(&entry, at + time::Duration::seconds(1))).unwrap();
        assert_eq!(event["id"], format!("{}-reversal", entry.audit_id.as_str()));
        assert_eq!(event["type"], "member.deleted");
        assert_eq!(event["actor"], serde_json::json!({ "kind": "system", "sub": null }));
        assert_eq!(event["before"]["status"], "invited", "before.status tells a revoked invitation");
        assert_eq!(event["after"], serde_json::Value::Null);
    }

    /// The stream dates a removal to its whole second: a change made at 09:00:00.700 and taken
    /// back 100 ms later is removed "at 09:00:00". Its reversal still sorts after it by `time`.
    #[test]
    fn a_reversal_sorts_after_the_change_it_takes_back_and_a_tenant_taken_back_is_said_gone() {
        let tenant = TenantId::generate();
        let at = time::macros::datetime!(2026-12-04 09:00:00.7 UTC);
        let stream_second = time::macros::datetime!(2026-12-04 09:00:00 UTC);
        let invited = member(&tenant, "rep@example.com");
        let created = Change::by(Actor::operator(&UserSub::new("op-sub")), at).entry(AuditAction::TenantCreated, None, Some(&invited));
        let change = serde_json::to_value(MembershipEvent::of(&created)).unwrap();
        let reversal = serde_json::to_value(MembershipEvent::reversal(&created, stream_second)).unwrap();
        let time = |event: &serde_json::Value| {
            OffsetDateTime::parse(event["time"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap()
        };
        assert!(time(&reversal) > time(&change), "{} is not after {}", reversal["time"], change["time"]);
        assert_eq!(reversal["type"], "tenant.created", "a tenant taken back says the tenant, not only its member");
        assert_eq!((&reversal["before"]["email"], &reversal["after"]), (&json!("rep@example.com"), &serde_json::Value::Null));
        assert_valid(&MembershipEvent::reversal(&created, stream_second));
    }
}

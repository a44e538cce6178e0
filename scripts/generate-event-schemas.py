#!/usr/bin/env python3
"""Writes schemas/events/<type>.json: one JSON Schema (draft 2020-12) per event type of the
contract's "Events", for the `detail` of an event on the stack's bus. The tests validate real
events against them; consumers read them from the repository (see docs/events.md)."""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "schemas" / "events"
ID = {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"}

MEMBER_STATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["email", "status", "roles", "representative", "mfa"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "status": {"enum": ["invited", "expired", "active", "suspended"]},
        "roles": {
            "type": "object",
            "description": "applicationId → roleId (GET /roles)",
            "additionalProperties": {"type": "string"},
            "required": ["service-management-portal"],
        },
        "representative": {"type": "boolean"},
        "mfa": {
            "type": "object",
            "additionalProperties": False,
            "required": ["enabled", "type"],
            "properties": {
                "enabled": {"type": "boolean"},
                "type": {"enum": ["email", "authenticator_app", None]},
            },
        },
    },
}

STATE = {"$ref": "#/$defs/memberState"}
NULL = {"type": "null"}
HUMAN = ["operator", "tenant_admin", "ancestor_tenant_admin", "member"]

# type: (description, before, after, actor kinds, formerRepresentativeId)
TYPES = {
    "tenant.created": ("A tenant was created; `after` is its representative's invitation. Actor `system`, `before` that invitation and"
                       " `after` null: the creation taken back because the invitation could not be sent, and the tenant is gone"
                       " (its `id` is the taken-back event's id with `-reversal`).",
                       {"anyOf": [NULL, STATE]}, {"anyOf": [STATE, NULL]}, ["operator", "tenant_admin", "ancestor_tenant_admin", "system"], False),
    "member.invited": ("A member was invited (by the tenant's directory too).", NULL, STATE,
                       ["operator", "tenant_admin", "ancestor_tenant_admin", "directory"], False),
    "invitation.resent": ("An invitation was sent again; actor `system` when a resend is taken back because its email could not be sent"
                          " (`after` the state it went back to).", STATE, STATE, ["operator", "tenant_admin", "ancestor_tenant_admin", "system"], False),
    "invitation.accepted": ("An invitation was accepted or joined: the member is active.", STATE, STATE, ["member"], False),
    "member.roles_changed": ("A member's roles changed (by the tenant's directory too).", STATE, STATE, HUMAN + ["directory"], False),
    "member.mfa_changed": ("A member's MFA was switched (for the person: in every tenant of theirs).", STATE, STATE, HUMAN, False),
    "member.deleted": (
        "A member was removed, or an invitation revoked (`before.status`); actor `system` when a change is taken back"
        " because its email could not be sent (its `id` is the taken-back event's id with `-reversal`).",
        STATE, NULL, HUMAN + ["directory", "system"], False),
    "password_reset.sent": ("A password-reset email was sent to a member; actor `system` when it is taken back because the email"
                            " could not be sent.", STATE, STATE, HUMAN + ["system"], False),
    "password_reset.completed": ("A member set a new password from a reset link.", STATE, STATE, ["member"], False),
    "tenant.representative_changed": ("The representative role moved to this member.", STATE, STATE, HUMAN, True),
    "tenant.representative_email_changed": ("An unregistered representative's email was changed; actor `system` when the change is"
                                            " taken back because its invitation could not be sent (`after`: the email again).",
                                            STATE, STATE, HUMAN + ["system"], False),
    "member.suspended": ("The tenant's directory switched the membership off (`after.status` suspended): refused in this tenant"
                         " only.", STATE, STATE, ["directory"], False),
    "member.reactivated": ("The tenant's directory switched the membership on again: back to active, or invited if it never"
                           " registered.", STATE, STATE, ["directory"], False),
}


def schema(kind, description, before, after, actors, former):
    required = ["id", "type", "time", "tenantId", "memberId", "actor", "before", "after"]
    properties = {
        "id": {"type": "string", "description": "the audit entry's id (GET …/audit); drop repeats by it",
               "pattern": "^[0-9A-HJKMNP-TV-Z]{26}(-reversal)?$"},
        "type": {"const": kind},
        "time": {"type": "string", "format": "date-time"},
        "tenantId": ID,
        "memberId": ID,
        "actor": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "sub"],
            "properties": {
                "kind": {"enum": actors},
                "sub": {"type": ["string", "null"]},
                "tokenId": {"type": "string", "description": "the directory's token, when the directory acted"},
            },
        },
        "before": before,
        "after": after,
    }
    if former:
        properties["formerRepresentativeId"] = ID
        required.append("formerRepresentativeId")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://github.com/tenant-members/schemas/events/{kind}.json",
        "title": f"{kind} (source tenant-members, detail-type {kind})",
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
        "$defs": {"memberState": MEMBER_STATE},
    }


OUT.mkdir(parents=True, exist_ok=True)
for kind, (description, before, after, actors, former) in TYPES.items():
    (OUT / f"{kind}.json").write_text(json.dumps(schema(kind, description, before, after, actors, former), indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(TYPES)} schemas to {OUT.relative_to(ROOT)}")

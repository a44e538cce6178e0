//! A directory group as a SCIM Group (RFC 7643 §4.2), and what a client's write makes of it:
//! a full resource (POST, PUT) or a PATCH in Okta's or Entra's dialect.
use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::directory::DirectoryGroup;
use crate::error::ApiError;
use crate::ids::MemberId;

use super::filter::normalized_path;
use super::user::{invalid_value, rfc3339, PATCH_OP};

pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The group as a SCIM Group at `base` (the tenant's SCIM base).
pub fn resource(group: &DirectoryGroup, base: &str) -> Value {
    let mut resource = Map::new();
    resource.insert("schemas".into(), json!([GROUP_SCHEMA]));
    resource.insert("id".into(), json!(group.group_id));
    if let Some(external_id) = &group.external_id {
        resource.insert("externalId".into(), json!(external_id));
    }
    resource.insert("displayName".into(), json!(group.display_name));
    let members: Vec<Value> =
        group.members.iter().map(|m| json!({ "value": m, "$ref": format!("{base}/Users/{m}"), "type": "User" })).collect();
    resource.insert("members".into(), json!(members));
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": "Group",
            "created": rfc3339(group.created_at),
            "lastModified": rfc3339(group.modified_at),
            "location": format!("{base}/Groups/{}", group.group_id),
            "version": etag(group),
        }),
    );
    Value::Object(resource)
}

pub fn etag(group: &DirectoryGroup) -> String {
    format!("W/\"{}\"", group.version)
}

/// What a client may set of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupState {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: BTreeSet<MemberId>,
}

/// A member reference's id (`value`, else the last segment of `$ref`); none for a value that
/// cannot be a User of ours (it names nobody here, and is left out as `write_group` leaves out
/// any id that is no member of the tenant).
fn member_of(reference: &Value) -> Result<Option<MemberId>, ApiError> {
    let raw = reference["value"].as_str().or_else(|| reference["$ref"].as_str().and_then(|r| r.rsplit('/').next()));
    let raw = raw.ok_or_else(|| invalid_value("a member is {\"value\": \"<a User's id>\"}"))?;
    Ok(MemberId::parse(raw).ok())
}

fn members_of(value: &Value) -> Result<Vec<MemberId>, ApiError> {
    let ids = match value {
        Value::Null => Vec::new(),
        Value::Array(references) => references.iter().map(member_of).collect::<Result<Vec<_>, _>>()?,
        single @ Value::Object(_) => vec![member_of(single)?],
        other => return Err(invalid_value(format!("members is a list of {{\"value\": …}}, not {other}"))),
    };
    Ok(ids.into_iter().flatten().collect())
}

/// `members[value eq "<id>"]`: the member a path names (none if the id cannot be ours), if the
/// path names one.
fn member_path(path: &str) -> Option<Option<MemberId>> {
    let rest = path.strip_prefix("members[")?.strip_suffix(']')?;
    let value = rest.strip_prefix("valueeq")?.trim_matches('"');
    Some(MemberId::parse(value).ok())
}

impl GroupState {
    pub fn of(group: &DirectoryGroup) -> Self {
        Self { display_name: group.display_name.clone(), external_id: group.external_id.clone(), members: group.members.iter().cloned().collect() }
    }

    /// A full resource (POST, PUT).
    pub fn from_resource(resource: &Value) -> Result<Self, ApiError> {
        let object = resource.as_object().ok_or_else(|| invalid_value("a Group is a JSON object"))?;
        let field = |name: &str| object.iter().find(|(k, _)| normalized_path(k) == name).map(|(_, v)| v);
        let display_name = field("displayname").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
        let display_name = display_name.ok_or_else(|| invalid_value("a Group needs a displayName"))?.to_string();
        let external_id = field("externalid").and_then(Value::as_str).map(str::to_string);
        let members = members_of(field("members").unwrap_or(&Value::Null))?.into_iter().collect();
        Ok(Self { display_name, external_id, members })
    }

    /// `self` with the PATCH request `body` applied.
    pub fn patched(mut self, body: &Value) -> Result<Self, ApiError> {
        let schemas_ok = body["schemas"].as_array().is_some_and(|s| s.iter().any(|s| s.as_str() == Some(PATCH_OP)));
        let operations = body["Operations"].as_array().filter(|_| schemas_ok).ok_or_else(|| ApiError::ScimInvalid {
            scim_type: "invalidSyntax",
            detail: format!("a PATCH names {PATCH_OP} and carries Operations"),
        })?;
        for operation in operations {
            let op = operation["op"].as_str().map(str::to_ascii_lowercase);
            let value = &operation["value"];
            match (op.as_deref(), operation["path"].as_str()) {
                (Some(op @ ("add" | "replace")), None) => {
                    let attributes = value.as_object().ok_or_else(|| invalid_value("an operation without a path has an object as value"))?;
                    for (path, value) in attributes {
                        self.set(op, path, value)?;
                    }
                }
                (Some(op @ ("add" | "replace" | "remove")), Some(path)) => self.set(op, path, value)?,
                (Some("remove"), None) => {
                    return Err(ApiError::ScimInvalid { scim_type: "noTarget", detail: "a remove names its path".into() })
                }
                _ => return Err(invalid_value(format!("unknown PATCH op {}", operation["op"]))),
            }
        }
        Ok(self)
    }

    fn set(&mut self, op: &str, path: &str, value: &Value) -> Result<(), ApiError> {
        let path = normalized_path(path).replace(&format!("{}:", GROUP_SCHEMA.to_ascii_lowercase()), "");
        if let Some(member) = member_path(&path) {
            return match op {
                "remove" => {
                    if let Some(member) = member {
                        self.members.remove(&member);
                    }
                    Ok(())
                }
                _ => Err(invalid_value("a member is added by the path members")),
            };
        }
        match (op, path.as_str()) {
            ("add", "members") => self.members.extend(members_of(value)?),
            ("replace", "members") => self.members = members_of(value)?.into_iter().collect(),
            // Entra removes by a list of values; without one, every member goes.
            ("remove", "members") if value.is_null() => self.members.clear(),
            ("remove", "members") => {
                for member in members_of(value)? {
                    self.members.remove(&member);
                }
            }
            ("remove", "displayname") => return Err(invalid_value("a Group keeps its displayName")),
            (_, "displayname") => {
                let name = value.as_str().map(str::trim).filter(|n| !n.is_empty());
                self.display_name = name.ok_or_else(|| invalid_value("displayName is a string"))?.to_string();
            }
            ("remove", "externalid") => self.external_id = None,
            (_, "externalid") => self.external_id = value.as_str().map(str::to_string),
            // What the service does not keep of a group is ignored, as for a User.
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(members: &[&MemberId]) -> GroupState {
        GroupState { display_name: "Engineers".into(), external_id: None, members: members.iter().map(|m| (*m).clone()).collect() }
    }

    fn patch(operations: Value) -> Value {
        json!({ "schemas": [PATCH_OP], "Operations": operations })
    }

    #[test]
    fn oktas_and_entras_member_operations_are_read() {
        let (a, b, c) = (MemberId::generate(), MemberId::generate(), MemberId::generate());
        let added = state(&[&a]).patched(&patch(json!([{ "op": "add", "path": "members", "value": [{ "value": b, "display": "b" }] }]))).unwrap();
        assert_eq!(added.members, [a.clone(), b.clone()].into_iter().collect());
        let okta_remove = patch(json!([{ "op": "remove", "path": format!("members[value eq \"{a}\"]") }]));
        assert_eq!(added.clone().patched(&okta_remove).unwrap().members, [b.clone()].into_iter().collect());
        let entra_remove = patch(json!([{ "op": "Remove", "path": "members", "value": [{ "value": b }] }]));
        assert_eq!(added.clone().patched(&entra_remove).unwrap().members, [a.clone()].into_iter().collect());
        let renamed = patch(json!([{ "op": "Replace", "value": { "displayName": "Builders", "members": [{ "value": c }] } }]));
        let renamed = added.patched(&renamed).unwrap();
        assert_eq!((renamed.display_name.as_str(), renamed.members.len()), ("Builders", 1));
        let stranger = patch(json!([{ "op": "add", "path": "members", "value": [{ "value": "not-an-id" }] }]));
        assert!(state(&[]).patched(&stranger).unwrap().members.is_empty(), "a value that is no User of ours names nobody");
    }
}

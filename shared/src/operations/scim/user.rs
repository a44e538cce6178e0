//! A membership as a SCIM User (RFC 7643 §4.1), and what a client's write makes of it: a full
//! resource (POST, PUT) or a PATCH in either dialect real clients send (Okta's, Entra's).
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::directory::{DirectoryLink, PersonName};
use crate::email::Email;
use crate::error::ApiError;
use crate::model::{Member, MemberStatus};

use super::filter::normalized_path;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(super) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub(super) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).expect("a time in range formats")
}

/// The member as a SCIM User at `base` (the tenant's SCIM base).
pub fn resource(member: &Member, base: &str) -> Value {
    let link = member.directory.clone().unwrap_or_default();
    let mut user = Map::new();
    user.insert("schemas".into(), json!([USER_SCHEMA]));
    user.insert("id".into(), json!(member.member_id));
    if let Some(external_id) = &link.external_id {
        user.insert("externalId".into(), json!(external_id));
    }
    user.insert("userName".into(), json!(link.user_name.as_deref().unwrap_or(member.email.as_str())));
    if let Some(name) = &link.name {
        user.insert("name".into(), json!(name));
    }
    if let Some(display_name) = &link.display_name {
        user.insert("displayName".into(), json!(display_name));
    }
    user.insert("emails".into(), json!([{ "value": member.email, "type": "work", "primary": true }]));
    // What the directory sent, verbatim; a member invited by hand shows their language.
    let preferred_language = match (&member.directory, &link.preferred_language) {
        (_, Some(sent)) => Some(sent.as_str()),
        (None, None) => Some(member.language.as_str()),
        (Some(_), None) => None,
    };
    if let Some(preferred_language) = preferred_language {
        user.insert("preferredLanguage".into(), json!(preferred_language));
    }
    if let Some(locale) = &link.locale {
        user.insert("locale".into(), json!(locale));
    }
    user.insert("active".into(), json!(member.status != MemberStatus::Suspended));
    let modified = link.modified_at.or(member.registered_at).unwrap_or(member.invited_at);
    user.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": rfc3339(member.invited_at),
            "lastModified": rfc3339(modified.max(member.invited_at)),
            "location": format!("{base}/Users/{}", member.member_id),
            "version": etag(member),
        }),
    );
    Value::Object(user)
}

/// The member's version as SCIM's weak entity tag.
pub fn etag(member: &Member) -> String {
    format!("W/\"{}\"", member.version)
}

/// What a client may set of a user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserState {
    pub email: Email,
    pub active: bool,
    pub link: DirectoryLink,
}

impl UserState {
    /// The member as the directory sees it now.
    pub fn of(member: &Member) -> Self {
        Self { email: member.email.clone(), active: member.status != MemberStatus::Suspended, link: member.directory.clone().unwrap_or_default() }
    }

    /// A full resource (POST, PUT): what it leaves out is cleared; `active` defaults to true.
    pub fn from_resource(resource: &Value, groups: Vec<String>) -> Result<Self, ApiError> {
        let object = resource.as_object().ok_or_else(|| invalid_value("a User is a JSON object"))?;
        let (email, user_name) = identity(object)?;
        let mut state = UserState { email, active: true, link: DirectoryLink { user_name, groups, ..DirectoryLink::default() } };
        for (key, value) in object {
            state.set(key, value)?;
        }
        Ok(state)
    }

    /// `self` with the PATCH request `body` applied.
    pub fn patched(mut self, body: &Value) -> Result<Self, ApiError> {
        let schemas_ok = body["schemas"].as_array().is_some_and(|s| s.iter().any(|s| s.as_str() == Some(PATCH_OP)));
        let operations = body["Operations"].as_array().filter(|_| schemas_ok).ok_or_else(|| {
            ApiError::ScimInvalid { scim_type: "invalidSyntax", detail: format!("a PATCH names {PATCH_OP} and carries Operations") }
        })?;
        for operation in operations {
            let op = operation["op"].as_str().map(str::to_ascii_lowercase);
            let value = &operation["value"];
            match (op.as_deref(), operation["path"].as_str()) {
                (Some("add" | "replace"), Some(path)) => self.set(path, value)?,
                (Some("add" | "replace"), None) => {
                    let attributes = value.as_object().ok_or_else(|| invalid_value("an operation without a path has an object as value"))?;
                    for (path, value) in attributes {
                        self.set(path, value)?;
                    }
                }
                (Some("remove"), Some(path)) => self.set(path, &Value::Null)?,
                (Some("remove"), None) => {
                    return Err(ApiError::ScimInvalid { scim_type: "noTarget", detail: "a remove names its path".into() })
                }
                _ => return Err(invalid_value(format!("unknown PATCH op {}", operation["op"]))),
            }
        }
        Ok(self)
    }

    /// Sets one attribute by its path (`null`: clears it). Attributes the service does not keep
    /// are ignored, as a directory sends what it maps (Entra: department, manager…).
    fn set(&mut self, path: &str, value: &Value) -> Result<(), ApiError> {
        let text = || -> Result<Option<String>, ApiError> {
            match value {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                other => Err(invalid_value(format!("{path} is a string, not {other}"))),
            }
        };
        let path = normalized_path(path);
        match path.as_str() {
            "active" => self.active = boolean(value).ok_or_else(|| invalid_value("active is true or false"))?,
            "externalid" => self.link.external_id = text()?,
            "displayname" => self.link.display_name = text()?,
            "preferredlanguage" => self.link.preferred_language = text()?,
            "locale" => self.link.locale = text()?,
            "username" => self.keep_user_name(value.as_str().ok_or_else(|| invalid_value("userName is a string"))?)?,
            "emails[typeeq\"work\"].value" | "emails[primaryeqtrue].value" | "emails.value" => {
                self.keep_email(value.as_str().ok_or_else(|| invalid_value(format!("{path} is a string")))?)?
            }
            "emails" => {
                let sent = value.as_array().map(|emails| emails.iter().filter_map(|e| e["value"].as_str()).collect::<Vec<_>>());
                match sent.as_deref() {
                    Some([]) | None if value.is_null() => {}
                    Some([one]) => self.keep_email(one)?,
                    _ => return Err(mutability("a member has one email, their userName")),
                }
            }
            "name" => {
                self.link.name = match value {
                    Value::Null => None,
                    Value::Object(_) => Some(serde_json::from_value::<PersonName>(value.clone()).map_err(|e| invalid_value(e.to_string()))?),
                    other => return Err(invalid_value(format!("name is an object, not {other}"))),
                }
            }
            sub if sub.starts_with("name.") => {
                let name = self.link.name.get_or_insert_with(PersonName::default);
                let slot = match &sub[5..] {
                    "formatted" => &mut name.formatted,
                    "familyname" => &mut name.family_name,
                    "givenname" => &mut name.given_name,
                    "middlename" => &mut name.middle_name,
                    "honorificprefix" => &mut name.honorific_prefix,
                    "honorificsuffix" => &mut name.honorific_suffix,
                    _ => return Ok(()),
                };
                *slot = text()?;
            }
            "schemas" | "id" | "meta" | "groups" => {}
            _ => {}
        }
        Ok(())
    }

    /// The email is the membership's: a client may send it again, never change it.
    fn keep_email(&self, sent: &str) -> Result<(), ApiError> {
        match Email::parse(sent) {
            Ok(email) if email == self.email => Ok(()),
            _ => Err(mutability("the member's email cannot change: delete the user and create it anew")),
        }
    }

    /// The userName, like the email it names or stands beside, is set once.
    fn keep_user_name(&self, sent: &str) -> Result<(), ApiError> {
        match &self.link.user_name {
            Some(user_name) if user_name.eq_ignore_ascii_case(sent) => Ok(()),
            Some(_) => Err(mutability("userName is set at creation and cannot change: delete the user and create it anew")),
            None => self.keep_email(sent),
        }
    }

    /// The member with this state, as the directory writes it at `now`: its link (the directory
    /// manages it from now on), its language, suspended or back to what it was.
    pub fn applied_to(&self, member: &Member, now: OffsetDateTime) -> Result<Member, ApiError> {
        let suspended = member.status == MemberStatus::Suspended;
        if !self.active && !suspended {
            crate::rules::directory_spares_representative(member)?;
        }
        let mut after = member.revised(|m| {
            m.directory = Some(DirectoryLink { modified_at: m.directory.as_ref().and_then(|d| d.modified_at), ..self.link.clone() });
            if let Some(language) = self.link.language() {
                m.language = language;
            }
            m.status = match (self.active, suspended) {
                (false, _) => MemberStatus::Suspended,
                (true, true) if m.registered_at.is_some() => MemberStatus::Active,
                (true, true) => MemberStatus::Invited,
                (true, false) => m.status,
            };
        });
        if after.revised(|_| {}) != member.revised(|_| {}) {
            after.directory.as_mut().expect("just set").modified_at = Some(now);
        }
        Ok(after)
    }
}

/// The member's email and, when the `userName` is not that email, the `userName`: the email is
/// the `userName` if it is an address, else the work or primary one of `emails`.
fn identity(object: &Map<String, Value>) -> Result<(Email, Option<String>), ApiError> {
    let field = |name: &str| object.iter().find(|(k, _)| normalized_path(k) == name).map(|(_, v)| v);
    let user_name = field("username").and_then(Value::as_str).map(str::trim).filter(|u| !u.is_empty());
    let user_name = user_name.ok_or_else(|| invalid_value("a User needs a userName"))?;
    if let Ok(email) = Email::parse(user_name) {
        return Ok((email, None));
    }
    let emails = field("emails").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let chosen = emails.iter().find(|e| e["type"] == "work").or_else(|| emails.iter().find(|e| boolean(&e["primary"]) == Some(true)));
    let sent = chosen.or(emails.first()).and_then(|e| e["value"].as_str());
    let email = sent.and_then(|sent| Email::parse(sent).ok()).ok_or_else(|| {
        invalid_value(format!("userName {user_name:?} is not an email address, and no work or primary email says where to invite the member"))
    })?;
    Ok((email, Some(user_name.to_string())))
}

/// A boolean as JSON, or as the strings Entra sends (`"True"`, `"False"`).
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub(super) fn invalid_value(detail: impl Into<String>) -> ApiError {
    ApiError::ScimInvalid { scim_type: "invalidValue", detail: detail.into() }
}

fn mutability(detail: &str) -> ApiError {
    ApiError::ScimInvalid { scim_type: "mutability", detail: detail.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Roles;
    use crate::ids::{TenantId, UserSub};
    use crate::language::Language;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-12-07 09:00 UTC);

    fn member() -> Member {
        let email = Email::parse("kim@example.com").unwrap();
        let mut member = Member::new_invited(TenantId::generate(), email, Language::En, Roles::member(), UserSub::new("sub"), NOW);
        member.status = MemberStatus::Active;
        member.registered_at = Some(NOW);
        member
    }

    fn patch(operations: Value) -> Value {
        json!({ "schemas": [PATCH_OP], "Operations": operations })
    }

    #[test]
    fn entras_dialect_deactivates_with_a_string_and_a_capitalised_op() {
        let state = UserState::of(&member()).patched(&patch(json!([{ "op": "Replace", "path": "active", "value": "False" }]))).unwrap();
        assert!(!state.active);
        let after = state.applied_to(&member(), NOW).unwrap();
        assert_eq!(after.status, MemberStatus::Suspended);
        let back = UserState::of(&after).patched(&patch(json!([{ "op": "Add", "path": "active", "value": "True" }]))).unwrap();
        assert_eq!(back.applied_to(&after, NOW).unwrap().status, MemberStatus::Active, "a registered member comes back active");
    }

    #[test]
    fn oktas_path_less_replace_and_entras_email_path_are_read() {
        let okta = patch(json!([{ "op": "replace", "value": { "active": false, "name.givenName": "Kim", "externalId": "00u1" } }]));
        let state = UserState::of(&member()).patched(&okta).unwrap();
        assert_eq!((state.active, state.link.external_id.as_deref()), (false, Some("00u1")));
        assert_eq!(state.link.name.unwrap().given_name.as_deref(), Some("Kim"));
        let same = patch(json!([{ "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "KIM@example.com" }]));
        assert!(UserState::of(&member()).patched(&same).is_ok(), "the same email, in another case, is no change");
        let other = patch(json!([{ "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "lee@example.com" }]));
        assert!(matches!(UserState::of(&member()).patched(&other), Err(ApiError::ScimInvalid { scim_type: "mutability", .. })));
    }

    #[test]
    fn the_representative_is_not_switched_off_and_a_language_follows_the_locale_sent() {
        let mut rep = member();
        rep.representative = true;
        let off = UserState { active: false, ..UserState::of(&rep) };
        assert!(matches!(off.applied_to(&rep, NOW), Err(ApiError::RepresentativeProtected(_))));
        let japanese = UserState::of(&member()).patched(&patch(json!([{ "op": "replace", "path": "preferredLanguage", "value": "ja-JP" }])));
        assert_eq!(japanese.unwrap().applied_to(&member(), NOW).unwrap().language, Language::Ja);
    }
}

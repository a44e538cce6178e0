//! SCIM filters (RFC 7644 §3.4.2.2), as far as the service supports them: `eq` on a user's
//! `userName`, `externalId`, `id` and email, joined by `and`. Anything else is an
//! `invalidFilter`, never a filter silently ignored.
use crate::directory::DirectoryGroup;
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::MemberId;
use crate::model::Member;

use super::user::USER_SCHEMA;

/// The attributes a filter may compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribute {
    UserName,
    ExternalId,
    Id,
    Email,
    DisplayName,
}

/// Where the one member a filter can match is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    Id(MemberId),
    Email(Email),
    /// An `id` that is no member id: nobody.
    Nobody,
}

/// A conjunction of `attribute eq "value"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter(Vec<(Attribute, String)>);

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::ScimInvalid { scim_type: "invalidFilter", detail: detail.into() }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Text(String),
}

/// Words (an attribute path with its brackets, an operator, `and`, `true`) and quoted strings.
fn tokens(raw: &str) -> Result<Vec<Token>, ApiError> {
    let mut tokens = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => text.push(chars.next().ok_or_else(|| invalid("the filter ends inside a string"))?),
                    Some(c) => text.push(c),
                    None => return Err(invalid("the filter ends inside a string")),
                }
            }
            tokens.push(Token::Text(text));
        } else {
            let mut word = String::new();
            let mut depth = 0usize;
            let mut quoted = false;
            while let Some(&c) = chars.peek() {
                match c {
                    '"' if depth > 0 => quoted = !quoted,
                    '[' if !quoted => depth += 1,
                    ']' if !quoted => depth = depth.checked_sub(1).ok_or_else(|| invalid("an unmatched ]"))?,
                    c if c.is_whitespace() && depth == 0 => break,
                    _ => {}
                }
                word.push(c);
                chars.next();
            }
            if depth > 0 {
                return Err(invalid("an unmatched ["));
            }
            tokens.push(Token::Word(word));
        }
    }
    Ok(tokens)
}

/// A path as clients write it, compared without case, schema or spaces.
pub fn normalized_path(path: &str) -> String {
    let lower: String = path.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let schema = format!("{}:", USER_SCHEMA.to_ascii_lowercase());
    lower.strip_prefix(&schema).map(str::to_string).unwrap_or(lower)
}

fn attribute(path: &str) -> Result<Attribute, ApiError> {
    match normalized_path(path).as_str() {
        "username" => Ok(Attribute::UserName),
        "externalid" => Ok(Attribute::ExternalId),
        "id" => Ok(Attribute::Id),
        "emails.value" | "emails[typeeq\"work\"].value" | "emails[primaryeqtrue].value" => Ok(Attribute::Email),
        "displayname" | "urn:ietf:params:scim:schemas:core:2.0:group:displayname" => Ok(Attribute::DisplayName),
        _ => Err(invalid(format!("filtering on {path} is not supported (userName, externalId, id, emails[type eq \"work\"].value, displayName)"))),
    }
}

impl Filter {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let tokens = tokens(raw)?;
        let mut terms = Vec::new();
        let mut rest = tokens.as_slice();
        loop {
            let [Token::Word(path), Token::Word(op), value, tail @ ..] = rest else {
                return Err(invalid("a filter is `attribute eq \"value\"`, joined by `and`"));
            };
            if !op.eq_ignore_ascii_case("eq") {
                return Err(invalid(format!("the operator {op} is not supported (eq)")));
            }
            let value = match value {
                Token::Text(text) => text.clone(),
                Token::Word(word) => word.clone(),
            };
            terms.push((attribute(path)?, value));
            match tail {
                [] => return Ok(Filter(terms)),
                [Token::Word(and), more @ ..] if and.eq_ignore_ascii_case("and") => rest = more,
                _ => return Err(invalid("terms are joined by `and` only")),
            }
        }
    }

    /// `userName eq "<user_name>"`.
    pub fn user_name(user_name: &str) -> Self {
        Filter(vec![(Attribute::UserName, user_name.to_string())])
    }

    /// The one member the filter can match, where a term names it: by `id`, or by an email
    /// (`userName` that is an address is the member's email; a `userName` that is not one is
    /// kept beside it and is found by scanning). Read directly, not by listing the tenant.
    pub fn pinned(&self) -> Option<Pin> {
        self.0.iter().find_map(|(attribute, value)| match attribute {
            Attribute::Id => Some(MemberId::parse(value).map_or(Pin::Nobody, Pin::Id)),
            Attribute::UserName | Attribute::Email => Email::parse(value).ok().map(Pin::Email),
            Attribute::ExternalId | Attribute::DisplayName => None,
        })
    }

    pub fn matches(&self, member: &Member) -> bool {
        let user_name = member.directory.as_ref().and_then(|d| d.user_name.as_deref());
        self.0.iter().all(|(attribute, value)| match (attribute, user_name) {
            (Attribute::UserName, Some(user_name)) => user_name.eq_ignore_ascii_case(value),
            (Attribute::UserName, None) | (Attribute::Email, _) => Email::parse(value).is_ok_and(|email| email == member.email),
            (Attribute::ExternalId, _) => member.directory.as_ref().and_then(|d| d.external_id.as_deref()) == Some(value.as_str()),
            (Attribute::Id, _) => member.member_id.as_str().eq_ignore_ascii_case(value),
            (Attribute::DisplayName, _) => member.directory.as_ref().and_then(|d| d.display_name.as_deref()) == Some(value.as_str()),
        })
    }

    /// Whether a group matches: on `displayName` (without case), `externalId` and `id`.
    pub fn matches_group(&self, group: &DirectoryGroup) -> bool {
        self.0.iter().all(|(attribute, value)| match attribute {
            Attribute::DisplayName => group.display_name.eq_ignore_ascii_case(value),
            Attribute::ExternalId => group.external_id.as_deref() == Some(value.as_str()),
            Attribute::Id => group.group_id.as_str().eq_ignore_ascii_case(value),
            Attribute::UserName | Attribute::Email => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_real_clients_send_are_read() {
        for raw in [
            r#"userName eq "kim@example.com""#,
            r#"USERNAME EQ "kim@example.com""#,
            r#"emails[type eq "work"].value eq "kim@example.com""#,
            r#"externalId eq "00u1" and userName eq "kim@example.com""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "kim@example.com""#,
            r#"userName eq "a \"quoted\" name""#,
        ] {
            assert!(Filter::parse(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn what_is_not_supported_is_refused_never_ignored() {
        for raw in [r#"userName co "kim""#, r#"userName eq "kim" or id eq "x""#, r#"title eq "boss""#, "userName eq", r#"userName eq "open"#] {
            assert!(matches!(Filter::parse(raw), Err(ApiError::ScimInvalid { scim_type: "invalidFilter", .. })), "{raw}");
        }
    }
}

//! The emails the service sends, rendered from templates compiled into the binary.
use askama::Template;
use time::OffsetDateTime;

use crate::language::Language;
use crate::ports::OutgoingEmail;
use crate::email::Email;

/// Which invitation: a member's, or the one that makes someone a tenant's administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationKind {
    Member,
    Administrator,
}

/// What every template is given.
struct Context<'a> {
    ja: bool,
    administrator: bool,
    tenant_name: &'a str,
    link: &'a str,
    expires: &'a str,
}

#[derive(Template)]
#[template(path = "invitation.txt")]
struct InvitationText<'a> {
    c: &'a Context<'a>,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationHtml<'a> {
    c: &'a Context<'a>,
}

#[derive(Template)]
#[template(path = "password_reset.txt")]
struct PasswordResetText<'a> {
    c: &'a Context<'a>,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct PasswordResetHtml<'a> {
    c: &'a Context<'a>,
}

pub struct Invitation<'a> {
    pub kind: InvitationKind,
    pub to: &'a Email,
    pub language: Language,
    pub tenant_name: &'a str,
    pub portal_base_url: &'a str,
    pub token: &'a str,
    pub expires_at: OffsetDateTime,
}

impl Invitation<'_> {
    pub fn render(&self) -> OutgoingEmail {
        let link = format!("{}/accept-invitation?token={}", self.portal_base_url, self.token);
        let expires = format_time(self.expires_at);
        let ja = self.language == Language::Ja;
        let administrator = self.kind == InvitationKind::Administrator;
        let subject = match (ja, administrator) {
            (false, false) => format!("You are invited to {} on the Service Management Portal", self.tenant_name),
            (false, true) => format!("You are invited to administer {} on the Service Management Portal", self.tenant_name),
            (true, false) => format!("サービス管理ポータル: {} への招待", self.tenant_name),
            (true, true) => format!("サービス管理ポータル: {} の管理者への招待", self.tenant_name),
        };
        let context = Context { ja, administrator, tenant_name: self.tenant_name, link: &link, expires: &expires };
        OutgoingEmail {
            to: self.to.clone(),
            subject,
            text: InvitationText { c: &context }.render().expect("the invitation text template renders"),
            html: InvitationHtml { c: &context }.render().expect("the invitation html template renders"),
        }
    }
}

pub struct PasswordReset<'a> {
    pub to: &'a Email,
    pub language: Language,
    pub tenant_name: &'a str,
    pub portal_base_url: &'a str,
    pub token: &'a str,
    pub expires_at: OffsetDateTime,
}

impl PasswordReset<'_> {
    pub fn render(&self) -> OutgoingEmail {
        let link = format!("{}/reset-password?token={}", self.portal_base_url, self.token);
        let expires = format_time(self.expires_at);
        let ja = self.language == Language::Ja;
        let subject = if ja {
            "サービス管理ポータル: パスワードの再設定".to_string()
        } else {
            "Reset your Service Management Portal password".to_string()
        };
        let context = Context { ja, administrator: false, tenant_name: self.tenant_name, link: &link, expires: &expires };
        OutgoingEmail {
            to: self.to.clone(),
            subject,
            text: PasswordResetText { c: &context }.render().expect("the reset text template renders"),
            html: PasswordResetHtml { c: &context }.render().expect("the reset html template renders"),
        }
    }
}

fn format_time(at: OffsetDateTime) -> String {
    at.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(kind: InvitationKind, language: Language, tenant_name: &str) -> OutgoingEmail {
        Invitation {
            kind,
            to: &Email::parse("new@example.com").unwrap(),
            language,
            tenant_name,
            portal_base_url: "https://portal.example.com",
            token: "TOKEN123",
            expires_at: OffsetDateTime::UNIX_EPOCH,
        }
        .render()
    }

    #[test]
    fn invitations_carry_the_contract_link_in_both_parts() {
        let email = invitation(InvitationKind::Member, Language::En, "Acme");
        let link = "https://portal.example.com/accept-invitation?token=TOKEN123";
        assert!(email.text.contains(link));
        assert!(email.html.contains(link));
        assert!(email.subject.contains("Acme"));
    }

    #[test]
    fn invitations_speak_the_member_language() {
        let ja = invitation(InvitationKind::Member, Language::Ja, "Acme");
        assert!(ja.text.contains("招待"), "{}", ja.text);
        let en = invitation(InvitationKind::Member, Language::En, "Acme");
        assert!(!en.text.contains("招待"));
    }

    #[test]
    fn administrator_invitations_have_their_own_wording() {
        let admin = invitation(InvitationKind::Administrator, Language::En, "Acme");
        let member = invitation(InvitationKind::Member, Language::En, "Acme");
        assert!(admin.text.contains("administrator"));
        assert!(!member.text.contains("administrator"));
    }

    #[test]
    fn password_resets_carry_the_reset_link_in_the_member_language() {
        let email = PasswordReset {
            to: &Email::parse("kim@example.com").unwrap(),
            language: Language::Ja,
            tenant_name: "Acme",
            portal_base_url: "https://portal.example.com",
            token: "RESET1",
            expires_at: OffsetDateTime::UNIX_EPOCH,
        }
        .render();
        assert!(email.text.contains("https://portal.example.com/reset-password?token=RESET1"));
        assert!(email.html.contains("https://portal.example.com/reset-password?token=RESET1"));
        assert!(email.text.contains("パスワード"));
    }

    #[test]
    fn tenant_names_are_escaped_in_html() {
        let email = invitation(InvitationKind::Member, Language::En, "<script>x</script>");
        assert!(!email.html.contains("<script>"));
    }
}

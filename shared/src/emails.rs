//! The emails the service sends, rendered from templates compiled into the binary.
use askama::Template;
use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessageTriggerSource as TriggerSource;
use time::OffsetDateTime;

use crate::email::Email;
use crate::language::Language;
use crate::ports::OutgoingEmail;

/// The emails the service sends; each carries one single-use link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    MemberInvitation,
    /// The invitation that makes someone a tenant's (representative) administrator.
    AdministratorInvitation,
    PasswordReset,
}

/// What every template is given.
struct Context<'a> {
    ja: bool,
    administrator: bool,
    /// The person already has an account: they sign in to join, they set no password.
    has_account: bool,
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

/// One email with its link, before rendering.
pub struct LinkEmail<'a> {
    pub kind: LinkKind,
    /// For an invitation: the person already has an account.
    pub has_account: bool,
    pub to: &'a Email,
    pub language: Language,
    pub tenant_name: &'a str,
    pub portal_base_url: &'a str,
    pub token: &'a str,
    pub expires_at: OffsetDateTime,
}

impl LinkEmail<'_> {
    pub fn render(&self) -> OutgoingEmail {
        let page = if self.kind == LinkKind::PasswordReset { "reset-password" } else { "accept-invitation" };
        let link = format!("{}/{page}?token={}", self.portal_base_url, self.token);
        let expires = format_time(self.expires_at);
        let ja = self.language == Language::Ja;
        let name = self.tenant_name;
        let subject = match (self.kind, ja) {
            (LinkKind::MemberInvitation, false) => {
                format!("You are invited to {name} on the Service Management Portal")
            }
            (LinkKind::MemberInvitation, true) => format!("サービス管理ポータル: {name} への招待"),
            (LinkKind::AdministratorInvitation, false) => {
                format!("You are invited to administer {name} on the Service Management Portal")
            }
            (LinkKind::AdministratorInvitation, true) => {
                format!("サービス管理ポータル: {name} の管理者への招待")
            }
            (LinkKind::PasswordReset, false) => "Reset your Service Management Portal password".to_string(),
            (LinkKind::PasswordReset, true) => "サービス管理ポータル: パスワードの再設定".to_string(),
        };
        let administrator = self.kind == LinkKind::AdministratorInvitation;
        let c = &Context { ja, administrator, has_account: self.has_account, tenant_name: name, link: &link, expires: &expires };
        let (text, html) = match self.kind {
            LinkKind::PasswordReset => (PasswordResetText { c }.render(), PasswordResetHtml { c }.render()),
            _ => (InvitationText { c }.render(), InvitationHtml { c }.render()),
        };
        OutgoingEmail {
            to: self.to.clone(),
            subject,
            text: text.expect("the text templates render"),
            html: html.expect("the html templates render"),
        }
    }
}

/// The codes Cognito itself emails, which the custom-message trigger words in the person's
/// language. Cognito puts the code where `{####}` (its `codeParameter`) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeEmail {
    /// The email sign-in code of MFA.
    SignIn,
    /// The code of Cognito's own forgot-password flow.
    ForgotPassword,
    /// The code that verifies an email address.
    Verification,
}

/// A code email, rendered.
pub struct CodeMessage {
    pub subject: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodeHtml<'a> {
    ja: bool,
    purpose: &'a str,
    /// Cognito's placeholder, kept as is (not escaped: Cognito replaces it).
    code: &'a str,
}

impl CodeEmail {
    /// The email of a custom-message trigger source; none for a message the service leaves to
    /// Cognito (an SMS, or the welcome message of `AdminCreateUser`, which the service suppresses).
    pub fn for_trigger(source: &TriggerSource) -> Option<CodeEmail> {
        match source {
            TriggerSource::Authentication => Some(CodeEmail::SignIn),
            TriggerSource::ForgotPassword => Some(CodeEmail::ForgotPassword),
            TriggerSource::VerifyUserAttribute | TriggerSource::UpdateUserAttribute | TriggerSource::ResendCode => {
                Some(CodeEmail::Verification)
            }
            _ => None,
        }
    }

    pub fn render(self, language: Language, code: &str) -> CodeMessage {
        let ja = language == Language::Ja;
        let (subject, purpose) = match (self, ja) {
            (CodeEmail::SignIn, false) => ("Your Service Management Portal sign-in code", "Enter this code to finish signing in:"),
            (CodeEmail::SignIn, true) => {
                ("サービス管理ポータル: サインインの確認コード", "サインインを完了するには、次のコードを入力してください。")
            }
            (CodeEmail::ForgotPassword, false) => {
                ("Your Service Management Portal password reset code", "Enter this code to choose a new password:")
            }
            (CodeEmail::ForgotPassword, true) => {
                ("サービス管理ポータル: パスワード再設定の確認コード", "新しいパスワードを設定するには、次のコードを入力してください。")
            }
            (CodeEmail::Verification, false) => {
                ("Verify your email for the Service Management Portal", "Enter this code to verify your email address:")
            }
            (CodeEmail::Verification, true) => {
                ("サービス管理ポータル: メールアドレスの確認コード", "メールアドレスを確認するには、次のコードを入力してください。")
            }
        };
        let html = CodeHtml { ja, purpose, code }.render().expect("the code template renders");
        CodeMessage { subject: subject.to_string(), html }
    }
}

fn format_time(at: OffsetDateTime) -> String {
    at.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(kind: LinkKind, language: Language, tenant_name: &str) -> OutgoingEmail {
        LinkEmail {
            kind,
            has_account: false,
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
        let email = email(LinkKind::MemberInvitation, Language::En, "Acme");
        let link = "https://portal.example.com/accept-invitation?token=TOKEN123";
        assert!(email.text.contains(link));
        assert!(email.html.contains(link));
        assert!(email.subject.contains("Acme"));
    }

    #[test]
    fn invitations_speak_the_member_language() {
        let ja = email(LinkKind::MemberInvitation, Language::Ja, "Acme");
        assert!(ja.text.contains("招待"), "{}", ja.text);
        let en = email(LinkKind::MemberInvitation, Language::En, "Acme");
        assert!(!en.text.contains("招待"));
    }

    #[test]
    fn administrator_invitations_have_their_own_wording() {
        let admin = email(LinkKind::AdministratorInvitation, Language::En, "Acme");
        let member = email(LinkKind::MemberInvitation, Language::En, "Acme");
        assert!(admin.text.contains("administrator"));
        assert!(!member.text.contains("administrator"));
    }

    #[test]
    fn password_resets_carry_the_reset_link_in_the_member_language() {
        let email = email(LinkKind::PasswordReset, Language::Ja, "Acme");
        assert!(email.text.contains("https://portal.example.com/reset-password?token=TOKEN123"));
        assert!(email.html.contains("https://portal.example.com/reset-password?token=TOKEN123"));
        assert!(email.text.contains("パスワード"));
    }

    #[test]
    fn a_person_with_an_account_is_asked_to_sign_in_never_to_set_a_password() {
        for language in [Language::En, Language::Ja] {
            let render = |has_account| {
                LinkEmail {
                    kind: LinkKind::MemberInvitation,
                    has_account,
                    to: &Email::parse("known@example.com").unwrap(),
                    language,
                    tenant_name: "Acme",
                    portal_base_url: "https://portal.example.com",
                    token: "TOKEN123",
                    expires_at: OffsetDateTime::UNIX_EPOCH,
                }
                .render()
            };
            let (known, new) = (render(true), render(false));
            let (sign_in, set_password) = match language {
                Language::En => ("sign in with your existing password", "Set your password"),
                Language::Ja => ("既存のパスワードでサインイン", "パスワードを設定"),
            };
            for part in [&known.text, &known.html] {
                assert!(part.contains(sign_in), "{part}");
                assert!(!part.contains(set_password), "{part}");
                assert!(part.contains("https://portal.example.com/accept-invitation?token=TOKEN123"));
            }
            assert!(new.text.contains(set_password) && !new.text.contains(sign_in), "{}", new.text);
        }
    }

    #[test]
    fn cognito_codes_are_worded_in_the_person_language_and_keep_the_placeholder() {
        for (source, en_words, ja_words) in [
            (TriggerSource::Authentication, "finish signing in", "サインイン"),
            (TriggerSource::ForgotPassword, "new password", "パスワード"),
            (TriggerSource::VerifyUserAttribute, "verify your email", "メールアドレス"),
        ] {
            let kind = CodeEmail::for_trigger(&source).expect("a code email");
            let en = kind.render(Language::En, "{####}");
            let ja = kind.render(Language::Ja, "{####}");
            assert!(en.html.contains("{####}") && ja.html.contains("{####}"), "{source:?}");
            assert!(en.html.contains(en_words) && !en.html.contains(ja_words), "{}", en.html);
            assert!(ja.html.contains(ja_words) && ja.subject.contains("サービス管理ポータル"), "{}", ja.html);
        }
        assert_eq!(CodeEmail::for_trigger(&TriggerSource::AdminCreateUser), None);
    }

    #[test]
    fn tenant_names_are_escaped_in_html() {
        let email = email(LinkKind::MemberInvitation, Language::En, "<script>x</script>");
        assert!(!email.html.contains("<script>"));
    }
}

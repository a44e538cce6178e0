//! Issuing an invitation: a fresh single-use token, and its email sent only once the member is
//! stored, so that no email ever points at a write that did not happen.
use time::OffsetDateTime;

use crate::app::App;
use crate::emails::{LinkEmail, LinkKind};
use crate::error::ApiError;
use crate::links::{InvitationLifetime, TokenRecord};
use crate::model::{Actor, Member};
use crate::tokens::Token;
use crate::tokens::TokenPurpose;

pub struct IssuedInvitation {
    pub token: Token,
    pub record: TokenRecord,
}

/// A new invitation link for the member, living `lifetime` if its sender chose one, else the
/// stack's invitation lifetime.
pub fn issue(app: &App, member: &Member, now: OffsetDateTime, lifetime: Option<InvitationLifetime>) -> Result<IssuedInvitation, ApiError> {
    let token = Token::generate()?;
    let lives = lifetime.map_or(app.config.invitation_ttl, InvitationLifetime::duration);
    let record = TokenRecord::for_member(&token, TokenPurpose::Invitation, member, now + lives);
    Ok(IssuedInvitation { token, record })
}

impl IssuedInvitation {
    /// Records the invitation, sent `by`, on a new member as its only live link.
    pub fn record_on(&self, member: &mut Member, by: &Actor) {
        member.invitation_expires_at = Some(self.record.expires_at);
        member.invitation_token_hash = Some(self.record.hash.clone());
        member.invited_by = Some(by.clone());
    }
}

/// Sends the invitation; a person who already has an account is asked to sign in and join,
/// never to set a password.
pub async fn send(
    app: &App,
    kind: LinkKind,
    member: &Member,
    has_account: bool,
    tenant_name: &str,
    invitation: &IssuedInvitation,
) -> Result<(), ApiError> {
    let email = LinkEmail {
        kind,
        has_account,
        to: &member.email,
        language: member.language,
        tenant_name,
        portal_base_url: &app.config.portal_base_url,
        token: invitation.token.expose(),
        expires_at: invitation.record.expires_at,
    }
    .render();
    app.mailer.send(email).await
}

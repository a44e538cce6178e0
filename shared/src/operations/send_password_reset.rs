//! `POST /tenants/{tenantId}/members/{memberId}/password-reset`: email the member a reset link.
//! This is the way back in for members whose email MFA blocks Cognito's "forgot password".
use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::emails::{LinkEmail, LinkKind};
use crate::error::ApiError;
use crate::links::TokenRecord;
use crate::operations::links::sent_or_taken_back;
use crate::operations::people;
use crate::operations::scope::ManagedMember;
use crate::operations::{Call, Handler, Reply};
use crate::rules;
use crate::tokens::{Token, TokenPurpose};

pub struct SendPasswordReset;

impl Handler for SendPasswordReset {
    const NAME: &'static str = "send-password-reset";
    const PORTS: Ports = Ports::ALL;
    type Scope = ManagedMember;
    type Input = ();

    async fn handle(app: &App, Call { scope, now, .. }: Call<ManagedMember, ()>) -> Result<Reply, ApiError> {
        let ManagedMember { access, member } = scope;
        rules::not_self(&access.caller, &member, "you cannot send yourself a password reset; use the sign-in page")?;
        rules::must_be_active(&member)?;
        rules::not_an_operator(people::is_operator(app, &member.user_sub).await?)?;

        let token = Token::generate()?;
        let record = TokenRecord::for_member(&token, TokenPurpose::PasswordReset, &member, now + app.config.password_reset_ttl);
        let reset = Some((&member.member_id, TokenPurpose::PasswordReset));
        let quotas = app.config.email_quotas.for_email(&member.tenant_id, access.tenant.tree(), &member.email, reset, now);
        let change = Change::by(access.actor(), now);
        let (renewed, changes) = changes::replace_link(&member, &record, &quotas, &change);
        app.store.commit(&changes).await?;
        let email = LinkEmail {
            kind: LinkKind::PasswordReset,
            has_account: true,
            to: &member.email,
            language: member.language,
            tenant_name: &access.tenant.name,
            portal_base_url: &app.config.portal_base_url,
            token: token.expose(),
            expires_at: record.expires_at,
        }
        .render();
        let sent = app.mailer.send(email).await;
        sent_or_taken_back(app, sent, || changes::take_back_link(&member, &renewed, &record, &change)).await?;
        Ok(Reply::accepted())
    }
}

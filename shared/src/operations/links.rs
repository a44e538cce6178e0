//! Emailed links: sending one after its change is committed (and taking the change back when the
//! email fails), and redeeming one: finding it by its token, holding it while Cognito is called,
//! and letting go of it when that fails. The public routes' bodies carry the token.
use std::future::Future;

use time::OffsetDateTime;

use crate::app::App;
use crate::changes::{self, Changeset};
use crate::error::ApiError;
use crate::links::{FirstPassword, LinkClaim, TokenRecord};
use crate::log::error_chain;
use crate::model::Member;
use crate::tokens::{Token, TokenPurpose};

/// The body of both public endpoints that set a password: the token from an email link and the
/// new password.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenAndPassword {
    pub token: String,
    pub password: String,
}

/// The body of the endpoints that take a link's token alone.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenOnly {
    pub token: String,
}

/// The email of a committed change, sent: if it failed, the change is taken back (`undo`) so
/// that the error answered changed nothing, and the email's error is the answer.
pub async fn sent_or_taken_back(app: &App, sent: Result<(), ApiError>, undo: impl FnOnce() -> Changeset) -> Result<(), ApiError> {
    if let Err(error) = sent {
        app.store.commit(&undo()).await?;
        return Err(error);
    }
    Ok(())
}

/// The stored link behind a token from an email, and its member, if it may be redeemed at `now`
/// (`TokenRecord::redeemable` decides).
pub async fn redeem(app: &App, raw: &str, purpose: TokenPurpose, now: OffsetDateTime) -> Result<(TokenRecord, Member), ApiError> {
    let hash = Token::parse(raw)?.hash();
    let record = app.store.get_token(&hash).await?.filter(|r| r.purpose == purpose).ok_or(ApiError::TokenInvalid)?;
    let member = app.store.get_member(&record.tenant_id, &record.member_id).await?;
    let member = record.redeemable(purpose, member, now)?;
    Ok((record, member))
}

/// Holds the link for this redemption, runs `redeem` (the calls to Cognito and the burn), and
/// lets go of the link if that fails, so that the person can simply try again.
pub async fn claimed<T, Redeemed>(
    app: &App,
    record: &TokenRecord,
    first_password: Option<&FirstPassword>,
    now: OffsetDateTime,
    redeem: impl FnOnce(LinkClaim) -> Redeemed,
) -> Result<T, ApiError>
where
    Redeemed: Future<Output = Result<T, ApiError>>,
{
    let claim = LinkClaim::new(now);
    app.store.commit(&changes::claim_link(record, &claim, first_password)).await?;
    let redeemed = redeem(claim.clone()).await;
    if redeemed.is_err() {
        // A first password Cognito did not set is let go with the claim, so that another link
        // may set it at once; one it set stays this link's, which a retry may set again.
        let unset = match first_password {
            Some(first) if matches!(app.directory.has_account(&first.user).await, Ok(false)) => Some(first),
            _ => None,
        };
        match app.store.commit(&changes::release_link(record, &claim, unset)).await {
            // Burnt or taken over meanwhile: nothing of ours to let go.
            Ok(()) | Err(ApiError::TokenInvalid) => {}
            Err(error) => tracing::warn!(error = %error_chain(&error), "a link stays held until its claim expires"),
        }
    }
    redeemed
}

//! What a membership change does to the person behind it (the Cognito user shared by all their
//! memberships): the contract's "People and memberships".
use std::future::Future;

use crate::app::App;
use crate::auth::OPERATORS_GROUP;
use crate::changes::{self, Joining, Leaving};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::log::error_chain;
use crate::model::{Member, Mfa, MfaType, Person};
use crate::ports::DirectoryUser;

/// How often a new membership is tried again when its person changed in between.
const JOIN_ATTEMPTS: usize = 3;

/// Adds a membership for the person with `email`: finds or creates their Cognito user, gives
/// `member` that user and the person's MFA, and stores it with `write`. When the person changed
/// meanwhile (their MFA, or their last membership went and their user is being deleted), reads
/// them again (finishing that deletion first) and tries again. When `write` is refused (a quota,
/// an existing member) or fails, a user this call created goes again, unless a membership of
/// another request came to use it meanwhile. Returns the user it used.
pub async fn add_membership<T, Written>(
    app: &App,
    email: &Email,
    member: &mut Member,
    mut write: impl FnMut(Member, Joining) -> Written,
) -> Result<(DirectoryUser, T), ApiError>
where
    Written: Future<Output = Result<T, ApiError>>,
{
    let mut mfa = Mfa::default();
    for _ in 0..JOIN_ATTEMPTS {
        let user = app.directory.ensure_user(email).await?;
        member.user_sub = user.sub.clone();
        member.mfa = mfa.clone();
        match write(member.clone(), Joining { created_user: user.created }).await {
            Err(ApiError::PersonChanged) => match app.store.get_person(&user.sub).await? {
                // Its deletion was decided (no membership, created by us, in no group): finish
                // it, and the next attempt creates a new user for the email.
                Some(person) if person.retiring => retire(app, &user.sub, person.version).await?,
                Some(person) => mfa = person.mfa,
                None => mfa = Mfa::default(),
            },
            Err(error) => {
                if user.created {
                    discard_unused_user(app, &user.sub).await;
                }
                return Err(error);
            }
            Ok(written) => return Ok((user, written)),
        }
    }
    Err(ApiError::PersonChanged)
}

/// Deletes a Cognito user this request created for a membership that was not written, if no
/// person record (no membership) uses it: so that a refused invitation leaves no account behind,
/// which a later invitation would take for one the service did not create. Failures are logged.
async fn discard_unused_user(app: &App, user: &UserSub) {
    let discarded = match tokio::try_join!(app.store.get_person(user), app.directory.groups_of(user)) {
        Ok((None, groups)) if groups.is_empty() => app.directory.delete_user(user).await,
        Ok(_) => return,
        Err(error) => Err(error),
    };
    if let Err(error) = discarded {
        tracing::warn!(error = %error_chain(&error), "a Cognito user created for a refused membership stays");
    }
}

/// Deletes a retiring person's Cognito user (`version`: their record as read), unless they are
/// in a group now: their groups are read again at this moment, not taken from when the
/// retirement was decided, so that a person made an operator since is never deleted; they are
/// kept instead, no longer retiring.
async fn retire(app: &App, user: &UserSub, version: u64) -> Result<(), ApiError> {
    if app.directory.groups_of(user).await?.is_empty() {
        return app.directory.delete_user(user).await;
    }
    app.store.commit(&changes::keep_person(user, version)).await
}

/// Whether the person is an operator, whose account no tenant manager may reach.
pub async fn is_operator(app: &App, user: &UserSub) -> Result<bool, ApiError> {
    Ok(app.directory.groups_of(user).await?.iter().any(|g| g == OPERATORS_GROUP))
}

/// What removing one membership does to its person, decided from their record and groups.
pub struct Departure {
    /// What it does to the person: with their last membership, if they are in no group, their
    /// sessions end (`sign_out`).
    pub leaving: Leaving,
}

/// Reads the person of `member` and their groups (one round trip) and decides: sessions end
/// with the last membership, the Cognito user goes with it only if the service created it and
/// it is in no group (an operator's account is never touched).
pub async fn departure(app: &App, member: &Member) -> Result<Departure, ApiError> {
    let (person, groups) = tokio::try_join!(app.store.get_person(&member.user_sub), app.directory.groups_of(&member.user_sub))?;
    let last = person.as_ref().is_some_and(Person::last_membership);
    let untouchable = !groups.is_empty();
    let retire = last && !untouchable && person.as_ref().is_some_and(|p| p.created_by_service);
    Ok(Departure { leaving: Leaving { person, retire, sign_out: last && !untouchable } })
}

/// After a departure committed: a retired person's Cognito user is deleted (which ends their
/// sessions too); a person who left their last membership otherwise is signed out. Failures are
/// logged, not answered: the membership is gone, the person's requests are refused, and the next
/// invitation of that email finishes a retirement.
pub async fn finish_departure(app: &App, user: &UserSub, departure: &Departure) {
    let finished = if let Some(person) = departure.leaving.person.as_ref().filter(|_| departure.leaving.retire) {
        // As the departure left them: one version on.
        retire(app, user, person.version + 1).await
    } else if departure.leaving.sign_out {
        end_sessions(app, user).await
    } else {
        return;
    };
    if let Err(error) = finished {
        tracing::warn!(error = %error_chain(&error), "a person without memberships keeps their account or sessions for now");
    }
}

/// How often ending a person's sessions at Cognito is tried, and the wait before the next try.
const SIGN_OUT_ATTEMPTS: u32 = 3;
const SIGN_OUT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(200);

/// Ends every session of the person at Cognito (`AdminUserGlobalSignOut`: their refresh tokens
/// stop renewing), tried again after a failure: whenever the service records a cut-off, the
/// applications that trust the pool's tokens must lose the sessions the API refuses.
pub async fn end_sessions(app: &App, user: &UserSub) -> Result<(), ApiError> {
    let mut attempt = 1;
    loop {
        match app.directory.sign_out_everywhere(user).await {
            Err(error) if attempt < SIGN_OUT_ATTEMPTS => {
                tracing::warn!(error = %error_chain(&error), attempt, "ending the person's sessions failed: trying again");
                tokio::time::sleep(SIGN_OUT_BACKOFF * attempt).await;
                attempt += 1;
            }
            ended => return ended,
        }
    }
}

/// Makes Cognito's MFA follow the person's record, until the record stops changing under it.
/// Run after a lost race or a failed write, so that Cognito never keeps a state that the
/// record (and so every tenant's list) does not show.
pub async fn sync_mfa(app: &App, user: &UserSub) -> Result<(), ApiError> {
    let mut person = app.store.get_person(user).await?;
    for _ in 0..JOIN_ATTEMPTS {
        let Some(current) = &person else {
            return Ok(());
        };
        apply_mfa(app, user, current.mfa.enabled).await?;
        let again = app.store.get_person(user).await?;
        if again.as_ref().map(|p| p.version) == Some(current.version) {
            return Ok(());
        }
        person = again;
    }
    Ok(())
}

/// Switches the person's MFA in Cognito; on means the authenticator app if they verified one,
/// else email.
pub async fn apply_mfa(app: &App, user: &UserSub, enabled: bool) -> Result<Option<MfaType>, ApiError> {
    if enabled {
        Ok(Some(app.directory.enable_mfa(user).await?))
    } else {
        app.directory.disable_mfa(user).await?;
        Ok(None)
    }
}

//! `DELETE /tenants/{tenantId}/members/{memberId}`.
use crate::app::{App, Ports};
use crate::audit::Change;
use crate::changes;
use crate::error::ApiError;
use crate::model::Member;
use crate::operations::people;
use crate::operations::scope::ManagedMember;
use crate::operations::{Call, Handler, Reply};
use crate::rules;

/// How often the person is read again when another of their memberships changed meanwhile.
const ATTEMPTS: usize = 3;

pub struct DeleteMember;

impl Handler for DeleteMember {
    const NAME: &'static str = "delete-member";
    const PORTS: Ports = Ports::STORE_DIRECTORY;
    type Scope = ManagedMember;
    type Input = ();

    /// Order (three round trips after the member is read with the caller's authorization): read
    /// the person and their groups; remove the membership with its email marker and links and
    /// uncount it on the person in one transaction (the commit point); then, if it was their last
    /// membership, delete their Cognito user where the contract allows (see
    /// `people::departure`), else end their sessions. If another membership of the person changed
    /// in between (an invite elsewhere), the person is read again and the decision made anew.
    /// What follows the commit is cleanup: the membership is gone either way, the person's
    /// requests are refused, and the next invitation of that email finishes a retirement.
    async fn handle(app: &App, Call { scope, now, .. }: Call<ManagedMember, ()>) -> Result<Reply, ApiError> {
        let ManagedMember { access, member } = scope;
        rules::not_self(&access.caller, &member, "tenant administrators cannot delete themselves")?;
        rules::not_representative(&member)?;

        remove(app, &member, &Change::by(access.actor(), now)).await?;
        Ok(Reply::no_content())
    }
}

/// Removes the membership as `change`, and what follows for its person (see `handle`).
pub(super) async fn remove(app: &App, member: &Member, change: &Change) -> Result<(), ApiError> {
    for _ in 0..ATTEMPTS {
        let departure = people::departure(app, member).await?;
        match app.store.commit(&changes::delete_member(member, &departure.leaving, change)).await {
            Err(ApiError::PersonChanged) => continue,
            Err(error) => return Err(error),
            Ok(()) => {
                people::finish_departure(app, &member.user_sub, &departure).await;
                return Ok(());
            }
        }
    }
    Err(ApiError::VersionConflict)
}

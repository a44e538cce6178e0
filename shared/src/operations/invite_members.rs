//! `POST /tenants/{tenantId}/members/batch`: up to 100 invitations in one call, each done as
//! `POST …/members` does it, answered row by row in the order given; or, as a dry run, each
//! row's answer as it would be, with nothing changed or sent.
use std::collections::HashSet;
use std::time::Duration;

use futures::lock::Mutex;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::app::{App, Ports};
use crate::audit::Change;
use crate::auth::ManagerAccess;
use crate::changes;
use crate::error::ApiError;
use crate::links::{Quota, QuotaTally};
use crate::log::error_chain;
use crate::model::Member;
use crate::operations::input::Json;
use crate::operations::invite_member::{self, Invitation};
use crate::operations::scope::ManagedTenant;
use crate::operations::{Call, Handler, Reply};
use crate::problem::{status_of, Problem};
use crate::views::MemberView;

/// The most invitations one batch takes: more is `batch_too_large`, and nothing is done.
pub const MAX_BATCH_ROWS: usize = 100;

/// Rows in flight at once, besides the pace they start at: enough to overlap one row's Cognito
/// call with another's email, few enough that a burst never reaches a dependency's rate.
const ROWS_AT_ONCE: usize = 4;

/// The longest a row may take once started: its Cognito call, its commit (after the waits of its
/// conflicts), its email and the commit that takes it back when the email failed, each cut at
/// the SDK's timeout; and the answer's own time after the last row. A row is started only while
/// this much of the function's time is left, so that no row is cut off half done.
const ROW_WORST_CASE: Duration =
    Duration::from_secs(4 * crate::sdk::OPERATION_TIMEOUT.as_secs() + crate::adapters::CONFLICT_WAIT.as_secs() + 1);

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Batch {
    /// Each row read on its own: a malformed row is that row's `validation_failed`.
    items: Vec<serde_json::Value>,
    #[serde(default)]
    dry_run: bool,
}

/// One row as sent: its email as given (to show beside its answer) and its invitation, or why
/// it is refused before anything is tried.
struct Row {
    email: Option<String>,
    invitation: Result<Invitation, ApiError>,
}

/// What became of a row: the new member (none in a dry run), or the error `POST …/members`
/// would have answered.
type Outcome = Result<Option<Member>, ApiError>;

impl Batch {
    /// The rows, in order; a second row with an email already in the batch is `member_exists`.
    fn rows(self) -> Result<Vec<Row>, ApiError> {
        if self.items.len() > MAX_BATCH_ROWS {
            return Err(ApiError::BatchTooLarge { max: MAX_BATCH_ROWS });
        }
        if self.items.is_empty() {
            return Err(ApiError::validation(format!("items must hold 1 to {MAX_BATCH_ROWS} invitations")));
        }
        let mut emails = HashSet::new();
        let rows = self.items.into_iter().map(|item| {
            let email = item.get("email").and_then(serde_json::Value::as_str).map(str::to_string);
            let invitation = serde_json::from_value::<Invitation>(item)
                .map_err(|e| ApiError::validation(format!("the invitation is not valid: {e}")))
                .and_then(
                    |invitation| if emails.insert(invitation.email.clone()) { Ok(invitation) } else { Err(ApiError::AlreadyInBatch) },
                );
            Row { email, invitation }
        });
        Ok(rows.collect())
    }
}

pub struct InviteMembers;

impl Handler for InviteMembers {
    const NAME: &'static str = "invite-members";
    const PORTS: Ports = Ports::ALL;
    const IDEMPOTENT: bool = true;
    /// 100 invitations with long addresses, pretty-printed.
    const MAX_BODY_BYTES: usize = 128 * 1024;
    type Scope = ManagedTenant;
    type Input = Json<Batch>;

    async fn handle(app: &App, call: Call<ManagedTenant, Json<Batch>>) -> Result<Reply, ApiError> {
        let Call { scope: ManagedTenant(access), input: Json(batch), now, deadline, .. } = call;
        let dry_run = batch.dry_run;
        let (emails, invitations): (Vec<_>, Vec<_>) = batch.rows()?.into_iter().map(|row| (row.email, row.invitation)).unzip();
        let outcomes = if dry_run {
            preview(app, &access, invitations, now).await?
        } else {
            let quota = Quota::batches(&access.tenant.tenant_id, now, app.config.batches_per_tenant_per_minute);
            app.store.commit(&changes::count_batch(&quota)).await?;
            invite_all(app, &access, invitations, now, deadline).await
        };
        let items: Vec<RowView> =
            emails.iter().zip(&outcomes).map(|(email, outcome)| RowView::of(email.as_deref(), outcome, now)).collect();
        Ok(Reply::ok(&serde_json::json!({ "items": items })))
    }
}

/// Invites every valid row, `ROWS_AT_ONCE` at a time, starting at most the stack's
/// `batch_invitations_per_second`; every row by the same actor at the same time. A row's
/// failure (its email included, which takes that row back) touches no other row. A row is not
/// started when less than `ROW_WORST_CASE` is left before the function's `deadline`: it is
/// answered `OutOfTime` (retryable), and the rows started are finished and answered.
async fn invite_all(
    app: &App,
    access: &ManagerAccess,
    rows: Vec<Result<Invitation, ApiError>>,
    now: OffsetDateTime,
    deadline: Option<OffsetDateTime>,
) -> Vec<Outcome> {
    let commits = Mutex::new(());
    let pace = Pace::new(app.config.batch_invitations_per_second);
    let actor = access.actor();
    let last_start = deadline.map(|deadline| deadline - ROW_WORST_CASE);
    let rows = stream::iter(rows).map(|row| async {
        let invitation = row?;
        pace.next_start().await;
        if last_start.is_some_and(|last| crate::clock::now() > last) {
            return Err(ApiError::OutOfTime);
        }
        let invited = invite_member::invite(app, &access.tenant, invitation, Change::by(actor.clone(), now), &commits).await;
        if let Err(ApiError::Upstream(source) | ApiError::Unfinished { source, .. }) = &invited {
            tracing::warn!(error = %error_chain(source.as_ref()), "a batch's invitation failed; the other rows go on");
        }
        invited.map(Some)
    });
    rows.buffered(ROWS_AT_ONCE).collect().await
}

/// Each row as `invite_all` would answer it, from two reads (the emails already members, and
/// the quotas' counts), changing and sending nothing. A row is refused by a full quota before an
/// existing member, as a commit checks the quotas first; only a row that would be created counts.
async fn preview(
    app: &App,
    access: &ManagerAccess,
    rows: Vec<Result<Invitation, ApiError>>,
    now: OffsetDateTime,
) -> Result<Vec<Outcome>, ApiError> {
    let quotas: Vec<_> = rows.iter().map(|row| row.as_ref().map(|i| invite_member::quotas(app, &access.tenant, &i.email, now)).ok()).collect();
    let emails: Vec<_> = rows.iter().filter_map(|row| row.as_ref().ok()).map(|i| i.email.clone()).collect();
    let counters = QuotaTally::counters(quotas.iter().flatten().flatten());
    let (in_use, counts) =
        futures::try_join!(app.store.emails_in_use(&access.tenant.tenant_id, &emails), app.store.emails_counted(&counters))?;
    let mut tally = QuotaTally::starting_at(counters.into_iter().zip(counts));
    let outcomes = rows.into_iter().zip(quotas).map(|(row, quotas)| {
        let invitation = row?;
        let quotas = quotas.unwrap_or_default();
        tally.check(&quotas)?;
        if in_use.contains(&invitation.email) {
            return Err(ApiError::MemberExists);
        }
        tally.count(&quotas);
        Ok(None)
    });
    Ok(outcomes.collect())
}

/// Starts rows no faster than a rate: the n-th start waits until n intervals after the first.
struct Pace {
    first: tokio::time::Instant,
    interval: Duration,
    started: std::sync::atomic::AtomicU32,
}

impl Pace {
    fn new(per_second: u32) -> Self {
        Self { first: tokio::time::Instant::now(), interval: Duration::from_secs(1) / per_second.max(1), started: Default::default() }
    }

    async fn next_start(&self) {
        let n = self.started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep_until(self.first + self.interval * n).await;
    }
}

/// A row of the answer: its email as sent, the status `POST …/members` would have answered, and
/// the new member (not in a dry run) or the problem.
#[derive(Serialize)]
struct RowView<'a> {
    email: Option<&'a str>,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<MemberView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Problem>,
}

impl<'a> RowView<'a> {
    fn of(email: Option<&'a str>, outcome: &'a Outcome, now: OffsetDateTime) -> Self {
        match outcome {
            Ok(member) => Self { email, status: 201, member: member.as_ref().map(|m| MemberView::at(m, now)), error: None },
            Err(error) => Self { email, status: status_of(error).as_u16(), member: None, error: Some(Problem::of(error)) },
        }
    }
}

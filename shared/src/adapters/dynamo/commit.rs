//! Committing a changeset: each write one item of one transaction, a failed condition mapped back
//! to that write's own conflict.
use super::*;

impl DynamoStore {
    /// The transaction item of one write.
    fn transact_item(&self, write: &Write) -> TransactWriteItem {
        match write {
            Write::RequireTenant(tenant) => self.check(key(tenant_pk(tenant), "TENANT"), "attribute_exists(pk)"),
            Write::CreateTenant(tenant) => self.put_new(tenant_item(tenant)),
            Write::DeleteTenant(tenant) => self.delete(key(tenant_pk(tenant), "TENANT")),
            Write::AddDescendant { ancestor, tenant } => self.put_new(descendant_key(ancestor, tenant)),
            Write::RemoveDescendant { ancestor, tenant } => self.delete(descendant_key(ancestor, tenant)),
            Write::CountMembers { tenant, delta } => update(
                self.update(key(tenant_pk(tenant), "TENANT"))
                    .update_expression("ADD memberCount :delta")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":delta", number(delta)),
            ),
            Write::SetRepresentative { tenant, expected, summary } => update(
                self.update(key(tenant_pk(tenant), "TENANT"))
                    .update_expression("SET representative = :summary")
                    .condition_expression("representative.memberId = :expected")
                    .expression_attribute_values(":summary", serde_dynamo::to_attribute_value(summary).expect("a summary serialises"))
                    .expression_attribute_values(":expected", s(expected.as_str())),
            ),
            Write::InsertMember(member) => self.put_new(member_item(member)),
            Write::UpdateMember { version, after } => {
                self.put(member_item(after), "version = :version", HashMap::from([(":version".into(), number(version))]))
            }
            Write::DeleteMember(member) => {
                self.delete_if(member_key(member), "version = :version", HashMap::from([(":version".into(), number(member.version))]))
            }
            Write::RequireAuthority(authority) => self.require_authority(authority),
            Write::ReserveEmail { tenant, email, member } => self.put_new(email_marker(tenant, email, member)),
            Write::ReleaseEmail { tenant, email } => self.delete(email_marker_key(tenant, email)),
            Write::PutLink(link) => self.put_new(token_item(link)),
            Write::DeleteLink(hash) => self.delete(token_key(hash)),
            Write::ClaimLink { hash, claim } => self.claim(hash, claim),
            Write::ReleaseLink { hash, claim } => update(
                self.update(token_key(hash))
                    .update_expression("REMOVE claimId, claimedUntil")
                    .condition_expression("claimId = :claim")
                    .expression_attribute_values(":claim", s(claim)),
            ),
            Write::BurnLink { hash, claim: Some(claim), .. } => {
                self.delete_if(token_key(hash), "claimId = :claim", HashMap::from([(":claim".into(), s(claim))]))
            }
            Write::BurnLink { hash, claim: None, at } => self.delete_if(
                token_key(hash),
                "attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
                HashMap::from([(":now".into(), number(at.unix_timestamp()))]),
            ),
            Write::CountEmail(quota) => self.count_email(quota),
            Write::JoinPerson { user, mfa, created_user } => self.join_person(user, mfa, *created_user),
            Write::UnjoinPerson(user) => update(
                self.update(person_key(user))
                    .update_expression("ADD memberships :minus, version :one")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":minus", number(-1))
                    .expression_attribute_values(":one", number(1)),
            ),
            Write::ReturnPerson { user, version } => self.unretire(user, *version, "ADD memberships :one, version :one"),
            Write::KeepPerson { user, version } => self.unretire(user, *version, "ADD version :one"),
            Write::LeavePerson { person, retire, sign_out, at } => self.leave_person(person, *retire, *sign_out, *at),
            Write::SwitchTenant { user, tenant } => update(
                self.update(person_key(user))
                    .update_expression("SET activeTenant = :tenant")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":tenant", s(tenant.as_str())),
            ),
            Write::RecordSignOut { user, at, at_cognito } => {
                let sign_out = self
                    .update(person_key(user))
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":at", number(at.unix_timestamp()));
                update(match at_cognito {
                    true => sign_out.update_expression("SET signedOutAt = :at REMOVE sessionsOutliveSignOut"),
                    false => sign_out
                        .update_expression("SET signedOutAt = :at, sessionsOutliveSignOut = :true")
                        .expression_attribute_values(":true", AttributeValue::Bool(true)),
                })
            }
            Write::SetPersonMfa { person, memberships, mfa, sessions_end_at } => {
                self.set_person_mfa(person, *memberships, mfa, *sessions_end_at)
            }
            Write::SetFirstPassword { user, link, account_exists, at, until } => {
                let set = self
                    .update(person_key(user))
                    .update_expression("SET firstPassword = :link, firstPasswordUntil = :until")
                    .expression_attribute_values(":link", s(link.as_str()))
                    .expression_attribute_values(":until", number(until.unix_timestamp()));
                update(if *account_exists {
                    set.condition_expression("firstPassword = :link")
                } else {
                    set.condition_expression(
                        "attribute_exists(pk) AND (attribute_not_exists(firstPassword) OR firstPassword = :link OR firstPasswordUntil < :at)",
                    )
                    .expression_attribute_values(":at", number(at.unix_timestamp()))
                })
            }
            Write::ClearFirstPassword { user, link } => update(
                self.update(person_key(user))
                    .update_expression("REMOVE firstPassword, firstPasswordUntil")
                    .condition_expression("firstPassword = :link")
                    .expression_attribute_values(":link", s(link.as_str())),
            ),
            Write::PutConnection { version: 0, after } => self.put_new(connection_item(after)),
            Write::PutConnection { version, after } => {
                self.put(connection_item(after), "version = :version", HashMap::from([(":version".into(), number(version))]))
            }
            Write::PutDirectoryToken(token) => self.put_new(directory_token_item(token)),
            Write::DeleteDirectoryToken(hash) => self.delete(directory_token_key(hash)),
            Write::PutGroup { version: 0, after } => self.put_new(group_item(after)),
            Write::PutGroup { version, after } => {
                self.put(group_item(after), "version = :version", HashMap::from([(":version".into(), number(version))]))
            }
            Write::DeleteGroup(group) => self.delete_if(
                group_key(&group.tenant_id, &group.group_id),
                "version = :version",
                HashMap::from([(":version".into(), number(group.version))]),
            ),
            Write::ReserveGroupName { tenant, name_key, group } => {
                let mut marker = group_name_key(tenant, name_key);
                marker.insert("groupId".into(), s(group.as_str()));
                self.put_new(marker)
            }
            Write::ReleaseGroupName { tenant, name_key } => self.delete(group_name_key(tenant, name_key)),
            Write::PutAudit(entry) => self.put_new(audit_item(entry)),
            Write::DeleteAudit { tenant, audit } => self.delete(audit_key(tenant, audit)),
        }
    }

    fn update(&self, key: Item) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder().table_name(&self.table).set_key(Some(key))
    }

    fn check(&self, key: Item, condition: &str) -> TransactWriteItem {
        let check = ConditionCheck::builder().table_name(&self.table).set_key(Some(key)).condition_expression(condition);
        TransactWriteItem::builder().condition_check(check.build().expect("table, key and condition are set")).build()
    }

    fn put(&self, item: Item, condition: &str, values: Item) -> TransactWriteItem {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item)).condition_expression(condition);
        if !values.is_empty() {
            put = put.set_expression_attribute_values(Some(values));
        }
        TransactWriteItem::builder().put(put.build().expect("table, item and condition are set")).build()
    }

    fn put_new(&self, item: Item) -> TransactWriteItem {
        self.put(item, "attribute_not_exists(pk)", Item::new())
    }

    fn delete(&self, key: Item) -> TransactWriteItem {
        let delete = Delete::builder().table_name(&self.table).set_key(Some(key));
        TransactWriteItem::builder().delete(delete.build().expect("table and key are set")).build()
    }

    fn delete_if(&self, key: Item, condition: &str, values: Item) -> TransactWriteItem {
        let mut delete = Delete::builder().table_name(&self.table).set_key(Some(key)).condition_expression(condition);
        if !values.is_empty() {
            delete = delete.set_expression_attribute_values(Some(values));
        }
        TransactWriteItem::builder().delete(delete.build().expect("table and key are set")).build()
    }

    fn require_authority(&self, authority: &ActingMembership) -> TransactWriteItem {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(&authority.tenant_id), member_sk(&authority.member_id))))
            .condition_expression("#status = :active AND #roles.#portal = :admin")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#roles", "roles")
            .expression_attribute_names("#portal", PORTAL)
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":admin", s(TENANT_ADMIN))
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
    }

    fn claim(&self, hash: &TokenHash, claim: &LinkClaim) -> TransactWriteItem {
        update(
            self.update(token_key(hash))
                .update_expression("SET claimId = :claim, claimedUntil = :until")
                .condition_expression("attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)")
                .expression_attribute_values(":claim", s(&claim.id))
                .expression_attribute_values(":until", number(claim.until.unix_timestamp()))
                .expression_attribute_values(":now", number(claim.at.unix_timestamp())),
        )
    }

    fn join_person(&self, user: &UserSub, mfa: &Mfa, created_user: bool) -> TransactWriteItem {
        let created = if created_user { ":true" } else { "if_not_exists(createdByService, :false)" };
        let mut join = self
            .update(person_key(user))
            .update_expression(format!(
                "SET userSub = :sub, mfaEnabled = if_not_exists(mfaEnabled, :false), createdByService = {created} ADD memberships :one, version :one"
            ))
            .expression_attribute_values(":sub", s(user.as_str()))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":false", AttributeValue::Bool(false));
        join = match mfa_type_value(mfa).filter(|_| mfa.enabled) {
            Some(mfa_type) => join
                .condition_expression("attribute_not_exists(retiring) AND mfaEnabled = :true AND mfaType = :type")
                .expression_attribute_values(":type", mfa_type),
            None => join.condition_expression("attribute_not_exists(pk) OR (attribute_not_exists(retiring) AND mfaEnabled = :false)"),
        };
        if created_user || mfa.enabled {
            join = join.expression_attribute_values(":true", AttributeValue::Bool(true));
        }
        update(join)
    }

    /// A retiring person, as read at `version`, no longer retiring (`counts`: what else it adds).
    fn unretire(&self, user: &UserSub, version: u64, counts: &str) -> TransactWriteItem {
        update(
            self.update(person_key(user))
                .update_expression(format!("REMOVE retiring, #ttl {counts}"))
                .condition_expression("version = :version")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":version", number(version))
                .expression_attribute_values(":one", number(1)),
        )
    }

    fn leave_person(&self, person: &Person, retire: bool, sign_out: bool, at: OffsetDateTime) -> TransactWriteItem {
        let mut set = Vec::new();
        let mut leave = self
            .update(person_key(&person.user_sub))
            .condition_expression("version = :version")
            .expression_attribute_values(":version", number(person.version))
            .expression_attribute_values(":minus", number(-1))
            .expression_attribute_values(":one", number(1));
        if retire {
            set.push("retiring = :true, #ttl = :ttl");
            leave = leave
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":true", AttributeValue::Bool(true))
                .expression_attribute_values(":ttl", number(at.unix_timestamp() + RETIRED_PERSON_TTL_SECONDS));
        }
        if sign_out {
            set.push("signedOutAt = :at");
            leave = leave.expression_attribute_values(":at", number(at.unix_timestamp()));
        }
        let set = if set.is_empty() { String::new() } else { format!("SET {} ", set.join(", ")) };
        update(leave.update_expression(format!("{set}ADD memberships :minus, version :one")))
    }

    fn set_person_mfa(&self, person: &Person, memberships: u64, mfa: &Mfa, sessions_end_at: Option<OffsetDateTime>) -> TransactWriteItem {
        let mut set = self
            .update(person_key(&person.user_sub))
            .condition_expression("version = :version AND memberships = :memberships")
            .expression_attribute_values(":version", number(person.version))
            .expression_attribute_values(":memberships", number(memberships))
            .expression_attribute_values(":enabled", AttributeValue::Bool(mfa.enabled))
            .expression_attribute_values(":one", number(1));
        let mut assignments = vec!["mfaEnabled = :enabled"];
        if let Some(at) = sessions_end_at {
            assignments.push("signedOutAt = :at");
            set = set.expression_attribute_values(":at", number(at.unix_timestamp()));
        }
        let expression = match mfa_type_value(mfa) {
            Some(mfa_type) => {
                assignments.push("mfaType = :type");
                set = set.expression_attribute_values(":type", mfa_type);
                format!("SET {} ADD version :one", assignments.join(", "))
            }
            None => format!("SET {} REMOVE mfaType ADD version :one", assignments.join(", ")),
        };
        update(set.update_expression(expression))
    }

    fn count_email(&self, quota: &Quota) -> TransactWriteItem {
        update(
            self.update(quota_key(quota))
                .update_expression("SET #ttl = :ttl ADD sends :one")
                .condition_expression("attribute_not_exists(sends) OR sends < :max")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":ttl", number(quota.window_end().unix_timestamp() + 3600))
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":max", number(quota.max)),
        )
    }
}

/// A transaction cancelled by another one on the same item is tried again after an exponential
/// backoff with jitter, as DynamoDB advises (the SDK does not: to it a cancelled transaction is
/// final). Every invitation in a tenant writes its member count and daily email count, so
/// invitations sent at once queue on those items: the waits may add up to `CONFLICT_WAIT`
/// (twenty at once all commit), each at most `CONFLICT_BACKOFF_MAX_MS`. The functions' timeout
/// (template.yaml) holds a commit, an email call cut at 3 s and the commit that takes the change
/// back (a test holds it).
const CONFLICT_BACKOFF_MS: u64 = 25;
const CONFLICT_BACKOFF_MAX_MS: u64 = 800;
pub const CONFLICT_WAIT: std::time::Duration = std::time::Duration::from_secs(4);

/// How often a transaction whose outcome is unknown (a timeout, a 5xx: DynamoDB may have applied
/// it and the answer been lost) is sent again with its `ClientRequestToken` to learn it: DynamoDB
/// answers a transaction it applied in the last 10 minutes with success, without applying it
/// twice; one it did not apply, it applies now.
const OUTCOME_CHECKS: u32 = 1;
const OUTCOME_CHECK_BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);

/// A transaction's idempotency token: 32 random hex digits (DynamoDB takes up to 36 characters).
fn client_request_token() -> String {
    (0..4).map(|_| format!("{:08x}", getrandom::u32().unwrap_or(0))).collect()
}

#[async_trait]
impl ChangeStore for DynamoStore {
    /// One transaction of every write, answered only once its outcome is known: a failure whose
    /// outcome is unknown is sent again with the same token (`OUTCOME_CHECKS`), so that a change
    /// DynamoDB applied is never answered as a failure ("nothing was changed").
    async fn commit(&self, changes: &Changeset) -> Result<(), ApiError> {
        if changes.writes.is_empty() {
            return Ok(());
        }
        let items: Vec<_> = changes.writes.iter().map(|guarded| self.transact_item(&guarded.write)).collect();
        let mut attempt = 0;
        let mut waited = std::time::Duration::ZERO;
        let mut token = client_request_token();
        let mut checks = 0;
        loop {
            attempt += 1;
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).client_request_token(&token).send().await;
            let error = match sent {
                Ok(_) => return Ok(()),
                Err(error) => error,
            };
            let cancelled = match &error {
                SdkError::ServiceError(e) => match e.err() {
                    TransactWriteItemsError::TransactionCanceledException(cancelled) => Some(cancelled),
                    TransactWriteItemsError::IdempotentParameterMismatchException(_)
                    | TransactWriteItemsError::ResourceNotFoundException(_) => return Err(ApiError::upstream(error)),
                    _ => None,
                },
                _ => None,
            };
            let Some(cancelled) = cancelled else {
                if checks < OUTCOME_CHECKS {
                    checks += 1;
                    tracing::warn!(error = %crate::log::error_chain(&error), "a transaction's outcome is unknown: sent again with its token");
                    tokio::time::sleep(OUTCOME_CHECK_BACKOFF * checks).await;
                    continue;
                }
                return Err(ApiError::upstream(error));
            };
            // Cancellation reasons come in item order, one item per write.
            let reasons = cancelled.cancellation_reasons();
            if let Some(guarded) =
                reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")).and_then(|i| changes.writes.get(i))
            {
                return Err((guarded.conflict)(&guarded.write));
            }
            let conflict = reasons.iter().any(|r| r.code() == Some("TransactionConflict"));
            let wait = full_jitter(attempt);
            waited += wait;
            if !conflict || waited > CONFLICT_WAIT {
                return Err(ApiError::upstream(error));
            }
            // Cancelled, so not applied: the next attempt is a new transaction.
            token = client_request_token();
            tokio::time::sleep(wait).await;
        }
    }
}

/// A random wait up to the attempt's exponential ceiling ("full jitter"), so that transactions
/// that conflicted once do not meet again.
fn full_jitter(attempt: u32) -> std::time::Duration {
    let ceiling = (CONFLICT_BACKOFF_MS << attempt.min(10)).min(CONFLICT_BACKOFF_MAX_MS);
    std::time::Duration::from_millis(u64::from(getrandom::u32().unwrap_or(0)) % (ceiling + 1))
}

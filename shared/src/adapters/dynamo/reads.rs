//! The reads: tenants, members, people, links and the audit trail.
use super::*;

#[async_trait]
impl TenantStore for DynamoStore {
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, ApiError> {
        match self.get(key(tenant_pk(id), "TENANT")).await? {
            Some(item) => Ok(Some(from_item::<TenantItem>(item)?.tenant)),
            None => Ok(None),
        }
    }

    async fn get_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError> {
        self.read_tenants(ids).await
    }

    async fn tenant_ids_under(&self, roots: &[TenantId]) -> Result<Vec<TenantId>, ApiError> {
        let mut ids: Vec<TenantId> = roots.to_vec();
        let lookups = roots.iter().map(|root| {
            self.query_all(
                None,
                "pk = :pk AND begins_with(sk, :desc)",
                HashMap::from([(":pk".to_string(), s(tenant_pk(root))), (":desc".to_string(), s("DESC#"))]),
            )
        });
        for items in futures::future::try_join_all(lookups).await? {
            for item in items {
                if let Some(AttributeValue::S(sk)) = item.get("sk") {
                    if let Some(id) = sk.strip_prefix("DESC#").and_then(|id| TenantId::parse(id).ok()) {
                        ids.push(id);
                    }
                }
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    async fn tenants_page(&self, after: Option<&TenantId>, limit: usize) -> Result<TenantPage, ApiError> {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s("TENANTS"))
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        if let Some(after) = after {
            request = request.set_exclusive_start_key(Some(HashMap::from([
                ("gsi1pk".to_string(), s("TENANTS")),
                ("gsi1sk".to_string(), s(tenant_pk(after))),
                ("pk".to_string(), s(tenant_pk(after))),
                ("sk".to_string(), s("TENANT")),
            ])));
        }
        let output = request.send().await.map_err(ApiError::upstream)?;
        let tenants = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| Ok(from_item::<TenantItem>(item)?.tenant))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(TenantPage::of(tenants, limit, |t| t.tenant_id.clone()))
    }
}

#[async_trait]
impl MemberStore for DynamoStore {
    async fn get_member(&self, tenant: &TenantId, member: &MemberId) -> Result<Option<Member>, ApiError> {
        match self.get(key(tenant_pk(tenant), member_sk(member))).await? {
            Some(item) => Ok(Some(from_item::<MemberItem>(item)?.member)),
            None => Ok(None),
        }
    }

    async fn memberships_of(&self, user: &UserSub) -> Result<Vec<Member>, ApiError> {
        let items =
            self.query_all(Some(GSI1), "gsi1pk = :pk", HashMap::from([(":pk".to_string(), s(format!("USER#{}", user.as_str())))])).await?;
        items.into_iter().map(|item| Ok(from_item::<MemberItem>(item)?.member)).collect()
    }

    async fn tenant_admins(&self, tenant: &TenantId, limit: usize) -> Result<Vec<Member>, ApiError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(ADMINS_INDEX)
            .key_condition_expression("adminOf = :tenant")
            .expression_attribute_values(":tenant", s(tenant_pk(tenant)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(ApiError::upstream)?;
        output.items.unwrap_or_default().into_iter().map(|item| Ok(from_item::<MemberItem>(item)?.member)).collect()
    }

    async fn list_members(
        &self,
        tenant: &TenantId,
        after: Option<&MemberId>,
        limit: usize,
        filter: &MemberFilter,
    ) -> Result<MemberPage, ApiError> {
        let unfiltered = filter.status.is_none() && filter.role.is_none() && filter.email_prefix.is_none();
        let mut page = MemberPageBuilder::new(filter, limit);
        let mut start = after.map(|m| key(tenant_pk(tenant), member_sk(m)));
        // Without a filter, one Query of one more than asked tells whether another page follows.
        // With one, Queries go on until enough members match or the page has read its share.
        loop {
            let want = if unfiltered { limit + 1 } else { page.room() };
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :member)")
                .expression_attribute_values(":pk", s(tenant_pk(tenant)))
                .expression_attribute_values(":member", s("MEMBER#"))
                .set_exclusive_start_key(start)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .consistent_read(true)
                .send()
                .await
                .map_err(ApiError::upstream)?;
            for item in output.items.unwrap_or_default() {
                if let Some(done) = page.offer(from_item::<MemberItem>(item)?.member) {
                    return Ok(done);
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() || page.room() == 0 {
                return Ok(page.finish(start.is_none()));
            }
        }
    }

    async fn emails_in_use(&self, tenant: &TenantId, emails: &[Email]) -> Result<Vec<Email>, ApiError> {
        let markers = self.batch_get(emails.iter().map(|e| email_marker_key(tenant, e)).collect()).await?;
        let found: std::collections::HashSet<&str> =
            markers.iter().filter_map(|item| item.get("sk")?.as_s().ok()?.strip_prefix("EMAIL#")).collect();
        Ok(emails.iter().filter(|e| found.contains(e.as_str())).cloned().collect())
    }

    async fn member_by_email(&self, tenant: &TenantId, email: &Email) -> Result<Option<Member>, ApiError> {
        let marker = self.get(email_marker_key(tenant, email)).await?;
        match marker.as_ref().and_then(|m| m.get("memberId")?.as_s().ok()).and_then(|id| MemberId::parse(id).ok()) {
            Some(member) => self.get_member(tenant, &member).await,
            None => Ok(None),
        }
    }
}

#[async_trait]
impl QuotaStore for DynamoStore {
    async fn emails_counted(&self, quotas: &[Quota]) -> Result<Vec<u32>, ApiError> {
        let keys: Vec<Item> = quotas.iter().map(quota_key).collect();
        let counters = self.batch_get(keys.clone()).await?;
        let sends_of = |key: &Item| {
            counters
                .iter()
                .find(|item| item.get("pk") == key.get("pk") && item.get("sk") == key.get("sk"))
                .and_then(|item| item.get("sends")?.as_n().ok()?.parse().ok())
                .unwrap_or(0)
        };
        Ok(keys.iter().map(sends_of).collect())
    }
}

#[async_trait]
impl TokenStore for DynamoStore {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError> {
        let Some(item) = self.get(token_key(hash)).await? else {
            return Ok(None);
        };
        let item: TokenItem = from_item(item)?;
        Ok(Some(TokenRecord {
            hash: hash.clone(),
            purpose: item.purpose,
            tenant_id: item.tenant_id,
            member_id: item.member_id,
            expires_at: match item.expires_at_ms {
                Some(ms) => OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000),
                None => OffsetDateTime::from_unix_timestamp(item.expires_at),
            }
            .map_err(ApiError::upstream)?,
        }))
    }
}

#[async_trait]
impl PersonStore for DynamoStore {
    async fn get_person(&self, user: &UserSub) -> Result<Option<Person>, ApiError> {
        match self.get(person_key(user)).await? {
            Some(item) => Ok(Some(from_item::<PersonItem>(item)?.into())),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl AuditStore for DynamoStore {
    async fn list_audit(&self, tenant: &TenantId, before: Option<&AuditId>, limit: usize) -> Result<AuditPage, ApiError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :audit)")
            .expression_attribute_values(":pk", s(tenant_pk(tenant)))
            .expression_attribute_values(":audit", s("AUDIT#"))
            .set_exclusive_start_key(before.map(|id| audit_key(tenant, id)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(ApiError::upstream)?;
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| Ok(from_item::<AuditItem>(item)?.entry))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(AuditPage::of(items, limit, |e| e.audit_id.clone()))
    }
}

#[async_trait]
impl DirectoryStore for DynamoStore {
    async fn get_connection(&self, tenant: &TenantId) -> Result<Connection, ApiError> {
        match self.get(connection_key(tenant)).await? {
            Some(item) => Ok(from_item::<ConnectionItem>(item)?.connection),
            None => Ok(Connection::unset(tenant)),
        }
    }

    async fn get_directory_token(&self, hash: &TokenHash) -> Result<Option<DirectoryToken>, ApiError> {
        match self.get(directory_token_key(hash)).await? {
            Some(item) => Ok(Some(from_item::<DirectoryTokenItem>(item)?.token)),
            None => Ok(None),
        }
    }

    /// One conditional write on the connection's item: counted within the minute; else, as the
    /// item's old values tell, a new minute begun (a second write), a full window, or no
    /// connection at all.
    async fn count_refusal(&self, tenant: &TenantId, window: &RefusalWindow) -> Result<Refusal, ApiError> {
        let minute = AttributeValue::N(window.minute.to_string());
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(tenant)))
            .update_expression("ADD refusedCount :one")
            .condition_expression("refusedMinute = :minute AND refusedCount < :max")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":minute", minute.clone())
            .expression_attribute_values(":max", AttributeValue::N(window.max.to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match counted {
            Ok(_) => return Ok(Refusal::Counted),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => match e.into_err() {
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(failed) => failed.item,
                _ => None,
            },
            Err(e) => return Err(ApiError::upstream(e)),
        };
        let Some(old) = old else { return Ok(Refusal::Unconnected) };
        if old.get("refusedMinute") == Some(&minute) {
            return Ok(Refusal::Full);
        }
        let begun = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(tenant)))
            .update_expression("SET refusedMinute = :minute, refusedCount = :one")
            .condition_expression("attribute_exists(pk) AND (attribute_not_exists(refusedMinute) OR refusedMinute < :minute)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":minute", minute)
            .send()
            .await;
        match begun {
            // Another request began the minute meanwhile: this one counts as refused all the same.
            Ok(_) => Ok(Refusal::Counted),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(Refusal::Counted),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn get_group(&self, tenant: &TenantId, group: &GroupId) -> Result<Option<DirectoryGroup>, ApiError> {
        match self.get(group_key(tenant, group)).await? {
            Some(item) => Ok(Some(from_item::<GroupItem>(item)?.group)),
            None => Ok(None),
        }
    }

    async fn list_groups(&self, tenant: &TenantId) -> Result<Vec<DirectoryGroup>, ApiError> {
        let values = HashMap::from([(":pk".to_string(), s(tenant_pk(tenant))), (":group".to_string(), s("GROUP#"))]);
        let items = self.query_all(None, "pk = :pk AND begins_with(sk, :group)", values).await?;
        items.into_iter().map(|item| Ok(from_item::<GroupItem>(item)?.group)).collect()
    }

    async fn record_directory_token_use(&self, hash: &TokenHash, at: OffsetDateTime) -> Result<(), ApiError> {
        let at = at.format(&time::format_description::well_known::Rfc3339).map_err(ApiError::upstream)?;
        let recorded = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(directory_token_key(hash)))
            .update_expression("SET lastUsedAt = :at")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":at", s(at))
            .send()
            .await;
        match recorded {
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(()),
            other => other.map(|_| ()).map_err(ApiError::upstream),
        }
    }
}

//! `Idempotency-Key` records: reserved, completed with the answer, released after a failure.
use super::*;

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn reserve(&self, key: &str, fingerprint: &str, now: OffsetDateTime) -> Result<Reservation, ApiError> {
        let mut item = idempotency_key(key);
        let reserved_at = now.unix_timestamp();
        item.insert("fingerprint".into(), s(fingerprint));
        item.insert("reservedAt".into(), number(reserved_at));
        item.insert("ttl".into(), number(reserved_at + IDEMPOTENCY_TTL_SECONDS));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.clone()))
            // Free, or held by a request that died without completing or releasing it.
            .condition_expression("attribute_not_exists(pk) OR (attribute_not_exists(#response) AND reservedAt < :stale)")
            .expression_attribute_names("#response", "response")
            .expression_attribute_values(":stale", number(reserved_at - IDEMPOTENCY_STALE_SECONDS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let existing = match put {
            Ok(_) => return Ok(Reservation::Reserved),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(failed) => failed.item,
                other => return Err(ApiError::upstream(other)),
            },
            Err(e) => return Err(ApiError::upstream(e)),
        };
        let existing: IdempotencyItem = match existing {
            Some(item) => from_item(item)?,
            None => self.get(idempotency_key(key)).await?.map(from_item).transpose()?.ok_or(ApiError::IdempotencyInProgress)?,
        };
        if existing.fingerprint != fingerprint {
            return Err(ApiError::IdempotencyKeyReused);
        }
        existing.response.map(Reservation::Replay).ok_or(ApiError::IdempotencyInProgress)
    }

    async fn complete(&self, key: &str, response: &StoredResponse) -> Result<(), ApiError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(idempotency_key(key)))
            .update_expression("SET #response = :response")
            .expression_attribute_names("#response", "response")
            .expression_attribute_values(":response", serde_dynamo::to_attribute_value(response).map_err(ApiError::upstream)?)
            .send()
            .await
            .map_err(ApiError::upstream)?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), ApiError> {
        self.client.delete_item().table_name(&self.table).set_key(Some(idempotency_key(key))).send().await.map_err(ApiError::upstream)?;
        Ok(())
    }
}

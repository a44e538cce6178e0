//! What a DynamoDB call costs in request units, as on-demand capacity bills them: a read 0.5 unit
//! (eventually consistent) or 1 (strongly consistent) per 4 KB of the items it returns, at least
//! one step even when it finds nothing; a write 1 unit per 1 KB of the item it writes; a
//! transaction twice that, per item. Item sizes are DynamoDB's (attribute names and values, not
//! the JSON carrying them). An update or a delete is counted for 1 KB (the service's items are
//! smaller: the bench checks the largest item it puts), and a refused conditional write costs as
//! one that succeeded.
use serde_json::Value;

const READ_STEP: f64 = 4096.0;
const WRITE_STEP: f64 = 1024.0;

/// Read and write request units of one call: its operation, its request and its response.
pub fn units(operation: &str, request: &Value, response: &Value) -> (f64, f64) {
    let consistency = |r: &Value| if r["ConsistentRead"] == Value::Bool(true) { 1.0 } else { 0.5 };
    let reads = |size: usize, per_step: f64| (size as f64 / READ_STEP).ceil().max(1.0) * per_step;
    match operation {
        "GetItem" => (reads(item_size(&response["Item"]), consistency(request)), 0.0),
        "Query" | "Scan" => {
            let size = response["Items"].as_array().map_or(0, |items| items.iter().map(item_size).sum());
            (reads(size, consistency(request)), 0.0)
        }
        "BatchGetItem" => {
            let per_step = request["RequestItems"].as_object().and_then(|t| t.values().next()).map_or(0.5, consistency);
            let items = response["Responses"]
                .as_object()
                .map(|t| t.values().filter_map(Value::as_array).flatten().collect::<Vec<_>>())
                .unwrap_or_default();
            (items.iter().map(|item| reads(item_size(item), per_step)).sum(), 0.0)
        }
        "TransactGetItems" => {
            let items = response["Responses"].as_array().cloned().unwrap_or_default();
            (items.iter().map(|r| reads(item_size(&r["Item"]), 2.0)).sum(), 0.0)
        }
        "PutItem" => (0.0, writes(&request["Item"])),
        "UpdateItem" | "DeleteItem" => (0.0, 1.0),
        "TransactWriteItems" => {
            let items = request["TransactItems"].as_array().cloned().unwrap_or_default();
            (0.0, items.iter().map(|i| 2.0 * if i["Put"].is_object() { writes(&i["Put"]["Item"]) } else { 1.0 }).sum())
        }
        _ => (0.0, 0.0),
    }
}

fn writes(item: &Value) -> f64 {
    (item_size(item) as f64 / WRITE_STEP).ceil().max(1.0)
}

/// The audit entries a write puts (`sk` `AUDIT#…`): each becomes one event on the bus.
pub fn audit_entries(operation: &str, request: &Value) -> usize {
    let is_audit = |item: &Value| item["sk"]["S"].as_str().is_some_and(|sk| sk.starts_with("AUDIT#"));
    match operation {
        "PutItem" => usize::from(is_audit(&request["Item"])),
        "TransactWriteItems" => {
            request["TransactItems"].as_array().map_or(0, |items| items.iter().filter(|i| is_audit(&i["Put"]["Item"])).count())
        }
        _ => 0,
    }
}

/// An item's size as DynamoDB counts it: each attribute's name and value.
pub fn item_size(item: &Value) -> usize {
    item.as_object().map_or(0, |attributes| attributes.iter().map(|(name, value)| name.len() + value_size(value)).sum())
}

fn value_size(value: &Value) -> usize {
    let Some((kind, inner)) = value.as_object().and_then(|v| v.iter().next()) else { return 0 };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, str::len),
        // Up to 38 significant digits, two a byte, plus one.
        "N" => inner.as_str().map_or(0, |n| n.trim_start_matches('-').replace('.', "").len().div_ceil(2) + 1),
        "B" => inner.as_str().map_or(0, |b| b.len() * 3 / 4),
        "BOOL" | "NULL" => 1,
        "SS" | "NS" | "BS" => inner.as_array().map_or(0, |set| set.iter().map(|v| v.as_str().map_or(0, str::len)).sum()),
        "L" => 3 + inner.as_array().map_or(0, |list| list.iter().map(|v| 1 + value_size(v)).sum()),
        "M" => 3 + inner.as_object().map_or(0, |map| map.iter().map(|(k, v)| 1 + k.len() + value_size(v)).sum()),
        _ => 0,
    }
}

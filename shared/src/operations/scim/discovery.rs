//! What the endpoint says of itself (RFC 7644 §4): exactly what it supports, so that a client
//! (and a conformance suite) asks for nothing else.
use serde_json::{json, Value};

use super::group::GROUP_SCHEMA;
use super::user::USER_SCHEMA;
use super::MAX_RESULTS;

const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

pub fn list(resources: Vec<Value>) -> Value {
    json!({ "schemas": [LIST], "totalResults": resources.len(), "startIndex": 1, "itemsPerPage": resources.len(), "Resources": resources })
}

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A token of the tenant's directory connection (Members tab, Directory).",
            "primary": true,
        }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    })
}

pub fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A member of the tenant",
        "schema": USER_SCHEMA,
        "schemaExtensions": [],
        "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
    })
}

fn attribute(name: &str, kind: &str, mutability: &str, required: bool, extra: Value) -> Value {
    let mut attribute = json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "required": required,
        "caseExact": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": "none",
    });
    if let (Value::Object(attribute), Value::Object(extra)) = (&mut attribute, extra) {
        attribute.extend(extra);
    }
    attribute
}

fn text(name: &str) -> Value {
    attribute(name, "string", "readWrite", false, json!({}))
}

pub fn user_schema(base: &str) -> Value {
    let name_parts = ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"].map(text);
    json!({
        "schemas": [SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A member of the tenant. userName and the email are set at creation, never changed.",
        "attributes": [
            attribute("userName", "string", "immutable", true, json!({ "uniqueness": "server" })),
            attribute("name", "complex", "readWrite", false, json!({ "subAttributes": name_parts })),
            text("displayName"),
            attribute("emails", "complex", "immutable", true, json!({
                "multiValued": true,
                "description": "The member's one email, where their invitation goes: the work (else primary) one. Optional when userName is itself the email.",
                "subAttributes": [
                    attribute("value", "string", "immutable", true, json!({})),
                    attribute("type", "string", "immutable", false, json!({ "canonicalValues": ["work"] })),
                    attribute("primary", "boolean", "immutable", false, json!({})),
                ],
            })),
            attribute("preferredLanguage", "string", "readWrite", false, json!({ "description": "ja… gives the member Japanese, anything else English" })),
            text("locale"),
            attribute("active", "boolean", "readWrite", true, json!({ "description": "false suspends the membership in this tenant only; every member is on or off (true when a creation leaves it out)" })),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}") },
    })
}

pub fn group_resource_type(base: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "A group of the tenant's directory: the roles it gives its members (PUT …/directory/roles)",
        "schema": GROUP_SCHEMA,
        "schemaExtensions": [],
        "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group") },
    })
}

pub fn group_schema(base: &str) -> Value {
    json!({
        "schemas": [SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A group of the tenant's directory; its members are Users of the tenant.",
        "attributes": [
            attribute("displayName", "string", "readWrite", true, json!({ "uniqueness": "server" })),
            attribute("members", "complex", "readWrite", false, json!({
                "multiValued": true,
                "subAttributes": [
                    attribute("value", "string", "immutable", true, json!({})),
                    attribute("$ref", "reference", "immutable", false, json!({ "referenceTypes": ["User"] })),
                    attribute("type", "string", "immutable", false, json!({ "canonicalValues": ["User"] })),
                ],
            })),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}") },
    })
}

//! One route table: `template.yaml` (what is deployed), `openapi.yaml` (what clients read) and
//! the local API (what the tests and `make start` serve) name the same routes, functions and
//! public endpoints, and every operation of the service has exactly one route.
use std::collections::BTreeSet;

use local_stack::template::Template;
use reqwest::{Method, StatusCode};
use tenant_members::operations::Operation;

use crate::helpers::{project_root, TestStack};

/// (method, path, function, public)
type RouteRow = (String, String, String, bool);

fn template_routes() -> BTreeSet<RouteRow> {
    Template::load(&project_root().join("template.yaml"))
        .unwrap()
        .routes()
        .unwrap()
        .into_iter()
        .map(|r| (r.method, r.path, r.function, r.public))
        .collect()
}

fn openapi_routes() -> BTreeSet<RouteRow> {
    let spec: serde_norway::Value = serde_norway::from_str(&std::fs::read_to_string(project_root().join("openapi.yaml")).unwrap()).unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let public = operation["security"].as_sequence().is_some_and(|s| s.is_empty());
            routes.insert((
                method.to_uppercase(),
                path.as_str().unwrap().to_string(),
                operation["operationId"].as_str().unwrap().to_string(),
                public,
            ));
        }
    }
    routes
}

#[test]
fn template_and_openapi_describe_the_same_routes_for_every_operation() {
    let template = template_routes();
    let openapi = openapi_routes();
    assert_eq!(template, openapi, "template.yaml and openapi.yaml disagree");
    let functions: Vec<_> = template.iter().map(|(_, _, f, _)| f.as_str()).collect();
    for operation in Operation::ALL {
        assert_eq!(functions.iter().filter(|f| **f == operation.name()).count(), 1, "{} needs one route", operation.name());
    }
    let public: BTreeSet<_> = template.iter().filter(|r| r.3).map(|r| r.1.as_str()).collect();
    // Joining is behind the authorizer: only the invited person, signed in, may join.
    assert_eq!(public, BTreeSet::from(["/invitations/accept", "/invitations/lookup", "/password-resets/complete"]));
}

#[tokio::test]
async fn the_local_api_serves_exactly_the_template_routes() {
    let stack = TestStack::start().await;
    for (method, path, function, public) in template_routes() {
        let concrete = path.replace("{tenantId}", "01JD0000000000000000000000").replace("{memberId}", "01JD0000000000000000000001");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let answer = stack.call(method.clone(), &concrete, None, None).await;
        if public {
            assert_eq!(answer.code(), "validation_failed", "{function}: {method} {path} reaches the function without a token");
        } else {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{function}: {method} {path} is served and needs a token");
        }
    }
    let unknown = stack.call(Method::GET, "/members", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let wrong_method = stack.call(Method::PATCH, "/tenants", None, None).await;
    assert_eq!(wrong_method.status, StatusCode::NOT_FOUND);
}

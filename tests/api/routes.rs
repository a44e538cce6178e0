//! One route table: `template.yaml` (what is deployed), `openapi.yaml` (what clients read) and
//! the local API (what the tests and `make start` serve) name the same routes, functions and
//! public endpoints, and every operation of the service has exactly one route.
use std::collections::BTreeSet;

use local_stack::template::Template;
use reqwest::{Method, StatusCode};
use tenant_members::registry::Operation;

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

/// The SCIM endpoint: one function behind the directory's own bearer tokens (no authorizer),
/// described by RFC 7644 and its discovery routes rather than by `openapi.yaml`.
fn scim_route() -> RouteRow {
    ("ANY".into(), "/scim/v2/{tenantId}/{proxy+}".into(), "scim".into(), true)
}

#[test]
fn template_and_openapi_describe_the_same_routes_for_every_operation() {
    let template = template_routes();
    let openapi = openapi_routes();
    assert!(template.contains(&scim_route()), "template.yaml serves the SCIM endpoint");
    let without_scim: BTreeSet<_> = template.iter().filter(|r| **r != scim_route()).cloned().collect();
    assert_eq!(without_scim, openapi, "template.yaml and openapi.yaml disagree");
    let functions: Vec<_> = template.iter().map(|(_, _, f, _)| f.as_str()).collect();
    for operation in Operation::ALL {
        assert_eq!(functions.iter().filter(|f| **f == operation.name()).count(), 1, "{} needs one route", operation.name());
    }
    let public: BTreeSet<_> = without_scim.iter().filter(|r| r.3).map(|r| r.1.as_str()).collect();
    // Joining is behind the authorizer: only the invited person, signed in, may join.
    assert_eq!(public, BTreeSet::from(["/invitations/accept", "/invitations/lookup", "/password-resets/complete"]));
}

/// Everything an operation needs besides its code, by name: a newcomer who added an operation
/// to the registry learns here, in one fast test (no emulator), what else to write.
#[test]
fn every_operation_has_its_binary_function_route_contract_and_events() {
    let root = project_root();
    let template = Template::load(&root.join("template.yaml")).unwrap();
    let (routes, functions) = (template.routes().unwrap(), template.function_services().unwrap());
    let openapi = openapi_routes();
    let events: Vec<String> =
        std::fs::read_dir(root.join("events")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    let mut missing = Vec::new();
    for operation in Operation::ALL {
        let name = operation.name();
        let binary = std::fs::read_to_string(root.join(format!("functions/src/bin/{name}.rs"))).unwrap_or_default();
        if !binary.contains("tenant_members::lambda::run::<") {
            missing.push(format!("{name}: no thin binary functions/src/bin/{name}.rs calling tenant_members::lambda::run::<Handler>()"));
        }
        if !functions.iter().any(|(function, _)| function == name) {
            missing.push(format!("{name}: no AWS::Serverless::Function in template.yaml with Metadata.BuildProperties.Binary: {name}"));
        }
        if !routes.iter().any(|route| route.function == name) {
            missing.push(format!("{name}: no HttpApi event (its route) on its function in template.yaml"));
        }
        if name != scim_route().2 && !openapi.iter().any(|route| route.2 == name) {
            missing.push(format!("{name}: no operation in openapi.yaml with operationId: {name}"));
        }
        if !events.iter().any(|event| event.starts_with(&format!("{name}."))) {
            missing.push(format!("{name}: no sample event events/{name}.<status>-<case>.json (scripts/generate-events.py writes them)"));
        }
    }
    assert!(missing.is_empty(), "operations miss what they need (docs/architecture.md, \"Adding an operation\"):\n{}", missing.join("\n"));
}

/// The comment that opens the functions' alarms in `template.yaml`; the rest of `Resources` is theirs.
const FUNCTION_ALARMS: &str = "  # alarm follows from its function.\n";

/// One function's alarm: its errors and throttles in five minutes.
fn failures_alarm(function: &str) -> String {
    let name = function.strip_suffix("Function").unwrap_or(function);
    let metric = |id: &str, metric: &str| {
        format!(
            "        - {{ Id: {id}, ReturnData: false, MetricStat: {{ Metric: {{ Namespace: AWS/Lambda, MetricName: {metric}, Dimensions: [{{ Name: FunctionName, Value: !Ref {function} }}] }}, Period: 300, Stat: Sum }} }}\n"
        )
    };
    format!(
        "\n  {name}FailuresAlarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmDescription: !Sub ${{{function}}} failed or was throttled\n      \
         AlarmActions: [!If [HasAlarmTopic, !Ref AlarmTopicArn, !Ref AlarmTopic]]\n      Metrics:\n        \
         - {{ Id: failures, Expression: errors + throttles, Label: Errors and throttles }}\n{}{}      EvaluationPeriods: 1\n      \
         Threshold: 1\n      ComparisonOperator: GreaterThanOrEqualToThreshold\n      TreatMissingData: notBreaching\n",
        metric("errors", "Errors"),
        metric("throttles", "Throttles"),
    )
}

/// Every function has its failures alarm, written from the template's functions: a function
/// added gets its alarm by `UPDATE_TEMPLATE=1` on this test, never by copying a block.
#[test]
fn every_function_has_its_failures_alarm_written_from_the_functions() {
    let path = project_root().join("template.yaml");
    let source = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    let functions =
        lines.windows(2).filter(|w| w[1] == "    Type: AWS::Serverless::Function").filter_map(|w| w[0].trim().strip_suffix(':'));
    let written: String = functions.map(failures_alarm).collect();
    let start = source.find(FUNCTION_ALARMS).expect("template.yaml opens the functions' alarms with its comment") + FUNCTION_ALARMS.len();
    let end = source.find("\nOutputs:").expect("template.yaml has Outputs after Resources");
    if source[start..end] == written {
        return;
    }
    if std::env::var_os("UPDATE_TEMPLATE").is_some() {
        std::fs::write(&path, format!("{}{written}{}", &source[..start], &source[end..])).unwrap();
        return;
    }
    panic!("the functions' alarms in template.yaml are not those of its functions: run this test with UPDATE_TEMPLATE=1");
}

#[tokio::test]
async fn the_local_api_serves_exactly_the_template_routes() {
    let stack = TestStack::start().await;
    for (method, path, function, public) in template_routes() {
        let concrete = path
            .replace("{tenantId}", "01JD0000000000000000000000")
            .replace("{memberId}", "01JD0000000000000000000001")
            .replace("{tokenId}", "01JD0000000000000000000002")
            .replace("{proxy+}", "Users");
        let method = Method::from_bytes(if method == "ANY" { b"GET" } else { method.as_bytes() }).unwrap();
        let answer = stack.call(method.clone(), &concrete, None, None).await;
        if function == scim_route().2 {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "the SCIM endpoint needs a directory token");
        } else if public {
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

/// A function builds the clients of its operation's ports and no other: its policy in the
/// template must name exactly those services (a port without its policy would be refused in AWS,
/// a policy without its port grants what the function cannot use).
#[test]
fn each_functions_policy_names_exactly_the_services_of_its_ports() {
    use tenant_members::app::Ports;
    let template = Template::load(&project_root().join("template.yaml")).unwrap();
    let functions = template.function_services().unwrap();
    assert_eq!(
        functions.len(),
        Operation::ALL.len() + tenant_members::triggers::NAMES.len() + 1,
        "one function per operation and trigger, and the event publisher"
    );
    for (function, services) in functions {
        if function == tenant_members::publisher::NAME {
            // It reads the table's stream, puts on the bus, parks on the dead-letter queue.
            assert_eq!(services, BTreeSet::from(["dynamodb", "events", "sqs"].map(String::from)), "{function}");
            continue;
        }
        let ports = tenant_members::triggers::ports_of(&function)
            .or_else(|| Operation::from_name(&function).map(|op| op.ports()))
            .unwrap_or_else(|| panic!("{function} is no operation or trigger"));
        let Ports { store, directory, mailer } = ports;
        let expected: BTreeSet<String> = [(store, "dynamodb"), (directory, "cognito-idp"), (mailer, "ses")]
            .into_iter()
            .filter(|(wired, _)| *wired)
            .map(|(_, service)| service.to_string())
            .collect();
        assert_eq!(services, expected, "{function}: its policy's services and its ports differ");
    }
}

//! Every sample event in `events/`, named `<function>.<status>-<case>.json`, answers the status
//! it is named for: fed to its handler in process as Lambda would feed it
//! (`lambda_http::request::from_str`), and to the real function binary under `cargo lambda`
//! through `scripts/invoke.sh`, both against the fixtures of `local_stack::fixtures`.
use std::path::{Path, PathBuf};

use tenant_members::operations::Operation;

use crate::helpers::{project_root, TestStack};

/// Functions that Cognito calls, not API Gateway: they answer with the event they were given.
const TRIGGERS: [&str; 1] = ["enforce-mfa"];

fn events_dir() -> PathBuf {
    project_root().join("events")
}

/// (function, expected status) from `<function>.<status>-<case>.json`.
fn parse_name(path: &Path) -> (String, u16) {
    let name = path.file_stem().unwrap().to_str().unwrap();
    let (function, case) = name.split_once('.').unwrap_or_else(|| panic!("{name}: not <function>.<status>-<case>"));
    let status = case.split('-').next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{name}: no status"));
    (function.to_string(), status)
}

async fn invoke(path: PathBuf) -> Result<(), String> {
    let (function, expected) = parse_name(&path);
    let stack = TestStack::start().await;
    local_stack::fixtures::seed(&stack.running.app, &stack.cognito).await.map_err(|e| format!("seeding: {e}"))?;
    let event = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    if TRIGGERS.contains(&function.as_str()) {
        let event: serde_json::Value = serde_json::from_str(&event).map_err(|e| e.to_string())?;
        let answered = tenant_members::triggers::enforce_mfa(&stack.running.app, event.clone()).await;
        return match answered {
            Ok(back) if back == event && expected == 200 => Ok(()),
            other => Err(format!("{}: the trigger answered {other:?}", path.display())),
        };
    }
    let operation = Operation::from_name(&function).ok_or_else(|| format!("{}: no function {function}", path.display()))?;
    let request = lambda_http::request::from_str(&event).map_err(|e| format!("{}: {e}", path.display()))?;
    let response = operation.respond(&stack.running.app, request).await;
    let status = response.status().as_u16();
    if status == expected {
        Ok(())
    } else {
        Err(format!("{}: expected {expected}, got {status}: {:?}", path.display(), response.body()))
    }
}

fn event_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_event_gets_the_status_it_is_named_for() {
    let files = event_files();
    let results = futures::future::join_all(files.iter().cloned().map(invoke)).await;
    let failures: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{} of {} events failed:\n{}", failures.len(), files.len(), failures.join("\n"));

}

#[test]
fn every_function_has_events_and_is_an_operation() {
    let functions: Vec<String> = std::fs::read_dir(project_root().join("functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let events: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| parse_name(&e.unwrap().path()).0)
        .collect();
    for function in &functions {
        assert!(Operation::from_name(function).is_some() || TRIGGERS.contains(&function.as_str()), "functions/{function} is no operation");
        assert!(events.contains(function), "functions/{function} has no event in events/");
    }
    for operation in Operation::ALL {
        assert!(functions.iter().any(|f| f == operation.name()), "{} has no function", operation.name());
    }
}

/// Stops the `cargo lambda watch` that `scripts/invoke.sh` leaves running for the next call.
struct Watcher(PathBuf);

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = std::process::Command::new("kill").arg(pid.trim()).status();
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[test]
fn every_event_invoked_under_cargo_lambda_gets_the_status_it_is_named_for() {
    let root = project_root();
    let _watcher = Watcher(root.join(".local/cargo-lambda-watch.pid"));
    let mut failures = Vec::new();
    let files = event_files();
    for file in &files {
        let (function, expected) = parse_name(file);
        let output = std::process::Command::new(root.join("scripts/invoke.sh"))
            .arg(&function)
            .arg(file)
            .env("WATCH_PORT", "9105")
            .current_dir(&root)
            .output()
            .expect("scripts/invoke.sh runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let response: Option<serde_json::Value> =
            stdout.lines().rev().find(|l| l.starts_with('{')).and_then(|l| serde_json::from_str(l).ok());
        // A trigger hands Cognito its event back: that is its 200.
        let status = response.as_ref().and_then(|r| r["statusCode"].as_u64().or(r.get("triggerSource").map(|_| 200)));
        if status != Some(u64::from(expected)) {
            failures.push(format!(
                "{}: expected {expected}, got {status:?}\n{stdout}\n{}",
                file.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} events failed:\n{}", failures.len(), files.len(), failures.join("\n"));

    // The functions' logs: one JSON line per request, and no secret of any event in them.
    let log = std::fs::read_to_string(root.join(".local/cargo-lambda-watch.log")).unwrap();
    let requests: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "request")
        .collect();
    // Every API Gateway event is a request (a trigger's event is not).
    let http_events = files.iter().filter(|f| !TRIGGERS.contains(&parse_name(f).0.as_str())).count();
    assert!(requests.len() >= http_events, "{} request lines for {http_events} API Gateway events", requests.len());
    for line in &requests {
        for field in ["request_id", "function", "tenant", "status", "latency_ms"] {
            assert!(line["fields"].get(field).is_some(), "{field} missing in {line}");
        }
    }
    let secrets = [
        local_stack::fixtures::INVITATION_TOKEN,
        local_stack::fixtures::RESET_TOKEN,
        "Corr3ct-Horse-Battery!",
        "N3w-Corr3ct-Horse!",
    ];
    for secret in secrets {
        assert!(!log.contains(secret), "a token or password reached the logs");
    }
}

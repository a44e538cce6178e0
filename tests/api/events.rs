//! Every sample event in `events/` fed to its function's handler, as Lambda would feed it
//! (`lambda_http::request::from_str`), against seeded fixtures; each answers the status its
//! file is named for: `<function>.<status>-<case>.json`.
use std::path::{Path, PathBuf};

use tenant_members::operations::Operation;

use crate::helpers::TestStack;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events")
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
    let operation = Operation::from_name(&function).ok_or_else(|| format!("{}: no function {function}", path.display()))?;
    let stack = TestStack::start().await;
    local_stack::fixtures::seed(&stack.running.app).await.map_err(|e| format!("seeding: {e}"))?;
    let event = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let request = lambda_http::request::from_str(&event).map_err(|e| format!("{}: {e}", path.display()))?;
    let response = operation.respond(&stack.running.app, request).await;
    let status = response.status().as_u16();
    if status == expected {
        Ok(())
    } else {
        Err(format!("{}: expected {expected}, got {status}: {:?}", path.display(), response.body()))
    }
}

#[tokio::test]
async fn every_event_gets_the_status_it_is_named_for() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let results = futures::future::join_all(files.iter().cloned().map(invoke)).await;
    let failures: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{} of {} events failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn every_function_has_events_and_is_an_operation() {
    let functions: Vec<String> = std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let events: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| parse_name(&e.unwrap().path()).0)
        .collect();
    for function in &functions {
        assert!(Operation::from_name(function).is_some(), "functions/{function} is no operation");
        assert!(events.contains(function), "functions/{function} has no event in events/");
    }
    for operation in Operation::ALL {
        assert!(functions.iter().any(|f| f == operation.name()), "{} has no function", operation.name());
    }
}

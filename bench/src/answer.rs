//! `bench answer`: what a person waits for on a cold start, less AWS's own time: exec of each
//! function's release binary to its answer of its success event, its AWS calls answered at once
//! by a replay of what the emulator answered (`local_stack::replay`), beside `hello` answering
//! the same way, in one run; and each binary's size. The aim (issue "what a request costs"):
//! every function within 1.15 × `hello` and under 5 MB.
use std::path::Path;

use aws_config::SdkConfig;
use local_stack::replay::ReplayStub;
use local_stack::runtime_api::RuntimeStub;
use local_stack::traffic::Traffic;
use tenant_members::registry::Operation;
use tenant_members::{triggers, App};

use crate::in_process::Function;
use crate::process::{first_answer_ms, STARTS};
use crate::{config_from, release_dir, success_event, BoxError};

const WITHIN_HELLO: f64 = 1.15;
const UNDER_BYTES: u64 = 5_000_000;

/// Every function's first answer, or only those named in `only`.
pub async fn answers(
    template: &Path,
    stub: &RuntimeStub,
    recorded_sdk: &SdkConfig,
    traffic: &Traffic,
    only: &[String],
) -> Result<(), BoxError> {
    let env = local_stack::seed_events_stack(template).await?;
    let hello = release_dir().join("hello");
    let nothing = ReplayStub::start(Vec::new()).await?;
    let hello_ms = first_answer_ms(&hello, stub, &env, &success_event("list-roles")?, &nothing).await;
    println!("\n| function | exec → first answer ms (median of {STARTS}, AWS answered at once) | × hello | size MB |\n|---|---|---|---|");
    println!("| *hello* | {hello_ms:.2} | 1.00 | {:.2} |", std::fs::metadata(&hello)?.len() as f64 / 1e6);
    let functions = Operation::ALL
        .iter()
        .map(|o| Function::Route(*o))
        .chain(triggers::NAMES.iter().map(|t| Function::Trigger(t)))
        .filter(|f| only.is_empty() || only.iter().any(|name| name == f.name()));
    let (mut all, mut fast, mut small) = (0, 0, 0);
    for measured in functions {
        let function = measured.name();
        let binary = release_dir().join(function);
        let env = local_stack::seed_events_stack(template).await?;
        // A function without a success event (revoke-directory-token's needs a token the fixtures
        // do not hold) answers its first refusal.
        let (event, note) = match success_event(function) {
            Ok(event) => (event, ""),
            Err(_) => (crate::event(function, &["4"])?, " (a refusal: no success event)"),
        };
        let app = App::on_aws(recorded_sdk, config_from(&env));
        traffic.capture();
        measured.answer(&app, &event).await;
        let aws = ReplayStub::start(traffic.captured()).await?;
        let ms = first_answer_ms(&binary, stub, &env, &event, &aws).await;
        let size = std::fs::metadata(&binary)?.len();
        println!("| {function}{note} | {ms:.2} | {:.2} | {:.2} |", ms / hello_ms, size as f64 / 1e6);
        all += 1;
        fast += usize::from(ms / hello_ms <= WITHIN_HELLO);
        small += usize::from(size < UNDER_BYTES);
    }
    println!("first answer: {fast}/{all} functions within {WITHIN_HELLO} × hello, {small}/{all} under 5 MB");
    Ok(())
}

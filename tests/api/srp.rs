//! Cognito's SRP sign-in, which the join page uses outside `dev` (the password never reaches
//! Cognito): the emulator's SRP server and the page's client (`pages/cognito-srp.js`), each held
//! to pycognito, the Python client people sign in to AWS Cognito with
//! (`scripts/cognito-srp-reference.py`).
use serde_json::{json, Value};

use crate::browser::Browser;
use crate::helpers::{project_root, TestStack, PASSWORD};

/// Runs the reference script with the project's Python (`.venv`, where `make test` installs
/// pycognito); its output. Awaited, not blocking: the stack's triggers answer the emulator's
/// Cognito on this test's own runtime while the script signs in.
pub async fn reference(args: &[&str]) -> String {
    let output = tokio::process::Command::new(project_root().join(".venv/bin/python"))
        .arg(project_root().join("scripts/cognito-srp-reference.py"))
        .args(args)
        .output()
        .await
        .expect("the project's .venv runs (make test installs it)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn pycognito_signs_in_to_the_emulator_by_srp_with_the_password_and_is_refused_without() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let s = &stack.stack;
    let sign_in = async |password: &str, at: &[&str]| {
        reference(&[&["sign-in", &s.aws_endpoint_url, &s.user_pool_id, &s.user_pool_client_id, &person.email, password], at].concat()).await
    };
    assert_eq!(sign_in(PASSWORD, &[]).await, "signed in");
    assert_eq!(sign_in("Not-The-Passw0rd!", &[]).await, "refused: NotAuthorizedException");
    assert_eq!(sign_in(&PASSWORD.to_lowercase(), &[]).await, "refused: NotAuthorizedException", "a near miss is a miss");
    assert_eq!(sign_in(PASSWORD, &["2026-01-01T00:00:00"]).await, "refused: NotAuthorizedException", "a claim dated long ago is stale");
}

#[tokio::test]
async fn the_pages_srp_claims_are_pycognitos_on_known_vectors() {
    let vectors: Vec<Value> = serde_json::from_str(&reference(&["vectors"]).await).expect("the vectors are JSON");
    // docs/local-stack.md's count: every padding case of A, B, u and the salt, both day widths, Japanese
    // and symbol passwords (scripts/cognito-srp-reference.py asserts they are covered).
    assert_eq!(vectors.len(), 24, "docs/local-stack.md promises 24 known-answer vectors");
    let stack = crate::browser::stack_with_portal().await;
    let b = Browser::start("en-US").await;
    b.run("srp-vectors", async {
        b.goto(&format!("{}/accept-invitation", stack.stack.portal_base_url)).await;
        b.text("#problem").await;
        let claims = b
            .client
            .execute_async(
                "const [vectors, done] = arguments;
                 Promise.all(vectors.map((v) => CognitoSrp.claim({
                   poolId: v.poolId, password: v.password, a: BigInt(`0x${v.a}`), challenge: v.challenge, at: new Date(v.at),
                 }))).then(done, (e) => done(String(e)));",
                vec![json!(vectors)],
            )
            .await
            .expect("the claims are computed");
        let claims = claims.as_array().unwrap_or_else(|| panic!("the page threw: {claims}"));
        let wrong: Vec<String> = vectors
            .iter()
            .zip(claims)
            .enumerate()
            .filter(|(_, (vector, claim))| vector["claim"] != **claim)
            .map(|(i, (vector, claim))| format!("vector {i}: pycognito {} but the page {claim}", vector["claim"]))
            .collect();
        assert!(
            wrong.is_empty() && claims.len() == vectors.len(),
            "{} of {} claims differ:\n{}",
            wrong.len(),
            vectors.len(),
            wrong.join("\n")
        );
    })
    .await;
}

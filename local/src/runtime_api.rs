//! A minimal Lambda Runtime API on loopback: hands a function binary the same event again and
//! again, notes when it first asks for work (the end of its init) and counts its answers. `make
//! bench` runs the functions on it, and a test runs one at TRACE.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{watch, Notify};

#[derive(Default)]
struct Shared {
    event: Mutex<String>,
    to_serve: AtomicUsize,
    first_next: Mutex<Option<Instant>>,
    next_seen: Notify,
    answered: Mutex<Option<watch::Sender<usize>>>,
    request_ids: AtomicU64,
}

pub struct RuntimeStub {
    pub address: SocketAddr,
    shared: Arc<Shared>,
}

impl RuntimeStub {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(answered))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(failed))
            .route("/2018-06-01/runtime/init/error", post(failed))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let address = listener.local_addr().expect("a bound address");
        tokio::spawn(async move { axum::serve(listener, router).await.expect("the runtime stub serves") });
        Self { address, shared }
    }

    /// Serves `event` `count` times from now on; then `/next` waits forever.
    pub fn serve(&self, event: &str, count: usize) -> watch::Receiver<usize> {
        *self.shared.event.lock().unwrap() = event.to_string();
        *self.shared.first_next.lock().unwrap() = None;
        let (sender, receiver) = watch::channel(0);
        *self.shared.answered.lock().unwrap() = Some(sender);
        self.shared.to_serve.store(count, Ordering::SeqCst);
        receiver
    }

    /// When the function first asked for an event.
    pub async fn first_next(&self) -> Instant {
        loop {
            let notified = self.shared.next_seen.notified();
            if let Some(at) = *self.shared.first_next.lock().unwrap() {
                return at;
            }
            notified.await;
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> (StatusCode, HeaderMap, String) {
    {
        let mut first = shared.first_next.lock().unwrap();
        if first.is_none() {
            *first = Some(Instant::now());
        }
    }
    shared.next_seen.notify_waiters();
    let served = shared.to_serve.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    if served.is_err() {
        std::future::pending::<()>().await;
    }
    let id = shared.request_ids.fetch_add(1, Ordering::SeqCst);
    let mut headers = HeaderMap::new();
    let deadline = (time::OffsetDateTime::now_utc().unix_timestamp() + 30) * 1000;
    headers.insert("lambda-runtime-aws-request-id", HeaderValue::from_str(&format!("stub-{id}")).unwrap());
    headers.insert("lambda-runtime-deadline-ms", HeaderValue::from_str(&deadline.to_string()).unwrap());
    headers.insert("lambda-runtime-invoked-function-arn", HeaderValue::from_static("arn:aws:lambda:us-east-1:000000000000:function:stub"));
    headers.insert("lambda-runtime-trace-id", HeaderValue::from_static("Root=1-00000000-000000000000000000000000;Sampled=0"));
    (StatusCode::OK, headers, shared.event.lock().unwrap().clone())
}

fn count(shared: &Shared) {
    if let Some(sender) = shared.answered.lock().unwrap().as_ref() {
        sender.send_modify(|n| *n += 1);
    }
}

async fn answered(State(shared): State<Arc<Shared>>) -> StatusCode {
    count(&shared);
    StatusCode::ACCEPTED
}

/// An error answer counts as an answer: the function stays up either way.
async fn failed(State(shared): State<Arc<Shared>>) -> StatusCode {
    count(&shared);
    StatusCode::ACCEPTED
}

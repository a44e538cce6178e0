//! AWS answered at once: a loopback server that gives each call the answer recorded for the same
//! service's operation (`traffic::Traffic::capture`), in the order they were recorded, the last
//! one again once they run out. `make bench` points a function's SDK at it, so that its time to
//! its first answer is its own, not the emulator's.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;

use crate::traffic::{service_and_operation, Recorded};
use crate::BoxError;

type Answers = Mutex<HashMap<(String, String), (Vec<Recorded>, usize)>>;

/// The server; its address is the SDK's endpoint (`AWS_ENDPOINT_URL`).
pub struct ReplayStub {
    pub url: String,
    answers: Arc<Answers>,
}

impl ReplayStub {
    pub async fn start(recorded: Vec<Recorded>) -> Result<Self, BoxError> {
        let mut answers: HashMap<(String, String), (Vec<Recorded>, usize)> = HashMap::new();
        for answer in recorded {
            answers.entry((answer.service.clone(), answer.operation.clone())).or_default().0.push(answer);
        }
        let answers = Arc::new(Mutex::new(answers));
        let router = Router::new().fallback(answer).with_state(Arc::clone(&answers));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Self { url, answers })
    }

    /// From the first recorded answers again (a new process makes the same calls).
    pub fn rewind(&self) {
        for (_, next) in self.answers.lock().expect("replay lock").values_mut() {
            *next = 0;
        }
    }
}

async fn answer(State(answers): State<Arc<Answers>>, request: Request) -> Response {
    let header = |headers: &HeaderMap, name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let headers = request.headers();
    let uri = request.uri().to_string();
    let key = service_and_operation(
        header(headers, "authorization").as_deref(),
        header(headers, "x-amz-target").as_deref(),
        request.method().as_str(),
        &uri,
    );
    let recorded = {
        let mut answers = answers.lock().expect("replay lock");
        answers.get_mut(&key).map(|(list, next)| {
            let answer = list[(*next).min(list.len() - 1)].clone();
            *next += 1;
            answer
        })
    };
    let Some(recorded) = recorded else {
        return Response::builder()
            .status(StatusCode::NOT_IMPLEMENTED)
            .body(Body::from(format!("no answer recorded for {key:?}")))
            .expect("a response");
    };
    let mut response = Response::builder().status(recorded.status);
    for (name, value) in &recorded.headers {
        if !matches!(name.as_str(), "content-length" | "transfer-encoding" | "connection" | "date") {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(recorded.body)).expect("a response")
}

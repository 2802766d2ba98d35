//! Clients that stream incident creates and comments, remembering each write the server
//! acknowledged with 2xx and how every other request ended.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{json, Value};

/// A client gives up on a request after this long: a server that hangs fails the test.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// However the test goes, no client sends more than this many requests.
const MAX_REQUESTS_PER_CLIENT: usize = 5_000;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// How one request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// 503 with an application/problem+json body.
    Unavailable,
    /// 503 without a problem body: still a failure of the contract.
    BareUnavailable,
    ServerError(u16),
    OtherStatus(u16),
    Timeout,
    /// Refused or reset: nothing listening (the server is dead).
    Connection,
}

/// One request's outcome and when it was sent and answered.
#[derive(Clone, Debug)]
pub struct Sample {
    pub sent: Instant,
    pub answered: Instant,
    pub outcome: Outcome,
}

#[derive(Default)]
pub struct Shared {
    pub stop: AtomicBool,
    pub acknowledged: AtomicUsize,
    pub incidents: Mutex<Vec<(i64, String)>>,
    /// (incident id, comment id, body)
    pub comments: Mutex<Vec<(i64, i64, String)>>,
    pub samples: Mutex<Vec<Sample>>,
}

impl Shared {
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap().clone()
    }
}

async fn send(
    shared: &Shared,
    request: reqwest::RequestBuilder,
    expect: StatusCode,
) -> Option<Value> {
    let sent = Instant::now();
    let (outcome, body) = match request.send().await {
        Err(e) if e.is_timeout() => (Outcome::Timeout, None),
        Err(_) => (Outcome::Connection, None),
        Ok(res) => {
            let status = res.status();
            let problem = res
                .headers()
                .get("content-type")
                .is_some_and(|v| v == "application/problem+json");
            // A body cut off by a dying server is as good as no answer.
            match res.text().await {
                Err(e) if e.is_timeout() => (Outcome::Timeout, None),
                Err(_) => (Outcome::Connection, None),
                Ok(text) if status == expect => (Outcome::Ok, serde_json::from_str(&text).ok()),
                Ok(_) if status == StatusCode::SERVICE_UNAVAILABLE && problem => {
                    (Outcome::Unavailable, None)
                }
                Ok(_) if status == StatusCode::SERVICE_UNAVAILABLE => {
                    (Outcome::BareUnavailable, None)
                }
                Ok(_) if status.is_server_error() => (Outcome::ServerError(status.as_u16()), None),
                Ok(_) => (Outcome::OtherStatus(status.as_u16()), None),
            }
        }
    };
    shared.samples.lock().unwrap().push(Sample {
        sent,
        answered: Instant::now(),
        outcome,
    });
    body
}

/// One client: files an incident, comments on it twice, again and again until told to stop
/// (or its request budget is spent). Writes are recorded only once acknowledged.
pub async fn writer(base: String, token: String, client_no: usize, shared: Arc<Shared>) {
    let http = client();
    let mut requests = 0;
    let mut round = 0;
    while !shared.stop.load(Ordering::Relaxed) && requests < MAX_REQUESTS_PER_CLIENT {
        round += 1;
        let title = format!("Fault load {client_no}-{round}");
        requests += 1;
        let created = send(
            &shared,
            http.post(format!("{base}/api/v1/incidents"))
                .bearer_auth(&token)
                .json(&json!({ "title": title, "description": "Written under a fault test." })),
            StatusCode::CREATED,
        )
        .await;
        let Some(id) = created.as_ref().and_then(|v| v["id"].as_i64()) else {
            // Nothing to comment on; a short pause keeps a dead server from being hammered.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        shared.incidents.lock().unwrap().push((id, title.clone()));
        shared.acknowledged.fetch_add(1, Ordering::Relaxed);
        for n in 1..=2 {
            if shared.stop.load(Ordering::Relaxed) {
                break;
            }
            let body = format!("{title} comment {n}");
            requests += 1;
            let comment = send(
                &shared,
                http.post(format!("{base}/api/v1/incidents/{id}/comments"))
                    .bearer_auth(&token)
                    .json(&json!({ "body": body, "visibility": "internal" })),
                StatusCode::CREATED,
            )
            .await;
            if let Some(comment_id) = comment.as_ref().and_then(|v| v["id"].as_i64()) {
                shared.comments.lock().unwrap().push((id, comment_id, body));
                shared.acknowledged.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Starts `n` writers; stop them with `shared.stop` and await the handles.
pub fn writers(
    n: usize,
    base: &str,
    token: &str,
    shared: &Arc<Shared>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|i| tokio::spawn(writer(base.to_owned(), token.to_owned(), i, shared.clone())))
        .collect()
}

/// Waits until `shared.acknowledged` reaches `at_least` (panics after `secs`).
pub async fn wait_acknowledged(shared: &Shared, at_least: usize, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while shared.acknowledged.load(Ordering::Relaxed) < at_least {
        assert!(
            Instant::now() < deadline,
            "only {} writes acknowledged after {secs} s",
            shared.acknowledged.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Counts of outcomes, for the printed figures.
pub fn tally(samples: &[&Sample]) -> String {
    let count = |f: &dyn Fn(Outcome) -> bool| samples.iter().filter(|s| f(s.outcome)).count();
    format!(
        "{} requests: {} ok, {} 503 problem+json, {} 503 bare, {} other 5xx, {} other status, {} timed out, {} refused/reset",
        samples.len(),
        count(&|o| o == Outcome::Ok),
        count(&|o| o == Outcome::Unavailable),
        count(&|o| o == Outcome::BareUnavailable),
        count(&|o| matches!(o, Outcome::ServerError(_))),
        count(&|o| matches!(o, Outcome::OtherStatus(_))),
        count(&|o| o == Outcome::Timeout),
        count(&|o| o == Outcome::Connection),
    )
}

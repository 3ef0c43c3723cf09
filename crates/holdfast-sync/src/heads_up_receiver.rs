//! A real webhook receiver on loopback for the heads-up tests and bench (feature
//! `test-receiver`): an axum server that does what the README tells a receiver to do. It checks
//! a signed request's timestamp and signature (`holdfast_core::heads_up::verify`, answering 401
//! when they fail), keeps the first body of each delivery id and answers a repeated one 200
//! without keeping it again, and can be told to fail the next requests (503) or be stopped and
//! started again on the same port (down for a while).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use holdfast_core::heads_up::{verify, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use jiff::Timestamp;
use uuid::Uuid;

/// A delivery the receiver accepted, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub delivery_id: Uuid,
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Debug, Default)]
struct Inner {
    secret: Option<Vec<u8>>,
    fail_next: u32,
    /// Every request's delivery id, in order, accepted or not.
    attempts: Vec<Uuid>,
    /// The first accepted request of each delivery id.
    received: Vec<Received>,
    seen: HashSet<Uuid>,
    bad_signatures: u32,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running (or stopped) receiver.
pub struct Receiver {
    address: SocketAddr,
    shared: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut inner = lock(&shared);
    let Some(delivery_id) = headers
        .get(DELIVERY_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    inner.attempts.push(delivery_id);
    if inner.fail_next > 0 {
        inner.fail_next -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Some(secret) = &inner.secret {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let verified = verify(
            secret,
            &header(TIMESTAMP_HEADER),
            &header(SIGNATURE_HEADER),
            &body,
            Timestamp::now(),
        );
        if verified.is_err() {
            inner.bad_signatures += 1;
            return StatusCode::UNAUTHORIZED;
        }
    }
    if inner.seen.insert(delivery_id) {
        inner.received.push(Received {
            delivery_id,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    StatusCode::NO_CONTENT
}

impl Receiver {
    /// Starts a receiver on a free loopback port; with a secret it accepts only requests signed
    /// with it.
    pub async fn start(secret: Option<&[u8]>) -> std::io::Result<Receiver> {
        let shared = Arc::new(Mutex::new(Inner {
            secret: secret.map(<[u8]>::to_vec),
            ..Inner::default()
        }));
        Receiver::serve(SocketAddr::from(([127, 0, 0, 1], 0)), shared).await
    }

    async fn serve(address: SocketAddr, shared: Shared) -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Receiver {
            address,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The URL to subscribe.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }

    /// Answers the next `count` requests 503.
    pub fn fail_next(&self, count: u32) {
        lock(&self.shared).fail_next = count;
    }

    /// Stops listening: connections are refused until `restart`.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Listens again on the same port, with what it had received.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop().await;
        let restarted = Receiver::serve(self.address, Arc::clone(&self.shared)).await?;
        *self = restarted;
        Ok(())
    }

    /// The accepted deliveries, each once, in the order they arrived.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared).received.clone()
    }

    /// Every request's delivery id, in order, accepted or not.
    pub fn attempts(&self) -> Vec<Uuid> {
        lock(&self.shared).attempts.clone()
    }

    /// How many requests failed the signature check.
    pub fn bad_signatures(&self) -> u32 {
        lock(&self.shared).bad_signatures
    }
}

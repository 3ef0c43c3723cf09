//! Operating the server (issue 12): one structured log line per request through `tracing` (a
//! request id, also sent back in `X-Request-Id`; the user and organisation ids when the request
//! is authenticated; the matched route template, never the raw URI; the status; the latency),
//! Prometheus metrics (`GET /metrics`, answered to loopback peers or to a configured bearer
//! token), and `GET /health` (200 when the database answers, 503 otherwise).
//!
//! Nothing here reads a request's body or its headers beyond the ones named: passwords, tokens,
//! one-time codes and customer fields never reach a log line or a metric label.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use holdfast_sync::protocol::{CommandOutcome, PushResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use sha2::{Digest, Sha256};
use tracing::Instrument;
use uuid::Uuid;

use crate::http::AppState;

/// The response header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The route label of a request no route matched (the raw path is never a label: it would let
/// any client grow the metrics without bound, and it can carry ids).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// How long `/health` waits for the database before answering 503.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// The server's metrics, in a registry of their own (one per `AppState`: two servers in one
/// process, or two tests, never count into each other).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    push_commands: IntCounterVec,
    sign_in_failures: IntCounterVec,
    pub connections_open: IntGauge,
    pub connections_refused: IntCounter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> crate::Result<Metrics> {
        let failed =
            |error: prometheus::Error| crate::ServerError::Config(format!("metrics: {error}"));
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "holdfast_http_requests_total",
                "HTTP requests answered, by method, route template and status",
            ),
            &["method", "route", "status"],
        )
        .map_err(failed)?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "holdfast_http_request_duration_seconds",
                "Time from a request's head to its response, by route template",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["route"],
        )
        .map_err(failed)?;
        let push_commands = IntCounterVec::new(
            Opts::new(
                "holdfast_push_commands_total",
                "Pushed commands by outcome: applied, rejected (by the engine) or conflict (a \
                 guarded step against a case that had moved)",
            ),
            &["outcome"],
        )
        .map_err(failed)?;
        let sign_in_failures = IntCounterVec::new(
            Opts::new(
                "holdfast_sign_in_failures_total",
                "Refused sign-ins by reason: unauthorized (wrong name or password), forbidden \
                 (deactivated), rate_limited, unavailable (the server was too busy)",
            ),
            &["reason"],
        )
        .map_err(failed)?;
        let connections_open =
            IntGauge::new("holdfast_connections_open", "Client connections open now")
                .map_err(failed)?;
        let connections_refused = IntCounter::new(
            "holdfast_connections_refused_total",
            "Connections closed at once because --max-connections were open",
        )
        .map_err(failed)?;
        registry
            .register(Box::new(requests.clone()))
            .map_err(failed)?;
        registry
            .register(Box::new(latency.clone()))
            .map_err(failed)?;
        registry
            .register(Box::new(push_commands.clone()))
            .map_err(failed)?;
        registry
            .register(Box::new(sign_in_failures.clone()))
            .map_err(failed)?;
        registry
            .register(Box::new(connections_open.clone()))
            .map_err(failed)?;
        registry
            .register(Box::new(connections_refused.clone()))
            .map_err(failed)?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            push_commands,
            sign_in_failures,
            connections_open,
            connections_refused,
        })
    }

    /// Counts the outcomes of an answered push.
    pub fn count_push(&self, response: &PushResponse) {
        for result in &response.results {
            let outcome = match result.outcome {
                CommandOutcome::Applied => "applied",
                CommandOutcome::Rejected { .. } => "rejected",
                CommandOutcome::Conflict { .. } => "conflict",
            };
            self.push_commands.with_label_values(&[outcome]).inc();
        }
    }

    fn count_request(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        self.requests
            .with_label_values(&[method.as_str(), route, status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
        if *method == Method::POST && route == "/v1/session" {
            let reason = match status {
                StatusCode::UNAUTHORIZED => Some("unauthorized"),
                StatusCode::FORBIDDEN => Some("forbidden"),
                StatusCode::TOO_MANY_REQUESTS => Some("rate_limited"),
                StatusCode::SERVICE_UNAVAILABLE => Some("unavailable"),
                _ => None,
            };
            if let Some(reason) = reason {
                self.sign_in_failures.with_label_values(&[reason]).inc();
            }
        }
    }

    /// The Prometheus text exposition format (0.0.4).
    pub fn render(&self) -> crate::Result<String> {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .map_err(|error| crate::ServerError::Config(format!("metrics: {error}")))?;
        String::from_utf8(buffer)
            .map_err(|error| crate::ServerError::Config(format!("metrics: {error}")))
    }
}

/// Who may read `/metrics`: loopback peers (not through a trusted proxy, and not carrying a
/// proxy's forwarding header), and anyone presenting this bearer token. Only its SHA-256 is kept.
#[derive(Clone, Debug, Default)]
pub struct MetricsAccess {
    token_sha256: Option<[u8; 32]>,
}

impl MetricsAccess {
    /// Loopback only.
    pub fn loopback_only() -> MetricsAccess {
        MetricsAccess { token_sha256: None }
    }

    /// Loopback, or `Authorization: Bearer <token>`. An empty token is refused.
    pub fn with_token(token: &str) -> crate::Result<MetricsAccess> {
        let token = token.trim();
        if token.len() < 16 {
            return Err(crate::ServerError::Config(
                "the metrics token must be at least 16 characters".into(),
            ));
        }
        Ok(MetricsAccess {
            token_sha256: Some(Sha256::digest(token.as_bytes()).into()),
        })
    }

    /// Reads the token from the first line of a file (kept out of the command line, where any
    /// local user could read it in the process list).
    pub fn from_token_file(path: &std::path::Path) -> crate::Result<MetricsAccess> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            crate::ServerError::io(format!("reading {}", path.display()), source)
        })?;
        MetricsAccess::with_token(text.lines().next().unwrap_or_default())
    }

    fn allows(
        &self,
        peer: Option<IpAddr>,
        headers: &HeaderMap,
        trusted_proxies: &[IpAddr],
    ) -> bool {
        if let (Some(expected), Some(given)) = (&self.token_sha256, bearer(headers)) {
            // Comparing digests: the time taken does not tell how much of the token matched.
            let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
            if given == *expected {
                return true;
            }
        }
        let forwarded =
            headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
        match peer {
            Some(peer) => peer.is_loopback() && !trusted_proxies.contains(&peer) && !forwarded,
            None => false,
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The authenticated user of a request, filled in by `http::Authenticated` for the log line.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<OnceLock<(Uuid, Uuid)>>);

impl RequestUser {
    /// Records the user and organisation ids (the first call wins).
    pub fn set(&self, user_id: Uuid, organisation_id: Uuid) {
        let _ = self.0.set((user_id, organisation_id));
    }

    fn get(&self) -> Option<(Uuid, Uuid)> {
        self.0.get().copied()
    }
}

/// The request id of a request (the `request` span carries it too).
#[derive(Clone, Copy, Debug)]
pub struct RequestId(pub Uuid);

/// The outermost middleware: gives the request an id, runs it inside a `request` span, and
/// writes its one log line and its metrics.
pub async fn observe_request(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = Uuid::now_v7();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let user = RequestUser::default();
    request.extensions_mut().insert(user.clone());
    request.extensions_mut().insert(RequestId(id));
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status();
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let (user_id, organisation_id) = match user.get() {
        Some((user, organisation)) => (Some(user), Some(organisation)),
        None => (None, None),
    };
    tracing::info!(
        target: "holdfast_server::request",
        request_id = %id,
        method = %method,
        route = %route,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        user_id = user_id.map(tracing::field::display),
        organisation_id = organisation_id.map(tracing::field::display),
        "request"
    );
    state
        .metrics
        .count_request(&method, &route, status, elapsed);
    response
}

/// `GET /health`: 200 `{"status":"ok"}` when the database answers within `HEALTH_TIMEOUT`,
/// 503 `{"status":"unavailable"}` otherwise (the reason goes to the log, not to the caller).
pub async fn health(State(state): State<AppState>) -> Response {
    let answer = tokio::time::timeout(HEALTH_TIMEOUT, state.store.ping())
        .await
        .map_err(|_| ());
    health_answer(answer)
}

/// The answer to a ping that answered, failed, or did not answer in time (`Err(())`).
pub fn health_answer(answer: Result<crate::Result<()>, ()>) -> Response {
    let problem = match answer {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(()) => Some(format!(
            "the database did not answer within {} s",
            HEALTH_TIMEOUT.as_secs()
        )),
    };
    match problem {
        None => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Some(problem) => {
            tracing::warn!(problem = %problem, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: the Prometheus text format, to loopback peers or the configured token;
/// 403 otherwise (404 would hide it, but a clear refusal saves an operator's time).
pub async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if !state
        .metrics_access
        .allows(peer, request.headers(), &state.trusted_proxies)
    {
        return (
            StatusCode::FORBIDDEN,
            Json(holdfast_sync::protocol::ErrorBody::Forbidden {
                message: "metrics are served to loopback or with the metrics token".into(),
            }),
        )
            .into_response();
    }
    match state.metrics.render() {
        Ok(text) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => crate::http::ApiError::from(error).into_response(),
    }
}

/// How log lines are written (`serve --log-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, for a log shipper.
    Json,
}

/// The filter of `RUST_LOG`, `info` when it is unset or unreadable.
pub fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// Installs the process's log subscriber, writing to stderr (a second call is ignored).
pub fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

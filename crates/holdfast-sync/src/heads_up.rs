//! Sending heads-ups (issue 16): one HTTP POST per attempt at a queued delivery, with the headers
//! `holdfast_core::heads_up` names. The desk's background loop (a profile of its own) and the sync
//! server (a team) both send through this; each keeps its own durable queue and records what the
//! attempt came to (`Attempt`), and the core decides when to try again.
//!
//! The request carries `Content-Type: application/json`, `Holdfast-Delivery` and
//! `Idempotency-Key` (the delivery id, the same on every attempt) and `Holdfast-Event` (the
//! event's kind); a signed one also `Holdfast-Timestamp` (Unix seconds at this attempt) and
//! `Holdfast-Signature` (`v1=` HMAC-SHA256 over `"{timestamp}.{body}"`). No redirects are
//! followed. Errors never include the URL: a Slack webhook's URL is its secret.

use std::time::Duration;

use holdfast_core::heads_up::{
    sign, Attempt, HeadsUpFormat, DELIVERY_HEADER, EVENT_HEADER, IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use jiff::Timestamp;
use uuid::Uuid;

use crate::transport::{describe, tls_config};

/// How long one attempt may take, connecting included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One attempt's request.
#[derive(Debug, Clone, Copy)]
pub struct HeadsUpRequest<'a> {
    pub url: &'a str,
    pub format: HeadsUpFormat,
    pub delivery_id: Uuid,
    pub kind: &'a str,
    pub body: &'a str,
    /// The subscription's signing secret (signed format); `None` when it cannot be read.
    pub secret: Option<&'a [u8]>,
}

/// The HTTP client heads-ups go through: rustls on ring with the platform's trust store, as the
/// sync transport; reused for every attempt (its connections are pooled).
#[derive(Debug, Clone)]
pub struct HeadsUpSender {
    http: reqwest::Client,
}

impl HeadsUpSender {
    pub fn new() -> Result<HeadsUpSender, String> {
        let tls = tls_config(Vec::new())
            .map_err(|error| format!("TLS cannot be set up on this computer: {error}"))?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(concat!("holdfast-heads-up/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(ATTEMPT_TIMEOUT)
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| format!("the HTTP client cannot be set up: {}", describe(&error)))?;
        Ok(HeadsUpSender { http })
    }

    /// Makes one attempt at `request`, signed (when signed) at `now`.
    pub async fn attempt(&self, request: &HeadsUpRequest<'_>, now: Timestamp) -> Attempt {
        let delivery_id = request.delivery_id.to_string();
        let mut builder = self
            .http
            .post(request.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, &delivery_id)
            .header(IDEMPOTENCY_HEADER, &delivery_id)
            .header(EVENT_HEADER, request.kind);
        if request.format == HeadsUpFormat::Signed {
            let Some(secret) = request.secret else {
                return Attempt::Retry("the signing secret cannot be read".into());
            };
            let timestamp = now.as_second();
            builder = builder
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(
                    SIGNATURE_HEADER,
                    sign(secret, timestamp, request.body.as_bytes()),
                );
        }
        match builder.body(request.body.to_owned()).send().await {
            Ok(response) => Attempt::of_status(response.status().as_u16()),
            Err(error) => {
                let error = error.without_url();
                let why = if error.is_timeout() {
                    "timed out".to_owned()
                } else if error.is_connect() {
                    format!("could not connect ({})", describe(&error))
                } else if error.is_builder() {
                    return Attempt::Refused("the URL cannot be used".into());
                } else {
                    describe(&error)
                };
                Attempt::Retry(why)
            }
        }
    }
}

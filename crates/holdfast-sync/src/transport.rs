//! The HTTP transport of the sync protocol: `SyncClient` carries `protocol`'s messages to a sync
//! server over HTTPS (plain HTTP only to this computer's loopback), with the protocol and schema
//! headers on every request, bearer tokens, gzip-compressed push bodies and gzip/zstd answers.
//!
//! It owns the mapping from what the network and the server do to `TransportError`: a connection
//! that fails, times out or fails TLS is `Unreachable` (the desk is offline); an error answer
//! carrying the protocol's `ErrorBody` is `Server`; anything else the server sends is
//! `Unreadable`. Nothing the server sends can make it panic.
//!
//! Version skew is told apart in both directions: a desk older than the server gets the server's
//! `upgrade_required` ("update the app"); a desk newer than the server (which answers it
//! `upgrade_required` too, or 404 on a route it does not have yet) asks `GET /v1/version` and,
//! when the server's protocol is older than its own or the server predates that route, fails with
//! `ServerOutdated`, whose words tell the person to ask whoever runs the server to upgrade it.
//!
//! TLS is rustls on the ring provider (the server's), verifying against the operating system's
//! trust store (`rustls-platform-verifier`), plus any CA given to
//! `SyncClient::with_root_certificate`. Redirects are not followed.

use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::protocol::{
    ErrorBody, Me, PublishedPolicy, PullResponse, PushRequest, PushResponse, Refresh,
    ServerVersion, Session, SignIn, PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER, VERSION_PATH,
};

/// How long establishing a connection (TCP and TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take, from sending it to the last byte of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read, after decompression: a pull page of `MAX_BATCH` events is far
/// smaller; anything larger is not the protocol.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Carries the protocol's messages to a sync server over HTTPS (HTTP only to loopback).
#[derive(Clone)]
pub struct SyncClient {
    /// The address as given, normalised: no trailing slash.
    address: String,
    /// The address with a trailing slash, so endpoints join under its path prefix.
    base: Url,
    http: reqwest::Client,
    schema_version: u32,
    /// The sync protocol it speaks: `PROTOCOL_VERSION`, except in tests of version skew.
    protocol_version: u32,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("address", &self.address)
            .field("schema_version", &self.schema_version)
            .field("protocol_version", &self.protocol_version)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// The address is not an https:// URL (or http:// to a loopback host).
    #[error("{address} is not a server address: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// The server could not be reached (connect failure, timeout, TLS failure): the desk is offline.
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server answered with one of the protocol's typed errors (upgrade required, unauthorized, ...).
    #[error(transparent)]
    Server(ErrorBody),
    /// The server answered something that is not the protocol (wrong status/body).
    #[error("the server's answer is not readable: {0}")]
    Unreadable(String),
    /// The server runs an older release than this app: it speaks an older sync protocol
    /// (`server_protocol`), or it predates `GET /v1/version` (`None`). Nothing was done; the
    /// desk's work waits until the server is upgraded. Not a network failure.
    #[error("{}", server_outdated_message(*server_protocol, *client_protocol))]
    ServerOutdated {
        server_protocol: Option<u32>,
        client_protocol: u32,
    },
}

/// What a person is told when the team server is older than their app.
fn server_outdated_message(server_protocol: Option<u32>, client_protocol: u32) -> String {
    let detail = match server_protocol {
        Some(server) => {
            format!("it speaks sync protocol {server}, this app speaks {client_protocol}")
        }
        None => "it does not say which sync protocol it speaks, so it predates this app".into(),
    };
    format!(
        "the team server runs an older version of Holdfast than this app ({detail}): ask whoever \
         runs it to upgrade the server. Your work stays on this computer and syncs once it is \
         upgraded"
    )
}

type Result<T, E = TransportError> = std::result::Result<T, E>;

impl SyncClient {
    /// `schema_version` is the client's local schema version, sent in the holdfast-schema header
    /// with holdfast-protocol = PROTOCOL_VERSION on every request.
    ///
    /// `address` is `https://host[:port][/prefix]`, or `http://` to a loopback host (localhost,
    /// 127.0.0.0/8, ::1); surrounding blanks and a trailing slash are tolerated.
    pub fn new(address: &str, schema_version: u32) -> Result<SyncClient> {
        SyncClient::build(address, schema_version, PROTOCOL_VERSION, Vec::new())
    }

    /// Like `new`, speaking sync protocol `protocol_version` instead of this build's: stands in
    /// for a desk of an older or newer release in the tests of version skew. The app uses `new`.
    #[doc(hidden)]
    pub fn speaking_protocol(
        address: &str,
        schema_version: u32,
        protocol_version: u32,
    ) -> Result<SyncClient> {
        SyncClient::build(address, schema_version, protocol_version, Vec::new())
    }

    /// Like `new`, and also trusts the CA certificate(s) in `pem` (PEM, one or more
    /// certificates), beside the operating system's trust store: for a company that runs its own
    /// CA. A `pem` without a certificate is refused as `InvalidAddress`.
    pub fn with_root_certificate(
        address: &str,
        schema_version: u32,
        pem: &[u8],
    ) -> Result<SyncClient> {
        let invalid = |reason: String| TransportError::InvalidAddress {
            address: address.trim().to_owned(),
            reason,
        };
        let roots = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(format!("the CA certificate is not readable PEM: {error}")))?;
        if roots.is_empty() {
            return Err(invalid(
                "the CA certificate file holds no PEM certificate".into(),
            ));
        }
        SyncClient::build(address, schema_version, PROTOCOL_VERSION, roots)
    }

    fn build(
        address: &str,
        schema_version: u32,
        protocol_version: u32,
        extra_roots: Vec<CertificateDer<'static>>,
    ) -> Result<SyncClient> {
        let (address, base) = parse_address(address)?;
        let tls = tls_config(extra_roots).map_err(|error| {
            TransportError::Unreachable(format!("TLS cannot be set up on this computer: {error}"))
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static(PROTOCOL_HEADER),
            HeaderValue::from(protocol_version),
        );
        headers.insert(
            HeaderName::from_static(SCHEMA_HEADER),
            HeaderValue::from(schema_version),
        );
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .default_headers(headers)
            .user_agent(concat!("holdfast/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| {
                TransportError::Unreachable(format!(
                    "the HTTP client cannot be set up: {}",
                    describe(&error)
                ))
            })?;
        Ok(SyncClient {
            address,
            base,
            http,
            schema_version,
            protocol_version,
        })
    }

    /// The server's address, normalised (no trailing slash).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The local schema version this client announces.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// `GET /v1/version`: what the server is and serves. A server from before this route (it
    /// answers 404, or `upgrade_required` to a desk of a newer protocol) is `ServerOutdated`.
    pub async fn server_version(&self) -> Result<ServerVersion> {
        let builder = self.request(Method::GET, VERSION_PATH)?;
        let (status, body) = self.exchange(builder).await?;
        if status.is_success() {
            return decode(status, &body);
        }
        match error_answer(status, &body) {
            TransportError::Server(
                ErrorBody::NotFound { .. } | ErrorBody::UpgradeRequired { .. },
            ) if status == StatusCode::NOT_FOUND || status == StatusCode::UPGRADE_REQUIRED => {
                Err(TransportError::ServerOutdated {
                    server_protocol: None,
                    client_protocol: self.protocol_version,
                })
            }
            other => Err(other),
        }
    }

    /// `POST /v1/session`.
    pub async fn sign_in(&self, request: &SignIn) -> Result<Session> {
        let builder = self.request(Method::POST, "v1/session")?.json(request);
        self.answer(builder).await
    }

    /// `POST /v1/session/refresh`: a new pair; the refresh token given is revoked.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Session> {
        let builder = self
            .request(Method::POST, "v1/session/refresh")?
            .json(&Refresh {
                refresh_token: refresh_token.to_owned(),
            });
        self.answer(builder).await
    }

    /// `DELETE /v1/session` with the access token only: revokes that access token. The
    /// session's refresh token stays valid until it expires; `sign_out_session` revokes both.
    pub async fn sign_out(&self, access_token: &str) -> Result<()> {
        self.revoke(access_token, "").await
    }

    /// `DELETE /v1/session`: revokes the access token and the refresh token of a session.
    /// Signing out twice is not an error.
    pub async fn sign_out_session(&self, access_token: &str, refresh_token: &str) -> Result<()> {
        self.revoke(access_token, refresh_token).await
    }

    async fn revoke(&self, access_token: &str, refresh_token: &str) -> Result<()> {
        let builder = self
            .request(Method::DELETE, "v1/session")?
            .header(header::AUTHORIZATION, bearer(access_token)?)
            .json(&Refresh {
                refresh_token: refresh_token.to_owned(),
            });
        let (status, body) = self.exchange(builder).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.failure(status, &body).await)
        }
    }

    /// `GET /v1/me`.
    pub async fn me(&self, access_token: &str) -> Result<Me> {
        let builder = self
            .request(Method::GET, "v1/me")?
            .header(header::AUTHORIZATION, bearer(access_token)?);
        self.answer(builder).await
    }

    /// `GET /v1/heads-ups` (issue 16): the organisation's heads-up subscriptions and delivery
    /// log; a manager's (anyone else is refused, `Forbidden`).
    pub async fn heads_ups(
        &self,
        access_token: &str,
    ) -> Result<holdfast_core::heads_up::HeadsUpLog> {
        let builder = self
            .request(Method::GET, "v1/heads-ups")?
            .header(header::AUTHORIZATION, bearer(access_token)?);
        self.answer(builder).await
    }

    /// `GET /v1/policy`. None when the organisation has published no policy yet.
    pub async fn policy(&self, access_token: &str) -> Result<Option<PublishedPolicy>> {
        let builder = self
            .request(Method::GET, "v1/policy")?
            .header(header::AUTHORIZATION, bearer(access_token)?);
        let (status, body) = self.exchange(builder).await?;
        if status.is_success() {
            return decode(status, &body).map(Some);
        }
        match self.failure(status, &body).await {
            // Protocol 1 always has this endpoint: not found means nothing published yet.
            TransportError::Server(ErrorBody::NotFound { .. })
                if status == StatusCode::NOT_FOUND =>
            {
                Ok(None)
            }
            other => Err(other),
        }
    }

    /// `POST /v1/push`, the body gzip-compressed.
    pub async fn push(&self, access_token: &str, request: &PushRequest) -> Result<PushResponse> {
        let body = gzip_json(request)?;
        let builder = self
            .request(Method::POST, "v1/push")?
            .header(header::AUTHORIZATION, bearer(access_token)?)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body);
        self.answer(builder).await
    }

    /// `GET /v1/pull?after=…&limit=…`: the events after the cursor `after`, at most `limit`
    /// (the server caps it at `MAX_BATCH`).
    pub async fn pull(&self, access_token: &str, after: u64, limit: usize) -> Result<PullResponse> {
        let mut url = self.endpoint("v1/pull")?;
        url.query_pairs_mut()
            .append_pair("after", &after.to_string())
            .append_pair("limit", &limit.to_string());
        let builder = self
            .http
            .request(Method::GET, url)
            .header(header::AUTHORIZATION, bearer(access_token)?);
        self.answer(builder).await
    }

    fn endpoint(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .map_err(|error| TransportError::InvalidAddress {
                address: self.address.clone(),
                reason: format!("{path} cannot be joined to it: {error}"),
            })
    }

    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        Ok(self.http.request(method, self.endpoint(path)?))
    }

    /// Sends the request and reads the whole answer (decompressed, at most `MAX_ANSWER_BYTES`).
    async fn exchange(&self, builder: RequestBuilder) -> Result<(StatusCode, Vec<u8>)> {
        let mut response = builder
            .send()
            .await
            .map_err(|error| TransportError::Unreachable(describe(&error)))?;
        let status = response.status();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len().saturating_add(chunk.len()) > MAX_ANSWER_BYTES {
                        return Err(TransportError::Unreadable(format!(
                            "HTTP {status}: the answer is larger than {MAX_ANSWER_BYTES} bytes"
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return Err(body_error(status, &error)),
            }
        }
        Ok((status, body))
    }

    async fn answer<T: DeserializeOwned>(&self, builder: RequestBuilder) -> Result<T> {
        let (status, body) = self.exchange(builder).await?;
        if status.is_success() {
            decode(status, &body)
        } else {
            Err(self.failure(status, &body).await)
        }
    }

    /// A non-2xx answer as an error. `upgrade_required` is ambiguous (the server says so to a
    /// desk older and to one newer than itself), so the server's version settles who is behind:
    /// this desk (the server's error stands) or the server (`ServerOutdated`).
    async fn failure(&self, status: StatusCode, body: &[u8]) -> TransportError {
        let error = error_answer(status, body);
        if status != StatusCode::UPGRADE_REQUIRED {
            return error;
        }
        match self.server_version().await {
            Ok(server) if server.protocol < self.protocol_version => {
                TransportError::ServerOutdated {
                    server_protocol: Some(server.protocol),
                    client_protocol: self.protocol_version,
                }
            }
            Err(outdated @ TransportError::ServerOutdated { .. }) => outdated,
            // The server is as new as this desk or newer, or its version cannot be read: its own
            // answer stands.
            _ => error,
        }
    }
}

/// Checks and normalises a server address: `(address without trailing slash, base URL with one)`.
fn parse_address(address: &str) -> Result<(String, Url)> {
    let given = address.trim();
    let invalid = |reason: &str| TransportError::InvalidAddress {
        address: given.to_owned(),
        reason: reason.to_owned(),
    };
    if given.is_empty() {
        return Err(invalid("it is empty"));
    }
    let mut url = Url::parse(given).map_err(|error| TransportError::InvalidAddress {
        address: given.to_owned(),
        reason: format!("not a URL ({error}); write it as https://host[:port]"),
    })?;
    let host = match url.host() {
        Some(host) => host,
        None => return Err(invalid("it names no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match host {
                url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
                url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
                url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
            };
            if !loopback {
                return Err(invalid(
                    "plain http:// is only allowed to this computer (localhost, 127.0.0.1, ::1); \
                     use https://",
                ));
            }
        }
        _ => return Err(invalid("it must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not carry a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not carry a query (?…) or a fragment (#…)"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{path}/"));
    let normalised = url.as_str().trim_end_matches('/').to_owned();
    Ok((normalised, url))
}

/// rustls on ring, verifying with the platform's trust store plus `extra_roots`. HTTP/1.1 only.
pub(crate) fn tls_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = if extra_roots.is_empty() {
        match rustls_platform_verifier::Verifier::new(provider.clone()) {
            Ok(verifier) => verifier,
            // A system without a trust store (no CA certificates installed) still reaches a
            // server with a public certificate, through Mozilla's roots.
            Err(_) => bundled_roots_verifier(provider.clone())?,
        }
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())?
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform verifier with Mozilla's root certificates (`webpki-root-certs`) added.
fn bundled_roots_verifier(
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    rustls_platform_verifier::Verifier::new_with_extra_roots(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
        provider,
    )
}

/// The `Authorization` header for an access token. A token that cannot be a header value is no
/// token the server issued (they are hex): it is refused as the server would refuse it.
fn bearer(access_token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {access_token}")).map_err(|_| {
        TransportError::Server(ErrorBody::Unauthorized {
            message: "the stored access token is malformed; sign in again".into(),
        })
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn gzip_json(value: &impl Serialize) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|error| {
        TransportError::Unreadable(format!("the request cannot be written as JSON: {error}"))
    })?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .map_err(|error| TransportError::Unreadable(format!("compressing the request: {error}")))
}

fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|error| {
        TransportError::Unreadable(format!("HTTP {status}: {error} in \"{}\"", excerpt(body)))
    })
}

/// A non-2xx answer: the protocol's `ErrorBody`, or unreadable.
fn error_answer(status: StatusCode, body: &[u8]) -> TransportError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => TransportError::Server(error),
        Err(_) => TransportError::Unreadable(format!("HTTP {status}: \"{}\"", excerpt(body))),
    }
}

/// A failure while reading the answer: the network failing is `Unreachable`, an answer that
/// does not decompress is `Unreadable`.
fn body_error(status: StatusCode, error: &reqwest::Error) -> TransportError {
    if error.is_timeout() || error.is_connect() || (error.is_body() && !error.is_decode()) {
        TransportError::Unreachable(describe(error))
    } else {
        TransportError::Unreadable(format!("HTTP {status}: {}", describe(error)))
    }
}

/// An error with its causes: reqwest's own message names only the URL.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The start of an answer, printable, for an error message.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body.get(..MAX).unwrap_or(body));
    let mut shown: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.len() > MAX {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(address: &str) -> String {
        match SyncClient::new(address, 8) {
            Err(TransportError::InvalidAddress { reason, .. }) => reason,
            Err(other) => panic!("{address}: {other:?}"),
            Ok(client) => panic!("{address} accepted as {}", client.address()),
        }
    }

    #[test]
    fn addresses_are_normalised() {
        for (given, normalised) in [
            ("https://sync.example.com", "https://sync.example.com"),
            ("https://sync.example.com/", "https://sync.example.com"),
            (
                "  https://Sync.Example.com:8443/  ",
                "https://sync.example.com:8443",
            ),
            (
                "https://example.com/holdfast/",
                "https://example.com/holdfast",
            ),
            ("http://localhost:7000", "http://localhost:7000"),
            ("http://127.0.0.1:7000/", "http://127.0.0.1:7000"),
            ("http://127.8.9.10", "http://127.8.9.10"),
            ("http://[::1]:7000", "http://[::1]:7000"),
        ] {
            let client = SyncClient::new(given, 8).expect(given);
            assert_eq!(client.address(), normalised);
            assert_eq!(client.schema_version(), 8);
        }
    }

    #[test]
    fn endpoints_join_under_the_prefix() {
        let client = SyncClient::new("https://example.com/holdfast", 8).expect("client");
        assert_eq!(
            client.endpoint("v1/pull").expect("url").as_str(),
            "https://example.com/holdfast/v1/pull"
        );
        let client = SyncClient::new("https://example.com/", 8).expect("client");
        assert_eq!(
            client.endpoint("v1/me").expect("url").as_str(),
            "https://example.com/v1/me"
        );
    }

    #[test]
    fn plain_http_only_to_loopback_and_nothing_but_http() {
        assert!(refused("http://sync.example.com").contains("only allowed to this computer"));
        assert!(refused("http://10.0.0.1:7000").contains("only allowed"));
        assert!(refused("http://[::2]").contains("only allowed"));
        assert!(refused("http://localhost.example.com").contains("only allowed"));
        assert!(refused("ftp://sync.example.com").contains("https://"));
        assert!(refused("sync.example.com").contains("not a URL"));
        assert!(refused("").contains("empty"));
        assert!(refused("https://user:pw@sync.example.com").contains("user name"));
        assert!(refused("https://sync.example.com/?a=1").contains("query"));
        assert!(refused("https://sync.example.com/#top").contains("fragment"));
        assert!(refused("file:///etc/passwd").contains("no host"));
    }

    #[test]
    fn a_root_certificate_must_be_pem() {
        for pem in [&b""[..], b"not a certificate"] {
            let error = SyncClient::with_root_certificate("https://example.com", 8, pem)
                .expect_err("no certificate");
            assert!(
                matches!(&error, TransportError::InvalidAddress { reason, .. }
                    if reason.contains("CA certificate")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn error_answers_are_typed_or_unreadable() {
        let body = br#"{"kind":"unauthorized","message":"sign in"}"#;
        assert_eq!(
            error_answer(StatusCode::UNAUTHORIZED, body),
            TransportError::Server(ErrorBody::Unauthorized {
                message: "sign in".into()
            })
        );
        for body in [
            &b"<html>bad gateway</html>"[..],
            b"",
            b"\xff\xfe{",
            b"{\"kind\":1}",
        ] {
            assert!(matches!(
                error_answer(StatusCode::BAD_GATEWAY, body),
                TransportError::Unreadable(_)
            ));
        }
        assert!(matches!(
            decode::<Me>(StatusCode::OK, b"{\"user\":\"ann\"}"),
            Err(TransportError::Unreadable(_))
        ));
    }

    #[test]
    fn a_token_that_is_no_header_value_is_unauthorized() {
        assert!(matches!(
            bearer("abc\ndef"),
            Err(TransportError::Server(ErrorBody::Unauthorized { .. }))
        ));
        assert!(bearer("00ff").expect("a header").is_sensitive());
    }

    #[test]
    fn mozillas_roots_stand_in_for_a_missing_trust_store() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        assert!(bundled_roots_verifier(provider).is_ok());
        assert!(!webpki_root_certs::TLS_SERVER_ROOT_CERTS.is_empty());
    }

    #[test]
    fn push_bodies_are_gzip_json() {
        use std::io::Read;
        let request = PushRequest {
            client_id: uuid::Uuid::nil(),
            commands: Vec::new(),
        };
        let compressed = gzip_json(&request).expect("compressed");
        let mut json = String::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .read_to_string(&mut json)
            .expect("gzip");
        assert_eq!(
            serde_json::from_str::<PushRequest>(&json).expect("json"),
            request
        );
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let long = vec![b'a'; 1000];
        assert_eq!(excerpt(&long).chars().count(), 201);
        assert_eq!(excerpt(b"a\nb"), "a b");
    }
}

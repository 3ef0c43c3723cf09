//! The HTTP API (axum): the endpoints of `holdfast_sync::protocol`, the protocol and schema
//! version check on every request, bearer access tokens, request-body limits, gzip/zstd in both
//! directions, and one typed `ErrorBody` for every error, malformed JSON included.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use holdfast_sync::protocol::{
    ErrorBody, PullResponse, PushRequest, PushResponse, Refresh, ServerVersion, Session, SignIn,
    MAX_BATCH, PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER,
};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

use crate::auth::{self, AuthConfig, SignInGate};
use crate::checkpoint::CheckpointSigner;
use crate::error::ServerError;
use crate::store::{ServerStore, TokenHash, UserRecord};
use crate::sync;

/// The largest request body, after decompression.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Requests the server works on at once by default (`serve --max-concurrent-requests`); one
/// more is answered 503 `unavailable` with `Retry-After`.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 256;

/// The oldest desktop schema (holdfast-store's migrations) protocol 1 was written for; older
/// clients are told to upgrade.
pub const MIN_CLIENT_SCHEMA: u32 = 8;

/// The schema this server migrates its database to on start: the same number on SQLite and
/// PostgreSQL (their migrations are kept in step; the build fails if they are not).
pub const DATABASE_SCHEMA: u32 = crate::store::sqlite::SCHEMA_VERSION as u32;
const _: () = assert!(
    crate::store::sqlite::SCHEMA_VERSION == crate::store::postgres::SCHEMA_VERSION,
    "the SQLite and PostgreSQL migrations must reach the same schema version"
);

/// What `GET /v1/version` answers: this build's release, protocol and schema versions.
pub fn server_version() -> ServerVersion {
    ServerVersion {
        server: env!("CARGO_PKG_VERSION").to_owned(),
        protocol: PROTOCOL_VERSION,
        min_client_schema: MIN_CLIENT_SCHEMA,
        database_schema: DATABASE_SCHEMA,
    }
}

/// `GET /v1/version`: no token and no version headers needed, so that a desk of any release (and
/// an operator with curl) can learn what this server serves.
async fn version() -> Json<ServerVersion> {
    Json(server_version())
}

/// What every handler shares. Nothing in it is state another instance would need: the store is
/// the database, the signer's key comes from it.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn ServerStore>,
    pub signer: CheckpointSigner,
    pub auth: AuthConfig,
    /// Load balancers or proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy`):
    /// behind one, every request comes from its address, and the per-address sign-in limit must
    /// count the client it names instead.
    pub trusted_proxies: Arc<[IpAddr]>,
    /// The server's Prometheus metrics (`GET /metrics`).
    pub metrics: Arc<crate::observe::Metrics>,
    /// Who may read `/metrics` (`serve --metrics-token-file`).
    pub metrics_access: crate::observe::MetricsAccess,
    /// How long a request body may take to arrive after its head (`serve --request-timeout`).
    pub request_timeout: std::time::Duration,
    /// Bounds the sign-ins (and password checks) in flight; holds the unknown user's stand-in
    /// hash.
    pub sign_in_gate: SignInGate,
    /// One permit per request being worked on (`DEFAULT_MAX_CONCURRENT_REQUESTS`).
    pub requests: Arc<tokio::sync::Semaphore>,
    /// The heads-up subscriptions (`serve --heads-ups`), for the managers' delivery log.
    pub heads_ups: Arc<crate::heads_ups::HeadsUpConfig>,
}

impl AppState {
    /// Loads (or creates) the signing key from the store (tests and benches; `serve` keeps the
    /// key in a file: `with_signer`).
    pub async fn new(store: Arc<dyn ServerStore>, auth: AuthConfig) -> crate::Result<AppState> {
        let signer = CheckpointSigner::load(store.as_ref()).await?;
        AppState::with_signer(store, auth, signer).await
    }

    /// With a signer loaded elsewhere (the key file: `crate::signing_key::open_signer`).
    pub async fn with_signer(
        store: Arc<dyn ServerStore>,
        auth: AuthConfig,
        signer: CheckpointSigner,
    ) -> crate::Result<AppState> {
        let sign_in_gate = SignInGate::new(&auth).await?;
        Ok(AppState {
            store,
            signer,
            auth,
            trusted_proxies: Arc::new([]),
            metrics: Arc::new(crate::observe::Metrics::new()?),
            metrics_access: crate::observe::MetricsAccess::loopback_only(),
            request_timeout: std::time::Duration::from_secs(
                crate::listen::DEFAULT_REQUEST_TIMEOUT_SECS,
            ),
            sign_in_gate,
            requests: Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_CONCURRENT_REQUESTS)),
            heads_ups: Arc::new(crate::heads_ups::HeadsUpConfig::default()),
        })
    }

    /// Shows managers these heads-up subscriptions beside the delivery log.
    pub fn with_heads_ups(mut self, config: Arc<crate::heads_ups::HeadsUpConfig>) -> AppState {
        self.heads_ups = config;
        self
    }

    /// Serves `/metrics` as `access` says.
    pub fn with_metrics_access(mut self, access: crate::observe::MetricsAccess) -> AppState {
        self.metrics_access = access;
        self
    }

    /// Gives request bodies `timeout` to arrive.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> AppState {
        self.request_timeout = timeout;
        self
    }

    /// Works on at most `max` requests at once (at least 1).
    pub fn with_max_concurrent_requests(mut self, max: usize) -> AppState {
        self.requests = Arc::new(tokio::sync::Semaphore::new(max.max(1)));
        self
    }

    /// Believes `X-Forwarded-For` from these addresses.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> AppState {
        self.trusted_proxies = proxies.into();
        self
    }
}

/// An error answer: the protocol's `ErrorBody` with the status that matches its kind.
#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            ErrorBody::UpgradeRequired { .. } => StatusCode::UPGRADE_REQUIRED,
            ErrorBody::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ErrorBody::Forbidden { .. } => StatusCode::FORBIDDEN,
            ErrorBody::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ErrorBody::Validation { .. } => StatusCode::BAD_REQUEST,
            ErrorBody::SequenceGap { .. } => StatusCode::CONFLICT,
            ErrorBody::NotFound { .. } => StatusCode::NOT_FOUND,
            ErrorBody::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorBody::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorBody::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        let retry_after = match &self.0 {
            ErrorBody::RateLimited {
                retry_after_secs, ..
            }
            | ErrorBody::Unavailable {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let mut response = (status, Json(self.0)).into_response();
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<ServerError> for ApiError {
    fn from(error: ServerError) -> Self {
        ApiError(match error {
            ServerError::Unauthorized(message) => ErrorBody::Unauthorized { message },
            ServerError::Forbidden(message) => ErrorBody::Forbidden { message },
            ServerError::Inactive(name) => ErrorBody::Forbidden {
                message: format!("{name} is deactivated on the server"),
            },
            ServerError::ClientOfAnotherUser { client_id } => ErrorBody::Forbidden {
                message: format!(
                    "the device id {client_id} belongs to another user: each desk profile pushes \
                     as the one user who signed in on it first"
                ),
            },
            ServerError::RateLimited { retry_after_secs } => ErrorBody::RateLimited {
                message: format!("too many failed sign-ins; try again in {retry_after_secs} s"),
                retry_after_secs,
            },
            ServerError::Busy { retry_after_secs } => ErrorBody::Unavailable {
                message: format!(
                    "the server is checking as many passwords as it can; try again in \
                     {retry_after_secs} s"
                ),
                retry_after_secs,
            },
            ServerError::Invalid { field, message } => ErrorBody::Validation { field, message },
            ServerError::SequenceGap { expected, got } => ErrorBody::SequenceGap { expected, got },
            ServerError::NotFound { entity, name } => ErrorBody::NotFound {
                message: format!("no {entity} \"{name}\""),
            },
            other => {
                // The details stay in the server's log; the client learns only that it failed.
                tracing::error!(error = %other, "internal error");
                ErrorBody::Internal {
                    message: "the server failed to handle the request".into(),
                }
            }
        })
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose rejections are typed errors: too large → `too_large`, anything else that
/// does not parse → `validation` on `body`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError(ErrorBody::TooLarge {
            limit_bytes: BODY_LIMIT as u64,
        })
    } else {
        ApiError(ErrorBody::Validation {
            field: "body".into(),
            message: rejection.body_text(),
        })
    }
}

/// Query parameters whose rejections are `validation` errors.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError(ErrorBody::Validation {
        field: "query".into(),
        message: rejection.body_text(),
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The user a valid access token belongs to.
pub struct Authenticated(pub UserRecord);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError(ErrorBody::Unauthorized {
                message: "sign in: the request carries no access token".into(),
            })
        })?;
        let user = auth::authenticate(state.store.as_ref(), token, Timestamp::now()).await?;
        // For the request's log line (observe): who it was, never the token.
        if let Some(slot) = parts.extensions.get::<crate::observe::RequestUser>() {
            slot.set(user.id, user.organisation_id);
        }
        Ok(Authenticated(user))
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not a trusted proxy itself (each proxy appends the address it saw, so
/// what stands left of the trusted ones could have been written by the client and is ignored).
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientAddress(peer.map(|peer| {
            client_behind(peer, &parts.headers, &state.trusted_proxies)
        })))
    }
}

fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted.contains(&address) {
                    break;
                }
            }
            // An unreadable hop ends the chain: what stands before it cannot be trusted.
            Err(_) => break,
        }
    }
    client
}

fn upgrade_required(message: String) -> Response {
    ApiError(ErrorBody::UpgradeRequired { message }).into_response()
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u32>().ok())
}

/// Every request names the protocol and the client's schema; anything else is told to upgrade.
async fn check_versions(request: Request, next: Next) -> Response {
    let (protocol, schema) = (
        header_number(request.headers(), PROTOCOL_HEADER),
        header_number(request.headers(), SCHEMA_HEADER),
    );
    match protocol {
        Some(PROTOCOL_VERSION) => {}
        Some(other) => {
            return upgrade_required(format!(
                "this server speaks sync protocol {PROTOCOL_VERSION}, the app speaks {other}: \
                 update {}",
                if other < PROTOCOL_VERSION {
                    "the app"
                } else {
                    "the server"
                }
            ))
        }
        None => {
            return upgrade_required(format!(
                "the request has no {PROTOCOL_HEADER} header: this server speaks sync protocol \
                 {PROTOCOL_VERSION}; update the app"
            ))
        }
    }
    match schema {
        Some(schema) if schema >= MIN_CLIENT_SCHEMA => next.run(request).await,
        Some(schema) => upgrade_required(format!(
            "the app's data version {schema} is older than this server supports \
             ({MIN_CLIENT_SCHEMA}); update the app"
        )),
        None => upgrade_required(format!(
            "the request has no {SCHEMA_HEADER} header; update the app"
        )),
    }
}

async fn not_found() -> ApiError {
    ApiError(ErrorBody::NotFound {
        message: "no such endpoint".into(),
    })
}

/// A session answer: tokens are never to be kept by a cache on the way.
type TokenAnswer = ([(header::HeaderName, &'static str); 2], Json<Session>);

fn token_answer(session: Session) -> TokenAnswer {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(session),
    )
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<SignIn>,
) -> ApiResult<TokenAnswer> {
    Ok(token_answer(
        auth::sign_in(
            state.store.as_ref(),
            &state.signer,
            &state.auth,
            &state.sign_in_gate,
            &request,
            address,
            Timestamp::now(),
        )
        .await?,
    ))
}

async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<Refresh>,
) -> ApiResult<TokenAnswer> {
    Ok(token_answer(
        auth::refresh(
            state.store.as_ref(),
            &state.signer,
            &state.auth,
            &request.refresh_token,
            Timestamp::now(),
        )
        .await?,
    ))
}

/// Revokes the refresh token given, and the access token the request carries, if any. Signing
/// out twice is not an error.
async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<Refresh>,
) -> ApiResult<StatusCode> {
    let now = Timestamp::now();
    state
        .store
        .revoke_token(&TokenHash::of(&request.refresh_token), now)
        .await?;
    if let Some(access) = bearer(&headers) {
        state
            .store
            .revoke_token(&TokenHash::of(access), now)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    State(state): State<AppState>,
    Authenticated(user): Authenticated,
) -> ApiResult<Json<holdfast_sync::protocol::Me>> {
    Ok(Json(
        auth::me_of(state.store.as_ref(), &state.signer, &user).await?,
    ))
}

fn refuse_inactive(user: &UserRecord) -> ApiResult<()> {
    if user.active {
        Ok(())
    } else {
        Err(ServerError::Inactive(user.name.clone()).into())
    }
}

async fn policy(
    State(state): State<AppState>,
    Authenticated(user): Authenticated,
) -> ApiResult<Json<holdfast_sync::protocol::PublishedPolicy>> {
    refuse_inactive(&user)?;
    let policy = state
        .store
        .current_policy(user.organisation_id)
        .await?
        .ok_or_else(|| {
            ApiError(ErrorBody::NotFound {
                message: "the organisation has not published a policy yet".into(),
            })
        })?;
    Ok(Json(policy))
}

async fn push(
    State(state): State<AppState>,
    Authenticated(user): Authenticated,
    ApiJson(request): ApiJson<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    let codes = state.signer.one_time_code_key(user.organisation_id);
    let response = sync::push(
        state.store.as_ref(),
        &user,
        &request,
        &codes,
        Timestamp::now(),
    )
    .await?;
    state.metrics.count_push(&response);
    Ok(Json(response))
}

#[derive(Debug, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub after: u64,
    pub limit: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    Authenticated(user): Authenticated,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> ApiResult<Json<PullResponse>> {
    refuse_inactive(&user)?;
    Ok(Json(
        sync::pull(
            state.store.as_ref(),
            &state.signer,
            &user,
            query.after,
            query.limit.unwrap_or(MAX_BATCH),
        )
        .await?,
    ))
}

/// How many deliveries `GET /v1/heads-ups` answers with, newest first.
pub const HEADS_UP_LOG_LENGTH: usize = 100;

/// The organisation's heads-ups for a manager (issue 16): its subscriptions (never their URLs or
/// secrets) and its delivery log. Who may is decided from the server's own records.
async fn heads_ups(
    State(state): State<AppState>,
    Authenticated(user): Authenticated,
) -> ApiResult<Json<holdfast_core::heads_up::HeadsUpLog>> {
    refuse_inactive(&user)?;
    if !user.roles.iter().any(|role| {
        matches!(
            role,
            holdfast_core::role::Role::Manager | holdfast_core::role::Role::Admin
        )
    }) {
        return Err(ServerError::Forbidden(
            "only a manager sees the organisation's heads-ups".into(),
        )
        .into());
    }
    let organisation = state
        .store
        .organisation(user.organisation_id)
        .await?
        .map(|organisation| organisation.name)
        .unwrap_or_default();
    Ok(Json(holdfast_core::heads_up::HeadsUpLog {
        subscriptions: state.heads_ups.summaries(&organisation),
        deliveries: state
            .store
            .heads_up_deliveries(user.organisation_id, HEADS_UP_LOG_LENGTH)
            .await?,
    }))
}

/// Works on a request only while a permit is free; otherwise answers 503 `unavailable` at once
/// (load shedding: a flood is turned away before it is read, decompressed or parsed).
async fn shed_load(
    State(requests): State<Arc<tokio::sync::Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    match requests.try_acquire_owned() {
        Ok(_permit) => next.run(request).await,
        Err(_) => ApiError(ErrorBody::Unavailable {
            message: "the server is working on as many requests as it takes; try again shortly"
                .into(),
            retry_after_secs: 1,
        })
        .into_response(),
    }
}

/// The API's router.
pub fn router(state: AppState) -> Router {
    let requests = state.requests.clone();
    Router::new()
        .route("/v1/session", post(sign_in).delete(sign_out))
        .route("/v1/session/refresh", post(refresh))
        .route("/v1/me", get(me))
        .route("/v1/policy", get(policy))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/heads-ups", get(heads_ups))
        .fallback(not_found)
        .layer(middleware::from_fn(check_versions))
        // Operating it: /health and /metrics answer without the protocol headers, and so does
        // /v1/version, which a desk of another release reads to tell who must upgrade.
        .route("/v1/version", get(version))
        .route("/health", get(crate::observe::health))
        .route("/metrics", get(crate::observe::metrics))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestDecompressionLayer::new().gzip(true).zstd(true))
        .layer(CompressionLayer::new().gzip(true).zstd(true))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::listen::body_deadline,
        ))
        .layer(middleware::from_fn_with_state(requests, shed_load))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::observe::observe_request,
        ))
        .with_state(state)
}

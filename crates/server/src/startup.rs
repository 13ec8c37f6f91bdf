//! Building and running the application: used by `kept serve`, `kept demo`
//! and every integration test (which binds port 0 and reads the port back).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kept_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::api::{self, idempotency};
use crate::auth::bearer;
use crate::config::Config;
use crate::error::{ApiError, ProblemKind};
use crate::extract::BODY_LIMIT;
use crate::state::AppState;
use crate::web::session::DbSessionStore;
use crate::{jobs, ops, web};

/// A bound, ready-to-run Kept server.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl App {
    /// Opens (and migrates) the configured database, then binds the configured address.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let url = config.effective_database_url();
        let store = kept_store::open(&url, &config.store_options())
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the database at {}: {e}",
                    crate::config::redact_url(&url)
                )
            })?;
        Self::build_with_store(config, store).await
    }

    /// Binds the configured address, serving `store` (already migrated).
    pub async fn build_with_store(config: Config, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        let mut config = config;
        // With port 0 the OS picks one; links must use the real one.
        config.addr = listener.local_addr()?;
        let state = AppState::new(store, config)?;
        Ok(Self {
            router: router(state.clone()),
            listener,
            state,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.state.config.addr.port()
    }

    /// Where this server's email goes, in words.
    pub fn mail(&self) -> &'static str {
        self.state.outgoing.describe()
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.state.config.addr
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stop = shutdown_signal()?;
        self.run_until(stop).await
    }

    /// Serves until `stop` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_jobs, jobs_stopped) = watch::channel(false);
        let purge = tokio::spawn(jobs::purge_expired(
            self.state.clone(),
            jobs_stopped.clone(),
        ));
        let timers = tokio::spawn(jobs::sla_timers(self.state.clone(), jobs_stopped.clone()));
        let promises = tokio::spawn(jobs::promise_watch(
            self.state.clone(),
            jobs_stopped.clone(),
        ));
        let generation = tokio::spawn(jobs::watch_generation(
            self.state.clone(),
            jobs_stopped.clone(),
        ));
        let notifications = tokio::spawn(jobs::notifications(self.state.clone(), jobs_stopped));
        tracing::info!(address = %self.address(), database = self.state.store.backend().name(), mail = self.state.outgoing.describe(), webhooks = %self.state.webhooks.describe(), "serving");
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop)
        .await?;
        let _ = stop_jobs.send(true);
        let _ = purge.await;
        let _ = timers.await;
        let _ = promises.await;
        let _ = generation.await;
        let _ = notifications.await;
        self.state.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are
/// installed when this is called, so a signal that arrives before the
/// future is first polled still stops the server gracefully.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
}

/// The whole application: API, pages and operations endpoints, with the
/// layers every request passes through.
pub fn router(state: AppState) -> Router {
    // Install the recorder now, so requests before the first scrape count.
    ops::metrics_handle();
    let (api, _) = api::router();
    let api = api
        .fallback(|| async { ApiError::not_found().detail("no such API route") })
        .method_not_allowed_fallback(|| async { ApiError::new(ProblemKind::MethodNotAllowed) })
        .layer(from_fn_with_state(state.clone(), idempotency::middleware))
        .layer(from_fn_with_state(state.clone(), bearer::authenticate))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.store.clone()))
        .with_name("kept_session")
        .with_secure(state.config.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(i64::from(
            state.config.session_hours.max(1),
        ))));
    let web = web::router()
        .fallback(web::not_found)
        .layer(sessions)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Pages show private data and one-time secrets; assets set their own caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let request_id = HeaderName::from_static("x-request-id");
    // Secure cookies mean Kept is served over HTTPS: browsers are told to
    // come back only that way for a year, so no plain-HTTP request ever
    // carries the session. Not for subdomains: they may be other services.
    let hsts = state
        .config
        .secure_cookies
        .then(|| HeaderValue::from_static("max-age=31536000"));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .merge(web)
        .layer(from_fn(crate::limits::header_block))
        .layer(from_fn_with_state(state.clone(), ops::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    // The route template, not the path: paths can hold secrets (invitation links).
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("unmatched", |p| p.as_str());
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), route, request_id = id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, move |_: &Response| hsts.clone()))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A panic in a handler is a bug: logged, and answered as an internal error.
fn panic_response(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}

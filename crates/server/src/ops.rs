//! Operations endpoints: `/healthz` for load balancers, `/metrics` for
//! Prometheus, and the middleware that measures every request.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;

const DURATION: &str = "http_request_duration_seconds";
const REQUESTS: &str = "http_requests_total";
const SLA_ALARMS: &str = "kept_sla_alarms_total";
const OUTBOX_DEPTH: &str = "kept_outbox_depth";
const OUTBOX_DEAD: &str = "kept_outbox_dead";
const OUTBOX_OLDEST_AGE: &str = "kept_outbox_oldest_age_seconds";

/// The process-wide metrics recorder (one per process, however many apps run in it).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.into()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (embedding); render our own, unshared.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// Counts `n` SLA alarms raised by this process. Installs the recorder
/// first: alarms raised before the server is built (the demo's, at seeding)
/// would otherwise go to no recorder and be lost.
pub fn count_sla_alarms(n: usize) {
    metrics_handle();
    metrics::counter!(SLA_ALARMS).increment(u64::try_from(n).unwrap_or(u64::MAX));
}

/// Counts and times every request, labelled by method, route template and
/// status, and counts it as in hand while it runs (see [`crate::state::Busy`]).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let _in_hand = state.busy.enter();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: Prometheus text exposition, with the outbox's depth
/// and the age of its oldest row read from the database at each scrape
/// (every server reports the same shared outbox).
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.outbox_stats().await {
        Ok(stats) => {
            metrics::gauge!(OUTBOX_DEPTH).set(stats.depth() as f64);
            metrics::gauge!(OUTBOX_DEAD).set(stats.dead as f64);
            let age = stats.oldest.map_or(0.0, |oldest| {
                (kept_domain::Timestamp::now().as_microsecond() - oldest.as_microsecond()).max(0)
                    as f64
                    / 1e6
            });
            metrics::gauge!(OUTBOX_OLDEST_AGE).set(age);
        }
        Err(e) => tracing::warn!(error = %e, "reading the outbox for /metrics failed"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics_handle().render(),
    )
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ok", "database": state.store.backend().name() })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            ApiError::new(ProblemKind::ServiceUnavailable)
                .detail("the database does not answer")
                .into_response()
        }
    }
}

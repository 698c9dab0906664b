//! The consumer's HTTP server (`consumer.http`): the JSON API over the merged results, a live
//! stream of them (server-sent events), Prometheus metrics, a health check, and the dashboard,
//! whose assets are compiled in so it works offline. It runs on its own threads (a result-topic
//! reader and a one-thread async runtime) beside the synchronous driver.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use tracing::{error, info};

use common::kafka::consumer_config;
use common::settings::Settings;
use common::shutdown::Shutdown;
use model::report::Report;

use crate::serve::metrics::{render, Metrics, CONTENT_TYPE};
use crate::serve::results_reader::{self, LiveView};
use crate::serve::results_view::ResultsView;

/// Most hashtags one request may ask for.
const MAX_N: usize = 200;

/// Live streams send at most one update per this interval, so a burst of records (catching
/// up, a window closing) is one event.
const STREAM_COALESCE: Duration = Duration::from_millis(200);

/// The dashboard, compiled in.
const INDEX_HTML: &str = include_str!("../../assets/index.html");
const APP_JS: &str = include_str!("../../assets/app.js");
const STYLE_CSS: &str = include_str!("../../assets/style.css");

/// Only our own scripts, styles and connections: data that slipped into markup could not run.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Why the HTTP server could not start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The address is taken, or not ours to listen on.
    #[error("cannot listen on {addr} (consumer.http)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The system refused a thread or the async runtime.
    #[error("cannot start the HTTP server thread")]
    Thread(#[source] std::io::Error),
}

/// What the handlers share.
struct App {
    live: Arc<LiveView>,
    metrics: Arc<Metrics>,
    /// Shown when a request names no window: the first configured definition.
    default_window: String,
    default_n: usize,
    history: usize,
}

/// Starts the result-topic reader and the server on `addr`, and logs the address bound (the
/// system picks the port when `addr` has port 0). Binding happens here, so a taken address is
/// reported before the consumer joins its groups. Both stop taking work on `shutdown`.
pub fn start(
    addr: SocketAddr,
    settings: &Settings,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
) -> Result<(), HttpError> {
    let bind_error = |source| HttpError::Bind { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;

    let c = &settings.consumer;
    let live = Arc::new(LiveView::new(c.http_history));
    let mut config = consumer_config(&settings.kafka, c);
    // It assigns itself every partition and commits nothing, so it never joins this group
    // (why it has one: docs/src/operations.md#librdkafka-group-id-for-assign).
    config
        .set("group.id", format!("{}.http-view", c.group_id))
        .set("client.id", "trends-consumer-http-view");
    let (topic, lookback) = (settings.kafka.results_topic.clone(), c.http_lookback);
    let reader_live = Arc::clone(&live);
    std::thread::Builder::new()
        .name("results-reader".into())
        .spawn({
            let shutdown = shutdown.clone();
            move || results_reader::run(&config, &topic, lookback, &reader_live, &shutdown)
        })
        .map_err(HttpError::Thread)?;

    let app = Arc::new(App {
        live,
        metrics,
        default_window: c
            .window
            .first()
            .map(ToString::to_string)
            .unwrap_or_default(),
        default_n: c.top,
        history: c.http_history,
    });
    serve(listener, app, shutdown)?;
    info!(url = %format!("http://{local}/"), "HTTP dashboard, API and metrics listening");
    Ok(())
}

/// Serves `app` on `listener` from a thread of its own until `shutdown`.
fn serve(
    listener: std::net::TcpListener,
    app: Arc<App>,
    shutdown: Shutdown,
) -> Result<(), HttpError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(HttpError::Thread)?;
    std::thread::Builder::new()
        .name("http".into())
        .spawn(move || {
            runtime.block_on(async move {
                let served = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => {
                        axum::serve(listener, router(app))
                            .with_graceful_shutdown(async move { shutdown.triggered().await })
                            .await
                    }
                    Err(e) => Err(e),
                };
                if let Err(error) = served {
                    error!(error = %Report(&error), "the HTTP server stopped");
                }
            })
        })
        .map_err(HttpError::Thread)?;
    Ok(())
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/app.js", get(app_js))
        .route("/style.css", get(style_css))
        .route("/api/top", get(top))
        .route("/api/windows", get(windows))
        .route("/api/rising", get(rising))
        .route("/api/stream", get(stream))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(app)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

/// `window`: a window definition's label (default: the first configured); `n`: hashtags per
/// window (default: `consumer.top`); `k`: windows of history (default: all kept).
#[derive(Debug, Deserialize)]
struct Params {
    window: Option<String>,
    n: Option<usize>,
    k: Option<usize>,
}

impl Params {
    fn window(&self, app: &App) -> String {
        self.window
            .clone()
            .unwrap_or_else(|| app.default_window.clone())
    }

    fn n(&self, app: &App) -> usize {
        self.n.unwrap_or(app.default_n).clamp(1, MAX_N)
    }
}

async fn top(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let doc = app.live.view().top(&p.window(&app), p.n(&app));
    Json(doc).into_response()
}

async fn rising(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let doc = app.live.view().rising(&p.window(&app), p.n(&app));
    Json(doc).into_response()
}

async fn windows(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let k = p.k.unwrap_or(app.history).clamp(1, app.history);
    let doc = app.live.view().history(&p.window(&app), p.n(&app), k);
    Json(doc).into_response()
}

/// A document for a live stream: the event's name and data.
#[derive(Debug)]
struct Update {
    event: &'static str,
    data: String,
}

/// The documents a live stream last sent, as sent.
#[derive(Debug, Default)]
struct Sent {
    top: Option<String>,
    rising: Option<String>,
}

impl Sent {
    /// The documents of `window` in `view` that differ from those last sent, `top` first,
    /// noted as sent.
    fn updates(
        &mut self,
        view: &ResultsView,
        window: &str,
        n: usize,
    ) -> Result<Vec<Update>, serde_json::Error> {
        let top = serde_json::to_string(&view.top(window, n))?;
        let rising = serde_json::to_string(&view.rising(window, n))?;
        Ok([
            changed("top", top, &mut self.top),
            changed("rising", rising, &mut self.rising),
        ]
        .into_iter()
        .flatten()
        .collect())
    }
}

/// An update `event` with `data`, unless `data` is what was `last` sent.
fn changed(event: &'static str, data: String, last: &mut Option<String>) -> Option<Update> {
    if last.as_deref() == Some(data.as_str()) {
        return None;
    }
    *last = Some(data.clone());
    Some(Update { event, data })
}

/// Server-sent events for the same parameters: `top`, the `/api/top` document, and `rising`,
/// the `/api/rising` document; each at once, then whenever it changes. Rising lists have an
/// event of their own because a window's rising record may be read after its counts (another
/// partition), when the `top` document no longer changes.
async fn stream(
    State(app): State<Arc<App>>,
    Query(p): Query<Params>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (window, n) = (p.window(&app), p.n(&app));
    let changes = app.live.subscribe();
    let state = (app, changes, Sent::default());
    // One batch of updates per change of the view (and one at once).
    let batches = futures_util::stream::unfold(state, move |(app, mut changes, mut sent)| {
        let window = window.clone();
        async move {
            loop {
                if sent.top.is_some() {
                    changes.changed().await.ok()?;
                    tokio::time::sleep(STREAM_COALESCE).await;
                }
                changes.mark_unchanged();
                // A document that cannot be written ends the stream.
                let updates = sent.updates(&app.live.view(), &window, n).ok()?;
                if !updates.is_empty() {
                    return Some((updates, (app, changes, sent)));
                }
            }
        }
    });
    let events = batches.flat_map(|batch| {
        let events = batch
            .into_iter()
            .map(|u| Ok(Event::default().event(u.event).data(u.data)));
        futures_util::stream::iter(events)
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let snapshot = app.metrics.snapshot();
    let text = render(&snapshot, &app.live.view());
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        text,
    )
        .into_response()
}

/// 200 while the result topic is being read, 503 with the reason when it cannot be.
async fn healthz(State(app): State<Arc<App>>) -> Response {
    let status = app.live.status();
    let body = serde_json::json!({
        "status": if status.error.is_none() { "ok" } else { "failing" },
        "results_caught_up": status.caught_up,
        "error": status.error,
    });
    let code = if status.error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const START: i64 = 1_767_225_600_000;

    fn record(start: i64, fields: Value) -> Vec<u8> {
        let mut base = json!({
            "window": "tumbling-10s", "window_start": "s", "window_start_ms": start,
            "window_end": "e", "window_end_ms": start + 10_000, "final": true,
        });
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::to_vec(&base).unwrap()
    }

    fn count(start: i64) -> Vec<u8> {
        record(start, json!({"hashtag": "Rust", "key": "rust", "count": 3}))
    }

    fn rising(start: i64) -> Vec<u8> {
        record(start, json!({"history_windows": 0, "rising": []}))
    }

    fn events(sent: &mut Sent, view: &ResultsView) -> Vec<&'static str> {
        let updates = sent.updates(view, "tumbling-10s", 10).unwrap();
        updates.into_iter().map(|u| u.event).collect()
    }

    #[test]
    fn a_stream_sends_both_documents_at_once_then_only_the_one_that_changed() {
        let mut view = ResultsView::new(5);
        view.apply(Some(&count(START)));
        view.apply(Some(&rising(START)));
        let mut sent = Sent::default();
        assert_eq!(events(&mut sent, &view), ["top", "rising"]);
        assert!(events(&mut sent, &view).is_empty(), "nothing changed");

        let next = START + 10_000;
        view.apply(Some(&count(next)));
        assert_eq!(events(&mut sent, &view), ["top"]);
        // The window's rising record, read after its counts: only the rising list changes.
        view.apply(Some(&rising(next)));
        let updates = sent.updates(&view, "tumbling-10s", 10).unwrap();
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0].event, "rising");
        let doc: Value = serde_json::from_str(&updates[0].data).unwrap();
        assert_eq!(doc["closed"]["window_start_ms"], next);
    }
}

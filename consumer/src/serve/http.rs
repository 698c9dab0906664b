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
use futures_util::Stream;
use serde::Deserialize;
use tracing::{error, info};

use common::kafka::consumer_config;
use common::settings::Settings;
use common::shutdown::Shutdown;
use model::report::Report;

use crate::serve::metrics::{render, Metrics, CONTENT_TYPE};
use crate::serve::results_reader::{self, LiveView};

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

async fn windows(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    let k = p.k.unwrap_or(app.history).clamp(1, app.history);
    let doc = app.live.view().history(&p.window(&app), p.n(&app), k);
    Json(doc).into_response()
}

/// Server-sent events named `top`, each the `/api/top` document for the same parameters: one
/// at once, then one whenever it changes.
async fn stream(
    State(app): State<Arc<App>>,
    Query(p): Query<Params>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (window, n) = (p.window(&app), p.n(&app));
    let changes = app.live.subscribe();
    let state = (app, changes, None::<String>);
    let events = futures_util::stream::unfold(state, move |(app, mut changes, last)| {
        let window = window.clone();
        async move {
            loop {
                if last.is_some() {
                    changes.changed().await.ok()?;
                    tokio::time::sleep(STREAM_COALESCE).await;
                }
                changes.mark_unchanged();
                let doc = app.live.view().top(&window, n);
                let text = serde_json::to_string(&doc).ok()?;
                if last.as_ref() != Some(&text) {
                    let event = Event::default().event("top").data(&text);
                    return Some((Ok(event), (app, changes, Some(text))));
                }
            }
        }
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

//! The HTTP side of the Mastodon source: open the timeline's SSE stream, fill the gap of a
//! reconnect from the REST timeline, read the stream, and do it again by the shared reconnect
//! rules. SSE framing, event handling, id order and paging are pure modules next to this one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::value::RawValue;
use tracing::{debug, info, warn};

use model::report::Report;

use super::backfill::{Backfill, End, Next, MAX_PAGES, PAGE_SIZE};
use super::id::StatusId;
use super::spec::{Spec, TOKEN_VAR};
use super::sse::{Item, SseReader};
use super::status::{classify, update, Action, Update};
use crate::source::live::backoff::Failure;
use crate::source::live::chunks::next_chunk;
use crate::source::live::clock::Clock;
use crate::source::live::reconnect::{reconnect, Ended};
use crate::source::live::Outlet;
use crate::source::{Event, Record, SourceError};

/// Longest event accepted (a status with a long text and many attachments is well under 1 MB).
const MAX_EVENT_BYTES: usize = 1 << 20;

/// Counters a run reports at its end: they are logged when dropped, so a run that a shutdown
/// cancels reports too.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// New statuses published from the stream.
    statuses: AtomicU64,
    /// Statuses published from the REST timeline after a reconnect.
    backfilled: AtomicU64,
    /// Stream copies of statuses a backfill had published already (not published again).
    repeated: AtomicU64,
    deletes: AtomicU64,
    edits: AtomicU64,
    /// Events a public or hashtag stream should not send.
    other: AtomicU64,
    /// Comment lines: `:thump` heartbeats and `:)` greetings.
    heartbeats: AtomicU64,
    malformed: AtomicU64,
    backfill_pages: AtomicU64,
    /// Backfills that stopped before the gap was filled (page cap, unusable page).
    unfilled_gaps: AtomicU64,
    reconnects: AtomicU64,
}

impl Drop for Stats {
    fn drop(&mut self) {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        info!(
            statuses = n(&self.statuses),
            backfilled = n(&self.backfilled),
            repeated = n(&self.repeated),
            deletes = n(&self.deletes),
            edits = n(&self.edits),
            other = n(&self.other),
            heartbeats = n(&self.heartbeats),
            malformed = n(&self.malformed),
            backfill_pages = n(&self.backfill_pages),
            unfilled_gaps = n(&self.unfilled_gaps),
            reconnects = n(&self.reconnects),
            "stream summary"
        );
    }
}

/// A request or page that failed for want of an answer; no data came first.
fn network_failure() -> Ended {
    Ended {
        failure: Failure::Network,
        healthy: false,
    }
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Connects, reads and reconnects until the instance rejects the token (the error names the
/// variable to check), or until the shutdown cancels it. Statuses go to `out`, waiting for room:
/// what the stream sends meanwhile waits in the connection, and a gap is filled on reconnect.
/// With `start_after` (a checkpoint's status), the first connection fills the gap since then
/// too, exactly as a reconnect does.
pub(crate) async fn run(
    spec: &Spec,
    start_after: Option<StatusId>,
    out: &Outlet,
    clock: &dyn Clock,
) -> Result<(), SourceError> {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(SourceError::HttpClient)?;
    let stats = Stats::default();
    let mut session = Session {
        spec,
        http,
        out,
        stats: &stats,
        newest: start_after,
    };
    info!(instance = spec.instance(), timeline = %spec.timeline, "reading Mastodon");
    let status = reconnect(clock, &stats.reconnects, async || session.once().await).await;
    Err(SourceError::Credentials(format!(
        "Mastodon rejected the access token (HTTP {status}): check {TOKEN_VAR} (a user token of this instance with the read:statuses scope)"
    )))
}

/// What lasts from one connection to the next.
struct Session<'a> {
    spec: &'a Spec,
    http: reqwest::Client,
    out: &'a Outlet,
    stats: &'a Stats,
    /// The newest status handed to the publisher in this run, or before any the checkpoint's: a
    /// connection's backfill starts after it. Not the acknowledged safe point that the checkpoint
    /// holds: every status handed over waits in the queue or in the sink, and a lost connection
    /// does not take it back, so it is published within this run (one that Kafka refuses fails
    /// the run, and the checkpoint stays before it for the restart). Starting from the safe point
    /// would only publish those again, and spend the backfill's pages on them rather than on the
    /// gap.
    newest: Option<StatusId>,
}

impl Session<'_> {
    /// One connection: open the stream, fill the gap since the last one, read until it fails.
    async fn once(&mut self) -> Ended {
        let response = match self.get(&self.spec.url(&self.spec.timeline.stream())).await {
            Ok(response) => response,
            Err(ended) => return ended,
        };
        info!(timeline = %self.spec.timeline, "connected to the stream");
        let backfill = match self.newest.clone() {
            Some(after) => match self.backfill(after).await {
                Ok(backfill) => Some(backfill),
                Err(ended) => return ended,
            },
            None => None,
        };
        self.read(response, backfill.as_ref()).await
    }

    /// A GET with the token that answered 200; any other answer is how the connection ended.
    /// An instance that does not answer within the stall timeout is stalled too.
    async fn get(&self, url: &reqwest::Url) -> Result<reqwest::Response, Ended> {
        let request = self
            .http
            .get(url.clone())
            .bearer_auth(self.spec.token.expose())
            .send();
        let response = match tokio::time::timeout(self.spec.stall_timeout, request).await {
            Err(_) => {
                warn!(path = url.path(), timeout = ?self.spec.stall_timeout, "no answer from the instance");
                return Err(network_failure());
            }
            Ok(Err(error)) => {
                warn!(error = %Report(&error.without_url()), path = url.path(), "cannot reach the instance");
                return Err(network_failure());
            }
            Ok(Ok(response)) => response,
        };
        match response.status().as_u16() {
            200 => Ok(response),
            status => {
                warn!(status, path = url.path(), "request refused");
                Err(Ended {
                    failure: Failure::Http(status),
                    healthy: false,
                })
            }
        }
    }

    /// A timeline page's body, read within the stall timeout.
    async fn page_body(&self, url: &reqwest::Url) -> Result<Vec<u8>, Ended> {
        let response = self.get(url).await?;
        match tokio::time::timeout(self.spec.stall_timeout, response.bytes()).await {
            Ok(Ok(body)) => Ok(body.into()),
            Ok(Err(error)) => {
                warn!(error = %Report(&error.without_url()), "timeline page cut off");
                Err(network_failure())
            }
            Err(_) => {
                warn!(timeout = ?self.spec.stall_timeout, "timeline page stalled");
                Err(network_failure())
            }
        }
    }

    /// Publishes what the REST timeline has after `after`, oldest first, page by page.
    async fn backfill(&mut self, after: StatusId) -> Result<Backfill, Ended> {
        let mut backfill = Backfill::new(after, MAX_PAGES);
        loop {
            let min_id = match backfill.next() {
                Next::Fetch { min_id } => min_id,
                Next::End(end) => {
                    self.report_backfill(&backfill, end);
                    break;
                }
            };
            let mut url = self.spec.url(&self.spec.timeline.rest());
            url.query_pairs_mut()
                .append_pair("min_id", min_id.as_str())
                .append_pair("limit", &PAGE_SIZE.to_string());
            let body = self.page_body(&url).await?;
            count(&self.stats.backfill_pages);
            let Some(mut updates) = self.page(&body) else {
                count(&self.stats.unfilled_gaps);
                warn!(after = %min_id, "the timeline page is no list of statuses: the rest of the gap is not filled");
                break;
            };
            let ids: Vec<StatusId> = updates.iter().map(|u| u.id.clone()).collect();
            let mut records: Vec<Option<Record>> =
                updates.drain(..).map(|u| Some(u.record)).collect();
            for i in backfill.page(&ids) {
                if let Some(record) = records[i].take() {
                    count(&self.stats.backfilled);
                    self.deliver(record).await;
                }
            }
            // Page by page: a page that fails (a 429) leaves the next backfill to start here.
            self.note(backfill.newest());
        }
        Ok(backfill)
    }

    fn report_backfill(&self, backfill: &Backfill, end: End) {
        match end {
            End::CaughtUp => {
                info!(pages = backfill.pages(), newest = %backfill.newest(), "gap filled from the timeline")
            }
            End::Capped => {
                count(&self.stats.unfilled_gaps);
                warn!(
                    pages = backfill.pages(),
                    newest = %backfill.newest(),
                    "gap longer than {MAX_PAGES} timeline pages: statuses after the newest backfilled one and before the stream's first may be missing"
                );
            }
        }
    }

    /// The usable statuses of a timeline page; `None` when it is no JSON list.
    fn page(&self, body: &[u8]) -> Option<Vec<Update>> {
        let raw: Vec<&RawValue> = serde_json::from_slice(body).ok()?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let mut updates = Vec::with_capacity(raw.len());
        for status in raw {
            match update(status.get().as_bytes().to_vec(), now_ms) {
                Ok(update) => updates.push(update),
                Err(error) => {
                    self.malformed(&error, "malformed status in a timeline page; skipped")
                }
            }
        }
        Some(updates)
    }

    /// Reads the stream until it fails, stalls or ends.
    async fn read(
        &mut self,
        mut response: reqwest::Response,
        backfill: Option<&Backfill>,
    ) -> Ended {
        let stall_timeout = self.spec.stall_timeout;
        let mut reader = SseReader::new(MAX_EVENT_BYTES);
        let mut items = Vec::new();
        let mut healthy = false;
        loop {
            // Any bytes count, heartbeats included: a quiet timeline is not a stalled one.
            let Some(chunk) =
                next_chunk(&mut response, stall_timeout, reader.pending_bytes()).await
            else {
                return Ended {
                    failure: Failure::Network,
                    healthy,
                };
            };
            healthy = true;
            reader.push(&chunk, &mut items);
            for item in items.drain(..) {
                self.handle(item, backfill).await;
            }
        }
    }

    async fn handle(&mut self, item: Item, backfill: Option<&Backfill>) {
        let event = match item {
            Item::Comment => return count(&self.stats.heartbeats),
            Item::TooLong { bytes } => {
                count(&self.stats.malformed);
                return warn!(bytes, "stream event too long; skipped");
            }
            Item::Event(event) => event,
        };
        match classify(event, chrono::Utc::now().timestamp_millis()) {
            Err(error) => self.malformed(&error, "malformed update event; skipped"),
            Ok(Action::Publish(Update { id, record })) => {
                self.note(&id);
                if backfill.is_some_and(|b| b.published(&id)) {
                    count(&self.stats.repeated);
                } else {
                    count(&self.stats.statuses);
                    self.deliver(record).await;
                }
            }
            Ok(Action::Delete) => count(&self.stats.deletes),
            Ok(Action::Edit) => count(&self.stats.edits),
            Ok(Action::Other(name)) => {
                count(&self.stats.other);
                debug!(event = name, "event not expected on this stream; skipped");
            }
        }
    }

    /// Queues a status for the publisher, waiting for room. When the publisher has stopped, the
    /// shutdown that stopped it is ending this thread too: nothing is left to do with it.
    async fn deliver(&self, record: Record) {
        let _ = self.out.deliver(Event::Tweet(record)).await;
    }

    fn malformed(&self, error: &(dyn std::error::Error + 'static), what: &str) {
        count(&self.stats.malformed);
        warn!(error = %Report(error), "{what}");
    }

    /// Keeps the newest status id seen.
    fn note(&mut self, id: &StatusId) {
        if self.newest.as_ref().is_none_or(|newest| id > newest) {
            self.newest = Some(id.clone());
        }
    }
}

#[cfg(test)]
mod tests;

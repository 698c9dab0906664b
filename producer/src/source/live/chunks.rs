//! Reading a streamed HTTP response (Twitter's streams, Mastodon's server-sent events) chunk by
//! chunk, where a stream that sends nothing for too long is as broken as one that is cut: both
//! end the connection, and the reconnect loop opens a new one.

use std::time::Duration;

use bytes::Bytes;
use tracing::warn;

use model::report::Report;

/// The next chunk of `response`, or `None` when the stream stalled (no bytes at all, keep-alives
/// and heartbeats included, within `stall_timeout`), broke or was closed by the server; each end
/// is logged once, with the `partial_bytes` of an unfinished message it cut off.
pub(crate) async fn next_chunk(
    response: &mut reqwest::Response,
    stall_timeout: Duration,
    partial_bytes: usize,
) -> Option<Bytes> {
    match tokio::time::timeout(stall_timeout, response.chunk()).await {
        Err(_) => {
            warn!(timeout = ?stall_timeout, "no bytes, not even a keep-alive: stream stalled; reconnecting");
            None
        }
        Ok(Err(error)) => {
            warn!(error = %Report(&error.without_url()), partial_bytes, "stream connection lost");
            None
        }
        Ok(Ok(None)) => {
            warn!(partial_bytes, "stream closed by the server");
            None
        }
        Ok(Ok(Some(chunk))) => Some(chunk),
    }
}

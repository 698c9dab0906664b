//! The network side of the Bluesky source: subscribe to Jetstream, read frames, hand events to the
//! publisher, and end the session on a stall, a lost connection or a refused upgrade.
//!
//! Framing needs nothing of ours (WebSocket frames are whole events); what a frame means is
//! [`frame::read`]'s, where to start [`subscribe`]'s. This loop only moves frames between them,
//! the socket and the outlet.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::{self, Message};
use tracing::{info, warn};

use model::report::Report;

use super::{frame, Stats};
use crate::source::live::backoff::Failure;
use crate::source::live::reconnect::Ended;
use crate::source::live::Outlet;

/// Reads one subscription at `url` until it fails, stalls for `stall_timeout` (no frame, pings
/// included), or the server closes it; every event goes to `outlet`, waiting for room.
pub(super) async fn read(
    url: &str,
    stall_timeout: Duration,
    outlet: &Outlet,
    stats: &Stats,
) -> Ended {
    let failed = |failure, healthy| Ended { failure, healthy };
    let mut ws = match connect(url, stall_timeout).await {
        Ok(ws) => ws,
        Err(ended) => return ended,
    };
    info!(url, "subscribed to Jetstream");
    let mut healthy = false;
    loop {
        let message = match tokio::time::timeout(stall_timeout, ws.next()).await {
            Err(_) => {
                warn!(timeout = ?stall_timeout, "Jetstream stalled; reconnecting");
                return failed(Failure::Network, healthy);
            }
            Ok(Some(Err(error))) => {
                warn!(error = %Report(&error), "Jetstream connection lost");
                return failed(Failure::Network, healthy);
            }
            Ok(None | Some(Ok(Message::Close(_)))) => {
                warn!("Jetstream closed the connection");
                return failed(Failure::Network, healthy);
            }
            Ok(Some(Ok(message))) => message,
        };
        healthy = true;
        let bytes = match message {
            Message::Text(text) => Vec::from(text.as_bytes()),
            Message::Binary(bytes) => {
                // Compressed frames come only to clients that ask for them; this one never does.
                let malformed = stats.malformed.fetch_add(1, Ordering::Relaxed) + 1;
                warn!(
                    bytes = bytes.len(),
                    malformed, "binary Jetstream frame; skipped"
                );
                continue;
            }
            // Pings are answered by the WebSocket layer; any frame shows the stream is alive.
            _ => continue,
        };
        match frame::read(bytes) {
            Ok(framed) => {
                stats.received(framed.time_us);
                if outlet.deliver(framed.event).await.is_err() {
                    // The publisher has stopped; the source is being halted.
                    return failed(Failure::Network, healthy);
                }
            }
            Err(error) => {
                let malformed = stats.malformed.fetch_add(1, Ordering::Relaxed) + 1;
                warn!(error = %Report(&error), malformed, "malformed Jetstream event; skipped");
            }
        }
    }
}

/// Opens the subscription at `url`, giving up after `stall_timeout`; a failure is how the
/// session ended (a refused upgrade by its HTTP status, anything else a network failure).
async fn connect(url: &str, stall_timeout: Duration) -> Result<Socket, Ended> {
    let failed = |failure| {
        Err(Ended {
            failure,
            healthy: false,
        })
    };
    match tokio::time::timeout(stall_timeout, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status().as_u16();
            warn!(url, status, "Jetstream refused the subscription");
            failed(Failure::Http(status))
        }
        Ok(Err(error)) => {
            warn!(url, error = %Report(&error), "cannot connect to Jetstream");
            failed(Failure::Network)
        }
        Err(_) => {
            warn!(url, timeout = ?stall_timeout, "no answer from Jetstream");
            failed(Failure::Network)
        }
    }
}

/// A WebSocket connection to Jetstream, plain or TLS.
type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The public instances are `wss://`: the TLS client must be buildable here (rustls needs
    /// exactly one crypto provider compiled in, or it panics at the first handshake). A local
    /// listener that hangs up gets a handshake error, not a panic, and a network failure.
    #[tokio::test]
    async fn a_wss_endpoint_gets_a_tls_client_and_a_failed_handshake_is_a_network_failure() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        let (outlet, _rx) = Outlet::channel(1);
        let url = format!("wss://localhost:{port}/subscribe");
        let ended = read(&url, Duration::from_secs(5), &outlet, &Stats::default()).await;
        assert_eq!(
            ended,
            Ended {
                failure: Failure::Network,
                healthy: false
            }
        );
    }
}

//! The stand-in itself: filtering, cursors, scripted steps and refusals, seen from a plain
//! WebSocket client.

use std::time::Duration;

use futures::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use super::*;

fn log() -> Vec<String> {
    let commit = |t: i64, c: &str| {
        format!(
            r#"{{"did":"did:plc:a","time_us":{t},"kind":"commit","commit":{{"operation":"create","collection":"{c}","rkey":"r{t}"}}}}"#
        )
    };
    vec![
        commit(10, "app.bsky.feed.post"),
        commit(12, "app.bsky.feed.like"),
        commit(11, "app.bsky.feed.repost"),
        r#"{"did":"did:plc:a","time_us":13,"kind":"identity","identity":{"did":"did:plc:a","seq":1,"time":"t"}}"#.into(),
        commit(14, "app.bsky.feed.post"),
    ]
}

const POSTS_AND_REPOSTS: &str =
    "wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost";

async fn subscribe(
    standin: &JetstreamStandIn,
    query: &str,
) -> Result<WebSocketStream<TcpStream>, tungstenite::Error> {
    let url = format!("{}?{query}", standin.url());
    let tcp = TcpStream::connect(standin.server.addr()).await.unwrap();
    tokio_tungstenite::client_async(url, tcp)
        .await
        .map(|(ws, _)| ws)
}

/// The `time_us` of each text frame until the connection ends or is quiet for a moment, and how
/// it ended: `Some(true)` closed abruptly, `Some(false)` closed cleanly, `None` still open.
async fn read(ws: &mut WebSocketStream<TcpStream>) -> (Vec<String>, Option<bool>) {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
            Err(_) => return (frames, None),
            Ok(None) => return (frames, Some(false)),
            Ok(Some(Err(_))) => return (frames, Some(true)),
            Ok(Some(Ok(Message::Text(text)))) => frames.push(text.to_string()),
            Ok(Some(Ok(Message::Binary(_)))) => frames.push("<binary>".into()),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Subscribes with `query`, and reads as [`read`] does, giving the frames' `time_us`; the socket
/// is kept, to drop when the test wants.
async fn frame_times(
    standin: &JetstreamStandIn,
    query: &str,
) -> (WebSocketStream<TcpStream>, Vec<String>, Option<bool>) {
    let mut ws = subscribe(standin, query).await.unwrap();
    let (frames, ended) = read(&mut ws).await;
    let times = frames.iter().map(|f| time_of(f)).collect();
    (ws, times, ended)
}

fn time_of(frame: &str) -> String {
    serde_json::from_str::<serde_json::Value>(frame)
        .map(|v| v["time_us"].to_string())
        .unwrap_or_else(|_| frame.to_owned())
}

#[tokio::test]
async fn subscriptions_get_their_collections_from_their_cursor_as_scripted() {
    let script = vec![
        Connection::Steps(vec![
            Step::Events(1),
            Step::Text("{broken".into()),
            Step::Binary(vec![0x28, 0xb5]),
            Step::Events(1),
            Step::Drop,
        ]),
        Connection::Status(403),
        Connection::Steps(vec![Step::Events(1), Step::Stall]),
    ];
    let standin = JetstreamStandIn::start(&log(), script).await;

    let (_ws, times, ended) = frame_times(&standin, POSTS_AND_REPOSTS).await;
    assert_eq!(times, ["10", "{broken", "<binary>", "11"], "no like");
    assert_eq!(ended, Some(true), "dropped without a close frame");

    let refused = subscribe(&standin, POSTS_AND_REPOSTS).await.unwrap_err();
    assert!(
        matches!(&refused, tungstenite::Error::Http(r) if r.status() == 403),
        "{refused:?}"
    );

    let from_11 = format!("{POSTS_AND_REPOSTS}&cursor=11");
    let (ws, times, ended) = frame_times(&standin, &from_11).await;
    assert_eq!(times, ["11"]);
    assert_eq!(ended, None, "a stall keeps the socket open");
    drop(ws);

    // After the script: everything from the cursor, identity events regardless, then quiet.
    let (_ws, times, ended) = frame_times(&standin, &from_11).await;
    assert_eq!(times, ["11", "13", "14"]);
    assert_eq!(ended, None);

    let attempts = standin.attempts();
    let seen: Vec<(u16, Option<i64>, Vec<i64>)> = attempts
        .iter()
        .map(|a| (a.status, a.subscription.cursor, a.sent.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (101, None, vec![10, 11]),
            (403, None, vec![]),
            (101, Some(11), vec![11]),
            (101, Some(11), vec![11, 13, 14]),
        ]
    );
    assert!(attempts.iter().all(|a| a.path == "/subscribe"
        && a.subscription.collections == ["app.bsky.feed.post", "app.bsky.feed.repost"]));
    standin.shutdown().await;
}

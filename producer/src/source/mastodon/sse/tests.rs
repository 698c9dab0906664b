use super::*;

const LIMIT: usize = 1 << 20;

fn fixture() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/social/mastodon-stream.txt"
    );
    std::fs::read(path).expect("read the recorded stream")
}

/// Feeds `chunks` to one reader and returns everything it read.
fn read(chunks: &[&[u8]]) -> Vec<Item> {
    let mut reader = SseReader::new(LIMIT);
    let mut out = Vec::new();
    for chunk in chunks {
        reader.push(chunk, &mut out);
    }
    out
}

fn event(name: &str, data: &str) -> Item {
    Item::Event(Event {
        name: name.to_owned(),
        data: data.as_bytes().to_vec(),
    })
}

/// The recorded docs examples, split by blank lines the way the format says: per block, the
/// `event:` name and the `data:` lines joined by newlines; comment-only blocks are heartbeats.
fn expected_from_blocks(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let lines: Vec<&str> = block.lines().collect();
        items.extend(
            lines
                .iter()
                .filter(|l| l.starts_with(':'))
                .map(|_| Item::Comment),
        );
        let name = lines.iter().find_map(|l| l.strip_prefix("event: "));
        let data: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("data:"))
            .collect();
        if !data.is_empty() {
            let data: Vec<&str> = data
                .iter()
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            items.push(event(name.unwrap_or("message"), &data.join("\n")));
        }
    }
    items
}

#[test]
fn the_recorded_stream_reads_as_its_blocks_say() {
    let bytes = fixture();
    let got = read(&[&bytes]);
    let want = expected_from_blocks(std::str::from_utf8(&bytes).unwrap());
    assert_eq!(got, want);
    let events = got.iter().filter(|i| matches!(i, Item::Event(_))).count();
    assert_eq!(events, 27, "the docs' 27 event examples");
    assert_eq!(got[0], Item::Comment, "it starts with the :thump example");
}

#[test]
fn any_chunking_gives_the_same_items() {
    let bytes = fixture();
    let whole = read(&[&bytes]);
    for size in [1, 2, 3, 7, 64, 1000, 4096] {
        let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
        assert_eq!(read(&chunks), whole, "chunks of {size} bytes");
    }
}

#[test]
fn data_lines_join_with_newlines_and_crlf_ends_lines() {
    let text = b"event: update\r\ndata: {\"a\":\r\ndata:1}\r\n\r\ndata: plain\n\n";
    assert_eq!(
        read(&[text]),
        [event("update", "{\"a\":\n1}"), event("message", "plain")]
    );
}

#[test]
fn an_event_without_data_is_no_event_and_an_empty_data_line_is_one() {
    let text = b"event: nothing\n\nevent: filters_changed\ndata:\n\n";
    assert_eq!(read(&[text]), [event("filters_changed", "")]);
}

#[test]
fn comments_and_unknown_fields_are_kept_apart_from_events() {
    let text = b":)\n:thump\nid: 7\nretry: 10\nevent: delete\ndata: 123\n\n:thump\n";
    assert_eq!(
        read(&[text]),
        [
            Item::Comment,
            Item::Comment,
            event("delete", "123"),
            Item::Comment
        ]
    );
}

#[test]
fn invalid_utf8_stays_in_its_event_and_later_events_still_come() {
    let text = b"event: update\ndata: {\"bad\":\"\xff\"}\n\nevent: update\ndata: {\"b\":2}\n\n";
    let got = read(&[text]);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0],
        Item::Event(Event {
            name: "update".into(),
            data: b"{\"bad\":\"\xff\"}".to_vec()
        })
    );
    assert_eq!(got[1], event("update", "{\"b\":2}"));
}

#[test]
fn an_event_over_the_limit_is_reported_and_the_next_one_read() {
    let mut reader = SseReader::new(10);
    let mut out = Vec::new();
    // One line too long, then data lines that only together are too long.
    reader.push(b"event: update\ndata: 0123456789abc\n\n", &mut out);
    reader.push(b"data: 012345\ndata: 6789\n\n", &mut out);
    reader.push(b"data: ok\n\n", &mut out);
    assert!(
        matches!(out[0], Item::TooLong { bytes } if bytes >= 13),
        "{out:?}"
    );
    assert!(
        matches!(out[1], Item::TooLong { bytes } if bytes >= 10),
        "{out:?}"
    );
    assert_eq!(out[2], event("message", "ok"));
    assert_eq!(out.len(), 3);
}

#[test]
fn a_cut_off_event_is_pending() {
    let mut reader = SseReader::new(LIMIT);
    let mut out = Vec::new();
    reader.push(b"event: update\ndata: {\"a\"", &mut out);
    assert!(out.is_empty());
    assert!(reader.pending_bytes() > 0);
}

//! Mastodon statuses (the `Status` entity of the REST API and of the streaming API's `update`
//! events): what trend counting needs of them.
//!
//! A status's hashtags are its `tags` (names as the server knows them, in the author's case);
//! a reblog has no content or tags of its own and counts its original's, as a retweet does. The
//! text is the `content` HTML's text, read by an HTML5 parser.

use std::borrow::Cow;

use scraper::{Html, Node};
use serde::Deserialize;

use crate::timestamp;

/// A status, borrowing from the message's bytes where it can.
#[derive(Debug, Clone, PartialEq)]
pub struct Status<'a> {
    /// The ActivityPub id, unique across servers: a reblog's own, so each reblog counts once.
    pub uri: Cow<'a, str>,
    /// `created_at` in epoch milliseconds (a reblog's: when it was reblogged).
    pub created_at_ms: Option<i64>,
    /// The text of the counted status's `content` (a reblog's original's), paragraphs and line
    /// breaks as newlines.
    pub text: String,
    /// The counted status's language (ISO 639-1); `None` when the server did not say.
    pub lang: Option<Cow<'a, str>>,
    /// The counted status's hashtags as named, without `#`.
    pub hashtags: Vec<Cow<'a, str>>,
    pub is_reblog: bool,
}

/// Why a message is not a usable status.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("invalid Mastodon status JSON")]
    Json(#[from] serde_json::Error),
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    uri: Cow<'a, str>,
    #[serde(borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, flatten)]
    body: Body<'a>,
    #[serde(borrow)]
    reblog: Option<Box<Original<'a>>>,
}

/// What is counted of a status: its content, language and tags.
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow, default)]
    content: Cow<'a, str>,
    #[serde(borrow)]
    language: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tags: Vec<Tag<'a>>,
}

/// A reblogged status, read for its body only.
#[derive(Deserialize)]
struct Original<'a> {
    #[serde(borrow, flatten)]
    body: Body<'a>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

impl<'a> Status<'a> {
    /// Reads one status.
    pub fn parse(bytes: &'a [u8]) -> Result<Status<'a>, StatusError> {
        let wire: Wire<'a> = serde_json::from_slice(bytes)?;
        let is_reblog = wire.reblog.is_some();
        let body = wire.reblog.map_or(wire.body, |original| original.body);
        Ok(Status {
            uri: wire.uri,
            created_at_ms: wire
                .created_at
                .and_then(|t| timestamp::parse_created_at(&t).ok()),
            text: html_text(&body.content),
            lang: body.language,
            hashtags: body
                .tags
                .into_iter()
                .map(|t| t.name)
                .filter(|t| !t.is_empty())
                .collect(),
            is_reblog,
        })
    }
}

/// The text of an HTML fragment: its text nodes in order (entities decoded), a newline for each
/// `<br>` and a blank line between paragraphs.
pub fn html_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut text = String::with_capacity(html.len());
    for node in fragment.root_element().descendants() {
        match node.value() {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) if e.name() == "br" => text.push('\n'),
            Node::Element(e) if e.name() == "p" && !text.is_empty() => text.push_str("\n\n"),
            _ => {}
        }
    }
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text_with_entities_decoded_and_breaks_kept() {
        let html = "<p>I&#39;m pleased &amp; <a href=\"x\"><span class=\"invisible\">https://</span>\
            example.org</a></p><p>line<br />two <a class=\"mention hashtag\">#<span>RStats</span></a></p>";
        assert_eq!(
            html_text(html),
            "I'm pleased & https://example.org\n\nline\ntwo #RStats"
        );
    }
}

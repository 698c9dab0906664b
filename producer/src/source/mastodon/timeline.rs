//! Which timeline to read (`mastodon.timeline`: `public`, `local` or `hashtag:TAG`) and the two
//! endpoints that serve it: the streaming API's SSE channel, and the REST timeline that fills a
//! gap after a reconnect (PROTOCOLS.md, "Mastodon streaming API").

use std::fmt;
use std::str::FromStr;

/// A timeline of the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Timeline {
    /// Every public status the instance knows of, its own and federated.
    Public,
    /// The instance's own public statuses.
    Local,
    /// Public statuses with this hashtag (without `#`; the server folds its case).
    Hashtag(String),
}

/// An endpoint of the instance: path segments after the host, and query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// Unencoded segments: the driver percent-encodes each (a hashtag may be any word).
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
}

impl Endpoint {
    fn new(path: &str, query: Vec<(&'static str, String)>) -> Endpoint {
        Endpoint {
            segments: path.split('/').map(str::to_owned).collect(),
            query,
        }
    }
}

/// `mastodon.timeline` names no timeline.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("mastodon.timeline must be public, local or hashtag:TAG, not {0:?}")]
pub(crate) struct TimelineError(String);

impl FromStr for Timeline {
    type Err = TimelineError;

    fn from_str(text: &str) -> Result<Timeline, TimelineError> {
        match text {
            "public" => Ok(Timeline::Public),
            "local" => Ok(Timeline::Local),
            _ => text
                .strip_prefix("hashtag:")
                .map(|tag| tag.strip_prefix('#').unwrap_or(tag))
                .filter(|tag| !tag.is_empty() && !tag.contains(char::is_whitespace))
                .map(|tag| Timeline::Hashtag(tag.to_owned()))
                .ok_or_else(|| TimelineError(text.to_owned())),
        }
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeline::Public => f.write_str("public"),
            Timeline::Local => f.write_str("local"),
            Timeline::Hashtag(tag) => write!(f, "hashtag:{tag}"),
        }
    }
}

impl Timeline {
    /// The SSE channel: `/api/v1/streaming/public`, `/public/local` or `/hashtag?tag=`.
    pub(crate) fn stream(&self) -> Endpoint {
        match self {
            Timeline::Public => Endpoint::new("api/v1/streaming/public", vec![]),
            Timeline::Local => Endpoint::new("api/v1/streaming/public/local", vec![]),
            Timeline::Hashtag(tag) => {
                Endpoint::new("api/v1/streaming/hashtag", vec![("tag", tag.clone())])
            }
        }
    }

    /// The REST timeline with the same statuses: `/api/v1/timelines/public` (`local=true` for
    /// the local one) or `/api/v1/timelines/tag/TAG`, without the paging parameters.
    pub(crate) fn rest(&self) -> Endpoint {
        match self {
            Timeline::Public => Endpoint::new("api/v1/timelines/public", vec![]),
            Timeline::Local => Endpoint::new(
                "api/v1/timelines/public",
                vec![("local", "true".to_owned())],
            ),
            Timeline::Hashtag(tag) => {
                let mut endpoint = Endpoint::new("api/v1/timelines/tag", vec![]);
                endpoint.segments.push(tag.clone());
                endpoint
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Timeline, TimelineError> {
        text.parse()
    }

    #[test]
    fn names_parse_and_print_back() {
        for (text, timeline) in [
            ("public", Timeline::Public),
            ("local", Timeline::Local),
            ("hashtag:rust", Timeline::Hashtag("rust".into())),
            ("hashtag:Straße", Timeline::Hashtag("Straße".into())),
        ] {
            assert_eq!(parse(text), Ok(timeline.clone()));
            assert_eq!(timeline.to_string(), text);
        }
        assert_eq!(parse("hashtag:#rust"), Ok(Timeline::Hashtag("rust".into())));
    }

    #[test]
    fn anything_else_is_refused_with_the_setting_named() {
        for text in [
            "",
            "home",
            "Public",
            "hashtag:",
            "hashtag:#",
            "hashtag:two words",
        ] {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.starts_with("mastodon.timeline must be"), "{error}");
        }
    }

    #[test]
    fn endpoints_are_the_documented_ones() {
        let path = |e: Endpoint| (e.segments.join("/"), e.query);
        assert_eq!(
            path(Timeline::Public.stream()),
            ("api/v1/streaming/public".into(), vec![])
        );
        assert_eq!(
            path(Timeline::Local.stream()),
            ("api/v1/streaming/public/local".into(), vec![])
        );
        assert_eq!(
            path(Timeline::Hashtag("a/b".into()).stream()),
            (
                "api/v1/streaming/hashtag".into(),
                vec![("tag", "a/b".into())]
            )
        );
        assert_eq!(
            path(Timeline::Public.rest()),
            ("api/v1/timelines/public".into(), vec![])
        );
        assert_eq!(
            path(Timeline::Local.rest()),
            (
                "api/v1/timelines/public".into(),
                vec![("local", "true".into())]
            )
        );
        // One segment for the tag, whatever it holds: the driver encodes it.
        let tag = Timeline::Hashtag("a/b".into()).rest();
        assert_eq!(tag.segments.last().map(String::as_str), Some("a/b"));
        assert_eq!(tag.segments.len(), 5);
    }
}

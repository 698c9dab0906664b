//! What the Mastodon source needs to connect, checked before anything is opened: the instance's
//! URL, the timeline, the user token (never logged: [`Secret`] prints as `***`) and the stall
//! timeout.

use std::time::Duration;

use reqwest::Url;

use common::settings::{MastodonSettings, Secret};

use super::timeline::{Endpoint, Timeline};
use crate::source::SourceError;

/// The environment variable the token is read from.
pub(crate) const TOKEN_VAR: &str = "MASTODON_ACCESS_TOKEN";

/// Which timeline of which instance: what the source reads, and what its checkpoint belongs to.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) instance: Url,
    pub(crate) timeline: Timeline,
}

impl Target {
    /// Checks `mastodon.instance` (an http(s) URL) and `mastodon.timeline`.
    pub(crate) fn new(settings: &MastodonSettings) -> Result<Target, SourceError> {
        let instance = Url::parse(settings.instance.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base())
            .ok_or_else(|| {
                SourceError::Config(format!(
                    "mastodon.instance must be the instance's http(s) URL, e.g. https://mastodon.social, not {:?}",
                    settings.instance
                ))
            })?;
        let timeline = settings
            .timeline
            .parse()
            .map_err(|e: super::timeline::TimelineError| SourceError::Config(e.to_string()))?;
        Ok(Target { instance, timeline })
    }
}

/// A checked `[mastodon]` section.
#[derive(Debug)]
pub(crate) struct Spec {
    instance: Url,
    pub(crate) timeline: Timeline,
    pub(crate) token: Secret,
    pub(crate) stall_timeout: Duration,
}

impl Spec {
    /// Checks the settings: an http(s) instance URL, a known timeline and a token (Mastodon 4.2
    /// and later stream to users only, PROTOCOLS.md "Authentication": there is nothing to try
    /// without one).
    pub(crate) fn new(settings: &MastodonSettings) -> Result<Spec, SourceError> {
        if settings.access_token.expose().is_empty() {
            return Err(SourceError::Credentials(format!(
                "the mastodon source needs {TOKEN_VAR}: a user access token with the read:statuses scope (Mastodon streams only to logged-in users since 4.2)"
            )));
        }
        let Target { instance, timeline } = Target::new(settings)?;
        Ok(Spec {
            instance,
            timeline,
            token: settings.access_token.clone(),
            stall_timeout: settings.stall_timeout,
        })
    }

    /// `endpoint` on the instance, its segments percent-encoded.
    pub(crate) fn url(&self, endpoint: &Endpoint) -> Url {
        let mut url = self.instance.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(&endpoint.segments);
        }
        if !endpoint.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&endpoint.query);
        }
        url
    }

    /// The instance, for logs.
    pub(crate) fn instance(&self) -> &str {
        self.instance.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(instance: &str, timeline: &str, token: &str) -> MastodonSettings {
        MastodonSettings {
            instance: instance.into(),
            timeline: timeline.into(),
            topic: "raw-mastodon".into(),
            stall_timeout: Duration::from_secs(45),
            queue: 10,
            access_token: Secret::new(token.to_owned()),
        }
    }

    fn error(s: MastodonSettings) -> String {
        Spec::new(&s).unwrap_err().to_string()
    }

    #[test]
    fn urls_are_built_on_the_instance_with_the_tag_encoded() {
        let spec = Spec::new(&settings("https://example.social/", "hashtag:a b", "t"));
        assert!(spec.is_err(), "a tag with a space is no tag");
        let spec = Spec::new(&settings("https://example.social", "hashtag:ÜberRust", "t")).unwrap();
        assert_eq!(
            spec.url(&spec.timeline.stream()).as_str(),
            "https://example.social/api/v1/streaming/hashtag?tag=%C3%9CberRust"
        );
        assert_eq!(
            spec.url(&spec.timeline.rest()).as_str(),
            "https://example.social/api/v1/timelines/tag/%C3%9CberRust"
        );
        let spec = Spec::new(&settings("http://127.0.0.1:8080/", "local", "t")).unwrap();
        assert_eq!(
            spec.url(&spec.timeline.rest()).as_str(),
            "http://127.0.0.1:8080/api/v1/timelines/public?local=true"
        );
    }

    #[test]
    fn a_missing_token_names_the_variable_and_comes_first() {
        let message = error(settings("", "nonsense", ""));
        assert!(message.contains("MASTODON_ACCESS_TOKEN"), "{message}");
        let token = "very-secret-token";
        let message = error(settings("ftp://x", "public", token));
        assert!(message.contains("mastodon.instance"), "{message}");
        assert!(!message.contains(token));
        let message = error(settings("https://x", "home", token));
        assert!(message.contains("mastodon.timeline"), "{message}");
    }
}

//! Steering each payload towards a size drawn for it, with the free-form parts of a message that
//! nothing indexes into: profile descriptions and, in v2, context annotations.
//!
//! Real messages vary in size mostly through such parts, and a benchmark that reads generated
//! messages should see realistic bytes per tweet (2–4 KB) whatever the tweet's text.

use rand::Rng;

use common::settings::TweetShape;

use super::post::Post;
use super::vocabulary::{Language, ANNOTATIONS};
use super::{v1, v2, Synthetic};

/// Range of payload sizes, in bytes, that each record is steered towards.
const PAYLOAD_TARGET_BYTES: std::ops::RangeInclusive<usize> = 2200..=3900;
/// Twitter's limit on a profile description.
const MAX_DESCRIPTION_CHARS: usize = 160;
/// Below this a description would be a word or two; such profiles have none instead.
const MIN_DESCRIPTION_BYTES: usize = 12;
/// Between the things a description lists about its owner.
const DESCRIPTION_SEPARATOR: &str = " | ";
/// Most context annotations a v2 tweet gets.
const MAX_ANNOTATIONS: usize = 8;

impl Synthetic {
    /// The payload of `post` in this stream's shape, filled towards a drawn size.
    pub(super) fn payload(&mut self, mut post: Post) -> Option<Vec<u8>> {
        let target = self.rng.random_range(PAYLOAD_TARGET_BYTES);
        match self.shape {
            TweetShape::V1 => {
                self.fill_descriptions(&mut post, target, v1::serialize)?;
                v1::serialize(&post)
            }
            TweetShape::V2 => {
                let rules = self.matched_rules();
                let encode = |post: &Post| v2::serialize(post, &rules);
                self.fill_descriptions(&mut post, target, encode)?;
                self.annotate(&mut post, target, encode)
            }
        }
    }

    /// Gives the users of `post` profile descriptions (its author first) within what `target`
    /// leaves once `encode` has measured the rest; a user whose share is too small for a few
    /// words keeps none, as many real profiles do.
    fn fill_descriptions(
        &mut self,
        post: &mut Post,
        target: usize,
        encode: impl Fn(&Post) -> Option<Vec<u8>>,
    ) -> Option<()> {
        let language = post.language;
        let mut budget = target.saturating_sub(encode(post)?.len());
        for user in post.users_mut() {
            let description = self.description(language, budget);
            if let Some(description) = &description {
                // Replaces `null` (v1.1) or `""` (v2): about its own length.
                budget = budget.saturating_sub(description.len());
            }
            user.description = description;
        }
        Some(())
    }

    /// Things people say about themselves in `language`, within `max_bytes` and Twitter's
    /// 160-character limit, or `None` if not even a short description fits.
    fn description(&mut self, language: &Language, max_bytes: usize) -> Option<String> {
        let mut unused: Vec<&str> = language.phrases.bio.to_vec();
        let mut description = String::new();
        while !unused.is_empty() {
            let fragment = unused.swap_remove(self.rng.random_range(0..unused.len()));
            let separator = if description.is_empty() {
                ""
            } else {
                DESCRIPTION_SEPARATOR
            };
            let chars = description.chars().count() + separator.chars().count();
            let bytes = description.len() + separator.len() + fragment.len();
            if chars + fragment.chars().count() > MAX_DESCRIPTION_CHARS || bytes > max_bytes {
                break;
            }
            description.push_str(separator);
            description.push_str(fragment);
        }
        (description.len() >= MIN_DESCRIPTION_BYTES).then_some(description)
    }

    /// Adds the context annotations Twitter infers (topics, people, brands a tweet is about)
    /// while the v2 payload is short of `target`: real tweets carry from none to many, and
    /// they are most of what a v2 message weighs beyond its text.
    fn annotate(
        &mut self,
        post: &mut Post,
        target: usize,
        encode: impl Fn(&Post) -> Option<Vec<u8>>,
    ) -> Option<Vec<u8>> {
        let mut unused: Vec<usize> = (0..ANNOTATIONS.len()).collect();
        let mut payload = encode(post)?;
        while payload.len() < target && post.annotations.len() < MAX_ANNOTATIONS {
            let index = unused.swap_remove(self.rng.random_range(0..unused.len()));
            post.annotations.push(&ANNOTATIONS[index]);
            payload = encode(post)?;
        }
        Some(payload)
    }
}

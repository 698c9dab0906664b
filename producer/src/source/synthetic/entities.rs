//! A text's entities (hashtags, links, mentions, cashtags) with their code-point offsets, in the
//! v1.1 form they serialize to; the v2 form is converted from it (see `v2`).

use serde::Serialize;

use super::text::Mentioned;

#[derive(Serialize, Default, Clone)]
pub(super) struct Entities {
    pub(super) hashtags: Vec<Indexed<Tagged>>,
    pub(super) urls: Vec<Indexed<Link>>,
    pub(super) user_mentions: Vec<Indexed<MentionEntity>>,
    pub(super) symbols: Vec<Indexed<Tagged>>,
}

impl Entities {
    /// Appends those of `source`'s entities that end within its first `kept` code points,
    /// shifted by `shift`: how the API keeps the entities of a text it cuts (one that is only
    /// partly visible is dropped) and re-indexes them into the text that shows it.
    pub(super) fn extend_clipped(&mut self, source: &Entities, kept: usize, shift: usize) {
        fn clip<T: Clone>(
            into: &mut Vec<Indexed<T>>,
            from: &[Indexed<T>],
            kept: usize,
            shift: usize,
        ) {
            into.extend(
                from.iter()
                    .filter(|item| item.indices[1] <= kept)
                    .map(|item| Indexed {
                        entity: item.entity.clone(),
                        indices: item.indices.map(|index| index + shift),
                    }),
            );
        }
        clip(&mut self.hashtags, &source.hashtags, kept, shift);
        clip(&mut self.urls, &source.urls, kept, shift);
        clip(&mut self.user_mentions, &source.user_mentions, kept, shift);
        clip(&mut self.symbols, &source.symbols, kept, shift);
    }

    /// Where the entities start and end, in code points, in no particular order: where a cut
    /// must not fall.
    pub(super) fn spans(&self) -> impl Iterator<Item = [usize; 2]> + '_ {
        let hashtags = self.hashtags.iter().map(|item| item.indices);
        let urls = self.urls.iter().map(|item| item.indices);
        let mentions = self.user_mentions.iter().map(|item| item.indices);
        let symbols = self.symbols.iter().map(|item| item.indices);
        hashtags.chain(urls).chain(mentions).chain(symbols)
    }
}

/// An entity plus its [start, end) code-point offsets in the text.
#[derive(Serialize, Clone)]
pub(super) struct Indexed<T> {
    #[serde(flatten)]
    pub(super) entity: T,
    pub(super) indices: [usize; 2],
}

/// A hashtag or cashtag: the text after the `#` or `$`.
#[derive(Serialize, Clone)]
pub(super) struct Tagged {
    pub(super) text: String,
}

/// A t.co link and where it leads.
#[derive(Serialize, Clone)]
pub(super) struct Link {
    pub(super) url: String,
    pub(super) expanded_url: String,
    pub(super) display_url: String,
}

/// Longest destination a link shows before an ellipsis, as Twitter displays links.
const DISPLAY_URL_CHARS: usize = 26;

impl Link {
    /// A link through `tco_url` to `location` (a URL without its scheme).
    pub(super) fn to(tco_url: String, location: &str) -> Link {
        let display_url = if location.chars().count() > DISPLAY_URL_CHARS {
            location
                .chars()
                .take(DISPLAY_URL_CHARS)
                .chain(['…'])
                .collect()
        } else {
            location.to_owned()
        };
        Link {
            url: tco_url,
            expanded_url: format!("https://{location}"),
            display_url,
        }
    }
}

#[derive(Serialize, Clone)]
pub(super) struct MentionEntity {
    pub(super) screen_name: String,
    pub(super) name: String,
    pub(super) id: u64,
    id_str: String,
}

impl From<Mentioned> for MentionEntity {
    fn from(who: Mentioned) -> Self {
        Self {
            id_str: who.id.to_string(),
            screen_name: who.screen_name,
            name: who.name,
            id: who.id,
        }
    }
}

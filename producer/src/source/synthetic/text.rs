//! A tweet's text planned as tokens and rendered with its entities, indexed in code points as
//! Twitter does.

use super::tweet_json::{Entities, Indexed, Link, MentionEntity, Tagged};

/// A retweet's text quotes at most this many code points of the original.
pub(super) const RT_QUOTE_CHARS: usize = 140;

/// A tweet's length as Twitter counts it against 280: most Latin, Cyrillic, Arabic and similar
/// characters weigh 1, while CJK, Hangul and emoji weigh 2, so those tweets hold half as many.
pub(super) fn weighted_len(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
            _ => 2,
        })
        .sum()
}

/// One piece of planned tweet text.
pub(super) enum Token {
    Word(&'static str),
    Hashtag(String),
    Cashtag(&'static str),
    Mention(Mentioned),
    Url(Link),
}

impl Token {
    /// Weighted length (see [`weighted_len`]); t.co links count as their 23 characters.
    pub(super) fn weight(&self) -> usize {
        match self {
            Token::Word(word) => weighted_len(word),
            Token::Hashtag(tag) => 1 + weighted_len(tag),
            Token::Cashtag(symbol) => 1 + symbol.len(),
            Token::Mention(who) => 1 + who.screen_name.len(),
            Token::Url(link) => link.url.len(),
        }
    }
}

/// Renders tokens into text with entities. Words of languages written without spaces join with
/// `word_separator`; every other boundary is a space, as Twitter needs around entities.
pub(super) fn render(tokens: &[Token], word_separator: &str) -> Rendered {
    let mut builder = TextBuilder::default();
    let mut previous_was_word = false;
    for (position, token) in tokens.iter().enumerate() {
        let is_word = matches!(token, Token::Word(_));
        if position > 0 {
            builder.push_raw(if is_word && previous_was_word {
                word_separator
            } else {
                " "
            });
        }
        previous_was_word = is_word;
        match token {
            Token::Word(word) => builder.push_raw(word),
            Token::Hashtag(tag) => builder.push_hashtag(tag),
            Token::Cashtag(symbol) => builder.push_cashtag(symbol),
            Token::Mention(who) => builder.push_mention(who.clone()),
            Token::Url(link) => builder.push_url(link.clone()),
        }
    }
    builder.finish()
}

/// A retweet's text: `RT @author: ` plus the original's text cut to 140 code points, and those
/// of the original's entities that survive the cut, re-indexed to it.
pub(super) fn retweet_text(
    author: Mentioned,
    original_text: &str,
    original_entities: &Entities,
) -> Rendered {
    let mut builder = TextBuilder::default();
    builder.push_raw("RT ");
    builder.push_mention(author);
    builder.push_raw(": ");
    let quote_start = builder.len;
    let original_len = original_text.chars().count();
    let kept = if original_len <= RT_QUOTE_CHARS {
        builder.push_raw(original_text);
        original_len
    } else {
        let kept = RT_QUOTE_CHARS - 1;
        let cut: String = original_text.chars().take(kept).collect();
        builder.push_raw(&cut);
        builder.push_raw("…");
        kept
    };
    builder
        .entities
        .extend_clipped(original_entities, kept, quote_start);
    builder.finish()
}

/// A tweet's text and the entities in it.
pub(super) struct Rendered {
    pub(super) text: String,
    pub(super) entities: Entities,
}

/// Appends text while tracking its length in code points, the unit of entity indices.
#[derive(Default)]
struct TextBuilder {
    text: String,
    len: usize,
    entities: Entities,
}

impl TextBuilder {
    fn finish(self) -> Rendered {
        Rendered {
            text: self.text,
            entities: self.entities,
        }
    }

    fn push_raw(&mut self, text: &str) {
        self.text.push_str(text);
        self.len += text.chars().count();
    }

    /// Appends `sigil` + `body` and returns its [start, end) indices.
    fn push_marked(&mut self, sigil: char, body: &str) -> [usize; 2] {
        let start = self.len;
        self.text.push(sigil);
        self.len += 1;
        self.push_raw(body);
        [start, self.len]
    }

    fn push_hashtag(&mut self, tag: &str) {
        let indices = self.push_marked('#', tag);
        let text = tag.to_owned();
        self.entities.hashtags.push(Indexed {
            entity: Tagged { text },
            indices,
        });
    }

    fn push_cashtag(&mut self, symbol: &str) {
        let indices = self.push_marked('$', symbol);
        let text = symbol.to_owned();
        self.entities.symbols.push(Indexed {
            entity: Tagged { text },
            indices,
        });
    }

    fn push_mention(&mut self, who: Mentioned) {
        let indices = self.push_marked('@', &who.screen_name);
        self.entities.user_mentions.push(Indexed {
            entity: MentionEntity::from(who),
            indices,
        });
    }

    fn push_url(&mut self, link: Link) {
        let start = self.len;
        self.push_raw(&link.url);
        self.entities.urls.push(Indexed {
            entity: link,
            indices: [start, self.len],
        });
    }
}

/// Someone mentioned or replied to.
#[derive(Clone)]
pub(super) struct Mentioned {
    pub(super) screen_name: String,
    pub(super) name: String,
    pub(super) id: u64,
}

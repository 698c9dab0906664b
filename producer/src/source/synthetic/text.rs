//! A tweet's text planned as tokens and rendered with its entities, indexed in code points as
//! Twitter does.

use std::borrow::Cow;

use super::entities::{Entities, Indexed, Link, MentionEntity, Tagged};

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

/// The weighted length of `#tag`.
pub(super) fn hashtag_weight(tag: &str) -> usize {
    1 + weighted_len(tag)
}

/// One piece of planned tweet text.
pub(super) enum Token {
    /// Written as it is: words, punctuation, the spaces between sentences.
    Text(Cow<'static, str>),
    Entity(Entity),
}

/// A piece of text Twitter marks up with an entity.
pub(super) enum Entity {
    Hashtag(String),
    Cashtag(&'static str),
    Mention(Mentioned),
    Url(Link),
}

impl Token {
    /// Weighted length (see [`weighted_len`]); t.co links count as their 23 characters.
    pub(super) fn weight(&self) -> usize {
        match self {
            Token::Text(text) => weighted_len(text),
            Token::Entity(Entity::Hashtag(tag)) => hashtag_weight(tag),
            Token::Entity(Entity::Cashtag(symbol)) => 1 + symbol.len(),
            Token::Entity(Entity::Mention(who)) => 1 + who.screen_name.len(),
            Token::Entity(Entity::Url(link)) => link.url.len(),
        }
    }
}

/// Renders tokens into text with entities. Text is written as planned; an entity gets a space
/// wherever it would otherwise run into a neighbouring word, because Twitter only recognises
/// `#tag`, `@name` and links that stand apart (a Japanese sentence goes on right after a
/// hashtag without one).
pub(super) fn render(tokens: &[Token]) -> Rendered {
    let mut builder = TextBuilder::default();
    let mut after_entity = false;
    for token in tokens {
        match token {
            // Nothing to write, and no word for an entity to run into.
            Token::Text(text) if text.is_empty() => continue,
            Token::Text(text) => {
                if after_entity && text.chars().next().is_some_and(continues_entity) {
                    builder.push_raw(" ");
                }
                builder.push_raw(text);
            }
            Token::Entity(entity) => {
                if builder.text.chars().next_back().is_some_and(needs_gap) {
                    builder.push_raw(" ");
                }
                builder.push_entity(entity);
            }
        }
        after_entity = matches!(token, Token::Entity(_));
    }
    builder.finish()
}

/// Whether `c` right after an entity would be read as part of it.
fn continues_entity(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether an entity right after `c` needs a space in between: after anything but a space or an
/// opening mark.
fn needs_gap(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | '¿' | '¡' | '"' | '“' | '「')
}

/// A tweet's text and the entities in it.
#[derive(Clone, Default)]
pub(super) struct Rendered {
    pub(super) text: String,
    pub(super) entities: Entities,
}

impl Rendered {
    /// The text's length in code points, the unit of entity indices and of the 140-character
    /// cuts.
    pub(super) fn len(&self) -> usize {
        self.text.chars().count()
    }
}

/// Appends text while tracking its length in code points, the unit of entity indices.
#[derive(Default)]
pub(super) struct TextBuilder {
    text: String,
    len: usize,
    entities: Entities,
}

impl TextBuilder {
    pub(super) fn finish(self) -> Rendered {
        Rendered {
            text: self.text,
            entities: self.entities,
        }
    }

    pub(super) fn push_raw(&mut self, text: &str) {
        self.text.push_str(text);
        self.len += text.chars().count();
    }

    /// Appends the first `kept` code points of `source` with the entities wholly inside them.
    pub(super) fn push_prefix(&mut self, source: &Rendered, kept: usize) {
        let shift = self.len;
        let prefix: String = source.text.chars().take(kept).collect();
        self.push_raw(&prefix);
        self.entities.extend_clipped(&source.entities, kept, shift);
    }

    /// Appends `sigil` + `body` and returns its [start, end) indices.
    fn push_marked(&mut self, sigil: char, body: &str) -> [usize; 2] {
        let start = self.len;
        self.text.push(sigil);
        self.len += 1;
        self.push_raw(body);
        [start, self.len]
    }

    fn push_entity(&mut self, entity: &Entity) {
        match entity {
            Entity::Hashtag(tag) => {
                let indices = self.push_marked('#', tag);
                let text = tag.clone();
                let entity = Tagged { text };
                self.entities.hashtags.push(Indexed { entity, indices });
            }
            Entity::Cashtag(symbol) => {
                let indices = self.push_marked('$', symbol);
                let text = (*symbol).to_owned();
                let entity = Tagged { text };
                self.entities.symbols.push(Indexed { entity, indices });
            }
            Entity::Mention(who) => self.push_mention(who.clone()),
            Entity::Url(link) => self.push_url(link.clone()),
        }
    }

    pub(super) fn push_mention(&mut self, who: Mentioned) {
        let indices = self.push_marked('@', &who.screen_name);
        self.entities.user_mentions.push(Indexed {
            entity: MentionEntity::from(who),
            indices,
        });
    }

    pub(super) fn push_url(&mut self, link: Link) {
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

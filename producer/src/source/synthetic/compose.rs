//! Writing a tweet's text: sentences of one mood from its language's phrase book, with the
//! hashtags, mentions, link and emoji where people put them.
//!
//! Hashtags land in the three places real tweets have them: used as a word inside a sentence
//! (filling its topic slot), right after a sentence, and in a block at the end, sometimes on a
//! line of its own.

use std::borrow::Cow;

use rand::distr::Distribution;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::entities::Link;
use super::phrases::{Mood, Phrasebook, TOPIC_SLOT, WHEN_SLOT};
use super::text::{hashtag_weight, render, Entity, Mentioned, Rendered, Token};
use super::vocabulary::{Language, CASHTAGS, LINK_TARGETS};
use super::{pick, random_alnum, Synthetic};

/// Out of 100 tweets: how many are positive, then negative; the rest are neutral.
const MOOD_PERCENT: [u32; 2] = [40, 25];
/// Out of 100 hashtags: how many are used as a word in a sentence, then right after one; the
/// rest go in the block at the end.
const PLACEMENT_PERCENT: [u32; 2] = [20, 20];
/// Share of tweets that mention someone besides a replied-to author.
const MENTION_SHARE: f64 = 0.15;
/// Share of those mentions that address the person up front rather than after the text.
const ADDRESS_SHARE: f64 = 0.5;
/// Share of tweets with a link.
const LINK_SHARE: f64 = 0.25;
/// Share of English tweets naming a stock or coin by cashtag.
const CASHTAG_SHARE: f64 = 0.04;
/// Share of sentences followed by an emoji: some, not most.
const EMOJI_SHARE: f64 = 0.1;
/// Share of end blocks (hashtags, link) put on a line of their own.
const BLOCK_ON_NEW_LINE_SHARE: f64 = 0.3;
/// Shortest and longest random part of a link's destination.
const LINK_SLUG_CHARS: std::ops::RangeInclusive<usize> = 6..=24;

/// What a tweet's text holds besides its sentences, by where it goes.
#[derive(Default)]
struct Extras {
    /// Before the first sentence: the replied-to author, someone addressed.
    lead: Vec<Token>,
    /// Hashtags for topic slots; those that find none go after a sentence.
    inline: Vec<String>,
    after_sentence: Vec<String>,
    /// After the last sentence: someone mentioned.
    end: Vec<Token>,
    /// The end block: hashtags, a cashtag, a link.
    block: Vec<Token>,
}

impl Extras {
    /// Their weighted length with a separating space each.
    fn weight(&self) -> usize {
        let tags = self.inline.iter().chain(&self.after_sentence);
        let tag_weight: usize = tags.map(|tag| hashtag_weight(tag) + 1).sum();
        let other: usize = (self.lead.iter().chain(&self.end).chain(&self.block))
            .map(|token| token.weight() + 1)
            .sum();
        tag_weight + other
    }
}

impl Synthetic {
    /// Writes a text of about `weight` (as Twitter counts length) in `language`: a reply starts
    /// with `@reply_to`, and `closing` (a quoted tweet's link) ends it; `burst` is a hashtag
    /// it carries besides those drawn for it. At least one sentence, whatever the weight.
    pub(super) fn compose(
        &mut self,
        language: &Language,
        weight: usize,
        reply_to: Option<&Mentioned>,
        closing: Option<Link>,
        burst: Option<String>,
    ) -> Rendered {
        let book = language.phrases;
        let mood = self.mood();
        let mut extras = self.extras(language, reply_to, burst);
        let closing = closing.map(|link| Token::Entity(Entity::Url(link)));
        let reserved = extras.weight() + closing.as_ref().map_or(0, |t| t.weight() + 1);
        let sentences = self.sentences(book, mood, weight.saturating_sub(reserved), &mut extras);
        let mut after: Vec<Vec<String>> = sentences.iter().map(|_| Vec::new()).collect();
        for tag in extras.inline.drain(..).chain(extras.after_sentence) {
            let at = self.rng.random_range(0..after.len());
            after[at].push(tag);
        }

        let mut tokens = extras.lead;
        if !tokens.is_empty() {
            tokens.push(Token::Text(Cow::Borrowed(" ")));
        }
        for (i, (sentence, tags)) in sentences.into_iter().zip(after).enumerate() {
            if i > 0 {
                tokens.push(Token::Text(Cow::Borrowed(book.sentence_separator)));
            }
            tokens.extend(sentence);
            tokens.extend(
                tags.into_iter()
                    .map(|tag| Token::Entity(Entity::Hashtag(tag))),
            );
        }
        tokens.extend(extras.end);
        if !extras.block.is_empty() && self.rng.random_bool(BLOCK_ON_NEW_LINE_SHARE) {
            tokens.push(Token::Text(Cow::Borrowed("\n")));
        }
        tokens.extend(extras.block);
        tokens.extend(closing);
        render(&tokens)
    }

    fn mood(&mut self) -> Mood {
        let [positive, negative] = MOOD_PERCENT;
        match self.rng.random_range(0..100) {
            n if n < positive => Mood::Positive,
            n if n < positive + negative => Mood::Negative,
            _ => Mood::Neutral,
        }
    }

    /// Decides the hashtags, mentions, cashtag and link of a tweet, and where each goes.
    fn extras(
        &mut self,
        language: &Language,
        reply_to: Option<&Mentioned>,
        burst: Option<String>,
    ) -> Extras {
        let mut extras = Extras::default();
        if let Some(to) = reply_to {
            extras.lead.push(Token::Entity(Entity::Mention(to.clone())));
        }
        if self.rng.random_bool(MENTION_SHARE) {
            let mention = Token::Entity(Entity::Mention(self.mentioned(language)));
            match self.rng.random_bool(ADDRESS_SHARE) {
                true => extras.lead.push(mention),
                false => extras.end.push(mention),
            }
        }
        let [inline, after_sentence] = PLACEMENT_PERCENT;
        for tag in self.hashtags(burst) {
            match self.rng.random_range(0..100) {
                n if n < inline => extras.inline.push(tag),
                n if n < inline + after_sentence => extras.after_sentence.push(tag),
                _ => extras.block.push(Token::Entity(Entity::Hashtag(tag))),
            }
        }
        if language.code == "en" && self.rng.random_bool(CASHTAG_SHARE) {
            let symbol = pick(&mut self.rng, &CASHTAGS);
            extras.block.push(Token::Entity(Entity::Cashtag(symbol)));
        }
        if self.rng.random_bool(LINK_SHARE) {
            let at = self.rng.random_range(0..=extras.block.len());
            let link = Token::Entity(Entity::Url(self.link()));
            extras.block.insert(at, link);
        }
        extras
    }

    /// Sentences of `mood`, each template at most once, as many as fit `budget`; the first one
    /// whatever its length. Topic slots take `extras.inline` hashtags first.
    fn sentences(
        &mut self,
        book: &Phrasebook,
        mood: Mood,
        budget: usize,
        extras: &mut Extras,
    ) -> Vec<Vec<Token>> {
        let mut unused: Vec<&'static str> = book.sentences(mood).to_vec();
        let mut sentences = Vec::new();
        let mut used = 0;
        while !unused.is_empty() {
            let template = unused.swap_remove(self.rng.random_range(0..unused.len()));
            let sentence = self.sentence(book, mood, template, &mut extras.inline);
            // Hashtags are already counted in the reserve.
            let weight: usize = sentence
                .iter()
                .filter(|token| matches!(token, Token::Text(_)))
                .map(Token::weight)
                .sum::<usize>()
                + book.sentence_separator.len();
            if !sentences.is_empty() && used + weight > budget {
                // Too long here; a shorter one may still fit.
                extras
                    .inline
                    .extend(sentence.into_iter().filter_map(|token| match token {
                        Token::Entity(Entity::Hashtag(tag)) => Some(tag),
                        _ => None,
                    }));
                continue;
            }
            used += weight;
            sentences.push(sentence);
        }
        sentences
    }

    /// One sentence from `template`, its slots filled, capitalised, maybe with an emoji.
    fn sentence(
        &mut self,
        book: &Phrasebook,
        mood: Mood,
        template: &'static str,
        inline: &mut Vec<String>,
    ) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut rest = template;
        while let Some(Slot { at, name }) = next_slot(rest) {
            if at > 0 {
                tokens.push(Token::Text(Cow::Borrowed(&rest[..at])));
            }
            let tag = (name == TOPIC_SLOT).then(|| inline.pop()).flatten();
            tokens.push(match tag {
                Some(tag) => Token::Entity(Entity::Hashtag(tag)),
                None => {
                    let fillers = if name == TOPIC_SLOT {
                        book.topics
                    } else {
                        book.times
                    };
                    Token::Text(Cow::Borrowed(pick(&mut self.rng, fillers)))
                }
            });
            rest = &rest[at + name.len()..];
        }
        if !rest.is_empty() {
            tokens.push(Token::Text(Cow::Borrowed(rest)));
        }
        if let Some(Token::Text(first)) = tokens.first_mut() {
            *first = capitalised(std::mem::take(first));
        }
        if self.rng.random_bool(EMOJI_SHARE) {
            let emoji = pick(&mut self.rng, mood.emoji());
            let space = if book.sentence_separator.is_empty() {
                ""
            } else {
                " "
            };
            tokens.push(Token::Text(Cow::Owned(format!("{space}{emoji}"))));
        }
        tokens
    }

    /// Draws 0–4 distinct hashtags by Zipf rank, then adds `burst`, each in the spelling this
    /// tweet's author chose. (Burst hashtags are never in the vocabulary, so never repeat one.)
    fn hashtags(&mut self, burst: Option<String>) -> Vec<String> {
        let count = self.hashtag_count.sample(&mut self.rng);
        let mut ranks: Vec<usize> = Vec::with_capacity(count);
        for _ in 0..count {
            // Zipf samples whole numbers in 1..=n; the clamp only guards the float-to-index step.
            let rank = (self.tag_rank.sample(&mut self.rng) as usize).clamp(1, self.tags.len());
            // A repeat draw is dropped rather than redrawn, which keeps the loop bounded.
            if !ranks.contains(&rank) {
                ranks.push(rank);
            }
        }
        let mut tags = Vec::with_capacity(ranks.len() + usize::from(burst.is_some()));
        for rank in ranks {
            let canonical = &self.tags[rank - 1];
            tags.push(respelled(&mut self.rng, canonical).unwrap_or_else(|| canonical.clone()));
        }
        if let Some(canonical) = burst {
            tags.push(respelled(&mut self.rng, &canonical).unwrap_or(canonical));
        }
        tags
    }

    /// A t.co link to somewhere on the web.
    fn link(&mut self) -> Link {
        let target = pick(&mut self.rng, &LINK_TARGETS);
        let slug_len = self.rng.random_range(LINK_SLUG_CHARS);
        let slug = random_alnum(&mut self.rng, slug_len);
        let location = format!("{}{}{slug}", target.host, target.path);
        Link::to(self.tco_url(), &location)
    }
}

/// How a tweet's author spells the hashtag `canonical`: mostly as it is (`None`), now and then
/// in lower or upper case.
fn respelled(rng: &mut ChaCha8Rng, canonical: &str) -> Option<String> {
    let spelling = match rng.random_range(0..100) {
        0..80 => return None,
        80..92 => canonical.to_lowercase(),
        _ => canonical.to_uppercase(),
    };
    // Keep only spellings that fold back to the same key (`Größe` upper-cases to `GRÖSSE`,
    // which lower-cases to a different tag).
    (spelling.to_lowercase() == canonical.to_lowercase()).then_some(spelling)
}

/// Where the next slot of a template starts, and which it is.
struct Slot {
    at: usize,
    name: &'static str,
}

fn next_slot(template: &str) -> Option<Slot> {
    [TOPIC_SLOT, WHEN_SLOT]
        .into_iter()
        .filter_map(|name| template.find(name).map(|at| Slot { at, name }))
        .min_by_key(|slot| slot.at)
}

/// `text` with its first letter in upper case, as a sentence starts (a topic can open one).
fn capitalised(text: Cow<'static, str>) -> Cow<'static, str> {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => {
            Cow::Owned(first.to_uppercase().chain(chars).collect())
        }
        _ => text,
    }
}

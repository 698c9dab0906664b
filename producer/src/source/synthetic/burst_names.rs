//! The hashtags of bursts: compounds of two words invented for the generator, none of them in
//! the steady vocabulary (`vocabulary`), so a burst's tag is one nobody used before it.
//!
//! Each seed walks the compounds in its own order, and no compound comes twice: a trend
//! detector that met a tag in an earlier burst would rightly not call it new.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[rustfmt::skip]
const FIRST: [&str; 24] = [
    "Amber", "Basalt", "Cinder", "Copper", "Dapple", "Ember", "Fennel", "Glimmer", "Hollow",
    "Indigo", "Juniper", "Kestrel", "Lantern", "Marble", "Nimbus", "Opal", "Pebble", "Quill",
    "Russet", "Saffron", "Thistle", "Umber", "Velvet", "Willow",
];

#[rustfmt::skip]
const SECOND: [&str; 24] = [
    "Anthem", "Bloom", "Caravan", "Drift", "Echo", "Fable", "Gala", "Harbor", "Jubilee", "Kite",
    "Lagoon", "Meadow", "Nocturne", "Orbit", "Parade", "Quarry", "Riddle", "Sonata", "Tempest",
    "Uproar", "Voyage", "Whistle", "Yonder", "Zephyr",
];

/// How many compounds there are: names for 19 hours of bursts at the default 2 minutes.
const COMPOUNDS: u64 = (FIRST.len() * SECOND.len()) as u64;

/// A seeded order of the compounds: burst `n` takes compound `(offset + n * stride) mod
/// COMPOUNDS`, which with `stride` coprime to their number visits every one once before any
/// repeats. Once all are used, names carry the round's number (`EmberParade2`), so they stay
/// new.
#[derive(Debug, Clone)]
pub(super) struct BurstNames {
    offset: u64,
    stride: u64,
}

impl BurstNames {
    pub(super) fn new(rng: &mut ChaCha8Rng) -> Self {
        let offset = rng.random_range(0..COMPOUNDS);
        // COMPOUNDS - 1 is coprime to COMPOUNDS, so the search ends by then.
        let mut stride = rng.random_range(1..COMPOUNDS);
        while gcd(stride, COMPOUNDS) != 1 {
            stride += 1;
        }
        Self { offset, stride }
    }

    /// The hashtag of burst `number` (counted from 1), in its canonical mixed case.
    pub(super) fn name(&self, number: u64) -> String {
        let index = number.saturating_sub(1);
        let compound = (self.offset + index % COMPOUNDS * self.stride) % COMPOUNDS;
        // Both indices are below the lists' lengths, so the casts cannot truncate.
        let first = FIRST[(compound / SECOND.len() as u64) as usize];
        let second = SECOND[(compound % SECOND.len() as u64) as usize];
        match index / COMPOUNDS {
            0 => format!("{first}{second}"),
            round => format!("{first}{second}{}", round + 1),
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

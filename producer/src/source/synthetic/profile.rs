//! The generator's invented accounts: user objects, mentions, names and handles.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::text::Mentioned;
use super::v1::{format_created_at, User};
use super::vocabulary::{Language, DEFAULT_PROFILE_COLORS, EMOJI, HANDLE_STEMS, LOCATIONS};
use super::{log_uniform, pick, random_alnum, Synthetic};

/// How long before its tweet an account was created: 1 day to 12 years, in milliseconds.
const ACCOUNT_AGE_MS: std::ops::Range<i64> = 86_400_000..378_432_000_000;
/// Twitter's numbered background themes a profile could choose from (1 is the default).
const BACKGROUND_THEMES: std::ops::RangeInclusive<u32> = 1..=19;

/// How much of a profile its owner filled in.
#[derive(Clone, Copy)]
pub(super) enum Profile {
    /// Location, link, banner and theme as often as real profiles have them.
    Full,
    /// None of those: the defaults a new account starts with.
    Sparse,
}

/// What an account's numbers are.
struct Counts {
    followers: u32,
    friends: u32,
    listed: u32,
    favourites: u32,
    statuses: u32,
}

/// How a profile page looks.
struct Theme {
    background: String,
    link: String,
    border: String,
    fill: String,
    text: String,
    /// Without the scheme: the object has an `http` and an `https` URL.
    background_image: String,
    tiled: bool,
}

impl Synthetic {
    /// Builds a full v1.1 user object; these make up most of a tweet's bytes.
    pub(super) fn user(
        &mut self,
        language: &Language,
        tweet_ms: i64,
        profile: Profile,
    ) -> Option<User> {
        let full = matches!(profile, Profile::Full);
        let id = account_id(&mut self.rng);
        let account_ms = tweet_ms.checked_sub(self.rng.random_range(ACCOUNT_AGE_MS))?;
        let counts = self.counts();
        let default_profile = !full || self.rng.random_bool(0.35);
        let theme = self.theme(default_profile);
        let image = self.profile_image();
        let banner_secs = self.rng.random_range(account_ms / 1000..=tweet_ms / 1000);
        Some(User {
            id,
            id_str: id.to_string(),
            name: self.display_name(language),
            screen_name: self.screen_name(),
            location: (full && self.rng.random_bool(0.7))
                .then(|| pick(&mut self.rng, &LOCATIONS).to_owned()),
            url: (full && self.rng.random_bool(0.35)).then(|| self.tco_url()),
            // Filled in last, to steer the payload's size: see `size`.
            description: None,
            translator_type: "none",
            protected: false,
            verified: self.rng.random_bool(0.02),
            followers_count: counts.followers,
            friends_count: counts.friends,
            listed_count: counts.listed,
            favourites_count: counts.favourites,
            statuses_count: counts.statuses,
            created_at: format_created_at(account_ms)?,
            created_ms: account_ms,
            // Twitter stopped filling these in 2018.
            utc_offset: None,
            time_zone: None,
            geo_enabled: self.rng.random_bool(0.3),
            // An account's interface language is a real one, not `und`.
            lang: Some(language.code)
                .filter(|&code| code != "und")
                .unwrap_or("en"),
            contributors_enabled: false,
            is_translator: false,
            profile_background_color: theme.background,
            profile_background_image_url: format!("http://{}", theme.background_image),
            profile_background_image_url_https: format!("https://{}", theme.background_image),
            profile_background_tile: theme.tiled,
            profile_link_color: theme.link,
            profile_sidebar_border_color: theme.border,
            profile_sidebar_fill_color: theme.fill,
            profile_text_color: theme.text,
            profile_use_background_image: self.rng.random_bool(0.8),
            profile_image_url: format!("http://pbs.twimg.com/profile_images/{image}"),
            profile_image_url_https: format!("https://pbs.twimg.com/profile_images/{image}"),
            profile_banner_url: (full && self.rng.random_bool(0.7))
                .then(|| format!("https://pbs.twimg.com/profile_banners/{id}/{banner_secs}")),
            default_profile,
            default_profile_image: false,
            following: None,
            follow_request_sent: None,
            notifications: None,
        })
    }

    /// An account's counts, each spread over orders of magnitude as real ones are.
    fn counts(&mut self) -> Counts {
        let followers = log_uniform(&mut self.rng, 2_000_000);
        Counts {
            followers,
            friends: log_uniform(&mut self.rng, 5_000),
            listed: log_uniform(&mut self.rng, followers / 50 + 1),
            favourites: log_uniform(&mut self.rng, 200_000),
            statuses: log_uniform(&mut self.rng, 300_000) + 1,
        }
    }

    /// How the profile page looks: the defaults, or colours and a background its owner chose.
    fn theme(&mut self, default_profile: bool) -> Theme {
        let [background, link, border, fill, text] = if default_profile {
            DEFAULT_PROFILE_COLORS.map(str::to_owned)
        } else {
            std::array::from_fn(|_| format!("{:06X}", self.rng.random_range(0..0x100_0000)))
        };
        let number = match default_profile {
            true => 1,
            false => self.rng.random_range(BACKGROUND_THEMES),
        };
        Theme {
            background,
            link,
            border,
            fill,
            text,
            background_image: format!("abs.twimg.com/images/themes/theme{number}/bg.png"),
            tiled: !default_profile && self.rng.random_bool(0.3),
        }
    }

    /// An avatar's path under `profile_images/`.
    fn profile_image(&mut self) -> String {
        let image_id = self
            .rng
            .random_range(700_000_000_000_000_000..1_060_000_000_000_000_000u64);
        let image_name = random_alnum(&mut self.rng, 8);
        let image_ext = pick(&mut self.rng, &["jpg", "jpeg", "png"]);
        format!("{image_id}/{image_name}_normal.{image_ext}")
    }

    /// Someone mentioned in a tweet: only the fields a mention entity carries.
    pub(super) fn mentioned(&mut self, language: &Language) -> Mentioned {
        Mentioned {
            id: account_id(&mut self.rng),
            name: self.display_name(language),
            screen_name: self.screen_name(),
        }
    }

    /// A display name as people write theirs: in their script, sometimes with an emoji.
    fn display_name(&mut self, language: &Language) -> String {
        let given = pick(&mut self.rng, language.given_names);
        let family = pick(&mut self.rng, language.family_names);
        match self.rng.random_range(0..10) {
            0..2 => given.to_owned(),
            2 => format!("{given} {}", pick(&mut self.rng, &EMOJI)),
            _ if language.family_first => format!("{family}{given}"),
            _ => format!("{given} {family}"),
        }
    }

    /// An ASCII handle of at most 15 characters, as Twitter requires.
    fn screen_name(&mut self) -> String {
        let mut name = pick(&mut self.rng, &HANDLE_STEMS).to_owned();
        match self.rng.random_range(0..4) {
            0 => name.push_str(&self.rng.random_range(0..10_000).to_string()),
            1 => {
                name.push('_');
                name.push_str(pick(&mut self.rng, &HANDLE_STEMS));
            }
            2 => {
                name.push_str(pick(&mut self.rng, &HANDLE_STEMS));
                name.push_str(&self.rng.random_range(0..100).to_string());
            }
            _ => {}
        }
        name.truncate(15);
        name
    }
}

/// Account ids: old accounts have small sequential ids, newer ones snowflakes.
pub(super) fn account_id(rng: &mut ChaCha8Rng) -> u64 {
    if rng.random_bool(0.6) {
        rng.random_range(10_000_000..4_500_000_000)
    } else {
        rng.random_range(700_000_000_000_000_000..1_060_000_000_000_000_000)
    }
}

//! What the generator draws from: hashtags, languages with their phrase books and names, emoji,
//! cashtags, handles, locations, posting clients, link targets and places.

use super::phrases::{self, Phrasebook};

/// The hashtag vocabulary, most popular first. Non-ASCII tags sit near the top so every run
/// sees them; generated topic compounds form the long tail.
pub(super) fn hashtag_vocabulary() -> Vec<String> {
    const PREFIXES: [&str; 15] = [
        "Tech", "Music", "Game", "Film", "Book", "Food", "Travel", "Art", "Sport", "Photo", "Code",
        "Data", "Design", "Health", "Style",
    ];
    const SUFFIXES: [&str; 10] = [
        "News", "Day", "Life", "Talk", "Lovers", "Week", "Live", "Fest", "Tips", "Chat",
    ];
    let compounds = PREFIXES.iter().flat_map(|prefix| {
        SUFFIXES
            .iter()
            .map(move |suffix| format!("{prefix}{suffix}"))
    });
    CURATED_HASHTAGS
        .iter()
        .map(|tag| (*tag).to_owned())
        .chain(compounds)
        .collect()
}

#[rustfmt::skip]
const CURATED_HASHTAGS: &[&str] = &[
    "WorldCup", "BTS", "Rust", "NowPlaying", "café", "MondayMotivation", "日本", "Москва",
    "ThrowbackThursday", "SãoPaulo", "AI", "Größe", "한국", "السعودية", "Bitcoin", "GameOfThrones",
    "Eurovision", "Marvel", "NBA", "LaLiga", "Brexit", "ClimateAction", "FelizViernes", "Halloween",
    "TBT", "Photography", "Love", "Music", "Travel", "Fútbol", "Paris", "Berlin", "東京", "大阪",
    "서울", "Türkiye", "España", "México", "Brasil", "Россия", "مصر", "الرياض", "قطر", "Kpop",
    "Anime", "ワンピース", "Nintendo", "PS4", "Xbox", "Netflix", "StrangerThings", "Oscars",
    "Grammys", "Coachella", "Fashion", "Food", "Foodie", "Vegan", "Fitness", "Yoga", "Science",
    "Space", "NASA", "SpaceX", "Tesla", "Apple", "Android", "Python", "JavaScript", "OpenSource",
    "DevOps", "Kafka", "Cloud", "Startup", "Marketing", "Crypto", "Ethereum", "Blockchain",
    "BlackFriday", "CyberMonday", "Christmas", "NewYear", "Ramadan", "Diwali", "Feliz", "Obrigado",
    "Merci", "Danke", "ありがとう", "사랑해", "Çay", "Sevgi", "Spor", "Galatasaray", "Fenerbahçe",
    "RealMadrid", "Barça", "Messi", "Ronaldo", "Neymar", "ChampionsLeague", "PremierLeague",
    "Bundesliga", "Ligue1", "SerieA", "F1", "Olympics", "Tokyo2020", "Wimbledon", "SuperBowl",
    "Rock", "Jazz", "HipHop", "Reggaeton", "Samba", "KpopTwitter", "ARMY", "EXO", "Blackpink",
    "Twice", "Weekend", "Sunday", "Coffee", "Cats", "Dogs", "Nature", "Sunset", "Art", "Books",
    "Gaming", "Esports", "Twitch", "YouTube", "Vlog", "Selfie", "OOTD", "Motivation", "Quote",
    "News", "Breaking", "Politics", "Election", "Economy", "Weather", "Earthquake", "地震", "台風",
    "Fußball", "Zürich", "Kraków", "Ελλάδα", "ภาษาไทย",
];

/// A tweet language: its share of the stream, what its people write and what they are called.
pub(super) struct Language {
    /// The `lang` code Twitter assigns.
    pub(super) code: &'static str,
    /// Relative share of the stream.
    pub(super) weight: u32,
    pub(super) phrases: &'static Phrasebook,
    pub(super) given_names: &'static [&'static str],
    pub(super) family_names: &'static [&'static str],
    /// Whether full names put the family name first, written without a space.
    pub(super) family_first: bool,
}

#[rustfmt::skip]
pub(super) const LANGUAGES: [Language; 11] = [
    Language {
        code: "en",
        weight: 38,
        phrases: &phrases::EN,
        given_names: &[
            "Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Jack", "Chloe",
        ],
        family_names: &[
            "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Miller",
        ],
        family_first: false,
    },
    Language {
        code: "es",
        weight: 12,
        phrases: &phrases::ES,
        given_names: &[
            "Sofía", "Mateo", "Lucía", "Santiago", "Valentina", "Diego", "Camila",
        ],
        family_names: &[
            "García", "Martínez", "López", "Hernández", "González", "Pérez",
        ],
        family_first: false,
    },
    Language {
        code: "pt",
        weight: 9,
        phrases: &phrases::PT,
        given_names: &[
            "Ana", "João", "Beatriz", "Pedro", "Mariana", "Gabriel", "Larissa",
        ],
        family_names: &[
            "Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida",
        ],
        family_first: false,
    },
    Language {
        code: "ja",
        weight: 11,
        phrases: &phrases::JA,
        given_names: &[
            "さくら", "ゆうと", "はるか", "蓮", "陽菜", "大翔", "美咲", "翔太",
        ],
        family_names: &[
            "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村",
        ],
        family_first: true,
    },
    Language {
        code: "ar",
        weight: 6,
        phrases: &phrases::AR,
        given_names: &[
            "محمد", "فاطمة", "أحمد", "نورة", "عبدالله", "سارة", "خالد", "مريم",
        ],
        family_names: &[
            "العتيبي", "الشمري", "القحطاني", "الحربي", "المطيري", "الدوسري",
        ],
        family_first: false,
    },
    Language {
        code: "fr",
        weight: 5,
        phrases: &phrases::FR,
        given_names: &[
            "Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Théo",
        ],
        family_names: &[
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
        ],
        family_first: false,
    },
    Language {
        code: "de",
        weight: 4,
        phrases: &phrases::DE,
        given_names: &[
            "Mia", "Leon", "Hannah", "Paul", "Lena", "Felix", "Marie", "Jonas",
        ],
        family_names: &[
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
        ],
        family_first: false,
    },
    Language {
        code: "ko",
        weight: 4,
        phrases: &phrases::KO,
        given_names: &[
            "민준", "서연", "지호", "하은", "도윤", "지우", "예준", "수아",
        ],
        family_names: &["김", "이", "박", "최", "정", "강", "조", "윤"],
        family_first: true,
    },
    Language {
        code: "tr",
        weight: 4,
        phrases: &phrases::TR,
        given_names: &[
            "Elif", "Yusuf", "Zeynep", "Emre", "Ayşe", "Mehmet", "Defne", "Burak",
        ],
        family_names: &[
            "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk",
        ],
        family_first: false,
    },
    Language {
        code: "ru",
        weight: 4,
        phrases: &phrases::RU,
        given_names: &[
            "Анна", "Иван", "Мария", "Дмитрий", "Ольга", "Алексей", "Наталья",
        ],
        family_names: &[
            "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров",
        ],
        family_first: false,
    },
    Language {
        code: "und",
        weight: 3,
        phrases: &phrases::UND,
        given_names: &["Kiki", "Nox", "Lulu", "Zed", "Mimi", "Ray", "Juju", "Bo"],
        family_names: &["✨", "🌙", "🦋", "☁️", "💫", "🌸", "⚡", "🍀"],
        family_first: false,
    },
];

pub(super) const EMOJI: [&str; 16] = [
    "😂", "😍", "🔥", "❤️", "👍", "🙏", "😭", "✨", "💯", "👀", "🎉", "😊", "🙌", "💪", "🤔", "😎",
];

pub(super) const CASHTAGS: [&str; 8] =
    ["AAPL", "TSLA", "BTC", "ETH", "AMZN", "GOOG", "MSFT", "NFLX"];

pub(super) const HANDLE_STEMS: [&str; 32] = [
    "sunny", "kaito", "maria", "dev", "neko", "luna", "alex", "jota", "sam", "yuki", "ali", "omar",
    "lena", "max", "nina", "leo", "hana", "minji", "ivan", "olga", "pedro", "ana", "emre", "elif",
    "sara", "noor", "tom", "kim", "zoe", "real", "its", "the",
];

#[rustfmt::skip]
pub(super) const LOCATIONS: [&str; 28] = [
    "London, England", "New York, NY", "Los Angeles, CA", "Madrid, España", "Ciudad de México",
    "Buenos Aires, Argentina", "São Paulo, Brasil", "Rio de Janeiro", "Paris, France",
    "Berlin, Deutschland", "München", "İstanbul, Türkiye", "Москва, Россия", "Санкт-Петербург",
    "الرياض, المملكة العربية السعودية", "Cairo, Egypt", "東京都 渋谷区", "大阪", "서울특별시",
    "Seoul, Korea", "Lagos, Nigeria", "Mumbai, India", "Toronto, Ontario", "Sydney, Australia",
    "somewhere in the clouds ☁️", "🌍", "Earth", "she/her | 21",
];

/// The application a tweet was posted with: the page it links to and its name.
#[derive(Clone, Copy)]
pub(super) struct Client {
    pub(super) url: &'static str,
    pub(super) name: &'static str,
}

/// Posting clients, the common ones listed more than once.
pub(super) const CLIENTS: [Client; 12] = [
    Client {
        url: "http://twitter.com/download/iphone",
        name: "Twitter for iPhone",
    },
    Client {
        url: "http://twitter.com/download/iphone",
        name: "Twitter for iPhone",
    },
    Client {
        url: "http://twitter.com/download/android",
        name: "Twitter for Android",
    },
    Client {
        url: "http://twitter.com/download/android",
        name: "Twitter for Android",
    },
    Client {
        url: "https://mobile.twitter.com",
        name: "Twitter Lite",
    },
    Client {
        url: "http://twitter.com",
        name: "Twitter Web Client",
    },
    Client {
        url: "https://about.twitter.com/products/tweetdeck",
        name: "TweetDeck",
    },
    Client {
        url: "http://twitter.com/#!/download/ipad",
        name: "Twitter for iPad",
    },
    Client {
        url: "http://instagram.com",
        name: "Instagram",
    },
    Client {
        url: "https://ifttt.com",
        name: "IFTTT",
    },
    Client {
        url: "https://www.hootsuite.com",
        name: "Hootsuite Inc.",
    },
    Client {
        url: "https://buffer.com",
        name: "Buffer",
    },
];

/// Where a link leads: a host and the start of a path that a random slug completes.
#[derive(Clone, Copy)]
pub(super) struct LinkTarget {
    pub(super) host: &'static str,
    pub(super) path: &'static str,
}

pub(super) const LINK_TARGETS: [LinkTarget; 10] = [
    LinkTarget {
        host: "www.youtube.com",
        path: "/watch?v=",
    },
    LinkTarget {
        host: "www.instagram.com",
        path: "/p/",
    },
    LinkTarget {
        host: "www.bbc.co.uk",
        path: "/news/world-",
    },
    LinkTarget {
        host: "www.nytimes.com",
        path: "/2018/10/10/world/",
    },
    LinkTarget {
        host: "github.com",
        path: "/",
    },
    LinkTarget {
        host: "open.spotify.com",
        path: "/track/",
    },
    LinkTarget {
        host: "elpais.com",
        path: "/internacional/",
    },
    LinkTarget {
        host: "g1.globo.com",
        path: "/noticia/",
    },
    LinkTarget {
        host: "www3.nhk.or.jp",
        path: "/news/html/",
    },
    LinkTarget {
        host: "twitter.com",
        path: "/i/web/status/",
    },
];

/// Default profile colours: background, link, sidebar border, sidebar fill, text.
pub(super) const DEFAULT_PROFILE_COLORS: [&str; 5] =
    ["F5F8FA", "1DA1F2", "C0DEED", "DDEEF6", "333333"];

/// A place a tweet can be tagged with; its bounding box is the centre ± `half_span` degrees.
pub(super) struct PlaceSpec {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) full_name: &'static str,
    pub(super) place_type: &'static str,
    pub(super) country_code: &'static str,
    pub(super) country: &'static str,
    pub(super) lon: f64,
    pub(super) lat: f64,
    pub(super) half_span: f64,
}

impl PlaceSpec {
    /// The bounding box: [west, south, east, north].
    pub(super) fn bbox(&self) -> [f64; 4] {
        [
            self.lon - self.half_span,
            self.lat - self.half_span,
            self.lon + self.half_span,
            self.lat + self.half_span,
        ]
    }
}

macro_rules! place {
    ($id:literal, $name:literal, $full:literal, $type:literal, $cc:literal, $country:literal,
     $lon:literal, $lat:literal, $span:literal) => {
        PlaceSpec {
            id: $id,
            name: $name,
            full_name: $full,
            place_type: $type,
            country_code: $cc,
            country: $country,
            lon: $lon,
            lat: $lat,
            half_span: $span,
        }
    };
}

#[rustfmt::skip]
pub(super) const PLACES: [PlaceSpec; 16] = [
    place!("1d9a5370a355ab0c", "London", "London, England", "city", "GB", "United Kingdom",
           -0.1276, 51.5072, 0.25),
    place!("27485069891a7938", "New York", "New York, NY", "city", "US", "United States",
           -73.9857, 40.7484, 0.25),
    place!("3b77caf94bfc81fe", "Los Angeles", "Los Angeles, CA", "city", "US", "United States",
           -118.2437, 34.0522, 0.3),
    place!("206d8e7fba4ba3e5", "Madrid", "Madrid, España", "city", "ES", "España",
           -3.7038, 40.4168, 0.15),
    place!("68e019afec7d0ba5", "São Paulo", "São Paulo, Brasil", "city", "BR", "Brasil",
           -46.6333, -23.5505, 0.3),
    place!("09f6a7707f18e0b1", "Paris", "Paris, France", "city", "FR", "France",
           2.3522, 48.8566, 0.12),
    place!("3078869807f9dd36", "Berlin", "Berlin, Deutschland", "city", "DE", "Deutschland",
           13.405, 52.52, 0.2),
    place!("5e02a0f0d91c76d2", "İstanbul", "İstanbul, Türkiye", "admin", "TR", "Türkiye",
           28.9784, 41.0082, 0.4),
    place!("3a59bbc4f0c6e2d1", "Москва", "Москва, Россия", "city", "RU", "Россия",
           37.6173, 55.7558, 0.3),
    place!("1b9b7d3a4c2f5e60", "الرياض", "الرياض, المملكة العربية السعودية", "city", "SA", "المملكة العربية السعودية",
           46.6753, 24.7136, 0.3),
    place!("7a2c5f1e9d3b4a80", "渋谷区", "東京都 渋谷区", "city", "JP", "日本",
           139.7016, 35.658, 0.05),
    place!("0f8e2d6c4b1a3957", "강남구", "서울특별시 강남구", "city", "KR", "대한민국",
           127.0473, 37.5172, 0.06),
    place!("4c9d8e7f6a5b3c21", "Ciudad de México", "Ciudad de México, México", "city", "MX", "México",
           -99.1332, 19.4326, 0.3),
    place!("6b5a4c3d2e1f0a98", "Buenos Aires", "Buenos Aires, Argentina", "city", "AR", "Argentina",
           -58.3816, -34.6037, 0.2),
    place!("2e3f4a5b6c7d8e9f", "Toronto", "Toronto, Ontario", "city", "CA", "Canada",
           -79.3832, 43.6532, 0.25),
    place!("8d7c6b5a4f3e2d1c", "Mumbai", "Mumbai, India", "city", "IN", "India",
           72.8777, 19.076, 0.2),
];

/// A kind of thing Twitter's classifier recognises in tweets (v2 context annotations).
pub(super) struct Domain {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) description: &'static str,
}

/// Something a tweet is about, as a v2 context annotation names it.
pub(super) struct Annotation {
    pub(super) domain: &'static Domain,
    pub(super) entity_id: &'static str,
    pub(super) entity_name: &'static str,
}

const SPORT: Domain = Domain {
    id: "11",
    name: "Sport",
    description: "Kinds of sport, such as football or tennis",
};
const SPORTS_LEAGUE: Domain = Domain {
    id: "28",
    name: "Sports League",
    description: "Leagues and competitions that teams play in",
};
const MUSIC_GENRE: Domain = Domain {
    id: "55",
    name: "Music Genre",
    description: "Styles of music, from jazz to K-pop",
};
const INTERESTS: Domain = Domain {
    id: "66",
    name: "Interests and Hobbies Category",
    description: "What people spend their free time on",
};
const TV_SHOW: Domain = Domain {
    id: "3",
    name: "TV Shows",
    description: "Series and programmes on television or streaming services",
};
const VIDEO_GAME: Domain = Domain {
    id: "71",
    name: "Video Game",
    description: "Games played on consoles, computers and phones",
};
const BUSINESS: Domain = Domain {
    id: "46",
    name: "Business Taxonomy",
    description: "Industries and areas of business",
};
const TOPICS: Domain = Domain {
    id: "131",
    name: "Unified Twitter Taxonomy",
    description: "Broad topics tweets are grouped under",
};

macro_rules! annotation {
    ($domain:ident, $id:literal, $name:literal) => {
        Annotation {
            domain: &$domain,
            entity_id: $id,
            entity_name: $name,
        }
    };
}

/// Context annotations a v2 tweet can carry.
#[rustfmt::skip]
pub(super) const ANNOTATIONS: [Annotation; 24] = [
    annotation!(SPORT, "847900493514891265", "Football"),
    annotation!(SPORT, "847900493514891266", "Basketball"),
    annotation!(SPORT, "847900493514891267", "Tennis"),
    annotation!(SPORT, "847900493514891268", "Motor racing"),
    annotation!(SPORTS_LEAGUE, "1138120064527638528", "Champions League"),
    annotation!(SPORTS_LEAGUE, "1138120064527638529", "National basketball league"),
    annotation!(MUSIC_GENRE, "847888632711061504", "Pop"),
    annotation!(MUSIC_GENRE, "847888632711061505", "K-pop"),
    annotation!(MUSIC_GENRE, "847888632711061506", "Hip hop"),
    annotation!(MUSIC_GENRE, "847888632711061507", "Jazz"),
    annotation!(INTERESTS, "847528391163092993", "Travel"),
    annotation!(INTERESTS, "847528391163092994", "Cooking"),
    annotation!(INTERESTS, "847528391163092995", "Photography"),
    annotation!(INTERESTS, "847528391163092996", "Fitness"),
    annotation!(INTERESTS, "847528391163092997", "Coffee"),
    annotation!(TV_SHOW, "1091469163460673536", "Drama series"),
    annotation!(TV_SHOW, "1091469163460673537", "Reality television"),
    annotation!(VIDEO_GAME, "1141466532112113664", "Role-playing games"),
    annotation!(VIDEO_GAME, "1141466532112113665", "Esports"),
    annotation!(BUSINESS, "781974596752842752", "Technology"),
    annotation!(BUSINESS, "781974596752842753", "Cryptocurrency"),
    annotation!(TOPICS, "839543390201835520", "Entertainment"),
    annotation!(TOPICS, "839543390201835521", "News"),
    annotation!(TOPICS, "839543390201835522", "Events"),
];

//! What the generator draws from: hashtags, languages with their words and names, emoji,
//! cashtags, handles, locations, posting clients, link targets and places.

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

/// A tweet language with just enough vocabulary to make its text look the part.
pub(super) struct Language {
    /// The `lang` code Twitter assigns.
    pub(super) code: &'static str,
    /// Relative share of the stream.
    pub(super) weight: u32,
    pub(super) words: &'static [&'static str],
    /// Japanese runs words together; the rest separate them with spaces.
    pub(super) word_separator: &'static str,
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
        words: &[
            "just", "love", "this", "today", "the", "new", "game", "so", "excited", "for", "what",
            "a", "great", "night", "can't", "wait", "tomorrow", "is", "best", "thing", "ever",
            "my", "team", "won", "again", "watching", "live", "coffee", "morning", "people",
            "really", "need", "to", "see", "that", "happy", "weekend", "everyone", "music",
            "album", "finally", "out", "now", "check", "it", "amazing", "show", "tonight", "we",
            "are", "going", "home", "lol", "omg", "yes", "never", "forget", "world", "city",
            "rain",
        ],
        word_separator: " ",
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
        words: &[
            "hoy", "es", "un", "gran", "día", "para", "todos", "los", "que", "me", "encanta",
            "esta", "canción", "vamos", "mañana", "partido", "fútbol", "buenas", "noches",
            "gracias", "amigos", "qué", "bonito", "nuevo", "mundo", "siempre", "nunca", "mejor",
            "feliz", "semana", "ciudad", "calor", "casa", "trabajo", "por", "fin", "viernes", "con",
            "mi", "familia", "muy", "bien", "ahora", "ver", "jajaja", "increíble", "noticias",
            "música", "vida", "amor",
        ],
        word_separator: " ",
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
        words: &[
            "hoje", "é", "um", "dia", "lindo", "para", "todos", "que", "saudade", "obrigado",
            "gente", "muito", "bom", "jogo", "amanhã", "vamos", "novo", "mundo", "sempre", "nunca",
            "melhor", "feliz", "semana", "cidade", "calor", "casa", "trabalho", "finalmente",
            "sexta", "com", "minha", "família", "agora", "ver", "kkkk", "incrível", "notícias",
            "música", "vida", "amor", "não", "acredito", "nisso",
        ],
        word_separator: " ",
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
        words: &[
            "今日", "は", "とても", "いい", "天気", "です", "ありがとう", "ございます", "みんな",
            "明日", "試合", "楽しみ", "新しい", "世界", "いつも", "最高", "幸せ", "今週", "東京",
            "暑い", "家", "仕事", "やっと", "金曜日", "家族", "と", "一緒に", "今", "見る",
            "すごい", "ニュース", "音楽", "人生", "好き", "本当に", "おはよう", "ね", "！", "。",
            "笑",
        ],
        word_separator: "",
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
        words: &[
            "اليوم", "يوم", "جميل", "جدا", "شكرا", "للجميع", "الأصدقاء", "هذا", "المساء", "مباراة",
            "غدا", "يلا", "جديد", "العالم", "دائما", "أبدا", "أفضل", "سعيد", "الأسبوع", "المدينة",
            "حر", "البيت", "العمل", "أخيرا", "الجمعة", "مع", "عائلتي", "الآن", "مشاهدة", "رائع",
            "أخبار", "موسيقى", "الحياة", "حب", "الله", "صباح", "الخير",
        ],
        word_separator: " ",
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
        words: &[
            "aujourd'hui", "c'est", "une", "belle", "journée", "pour", "tous", "merci", "beaucoup",
            "les", "amis", "ce", "soir", "match", "demain", "on", "y", "va", "nouveau", "monde",
            "toujours", "jamais", "meilleur", "heureux", "semaine", "ville", "chaleur", "maison",
            "travail", "enfin", "vendredi", "avec", "ma", "famille", "très", "bien", "maintenant",
            "voir", "incroyable", "nouvelles", "musique", "vie", "amour", "trop", "génial",
        ],
        word_separator: " ",
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
        words: &[
            "heute", "ist", "ein", "schöner", "Tag", "für", "alle", "danke", "schön", "Freunde",
            "Abend", "Spiel", "morgen", "los", "geht's", "neue", "Welt", "immer", "nie", "besser",
            "glücklich", "Woche", "Stadt", "Hitze", "Hause", "Arbeit", "endlich", "Freitag", "mit",
            "meiner", "Familie", "sehr", "gut", "jetzt", "sehen", "unglaublich", "Nachrichten",
            "Musik", "Leben", "Liebe", "wirklich", "Straße", "Grüße",
        ],
        word_separator: " ",
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
        words: &[
            "오늘", "정말", "좋은", "날", "감사합니다", "여러분", "친구들", "이번", "저녁", "경기",
            "내일", "가자", "새로운", "세상", "항상", "최고", "행복", "이번주", "서울", "더워",
            "집", "일", "드디어", "금요일", "가족과", "함께", "지금", "보고", "싶다", "대박",
            "뉴스", "음악", "인생", "사랑", "진짜", "ㅋㅋㅋ",
        ],
        word_separator: " ",
        given_names: &[
            "민준", "서연", "지호", "하은", "도윤", "지우", "예준", "수아",
        ],
        family_names: &["김", "이", "박", "최", "정", "강", "조", "윤"],
        family_first: true,
    },
    Language {
        code: "tr",
        weight: 4,
        words: &[
            "bugün", "çok", "güzel", "bir", "gün", "herkese", "teşekkürler", "arkadaşlar", "bu",
            "akşam", "maç", "yarın", "haydi", "yeni", "dünya", "her", "zaman", "asla", "daha",
            "iyi", "mutlu", "hafta", "şehir", "sıcak", "ev", "iş", "sonunda", "cuma", "ailemle",
            "şimdi", "görmek", "inanılmaz", "haberler", "müzik", "hayat", "aşk", "gerçekten",
            "harika",
        ],
        word_separator: " ",
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
        words: &[
            "сегодня", "очень", "хороший", "день", "всем", "спасибо", "друзья", "этот", "вечер",
            "матч", "завтра", "давай", "новый", "мир", "всегда", "никогда", "лучше", "счастлив",
            "неделя", "город", "жара", "дома", "работа", "наконец", "пятница", "с", "семьёй",
            "сейчас", "смотреть", "невероятно", "новости", "музыка", "жизнь", "любовь", "правда",
            "круто",
        ],
        word_separator: " ",
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
        words: &[
            "😂", "😍", "🔥", "❤️", "👍", "🙏", "lol", "xD", "!!!", "...", "😭", "✨", "💯", "👀",
            "🎉", "ok", "hmm", "wow", "haha", "<3",
        ],
        word_separator: " ",
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

/// Posting clients as (link, name).
pub(super) const SOURCES: [(&str, &str); 12] = [
    ("http://twitter.com/download/iphone", "Twitter for iPhone"),
    ("http://twitter.com/download/iphone", "Twitter for iPhone"),
    ("http://twitter.com/download/android", "Twitter for Android"),
    ("http://twitter.com/download/android", "Twitter for Android"),
    ("https://mobile.twitter.com", "Twitter Lite"),
    ("http://twitter.com", "Twitter Web Client"),
    ("https://about.twitter.com/products/tweetdeck", "TweetDeck"),
    ("http://twitter.com/#!/download/ipad", "Twitter for iPad"),
    ("http://instagram.com", "Instagram"),
    ("https://ifttt.com", "IFTTT"),
    ("https://www.hootsuite.com", "Hootsuite Inc."),
    ("https://buffer.com", "Buffer"),
];

/// Link destinations as (host, path prefix); a random slug completes each.
pub(super) const LINK_TARGETS: [(&str, &str); 10] = [
    ("www.youtube.com", "/watch?v="),
    ("www.instagram.com", "/p/"),
    ("www.bbc.co.uk", "/news/world-"),
    ("www.nytimes.com", "/2018/10/10/world/"),
    ("github.com", "/"),
    ("open.spotify.com", "/track/"),
    ("elpais.com", "/internacional/"),
    ("g1.globo.com", "/noticia/"),
    ("www3.nhk.or.jp", "/news/html/"),
    ("twitter.com", "/i/web/status/"),
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

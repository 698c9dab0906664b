//! Turkish. Slots take no suffix: topics stand before postpositions (`için`, `hakkında`) or as
//! subjects, so vowel harmony never has to follow them.

use super::Phrasebook;

pub(in super::super) const TR: Phrasebook = Phrasebook {
    positive: &[
        "{topic} harikaydı!",
        "{when} {topic} için çok heyecanlıyım!",
        "Herkese teşekkürler, çok güzel bir geceydi.",
        "Bu haftanın en güzel anı: {topic}.",
        "Ne güzel bir gün!",
        "{topic} beklediğimden de iyiydi.",
    ],
    negative: &[
        "{topic} tam bir hayal kırıklığıydı.",
        "Bugün berbat bir gündü.",
        "İki saattir bekliyorum, hâlâ bir şey yok.",
        "{topic} iptal olmuş, çok üzüldüm.",
        "Trafik yine felaket, sinir oldum.",
    ],
    neutral: &[
        "{topic} saat kaçta başlıyor?",
        "{topic} hakkında bir yazı okuyorum.",
        "İşe gidiyorum.",
        "{topic} {when} başlıyor.",
        "{topic} ile ilgili detaylar burada.",
    ],
    topics: &[
        "maç",
        "final",
        "konser",
        "dizi",
        "yeni albüm",
        "derbi",
        "film",
        "festival",
        "röportaj",
        "sezon finali",
    ],
    times: &["bugün", "bu akşam", "yarın", "bu hafta sonu", "şimdi"],
    bio: &[
        "kahve bağımlısı",
        "Galatasaray",
        "öğrenci",
        "fotoğrafçı",
        "kendi fikirlerim",
        "müzik ve dizi",
        "İstanbul",
        "öğretmen",
        "hayalperest",
        "koşucu",
        "mühendis",
        "kitap kurdu",
        "iki çocuk annesi",
        "sinema tutkunu",
        "her şeyden biraz",
        "gezgin",
    ],
    sentence_separator: " ",
    char_weight: 1,
};

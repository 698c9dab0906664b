//! Korean. Slots stand without particles, as casual posts often drop them, so no particle has
//! to agree with the topic's final consonant.

use super::Phrasebook;

pub(in super::super) const KO: Phrasebook = Phrasebook {
    positive: &[
        "{topic} 진짜 최고였다!",
        "{when} {topic} 너무 기대돼요!",
        "다들 고마워요, 정말 행복한 하루였어요.",
        "{topic} 보고 힘이 났어요.",
        "이번 주 최고의 순간은 {topic}.",
        "{topic} 너무 감동이었어요.",
    ],
    negative: &[
        "{topic} 솔직히 너무 실망이에요.",
        "오늘 진짜 최악의 하루였다.",
        "두 시간 기다렸는데 아무것도 없네요.",
        "{topic} 취소라니 너무 슬퍼요.",
        "지하철이 또 늦어서 짜증나요.",
    ],
    neutral: &[
        "{topic} 몇 시에 시작해요?",
        "{when} {topic} 볼 예정이에요.",
        "지금 출근하는 중이에요.",
        "{topic} 관련 기사 읽는 중.",
        "{topic} 정보 정리했어요.",
    ],
    topics: &[
        "경기",
        "새 앨범",
        "콘서트",
        "드라마",
        "영화",
        "결승전",
        "팬미팅",
        "뮤직비디오",
        "예능",
        "신곡",
    ],
    times: &["오늘", "오늘 밤", "내일", "이번 주말", "지금"],
    bio: &[
        "커피 중독",
        "축구 좋아함",
        "대학생",
        "사진 찍는 사람",
        "서울 거주",
        "음악 듣는 중",
        "개발자",
        "여행 좋아함",
        "책 읽는 중",
        "달리기",
        "부산 출신",
        "영화 덕후",
        "요리 취미",
        "일상 기록",
        "고양이 집사",
    ],
    sentence_separator: " ",
    char_weight: 2,
};

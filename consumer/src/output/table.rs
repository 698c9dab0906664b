//! The console's view of a window: a Spark-style table of its top hashtags under a header of its
//! totals. Pure text, shown by `sink` and built by `results`.

use unicode_width::UnicodeWidthStr;

use crate::engine::counts::TagCount;
use crate::engine::rising::RisingList;
use crate::engine::sentiment::Score;

/// A window's totals as shown and published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) tweets: u64,
    pub(crate) mentions: u64,
    pub(crate) distinct: usize,
    pub(crate) untracked_bound: u64,
    /// The window's mean sentiment, shown in the table's header; `None` when off.
    pub(crate) mean_sentiment: Option<Score>,
}

/// Renders a table like Spark's console sink: a title, totals, then a bordered table.
pub(crate) fn render_table(title: &str, summary: Summary, rows: Vec<&TagCount>) -> String {
    let approximate = rows.iter().any(|t| t.error > 0);
    let cells: Vec<Cells> = rows.iter().map(|t| Cells::of(t)).collect();
    let mut out = String::new();
    out.push_str("-------------------------------------------\n");
    out.push_str(title);
    out.push('\n');
    out.push_str(&header(summary, approximate));
    out.push_str("-------------------------------------------\n");
    out.push_str(&bordered(&cells));
    out.push('\n');
    out
}

/// The section under a window's table: its rising hashtags, each with its count against its
/// baseline and its score; `display` gives a key's spelling.
pub(crate) fn render_rising(list: &RisingList, display: &dyn Fn(&str) -> String) -> String {
    if list.history_windows == 0 {
        return "Rising: warming up (no earlier windows yet)\n".to_owned();
    }
    let against = format!("against {} earlier windows", list.history_windows);
    if list.tags.is_empty() {
        return format!("Rising: none ({against})\n");
    }
    let rows: Vec<(String, String)> = list
        .tags
        .iter()
        .map(|t| {
            let usual = if t.is_new || t.baseline_m == 0 {
                "new".to_owned()
            } else {
                // Tenths of the ratio, rounded down.
                let tenths = u128::from(t.count) * 10_000 / u128::from(t.baseline_m);
                format!("×{}.{} over usual", tenths / 10, tenths % 10)
            };
            let score = t.score_m as f64 / 1000.0;
            let figures = format!("{:>6}  {usual:<16} z {score:.1}", t.count);
            (format!("#{}", display(&t.key)), figures)
        })
        .collect();
    let width = rows.iter().map(|(tag, _)| tag.width()).max().unwrap_or(0);
    let mut out = format!("Rising ({against}):\n");
    for (tag, figures) in rows {
        let pad = " ".repeat(width - tag.width());
        out.push_str(&format!("  {tag}{pad}  {figures}\n"));
    }
    out
}

/// One row's text: the hashtag and its count (with its error bound when estimated).
struct Cells {
    tag: String,
    count: String,
}

impl Cells {
    fn of(t: &TagCount) -> Self {
        let count = match t.error {
            0 => t.count.to_string(),
            e => format!("{}±{}", t.count, e),
        };
        Cells {
            tag: format!("#{}", t.display()),
            count,
        }
    }
}

/// The totals line under the title.
fn header(summary: Summary, approximate: bool) -> String {
    let sentiment = summary
        .mean_sentiment
        .map(|mean| format!("  Sentiment: {:+.4}", mean.as_f64()))
        .unwrap_or_default();
    let estimates = if approximate {
        "  (top-K estimates: count±error)"
    } else {
        ""
    };
    format!(
        "Tweets: {}  Distinct hashtags: {}{sentiment}{estimates}\n",
        summary.tweets, summary.distinct,
    )
}

/// The bordered two-column table, columns as wide as their widest cell on screen.
fn bordered(cells: &[Cells]) -> String {
    let widest = |header: &str, width: &dyn Fn(&Cells) -> usize| {
        cells
            .iter()
            .map(width)
            .chain([header.len()])
            .max()
            .unwrap_or(0)
    };
    let tag_width = widest("hashtag", &|c| c.tag.width());
    let count_width = widest("count", &|c| c.count.width());
    let rule = format!("+{}+{}+\n", "-".repeat(tag_width), "-".repeat(count_width));
    let mut out = rule.clone();
    out.push_str(&format!(
        "|{:<tw$}|{:>cw$}|\n",
        "hashtag",
        "count",
        tw = tag_width,
        cw = count_width
    ));
    out.push_str(&rule);
    for Cells { tag, count } in cells {
        let pad = tag_width.saturating_sub(tag.width());
        let npad = count_width.saturating_sub(count.width());
        out.push_str(&format!(
            "|{tag}{}|{}{count}|\n",
            " ".repeat(pad),
            " ".repeat(npad)
        ));
    }
    out.push_str(&rule);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::counts::Forms;
    use crate::engine::rising::RisingTag;
    use std::collections::BTreeSet;

    fn tag(key: &str, display: &str, count: u64) -> TagCount {
        let mut forms = Forms::default();
        forms.add(display, count);
        TagCount {
            key: key.to_owned(),
            count,
            error: 0,
            forms,
            sentiment: None,
        }
    }

    const SUMMARY: Summary = Summary {
        tweets: 7,
        mentions: 20,
        distinct: 3,
        untracked_bound: 0,
        mean_sentiment: None,
    };

    fn widths(t: &str) -> BTreeSet<usize> {
        t.lines()
            .filter(|l| l.starts_with(['|', '+']))
            .map(|l| l.width())
            .collect()
    }

    fn ranked(key: &str, count: u64, baseline_m: u64, score_m: i64) -> RisingTag {
        RisingTag {
            key: key.to_owned(),
            count,
            baseline_m,
            score_m,
            is_new: baseline_m == 0,
        }
    }

    #[test]
    fn rising_rows_align_wide_characters_and_show_new_or_the_ratio() {
        let list = RisingList {
            history_windows: 6,
            tags: vec![
                ranked("burst", 41, 0, 41_000),
                ranked("日本", 38, 17_562, 4_757),
            ],
        };
        let display = |key: &str| {
            if key == "burst" {
                "Burst".to_owned()
            } else {
                key.to_owned()
            }
        };
        assert_eq!(
            render_rising(&list, &display),
            "Rising (against 6 earlier windows):\n\
             \x20 #Burst      41  new              z 41.0\n\
             \x20 #日本       38  ×2.1 over usual  z 4.8\n"
        );
        let none = RisingList {
            history_windows: 2,
            tags: Vec::new(),
        };
        assert_eq!(
            render_rising(&none, &display),
            "Rising: none (against 2 earlier windows)\n"
        );
        assert_eq!(
            render_rising(&RisingList::default(), &display),
            "Rising: warming up (no earlier windows yet)\n"
        );
    }

    #[test]
    fn table_lists_hashtags_in_their_display_spelling_aligned() {
        let rows = [tag("rust", "Rust", 12), tag("kafka", "kafka", 5)];
        let t = render_table("Window: x", SUMMARY, rows.iter().collect());
        assert!(
            t.contains("Window: x\nTweets: 7  Distinct hashtags: 3\n"),
            "{t}"
        );
        let lines: Vec<&str> = t.lines().filter(|l| l.starts_with("|#")).collect();
        assert_eq!(lines, ["|#Rust  |   12|", "|#kafka |    5|"]);
        assert_eq!(widths(&t).len(), 1, "all table lines equally wide:\n{t}");
    }

    #[test]
    fn wide_characters_and_error_bounds_keep_the_table_aligned() {
        let mut approx = tag("a", "a", 9);
        approx.error = 2;
        let rows = [tag("日本語", "日本語", 1), approx];
        let t = render_table("w", SUMMARY, rows.iter().collect());
        assert_eq!(widths(&t).len(), 1, "{t}");
        assert!(t.contains("9±2") && t.contains("top-K estimates"), "{t}");
    }
}

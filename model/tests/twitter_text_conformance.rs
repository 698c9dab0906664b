//! Checks `hashtag::extract` against the hashtag cases of twitter-text's conformance data
//! (`tests/data/twitter-text-extract-hashtags.yml`, Apache-2.0, vendored from
//! github.com/twitter/twitter-text `conformance/extract.yml`).

use model::hashtag::extract;
use serde::Deserialize;
use std::collections::BTreeMap;

const DATA: &str = include_str!("data/twitter-text-extract-hashtags.yml");

#[derive(Deserialize)]
struct File {
    tests: BTreeMap<String, Vec<Case>>,
}

#[derive(Deserialize)]
struct Case {
    description: String,
    text: String,
    expected: Vec<Expected>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expected {
    Tag(String),
    WithIndices {
        hashtag: String,
        indices: [usize; 2],
    },
}

/// Hashtags with their `[start, end)` indices in Unicode code points, the start being the `#`
/// (as in twitter-text's `hashtags_with_indices`).
fn extract_with_indices(text: &str) -> Vec<(String, [usize; 2])> {
    extract(text)
        .map(|tag| {
            let body_start = tag.as_ptr() as usize - text.as_ptr() as usize;
            let hash_len = text[..body_start]
                .chars()
                .next_back()
                .map_or(0, char::len_utf8);
            let start = text[..body_start - hash_len].chars().count();
            let end = text[..body_start + tag.len()].chars().count();
            (tag.to_owned(), [start, end])
        })
        .collect()
}

#[test]
fn twitter_text_hashtag_conformance() {
    let file: File = serde_yaml::from_str(DATA).expect("conformance YAML parses");
    assert!(file.tests.contains_key("hashtags"));
    let mut failures = Vec::new();
    let mut total = 0;
    for (section, cases) in &file.tests {
        let mut passed = 0;
        for case in cases {
            let ok = if case
                .expected
                .iter()
                .all(|e| matches!(e, Expected::WithIndices { .. }))
                && !case.expected.is_empty()
            {
                let expected: Vec<(String, [usize; 2])> = case
                    .expected
                    .iter()
                    .map(|e| match e {
                        Expected::WithIndices { hashtag, indices } => (hashtag.clone(), *indices),
                        Expected::Tag(t) => (t.clone(), [0, 0]),
                    })
                    .collect();
                let got = extract_with_indices(&case.text);
                if got != expected {
                    failures.push(format!(
                        "[{section}] {}: text {:?}: got {got:?}, expected {expected:?}",
                        case.description, case.text
                    ));
                }
                got == expected
            } else {
                let expected: Vec<&str> = case
                    .expected
                    .iter()
                    .map(|e| match e {
                        Expected::Tag(t) => t.as_str(),
                        Expected::WithIndices { hashtag, .. } => hashtag.as_str(),
                    })
                    .collect();
                let got: Vec<&str> = extract(&case.text).collect();
                if got != expected {
                    failures.push(format!(
                        "[{section}] {}: text {:?}: got {got:?}, expected {expected:?}",
                        case.description, case.text
                    ));
                }
                got == expected
            };
            passed += usize::from(ok);
        }
        total += cases.len();
        println!("{section}: {passed} of {} cases pass", cases.len());
    }
    println!("total: {} of {total} cases pass", total - failures.len());
    assert!(
        failures.is_empty(),
        "{} failing conformance case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

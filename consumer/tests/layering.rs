//! The rules the folder layout states, checked: `engine/` and `output/` are pure (no Kafka,
//! HTTP, async runtime or files), and `serve/` reads what the driver publishes without reaching
//! into `driver/`.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, tests included: a test module importing I/O would make the
/// pure code's tests depend on it too.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// `file:line: text` of every line under `folder` that mentions one of `forbidden`.
fn violations(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder);
    let files = sources(&root);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if forbidden.iter().any(|f| code.contains(f)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

const IO: [&str; 7] = [
    "rdkafka",
    "axum",
    "tokio",
    "std::fs",
    "std::net",
    "crate::driver",
    "crate::serve",
];

#[test]
fn the_engine_is_pure() {
    assert_eq!(violations("engine", &IO), Vec::<String>::new());
}

#[test]
fn result_records_are_pure() {
    assert_eq!(violations("output", &IO), Vec::<String>::new());
}

#[test]
fn serving_does_not_reach_into_the_driver() {
    assert_eq!(
        violations("serve", &["crate::driver"]),
        Vec::<String>::new()
    );
}

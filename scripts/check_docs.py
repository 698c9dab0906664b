#!/usr/bin/env python3
"""Checks the documentation's cross-references, so a moved file or renamed heading is caught by
the test suite rather than by a reader:

* every relative link in README.md, BENCHMARKS.md and docs/src/*.md names a file that exists
  and, with a #fragment, a heading in it;
* every `docs/src/<chapter>.md#anchor` pointer in source and scripts names a heading;
* every chapter in docs/src is listed in docs/src/SUMMARY.md;
* README.md stays a front page (at most 200 lines).

Usage: scripts/check_docs.py (from anywhere; exit 1 with one line per problem)."""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
POINTER = re.compile(r"docs/src/([\w-]+\.md)(?:#([\w-]+))?")
README_MAX_LINES = 200


def slug(heading: str) -> str:
    """The anchor GitHub and mdBook give a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: pathlib.Path) -> set:
    found, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.add(slug(line.lstrip("#")))
    return found


def check_link(source: pathlib.Path, target: str, problems: list) -> None:
    if re.match(r"^[a-z]+:", target) or target.startswith("mailto:"):
        return
    file_part, _, fragment = target.partition("#")
    path = (source.parent / file_part).resolve() if file_part else source
    where = source.relative_to(ROOT)
    if not path.exists():
        problems.append(f"{where}: link to missing file {target}")
    elif fragment and path.suffix == ".md" and fragment not in anchors(path):
        problems.append(f"{where}: link to missing heading {target}")


def main() -> int:
    problems = []
    docs = sorted((ROOT / "docs/src").glob("*.md"))
    for page in [ROOT / "README.md", ROOT / "BENCHMARKS.md", *docs]:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in LINK.findall(text):
            check_link(page, target, problems)
    summary = (ROOT / "docs/src/SUMMARY.md").read_text(encoding="utf-8")
    for page in docs:
        if page.name != "SUMMARY.md" and f"({page.name})" not in summary:
            problems.append(f"docs/src/{page.name}: not in docs/src/SUMMARY.md")
    code = [p for ext in ("rs", "sh", "toml", "yml") for p in ROOT.rglob(f"*.{ext}")]
    for path in code:
        if any(part in ("target", ".git") for part in path.relative_to(ROOT).parts):
            continue
        for chapter, fragment in POINTER.findall(path.read_text(encoding="utf-8", errors="replace")):
            page = ROOT / "docs/src" / chapter
            where = path.relative_to(ROOT)
            if not page.exists():
                problems.append(f"{where}: points to missing docs/src/{chapter}")
            elif fragment and fragment not in anchors(page):
                problems.append(f"{where}: points to missing heading docs/src/{chapter}#{fragment}")
    lines = len((ROOT / "README.md").read_text(encoding="utf-8").splitlines())
    if lines > README_MAX_LINES:
        problems.append(f"README.md: {lines} lines, more than {README_MAX_LINES}")
    for problem in problems:
        print(f"check_docs: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

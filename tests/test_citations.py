"""Code, templates and documents cite a product rule as `docs/rules.md#<anchor>`: never by a number (the
numbers meant different things over time), never an anchor docs/rules.md does not have, and never a document
outside the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "rules.md"
SUFFIXES = {".py", ".html", ".md", ".txt"}
# .run holds what the running product and the benchmarks write (the benchmark's own environment included).
SKIPPED_DIRS = {".git", ".run", ".venv", "venv", "node_modules", "staticfiles", "media", "__pycache__"}

NUMBERED = re.compile(r"(?<![a-z])rules?[ _]\d", re.IGNORECASE)
CITED_ANCHOR = re.compile(r"rules\.md#([\w-]+)")
OUTSIDE = re.compile(r"\b(product|quality)\.md\b|\.\./shared\b")
EXPLICIT_ANCHOR = re.compile(r'<a id="([\w-]+)"></a>')
HEADING = re.compile(r"^## ([\w-]+):", re.MULTILINE)


def rules_anchors(text: str) -> set[str]:
    """The anchors docs/rules.md declares: each rule is an explicit `<a id="...">` just before its heading."""
    return set(EXPLICIT_ANCHOR.findall(text))


def project_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        if path.suffix in SUFFIXES and path.is_file() and not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
            files.append(path)
    return sorted(files)


def findings(path: Path, text: str, anchors: set[str]) -> list[str]:
    where = path.relative_to(ROOT)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if NUMBERED.search(line):
            found.append(f"{where}:{number}: a numbered rule; cite docs/rules.md#<anchor>: {line.strip()}")
        for anchor in CITED_ANCHOR.findall(line):
            if anchor not in anchors:
                found.append(f"{where}:{number}: docs/rules.md has no anchor #{anchor}: {line.strip()}")
        if OUTSIDE.search(line):
            found.append(f"{where}:{number}: points outside the repository: {line.strip()}")
    return found


def test_every_rule_is_cited_by_anchor_and_every_anchor_exists():
    anchors = rules_anchors(RULES.read_text())
    problems = []
    for path in project_files():
        problems += findings(path, path.read_text(encoding="utf-8", errors="replace"), anchors)
    assert not problems, "\n".join(problems)


def test_each_rule_heading_carries_its_own_anchor():
    """A heading `## <anchor>: ...` follows `<a id="<anchor>"></a>`, so that the anchor cited is the one shown."""
    text = RULES.read_text()
    assert len(rules_anchors(text)) >= 10
    for heading in HEADING.finditer(text):
        before = text[: heading.start()].rstrip().splitlines()[-1]
        assert before == f'<a id="{heading.group(1)}"></a>', heading.group(0)


@pytest.mark.parametrize(
    "line",
    [
        # Written as f-strings so that this file does not hold what it forbids.
        f"# A rejection held 24 hours (rule {6}).",
        f'"""The client\'s answer (Rules {10} and 11)."""',
        f"def test_offer_elsewhere_rule_{7}():",
        f"# See docs/rules.md#{'silence-caps'}.",
        f"# As {'product'}.md says.",
        f"See ..{'/'}shared/architecture.md.",
    ],
)
def test_the_check_catches_what_it_forbids(line):
    anchors = rules_anchors(RULES.read_text())
    assert findings(ROOT / "x.py", line, anchors)


def test_the_check_accepts_a_citation_by_anchor():
    anchors = rules_anchors(RULES.read_text())
    line = "# Held 24 hours (docs/rules.md#rejection-by-depth, [no-surprise](rules.md#no-surprise))."
    assert findings(ROOT / "x.py", line, anchors) == []

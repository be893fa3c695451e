"""The workspace's templates and static files keep to the strict CSP: no inline script, style or handlers."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = [
    ROOT / "templates" / "base.html",
    *sorted((ROOT / "templates" / "recruiting").rglob("*.html")),
    *sorted((ROOT / "templates" / "registration").rglob("*.html")),
    *sorted((ROOT / "templates" / "notifications" / "workspace").rglob("*.html")),
]
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+=", re.IGNORECASE),
    "htmx inline code": re.compile(r"\shx-on[:-]|\bjs:", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_nothing_inline(path):
    text = path.read_text(encoding="utf-8")
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{path.relative_to(ROOT)}: {', '.join(found)}"


def test_vendored_files_and_their_licenses_are_there():
    vendor = ROOT / "static" / "vendor"
    for required in (
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "bootstrap/LICENSE",
        "htmx/htmx.min.js",
        "htmx/LICENSE",
    ):
        assert (vendor / required).is_file(), required
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert "http://" not in base and "https://" not in base.replace('xmlns="http://www.w3.org/2000/svg"', "")

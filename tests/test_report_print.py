"""Reports a manager can print: every page of each sample's report, in Spanish and English,
rendered to PDF and to PNG; no word is broken across lines (pdftotext finds only words that the
report's own text holds, so a "Famili" / "a" split inside a narrow cell fails)."""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from functools import cache

import pytest

from improvement import build_report
from sample_logs import load_sample, sample_names
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) not installed",
)
ARTIFACTS = ROOT / "tests" / "artifacts"
_WORD = re.compile(r"[^\W\d_]{2,}")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def source_words(document: str) -> set[str]:
    """Every word the report's HTML shows: its text and the text of its embedded SVG charts."""
    charts = [
        base64.b64decode(data).decode("utf-8")
        for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", document)
    ]
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", part) for part in [document, *charts]))
    # pdftotext joins a word broken at its own hyphen ("control-" / "chart"): a fair break
    joined = {"".join(m.split("-")) for m in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)+", text)}
    return _words(text) | {w.lower() for w in joined}


@cache
def _report(name: str, lang: str):
    return build_report(load_sample(name), lang=lang)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("name", sample_names())
def test_no_word_is_split_on_any_page(name, lang, tmp_path):
    report = _report(name, lang)
    pdf = report.to_pdf(tmp_path / "report.pdf")
    text = subprocess.run(
        ["pdftotext", "-nodiag", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    broken = sorted(_words(text) - source_words(report.to_html()))
    assert broken == [], f"words broken or not in the report's text: {broken[:20]}"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert len(pages) == int(re.search(r"Pages:\s+(\d+)", info).group(1))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copy(page, ARTIFACTS / f"report-{name}-{lang}-{page.stem.split('-')[-1]}.png")


def test_break_opportunities_go_in_the_text_only():
    from improvement._report import _breakable

    document = '<html><head><title>a_b</title></head><body><p class="x_y">c_d</p></body></html>'
    assert _breakable(document) == (
        '<html><head><title>a_b</title></head><body><p class="x_y">c_<wbr>d</p></body></html>'
    )


def test_the_check_catches_a_split_word():
    assert _words("Famili\na objetiv o") - source_words("<td>Familia</td> <td>Objetivo</td>") == {
        "famili",
        "objetiv",
    }

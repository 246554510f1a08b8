"""The manager report: the planted facts show in Spanish and English, the HTML is one
self-contained file, the PDF renders for real and reads back with the key numbers, and the
CLI writes both."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import mining
import sample_logs
from improvement import KpiSettings, Report, ReportSection, Text, build_report
from mejora.cli import main
from mining import EventStore
from tests._kpi_samples import email_events, sales_activities

_REFERENCE = re.compile(r"""(?:src|href|xlink:href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


@pytest.fixture(scope="module")
def sales_report() -> Report:
    return build_report(sales_activities(), period="2025-12", lang="es")


@pytest.fixture(scope="module")
def email_report() -> Report:
    settings = KpiSettings(costs={"consent_violations": 500.0})
    return build_report(
        email_events(), period="2025-12", lang="en", settings=settings, drivers=False
    )


def _plain(html: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")
    return text.replace(" :", ":").replace("( ", "(").replace(" )", ")")


def _section(report: Report, anchor: str) -> str:
    return _plain(report.section(anchor))


def assert_self_contained(html: str) -> None:
    """No script, no stylesheet link, and every reference is in-page or a data: URI; the SVGs
    inside reference nothing either (their xmlns names are not fetched)."""
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html
    assert "http://" not in html and "https://" not in html
    for target in _REFERENCE.findall(html) + _CSS_URL.findall(html):
        assert target.startswith(("#", "data:")), target
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert images
    for image in images:
        svg = base64.b64decode(image).decode("utf-8")
        assert svg.startswith("<svg")
        for target in _REFERENCE.findall(svg) + _CSS_URL.findall(svg):
            assert target.startswith("#"), target
        outside = set(re.findall(r"https?://[^\s\"'<>]+", svg))
        assert outside <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


# -- the planted facts ---------------------------------------------------------------------
def test_cycle_time_shift_is_a_signal_in_both_languages(sales_report):
    alerts = _section(sales_report, "alerts")
    assert re.search(r"Tiempo de ciclo 2025-12-22 .*límite de control superior", alerts)
    findings = _section(sales_report, "findings")
    assert "Tiempo de ciclo" in findings and "a peor" in findings
    english = sales_report.in_language("en")
    assert re.search(r"Cycle time 2025-12-22 .*upper control limit", _section(english, "alerts"))
    headline = _section(sales_report, "headline")
    assert "Tiempo de ciclo eficiencia 23,0 d" in headline and "17,2 d" in headline
    assert "Cycle time efficiency 23.0 d" in _section(english, "headline")


def test_loss_reason_pareto_in_both_languages(sales_report):
    sales = _section(sales_report, "sales")
    assert "2 de 6 motivos (not ready, no follow-up) suman el 85,0 % de 133" in sales
    english = _section(sales_report.in_language("en"), "sales")
    assert "2 of 6 reasons (not ready, no follow-up) make up 85.0% of 133 lost deals" in english
    assert sales_report.pareto.vital_few == ["not ready", "no follow-up"]


def test_consent_violations_under_compliance(email_report):
    compliance = _section(email_report, "compliance")
    assert "Consent violations: 7 (target 0; missed)" in compliance
    assert re.search(r"100005 \d+ \d+", compliance) or re.search(r"100006 \d+ \d+", compliance)
    whole = email_report.current.get("consent_violations")
    assert whole.value == 7  # the December sends of the 25 planted
    deviations = _section(email_report, "deviations")
    assert "Consent violations 7 0 +7 7.0 €3,500" in deviations  # 7 × €500 from the settings
    spanish = _section(email_report.in_language("es"), "compliance")
    assert "Infracciones de consentimiento: 7 (objetivo 0; no cumplido)" in spanish


def test_weak_email_under_click_rate(email_report):
    emails = _section(email_report, "emails")
    # sent, delivered, open rate, then the click rate: under 1 % (0.5 % in December)
    row = re.search(r"100002 \d+ \d+ [\d.]+% 0\.\d% \(.*?far below the others", emails)
    assert row is not None
    assert "far below" not in emails.replace(row.group(0), "")  # only that email
    assert "email 100002 is clicked far less than its siblings" in _section(
        email_report, "findings"
    )
    spanish = _section(email_report.in_language("es"), "emails")
    assert re.search(r"100002 \d+ \d+ [\d,]+ % 0,\d % \(.*?muy por debajo del resto", spanish)


def test_appendix_traces_the_numbers(sales_report, email_report):
    appendix = _section(sales_report, "appendix")
    assert "filas leídas al importar 1.487" in appendix
    assert "casos iniciados en el periodo 58" in appendix
    assert "no se apartó ninguna fila" in appendix
    assert "los casos iniciados del 1 dic 2025 al 31 dic 2025 (opción --period 2025-12)" in appendix
    assert "TimeRange(" not in appendix  # words and the option, not Python
    assert "Satisfacción del cliente (CSAT)" in appendix  # not computable, with its reason
    english = _section(email_report, "appendix")
    assert "filtered_event 1,080" in english
    assert "costs = {'consent_violations': 500.0}" in english


def test_report_data_is_strict_json(sales_report):
    data = json.loads(json.dumps(sales_report.to_dict(), allow_nan=False))
    assert (data["period"], data["previous"]) == ("2025-12", "2025-11")
    cycle = next(t for t in data["trends"] if t["kpi"] == "cycle_time")
    assert any(a["worse"] and a["label"] == "2025-12-22" for a in cycle["alerts"])
    assert data["pareto"]["vital_few"] == ["not ready", "no follow-up"]


def test_html_is_one_self_contained_file(sales_report, email_report):
    for report in (sales_report, email_report):
        html = report.to_html()
        assert_self_contained(html)
        assert f'<html lang="{report.lang}">' in html


def test_extra_sections_are_added_and_must_stay_self_contained(sales_report):
    changes = pd.DataFrame({"change": ["set wait to 2 days"], "status": ["open"]})
    section = ReportSection(
        Text("Open suggested changes", "Cambios sugeridos abiertos"), table=changes
    )
    report = Report(**{**sales_report.__dict__, "extra_sections": (section,)})
    html = report.to_html()
    assert "Cambios sugeridos abiertos" in html and "set wait to 2 days" in html
    assert html.index("Cambios sugeridos") < html.index("Anexo")
    with pytest.raises(ValueError, match="outside the report"):
        ReportSection("Links", html='<img src="https://example.org/x.png">')
    with pytest.raises(ValueError, match="outside the report"):
        ReportSection("Styles", html="<style>@import 'x.css';</style>")


# -- the PDF, rendered for real ------------------------------------------------------------
def test_pdf_renders_and_reads_back_with_the_key_numbers(sales_report, tmp_path):
    two_charts = Report(**{**sales_report.__dict__, "max_trends": 2})  # quicker to lay out
    path = two_charts.to_pdf(tmp_path / "informe.pdf")
    reader = PdfReader(path)
    assert 5 <= len(reader.pages) <= 20
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Informe de indicadores — sales_activities" in text
    assert "23,0 d" in text and "17,2 d" in text  # December against November
    assert "límite de control superior" in text
    assert "85,0 %" in text and "not ready" in text
    assert "1 / " in text  # numbered pages


# -- the command line ----------------------------------------------------------------------
@pytest.fixture
def stored(store_path) -> Path:
    with EventStore(store_path) as store:
        store.save(sales_activities())
    return store_path


def test_cli_report_writes_one_html_file(stored, tmp_path):
    html = tmp_path / "report.html"
    code = main(
        ["report", "sales_activities", "--period", "2025-12", "--lang", "en", "-o", str(html)]
    )
    assert code == 0
    assert_self_contained(html.read_text(encoding="utf-8"))
    assert "KPI report — sales_activities" in html.read_text(encoding="utf-8")


def test_cli_kpis_json_and_errors(stored, capsys):
    assert main(["kpis", "sales_activities", "--period", "2026-01", "--json", "--lang", "es"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"]["label"] == "2026-01"
    wins = next(k for k in data["kpis"] if k["id"] == "win_rate")
    assert wins["name"] == "Tasa de éxito" and 0 < wins["value"] < 1
    nps = next(k for k in data["kpis"] if k["id"] == "nps")
    assert nps["value"] is None and "NPS" in nps["reason"]
    assert main(["kpis", "sales_activities", "--lang", "es"]) == 0
    assert "Tasa de éxito" in capsys.readouterr().out
    assert main(["report", "sales_activities", "--period", "2025-13", "-o", "x.html"]) == 2
    assert "no such month" in capsys.readouterr().err
    assert main(["kpis", "sales_activities", "--lang", "fr"]) == 2
    assert "language must be one of en, es" in capsys.readouterr().err


@pytest.mark.scale
def test_cli_pdf_on_every_sample_after_sample_load(store_path, tmp_path):
    # the default run renders a PDF through the API; here the CLI writes one per sample
    assert main(["sample", "load"]) == 0
    for name in ("sales_activities", "email_events", "campaigns", "opportunities"):
        out = tmp_path / f"{name}.pdf"
        assert main(["report", name, "--period", "2026-01", "--format", "pdf", "-o", str(out)]) == 0
        assert len(PdfReader(out).pages) >= 3


@pytest.mark.parametrize(
    ("name", "format", "error"),
    [
        ("informe.docx", None, "written as .html or .pdf, not .docx"),
        ("informe", None, "not no suffix"),
        ("informe.html", "pdf", "--format pdf but the file name says html"),
    ],
)
def test_a_report_file_name_decides_or_checks_its_format(
    store_path, tmp_path, capsys, name, format, error
):
    # before: -o x.docx (and -o x.pdf without --format) silently held HTML
    from improvement.cli_report import report_format

    assert report_format(Path("a.PDF"), None) == "pdf"
    assert report_format(Path("a.htm"), "html") == "html"
    out = tmp_path / name
    args = ["report", "nothing", "-o", str(out)] + (["--format", format] if format else [])
    assert main(args) == 2
    assert error in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "es_ES.UTF-8"}, "es"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "es_ES.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8", "MEJORA_LANG": "es"}, "es"),
    ],
)
def test_kpis_and_report_speak_the_same_default_language(
    store_path, tmp_path, capsys, monkeypatch, env, expected
):
    # before: kpis spoke English and report Spanish when neither was given --lang
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "MEJORA_LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with mining.EventStore(store_path) as store:
        store.save(sample_logs.load_sales_activities())
    assert main(["kpis", "sales_activities", "--json"]) == 0
    names = {k["id"]: k["name"] for k in json.loads(capsys.readouterr().out)["kpis"]}
    assert names["win_rate"] == {"en": "Win rate", "es": "Tasa de éxito"}[expected]
    out = tmp_path / "r.html"
    assert main(["report", "sales_activities", "--period", "2025-12", "-o", str(out)]) == 0
    assert f'<html lang="{expected}"' in out.read_text(encoding="utf-8")


def test_every_formula_has_its_spanish_and_the_spanish_report_shows_it(sales_report):
    from improvement import KPI_DEFINITIONS
    from improvement._report_text import FORMULAS_ES

    assert set(FORMULAS_ES) == set(KPI_DEFINITIONS)
    spanish = sales_report.to_html()
    assert "mediana(última marca de tiempo" in spanish and "median(last timestamp" not in spanish
    assert "ganados / (ganados + perdidos)" in spanish


def test_the_appendix_says_the_filters_in_words_and_how_to_repeat_them():
    log = mining.FilterStack.from_json('[{"kind": "variants", "top": 3}]').apply(sales_activities())
    report = build_report(log, period="2025-12", lang="es")
    appendix = html.unescape(_section(report, "appendix"))
    said = mining.filter_from_dict(dict(log.filters[0])).describe("es")
    assert said in appendix
    repeat = re.search(r"Para repetirlos: --filters '(\[.*?\])'", appendix)
    again = mining.FilterStack.from_json(repeat.group(1)).apply(sales_activities())
    assert again.n_cases == log.n_cases
    assert "VariantsFilter(" not in appendix

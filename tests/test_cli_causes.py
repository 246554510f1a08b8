"""`mejora pareto`, `mejora rootcause` and `mejora takt` on the stored sales sample: JSON, plain
sentences, self-contained figures, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sample_logs
from mejora.cli import main
from mining import EventStore


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A store holding the sales sample under its usual name, built once for the module."""
    path = tmp_path_factory.mktemp("causes") / "store.duckdb"
    with EventStore(path) as event_store:
        event_store.save(sample_logs.load_sales_activities())
    return str(path)


def run(capsys, store: str, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--store", store])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_pareto_json_and_text(capsys, store):
    code, out, _ = run(capsys, store, "pareto", "sales_activities", "--by", "loss_reason", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["vital_few"] == ["not ready", "no follow-up"]
    assert [r["count"] for r in data["rows"]] == [97, 71, 20, 7, 2, 1]
    assert data["missing"] == 80  # won deals have no loss reason
    code, out, _ = run(
        capsys,
        store,
        "pareto",
        "sales_activities",
        "--by",
        "loss_reason",
        "--weight",
        "amount",
        "--where",
        "ends_with 'Closed lost'",
    )
    assert code == 0
    assert "not ready" in out and "●" in out
    assert "2 of 6 loss_reason values (not ready, no follow-up) make up 80.9% of amount" in (
        " ".join(out.split())
    )


def test_pareto_with_a_filter_stack_and_a_figure(capsys, store, tmp_path):
    stack = '[{"kind": "end_activities", "activities": ["Closed lost"]}]'
    figure = tmp_path / "pareto.html"
    code, out, err = run(
        capsys,
        store,
        "pareto",
        "sales_activities",
        "--by",
        "loss_reason",
        "--filters",
        stack,
        "--figure",
        str(figure),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["missing"] == 0
    html = figure.read_text(encoding="utf-8")
    assert "not ready" in html and len(html) > 1_000_000  # plotly.js inside: works offline
    assert f"figure written to {figure}" in err


def test_rootcause_names_north_and_says_it_is_an_association(capsys, store, tmp_path):
    outcome = "gap 'Qualified' -> 'Demo scheduled' > p75"
    code, out, _ = run(
        capsys, store, "rootcause", "sales_activities", "--outcome", outcome, "--whys"
    )
    assert code == 0
    text = " ".join(out.split())
    assert "48 of 192 cases (25.0%) match" in text
    assert "Drivers of «gap 'Qualified' → 'Demo scheduled' > 3.4 d (p75)»" in text  # the table
    assert "Cases with region North are 4.3× (2.7–7.0) as likely" in text
    assert "association, not proven cause" in text
    assert "Fishbone: environment: region North" in text
    assert "Why 1: among all cases (192), region = North has the outcome 58% of the time" in text
    assert "Stopped: no further driver passes the screen among these 50 cases." in text
    figure, bones = tmp_path / "drivers.html", tmp_path / "fishbone.html"
    code, out, _ = run(
        capsys,
        store,
        "rootcause",
        "sales_activities",
        "--outcome",
        "repeated 'Proposal sent'",
        "--figure",
        str(figure),
        "--fishbone",
        str(bones),
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert (data["drivers"][0]["factor"], data["drivers"][0]["level"]) == ("rep", "rep03")
    assert data["drivers"][0]["evidence"] == "strong"
    assert data["fishbone"]["people"] == ["rep rep03 (231.0×)"]
    assert "whys" not in data  # only on request
    assert figure.stat().st_size > 1_000_000 and bones.stat().st_size > 1_000_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rootcause", "sales_activities", "--outcome", "duration > 20"], "character 12"),
        (["rootcause", "sales_activities", "--outcome", "has 'Demo helt'"], "no activity"),
        (["pareto", "sales_activities", "--by", "colour"], "no column 'colour'"),
        (["pareto", "sales_activities", "--by", "region", "--level", "deal"], "--level"),
        (["takt", "sales_activities", "--per", "year"], "--per"),
        (["takt", "sales_activities", "--workdays", "mon-xyz"], "--workdays"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, store, args, message):
    code, out, err = run(capsys, store, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mejora: error:") and message in err
    assert out == ""


def test_takt_json_and_text(capsys, store, tmp_path):
    figure = tmp_path / "takt.html"
    code, out, _ = run(
        capsys,
        store,
        "takt",
        "sales_activities",
        "--demand",
        "40",
        "--per",
        "week",
        "--figure",
        str(figure),
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["demand_per_day"] == pytest.approx(8.0)
    assert data["takt_seconds"] == pytest.approx(9 * 3600 / 8)
    assert data["value_added_share"] is None
    assert data["constraint"] in [s["activity"] for s in data["steps"]]
    assert Path(figure).stat().st_size > 1_000_000
    code, out, _ = run(
        capsys, store, "takt", "sales_activities", "--hours", "08:00-16:00", "--workdays", "mon-thu"
    )
    assert code == 0
    text = " ".join(out.split())
    assert "Takt time:" in text and "08:00–16:00 UTC on mon, tue, wed, thu" in text
    assert "Constraint:" in text and "cannot be split" in text


def test_pareto_by_an_event_column_at_case_level_says_to_count_events(capsys, store):
    # the help gives `activity` as an example; at case level it is many values per case
    code, _, err = run(capsys, store, "pareto", "sales_activities", "--by", "activity")
    assert code == 2
    assert "'activity' is a column of the events" in err and "--level event" in err
    code, out, _ = run(
        capsys, store, "pareto", "sales_activities", "--by", "activity", "--level", "event"
    )
    assert code == 0 and "activity values" in " ".join(out.split())


@pytest.mark.parametrize("name", ["x.docx", "x.png", "x"])
def test_a_figure_file_name_that_says_another_format_is_refused(capsys, store, tmp_path, name):
    target = tmp_path / name
    code, _, err = run(
        capsys, store, "pareto", "sales_activities", "--by", "loss_reason", "--figure", str(target)
    )
    assert code == 2 and "self-contained .html" in err
    assert not target.exists()

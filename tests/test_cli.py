"""The ``mejora`` command: JSON outputs have the documented keys; bad input is one line, exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from mejora.cli import main

LOG = (
    "case,activity,timestamp,owner\n"
    "A,Lead,2024-01-01 10:00,ana\nA,Demo,2024-01-01 12:00,ana\nA,Won,2024-01-02 12:00,ana\n"
    "B,Lead,2024-01-01 11:00,luis\nB,Demo,2024-01-01 15:00,luis\nB,Lost,2024-01-03 12:00,luis\n"
    "C,Lead,2024-01-02 11:00,luis\nC,Demo,yesterday,luis\n"
)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def imported(store_path, write_csv, capsys):
    code, out, err = run(capsys, "import", str(write_csv(LOG)), "--name", "deals", "--json")
    assert code == 0, err
    return json.loads(out)


def test_import_json_summary(imported):
    assert imported["name"] == "deals"
    assert (imported["events"], imported["cases"], imported["activities"]) == (7, 3, 4)
    assert imported["variants"] == 3
    assert imported["quarantined"] == 1
    assert imported["quarantine_reasons"] == {"bad_timestamp": 1}
    assert imported["rows_read"] == 8
    assert imported["mapping"]["resource"] == "owner"


def test_logs_info_variants_dfg(imported, capsys):
    code, out, _ = run(capsys, "logs", "--json")
    assert code == 0
    [entry] = json.loads(out)
    assert {"name": "deals", "events": 7, "cases": 3}.items() <= entry.items()

    _, out, _ = run(capsys, "info", "deals", "--json")
    assert json.loads(out)["quarantine_reasons"] == {"bad_timestamp": 1}

    _, out, _ = run(capsys, "variants", "deals", "--top", "2", "--json")
    variants = json.loads(out)
    assert len(variants) == 2 and all(set(v) == {"activities", "cases"} for v in variants)

    _, out, _ = run(capsys, "dfg", "deals", "--json")
    dfg = json.loads(out)
    edge = next(e for e in dfg["edges"] if (e["source"], e["target"]) == ("Lead", "Demo"))
    assert edge["frequency"] == 2
    assert edge["mean_seconds"] == pytest.approx(3 * 3600)
    assert edge["median_seconds"] == pytest.approx(3 * 3600)
    assert dfg["start_activities"] == {"Lead": 3}
    assert dfg["end_activities"] == {"Won": 1, "Lost": 1, "Lead": 1}


def test_human_output_and_quarantine_export(imported, capsys, tmp_path):
    code, out, _ = run(capsys, "variants", "deals")
    assert code == 0 and "Lead → Demo → Won" in out
    target = tmp_path / "bad.csv"
    code, _, err = run(capsys, "quarantine", "deals", "-o", str(target))
    assert code == 0 and "1 quarantined rows written" in err
    assert "yesterday" in target.read_text()


def test_bad_input_is_one_line_and_exit_code_2(store_path, capsys, tmp_path, write_csv):
    code, _, err = run(capsys, "import", str(tmp_path / "nope.csv"))
    assert code == 2
    assert err.strip().count("\n") == 0 and "nope.csv: no such file" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "variants", "unknown")
    assert code == 2
    assert "no event store here yet" in err
    run(capsys, "import", str(write_csv(LOG)))
    code, _, err = run(capsys, "variants", "unknown")
    assert code == 2
    assert "no log named 'unknown'" in err


def test_debug_shows_the_traceback(store_path, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mejora", "--debug", "import", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_usage_errors_exit_2(capsys):
    code, _, err = run(capsys, "import")
    assert code == 2 and "Missing argument" in err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("mejora ")


def test_stats_command_prints_strict_json(imported, capsys):
    code, out, _ = run(capsys, "stats", "deals", "--by", "activity", "--json")
    assert code == 0
    rows = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    lead = next(r for r in rows if r["activity"] == "Lead")
    assert lead["events"] == 3 and lead["waiting_seconds_median"] is None  # nothing before it
    code, out, _ = run(capsys, "stats", "deals", "--by", "case", "--json")
    assert {r["case_id"] for r in json.loads(out)} == {"A", "B", "C"}
    code, _, err = run(capsys, "stats", "deals", "--by", "week")
    assert code == 2 and "--by must be one of" in err


def test_stats_prints_durations_the_way_dfg_does(imported, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = run(capsys, "stats", "deals", "--by", "case")
    assert code == 0 and "throughput" in out and "seconds" not in out
    assert re.search(r"\d+\.\d (d|h|min)\b|\d+ s\b", out)  # 2.0 d, not 172,800.0
    assert not re.search(r"\d{3},\d{3}\.\d", out)
    code, out, _ = run(capsys, "stats", "deals", "--by", "activity")
    assert "waiting median" in out and "waiting_seconds" not in out and "…" not in out


def test_a_missing_optional_dependency_names_the_extra_that_installs_it(
    imported, capsys, monkeypatch
):
    # before: "internal error: ModuleNotFoundError" with no way forward
    for module in ("pyspark", "pyspark.sql", "pyspark.errors"):
        monkeypatch.setitem(sys.modules, module, None)  # `import pyspark` fails as when absent
    code, _, err = run(capsys, "dfg", "deals", "--engine", "spark")
    assert code == 1
    assert err.strip() == (
        "mejora: error: this needs pyspark, which is optional and not installed: "
        'pip install "mejora[spark]"'
    )
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("module", "advice"),
    [
        ("playwright.sync_api", 'pip install "mejora[browser]"'),
        ("sqlglot", 'pip install "mejora[spark]"'),
        ("weasyprint", "reinstall Mejora with its dependencies"),
    ],
)
def test_every_missing_module_gets_a_line_that_says_what_to_install(module, advice):
    from mejora.cli import missing_dependency

    line = missing_dependency(ModuleNotFoundError(f"No module named {module!r}", name=module))
    assert line.startswith(f"this needs {module.split('.')[0]},")
    assert advice in line


def test_reading_commands_work_while_a_dashboard_holds_the_store(imported, capsys, store_path):
    # before: every command failed while `mejora dashboard` ran, `logs` and `info` included,
    # and an import failed only after all its work, naming "python3.11 (PID n)"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom mining import EventStore\n"
            f"s = EventStore({str(store_path)!r}, read_only=True)\n"
            "print('holding', flush=True)\nsys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        for args in (["logs"], ["info", "deals"], ["vocabulary", "deals"], ["variants", "deals"]):
            code, _, err = run(capsys, *args)
            assert code == 0, (args, err)
        code, _, err = run(capsys, "import", "/nonexistent/never-read.csv", "--name", "x")
        assert code == 1
        assert f"another process (PID {holder.pid}" in err and "Data page" in err
    finally:
        holder.communicate("")

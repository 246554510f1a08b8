"""``mejora spc`` and ``mejora capability``: the JSON contract, CSV errors naming file / row /
column, the published numbers through the CLI, and the planted shift on a stored sample log."""

from __future__ import annotations

import json

import pytest

import sample_logs
from mejora.cli import main
from tests.conftest import SHARED
from tests.test_spc import close_to_printed

SPC = SHARED / "data" / "spc"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def reference() -> dict:
    path = SPC / "expected_published.json"
    if not path.is_file():
        pytest.skip(f"published qcc reference not found at {path}")
    return json.loads(path.read_text())


def test_csv_xbar_r_json_contract(reference, capsys):
    code, out, err = run(
        capsys,
        "spc", "--csv", SPC / "pistonrings.csv", "--chart", "xbar-r", "--value", "diameter",
        "--subgroup", "sample", "--baseline-column", "trial", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert {"chart", "center", "lcl", "ucl", "sigma", "signals"} <= set(data)
    assert data["chart"] == "xbar-r" and data["baseline_points"] == 25
    ref = reference["pistonrings"]["xbar"]
    assert close_to_printed(data["center"], ref["center"])
    assert close_to_printed(data["lcl"], ref["LCL"]) and close_to_printed(data["ucl"], ref["UCL"])
    beyond = [s["points"] for s in data["signals"] if s["rule"] == "nelson-1"]
    assert beyond == [[37], [38], [39]]  # 1-based sample numbers
    assert all(isinstance(p, int) for s in data["signals"] for p in s["points"])


def test_csv_revised_p_chart_and_stepped_limits(reference, capsys, write_csv):
    code, out, err = run(
        capsys,
        "spc", "--csv", SPC / "orangejuice.csv", "--chart", "p", "--value", "D", "--size", "size",
        "--baseline-until", "30", "--exclude-out-of-control", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    ref = reference["orangejuice"]["p_revised_excluding_15_23"]
    assert data["excluded"] == [15, 23]
    assert close_to_printed(data["center"], ref["center"])
    assert close_to_printed(data["ucl"], ref["UCL"]) and close_to_printed(data["lcl"], ref["LCL"])

    path = write_csv("week,sent,opened\nw1,100,12\nw2,400,30\nw3,250,40\nw4,90,30\n")
    code, out, err = run(
        capsys, "spc", "--csv", path, "--chart", "p", "--value", "opened", "--size", "sent",
        "--label", "week", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data["ucl"], list) and len(data["ucl"]) == 4
    assert isinstance(data["lcl"], list) and data["labels"] == ["w1", "w2", "w3", "w4"]
    # 30 of 400 is below its (narrow) limit, 30 of 90 above its (wide) one
    assert [s["points"] for s in data["signals"] if s["rule"] == "nelson-1"] == [[2], [4]]


def test_csv_auto_chart_prints_a_table_and_meaning(capsys, write_csv, tmp_path):
    path = write_csv("x\n" + "\n".join(str(v) for v in [5, 6, 5, 7, 6, 5, 6, 14]) + "\n")
    figure = tmp_path / "chart.html"
    code, out, err = run(
        capsys, "spc", "--csv", path, "--value", "x", "--baseline-until", "7", "--figure", figure
    )
    assert code == 0, err
    assert "Individuals chart" in out and "new data signal a change" in out
    assert "nelson-1" in out
    assert figure.read_text().count("plotly") > 10  # self-contained html


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("d,n\n3,50\n4,abc\n", ["--value", "d", "--size", "n"], "row 2 (line 3), column 'n'"),
        (
            "d,n\n3,50\n,50\n",
            ["--value", "d", "--size", "n"],
            "row 2 (line 3), column 'd' is empty",
        ),
        ("d,n\n3,50\n4,50\n", ["--value", "x", "--size", "n"], "no column 'x' for --value"),
    ],
)
def test_bad_csv_is_one_line_naming_file_row_and_column(capsys, write_csv, text, args, message):
    path = write_csv(text, name="bad.csv")
    code, out, err = run(capsys, "spc", "--csv", path, "--chart", "p", *args, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "bad.csv" in err


def test_usage_errors(capsys, write_csv):
    assert run(capsys, "spc")[0] == 2
    path = write_csv("x\n1\n2\n3\n")
    code, _, err = run(capsys, "spc", "--csv", path, "--value", "x", "--chart", "xbar-r")
    assert code == 2 and "--subgroup" in err
    code, _, err = run(capsys, "spc", "--csv", path, "--value", "x", "--rules", "nope")
    assert code == 2 and "--rules" in err


@pytest.fixture
def stored_sales(store_path, capsys):
    path = sample_logs.sample_path("sales_activities")
    code, _, err = run(
        capsys, "import", path, "--name", "sales_activities", "--case", "opportunity_id",
        "--resource", "rep", "--json",
    )  # fmt: skip
    assert code == 0, err
    return "sales_activities"


def test_spc_and_capability_on_a_stored_log(stored_sales, capsys):
    """The planted cycle-time shift through the CLI, then the skewed durations' capability."""
    code, out, err = run(
        capsys, "spc", stored_sales, "--kpi", "throughput", "--baseline-until", "2025-12-15",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["chart"] == "imr" and data["kpi"] == "throughput"
    assert data["baseline_points"] == 15
    new = [s for s in data["signals"] if s["detected_at"] > 15]
    first = min(new, key=lambda s: s["detected_at"])
    assert first["rule"] == "nelson-1" and data["labels"][first["detected_at"] - 1] == "2025-12-22"
    assert data["notes"][0].startswith("one value per week")

    code, out, err = run(capsys, "spc", stored_sales, "--kpi", "reach:Closed won", "--rules", "we")
    assert code == 0, err
    assert "p chart" in out
    code, _, err = run(capsys, "spc", stored_sales, "--kpi", "speed")
    assert code == 2 and "unknown KPI" in err

    code, out, err = run(capsys, "capability", stored_sales, "--usl", "45", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["method"] == "boxcox" and not data["normality"]["normal"]  # skewed durations
    assert data["n"] == 278 and "sigma_level" in data and data["lsl"] is None

    code, out, err = run(capsys, "capability", stored_sales, "--usl", "1080", "--unit", "hours")
    assert code == 0, err
    assert "1.5σ shift" in out and "normality:" in out
    code, _, err = run(capsys, "capability", stored_sales)
    assert code == 2 and "specification limit" in err


def test_capability_on_a_csv(reference, capsys, write_csv):
    rows = [line for line in (SPC / "pistonrings.csv").read_text().splitlines() if "TRUE" in line]
    path = write_csv("diameter,sample,trial\n" + "\n".join(rows) + "\n", name="trial.csv")
    code, out, err = run(
        capsys, "capability", "--csv", path, "--value", "diameter", "--subgroup", "sample",
        "--lsl", "73.95", "--usl", "74.05", "--method", "normal", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    published = reference["pistonrings"]["capability_spec_73.95_74.05_target_default_74"]
    for ours, theirs in zip(data["indices"]["Cp"], published["Cp"], strict=True):
        assert close_to_printed(ours, theirs)
    assert data["n"] == 125 and data["method"] == "normal"


def test_constants_option_reproduces_qcc_to_the_last_digit(reference, capsys, write_csv):
    """``--constants qcc`` (qcc 3.0's d2 / d3 tables): the X̄ sigma, the R-chart UCL and Cpu
    with its upper bound match the printed digits, which the exact default misses by one."""
    args = (
        "spc", "--csv", SPC / "pistonrings.csv", "--chart", "xbar-r", "--value", "diameter",
        "--subgroup", "sample", "--baseline-column", "trial", "--json",
    )  # fmt: skip
    ref = reference["pistonrings"]
    code, out, err = run(capsys, *args, "--constants", "qcc")
    assert code == 0, err
    data = json.loads(out)
    assert data["constants"] == "qcc"
    assert close_to_printed(data["sigma"], ref["xbar"]["std_dev_Rbar_over_d2"])
    assert close_to_printed(data["secondary"]["ucl"], ref["R"]["UCL"])
    code, out, err = run(capsys, *args)
    exact = json.loads(out)
    assert exact["constants"] == "exact"
    assert not close_to_printed(exact["sigma"], ref["xbar"]["std_dev_Rbar_over_d2"])
    code, out, err = run(capsys, *args[:-1], "--constants", "qcc")
    assert code == 0, err
    assert "constants" in out and "qcc 3.0's tables" in out

    rows = [line for line in (SPC / "pistonrings.csv").read_text().splitlines() if "TRUE" in line]
    path = write_csv("diameter,sample,trial\n" + "\n".join(rows) + "\n", name="trial.csv")
    code, out, err = run(
        capsys, "capability", "--csv", path, "--value", "diameter", "--subgroup", "sample",
        "--lsl", "73.99", "--usl", "74.10", "--method", "normal", "--constants", "qcc", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["constants"] == "qcc"
    published = ref["capability_spec_73.99_74.10"]
    for name, key in (("Cp", "Cp"), ("Cpl", "Cp_l"), ("Cpu", "Cp_u"), ("Cpk", "Cp_k")):
        for ours, theirs in zip(data["indices"][name], published[key], strict=True):
            assert close_to_printed(ours, theirs), (name, ours, theirs)

    code, out, err = run(capsys, *args, "--constants", "tables")
    assert code == 2 and out == "" and "--constants must be one of exact, qcc" in err
    code, _, err = run(
        capsys, "capability", "--csv", path, "--value", "diameter", "--usl", "74.1",
        "--constants", "tables",
    )  # fmt: skip
    assert code == 2 and "--constants" in err

"""Open cases: stuck against the design or the history, loss probability and value at risk.

Checked three ways: by hand with pandas on a small foreign log (Spanish labels, not the
simulator's), against what happened later in a sample log cut at a date (cases flagged stuck
were lost more often), and on a real public log (the SQL's dwell quantile against numpy)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mining
import sample_logs
from automation import read_workflow
from automation._designed_waits import step_waits
from improvement import KpiSettings, open_cases
from mejora.cli import main

DAY = 86400.0


QUIET = [0.5, 2, 4, 8, 9.5, 12, 15, 20]  # days the open deals have been at 'Propuesta'


def _foreign_log(tmp_path) -> mining.EventLog:
    """30 closed deals through 'Propuesta' (20 lost, 10 won), one slow won deal (30 days from
    'Alta' to 'Propuesta', so a 20-day silence is not beyond every closed case) and 8 deals
    still at 'Propuesta'."""
    start = pd.Timestamp("2026-01-05 09:00", tz="UTC")
    rows = []
    for i in range(30):
        t = start + pd.Timedelta(days=i)
        wait = pd.Timedelta(days=1 + i % 10)  # 1..10 days in 'Propuesta'
        end = "Perdido" if i % 3 else "Ganado"
        for k, (step, at) in enumerate(
            [("Alta", t), ("Propuesta", t + pd.Timedelta(hours=2)), (end, t + wait)]
        ):
            rows.append((f"o{i:02d}", step, at, 1000.0 * (i + 1), k))
    slow = [("Alta", start), ("Propuesta", start + pd.Timedelta(days=30))]
    slow.append(("Ganado", start + pd.Timedelta(days=31)))
    rows += [("slow", step, at, 100.0, k) for k, (step, at) in enumerate(slow)]
    last = start + pd.Timedelta(days=40)
    for j, quiet in enumerate(QUIET):
        at = last - pd.Timedelta(days=quiet)
        rows.append((f"a{j}", "Alta", at - pd.Timedelta(hours=2), 5000.0 + j, 0))
        rows.append((f"a{j}", "Propuesta", at, 5000.0 + j, 1))
    rows.append(("z", "Alta", last, 1.0, 0))  # the log's last event: "now"
    frame = pd.DataFrame(rows, columns=["oportunidad", "etapa", "fecha", "importe", "n"])
    path = tmp_path / "oportunidades.csv"
    frame.drop(columns="n").to_csv(path, index=False)
    mapping = {"case_id": "oportunidad", "activity": "etapa", "timestamp": "fecha"}
    return mining.read_log(path, mapping=mapping)


def test_open_cases_by_hand_on_a_foreign_log(tmp_path):
    log = _foreign_log(tmp_path)
    settings = KpiSettings(won=("Ganado",), lost=("Perdido",), amount=("importe",))
    found = open_cases(log, settings)
    table = found.table.set_index("case_id")
    # 'z' sits at 'Alta', which every other case left within 2 h: open, not stuck
    assert set(table.index) == {f"a{j}" for j in range(8)} | {"z"}
    assert (
        found.n_closed == 31
        and found.n_abandoned == 0
        and found.won == ("Ganado",)
        and found.lost == ("Perdido",)
    )
    # limit: the 90th percentile of the days the closed deals stayed in 'Propuesta'
    stayed = np.array([1 + i % 10 - 2 / 24 for i in range(30)] + [1])
    limit = np.quantile(stayed, 0.9)  # DuckDB's quantile_cont interpolates like numpy
    at = table[table["step"] == "Propuesta"]
    assert at["limit_days"].to_numpy() == pytest.approx(limit)
    assert (at["limit_source"] == "history").all()
    assert at["stuck"].to_dict() == {f"a{j}": q > limit for j, q in enumerate(QUIET)}
    assert at["loss_probability"].to_numpy() == pytest.approx(20 / 31)
    assert at["value_at_risk"].to_numpy() == pytest.approx(at["amount"] * 20 / 31)
    # ranked: stuck first, each group by value at risk
    ranked = found.table["case_id"].tolist()
    assert ranked[:3] == ["a7", "a6", "a5"] and ranked[-1] == "z"
    why = found.why(found.table.iloc[0], "es").replace("\xa0", " ")
    assert why.startswith("En «Propuesta» desde hace 20,0 días; límite 8,9 días")
    assert "se perdió el 65 % de los casos cerrados desde este paso" in why


def test_a_designed_wait_is_the_limit_where_the_design_has_one(tmp_path):
    log = _foreign_log(tmp_path)
    settings = KpiSettings(won=("Ganado",), lost=("Perdido",), amount=("importe",))
    found = open_cases(log, settings, designed_waits={"Propuesta": 3 * DAY, "Alta": 0.0})
    table = found.table.set_index("case_id")
    assert table.loc["a2", ["limit_days", "limit_source", "stuck"]].tolist() == [
        3.0,
        "design",
        True,
    ]
    assert table.loc["z", "limit_source"] == "history"  # a zero design leaves it to history
    assert found.why(table.loc["a2"].to_dict() | {"case_id": "a2"}, "en").endswith(
        "limit 3.0 days (the designed wait); 65% of the closed cases from this step were "
        "lost; €3,227 at risk."
    )


@pytest.mark.parametrize("cut", ["2025-10-01", "2025-11-01", "2025-12-01"])
def test_stuck_deals_were_lost_more_often_afterwards(cut):
    """Cut the sample pipeline at a date: the deals flagged there as stuck were, in the rest of
    the log, lost more often than the other open deals (nothing after the cut is used)."""
    log = sample_logs.load_crm_pipeline()
    acts = mining.case_activities(log)
    lost = set(acts.loc[acts["activity"] == "Lost", "case_id"])
    won = set(acts.loc[acts["activity"] == "Won", "case_id"])
    before = mining.FilterStack([mining.TimeRange(None, cut, mode="events")]).apply(log)
    found = open_cases(before)
    assert found.reference < pd.Timestamp(cut, tz="UTC")
    later = found.table[found.table["case_id"].isin(lost | won)]
    was_lost = later["case_id"].isin(lost)
    assert len(later) > 100 and later["stuck"].sum() >= 10
    assert was_lost[later["stuck"]].mean() > was_lost[~later["stuck"]].mean() + 0.1
    # the loss probability ranks the later losses above the later wins (AUC > 0.5)
    p = later["loss_probability"].to_numpy()
    y = was_lost.to_numpy()
    auc = (p[y][:, None] > p[~y][None, :]).mean() + 0.5 * (p[y][:, None] == p[~y][None, :]).mean()
    assert auc > 0.55


def test_on_a_real_log_the_open_cases_are_held_to_their_step(shared_logs):
    log = mining.read_log(shared_logs / "helpdesk.xes.gz")
    found = open_cases(log)
    t = found.table
    assert found.n_cases == found.n_closed + found.n_abandoned + len(t)
    assert len(t) and (t["in_step_days"] <= found.abandon_days).all()
    assert (t["stuck"] == (t["in_step_days"] > t["limit_days"])).all()
    assert t["loss_probability"].isna().all()  # helpdesk has no won / lost
    ends = found.steps.set_index("activity")["last_share"]
    assert (ends[t["step"]] < 0.5).all()
    # the SQL's limit against numpy on the same events
    events = log.to_pandas().sort_values(["case_id", "timestamp", "event_idx"])
    nxt = events.groupby("case_id")["timestamp"].shift(-1)
    dwell = (nxt - events["timestamp"]).dt.total_seconds()
    step = "Take in charge ticket"
    times = dwell[(events["activity"].astype(str) == step) & (dwell > 0)]
    limit = found.steps.set_index("activity").loc[step, "dwell_limit_seconds"]
    assert limit == pytest.approx(np.quantile(times, 0.9))


def test_step_waits_of_a_workflow():
    waits = step_waits(read_workflow(sample_logs.workflow_path("welcome_nurture")))
    assert waits["Welcome email sent"] == 3 * DAY


def test_mejora_open_prints_and_emits_json(store_path, tmp_path, capsys):
    log = _foreign_log(tmp_path)
    settings = tmp_path / "settings.yaml"
    settings.write_text("won: [Ganado]\nlost: [Perdido]\namount: [importe]\n", encoding="utf-8")
    source = tmp_path / "oportunidades.csv"
    columns = ["--case", "oportunidad", "--activity", "etapa", "--timestamp", "fecha"]
    assert main(["import", str(source), *columns, "--name", "opps"]) == 0
    capsys.readouterr()
    assert main(["open", "opps", "--settings", str(settings), "--lang", "es", "--top", "3"]) == 0
    out = capsys.readouterr().out.replace("\xa0", " ")
    assert "9 casos abiertos de 40" in out and "4 atascados" in out
    assert "a7: En «Propuesta» desde hace 20,0 días" in out
    assert main(["open", "opps", "--settings", str(settings), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["open"] == 9 and data["stuck"] == 4 and len(data["open_cases"]) == 9
    assert data["open_cases"][0]["case_id"] == "a7" and data["lost"] == ["Perdido"]
    assert log.n_cases == data["cases"]
    assert main(["open", "opps", "--top", "0"]) == 2


def test_the_report_lists_the_cases_open_at_the_end_of_its_period():
    from improvement import build_report

    log = sample_logs.load_crm_pipeline()
    report = build_report(log, period="2025-11", lang="es", drivers=False)
    section = report.section("open").replace("\xa0", " ")
    cut = mining.FilterStack([mining.TimeRange(None, "2025-12-01", mode="events")]).apply(log)
    expected = open_cases(cut, predict=True)
    first = expected.table.iloc[0]
    assert f"{len(expected.table)} de {expected.n_cases:,} casos abiertos".replace(",", ".") in (
        section
    )
    assert f"<td>{first.case_id}</td><td>{first.step}</td>" in section
    assert "el modelo estima en un" in section and "€ en riesgo" in section
    assert "cierre previsto el" in section
    assert report.to_dict()["open_cases"]["open"] == len(expected.table)

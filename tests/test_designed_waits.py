"""Designed waits are not bottlenecks: the time a workflow designs is told apart from the excess."""

from __future__ import annotations

import json

import pytest

import mining
import sample_logs
from automation import designed_waits, read_workflow

DAY = 86400.0


@pytest.fixture(scope="module")
def design() -> dict[tuple[str, str], float]:
    waits: dict[tuple[str, str], float] = {}
    for name in ("welcome_nurture", "reengagement"):
        waits.update(designed_waits(read_workflow(sample_logs.workflow_path(name))))
    return waits


def test_designed_waits_follow_waits_and_timeouts(design):
    assert design[("Welcome email sent", "Nurture email 1 sent")] == 3 * DAY  # the click timeout
    assert design[("Nurture email 1 sent", "Nurture email 2 sent")] == 7 * DAY
    assert design[("Last-chance email sent", "Contact sunset")] == 7 * DAY  # a plain wait
    assert design[("Welcome email sent", "Welcome email clicked")] == 0.0  # the contact's reaction
    assert ("Welcome email clicked", "Nurture email 1 sent") not in design  # no such route


def test_a_designed_three_day_delay_is_not_a_bottleneck(design):
    frame = mining.waits_against_design(sample_logs.load_campaigns(), design)
    row = frame.set_index(["source", "target"]).loc[("Welcome email sent", "Nurture email 1 sent")]
    assert row["median_seconds"] == pytest.approx(3 * DAY, rel=0.01)
    # what is left is the automation engine's own latency (minutes), not a 3-day bottleneck
    assert row["median_excess_seconds"] < 3600
    ranked = list(zip(frame["source"], frame["target"], strict=True))
    assert ("Welcome email sent", "Nurture email 1 sent") not in ranked[:6]
    # without the design the same delay would rank among the slowest paths
    naive = mining.waits_against_design(sample_logs.load_campaigns())
    top = list(zip(naive["source"], naive["target"], strict=True))[:6]
    assert ("Welcome email sent", "Nurture email 1 sent") in top


def test_bottlenecks_command(store_path, capsys):
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    flows = [str(sample_logs.workflow_path(n)) for n in ("welcome_nurture", "reengagement")]
    args = ["bottlenecks", "campaigns", "--workflow", flows[0], "--workflow", flows[1], "--json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 10
    assert all(r["median_excess_seconds"] <= r["median_seconds"] + 1e-6 for r in rows)


def test_the_planted_bottleneck_stands_out_against_the_other_regions():
    """Planted problem 1: Qualified → Demo scheduled takes 97.5 h for North vs 24.8 h elsewhere;
    of all paths it is the one where North differs most from the rest."""
    design = designed_waits(read_workflow(sample_logs.workflow_path("sales_pipeline")))
    log = sample_logs.load_sales_activities()

    def medians(keep: bool) -> dict[tuple[str, str], float]:
        view = mining.FilterStack([mining.CaseAttribute("region", ("North",), keep=keep)]).apply(
            log
        )
        frame = mining.waits_against_design(view, design)
        frame = frame[frame["transitions"] >= 10]
        paths = zip(frame["source"], frame["target"], strict=True)
        return dict(zip(paths, frame["median_excess_seconds"], strict=True))

    north, rest = medians(True), medians(False)
    path = ("Qualified", "Demo scheduled")
    assert round(north[path] / 3600, 1) == 97.5
    assert round(rest[path] / 3600, 1) == 24.8
    ratios = {p: north[p] / rest[p] for p in north.keys() & rest.keys() if rest[p] > 0}
    assert max(ratios, key=ratios.get) == path

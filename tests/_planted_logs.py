"""Simulated logs with one workflow problem planted, shared by the rule, what-if, command-line
and dashboard tests (each pins its own numbers on them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

import sample_logs
from automation import Workflow, parse_workflow, read_workflow, simulate_workflows


def overlapping_campaigns(path: Path) -> Path:
    """Welcome-nurture and a re-engagement that enrols contacts 2 days after their last click
    (so they are in both at once), 45 days from 2025-01-06, seed 3, written as a Mautic
    campaign log at ``path``."""
    reengagement = read_workflow(sample_logs.workflow_path("reengagement")).to_dict()
    reengagement["entry"]["triggers"][0]["condition"] = "days_since_last_click >= 2"
    welcome = read_workflow(sample_logs.workflow_path("welcome_nurture"))
    sim = simulate_workflows(
        [welcome, parse_workflow(reengagement)], start=date(2025, 1, 6), days=45, seed=3
    )
    sim.write_mautic_campaign_log(path)
    return path


def two_versions() -> tuple[Workflow, Workflow, pd.DataFrame]:
    """Welcome-nurture version 1 (``nurture_1_click`` waits 7 days) for 35 days from
    2025-01-06, then version 2 (14 days) from 2025-02-12: both designs and the events, with a
    ``workflow_version`` column."""
    v1 = read_workflow(sample_logs.workflow_path("welcome_nurture"))
    data = v1.to_dict()
    data["version"] = 2
    data["nodes"] = [
        dict(n, timeout="P14D") if n["id"] == "nurture_1_click" else n for n in data["nodes"]
    ]
    v2 = parse_workflow(data)
    frames = []
    for version, workflow, start, seed in (
        (1, v1, date(2025, 1, 6), 5),
        (2, v2, date(2025, 2, 12), 6),
    ):
        events = simulate_workflows([workflow], start=start, days=35, seed=seed).events
        events = events[["case_id", "activity", "timestamp"]].assign(workflow_version=version)
        events["case_id"] = f"v{version}-" + events["case_id"]
        frames.append(events)
    return v1, v2, pd.concat(frames)

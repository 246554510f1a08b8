"""The bundled sample logs: the three designed workflows simulated with known problems planted.

One seeded simulation of six months (2025-09-01 to 2026-02-27) writes the files a user would
import from their own tools, plus the ground truth. ``sample_logs/README.md`` documents every
planted problem; ``mejora sample regenerate`` rewrites the files byte for byte.
"""

from __future__ import annotations

import gzip
import io
from datetime import date
from pathlib import Path

from automation import simulate_workflows
from simulation import (
    Behaviour,
    BranchBias,
    ConsentViolation,
    CycleTimeShift,
    DelayOverride,
    EmailBehaviour,
    Population,
    ReworkOverride,
    SalesBehaviour,
    Simulation,
    SkipOverride,
)

START = date(2025, 9, 1)
DAYS = 180
SEED = 2025
SHIFT_DATE = date(2025, 12, 15)
WORKFLOWS = ("welcome_nurture", "reengagement", "sales_pipeline")

# The planted problems; sample_logs/README.md gives each one's ground truth.
HOOKS = [
    DelayOverride(
        "sales-pipeline", "schedule_demo", 4.0, region="North", name="north-demo-bottleneck"
    ),
    SkipOverride("sales-pipeline", "demo", 0.35, name="demo-often-skipped"),
    ConsentViolation("reengagement", 0.6, name="mail-after-unsubscribe"),
    ReworkOverride("sales-pipeline", "proposal", 0.6, rep="rep03", name="rep03-proposal-rework"),
    CycleTimeShift("sales-pipeline", SHIFT_DATE, 2.0, name="cycle-time-shift"),
    BranchBias("welcome-nurture", "ready_after_nurture", 0, 0.95, name="rare-late-handoff"),
]
WEAK_EMAIL = "nurture-2"
LOSS_REASONS = {
    "no follow-up": 0.50,
    "not ready": 0.32,
    "no budget": 0.06,
    "lost to competitor": 0.06,
    "no rapport": 0.04,
    "key contact left": 0.02,
}
# the sales team's median working hours per pipeline step, and Salesforce's Probability per stage
STAGE_HOURS = {
    "qualify": 4.0,
    "schedule_demo": 6.0,
    "demo": 24.0,
    "proposal": 16.0,
    "follow_up": 8.0,
    "negotiation": 24.0,
    "won": 24.0,
    "lost": 16.0,
}
STAGE_PROBABILITY = {
    "Qualified": 10,
    "Demo scheduled": 20,
    "Demo held": 30,
    "Proposal sent": 50,
    "Proposal answered": 60,
    "Follow-up call": 50,
    "Negotiation": 75,
    "Closed won": 100,
    "Closed lost": 0,
}


def planted_simulation() -> Simulation:
    """The seeded simulation behind the bundled samples (about 25,000 workflow events)."""
    from sample_logs import workflow_path  # the package imports this module lazily

    population = Population(
        arrivals_per_day=25,
        existing_contacts=1500,
        budget_probability={f: 0.95 for f in "ABCDEF"},
    )
    behaviour = Behaviour(
        email=EmailBehaviour(
            email_click_multiplier={WEAK_EMAIL: 0.12}, unsubscribe_probability=0.02
        ),
        sales=SalesBehaviour(
            stage_hours=dict(STAGE_HOURS),
            stage_probability=dict(STAGE_PROBABILITY),
            loss_reasons=dict(LOSS_REASONS),
        ),
        hooks=list(HOOKS),
    )
    return simulate_workflows(
        [workflow_path(name) for name in WORKFLOWS],
        population,
        behaviour,
        start=START,
        days=DAYS,
        seed=SEED,
    )


def write_sales_activities(simulation: Simulation, path: Path) -> int:
    """The sales pipeline as a CRM activity report (one row per logged step, rework included),
    with the deal's rep, region, segment, lead source, amount and loss reason."""
    events = simulation.events[simulation.events["workflow_id"] == "sales-pipeline"]
    cases = simulation.cases.set_index("case_id")[["amount", "loss_reason"]]
    table = events.join(cases, on="case_id")
    table = table.rename(columns={"case_id": "opportunity_id", "resource": "rep"})
    table = table[
        [
            "opportunity_id",
            "activity",
            "timestamp",
            "rep",
            "region",
            "segment",
            "lead_source",
            "fit",
            "moment",
            "amount",
            "loss_reason",
        ]
    ].copy()
    table["timestamp"] = table["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    table["amount"] = table["amount"].map(lambda v: f"{v:.2f}")
    table = table.sort_values(["timestamp", "opportunity_id", "activity"], kind="stable")
    table.to_csv(path, index=False, lineterminator="\n")
    return len(table)


def write_ground_truth(simulation: Simulation, path: Path) -> int:
    """Which planted hook touched which case (the simulator's truth table)."""
    truth = simulation.truth.sort_values(["hook", "case_id", "timestamp"], kind="stable")
    truth.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%dT%H:%M:%SZ")
    return len(truth)


def _gzip_deterministic(path: Path) -> None:
    """Compress in place with no file name or time in the header, so bytes never vary."""
    data = path.read_bytes()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(data)
    path.with_name(path.name + ".gz").write_bytes(buffer.getvalue())
    path.unlink()


def write_planted_samples(folder: Path) -> dict[str, int]:
    """Write every planted sample file into ``folder``; returns rows written per file."""
    folder.mkdir(parents=True, exist_ok=True)
    simulation = planted_simulation()
    rows = {
        "campaign_events.csv": simulation.write_mautic_campaign_log(folder / "campaign_events.csv"),
        "opportunity_history.csv": simulation.write_salesforce_opportunity_history(
            folder / "opportunity_history.csv"
        ),
        "sales_activities.csv": write_sales_activities(simulation, folder / "sales_activities.csv"),
        "ground_truth.csv": write_ground_truth(simulation, folder / "ground_truth.csv"),
    }
    jsonl = folder / "email_events.jsonl"
    rows["email_events.jsonl.gz"] = simulation.write_hubspot_email_events(jsonl)
    _gzip_deterministic(jsonl)
    return rows

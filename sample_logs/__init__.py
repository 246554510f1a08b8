"""Bundled sample logs, small enough to ship and regenerable byte for byte from their seeds.

The three designed workflows in ``workflows/`` were simulated for six months with known problems
planted (see ``README.md`` here for the ground truth); the simulation wrote the files a user
would export from Mautic, HubSpot and Salesforce, plus a CRM activity report. ``crm_pipeline`` is
a separate, simpler generated CRM log (the same generator feeds the benchmarks).

``load_sample(name)`` imports a sample with the ordinary importer; ``mejora sample load`` imports
them all into the event store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mining import EventLog, read_log

DATA = Path(__file__).parent / "data"
WORKFLOWS = Path(__file__).parent / "workflows"


@dataclass(frozen=True)
class Sample:
    """A bundled log: its file, the format to import it with, and any column mapping."""

    file: str
    format: str
    description: str
    mapping: dict[str, str] = field(default_factory=dict)


SAMPLES: dict[str, Sample] = {
    "campaigns": Sample(
        "campaign_events.csv",
        "mautic-campaign-events",
        "welcome-nurture and re-engagement runs (Mautic campaign event log)",
    ),
    "email_events": Sample(
        "email_events.jsonl.gz",
        "hubspot-email-events",
        "every marketing email: sent, delivered, opened, clicked, bounced, unsubscribed (HubSpot)",
    ),
    "opportunities": Sample(
        "opportunity_history.csv",
        "salesforce-opportunity-history",
        "sales-pipeline stage history (Salesforce OpportunityHistory)",
    ),
    "sales_activities": Sample(
        "sales_activities.csv",
        "csv",
        "sales-pipeline activities with rep, region and loss reason (CRM activity report)",
        {"case_id": "opportunity_id", "resource": "rep"},
    ),
    "crm_pipeline": Sample(
        "crm_pipeline.csv", "csv", "a simpler generated lead-to-deal CRM log (20,000 events)"
    ),
}
CRM_PIPELINE_EVENTS = 20_000
CRM_PIPELINE_SEED = 7
GROUND_TRUTH = DATA / "ground_truth.csv"


def sample_names() -> list[str]:
    """Names of the bundled samples."""
    return list(SAMPLES)


def sample_path(name: str) -> Path:
    """Path of a bundled sample file."""
    if name not in SAMPLES:
        raise ValueError(f"no sample named {name!r}; samples: {', '.join(SAMPLES)}")
    return DATA / SAMPLES[name].file


def load_sample(name: str) -> EventLog:
    """Import a bundled sample with the ordinary importer."""
    path = sample_path(name)
    sample = SAMPLES[name]
    return read_log(path, format=sample.format, mapping=sample.mapping or None, name=name)


def workflow_names() -> list[str]:
    """Names of the bundled designed workflows (welcome_nurture, reengagement, sales_pipeline)."""
    return sorted(p.stem for p in WORKFLOWS.glob("*.yaml"))


def workflow_path(name: str) -> Path:
    """Path of a bundled designed-workflow file (YAML)."""
    path = WORKFLOWS / f"{name}.yaml"
    if not path.exists():
        raise ValueError(f"no workflow named {name!r}; workflows: {', '.join(workflow_names())}")
    return path


def workflow_files() -> dict[str, Path]:
    """Every bundled designed workflow: name -> YAML file."""
    return {name: workflow_path(name) for name in workflow_names()}


def load_crm_pipeline() -> EventLog:
    """A seeded lead-to-deal CRM log (leads, nurture emails, qualification, demo, proposal)."""
    return load_sample("crm_pipeline")


def load_sales_activities() -> EventLog:
    """The simulated sales pipeline, with its planted bottleneck, skipped step, rework, loss
    reasons and cycle-time shift."""
    return load_sample("sales_activities")


def load_campaigns() -> EventLog:
    """The simulated welcome-nurture and re-engagement runs (weak email, never-taken branch,
    too-long wait)."""
    return load_sample("campaigns")


def load_email_events() -> EventLog:
    """Every simulated marketing email event (including sends after unsubscribe)."""
    return load_sample("email_events")


def load_opportunities() -> EventLog:
    """The simulated sales pipeline as Salesforce stage history."""
    return load_sample("opportunities")


def regenerate(folder: Path = DATA) -> dict[str, int]:
    """Rewrite every bundled sample file from its seed; returns rows written per file."""
    from sample_logs._generate import write_crm_log
    from sample_logs._planted import write_planted_samples

    rows = write_planted_samples(folder)
    write_crm_log(
        folder / SAMPLES["crm_pipeline"].file, CRM_PIPELINE_EVENTS, seed=CRM_PIPELINE_SEED
    )
    rows[SAMPLES["crm_pipeline"].file] = CRM_PIPELINE_EVENTS
    return rows


__all__ = [
    "GROUND_TRUTH",
    "SAMPLES",
    "Sample",
    "load_campaigns",
    "load_crm_pipeline",
    "load_email_events",
    "load_opportunities",
    "load_sales_activities",
    "load_sample",
    "regenerate",
    "sample_names",
    "sample_path",
    "workflow_files",
    "workflow_names",
    "workflow_path",
]

"""Bundled sample logs, small enough to ship and regenerable from a seed.

``load_<name>()`` returns an EventLog through the same importer a user's file goes through;
``sample_path(name)`` gives the file. ``mejora sample load`` imports them all into the store.
"""

from __future__ import annotations

from pathlib import Path

from mining import EventLog, read_log

DATA = Path(__file__).parent / "data"
WORKFLOWS = Path(__file__).parent / "workflows"

# name -> (file, events, seed): the generator recreates each file byte for byte from its seed.
SAMPLES: dict[str, tuple[str, int, int]] = {
    "crm_pipeline": ("crm_pipeline.csv", 20_000, 7),
}


def sample_names() -> list[str]:
    """Names of the bundled samples."""
    return list(SAMPLES)


def sample_path(name: str) -> Path:
    """Path of a bundled sample file."""
    if name not in SAMPLES:
        raise ValueError(f"no sample named {name!r}; samples: {', '.join(SAMPLES)}")
    return DATA / SAMPLES[name][0]


def load_sample(name: str) -> EventLog:
    """Import a bundled sample with the ordinary importer."""
    return read_log(sample_path(name), name=name)


def workflow_names() -> list[str]:
    """Names of the bundled designed workflows (welcome_nurture, reengagement, sales_pipeline)."""
    return sorted(p.stem for p in WORKFLOWS.glob("*.yaml"))


def workflow_path(name: str) -> Path:
    """Path of a bundled designed-workflow file (YAML)."""
    path = WORKFLOWS / f"{name}.yaml"
    if not path.exists():
        raise ValueError(f"no workflow named {name!r}; workflows: {', '.join(workflow_names())}")
    return path


def load_crm_pipeline() -> EventLog:
    """A seeded lead-to-deal CRM log (leads, nurture emails, qualification, demo, proposal)."""
    return load_sample("crm_pipeline")


__all__ = [
    "SAMPLES",
    "load_crm_pipeline",
    "load_sample",
    "sample_names",
    "sample_path",
    "workflow_names",
    "workflow_path",
]

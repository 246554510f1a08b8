"""Mejora's seeded simulator: contacts, their behaviour and the sales team walked through designed
workflows, written out as real CRM exports, with a ground-truth table of the problems planted.

It makes the bundled ``sample_logs`` and runs the what-if of ``automation``. It knows no workflow
file format: it walks a :class:`Flow`, the plain design graph (``automation.to_flow`` converts a
workflow into one).

    sim = simulate([flow], Population(arrivals_per_day=20), Behaviour(), start=day, days=90, seed=1)
    sim.write_mautic_campaign_log("campaign_lead_event_log.csv")
"""

from simulation._behaviour import (
    FITS,
    WEEKDAY_NAMES,
    Behaviour,
    BranchBias,
    ConsentViolation,
    CycleTimeShift,
    DelayOverride,
    EmailBehaviour,
    Hook,
    Population,
    ReworkOverride,
    SalesBehaviour,
    SkipOverride,
    make_contacts,
)
from simulation._engine import OUTCOMES, Simulation, simulate
from simulation._flow import ROLES, STEP_TYPES, Flow, FlowGoal, Link, Step, Window

__all__ = [
    "FITS",
    "OUTCOMES",
    "ROLES",
    "STEP_TYPES",
    "WEEKDAY_NAMES",
    "Behaviour",
    "BranchBias",
    "ConsentViolation",
    "CycleTimeShift",
    "DelayOverride",
    "EmailBehaviour",
    "Flow",
    "FlowGoal",
    "Hook",
    "Link",
    "Population",
    "ReworkOverride",
    "SalesBehaviour",
    "Simulation",
    "SkipOverride",
    "Step",
    "Window",
    "make_contacts",
    "simulate",
]

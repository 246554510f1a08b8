"""Fishbone (Ishikawa) view of the drivers of an outcome, and a 5-whys trail that drills down
from the outcome to its top driver, then to the top driver within that driver's cases, and so
on.

The six bones are the classic 6 M's, read for sales and marketing processes:

- **people**: who did the work (resource, rep, owner, team)
- **method**: how it was done (variant / path, process, playbook)
- **machine**: the system or channel it went through (CRM, email, phone, platform)
- **material**: what came in (lead source, campaign, segment, product, deal size)
- **measurement**: how it was scored or measured (fit, score, buying moment, priority)
- **environment**: when and where (start month, season, weekday, region, country)

Which attribute goes on which bone is an explicit table (``FISHBONE_CATEGORIES``), then a rule
on the words of the name (``FISHBONE_KEYWORDS``); pass ``categories={"segment": "people"}``
to override either. Anything unmatched goes on an "other" bone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from improvement._outcomes import Outcome, outcome_on
from improvement._root_cause import RESOURCE, START_MONTH, VARIANT, RootCause, find_drivers
from mining import EventLog, case_table

BONES = ("people", "method", "machine", "material", "measurement", "environment")
OTHER_BONE = "other"
FISHBONE_CATEGORIES: dict[str, str] = {
    RESOURCE: "people",
    "rep": "people",
    "owner": "people",
    "team": "people",
    VARIANT: "method",
    "channel": "machine",
    "system": "machine",
    "lead_source": "material",
    "source": "material",
    "campaign": "material",
    "segment": "material",
    "product": "material",
    "amount": "material",
    "fit": "measurement",
    "moment": "measurement",
    "score": "measurement",
    "priority": "measurement",
    START_MONTH: "environment",
    "region": "environment",
    "country": "environment",
}
FISHBONE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "people": (
        "resource",
        "rep",
        "owner",
        "agent",
        "user",
        "team",
        "assignee",
        "employee",
        "staff",
        "seller",
        "manager",
        "person",
        "org",
        "group",
    ),
    "method": (
        "variant",
        "path",
        "process",
        "route",
        "procedure",
        "playbook",
        "workflow",
        "method",
        "stage",
        "step",
        "type",
    ),
    "machine": (
        "system",
        "channel",
        "tool",
        "platform",
        "device",
        "app",
        "application",
        "software",
        "crm",
        "medium",
        "browser",
        "client",
        "email",
        "phone",
    ),
    "material": (
        "source",
        "lead",
        "input",
        "product",
        "campaign",
        "segment",
        "amount",
        "deal",
        "offer",
        "plan",
        "item",
        "material",
        "value",
        "size",
        "industry",
    ),
    "measurement": (
        "score",
        "fit",
        "moment",
        "rating",
        "grade",
        "kpi",
        "sla",
        "metric",
        "measure",
        "priority",
        "rank",
        "tier",
    ),
    "environment": (
        "month",
        "season",
        "weekday",
        "day",
        "time",
        "date",
        "region",
        "country",
        "city",
        "location",
        "territory",
        "market",
        "quarter",
        "week",
        "year",
        "zone",
        "site",
    ),
}


def fishbone_category(name: str, categories: Mapping[str, str] | None = None) -> str:
    """The bone for a factor name: the override, the explicit table, then the first bone
    (in ``BONES`` order) with a keyword among the words of the name; else "other".

    Example:
        >>> fishbone_category("lead_source"), fishbone_category("sales_team")
        ('material', 'people')
        >>> fishbone_category("segment", {"segment": "environment"})
        'environment'
    """
    for table in (categories or {}, FISHBONE_CATEGORIES):
        if name in table:
            bone = table[name]
            if bone not in (*BONES, OTHER_BONE):
                raise ValueError(f"unknown fishbone category {bone!r}; use one of {BONES}")
            return bone
    words = set(re.split(r"[^a-z0-9]+", name.lower())) - {""}
    for bone in BONES:
        if words & set(FISHBONE_KEYWORDS[bone]):
            return bone
    return OTHER_BONE


FISHBONE_COLUMNS = [
    "category",
    "factor",
    "level",
    "label",
    "rank",
    "risk_ratio",
    "risk_ratio_low",
    "risk_ratio_high",
    "excess_cases",
    "evidence",
]


@dataclass(frozen=True)
class Fishbone:
    """Drivers of an outcome grouped by bone: ``table`` has one row per driver (``category``,
    ``factor``, ``level``, a short ``label``, its ``rank`` among all drivers, risk ratio with
    CI, excess cases and evidence), bones in ``BONES`` order.

    Example:
        >>> fb = fishbone(root_cause(log, "slow"))         # doctest: +SKIP
        >>> fb.bones()["environment"]                      # doctest: +SKIP
        ['start month 2026-01 (2.3×)']
    """

    outcome: str
    table: pd.DataFrame
    categories: dict[str, str] = field(default_factory=dict)

    def bones(self) -> dict[str, list[str]]:
        """``{bone: [driver labels]}`` for every bone (empty lists included)."""
        bones: dict[str, list[str]] = {bone: [] for bone in BONES}
        for row in self.table.itertuples():
            bones.setdefault(str(row.category), []).append(str(row.label))
        return bones

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "outcome": self.outcome,
            "bones": self.bones(),
            "categories": self.categories,
            "drivers": self.table.to_dict("records"),
        }


def _short(factor: str, level: str, limit: int = 40) -> str:
    text = f"{factor} {level}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fishbone(result: RootCause, categories: Mapping[str, str] | None = None) -> Fishbone:
    """Group the drivers of a :class:`RootCause` under the six bones (see the module
    docstring); ``categories`` maps factor names to bones, overriding the defaults.

    Example:
        >>> fishbone(root_cause(log, "slow"), categories={"segment": "people"})  # doctest: +SKIP
    """
    drivers = result.drivers
    mapping: dict[str, str] = {}
    rows = []
    for row in drivers.itertuples():
        name = str(row.factor)
        lookup = RESOURCE if name == result.resource_name else name
        bone = fishbone_category(name, categories)
        if bone == OTHER_BONE and lookup != name:
            bone = fishbone_category(lookup, categories)
        mapping[name] = bone
        rows.append(
            {
                "category": bone,
                "factor": name,
                "level": str(row.level),
                "label": f"{_short(name, str(row.level))} ({row.risk_ratio:.1f}×)",
                "rank": int(row.rank),
                "risk_ratio": float(row.risk_ratio),
                "risk_ratio_low": float(row.risk_ratio_low),
                "risk_ratio_high": float(row.risk_ratio_high),
                "excess_cases": float(row.excess_cases),
                "evidence": str(row.evidence),
            }
        )
    table = pd.DataFrame(rows, columns=FISHBONE_COLUMNS)
    order = {bone: i for i, bone in enumerate((*BONES, OTHER_BONE))}
    table = table.sort_values(
        ["category", "rank"], key=lambda s: s.map(order) if s.name == "category" else s
    ).reset_index(drop=True)
    return Fishbone(outcome=result.outcome, table=table, categories=mapping)


# -- 5 whys ----------------------------------------------------------------------------------

WHY_COLUMNS = [
    "level",
    "factor",
    "value",
    "cases",
    "positive",
    "rate",
    "rest_rate",
    "risk_ratio",
    "risk_ratio_low",
    "risk_ratio_high",
    "q_value",
    "evidence",
    "sentence",
]


@dataclass(frozen=True)
class FiveWhys:
    """A drill-down trail: at each ``level`` the top driver among the cases kept so far (all
    cases at level 1, then only the previous driver's cases), and why the trail stopped.

    Example:
        >>> trail = five_whys(log, "gap 'Accepted' -> 'Demo booked' > p75")  # doctest: +SKIP
        >>> trail.sentences()[0]                                                 # doctest: +SKIP
    """

    outcome: str
    steps: pd.DataFrame
    stopped: str

    def to_frame(self) -> pd.DataFrame:
        """The steps (a copy)."""
        return self.steps.copy()

    def sentences(self) -> list[str]:
        """One line per level, then why the trail stops."""
        return [*map(str, self.steps["sentence"]), f"Stopped: {self.stopped}."]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "outcome": self.outcome,
            "steps": self.steps.to_dict("records"),
            "stopped": self.stopped,
        }


def five_whys(
    log: EventLog,
    outcome_expression: str | Outcome,
    *,
    depth: int = 5,
    min_cases: int = 20,
    alpha: float = 0.05,
    exclude: tuple[str, ...] = (),
) -> FiveWhys:
    """Ask "why?" up to ``depth`` times: the outcome's top driver (by :func:`root_cause`), then,
    within that driver's cases, the top driver among the factors not used yet, and so on. The
    outcome keeps its thresholds from the whole log (``p75`` is the whole log's). The trail
    stops when no driver passes the screen, or fewer than ``min_cases`` cases (or fewer than
    5 with the outcome) remain.

    Example:
        >>> five_whys(log, "slow", depth=3).sentences()      # doctest: +SKIP
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, not {depth!r}")
    cases = case_table(log)
    evaluated = (
        outcome_on(log, outcome_expression, cases)
        if isinstance(outcome_expression, str)
        else outcome_expression
    )
    resource_name = log.mapping.resource or RESOURCE
    used: list[str] = list(exclude)
    rows: list[dict[str, Any]] = []
    stopped = f"reached depth {depth}"
    subset = cases
    for level in range(1, depth + 1):
        values = evaluated.values.reindex(subset["case_id"].to_numpy())
        n, positives = int(values.notna().sum()), int(values.fillna(False).sum())
        if n < min_cases or positives < 5:
            stopped = f"{n} cases ({positives} with the outcome) left: too few to split further"
            break
        result = find_drivers(
            subset, evaluated, resource_name=resource_name, alpha=alpha, exclude=used
        )
        if result.drivers.empty:
            stopped = f"no further driver passes the screen among these {n} cases"
            break
        top = result.drivers.iloc[0]
        factor, value = str(top["factor"]), str(top["level"])
        where = "all cases" if level == 1 else "those cases"
        rows.append(
            {
                "level": level,
                "factor": factor,
                "value": value,
                "cases": int(top["cases"]),
                "positive": int(top["positive"]),
                "rate": float(top["rate"]),
                "rest_rate": float(top["rest_rate"]),
                "risk_ratio": float(top["risk_ratio"]),
                "risk_ratio_low": float(top["risk_ratio_low"]),
                "risk_ratio_high": float(top["risk_ratio_high"]),
                "q_value": float(top["q_value"]),
                "evidence": str(top["evidence"]),
                "sentence": (
                    f"Why {level}: among {where} ({n:,}), {factor} = {value} has the outcome "
                    f"{top['rate']:.0%} of the time vs {top['rest_rate']:.0%} "
                    f"({top['risk_ratio']:.1f}×, {top['evidence']} evidence)"
                ),
            }
        )
        used.append(factor)
        members = result.labels.index[result.labels[factor] == value]
        subset = subset[subset["case_id"].isin(members)].copy()
        subset.attrs = dict(cases.attrs)
    steps = pd.DataFrame(rows, columns=WHY_COLUMNS)
    return FiveWhys(outcome=evaluated.description, steps=steps, stopped=stopped)

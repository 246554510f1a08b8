"""What a suggestion is: bilingual text, the evidence behind it, its expected impact, risk and
the ChangeSet that carries it out, plus the thresholds the rules use."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from automation._changes import ChangeSet
from automation._suggestion_text import amount, number, risk_level, share_text, unit

RISKS = ("low", "medium", "high")


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars become numbers, tuples lists, NaN None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Text:
    """The same words in English and Spanish."""

    en: str
    es: str

    def get(self, language: str = "en") -> str:
        """The text in ``language`` (``en`` or ``es``)."""
        if language not in ("en", "es"):
            raise ValueError(f"language must be 'en' or 'es', not {language!r}")
        return self.en if language == "en" else self.es


@dataclass(frozen=True)
class Evidence:
    """What the log shows: the measured ``metric`` (in English and Spanish) and its ``value``, how
    many cases it rests on, a distribution summary, example case ids, and which workflow revision
    was analysed."""

    metric: Text
    value: float
    unit: str
    sample_size: int
    workflow_id: str
    workflow_version: int
    revision: int | None
    log: str = ""
    distribution: Mapping[str, float] = field(default_factory=dict)
    example_cases: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return plain(asdict(self))

    def describe(self, language: str = "en") -> str:
        """One line for a reader: ``horas de … : 17,4 horas (n = 275)``; a share reads as a
        percentage (``0,8 %``)."""
        return (
            f"{self.metric.get(language)}: {amount(self.value, self.unit, language)} "
            f"(n = {number(self.sample_size, language)})"
        )


@dataclass(frozen=True)
class Impact:
    """The expected effect of the change: ``estimate`` with a 90 % interval ``low``..``high`` in
    ``unit``, the number of ``cases`` it touches in the analysed period, and how it was
    estimated."""

    metric: Text
    unit: str
    estimate: float
    low: float
    high: float
    cases: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return plain(asdict(self))

    def describe(self, language: str = "en") -> str:
        """One line for a reader: ``2.639 (2.410 – 2.870) días-caso / mes``; shares as
        percentages."""
        if self.unit == "share":
            low, high = (share_text(v, language) for v in (self.low, self.high))
            return f"{share_text(self.estimate, language)} ({low} – {high})"
        return (
            f"{number(self.estimate, language)} ({number(self.low, language)} – "
            f"{number(self.high, language)}) {unit(self.unit, language)}"
        )


@dataclass(frozen=True)
class Risk:
    """How much could go wrong (low, medium, high) and what."""

    level: str
    note: Text

    def __post_init__(self) -> None:
        if self.level not in RISKS:
            raise ValueError(f"risk level must be one of {', '.join(RISKS)}, not {self.level!r}")

    def label(self, language: str = "en") -> str:
        """The level in the language: ``low`` / ``bajo``."""
        return risk_level(self.level, language)

    def describe(self, language: str = "en") -> str:
        """Level and note in the language: ``bajo — pocos clics perdidos``."""
        return f"{self.label(language)} — {self.note.get(language)}"


def suggestion_id(
    rule: str, workflow_id: str, revision: int | None, version: int, target: str
) -> str:
    """Stable id of a suggestion: a hash of rule, workflow, revision (or version) and target.

    Example:
        >>> suggestion_id("wait-too-long", "onboarding", 1, 1, "clicked_guide")[:2]
        's-'
    """
    where = f"r{revision}" if revision is not None else f"v{version}"
    digest = hashlib.sha256(f"{rule}|{workflow_id}|{where}|{target}".encode()).hexdigest()
    return f"s-{digest[:10]}"


@dataclass(frozen=True)
class Suggestion:
    """A proposed change with its evidence: ``id``, ``rule``, ``target`` (the node or setting),
    bilingual ``title`` and ``explanation``, ``evidence``, ``confidence`` (0..1), ``impact``,
    ``risk``, the ``changes`` (a ChangeSet), ``score`` (what ranks it) and the ``assumptions``
    a what-if needs (e.g. how well a replacement email will be clicked)."""

    id: str
    rule: str
    target: str
    title: Text
    explanation: Text
    evidence: Evidence
    confidence: float
    impact: Impact
    risk: Risk
    changes: ChangeSet
    score: float
    assumptions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def workflow_id(self) -> str:
        """The workflow the change is for."""
        return self.changes.workflow_id

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (``from_dict`` reads it back)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "target": self.target,
            "title": asdict(self.title),
            "explanation": asdict(self.explanation),
            "evidence": self.evidence.to_dict(),
            "confidence": float(self.confidence),
            "impact": self.impact.to_dict(),
            "risk": {"level": self.risk.level, "note": asdict(self.risk.note)},
            "changes": self.changes.to_dict(),
            "score": float(self.score),
            "assumptions": plain(self.assumptions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Suggestion:
        """Inverse of :meth:`to_dict`."""
        evidence = dict(data["evidence"])
        evidence["example_cases"] = tuple(evidence.get("example_cases", ()))
        metric = evidence["metric"]
        # Suggestions saved before the metric was bilingual hold one English string.
        evidence["metric"] = Text(metric, metric) if isinstance(metric, str) else Text(**metric)
        impact = dict(data["impact"])
        impact["metric"] = Text(**impact["metric"])
        return cls(
            id=data["id"],
            rule=data["rule"],
            target=data["target"],
            title=Text(**data["title"]),
            explanation=Text(**data["explanation"]),
            evidence=Evidence(**evidence),
            confidence=float(data["confidence"]),
            impact=Impact(**impact),
            risk=Risk(data["risk"]["level"], Text(**data["risk"]["note"])),
            changes=ChangeSet.from_dict(data["changes"]),
            score=float(data["score"]),
            assumptions=dict(data.get("assumptions", {})),
        )


# A change that only makes the design describe what the cases already do (the step they take
# anyway, in the order they take it) changes no case's time, outcome or consent: it weighs like
# the design-only fixes, so a fix that touches a tenth as many cases still ranks above it.
DEFAULT_WEIGHTS = {
    "consent-violation": 100.0,
    "email-nobody-clicks": 1.0,
    "branch-never-taken": 1.0,
    "step-usually-skipped": 1.0,
    "rework-hotspot": 1.0,
    "bottleneck": 1.0,
    "wait-too-long": 1.0,
    "wait-too-short": 1.0,
    "drop-off-hotspot": 1.0,
    "inactive-contacts-mailed": 1.0,
    "branch-always-taken": 1.0,
    "behaviour-not-in-design": 0.1,
    "cases-stuck": 1.0,
    "goal-reached-outside": 0.2,
    "fatigue-across-workflows": 1.0,
    "behaviour-changed-between-versions": 1.0,
    "design": 0.1,
}


@dataclass(frozen=True)
class Thresholds:
    """When each rule fires; every value can be overridden (``Thresholds(min_cases=50)``,
    ``Thresholds.from_dict(yaml.safe_load(...))``). ``weights`` scale the ranking score per rule
    (``design`` for the design-only rules)."""

    min_cases: int = 30
    alpha: float = 0.01
    wait_quantile: float = 0.9
    wait_ratio: float = 0.2
    wait_min_saving_hours: float = 24.0
    rare_branch_share: float = 0.01
    skipped_share: float = 0.2
    skipped_remove_share: float = 0.8
    weak_email_ratio: float = 0.33
    weak_email_min_sends: int = 100
    rework_share: float = 0.3
    rework_min_cases: int = 5
    rework_ratio: float = 3.0
    bottleneck_hours: float = 24.0
    bottleneck_ratio: float = 2.0
    segment_ratio: float = 2.0
    segment_min_cases: int = 20
    segment_max_values: int = 12
    late_reaction_share: float = 0.2
    dropoff_ratio: float = 2.0
    dropoff_min_events: int = 10
    inactive_sends: int = 5
    inactive_days: float = 90.0
    always_branch_share: float = 0.99
    unexpected_share: float = 0.05
    reorder_share: float = 0.5
    stuck_ratio: float = 2.0
    stuck_share: float = 0.05
    stuck_min_cases: int = 10
    goal_outside_share: float = 0.5
    fatigue_weekly_emails: int = 3
    fatigue_min_contacts: int = 10
    examples: int = 5
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def weight(self, rule: str) -> float:
        """The ranking weight of a rule (design rules share ``design``)."""
        return float(self.weights.get(rule, self.weights.get("design", 0.1)))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (what :meth:`from_dict` reads)."""
        return plain(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        """Thresholds with the given values over the defaults; unknown keys are refused.

        Example:
            >>> Thresholds.from_dict({"min_cases": 50}).min_cases
            50
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(
                f"unknown threshold(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        values = dict(data)
        if "weights" in values:
            values["weights"] = {**DEFAULT_WEIGHTS, **dict(values["weights"] or {})}
        return replace(cls(), **values)


def adequacy(n: int, scale: float = 50.0) -> float:
    """How far a sample of ``n`` cases supports a finding: 1 - exp(-n / 50) (0.45 at 30 cases,
    0.86 at 100, 0.99 at 230)."""
    return 1.0 - math.exp(-max(n, 0) / scale)

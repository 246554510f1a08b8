"""Shared pieces of the suggestion rules: building a Suggestion, and numbers and durations in
English and Spanish."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from automation._analysis import Analysis
from automation._changes import ChangeSet, Operation
from automation._suggestion_model import (
    Evidence,
    Impact,
    Risk,
    Suggestion,
    Text,
    suggestion_id,
)

# durations a wait or an SLA is rounded up to (seconds)
NICE = tuple(
    h * 3600 for h in (1, 2, 4, 6, 8, 12, 24, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1440, 2160)
)


def nice_duration(seconds: float) -> int:
    """The shortest of the usual durations (1 h, 2 h, ... 1 day, 2 days, ... 90 days) that is at
    least ``seconds``."""
    for value in NICE:
        if value >= seconds:
            return value
    return NICE[-1]


def iso(seconds: float) -> str:
    """ISO-8601 text of a whole number of hours or days (``PT8H``, ``P1D``)."""
    seconds = int(seconds)
    if seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    if seconds % 3600 == 0:
        return f"PT{seconds // 3600}H"
    return f"PT{seconds}S"


def num(value: float, lang: str, digits: int = 0) -> str:
    """A number with thousands separators: ``2,889`` / ``17.4`` in English, ``2.889`` /
    ``17,4`` in Spanish."""
    text = f"{value:,.{digits}f}"
    if lang == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def pct(share: float, lang: str, digits: int = 1) -> str:
    """A share as a percentage (``94.5 %`` / ``94,5 %``)."""
    return f"{num(share * 100, lang, digits)} %"


def span(seconds: float, lang: str) -> str:
    """A duration in words: ``7 days`` / ``7 días``, ``12 hours`` / ``12 horas``, ``17.4 h``."""
    if seconds >= 86400 and seconds % 86400 == 0:
        days = int(seconds // 86400)
        word = (
            ("day" if days == 1 else "days") if lang == "en" else ("día" if days == 1 else "días")
        )
        return f"{days} {word}"
    if seconds % 3600 == 0 and seconds >= 3600:
        hours = int(seconds // 3600)
        if lang == "en":
            return f"{hours} {'hour' if hours == 1 else 'hours'}"
        return f"{hours} {'hora' if hours == 1 else 'horas'}"
    if seconds >= 2 * 86400:
        return f"{num(seconds / 86400, lang, 1)} {'days' if lang == 'en' else 'días'}"
    return f"{num(seconds / 3600, lang, 1)} h"


def quote(text: str, lang: str) -> str:
    """A name in the language's quotation marks: “Nurture 1” / «Nurture 1»."""
    return f"“{text}”" if lang == "en" else f"«{text}»"


def branch_share(node: str, target: str) -> Text:
    """The evidence metric of a branch rule: the share of the cases at ``node`` going to
    ``target``."""
    return Text(
        f"share of the cases at {node!r} taking the branch to {target!r}",
        f"proporción de casos en {quote(node, 'es')} que toman la rama hacia {quote(target, 'es')}",
    )


def both(build: Any) -> Text:
    """A Text from a function of the language (``lambda lang: ...``)."""
    return Text(build("en"), build("es"))


def make(
    a: Analysis,
    rule: str,
    target: str,
    *,
    title: Text,
    explanation: Text,
    metric: Text,
    value: float,
    unit: str,
    sample_size: int,
    distribution: Mapping[str, float] | None = None,
    examples: Sequence[str] = (),
    details: Mapping[str, Any] | None = None,
    confidence: float,
    impact: Impact,
    risk: Risk,
    ops: Sequence[Operation],
    factor: float = 1.0,
    assumptions: Mapping[str, Any] | None = None,
) -> Suggestion:
    """A Suggestion with its id, evidence, ChangeSet and ranking score
    (``impact.cases × weight(rule) × confidence × factor``)."""
    workflow = a.workflow
    evidence = Evidence(
        metric=metric,
        value=float(value),
        unit=unit,
        sample_size=int(sample_size),
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        revision=a.revision,
        log=a.log_name,
        distribution={k: float(v) for k, v in (distribution or {}).items()},
        example_cases=tuple(str(e) for e in examples),
        details=dict(details or {}),
    )
    weight = a.thresholds.weight(rule)
    return Suggestion(
        id=suggestion_id(rule, workflow.id, a.revision, workflow.version, target),
        rule=rule,
        target=target,
        title=title,
        explanation=explanation,
        evidence=evidence,
        confidence=float(min(max(confidence, 0.0), 1.0)),
        impact=impact,
        risk=risk,
        changes=ChangeSet(workflow.id, a.revision, tuple(ops)),
        score=float(impact.cases) * weight * float(confidence) * factor,
        assumptions=dict(assumptions or {}),
    )

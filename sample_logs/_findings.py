"""What Mejora finds in the logs of a store, ranked: the demo's summary.

Nothing here looks a finding up at a known place: each designed workflow is checked against
the stored log that shares most of its activities, with the email log the vocabulary points
to, and the top-ranked suggestions are reported; then the consent breaches of every email log,
the shifts in weekly cycle time found without a baseline date, and the Pareto of the loss
reasons. ``tests/test_demo.py`` checks that the planted problems (``README.md`` here) come out
on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import improvement
import mining
from automation import read_workflow, suggest

MIN_SHARED = 2  # a workflow is checked against a log sharing at least this many activities


@dataclass(frozen=True)
class Finding:
    """One result: what, the number behind it (its rank score, count or share), and the
    command that shows it."""

    topic: str
    text: str
    value: float
    command: str


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def ranked_findings(
    store: mining.EventStore, workflows: Mapping[str, Path], *, top: int = 3
) -> list[Finding]:
    """The top ``top`` suggestions per designed workflow on its best-matching stored log, the
    consent breaches, worsening cycle-time shifts and loss-reason Paretos of ``store``."""
    logs = {info.name: store.load(info.name) for info in store.logs()}
    activities = {
        name: set(mining.activity_statistics(log)["activity"].astype(str))
        for name, log in logs.items()
    }
    email_logs = store.consent_logs()
    findings: list[Finding] = []
    for path in workflows.values():
        workflow = read_workflow(path)
        designed = set(workflow.activity_map())
        shared = {name: len(designed & acts) for name, acts in activities.items()}
        if not shared or max(shared.values()) < MIN_SHARED:
            continue
        name = max(sorted(shared), key=lambda n: (shared[n], logs[n].n_events))  # ties: richer
        email = next((e for e in email_logs if e != name), None)
        report = suggest(workflow, logs[name], email_log=logs[email] if email else None)
        command = f"mejora suggest {name} --workflow {_shown(path)}"
        command += f" --email-log {email}" if email else ""
        for rank, found in enumerate(report.suggestions[:top], 1):
            findings.append(
                Finding(
                    "suggestion",
                    f"{workflow.id} on {name}, #{rank} ({found.rule}): {found.title.en}",
                    found.score,
                    command,
                )
            )
    for name in email_logs:
        breaches = mining.consent_violations(logs[name])
        if len(breaches):
            findings.append(
                Finding(
                    "consent",
                    f"{name}: {len(breaches):,} emails went to {breaches['contact'].nunique():,} "
                    "contacts after they unsubscribed, bounced or reported spam",
                    float(breaches["contact"].nunique()),
                    f"mejora consent {name}",
                )
            )
    findings += _drifts(logs)
    findings += _loss_reasons(logs)
    return findings


def _drifts(logs: Mapping[str, mining.EventLog]) -> list[Finding]:
    found = []
    for name, log in logs.items():
        try:
            trend = improvement.kpi_trend(log, "cycle_time")
        except ValueError:
            continue
        shift = trend.shift
        alert = next((a for a in trend.alerts if a.kind == "change_point"), None)
        if shift is None or alert is None or not alert.worse:
            continue
        found.append(
            Finding(
                "drift",
                f"{name}: weekly median cycle time moved from {shift.before:.1f} to "
                f"{shift.after:.1f} days from the week of {shift.label} on (no baseline date "
                "given: PELT change point)",
                shift.shift,
                f"mejora report {name} -o {name}-report.html",
            )
        )
    return sorted(found, key=lambda f: -f.value)


def _loss_reasons(logs: Mapping[str, mining.EventLog]) -> list[Finding]:
    found = []
    candidates = improvement.KpiSettings().loss_reason
    for name, log in logs.items():
        column = next((c for c in candidates if c in log.attribute_columns), None)
        lost = [a for a in log.vocabulary.labels("lost") if "'" not in a]
        if column is None or not lost:
            continue
        where = " or ".join(f"ends_with '{label}'" for label in lost)
        losses = improvement.pareto_of(log, column, where=where)
        if not losses.vital_few:
            continue
        found.append(
            Finding(
                "pareto",
                f"{name}: {len(losses.vital_few)} of {losses.n_categories} loss reasons make "
                f"{losses.vital_share():.0%} of lost cases: {', '.join(losses.vital_few)}",
                losses.vital_share(),
                f'mejora pareto {name} --by {column} --where "{where}"',
            )
        )
    return found

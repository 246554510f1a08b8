"""The suggestion engine: rules over the analysis of a workflow and its log, each finding turned
into a ranked :class:`Suggestion` with evidence, expected impact, risk and a ChangeSet.

Rules (thresholds in :class:`Thresholds`; see ``docs/suggestions.md``):

- from the log against the design: ``wait-too-long``, ``branch-never-taken``,
  ``email-nobody-clicks``, ``step-usually-skipped``, ``rework-hotspot``, ``bottleneck``,
  ``branch-always-taken``;
- from a per-message email log: ``consent-violation``, ``wait-too-short``,
  ``drop-off-hotspot``, ``inactive-contacts-mailed``;
- from the log's behaviour over time: ``behaviour-not-in-design``, ``cases-stuck``,
  ``goal-reached-outside``, ``fatigue-across-workflows`` (contacts in several workflows),
  ``behaviour-changed-between-versions`` (needs a version column in the log);
- from the design alone (lint smells with a fix): ``branch-on-opens``, ``no-goal``,
  ``no-send-window``, ``reenrollment-without-cooldown``, ``wait-before-end``,
  ``consecutive-waits``.

Every ChangeSet is applied to the workflow before the suggestion is returned, so a suggestion
that would break the workflow never reaches the user (the report's ``notes`` say why it was
dropped). Suggestions are ranked by ``score``: affected cases × rule weight × confidence (× the
share of the wait saved for ``wait-too-long``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd

import mining
from automation._analysis import Analysis
from automation._rules_behaviour import (
    behaviour_changed_between_versions,
    behaviour_not_in_design,
    cases_stuck,
    fatigue_across_workflows,
    goal_reached_outside,
)
from automation._rules_consent import consent_violation
from automation._rules_design import design_smells
from automation._rules_engagement import (
    branch_always_taken,
    drop_off_hotspot,
    inactive_contacts_mailed,
    wait_too_short,
)
from automation._rules_process import (
    bottleneck,
    branch_never_taken,
    email_nobody_clicks,
    rework_hotspot,
    step_usually_skipped,
    wait_too_long,
)
from automation._suggestion_model import Suggestion, Thresholds
from automation._workflow import Workflow
from automation.exceptions import WorkflowError

Rule = Callable[[Analysis], list[Suggestion]]
LOG_RULES: dict[str, Rule] = {
    "wait-too-long": wait_too_long,
    "branch-never-taken": branch_never_taken,
    "email-nobody-clicks": email_nobody_clicks,
    "step-usually-skipped": step_usually_skipped,
    "rework-hotspot": rework_hotspot,
    "bottleneck": bottleneck,
    "behaviour-not-in-design": behaviour_not_in_design,
    "cases-stuck": cases_stuck,
    "goal-reached-outside": goal_reached_outside,
    "fatigue-across-workflows": fatigue_across_workflows,
    "behaviour-changed-between-versions": behaviour_changed_between_versions,
    "branch-always-taken": branch_always_taken,
}
MESSAGE_RULES: dict[str, Rule] = {
    "consent-violation": consent_violation,
    "wait-too-short": wait_too_short,
    "drop-off-hotspot": drop_off_hotspot,
    "inactive-contacts-mailed": inactive_contacts_mailed,
}
DESIGN_RULES: dict[str, Rule] = {"design": design_smells}
RULES: dict[str, Rule] = {**LOG_RULES, **MESSAGE_RULES, **DESIGN_RULES}


@dataclass(frozen=True)
class SuggestionReport:
    """Ranked suggestions for one workflow revision, plus ``notes`` on what was not checked or
    was dropped, and what was analysed (``analysed``: log, cases, message log, revision)."""

    workflow_id: str
    revision: int | None
    suggestions: tuple[Suggestion, ...]
    notes: tuple[str, ...]
    analysed: dict

    def __iter__(self) -> Iterator[Suggestion]:
        return iter(self.suggestions)

    def __len__(self) -> int:
        return len(self.suggestions)

    def get(self, suggestion_id: str) -> Suggestion:
        """The suggestion with this id."""
        for suggestion in self.suggestions:
            if suggestion.id == suggestion_id:
                return suggestion
        raise KeyError(suggestion_id)

    def by_rule(self, rule: str) -> list[Suggestion]:
        """The suggestions of one rule, in rank order."""
        return [s for s in self.suggestions if s.rule == rule]

    def to_frame(self, language: str = "en") -> pd.DataFrame:
        """One row per suggestion: rank, id, rule, target, title, metric value, sample size,
        confidence, impact estimate and interval, risk, score."""
        rows = [
            {
                "rank": i,
                "id": s.id,
                "rule": s.rule,
                "target": s.target,
                "title": s.title.get(language),
                "value": s.evidence.value,
                "unit": s.evidence.unit,
                "sample_size": s.evidence.sample_size,
                "confidence": s.confidence,
                "impact": s.impact.estimate,
                "impact_low": s.impact.low,
                "impact_high": s.impact.high,
                "impact_unit": s.impact.unit,
                "risk": s.risk.level,
                "score": s.score,
            }
            for i, s in enumerate(self.suggestions, 1)
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return {
            "workflow_id": self.workflow_id,
            "revision": self.revision,
            "analysed": self.analysed,
            "notes": list(self.notes),
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


def suggest(
    workflow: Workflow,
    log: mining.EventLog | None = None,
    *,
    email_log: mining.EventLog | None = None,
    revision: int | None = None,
    thresholds: Thresholds | None = None,
    rules: Sequence[str] | None = None,
) -> SuggestionReport:
    """Ranked suggestions for ``workflow`` from its ``log`` (the cases with the workflow's
    activity labels are used) and a per-message ``email_log`` (consent); ``revision`` is the
    stored revision the workflow is, which every ChangeSet names as its base.

    Example:
        >>> report = suggest(read_workflow("onboarding.yaml"), log,
        ...                  revision=1)                                  # doctest: +SKIP
        >>> report.to_frame()[["rule", "target", "title"]].head(3)        # doctest: +SKIP
    """
    a = Analysis(workflow, log, email_log=email_log, revision=revision, thresholds=thresholds)
    return suggest_from(a, rules=rules, notes=unmatched(a))


def unmatched(a: Analysis) -> list[str]:
    """The note for a log that holds none of the workflow's labels (only the design is checked)."""
    if a.source_log is None or a.log is not None or a.email_log is not None:
        return []
    return [
        f"log {a.log_name!r} holds none of the workflow's activity labels: only the design "
        "was checked"
    ]


def suggest_from(
    a: Analysis, *, rules: Sequence[str] | None = None, notes: Sequence[str] = ()
) -> SuggestionReport:
    """:func:`suggest` on an :class:`Analysis` built beforehand (so its conformance and case
    tables can be reused, e.g. by ``fit_behaviour``).

    Example:
        >>> analysis = Analysis(workflow, log, revision=1)                  # doctest: +SKIP
        >>> suggest_from(analysis).to_frame()                                # doctest: +SKIP
    """
    workflow, thresholds, revision = a.workflow, a.thresholds, a.revision
    chosen = list(rules) if rules is not None else list(RULES)
    unknown = sorted(set(chosen) - set(RULES))
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}")
    notes = list(notes)
    found: list[Suggestion] = []
    for name in chosen:
        if name in LOG_RULES and a.log is None:
            continue
        if name in MESSAGE_RULES and a.email_log is None:
            if a.log is not None:
                notes.append(
                    f"{name}: no log of sends and withdrawals (a contact column, sent and "
                    "unsubscribed / bounced / spam labels in its vocabulary) given"
                )
            continue
        for suggestion in RULES[name](a):
            try:
                suggestion.changes.apply(workflow)
            except WorkflowError as exc:
                notes.append(f"{suggestion.rule} {suggestion.target}: dropped, {exc}")
                continue
            found.append(suggestion)
    notes.extend(n for n in dict.fromkeys(a.notes) if n not in notes)  # what rules skipped
    found = _without_clicks_cut_short(found, notes)
    found.sort(key=lambda s: (-s.score, s.rule, s.target))
    analysed = {
        "log": a.log_name or None,
        "cases": a.n_cases,
        "period_days": round(a.period_days, 2) if a.log is not None else None,
        "email_log": a.email_log.name if a.email_log is not None else None,
        "workflow_version": workflow.version,
        "thresholds": thresholds.to_dict(),
    }
    return SuggestionReport(workflow.id, revision, tuple(found), tuple(notes), analysed)


def _without_clicks_cut_short(found: list[Suggestion], notes: list[str]) -> list[Suggestion]:
    """Leave out ``email-nobody-clicks`` for an email whose wait ``wait-too-short`` flags: the
    campaign log counts only the clicks inside the wait, so a wait that ends too soon makes a
    normal email look weak, and the fix is the wait, not the email."""
    cut = {s.evidence.details.get("step"): s.target for s in found if s.rule == "wait-too-short"}
    kept = []
    for s in found:
        if s.rule == "email-nobody-clicks" and s.target in cut:
            notes.append(
                f"email-nobody-clicks {s.target}: left out, its clicks come after the wait "
                f"{cut[s.target]} ends (wait-too-short): lengthen the wait first"
            )
            continue
        kept.append(s)
    return kept

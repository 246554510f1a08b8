"""What-if: the expected effect of a ChangeSet, by simulating the current and the changed workflow
with behaviour fitted from the log, over several seeds, and comparing their KPIs.

Method (``WhatIf.method`` says it in words): the seeded simulator runs both versions with the
same seeds (common random numbers), so the difference per seed is the change's effect and its
spread over seeds gives a 90 % interval (Student t). Behaviour fitted from the log
(:func:`fit_behaviour`): arrivals per day, the contacts' reaction time to emails, each email's
click rate (calibrated on a pilot run), unsubscribe and bounce rates (from a message log),
steps skipped, branches never taken, rework per rep, a segment's delay at a step, and emails
kept after an unsubscribe. What the log cannot tell (sales stage times, win rates) keeps the
simulator's documented defaults. A change that fixes a fitted problem removes its hook: a
removed step is no longer skipped, a ``unsubscribed`` suppression stops emails after an
unsubscribe, a replaced email gets the click rate the suggestion assumes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student

import mining
from automation._analysis import Analysis, logged_predecessors, logged_successors, reachable_without
from automation._behaviour import (
    Behaviour,
    BranchBias,
    ConsentViolation,
    DelayOverride,
    EmailBehaviour,
    Population,
    ReworkOverride,
    SkipOverride,
)
from automation._changes import ChangeSet, ReplaceEmail
from automation._rules_process import bottleneck
from automation._simulator import Simulation, simulate, workflow_role
from automation._suggestion_model import Suggestion, plain
from automation._workflow import Workflow, parse_workflow

START = date(2025, 1, 6)
_WEEK_FACTOR = (5 + 2 * 0.35) / 7  # the Population's mean daily share of its weekday rate


@dataclass(frozen=True)
class BehaviourFit:
    """Behaviour parameters fitted from a log for one workflow (plain data, JSON round-trip).

    Example:
        >>> fit = fit_behaviour(workflow, log)                       # doctest: +SKIP
        >>> fit.email_click_rate                                     # doctest: +SKIP
        {'welcome_email': 0.087, 'nurture_1': 0.082, 'nurture_2': 0.008}
    """

    workflow_id: str
    role: str
    arrivals_per_day: float
    existing_contacts: int = 0
    reaction_median_hours: float | None = None
    reaction_sigma: float | None = None
    email_click_rate: Mapping[str, float] = field(default_factory=dict)
    unsubscribe_probability: float | None = None
    bounce_probability: float | None = None
    consent_per_case: float | None = None
    skip: Mapping[str, float] = field(default_factory=dict)
    never_taken: tuple[tuple[str, str], ...] = ()
    rework: tuple[tuple[str, str | None, float], ...] = ()
    delays: tuple[tuple[str, str, str, float], ...] = ()
    fitted: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return plain(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BehaviourFit:
        """Inverse of :meth:`to_dict`."""
        values = dict(data)
        for key in ("never_taken", "rework", "delays"):
            values[key] = tuple(tuple(v) for v in values.get(key, ()))
        values["fitted"] = tuple(values.get("fitted", ()))
        return cls(**values)


def _quantile_sigma(values: pd.Series) -> float:
    low, high = np.log(values.quantile([0.5, 0.9]))
    return float(max((high - low) / 1.2816, 0.2))


def fit_behaviour(
    workflow: Workflow,
    log: mining.EventLog | None = None,
    *,
    email_log: mining.EventLog | None = None,
    analysis: Analysis | None = None,
) -> BehaviourFit:
    """Fit what the simulator needs from the log of ``workflow`` (and a message log).

    Example:
        >>> fit_behaviour(read_workflow("welcome.yaml"), load_campaigns()).fitted  # doctest: +SKIP
    """
    a = analysis or Analysis(workflow, log, email_log=email_log)
    role = workflow_role(workflow)
    fitted: list[str] = []
    if a.log is None:
        return BehaviourFit(workflow.id, role, 10.0, fitted=("nothing: no log of this workflow",))
    per_day = a.n_cases / a.period_days
    arrivals, existing = per_day / _WEEK_FACTOR, 0
    if role == "inactivity":
        # existing contacts go inactive spread over the 180 days after their last click
        arrivals, existing = 0.0, max(round(per_day * Population().existing_last_click_days), 50)
    fitted.append(f"arrivals ({per_day:.1f} cases a day)")

    wf = workflow
    reactions, clicks = [], {}
    for node in wf.nodes:
        if node.type != "wait_for_event" or node.event != "email_click" or not node.activities:
            continue
        source = tuple(x for p in logged_predecessors(wf, node.id) for x in p.activities)
        if not source:
            continue
        reactions.append(a.gaps(source, node.activities))
        for pred in logged_predecessors(wf, node.id):
            if pred.action == "send_email":
                sent = a.cases_with(pred.activities)
                if len(sent):
                    clicked = sent.intersection(a.cases_with(node.activities))
                    clicks[pred.id] = len(clicked) / len(sent)
    median = sigma = None
    pooled = pd.concat(reactions) if reactions else pd.Series(dtype=float)
    if len(pooled) >= 20:
        median = float(pooled.median() / 3600)
        sigma = _quantile_sigma(pooled)
        fitted.append(f"reaction time (median {median:.1f} h, sigma {sigma:.2f})")
    if clicks:
        fitted.append("click rate of " + ", ".join(sorted(clicks)))

    unsubscribe = bounce = consent = None
    if a.email_log is not None:
        counts = mining.attribute_counts(a.email_log, "activity").set_index("value")["events"]
        sent = float(counts.get("SENT", 0))
        if sent:
            unsubscribe = float(counts.get("UNSUBSCRIBE", 0)) / sent
            bounce = float(counts.get("BOUNCE", 0)) / sent
            fitted.append(f"unsubscribe rate {unsubscribe:.2%} and bounce rate {bounce:.2%}")
        if "unsubscribed" not in wf.suppression and not a.consent.empty:
            consent = a.consent["contact"].nunique() / a.n_cases  # calibrated on the pilot
            fitted.append("emails kept after an unsubscribe")

    skip: dict[str, float] = {}
    for node in wf.nodes:
        if node.type != "action" or not node.activities:
            continue
        others = reachable_without(wf, node.id)
        after = [s for s in logged_successors(wf, node.id) if s.id not in others]
        reached = a.cases_with(tuple(x for s in after for x in s.activities))
        if len(reached) >= a.thresholds.min_cases:
            share = len(reached.difference(a.cases_with(node.activities))) / len(reached)
            if share >= 0.05:
                skip[node.id] = round(share, 4)
    if skip:
        fitted.append("skipped steps " + ", ".join(sorted(skip)))

    never = []
    for row in a.branches.itertuples():
        if wf.node(row.node).type == "decision" and row.cases_at_node >= 30 and row.cases == 0:
            target = wf.node(row.target)
            labels = target.activities or tuple(
                x for s in logged_successors(wf, target.id) for x in s.activities
            )
            before = tuple(x for p in logged_predecessors(wf, row.node) for x in p.activities)
            if not len(a.cases_with(before).intersection(a.cases_with(labels))):
                never.append((row.node, row.target))
    if never:
        fitted.append("branches never taken")

    rework = []
    if a.log.has_resource:
        table = mining.rework(a.log, by="resource")
        labels = {x: n for n in wf.nodes for x in n.activities if n.type == "action"}
        for row in table[table["rework_cases"] >= 3].itertuples():
            node = labels.get(str(row.activity))
            if node is not None:
                repeats = row.extra_executions / row.cases  # p + p² + p³ solved for p
                roots = np.roots([1, 1, 1, -repeats])
                real = roots[np.isclose(roots.imag, 0)].real
                p = float(np.clip(real.max(), 0.0, 0.95))
                rework.append((node.id, str(row.resource), round(p, 4)))
    if rework:
        fitted.append("rework per rep")

    delays = []
    for suggestion in bottleneck(a):
        segment = suggestion.evidence.details.get("segment")
        if segment and segment["attribute"] in ("region", "segment"):
            dist = suggestion.evidence.distribution
            ratio = dist["segment_median_excess_hours"] / max(
                dist["rest_median_excess_hours"], 1e-9
            )
            node = suggestion.target.split("@")[0]
            delays.append((node, segment["attribute"], str(segment["value"]), round(ratio, 3)))
    if delays:
        fitted.append("segment delays")
    return BehaviourFit(
        workflow_id=wf.id,
        role=role,
        arrivals_per_day=round(arrivals, 4),
        existing_contacts=existing,
        reaction_median_hours=median,
        reaction_sigma=sigma,
        email_click_rate=clicks,
        unsubscribe_probability=unsubscribe,
        bounce_probability=bounce,
        consent_per_case=consent,
        skip=skip,
        never_taken=tuple(never),
        rework=tuple(rework),
        delays=tuple(delays),
        fitted=tuple(fitted),
    )


# -- simulating a version -----------------------------------------------------------------------
def _emails(workflow: Workflow) -> dict[str, str]:
    return {
        n.id: str(n.params.get("email") or n.id) for n in workflow.nodes if n.action == "send_email"
    }


def _behaviour(
    fit: BehaviourFit,
    workflow: Workflow,
    multipliers: Mapping[str, float],
    fixed: frozenset[str] = frozenset(),
    consent: float | None = None,
) -> tuple[Population, Behaviour]:
    """Population and behaviour for one version: hooks only for what the version still has
    and the change is not assumed to fix (``fixed``: ``skip:<node>``, ``delay:<node>``,
    ``rework:<node>``); ``consent`` is the probability that an unsubscribed contact stays
    enrolled when the version does not suppress ``unsubscribed``."""
    wf, ids = workflow, {n.id for n in workflow.nodes}
    hooks: list[Any] = []
    for node, p in fit.skip.items():
        if node in ids and f"skip:{node}" not in fixed:
            hooks.append(SkipOverride(wf.id, node, float(p)))
    for node, target in fit.never_taken:
        if node in ids:
            out = [e.target for e in wf.outgoing(node)]
            if target in out:
                hooks.append(BranchBias(wf.id, node, out.index(target), 1.0))
    for node, rep, p in fit.rework:
        if node in ids and f"rework:{node}" not in fixed:
            hooks.append(ReworkOverride(wf.id, node, float(p), rep=rep))
    for node, attribute, value, ratio in fit.delays:
        if node in ids and f"delay:{node}" not in fixed:
            hooks.append(DelayOverride(wf.id, node, float(ratio), **{attribute: value}))
    if consent and "unsubscribed" not in wf.suppression:
        hooks.append(ConsentViolation(wf.id, float(consent)))
    defaults = EmailBehaviour()
    sent = set(_emails(wf).values())
    email = EmailBehaviour(
        email_click_multiplier={k: v for k, v in multipliers.items() if k in sent},
        reaction_median_hours=fit.reaction_median_hours or defaults.reaction_median_hours,
        reaction_sigma=fit.reaction_sigma or defaults.reaction_sigma,
        unsubscribe_probability=(
            defaults.unsubscribe_probability
            if fit.unsubscribe_probability is None
            else fit.unsubscribe_probability
        ),
        hard_bounce_probability=(
            defaults.hard_bounce_probability
            if fit.bounce_probability is None
            else fit.bounce_probability
        ),
    )
    roles = {wf.id: "signup"} if fit.role == "none" else {}
    population = Population(
        arrivals_per_day=fit.arrivals_per_day, existing_contacts=fit.existing_contacts
    )
    return population, Behaviour(email=email, roles=roles, hooks=hooks)


# Sales workflows are entered by hand-offs: a one-step feeder hands every new contact over.
FEEDER = parse_workflow(
    {
        "id": "whatif-feeder",
        "name": "Hand every new contact to sales (what-if feeder)",
        "version": 1,
        "entry": {"triggers": [{"type": "form_submitted"}]},
        "start": "handoff",
        "nodes": [
            {
                "id": "handoff",
                "type": "action",
                "action": "notify_sales",
                "activities": ["Handed to sales (what-if)"],
            },
            {"id": "done", "type": "end"},
        ],
        "edges": [{"from": "handoff", "to": "done"}],
    },
    source="what-if feeder",
)


def _run(
    fit: BehaviourFit,
    workflow: Workflow,
    multipliers: Mapping[str, float],
    days: int,
    seed: int,
    fixed: frozenset[str] = frozenset(),
    consent: float | None = None,
) -> Simulation:
    population, behaviour = _behaviour(fit, workflow, multipliers, fixed, consent)
    flows = [FEEDER, workflow] if fit.role == "handoff" else [workflow]
    try:
        return simulate(flows, population, behaviour, start=START, days=days, seed=seed)
    except ValueError as exc:
        raise ValueError(f"the what-if cannot simulate {workflow.id!r}: {exc}") from exc


def _click_rates(sim: Simulation, workflow: Workflow) -> dict[str, float]:
    """Per email node: share of the cases sent it that logged the click its wait waits for."""
    events = sim.events[sim.events["workflow_id"] == workflow.id]
    by_label = events.groupby("activity", observed=True)["case_id"].agg(lambda s: set(s))
    rates = {}
    for node in workflow.nodes:
        if node.action != "send_email" or not node.activities:
            continue
        click = next(
            (
                workflow.node(e.target)
                for e in workflow.outgoing(node.id)
                if workflow.node(e.target).type == "wait_for_event"
                and workflow.node(e.target).event == "email_click"
            ),
            None,
        )
        if click is None or not click.activities:
            continue
        sent = set().union(*(by_label.get(x, set()) for x in node.activities))
        clicked = set().union(*(by_label.get(x, set()) for x in click.activities))
        rates[node.id] = len(sent & clicked) / len(sent) if sent else float("nan")
    return rates


def kpis(sim: Simulation, workflow: Workflow) -> dict[str, float]:
    """The KPIs a what-if compares, from one simulation of ``workflow``.

    ``cases``, ``median_days`` / ``mean_days`` (case start to end), ``goal_share``,
    ``unenrolled_share``, ``emails_per_case``, ``logged_clicks_per_100_emails``,
    ``emails_after_unsubscribe``, ``rework_per_case``; per email node ``click_rate:<node>``;
    per logged step ``reach:<label>`` (share of cases reaching it) and ``days_to:<label>``
    (median days from the case's start to it, over the cases reaching it).
    """
    cases = sim.cases[sim.cases["workflow_id"] == workflow.id]
    n = len(cases)
    days = (cases["end"] - cases["start"]).dt.total_seconds() / 86400
    emails = sim.emails[sim.emails["workflow_id"] == workflow.id]
    events = sim.events[sim.events["workflow_id"] == workflow.id]
    activity = events["activity"].astype(str)
    labels = {x for node in workflow.nodes for x in node.activities}
    click_labels = {
        x for node in workflow.nodes if node.event == "email_click" for x in node.activities
    }
    after = pd.Series(False, index=emails.index)
    if len(emails):
        unsub = emails.groupby("contact_id")["unsubscribed"].min()
        after = emails["sent"] > emails["contact_id"].map(unsub)
    repeats = events[activity.isin(labels)].groupby(["case_id", "activity"], observed=True).size()
    nan = float("nan")
    result = {
        "cases": float(n),
        "median_days": float(days.median()) if n else nan,
        "mean_days": float(days.mean()) if n else nan,
        "goal_share": float((cases["outcome"] == "goal").mean()) if n else nan,
        "unenrolled_share": float((cases["outcome"] == "unenrolled").mean()) if n else nan,
        "emails_per_case": len(emails) / n if n else nan,
        "logged_clicks_per_100_emails": (
            100 * int(activity.isin(click_labels).sum()) / len(emails) if len(emails) else 0.0
        ),
        "emails_after_unsubscribe": float(after.sum()),
        "rework_per_case": float((repeats - 1).clip(lower=0).sum() / n) if n else 0.0,
    }
    for node, rate in _click_rates(sim, workflow).items():
        result[f"click_rate:{node}"] = rate
    start = cases.set_index("case_id")["start"]
    firsts = events.groupby(["activity", "case_id"], observed=True)["timestamp"].min()
    for label in sorted(labels):
        reached = firsts.loc[label] if label in firsts.index.get_level_values(0) else None
        result[f"reach:{label}"] = (len(reached) if reached is not None else 0) / n if n else nan
        if reached is not None and len(reached):
            waited = (reached - start.reindex(reached.index)).dt.total_seconds() / 86400
            result[f"days_to:{label}"] = float(waited.median())
        else:
            result[f"days_to:{label}"] = nan
    return result


@dataclass(frozen=True)
class WhatIf:
    """The estimated effect of a ChangeSet: per KPI the mean over seeds for the current and the
    changed workflow, the mean paired difference with its 90 % interval, the ``primary`` KPI for
    the suggestion's rule, and the ``method`` in words."""

    workflow_id: str
    primary: str
    table: pd.DataFrame  # kpi, current, changed, difference, low, high, relative
    seeds: tuple[int, ...]
    days: int
    method: str
    fit: BehaviourFit

    def row(self, kpi: str) -> pd.Series:
        """The table row of one KPI."""
        return self.table.set_index("kpi").loc[kpi]

    @property
    def sentence(self) -> str:
        """One sentence on the primary KPI."""
        r = self.row(self.primary)
        return (
            f"{self.primary}: {r['current']:.4g} now, {r['changed']:.4g} with the change "
            f"({r['difference']:+.4g}; 90 % interval {r['low']:+.4g} to {r['high']:+.4g}; "
            f"{len(self.seeds)} seeds × {self.days} days simulated)"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return plain(
            {
                "workflow_id": self.workflow_id,
                "primary": self.primary,
                "sentence": self.sentence,
                "kpis": self.table.to_dict("records"),
                "seeds": list(self.seeds),
                "days": self.days,
                "method": self.method,
                "fit": self.fit.to_dict(),
            }
        )


def _shown(workflow: Workflow, node_id: str) -> tuple[str, ...]:
    node = workflow.node(node_id)
    return node.activities or tuple(
        x for s in logged_successors(workflow, node_id) for x in s.activities
    )


def primary_kpi(rule: str, target: str, workflow: Workflow) -> str:
    """The KPI that shows a rule's change best (``median_days`` when none is closer).

    Example:
        >>> primary_kpi("email-nobody-clicks", "nurture_2", workflow)      # doctest: +SKIP
        'click_rate:nurture_2'
    """
    node = target.split("@", 1)[0].split("->")[-1]
    known = {n.id for n in workflow.nodes}
    if rule == "email-nobody-clicks":
        return f"click_rate:{node}"
    if rule == "consent-violation":
        return "emails_after_unsubscribe"
    if rule == "rework-hotspot":
        return "rework_per_case"
    if node in known and rule == "branch-never-taken" and _shown(workflow, node):
        return f"reach:{_shown(workflow, node)[0]}"
    if node in known and rule == "bottleneck" and workflow.node(node).activities:
        return f"days_to:{workflow.node(node).activities[0]}"
    if node in known and rule == "step-usually-skipped":
        after = logged_successors(workflow, node)
        if after:
            return f"days_to:{after[0].activities[0]}"
    return "median_days"


def _multipliers(
    fit: BehaviourFit,
    current: Workflow,
    changes: ChangeSet,
    assumptions: Mapping[str, Any],
    pilot: dict[str, float],
) -> tuple[dict[str, float], dict[str, float]]:
    """Click multipliers by email id for the current and the changed workflow: observed rate
    over the pilot's rate at the same node; a replacement email gets the assumed rate."""
    emails = _emails(current)
    now: dict[str, float] = {}
    for node, rate in fit.email_click_rate.items():
        base = pilot.get(node)
        if node in emails and base and base > 0:
            now[emails[node]] = max(rate / base, 1e-3)
    changed = dict(now)
    assumed = dict(assumptions.get("email_click_rate", {}))
    for op in changes.ops:
        if isinstance(op, ReplaceEmail) and op.email in assumed:
            base = pilot.get(op.node)
            if base and base > 0:
                changed[op.email] = max(float(assumed[op.email]) / base, 1e-3)
    return now, changed


def _consent_probability(fit: BehaviourFit, pilot: Simulation, workflow: Workflow) -> float | None:
    """The probability that an unsubscribed contact stays enrolled, so that the simulation
    shows as many contacts mailed after unsubscribing per case as the log (the pilot ran with
    probability 1)."""
    if not fit.consent_per_case:
        return None
    emails = pilot.emails[pilot.emails["workflow_id"] == workflow.id]
    cases = int((pilot.cases["workflow_id"] == workflow.id).sum())
    if emails.empty or not cases:
        return None
    unsub = emails.groupby("contact_id")["unsubscribed"].min()
    late = emails[emails["sent"] > emails["contact_id"].map(unsub)]
    per_case = late["contact_id"].nunique() / cases
    return 1.0 if per_case <= 0 else float(min(1.0, fit.consent_per_case / per_case))


def simulation_days(fit: BehaviourFit, days: int, min_cases: int = 400) -> int:
    """``days``, lengthened (up to a year) until about ``min_cases`` cases enter: a
    low-volume workflow (a sales pipeline) needs longer runs for a steady estimate."""
    daily = fit.arrivals_per_day * _WEEK_FACTOR + fit.existing_contacts / max(days, 1)
    if daily <= 0:
        return days
    return int(min(365, max(days, math.ceil(min_cases / daily))))


def what_if(
    changes: ChangeSet,
    workflow: Workflow,
    fit: BehaviourFit,
    *,
    rule: str = "",
    target: str = "",
    assumptions: Mapping[str, Any] | None = None,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    days: int = 60,
) -> WhatIf:
    """Simulate ``workflow`` and ``changes.apply(workflow)`` with the fitted behaviour for each
    seed (the same seeds for both) and compare their KPIs. ``assumptions`` (from the
    suggestion) may give a replacement email's click rate (``email_click_rate``) and the fitted
    problems the change fixes (``fixes``: ``skip:<node>``, ``delay:<node>``, ``rework:<node>``).

    Example:
        >>> result = what_if(suggestion.changes, workflow, fit_behaviour(workflow, log))
        ...                                                                   # doctest: +SKIP
        >>> result.sentence                                                   # doctest: +SKIP
    """
    if len(seeds) < 2:
        raise ValueError("a what-if needs at least 2 seeds for an interval")
    if workflow.id != fit.workflow_id:
        raise ValueError(f"the behaviour was fitted for {fit.workflow_id!r}, not {workflow.id!r}")
    assumptions = assumptions or {}
    changed = changes.apply(workflow)
    days = simulation_days(fit, days)
    fixed = frozenset(str(f) for f in assumptions.get("fixes", ()))
    # a longer pilot run calibrates the click rates and the emails kept after an unsubscribe
    pilot_sim = _run(fit, workflow, {}, days * 3, seeds[0] + 10_000, consent=1.0)
    pilot = _click_rates(pilot_sim, workflow)
    now, then = _multipliers(fit, workflow, changes, assumptions, pilot)
    consent = _consent_probability(fit, pilot_sim, workflow)
    rows_now, rows_then = [], []
    for seed in seeds:
        rows_now.append(kpis(_run(fit, workflow, now, days, seed, consent=consent), workflow))
        run = _run(fit, changed, then, days, seed, fixed, consent)
        rows_then.append(kpis(run, changed))
    a, b = pd.DataFrame(rows_now), pd.DataFrame(rows_then)
    names = [k for k in a.columns if k in b.columns]
    q = student.ppf(0.95, len(seeds) - 1)
    table = []
    for name in names:
        diff = (b[name] - a[name]).astype(float)
        mean, sd = float(diff.mean()), float(diff.std(ddof=1))
        half = q * sd / math.sqrt(len(seeds)) if sd == sd else float("nan")
        base = float(a[name].mean())
        table.append(
            {
                "kpi": name,
                "current": base,
                "changed": float(b[name].mean()),
                "difference": mean,
                "low": mean - half,
                "high": mean + half,
                "relative": mean / base if base else float("nan"),
            }
        )
    primary = primary_kpi(rule, target, workflow)
    if primary not in names:
        primary = "median_days"
    assumed = []
    if assumptions.get("email_click_rate"):
        assumed.append(
            "a replacement email is clicked like "
            + ", ".join(f"{k}: {v:.1%}" for k, v in assumptions["email_click_rate"].items())
        )
    if fixed:
        assumed.append("the change fixes " + ", ".join(sorted(fixed)))
    method = (
        f"simulation of the current and the changed workflow, {len(seeds)} seeds × {days} days, "
        "same seeds for both (common random numbers); 90 % interval of the paired difference "
        "(Student t). Fitted from the log: "
        + ("; ".join(fit.fitted) if fit.fitted else "nothing")
        + ". Simulator defaults for the rest (sales stage times, win and reply rates)."
        + (" Assumed: " + "; ".join(assumed) + "." if assumed else "")
    )
    return WhatIf(
        workflow_id=workflow.id,
        primary=primary,
        table=pd.DataFrame(table),
        seeds=tuple(int(s) for s in seeds),
        days=int(days),
        method=method,
        fit=fit,
    )


def suggestion_what_if(
    suggestion: Suggestion,
    workflow: Workflow,
    fit: BehaviourFit,
    *,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    days: int = 60,
) -> WhatIf:
    """:func:`what_if` for a suggestion: its ChangeSet, rule, target and assumptions.

    Example:
        >>> suggestion_what_if(report.suggestions[0], workflow, fit).sentence  # doctest: +SKIP
    """
    return what_if(
        suggestion.changes,
        workflow,
        fit,
        rule=suggestion.rule,
        target=suggestion.target,
        assumptions=suggestion.assumptions,
        seeds=seeds,
        days=days,
    )

"""What-if: the expected effect of a ChangeSet, by simulating the current and the changed workflow
with behaviour fitted from the log, over several seeds, and comparing their KPIs.

Method (``WhatIf.method`` says it in words): the seeded simulator runs both versions with the
same seeds (common random numbers), so the difference per seed is the change's effect and its
spread over seeds gives a 90 % interval (Student t). Behaviour fitted from the log
(:func:`fit_behaviour`): arrivals per day, the contacts' reaction time to emails, each email's
click rate (calibrated on a pilot run), unsubscribe and bounce rates (from a message log),
steps skipped, branches never taken, rework per rep, a segment's delay at a step, and emails
kept after an unsubscribe, and a sales workflow's stage times, win and reply rates and reply
time (the simulator's defaults scaled until a pilot run shows the log's values). What the log
cannot tell (how the rates differ by lead grade) keeps the simulator's documented defaults,
listed in ``BehaviourFit.assumed``.
A change that fixes a fitted problem removes its hook: a removed step is no longer skipped, an
``unsubscribed`` suppression stops emails after an unsubscribe, a replaced email gets the click
rate the suggestion assumes.
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
from automation._admin import SavedSuggestion
from automation._analysis import (
    Analysis,
    _id_text,
    logged_predecessors,
    logged_successors,
    reachable_without,
)
from automation._changes import (
    AddSalesTask,
    AddSuppression,
    ChangeSet,
    InsertReengagementBranch,
    ReorderSteps,
    ReplaceEmail,
)
from automation._conditions import compile_condition
from automation._rules_engagement import email_ids_by_step, inactivity, messages
from automation._rules_process import bottleneck
from automation._simulate import simulate_workflows, workflow_role
from automation._suggestion_model import Suggestion, Thresholds, plain
from automation._workflow import Workflow, parse_workflow
from simulation import (
    Behaviour,
    BranchBias,
    ConsentViolation,
    DelayOverride,
    EmailBehaviour,
    Population,
    ReworkOverride,
    SalesBehaviour,
    Simulation,
    SkipOverride,
)

START = date(2025, 1, 6)
_WEEK_FACTOR = (5 + 2 * 0.35) / 7  # the Population's mean daily share of its weekday rate


@dataclass(frozen=True)
class BehaviourFit:
    """Behaviour parameters fitted from a log for one workflow (plain data, JSON round-trip).

    Example:
        >>> fit = fit_behaviour(workflow, log)                       # doctest: +SKIP
        >>> fit.email_click_rate                                     # doctest: +SKIP
        {'welcome': 0.087, 'guide': 0.082, 'offer': 0.008}
    """

    workflow_id: str
    role: str
    arrivals_per_day: float
    existing_contacts: int = 0
    reaction_median_hours: float | None = None
    reaction_sigma: float | None = None
    email_click_rate: Mapping[str, float] = field(default_factory=dict)
    email_unsubscribe_rate: Mapping[str, float] = field(default_factory=dict)
    open_rate: float | None = None
    unsubscribe_probability: float | None = None
    bounce_probability: float | None = None
    consent_per_case: float | None = None
    skip: Mapping[str, float] = field(default_factory=dict)
    never_taken: tuple[tuple[str, str], ...] = ()
    rework: tuple[tuple[str, str | None, float], ...] = ()
    delays: tuple[tuple[str, str, str, float], ...] = ()
    stage_hours: Mapping[str, float] = field(default_factory=dict)
    sales: Mapping[str, float] = field(default_factory=dict)
    fitted: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()

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
        values["assumed"] = tuple(values.get("assumed", ()))
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
        if node.awaits != "clicked" or not node.activities:
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
    where = "the click waits"
    sends = _workflow_messages(a)
    if len(sends) and sends["click_at"].notna().sum() >= 20:
        # the message log sees every click, also those after the wait ended (the campaign log
        # only those inside it): the reaction time is not cut short by a short wait
        clicked = sends.dropna(subset=["click_at"])
        pooled = (clicked["click_at"] - clicked["sent_at"]).dt.total_seconds().clip(lower=1)
        where = "the message log's clicks"
    if len(pooled) >= 20:
        median = float(pooled.median() / 3600)
        sigma = _quantile_sigma(pooled)
        fitted.append(f"reaction time from {where} (median {median:.1f} h, sigma {sigma:.2f})")
    if clicks:
        fitted.append("click rate of " + ", ".join(sorted(clicks)))

    unsubscribe = bounce = consent = None
    per_email: dict[str, float] = {}
    opened = None
    if len(sends):
        opened = round(float(sends["open_at"].notna().mean()), 6)
        fitted.append(f"open rate {opened:.1%}")
        for node_id, frame in sends.groupby("step"):
            left = frame["unsubscribe_at"].notna() | frame["spam_at"].notna()
            per_email[str(node_id)] = round(float(left.mean()), 6)
        fitted.append("unsubscribe and spam rate of " + ", ".join(sorted(per_email)))
    if a.email_log is not None:
        counts = mining.attribute_counts(a.email_log, "activity").set_index("value")["events"]
        words = a.email_log.vocabulary

        def events(kind: str) -> float:
            return float(sum(counts.get(label, 0) for label in words.labels(kind)))

        sent = events("sent")
        if sent:
            unsubscribe = events("unsubscribed") / sent
            bounce = events("bounced") / sent
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
    stages: dict[str, float] = {}
    sales: dict[str, float] = {}
    assumed: list[str] = []
    if role == "handoff":
        stages, missing = _stage_hours(a, wf)
        if stages:
            fitted.append("stage times of " + ", ".join(sorted(stages)))
        if missing:
            assumed.append(
                f"stage times of {', '.join(missing)} "
                f"({SalesBehaviour().default_stage_hours:g} working hours: too few cases)"
            )
        measured = _sales_measures(a.first, wf)
        for key, what in (
            ("win", "win rate {:.1%}"),
            ("reply", "reply rate {:.1%}"),
            ("reply_time", "reply time (median {:.1f} h)"),
        ):
            if key not in measured:
                continue
            value, n = measured[key]
            if n >= a.thresholds.min_cases:
                sales[key] = round(float(value), 4)
                fitted.append(what.format(value) + f" from {n} cases")
            else:
                assumed.append(what.split(" {")[0] + f" (simulator default: {n} cases)")
        if {"win", "reply"} & sales.keys():
            assumed.append("how the win and reply rates differ by lead grade (simulator defaults)")
    mails = any(n.action == "send_email" for n in wf.nodes) and role != "handoff"
    if mails and median is None:
        assumed.append("reaction time to emails (simulator default)")
    if mails and unsubscribe is None:
        assumed.append("unsubscribe and bounce rates (simulator defaults)")
    return BehaviourFit(
        workflow_id=wf.id,
        role=role,
        arrivals_per_day=round(arrivals, 4),
        existing_contacts=existing,
        reaction_median_hours=median,
        reaction_sigma=sigma,
        email_click_rate=clicks,
        email_unsubscribe_rate=per_email,
        open_rate=opened,
        unsubscribe_probability=unsubscribe,
        bounce_probability=bounce,
        consent_per_case=consent,
        skip=skip,
        never_taken=tuple(never),
        rework=tuple(rework),
        delays=tuple(delays),
        stage_hours=stages,
        sales=sales,
        fitted=tuple(fitted),
        assumed=tuple(assumed),
    )


def _working_share(sales: SalesBehaviour) -> float:
    """The share of the week's 168 hours the simulated team works (45 for the default)."""
    start, end = (int(t[:2]) + int(t[3:]) / 60 for t in (sales.working_start, sales.working_end))
    return len(sales.working_days) * (end - start) / 168


def _stage_hours(a: Analysis, workflow: Workflow) -> tuple[dict[str, float], list[str]]:
    """Median working hours from a step's logged predecessors to the step, per step with at
    least ``min_cases`` cases (the wall-clock gap scaled to the team's working week), and the
    sorted ids of the steps with too few cases (a first step has no gap and is in neither)."""
    share = _working_share(SalesBehaviour())
    hours, missing = {}, []
    for node in workflow.nodes:
        if not node.activities or node.type == "wait_for_event":
            continue
        source = tuple(x for p in logged_predecessors(workflow, node.id) for x in p.activities)
        if not source:
            continue
        gaps = a.gaps(source, node.activities)
        if len(gaps) >= a.thresholds.min_cases:
            hours[node.id] = round(float(gaps.median()) / 3600 * share, 3)
        else:
            missing.append(node.id)
    return hours, sorted(missing)


def _reply_waits(workflow: Workflow) -> list[Any]:
    """The logged waits for a reply (the simulator draws whether one comes)."""
    return [n for n in workflow.nodes if n.awaits == "replied" and n.activities]


def _sales_measures(first: pd.DataFrame, workflow: Workflow) -> dict[str, tuple[float, int]]:
    """What a sales log tells of the team and its leads, as (value, cases it rests on), from a
    case × activity frame of first times (the log's or a simulation's, so both are measured
    alike): ``win``, the share of the cases that reached the steps logged before a decision
    on ``agreed`` that reached a goal; ``reply``, the share of those sent what a reply wait
    waits for that logged the reply; ``reply_time``, the median hours until it."""

    def reach(labels: tuple[str, ...]) -> pd.Series:
        columns = [x for x in labels if x in first.columns]
        if not columns:
            return pd.Series(pd.NaT, index=first.index, dtype="datetime64[us, UTC]")
        return first[columns].min(axis=1)

    def before(node_id: str) -> tuple[str, ...]:
        return tuple(x for p in logged_predecessors(workflow, node_id) for x in p.activities)

    goals = tuple(x for g in workflow.goals for x in g.activities)
    found: dict[str, tuple[float, int]] = {}
    for node in workflow.nodes:
        conditions = [e.condition for e in workflow.outgoing(node.id) if e.condition]
        agreed = any("agreed" in compile_condition(c).names for c in conditions)
        if "win" not in found and node.type == "decision" and agreed and goals and before(node.id):
            base = reach(before(node.id)).notna()
            won = base & reach(goals).notna()
            found["win"] = (won.sum() / max(base.sum(), 1), int(base.sum()))
        if "reply" not in found and node.id in {n.id for n in _reply_waits(workflow)}:
            if not before(node.id):
                continue
            sent, replied = reach(before(node.id)), reach(node.activities)
            base = sent.notna()
            gaps = (replied - sent).dt.total_seconds()
            gaps = gaps[base & (gaps > 0)]
            found["reply"] = (len(gaps) / max(base.sum(), 1), int(base.sum()))
            if len(gaps):
                found["reply_time"] = (float(gaps.median()) / 3600, len(gaps))
    return found


def _sales_scales(fit: BehaviourFit, pilot: Simulation, workflow: Workflow) -> dict[str, float]:
    """Per fitted sales measure (``win``, ``reply``, ``reply_time``): the log's value over the
    pilot's, which ran with the default rates per lead grade and the default reply time; the
    defaults are scaled by it (the pilot logs a reply when the team works, as a log does)."""
    if not fit.sales:
        return {}
    events = pilot.events[pilot.events["workflow_id"] == workflow.id]
    first = events.pivot_table(
        index="case_id", columns="activity", values="timestamp", aggfunc="min", observed=True
    )
    scales = {}
    for key, (value, _) in _sales_measures(first, workflow).items():
        if key in fit.sales and value > 0:
            scales[key] = float(fit.sales[key]) / value
    return scales


def _workflow_messages(a: Analysis) -> pd.DataFrame:
    """The message log's sends of the workflow's email steps, with the ``step`` that sent each
    (empty without a message log or without email ids to join on)."""
    if a.email_log is None:
        return pd.DataFrame()
    frame = messages(a)
    steps = {i: node for node, ids in email_ids_by_step(a).items() for i in ids}
    if frame.empty or not steps:
        return pd.DataFrame()
    mine = frame[frame["email"].isin(steps)].copy()
    mine["step"] = mine["email"].map(steps)
    return mine


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
    unsubscribes: Mapping[str, float] | None = None,
    scales: Mapping[str, float] | None = None,
) -> tuple[Population, Behaviour]:
    """Population and behaviour for one version: hooks only for what the version still has
    and the change is not assumed to fix (``fixed``: ``skip:<node>``, ``delay:<node>``,
    ``rework:<node>``); ``consent`` is the probability that an unsubscribed contact stays
    enrolled when the version does not suppress ``unsubscribed``; ``unsubscribes`` the
    unsubscribe multiplier per email id; ``scales`` the factors on the default win and reply
    rates per lead grade and reply time (``win``, ``reply``, ``reply_time``) that match the
    log (:func:`_sales_scales`)."""
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
    opens, mpp = defaults.open_probability, Population().mpp_share
    if fit.open_rate is not None:
        # every open the message log shows (an Apple Mail pre-fetch included) as a human open,
        # at the rate of the log: the default grades' rates scaled to it
        weights = Population().fit_weights
        mean = sum(weights[g] * p for g, p in opens.items()) / sum(weights.values())
        opens = {g: min(p * fit.open_rate / mean, 0.99) for g, p in opens.items()}
        mpp = 0.0
    email = EmailBehaviour(
        open_probability=opens,
        email_click_multiplier={k: v for k, v in multipliers.items() if k in sent},
        email_unsubscribe_multiplier={k: v for k, v in (unsubscribes or {}).items() if k in sent},
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
        arrivals_per_day=fit.arrivals_per_day,
        existing_contacts=fit.existing_contacts,
        mpp_share=mpp,
    )
    base, scales = SalesBehaviour(), scales or {}

    def scaled(rates: Mapping[str, float], key: str) -> dict[str, float]:
        return {g: min(p * scales.get(key, 1.0), 0.99) for g, p in rates.items()}

    sales = SalesBehaviour(
        stage_hours=dict(fit.stage_hours),
        win_probability=scaled(base.win_probability, "win"),
        reply_probability=scaled(base.reply_probability, "reply"),
        reply_median_hours=base.reply_median_hours * scales.get("reply_time", 1.0),
    )
    return population, Behaviour(email=email, sales=sales, roles=roles, hooks=hooks)


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
    unsubscribes: Mapping[str, float] | None = None,
    scales: Mapping[str, float] | None = None,
) -> Simulation:
    population, behaviour = _behaviour(
        fit, workflow, multipliers, fixed, consent, unsubscribes, scales
    )
    flows = [FEEDER, workflow] if fit.role == "handoff" else [workflow]
    try:
        return simulate_workflows(flows, population, behaviour, start=START, days=days, seed=seed)
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
                if workflow.node(e.target).awaits == "clicked"
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
    ``emails_after_unsubscribe``, ``rework_per_case``, ``emails_to_inactive_per_case`` (sends
    to contacts with no open or click on their last ``Thresholds.inactive_sends`` emails or for
    ``inactive_days``, as ``inactive-contacts-mailed`` counts them); per email node
    ``click_rate:<node>`` and ``unsubscribe_rate:<node>`` (share of its sends unsubscribed on);
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
        x for node in workflow.nodes if node.awaits == "clicked" for x in node.activities
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
        "emails_to_inactive_per_case": _inactive_sends(emails) / n if n else nan,
    }
    for node, email in _emails(workflow).items():
        sent = emails[emails["email"] == email]
        result[f"unsubscribe_rate:{node}"] = (
            float(sent["unsubscribed"].notna().mean()) if len(sent) else nan
        )
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


def _inactive_sends(emails: pd.DataFrame) -> int:
    """Sends to contacts with no open (an Apple Mail pre-fetch counts, as in the message log) or
    click on their last ``inactive_sends`` emails, or for ``inactive_days`` while mailed."""
    if emails.empty:
        return 0
    t = Thresholds()
    frame = pd.DataFrame(
        {
            "case_id": emails["case_id"].to_numpy(),
            "contact": emails["contact_id"].to_numpy(),
            "sent_at": emails["sent"].to_numpy(),
            "open_at": emails[["opened", "mpp_open"]].min(axis=1).to_numpy(),
            "click_at": emails["clicked"].to_numpy(),
        }
    )
    table = inactivity(frame)
    flagged = (table["unengaged"] >= t.inactive_sends) | (
        (table["unengaged"] >= 1) & (table["days_inactive"] >= t.inactive_days)
    )
    return int(flagged.sum())


@dataclass(frozen=True)
class WhatIf:
    """The estimated effect of a ChangeSet: per KPI the mean over seeds for the current and the
    changed workflow, the mean paired difference with its 90 % interval, the ``primary`` KPI for
    the suggestion's rule, and the ``method`` in words. ``approach`` says how it was estimated:
    ``simulation``, ``replay`` (the log's cases replayed against the change), or ``not
    estimated`` (a change the simulator cannot represent: ``reason``
    says why, and the table is empty)."""

    workflow_id: str
    primary: str
    table: pd.DataFrame  # kpi, current, changed, difference, low, high, relative
    seeds: tuple[int, ...]
    days: int
    method: str
    fit: BehaviourFit
    approach: str = "simulation"
    reason: str = ""

    @property
    def estimated(self) -> bool:
        """Whether there is an estimate (False: ``reason`` says why not)."""
        return self.approach != "not estimated"

    def row(self, kpi: str) -> pd.Series:
        """The table row of one KPI."""
        return self.table.set_index("kpi").loc[kpi]

    @property
    def sentence(self) -> str:
        """One sentence on the primary KPI (or on why there is no estimate)."""
        if not self.estimated:
            return f"not estimated: {self.reason}"
        r = self.row(self.primary)
        if self.approach == "replay":
            return (
                f"{self.primary}: {r['current']:.4g} now, {r['changed']:.4g} with the change "
                f"({r['difference']:+.4g}; 90 % interval {r['low']:+.4g} to {r['high']:+.4g}; "
                f"replay of {self.days} days of the log)"
            )
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
                "approach": self.approach,
                "reason": self.reason,
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
        >>> primary_kpi("email-nobody-clicks", "offer_email", workflow)      # doctest: +SKIP
        'click_rate:offer_email'
    """
    node = target.split("@", 1)[0].split("->")[-1]
    known = {n.id for n in workflow.nodes}
    if rule == "email-nobody-clicks":
        return f"click_rate:{node}"
    if rule == "consent-violation":
        return "emails_after_unsubscribe"
    if rule == "rework-hotspot":
        return "rework_per_case"
    if rule == "drop-off-hotspot":
        return f"unsubscribe_rate:{node}"
    if rule == "inactive-contacts-mailed":
        return "emails_to_inactive_per_case"
    if node in known and rule == "wait-too-short" and workflow.node(node).activities:
        return f"reach:{workflow.node(node).activities[0]}"
    branch_rules = ("branch-never-taken", "branch-always-taken")
    if node in known and rule in branch_rules and _shown(workflow, node):
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
        elif isinstance(op, ReplaceEmail) and emails.get(op.node) in now:
            changed[op.email] = now[emails[op.node]]  # clicked like the email it replaces
        elif isinstance(op, InsertReengagementBranch) and now:
            changed[op.email] = float(np.mean(list(now.values())))  # like the others on average
    return now, changed


def _unsubscribe_multipliers(
    fit: BehaviourFit, current: Workflow, changes: ChangeSet, assumptions: Mapping[str, Any]
) -> tuple[dict[str, float], dict[str, float]]:
    """Unsubscribe multipliers by email id for the current and the changed workflow: each
    email's unsubscribe and spam rate in the message log over the simulated base rate; a
    replacement email gets the rate the suggestion assumes, else that of the email it
    replaces."""
    emails = _emails(current)
    base = (
        EmailBehaviour().unsubscribe_probability
        if fit.unsubscribe_probability is None
        else fit.unsubscribe_probability
    )
    now: dict[str, float] = {}
    if base > 0:
        for node, rate in fit.email_unsubscribe_rate.items():
            if node in emails:
                now[emails[node]] = max(float(rate) / base, 1e-3)
    changed = dict(now)
    assumed = dict(assumptions.get("email_unsubscribe_rate", {}))
    for op in changes.ops:
        if isinstance(op, ReplaceEmail) and op.email in assumed and base > 0:
            changed[op.email] = max(float(assumed[op.email]) / base, 1e-3)
        elif isinstance(op, ReplaceEmail) and emails.get(op.node) in now:
            changed[op.email] = now[emails[op.node]]
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


_COLUMNS = ("kpi", "current", "changed", "difference", "low", "high", "relative")


def _assumed(changes: ChangeSet, workflow: Workflow, assumptions: Mapping[str, Any]) -> list[str]:
    """What the changed run assumes beyond the log, in words (for ``WhatIf.method``)."""
    emails = _emails(workflow)
    clicks = dict(assumptions.get("email_click_rate", {}))
    leaves = dict(assumptions.get("email_unsubscribe_rate", {}))
    assumed = []
    if clicks:
        assumed.append(
            "a replacement email is clicked like "
            + ", ".join(f"{k}: {v:.1%}" for k, v in clicks.items())
        )
    if leaves:
        assumed.append(
            "a replacement email is unsubscribed from like "
            + ", ".join(f"{k}: {v:.2%}" for k, v in leaves.items())
        )
    for op in changes.ops:
        if isinstance(op, ReplaceEmail) and op.email not in clicks:
            assumed.append(f"{op.email} is clicked like {emails.get(op.node, op.node)}")
        if isinstance(op, ReplaceEmail) and op.email not in leaves:
            assumed.append(f"{op.email} is unsubscribed from like {emails.get(op.node, op.node)}")
        if isinstance(op, InsertReengagementBranch):
            assumed.append(
                f"{op.email} is clicked like the workflow's emails on average; the "
                f"{op.sunset_list} list ends this workflow's emails only (the emails it would "
                "spare in other workflows or later enrolments are not simulated)"
            )
    return assumed


# suppression lists the simulator knows who is on (see simulation._engine)
SIMULATED_LISTS = frozenset({"competitors", "customers", "unsubscribed", "hard_bounced"})


def not_simulated(changes: ChangeSet, assumptions: Mapping[str, Any] | None = None) -> list[str]:
    """Why the simulator cannot estimate ``changes`` (empty: it can): an operation whose effect
    lies outside what it models.

    Example:
        >>> not_simulated(ChangeSet("w", 1, (AddSuppression(("vip",)),)))  # doctest: +SKIP
        ['add_suppression of vip: the simulator runs this workflow alone and does not ...']
    """
    fixes = tuple((assumptions or {}).get("fixes", ()))
    reasons = []
    for op in changes.ops:
        if isinstance(op, AddSalesTask) and not fixes:
            reasons.append(
                f"add_sales_task {op.task!r} before {op.before!r} adds a task for the team, "
                "which logs nothing in the "
                "simulator: what the team does with it (moves stuck cases on, checks with "
                "sales first, settles a step) is not modelled, and it fixes no problem fitted "
                "from the log"
            )
        elif isinstance(op, ReorderSteps):
            reasons.append(
                f"{op.describe()} makes the design describe the order the cases already "
                "follow; the simulator walks whatever design it is given, so it cannot say "
                "how many of the log's cases the new order describes (that is conformance, "
                "the rule's own measure)"
            )
        elif isinstance(op, AddSuppression):
            unknown = [x for x in op.lists if x.strip().lower() not in SIMULATED_LISTS]
            if unknown:
                reasons.append(
                    f"add_suppression of {', '.join(unknown)}: the simulator runs this workflow "
                    "alone and does not know who is on these lists (contacts of other "
                    "workflows); a fatigue-across-workflows suggestion is replayed on the log "
                    "instead when its analysis is given"
                )
    return reasons


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
    primary: str | None = None,
) -> WhatIf:
    """Simulate ``workflow`` and ``changes.apply(workflow)`` with the fitted behaviour for each
    seed (the same seeds for both) and compare their KPIs. ``assumptions`` (from the
    suggestion) may give a replacement email's click rate (``email_click_rate``) and the fitted
    problems the change fixes (``fixes``: ``skip:<node>``, ``delay:<node>``, ``rework:<node>``)
    and a replacement email's unsubscribe and spam rate (``email_unsubscribe_rate``); a change
    the simulator cannot represent (:func:`not_simulated`) gives a WhatIf ``not estimated``
    with the reason and no numbers. ``primary`` overrides the rule's primary KPI.

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
    reasons = not_simulated(changes, assumptions)
    if reasons:
        return WhatIf(
            workflow_id=workflow.id,
            primary=primary or primary_kpi(rule, target, workflow),
            table=pd.DataFrame(columns=list(_COLUMNS)),
            seeds=(),
            days=0,
            method="not simulated: " + "; ".join(reasons) + ".",
            fit=fit,
            approach="not estimated",
            reason="; ".join(reasons),
        )
    days = simulation_days(fit, days)
    fixed = frozenset(str(f) for f in assumptions.get("fixes", ()))
    leave_now, leave_then = _unsubscribe_multipliers(fit, workflow, changes, assumptions)
    # a longer pilot run calibrates the click rates, the emails kept after an unsubscribe and
    # the sales team's win and reply rates
    pilot_sim = _run(
        fit, workflow, {}, days * 3, seeds[0] + 10_000, consent=1.0, unsubscribes=leave_now
    )
    pilot = _click_rates(pilot_sim, workflow)
    now, then = _multipliers(fit, workflow, changes, assumptions, pilot)
    consent = _consent_probability(fit, pilot_sim, workflow)
    scales = _sales_scales(fit, pilot_sim, workflow)
    rows_now, rows_then = [], []
    for seed in seeds:
        run = _run(fit, workflow, now, days, seed, frozenset(), consent, leave_now, scales)
        rows_now.append(kpis(run, workflow))
        run = _run(fit, changed, then, days, seed, fixed, consent, leave_then, scales)
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
    primary = primary or primary_kpi(rule, target, workflow)
    if primary not in names:
        primary = "median_days"
    assumed = _assumed(changes, workflow, assumptions)
    if fixed:
        assumed.append("the change fixes " + ", ".join(sorted(fixed)))
    method = (
        f"simulation of the current and the changed workflow, {len(seeds)} seeds × {days} days, "
        "same seeds for both (common random numbers); 90 % interval of the paired difference "
        "(Student t). Fitted from the log: "
        + ("; ".join(fit.fitted) if fit.fitted else "nothing")
        + ". Assumed, not in the log: "
        + ("; ".join(fit.assumed) if fit.assumed else "nothing")
        + "."
        + (" The change assumes: " + "; ".join(assumed) + "." if assumed else "")
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


def replay_fatigue(suggestion: Suggestion, analysis: Analysis, fit: BehaviourFit) -> WhatIf:
    """The ``fatigue-across-workflows`` suppression replayed on the log: this workflow's emails
    to a contact while the contact had a case open in one of the other workflows are taken out,
    and the contact-weeks over the weekly limit counted again; 90 % interval by bootstrapping
    the workflow's contacts (1,000 resamples, seed 0).

    Example:
        >>> replay_fatigue(suggestion, analysis, fit).sentence               # doctest: +SKIP
    """
    a, d = analysis, suggestion.evidence.details
    contact, group, limit = d["contact_column"], d["workflow_column"], int(d["weekly_limit"])
    assert a.source_log is not None
    events = a.source_log.to_pandas()
    events = events[events[contact].notna()].copy()
    events["contact"] = events[contact].map(_id_text)
    events["workflow"] = events[group].map(_id_text)
    own_cases = set(a.cases.index.astype(str))
    own = events["case_id"].astype(str).isin(own_cases)
    others = set(map(str, d["other_workflows"]))
    labels = {x for n in a.workflow.nodes if n.action == "send_email" for x in n.activities}
    is_send = events["activity"].isin(labels)
    if "channel" in events.columns:
        is_send |= events["channel"].astype(str) == "email"
    sends = events[is_send]
    spans = (
        events[events["workflow"].isin(others)]
        .groupby("case_id")
        .agg(contact=("contact", "first"), start=("timestamp", "min"), end=("timestamp", "max"))
    )
    mine = sends[own.loc[sends.index]]
    joined = mine.reset_index().merge(spans, on="contact", how="inner")
    inside = joined[
        (joined["timestamp"] >= joined["start"]) & (joined["timestamp"] <= joined["end"])
    ]
    suppressed = set(inside["index"])
    contacts = sorted(set(a.cases[contact].dropna().map(_id_text)))

    def over(frame: pd.DataFrame) -> pd.Series:
        week = frame["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W-SUN")
        table = frame.groupby(["contact", week]).agg(
            sends=("case_id", "size"), workflows=("workflow", "nunique")
        )
        heavy = table[(table["sends"] >= limit) & (table["workflows"] > 1)]
        per = heavy.groupby(level="contact").size()
        return per.reindex(contacts, fill_value=0)

    before = over(sends)
    after = over(sends.drop(index=list(suppressed)))
    emails = mine.groupby("contact").size().reindex(contacts, fill_value=0)
    cut = mine.loc[list(suppressed)].groupby("contact").size().reindex(contacts, fill_value=0)
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(contacts), size=(1000, len(contacts)))
    rows = []
    for kpi, now, then in (
        ("contact_weeks_over_limit", before, after),
        ("contacts_over_limit", (before > 0).astype(int), (after > 0).astype(int)),
        ("emails_of_this_workflow", emails, emails - cut),
    ):
        diff = (then - now).to_numpy()
        boots = diff[picks].sum(axis=1)
        low, high = np.quantile(boots, [0.05, 0.95])
        base = float(now.sum())
        rows.append(
            {
                "kpi": kpi,
                "current": base,
                "changed": float(then.sum()),
                "difference": float(diff.sum()),
                "low": float(low),
                "high": float(high),
                "relative": float(diff.sum()) / base if base else float("nan"),
            }
        )
    method = (
        f"replay of the log ({a.log_name}): this workflow's emails to a contact while the "
        f"contact had a case open in workflow {', '.join(sorted(others))} ({group}) are taken "
        f"out ({len(suppressed)} of {len(mine)}), as the suppression would; weeks with "
        f"{limit} or more emails from several workflows counted again per contact and "
        "calendar week; 90 % interval from 1,000 bootstrap resamples of the workflow's "
        f"{len(contacts)} contacts. Not replayed: what the suppressed contacts would have done "
        "instead (entering the workflow later)."
    )
    return WhatIf(
        workflow_id=a.workflow.id,
        primary="contact_weeks_over_limit",
        table=pd.DataFrame(rows, columns=list(_COLUMNS)),
        seeds=(),
        days=round(a.period_days),
        method=method,
        fit=fit,
        approach="replay",
    )


def suggestion_what_if(
    suggestion: Suggestion,
    workflow: Workflow,
    fit: BehaviourFit,
    *,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    days: int = 60,
    analysis: Analysis | None = None,
) -> WhatIf:
    """:func:`what_if` for a suggestion: its ChangeSet, rule, target and assumptions; with the
    ``analysis`` of the log, a ``fatigue-across-workflows`` suppression (which the simulator,
    running one workflow, cannot represent) is replayed on the log instead
    (:func:`replay_fatigue`).

    Example:
        >>> suggestion_what_if(report.suggestions[0], workflow, fit).sentence  # doctest: +SKIP
    """
    if suggestion.rule == "fatigue-across-workflows" and analysis is not None:
        return replay_fatigue(suggestion, analysis, fit)
    primary = None
    kpi = str(suggestion.evidence.details.get("kpi", ""))
    if suggestion.rule == "behaviour-changed-between-versions" and kpi:
        primary = "median_days" if kpi == "throughput" else kpi
    return what_if(
        suggestion.changes,
        workflow,
        fit,
        rule=suggestion.rule,
        target=suggestion.target,
        assumptions=suggestion.assumptions,
        seeds=seeds,
        days=days,
        primary=primary,
    )


REPLAYED_RULES = ("fatigue-across-workflows",)  # changes estimated by a replay of the log


def saved_what_if(
    saved: SavedSuggestion,
    log: mining.EventLog | None = None,
    *,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    days: int = 60,
) -> WhatIf:
    """:func:`suggestion_what_if` for a suggestion as ``mejora suggest`` saved it, with the
    behaviour fitted then; a change the simulator cannot represent (``REPLAYED_RULES``) is
    replayed on ``log``, the log the suggestion came from, when it is given.

    Example:
        >>> saved_what_if(load_suggestion(store, "s-f751296d87")).sentence   # doctest: +SKIP
    """
    replay = log is not None and saved.suggestion.rule in REPLAYED_RULES
    return suggestion_what_if(
        saved.suggestion,
        saved.workflow,
        BehaviourFit.from_dict(saved.fit),
        seeds=seeds,
        days=days,
        analysis=Analysis(saved.workflow, log) if replay else None,
    )

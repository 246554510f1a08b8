"""A seeded discrete-event simulator of designed workflows, written out as real CRM exports.

``simulate(flows, population, behaviour, start=..., days=..., seed=...)`` walks every contact
through every workflow (a :class:`simulation.Flow`, the plain design graph) it enters and
returns a :class:`Simulation`: the events (one per logged step), the cases, the email sends, the
contacts and a ground-truth table of the planted problems (:mod:`simulation._behaviour` hooks).
Its writers produce what a user would import: a Mautic ``campaign_lead_event_log`` CSV, HubSpot
email events (JSON lines) and a Salesforce ``OpportunityHistory`` CSV.

Who enters what (the flow's *role*, unless ``Behaviour.roles`` names the flow):

- ``signup``: every new contact when it is created;
- ``handoff``: contacts handed to sales, by a ``notify_sales`` action or by reaching a goal that
  makes them SQL; steps are done by reps;
- ``inactivity``: contacts with no click for the flow's ``inactivity_days`` days.

The engine honours waits (durations and ``until`` HH:MM in the workflow's time zone),
``wait_for_event`` (the event within the timeout, else the timeout exit), send windows (an email
outside the window waits for the next open slot), goals (the case leaves when a goal activity
happens), suppression (competitors, customers; unsubscribed or hard-bounced contacts get no more
marketing emails: they are unenrolled at that moment and enter no email workflow again) and
re-enrolment (allowed or not, cool-down; each enrolment is a new rotation). Enrolments happen
during the period ``[start, start + days)``; cases started in it run to their end.

Everything is deterministic: contacts are drawn with numpy from the seed; each case draws from
its own ``random.Random`` seeded by (seed, workflow, contact, rotation), and hook decisions from
a second one, so planting a hook changes only the cases it touches (and what follows from them,
such as hand-offs). No wall-clock time, set order or dict order reaches the output.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation import _writers
from simulation._behaviour import (
    FITS,
    HOOK_TYPES,
    Behaviour,
    BranchBias,
    ConsentViolation,
    CycleTimeShift,
    DelayOverride,
    Hook,
    Population,
    ReworkOverride,
    SkipOverride,
    _epoch,
    hook_name,
    make_contacts,
)
from simulation._calendar import _Calendar, _Daily, _midnight_utc
from simulation._flow import ROLES, Flow, Step
from simulation._writers import _event_id

AUTOMATION = "automation"
OUTCOMES = ("completed", "goal", "unenrolled", "stuck")
_NEVER = 1 << 62
_DAY = 86400
_MAX_STEPS = 10_000
_ACTION, _WAIT, _WAIT_EVENT, _DECISION, _END = range(5)
_KINDS = {"action": _ACTION, "wait": _WAIT, "wait_for_event": _WAIT_EVENT, "decision": _DECISION}
_STATIC_ATTRIBUTES = ("fit", "moment", "region", "lead_source", "segment", "budget")
_DYNAMIC_ATTRIBUTES = ("agreed", "days_since_last_click", "lifecycle_stage", "rotation")


# ------------------------------------------------------------------------- compiled workflows


class _Codes:
    """Interns strings as small ints, in order of first appearance."""

    def __init__(self, first: Iterable[str] = ()) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}
        for item in first:
            self.code(item)

    def code(self, item: str) -> int:
        found = self.index.get(item)
        if found is None:
            found = self.index[item] = len(self.items)
            self.items.append(item)
        return found


class _Node:
    __slots__ = (
        "action",
        "branch",
        "code",
        "delay",
        "edges",
        "email",
        "event",
        "id",
        "is_goal",
        "kind",
        "label",
        "loss",
        "mu",
        "names",
        "next",
        "on_event",
        "on_timeout",
        "rework",
        "send",
        "skip",
        "skip_to",
        "split",
        "timeout",
        "until",
        "wait",
    )

    def __init__(self) -> None:
        self.delay: list[tuple[str, Any, int | None]] = []
        self.skip: list[tuple[str, SkipOverride]] = []
        self.rework: list[tuple[str, ReworkOverride]] = []
        self.branch: list[tuple[str, BranchBias]] = []


class _Flow:
    """A workflow compiled for the engine: nodes as indexed records, hooks attached."""

    def __init__(
        self,
        index: int,
        workflow: Flow,
        role: str,
        behaviour: Behaviour,
        first: date,
        labels: _Codes,
        node_codes: _Codes,
        emails: _Codes,
    ) -> None:
        self.index = index
        self.workflow = workflow
        self.id = workflow.id
        self.role = role
        self.by_reps = role == "handoff"
        window = workflow.window
        self.timezone = window.timezone if window else "UTC"
        self.window = (
            _Calendar(window.timezone, window.days, window.start, window.end, first)
            if window
            else None
        )
        sales = behaviour.sales
        self.calendar = (
            _Calendar(
                self.timezone, sales.working_days, sales.working_start, sales.working_end, first
            )
            if self.by_reps
            else None
        )
        self.reenroll = workflow.reenrol
        cooldown = workflow.cooldown
        self.cooldown = int(cooldown.total_seconds()) if cooldown else 0
        self.suppression = {s.strip().lower() for s in workflow.suppression}
        goal_labels = {label for g in workflow.goals for label in g.activities}
        self.goal_labels = goal_labels
        node_labels = {label for n in workflow.steps for label in n.activities}
        self.external_goals: list[tuple[int, int, bool]] = []  # (label, node code, makes SQL)
        for goal in workflow.goals:
            outside = [a for a in goal.activities if a not in node_labels]
            if outside:
                self.external_goals.append(
                    (
                        labels.code(outside[0]),
                        node_codes.code(f"{self.id}\0goal:{goal.id}"),
                        goal.makes_sql,
                    )
                )
        ids = {n.id: i for i, n in enumerate(workflow.steps)}
        self.start = ids[workflow.start]
        self.nodes: list[_Node] = []
        self.sends_email = False
        for node in workflow.steps:
            self.nodes.append(self._node(node, ids, behaviour, first, labels, node_codes, emails))
        self.consent: list[tuple[str, ConsentViolation]] = []
        self.cycle: list[tuple[str, CycleTimeShift, int]] = []
        days = workflow.inactivity_days
        days = behaviour.inactivity_days if days is None else days
        self.threshold = int(days) * _DAY if role == "inactivity" else 0

    def _node(self, node: Step, ids, behaviour, first, labels, node_codes, emails) -> _Node:
        out = node.links
        rec = _Node()
        rec.id = node.id
        rec.code = node_codes.code(f"{self.id}\0{node.id}")
        rec.kind = _END if node.type == "end" else _KINDS[node.type]
        rec.action = node.action
        rec.label = labels.code(node.activities[0]) if node.activities else -1
        rec.is_goal = bool(node.activities) and node.activities[0] in self.goal_labels
        rec.next = ids[out[0].target] if out and rec.kind in (_ACTION, _WAIT) else -1
        rec.send = node.action == "send_email"
        rec.email = -1
        if rec.send and not self.by_reps:
            self.sends_email = True
            rec.email = emails.code(node.email or node.id)
        rec.loss = node.loss
        hours = behaviour.sales.stage_hours.get(node.id, behaviour.sales.default_stage_hours)
        rec.mu = math.log(max(float(hours), 1e-3) * 3600)
        rec.wait = int(node.duration.total_seconds()) if node.duration is not None else None
        rec.until = _Daily(self.timezone, node.until, first) if node.until else None
        rec.event = node.event
        rec.timeout = int(node.timeout.total_seconds()) if node.timeout else 0
        rec.on_event = rec.on_timeout = -1
        for edge in out:
            if edge.exit == "event":
                rec.on_event = ids[edge.target]
            elif edge.exit == "timeout":
                rec.on_timeout = ids[edge.target]
        rec.split = node.mode == "split"
        rec.edges = [
            (
                e.condition,
                e.default,
                e.weight if e.weight is not None else 0.0,
                ids[e.target],
            )
            for e in out
        ]
        rec.names = frozenset(n for cond, *_ in rec.edges if cond for n in cond.names)
        if rec.kind == _WAIT_EVENT:
            rec.skip_to = rec.on_timeout
        else:
            rec.skip_to = ids[out[0].target] if out and rec.kind != _DECISION else -1
        return rec


def _role(flow: Flow, behaviour: Behaviour) -> str:
    """The flow's role, unless ``Behaviour.roles`` names the flow."""
    role = behaviour.roles.get(flow.id, flow.role)
    if role not in ROLES:
        raise ValueError(f"role of {flow.id!r} must be one of {ROLES}, not {role!r}")
    return role


# ---------------------------------------------------------------------------------- engine


class _Engine:
    """Runs the cases; collects events, cases, sends and ground truth into column lists."""

    def __init__(
        self,
        workflows: Sequence[Flow],
        population: Population,
        behaviour: Behaviour,
        start: date,
        days: int,
        seed: int,
    ) -> None:
        self.behaviour = behaviour
        self.seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF
        self.t_start = _midnight_utc(start)
        self.t_end = self.t_start + int(days) * _DAY
        first = start - timedelta(days=7)
        self.contacts = make_contacts(population, start, days, seed)
        self.labels = _Codes()
        self.node_codes = _Codes()
        self.emails = _Codes()
        ids = [w.id for w in workflows]
        if len(set(ids)) != len(ids):
            raise ValueError(f"workflow ids must be unique: {ids}")
        self.flows = [
            _Flow(i, w, _role(w, behaviour), behaviour, first, *self._codes())
            for i, w in enumerate(workflows)
        ]
        self._check_conditions()
        self._attach_hooks(behaviour.hooks)
        self.reps = behaviour.sales.rep_ids
        if not self.reps:
            raise ValueError("the sales team needs at least one rep")

        c = self.contacts
        self.fit = c["fit"].tolist()
        self.moment = c["moment"].tolist()
        self.region = c["region"].tolist()
        self.segment = c["segment"].tolist()
        self.lead_source = c["lead_source"].tolist()
        self.budget = c["budget"].tolist()
        self.mpp = c["mpp"].tolist()
        self.competitor = c["competitor"].tolist()
        self.created = c["created"].tolist()
        self.existing = c["existing"].tolist()
        self.last_click = c["last_click"].tolist()
        self.lead_id = c["lead_id"].tolist()
        n = len(c)
        self.unsub = [_NEVER] * n
        self.bounce = [_NEVER] * n
        self.customer = [_NEVER] * n
        self.sql_at = [_NEVER] * n

        email = behaviour.email
        self.open_p = {f: float(email.open_probability.get(f, 0.3)) for f in FITS}
        self.click_p = {f: float(email.click_probability.get(f, 0.1)) for f in FITS}
        self.click_mult = [
            float(email.email_click_multiplier.get(e, 1.0)) for e in self.emails.items
        ]
        self.unsub_mult = [
            float(email.email_unsubscribe_multiplier.get(e, 1.0)) for e in self.emails.items
        ]
        for what in ("email_click_multiplier", "email_unsubscribe_multiplier"):
            unknown = sorted(set(getattr(email, what)) - set(self.emails.items))
            if unknown:
                raise ValueError(
                    f"{what} names unknown email(s) {unknown}; "
                    f"the workflows send {self.emails.items}"
                )
        self.reaction_mu = math.log(email.reaction_median_hours * 3600)
        self.click_mu = math.log(email.click_delay_median_minutes * 60)
        sales = behaviour.sales
        self.reply_mu = math.log(sales.reply_median_hours * 3600)
        self.auto_mu = math.log(behaviour.automation_delay_median_seconds)
        self.goal_mu = math.log(behaviour.external_goal_median_days * _DAY)
        self.other_mu = math.log(behaviour.other_event_median_hours * 3600)
        self.amount_mu = math.log(sales.amount_median)
        self.loss_reasons = sorted(sales.loss_reasons.items())

        # events
        self.ev_case: list[int] = []
        self.ev_label: list[int] = []
        self.ev_t: list[int] = []
        self.ev_res: list[int] = []
        self.ev_node: list[int] = []
        # cases
        self.case_id: list[str] = []
        self.case_flow: list[int] = []
        self.case_contact: list[int] = []
        self.case_rotation: list[int] = []
        self.case_start: list[int] = []
        self.case_end: list[int] = []
        self.case_outcome: list[str] = []
        self.case_end_node: list[str] = []
        self.case_rep: list[int] = []
        self.case_loss: list[str] = []
        self.case_amount: list[float] = []
        # marketing email sends: case, contact, email, sent, delivered, bounce, mpp open,
        # open, click, unsubscribe, bot (times; -1 = none)
        self.sends: list[tuple[int, ...]] = []
        # ground truth: case, hook, kind, node id, time, detail
        self.truth: list[tuple[int, str, str, str, int, str]] = []

        self.rotations: dict[tuple[int, int], int] = {}
        self.last_end: dict[tuple[int, int], int] = {}
        self.handoffs: list[tuple[int, int, int]] = []
        self.n_opportunities = 0
        self.rep_open: list[list[int]] = [[] for _ in self.reps]
        self.campaign: dict[int, int] = {}
        for flow in self.flows:
            if not flow.by_reps:
                self.campaign[flow.index] = len(self.campaign) + 1

    def _codes(self) -> tuple[_Codes, _Codes, _Codes]:
        return self.labels, self.node_codes, self.emails

    # -- set-up -------------------------------------------------------------------------

    def _check_conditions(self) -> None:
        known = set(_STATIC_ATTRIBUTES) | set(_DYNAMIC_ATTRIBUTES)
        for flow in self.flows:
            for node in flow.nodes:
                for cond, *_ in node.edges:
                    if cond is not None:
                        try:
                            cond.check_names(known)
                        except ValueError as exc:
                            raise ValueError(f"{flow.id}, node {node.id!r}: {exc}") from None

    def _flow(self, hook: Hook) -> _Flow:
        for flow in self.flows:
            if flow.id == hook.workflow_id:
                return flow
        raise ValueError(f"{hook!r}: no workflow {hook.workflow_id!r} is simulated")

    def _attach_hooks(self, hooks: Sequence[Hook]) -> None:
        for index, hook in enumerate(hooks):
            if not isinstance(hook, HOOK_TYPES):
                raise ValueError(f"hook #{index} is not a hook: {hook!r}")
            name = hook_name(hook, index)
            flow = self._flow(hook)
            probability = getattr(hook, "probability", 0.0)
            if not 0 <= probability <= 1:
                raise ValueError(f"{name}: probability must be between 0 and 1")
            if isinstance(hook, ConsentViolation):
                flow.consent.append((name, hook))
                continue
            if isinstance(hook, CycleTimeShift):
                if hook.multiplier <= 0:
                    raise ValueError(f"{name}: multiplier must be positive")
                flow.cycle.append((name, hook, _epoch(hook.from_date) or 0))
                continue
            matches = [n for n in flow.nodes if n.id == hook.node_id]
            if not matches:
                raise ValueError(f"{name}: workflow {flow.id!r} has no node {hook.node_id!r}")
            node = matches[0]
            if isinstance(hook, DelayOverride):
                if hook.multiplier <= 0:
                    raise ValueError(f"{name}: multiplier must be positive")
                node.delay.append((name, hook, _epoch(hook.from_date)))
            elif isinstance(hook, SkipOverride):
                if node.kind == _DECISION:
                    raise ValueError(f"{name}: a decision leaves no trace; skip a step instead")
                node.skip.append((name, hook))
            elif isinstance(hook, ReworkOverride):
                if node.kind != _ACTION:
                    raise ValueError(f"{name}: only action nodes can be repeated")
                node.rework.append((name, hook))
            elif isinstance(hook, BranchBias):
                if node.kind != _DECISION or not 0 <= hook.edge_index < len(node.edges):
                    raise ValueError(
                        f"{name}: {hook.node_id!r} must be a decision with an edge number "
                        f"{hook.edge_index} (it has {len(node.edges)})"
                    )
                node.branch.append((name, hook))

    # -- enrolment ----------------------------------------------------------------------

    def _may_enrol(self, flow: _Flow, c: int, t: int) -> bool:
        if "competitors" in flow.suppression and self.competitor[c]:
            return False
        if "customers" in flow.suppression and self.customer[c] <= t:
            return False
        email = flow.sends_email
        if (email or "unsubscribed" in flow.suppression) and self.unsub[c] <= t:
            return False
        if (email or "hard_bounced" in flow.suppression) and self.bounce[c] <= t:
            return False
        previous = self.last_end.get((flow.index, c))
        if previous is not None:
            if not flow.reenroll or previous > t:
                return False
            if flow.cooldown and t < previous + flow.cooldown:
                return False
        return True

    def run(self) -> None:
        by_role = {role: [f for f in self.flows if f.role == role] for role in ROLES}
        for flow in by_role["signup"]:
            for c, t in enumerate(self.created):
                if not self.existing[c] and self._may_enrol(flow, c, t):
                    self._case(flow, c, t)
        for flow in by_role["handoff"]:
            self._run_handoffs(flow, self.handoffs)
        done = len(self.handoffs)
        for flow in by_role["inactivity"]:
            self._run_inactivity(flow)
        if len(self.handoffs) > done:  # hand-offs made by inactivity workflows: a second pass
            for flow in by_role["handoff"]:
                self._run_handoffs(flow, self.handoffs[done:])

    def _run_handoffs(self, flow: _Flow, handoffs: list[tuple[int, int, int]]) -> None:
        queue = list(handoffs)
        heapq.heapify(queue)
        seq = len(self.handoffs) + len(queue)
        recycle = self.behaviour.sales.recycle_probability
        while queue:
            t, c, _ = heapq.heappop(queue)
            if t >= self.t_end or not self._may_enrol(flow, c, t):
                continue
            rep, begin = self._assign(t)
            case, end = self._case(flow, c, begin, rep)
            heapq.heappush(self.rep_open[rep], end)
            if self.case_loss[case] and self.case_outcome[case] == "completed":
                rng = random.Random(self._key(flow.index, c, self.case_rotation[case]) * 4 + 2)
                if rng.random() < recycle:
                    again = end + (flow.cooldown or 90 * _DAY) + int(rng.random() * 30 * _DAY)
                    seq += 1
                    heapq.heappush(queue, (again, c, seq))

    def _assign(self, t: int) -> tuple[int, int]:
        """The rep with the fewest open deals at ``t`` (capacity permitting) and the start."""
        capacity = self.behaviour.sales.capacity
        best, best_load = -1, capacity
        for rep, ends in enumerate(self.rep_open):
            while ends and ends[0] <= t:
                heapq.heappop(ends)
            if len(ends) < best_load:
                best, best_load = rep, len(ends)
        if best >= 0:
            return best, t
        rep = min(range(len(self.reps)), key=lambda r: (self.rep_open[r][0], r))
        return rep, heapq.heappop(self.rep_open[rep])

    def _last_active(self, c: int) -> int:
        click = self.last_click[c]
        return click if click >= 0 else self.created[c]

    def _run_inactivity(self, flow: _Flow) -> None:
        threshold = flow.threshold
        queue = []
        for c in range(len(self.created)):
            t = self._last_active(c) + threshold
            if self.t_start <= t < self.t_end:
                queue.append((t, c))
        heapq.heapify(queue)
        while queue:
            t, c = heapq.heappop(queue)
            due = self._last_active(c) + threshold
            if due > t:  # clicked since: due later
                if due < self.t_end:
                    heapq.heappush(queue, (due, c))
                continue
            if not self._may_enrol(flow, c, t):
                continue
            _, end = self._case(flow, c, t)
            if flow.reenroll:
                again = max(self._last_active(c) + threshold, end + (flow.cooldown or threshold))
                if again < self.t_end:
                    heapq.heappush(queue, (again, c))

    def _key(self, flow: int, contact: int, rotation: int) -> int:
        """The seed of a case's random streams: ×4 the case's own draws, ×4+1 hook decisions,
        ×4+2 whether a lost deal is recycled."""
        return (((self.seed << 16 | flow) << 32 | contact) << 20) | rotation

    # -- one case -----------------------------------------------------------------------

    def _case(self, flow: _Flow, c: int, t0: int, rep: int = -1) -> tuple[int, int]:
        """Walk contact ``c`` through ``flow`` from ``t0``; returns (case index, end time)."""
        key = (flow.index, c)
        rotation = self.rotations.get(key, 0) + 1
        self.rotations[key] = rotation
        case = len(self.case_id)
        if flow.by_reps:
            self.n_opportunities += 1
            self.case_id.append(f"006{self.n_opportunities:012d}AAA")
        else:
            self.case_id.append(
                f"lead {self.lead_id[c]} / campaign {self.campaign[flow.index]} / "
                f"rotation {rotation}"
            )
        self.case_flow.append(flow.index)
        self.case_contact.append(c)
        self.case_rotation.append(rotation)
        self.case_start.append(t0)
        self.case_rep.append(rep)
        self.case_loss.append("")
        rng = random.Random(self._key(flow.index, c, rotation) * 4)
        self.case_amount.append(
            round(rng.lognormvariate(self.amount_mu, self.behaviour.sales.amount_sigma), -2)
            if flow.by_reps
            else 0.0
        )
        end, outcome, end_node = self._walk(flow, case, c, t0, rotation, rep, rng)
        self.case_end.append(end)
        self.case_outcome.append(outcome)
        self.case_end_node.append(end_node)
        self.last_end[key] = end
        if flow.by_reps and outcome == "goal":
            self.customer[c] = min(self.customer[c], end)
        return case, end

    def _walk(
        self,
        flow: _Flow,
        case: int,
        c: int,
        t0: int,
        rotation: int,
        rep: int,
        rng: random.Random,
    ) -> tuple[int, str, str]:
        behaviour = self.behaviour
        sales = behaviour.sales
        nodes = flow.nodes
        by_reps = flow.by_reps
        calendar = flow.calendar
        window = flow.window
        fit = self.fit[c]
        lognorm = rng.lognormvariate
        uniform = rng.random
        ev_case, ev_label, ev_t = self.ev_case, self.ev_label, self.ev_t
        ev_res, ev_node = self.ev_res, self.ev_node
        resource = rep + 1 if by_reps else 0
        stage_sigma = sales.stage_sigma
        auto_mu, auto_sigma = self.auto_mu, behaviour.automation_delay_sigma
        hrng: random.Random | None = None

        cycle = 1.0
        for name, hook, since in flow.cycle:
            if t0 >= since:
                cycle *= hook.multiplier
                self.truth.append(
                    (case, name, "CycleTimeShift", "", t0, f"delays x{hook.multiplier:g}")
                )
        supp = min(self.unsub[c], self.bounce[c]) if flow.sends_email else _NEVER
        goal_t, goal = _NEVER, None
        if flow.external_goals and uniform() < behaviour.external_goal_probability.get(fit, 0.0):
            goal_t = t0 + 1 + int(lognorm(self.goal_mu, 1.0))
            goal = flow.external_goals[0]
        t = t0
        last = t0
        last_send = None
        agreed = None
        timed_out = False
        consent_name = ""  # the ConsentViolation hook that keeps this case after an unsubscribe
        consent_from = _NEVER  # when the kept contact unsubscribed
        node = nodes[flow.start]
        outcome = ""
        repeats = 0
        for _ in range(_MAX_STEPS):
            kind = node.kind
            if kind == _DECISION:
                env = None
                if node.names:
                    env = {
                        "fit": fit,
                        "moment": self.moment[c],
                        "region": self.region[c],
                        "lead_source": self.lead_source[c],
                        "segment": self.segment[c],
                        "budget": self.budget[c],
                        "rotation": rotation,
                    }
                    if "agreed" in node.names:
                        if agreed is None:
                            agreed = uniform() < sales.win_probability.get(fit, 0.2)
                        env["agreed"] = agreed
                    if "days_since_last_click" in node.names:
                        env["days_since_last_click"] = (t - self._last_active(c)) // _DAY
                    if "lifecycle_stage" in node.names:
                        env["lifecycle_stage"] = self._stage(c, t)
                chosen = self._choose(node, env, uniform)
                if node.branch and chosen >= 0:
                    if hrng is None:
                        hrng = random.Random(self._key(flow.index, c, rotation) * 4 + 1)
                    chosen = self._bias(node, chosen, env, hrng, case, t)
                if chosen < 0:
                    outcome = "stuck"
                    break
                node = nodes[node.edges[chosen][3]]
                continue
            if node.skip and not repeats:
                if hrng is None:
                    hrng = random.Random(self._key(flow.index, c, rotation) * 4 + 1)
                skipped = False
                for name, hook in node.skip:
                    if hrng.random() < hook.probability:
                        self.truth.append((case, name, "SkipOverride", node.id, t, "skipped"))
                        skipped = True
                        break
                if skipped:
                    if node.send:
                        last_send = None  # the email did not go out
                    if node.skip_to < 0:
                        outcome = "completed"
                        break
                    node = nodes[node.skip_to]
                    continue
            factor = 1.0
            if node.delay:
                factor = self._delay_factor(node, case, c, t, rep)

            # when does the step complete, what does it log, where next
            label = node.label
            happened = False
            if kind == _WAIT_EVENT:
                event_at = self._event_time(node.event, last_send, fit, t, uniform, lognorm)
                if event_at < _NEVER:
                    event_at = t + max(1, int((event_at - t) * factor))
                if event_at <= t + node.timeout:
                    happened = True
                    next_t = calendar.next_open(event_at) if by_reps else event_at
                else:
                    next_t = t + node.timeout
                    label = -1
                    timed_out = True
            elif kind == _WAIT:
                if node.wait is not None:
                    next_t = t + int(node.wait * factor * cycle)
                else:
                    target = node.until.next_at(t)
                    next_t = t + int((target - t) * factor * cycle)
            elif label < 0:
                next_t = t  # a step that leaves no trace takes no time
            elif by_reps:
                took = int(lognorm(node.mu, stage_sigma) * factor * cycle)
                next_t = calendar.add(t, max(took, 60))
            else:
                next_t = t + 1 + int(lognorm(auto_mu, auto_sigma) * factor * cycle)
            if node.send and window is not None and label >= 0:
                opened = window.next_open(next_t)
                if opened != next_t:  # held for the window: released over its first half hour
                    opened = window.next_open(opened + int(uniform() * 1800))
                next_t = opened
            if label >= 0 and next_t <= last:
                next_t = last + 1

            # leaving before the step: a goal reached from outside, or suppression
            if goal_t <= next_t or supp <= next_t:
                if goal_t <= supp:
                    at = max(goal_t, last + 1)
                    ev_case.append(case)
                    ev_label.append(goal[0])
                    ev_t.append(at)
                    ev_res.append(resource)
                    ev_node.append(goal[1])
                    if goal[2]:
                        self._hand_off(c, at)
                    t, outcome = at, "goal"
                else:
                    t, outcome = max(supp, t), "unenrolled"
                break

            if label >= 0:
                ev_case.append(case)
                ev_label.append(label)
                ev_t.append(next_t)
                ev_res.append(resource)
                ev_node.append(node.code)
                last = next_t
            t = next_t

            if kind == _WAIT_EVENT:
                target = node.on_event if happened else node.on_timeout
                if target < 0:  # a dead end: the contact leaves here
                    outcome = "completed"
                    break
                node = nodes[target]
                continue
            if kind == _WAIT:
                if node.next < 0:
                    outcome = "completed"
                    break
                node = nodes[node.next]
                continue

            # actions and ends
            if node.email >= 0:
                if consent_from < t:  # kept after an unsubscribe, and emailed again
                    detail = "email after unsubscribe"
                    self.truth.append((case, consent_name, "ConsentViolation", node.id, t, detail))
                    consent_from = _NEVER - 1  # recorded once
                last_send, new_supp, unsub_t = self._send(case, c, node.email, t, uniform, lognorm)
                supp = min(supp, new_supp)
                if unsub_t < _NEVER:
                    if not consent_name and flow.consent:
                        if hrng is None:
                            hrng = random.Random(self._key(flow.index, c, rotation) * 4 + 1)
                        for name, hook in flow.consent:
                            if hrng.random() < hook.probability:
                                consent_name = name
                                break
                    if consent_name:
                        consent_from = min(consent_from, unsub_t)
                    else:
                        supp = min(supp, unsub_t)
            if node.action == "notify_sales" and label >= 0:
                self._hand_off(c, t)
            if node.loss:
                self.case_loss[case] = self._loss_reason(c, agreed, timed_out, uniform)
            if node.rework and label >= 0 and repeats < 3:
                if hrng is None:
                    hrng = random.Random(self._key(flow.index, c, rotation) * 4 + 1)
                hit = self._rework(node, rep, hrng)
                if hit is not None:
                    self.truth.append((case, hit, "ReworkOverride", node.id, t, "repeated"))
                    repeats += 1
                    continue  # the same node runs again
            repeats = 0
            if node.is_goal:
                outcome = "goal"
                break
            if kind == _END or node.next < 0:
                outcome = "completed"
                break
            node = nodes[node.next]
        else:
            outcome = "stuck"
        return t, outcome, node.id

    def _stage(self, c: int, t: int) -> str:
        if self.customer[c] <= t:
            return "customer"
        return "sql" if self.sql_at[c] <= t else "lead"

    def _hand_off(self, c: int, t: int) -> None:
        self.sql_at[c] = min(self.sql_at[c], t)
        self.handoffs.append((t, c, len(self.handoffs)))

    @staticmethod
    def _choose(node: _Node, env: dict | None, uniform: Any) -> int:
        edges = node.edges
        if node.split:
            u, total = uniform(), 0.0
            for i, edge in enumerate(edges):
                total += edge[2]
                if u < total:
                    return i
            return len(edges) - 1
        default = -1
        for i, (cond, is_default, _, _) in enumerate(edges):
            if is_default:
                default = i
            elif cond is None or cond.evaluate(env or {}):
                return i
        return default

    def _bias(
        self, node: _Node, chosen: int, env: dict | None, hrng: random.Random, case: int, t: int
    ) -> int:
        for name, hook in node.branch:
            if hook.edge_index != chosen or hrng.random() >= hook.probability:
                continue
            edges = node.edges
            others = [i for i in range(len(edges)) if i != chosen]
            if node.split:
                weights = [edges[i][2] for i in others]
                total = sum(weights)
                u, acc, new = hrng.random() * total, 0.0, others[-1]
                for i, w in zip(others, weights, strict=True):
                    acc += w
                    if u < acc:
                        new = i
                        break
            else:
                holds = [
                    i
                    for i in others
                    if not edges[i][1] and (edges[i][0] is None or edges[i][0].evaluate(env or {}))
                ]
                defaults = [i for i in others if edges[i][1]]
                new = (holds or defaults or others)[0]
            self.truth.append(
                (case, name, "BranchBias", node.id, t, f"edge {chosen} -> edge {new}")
            )
            return new
        return chosen

    def _delay_factor(self, node: _Node, case: int, c: int, t: int, rep: int) -> float:
        factor = 1.0
        for name, hook, since in node.delay:
            if hook.region is not None and hook.region != self.region[c]:
                continue
            if hook.segment is not None and hook.segment != self.segment[c]:
                continue
            if hook.rep is not None and (rep < 0 or self.reps[rep] != hook.rep):
                continue
            if since is not None and t < since:
                continue
            factor *= hook.multiplier
            self.truth.append((case, name, "DelayOverride", node.id, t, f"x{hook.multiplier:g}"))
        return factor

    def _event_time(
        self, event: str, send: tuple | None, fit: str, t: int, uniform: Any, lognorm: Any
    ) -> int:
        """When the awaited event happens (``_NEVER``: not at all).

        Email events are those of the case's last email, from the moment the wait starts.
        """
        if event in ("click", "open"):
            if send is None:
                return _NEVER
            if event == "click":
                return send[8] if send[8] >= t else _NEVER
            opens = [send[7]] if send[7] >= t else []
            if send[6] >= t and not self.behaviour.email.mpp_opens_filtered:
                opens.append(send[6])
            return min(opens) if opens else _NEVER
        if event == "reply":
            sales = self.behaviour.sales
            if uniform() < sales.reply_probability.get(fit, 0.3):
                return t + 1 + int(lognorm(self.reply_mu, sales.reply_sigma))
            return _NEVER
        if uniform() < self.behaviour.other_event_probability:
            return t + 1 + int(lognorm(self.other_mu, 1.0))
        return _NEVER

    def _send(
        self, case: int, c: int, email: int, t: int, uniform: Any, lognorm: Any
    ) -> tuple[tuple[int, ...], int, int]:
        """Draw what happens to one marketing email; returns (send, bounce time, unsub time).

        ``send`` is (case, contact, email, sent, delivered, bounce, mpp open, open, click,
        unsubscribe, bot); -1 for what did not happen.
        """
        b = self.behaviour.email
        fit = self.fit[c]
        multiplier = self.click_mult[email]
        if multiplier != 1.0:
            name = f"email_click_multiplier:{self.emails.items[email]}"
            self.truth.append((case, name, "EmailClickMultiplier", "", t, f"x{multiplier:g}"))
        unsub_mult = self.unsub_mult[email]
        if unsub_mult != 1.0:
            name = f"email_unsubscribe_multiplier:{self.emails.items[email]}"
            self.truth.append((case, name, "EmailUnsubscribeMultiplier", "", t, f"x{unsub_mult:g}"))
        delivered = t + 2 + int(uniform() * 30)
        bounce = mpp_open = open_t = click = unsub = bot = -1
        if uniform() < b.hard_bounce_probability:
            bounce, delivered = delivered, -1
            self.bounce[c] = min(self.bounce[c], bounce)
        else:
            if self.mpp[c]:
                mpp_open = delivered + 1 + int(uniform() * 60)
            if uniform() < self.open_p[fit]:
                react = min(lognorm(self.reaction_mu, b.reaction_sigma), 30 * _DAY)
                open_t = delivered + 1 + int(react)
            if self.unsub[c] > t and uniform() < b.unsubscribe_probability * unsub_mult:
                base = open_t if open_t >= 0 else delivered + int(lognorm(self.reaction_mu, 1.0))
                unsub = base + 5 + int(uniform() * 120)
                self.unsub[c] = min(self.unsub[c], unsub)
            elif open_t >= 0 and uniform() < self.click_p[fit] * multiplier:
                click = open_t + 1 + int(lognorm(self.click_mu, 1.0))
                if click > self.last_click[c]:
                    self.last_click[c] = click
            if uniform() < b.bot_share:
                bot = delivered + 1 + int(uniform() * 120)
        send = (case, c, email, t, delivered, bounce, mpp_open, open_t, click, unsub, bot)
        self.sends.append(send)
        return send, (bounce if bounce >= 0 else _NEVER), (unsub if unsub >= 0 else _NEVER)

    def _loss_reason(self, c: int, agreed: bool | None, timed_out: bool, uniform: Any) -> str:
        if not self.budget[c]:
            return "no budget"
        if agreed is None:
            return "not ready"
        weights = [
            (r, w * (3 if timed_out and r == "no follow-up" else 1)) for r, w in self.loss_reasons
        ]
        u = uniform() * sum(w for _, w in weights)
        for reason, w in weights:
            u -= w
            if u < 0:
                return reason
        return weights[-1][0]

    def _rework(self, node: _Node, rep: int, hrng: random.Random) -> str | None:
        """The name of the rework hook that repeats this step now, if any."""
        for name, hook in node.rework:
            if hook.rep is not None and (rep < 0 or self.reps[rep] != hook.rep):
                continue
            if hrng.random() < hook.probability:
                return name
        return None

    # -- results ------------------------------------------------------------------------

    def result(self, workflows: Sequence[Flow], start: date, days: int) -> Simulation:
        contacts = self.contacts
        flow_ids = [f.id for f in self.flows]
        case_flow = np.asarray(self.case_flow, dtype=np.int64)
        case_contact = np.asarray(self.case_contact, dtype=np.int64)
        case_rotation = np.asarray(self.case_rotation, dtype=np.int64)
        case_ids = np.asarray(self.case_id, dtype=object)
        node_flow, node_id = [], []
        for item in self.node_codes.items:
            flow_id, _, nid = item.partition("\0")
            node_flow.append(flow_ids.index(flow_id))
            node_id.append(nid)
        node_names = sorted(set(node_id))
        node_id_code = np.asarray([node_names.index(n) for n in node_id], dtype=np.int64)
        node_flow_arr = np.asarray(node_flow, dtype=np.int64)

        ev_t = np.asarray(self.ev_t, dtype=np.int64)
        ev_case = np.asarray(self.ev_case, dtype=np.int64)
        order = np.lexsort((np.arange(len(ev_t)), ev_case, ev_t))
        ev_t, ev_case = ev_t[order], ev_case[order]
        ev_label = np.asarray(self.ev_label, dtype=np.int64)[order]
        ev_res = np.asarray(self.ev_res, dtype=np.int64)[order]
        ev_node = np.asarray(self.ev_node, dtype=np.int64)[order]
        who = case_contact[ev_case] if len(ev_case) else np.zeros(0, dtype=np.int64)
        events = pd.DataFrame(
            {
                "case_id": case_ids[ev_case] if len(ev_case) else np.zeros(0, dtype=object),
                "activity": pd.Categorical.from_codes(ev_label, categories=self.labels.items),
                "timestamp": pd.to_datetime(ev_t, unit="s", utc=True),
                "resource": pd.Categorical.from_codes(ev_res, categories=[AUTOMATION, *self.reps]),
                "workflow_id": pd.Categorical.from_codes(
                    node_flow_arr[ev_node] if len(ev_node) else ev_node, categories=flow_ids
                ),
                "node_id": pd.Categorical.from_codes(
                    node_id_code[ev_node] if len(ev_node) else ev_node, categories=node_names
                ),
                "contact_id": contacts["contact_id"].to_numpy()[who],
                "rotation": case_rotation[ev_case] if len(ev_case) else ev_case,
                **{
                    name: _take(contacts[name], who)
                    for name in ("fit", "moment", "region", "lead_source", "segment")
                },
            }
        )
        rep_names = np.asarray(["", *self.reps], dtype=object)
        cases = pd.DataFrame(
            {
                "case_id": case_ids,
                "workflow_id": pd.Categorical.from_codes(case_flow, categories=flow_ids),
                "contact_id": contacts["contact_id"].to_numpy()[case_contact],
                "lead_id": contacts["lead_id"].to_numpy()[case_contact],
                "rotation": case_rotation,
                "start": pd.to_datetime(np.asarray(self.case_start, np.int64), unit="s", utc=True),
                "end": pd.to_datetime(np.asarray(self.case_end, np.int64), unit="s", utc=True),
                "outcome": pd.Categorical(self.case_outcome, categories=OUTCOMES),
                "end_node": self.case_end_node,
                "rep": rep_names[np.asarray(self.case_rep, dtype=np.int64) + 1],
                "loss_reason": self.case_loss,
                "amount": np.asarray(self.case_amount, dtype=float),
            }
        )
        sends = np.asarray(self.sends, dtype=np.int64).reshape(-1, 11)
        sends = sends[np.lexsort((np.arange(len(sends)), sends[:, 0], sends[:, 3]))]
        emails = _emails_frame(sends, case_ids, case_flow, flow_ids, contacts, self.emails.items)
        truth = pd.DataFrame(
            self.truth, columns=["case", "hook", "kind", "node_id", "t", "detail"]
        ).astype({"case": np.int64, "t": np.int64})
        truth = pd.DataFrame(
            {
                "case_id": pd.Series(case_ids[truth["case"].to_numpy()], dtype=str),
                "hook": truth["hook"].astype(str),
                "kind": truth["kind"].astype(str),
                "workflow_id": pd.Series(
                    [flow_ids[i] for i in case_flow[truth["case"].to_numpy()]], dtype=str
                ),
                "node_id": truth["node_id"].astype(str),
                "timestamp": pd.to_datetime(truth["t"].to_numpy(), unit="s", utc=True),
                "detail": truth["detail"].astype(str),
            }
        )
        meta = _Meta(
            campaign={self.flows[i].id: n for i, n in self.campaign.items()},
            email_campaign={e: 100_000 + i for i, e in enumerate(self.emails.items)},
            nodes={},
            sends=sends,
            sales_flows=[f.id for f in self.flows if f.by_reps],
            closed={},
            stage_probability=dict(self.behaviour.sales.stage_probability),
            amount_change_probability=self.behaviour.sales.amount_change_probability,
            mpp_filtered=self.behaviour.email.mpp_opens_filtered,
        )
        for flow in self.flows:
            campaign = self.campaign.get(flow.index, 0)
            for i, node in enumerate(flow.workflow.steps):
                mautic_type = "decision" if node.type == "wait_for_event" else "action"
                channel = ("email", flow.nodes[i].email) if flow.nodes[i].email >= 0 else ("", -1)
                meta.nodes[(flow.id, node.id)] = (
                    campaign * 1000 + i + 1,
                    mautic_type,
                    0 if node.type == "wait_for_event" else 1,
                    channel[0],
                    "" if channel[1] < 0 else str(100_000 + channel[1]),
                )
                if node.type == "end" and node.activities and flow.by_reps:
                    meta.closed[node.activities[0]] = node.activities[0] in flow.goal_labels
            for j, goal in enumerate(flow.workflow.goals):
                meta.nodes[(flow.id, f"goal:{goal.id}")] = (
                    campaign * 1000 + 900 + j + 1,
                    "condition",
                    0,
                    "",
                    "",
                )
        return Simulation(
            events=events,
            cases=cases,
            emails=emails,
            truth=truth,
            contacts=contacts,
            workflows=tuple(workflows),
            roles={f.id: f.role for f in self.flows},
            seed=self.seed,
            start=start,
            days=days,
            _meta=meta,
        )


def _take(column: pd.Series, index: np.ndarray) -> Any:
    values = column.to_numpy()[index]
    if not pd.api.types.is_numeric_dtype(column.dtype):
        return pd.Categorical(values, categories=sorted(set(column)))
    return values


def _times(values: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds as UTC timestamps, NaT where -1."""
    return pd.to_datetime(np.where(values >= 0, values, np.iinfo(np.int64).min), unit="s", utc=True)


def _emails_frame(sends, case_ids, case_flow, flow_ids, contacts, email_ids) -> pd.DataFrame:
    case = sends[:, 0]
    who = sends[:, 1]
    return pd.DataFrame(
        {
            "message_id": [_event_id(m, 0) for m in range(1, len(sends) + 1)],
            "case_id": case_ids[case] if len(case) else np.zeros(0, dtype=object),
            "workflow_id": [flow_ids[i] for i in case_flow[case]],
            "contact_id": contacts["contact_id"].to_numpy()[who],
            "recipient": contacts["email"].to_numpy()[who],
            "email": [email_ids[i] for i in sends[:, 2]],
            "sent": _times(sends[:, 3]),
            "delivered": _times(sends[:, 4]),
            "bounced": _times(sends[:, 5]),
            "mpp_open": _times(sends[:, 6]),
            "opened": _times(sends[:, 7]),
            "clicked": _times(sends[:, 8]),
            "unsubscribed": _times(sends[:, 9]),
            "bot": _times(sends[:, 10]),
        }
    )


@dataclass
class _Meta:
    campaign: dict[str, int]
    email_campaign: dict[str, int]
    nodes: dict[tuple[str, str], tuple[int, str, int, str, str]]
    sends: np.ndarray
    sales_flows: list[str]
    closed: dict[str, bool]
    stage_probability: dict[str, int]
    amount_change_probability: float
    mpp_filtered: bool


# ------------------------------------------------------------------------------ the result


@dataclass
class Simulation:
    """What :func:`simulate` produced.

    - ``events``: one row per logged step: case_id, activity, timestamp (UTC), resource (a rep
      or ``automation``), workflow_id, node_id, contact_id, rotation, fit, moment, region,
      lead_source, segment; sorted by time, then case.
    - ``cases``: one row per (contact, workflow, enrolment): case_id (as the importer names it:
      ``lead L / campaign C / rotation R`` for automation workflows, the Opportunity Id for sales
      workflows), start, end, outcome (completed, goal, unenrolled, stuck), end_node, rep,
      loss_reason, amount.
    - ``emails``: one row per marketing email send with what happened to it; ``message_id`` is
      the id of its HubSpot SENT event (the case id of the HubSpot import).
    - ``truth``: the ground truth of planted problems: case_id, hook (the hook's ``name`` or
      ``Kind#position``), kind, workflow_id, node_id, timestamp, detail; one row each time a
      hook changed a case.
    - ``contacts``: the population (see :func:`make_contacts`).
    """

    events: pd.DataFrame
    cases: pd.DataFrame
    emails: pd.DataFrame
    truth: pd.DataFrame
    contacts: pd.DataFrame
    workflows: tuple[Flow, ...]
    roles: dict[str, str]
    seed: int
    start: date
    days: int
    _meta: _Meta

    def __repr__(self) -> str:
        return (
            f"Simulation(events={len(self.events)}, cases={len(self.cases)}, "
            f"emails={len(self.emails)}, truth={len(self.truth)}, seed={self.seed})"
        )

    def touched(self, kind: str | None = None, hook: str | None = None) -> list[str]:
        """Sorted ids of the cases a hook touched (any, or of one kind / name)."""
        truth = self.truth
        if kind is not None:
            truth = truth[truth["kind"] == kind]
        if hook is not None:
            truth = truth[truth["hook"] == hook]
        return sorted(set(truth["case_id"]))

    # -- Mautic ---------------------------------------------------------------------------

    def write_mautic_campaign_log(self, path: str | Path) -> int:
        """Write the automation workflows' steps as Mautic's ``campaign_lead_event_log`` CSV.

        One row per logged step, joined with the event's name and type: id, event_id,
        event_name (the activity label), event_type, lead_id, campaign_id (one per workflow),
        rotation, date_triggered (UTC, ``YYYY-MM-DD HH:MM:SS``), is_scheduled (0),
        trigger_date, non_action_path_taken (0), system_triggered (0 for the contact's own
        action: an awaited event happening or a goal; 1 otherwise), channel, channel_id.
        Returns the number of rows.
        """
        return _writers.write_mautic_campaign_log(self, path)

    # -- HubSpot --------------------------------------------------------------------------

    def write_hubspot_email_events(self, path: str | Path) -> int:
        """Write every marketing email's events as HubSpot email events, in JSON lines.

        Per send: SENT, then DELIVERED or BOUNCE, OPEN (an instant one for Apple Mail Privacy
        Protection users, then the human one), CLICK, a STATUSCHANGE that unsubscribes, and for
        a few sends a link scanner's OPEN and CLICK flagged ``filteredEvent: true``. ``created``
        is epoch milliseconds; ``sentBy.id`` is the id of the message's SENT event. Returns the
        number of events written.
        """
        return _writers.write_hubspot_email_events(self, path)

    # -- Salesforce -----------------------------------------------------------------------

    def write_salesforce_opportunity_history(self, path: str | Path) -> int:
        """Write the sales workflows' stages as a Salesforce ``OpportunityHistory`` CSV.

        One row per logged step (StageName = the activity label), by the deal's rep
        (CreatedById), with Amount, CloseDate, Probability, ExpectedRevenue and
        ForecastCategory; a repeated stage (rework) revises the amount. Some deals also get a
        row that only changes the amount (the importer sets it aside as ``stage_unchanged``).
        Returns the number of rows.
        """
        return _writers.write_salesforce_opportunity_history(self, path)


def simulate(
    workflows: Sequence[Flow],
    population: Population | None = None,
    behaviour: Behaviour | None = None,
    *,
    start: date,
    days: int,
    seed: int,
) -> Simulation:
    """Simulate ``days`` days of the flows from ``start`` for a population of contacts.

    ``population`` and ``behaviour`` default to :class:`Population` and :class:`Behaviour` (no
    hooks). The same arguments give the same :class:`Simulation`, and byte-identical files from
    its writers.

    Example:
        >>> sim = simulate([welcome, pipeline], start=date(2025, 1, 6), days=90, seed=7)
        ...                                                                 # doctest: +SKIP
        >>> sim.write_mautic_campaign_log("campaign_lead_event_log.csv")   # doctest: +SKIP
    """
    flows = list(workflows)
    wrong = [type(f).__name__ for f in flows if not isinstance(f, Flow)]
    if wrong:
        raise TypeError(f"simulate takes Flows (a workflow converted to one), not {wrong}")
    if not flows:
        raise ValueError("simulate needs at least one workflow")
    if int(days) < 1:
        raise ValueError("days must be at least 1")
    engine = _Engine(flows, population or Population(), behaviour or Behaviour(), start, days, seed)
    engine.run()
    return engine.result(flows, start, int(days))

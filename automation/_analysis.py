"""What the suggestion rules look at: a designed workflow and the analysis of its log, computed
once and lazily (case activities, conformance, branch usage, waits against the design, rework,
consent violations), plus graph helpers that join design and log through activity labels.

The log is restricted to the cases that ran this workflow (those with any of its activity
labels), so one store log holding several workflows (a Mautic campaign export) works. A log of
email messages (HubSpot) that holds none of the labels is used for the consent rule only; a
single log whose vocabulary has a contact, sends and withdrawals (unsubscribe, bounce, spam)
serves as both. Columns and labels come from each log's vocabulary, never from names here.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import pandas as pd

import mining
from automation._branch_usage import branch_usage
from automation._designed_waits import designed_waits
from automation._petri import workflow_to_petri_net
from automation._simulate import workflow_role
from automation._suggestion_model import Thresholds
from automation._workflow import Node, Workflow


def logged(node: Node) -> bool:
    """Whether the node leaves a trace in the log."""
    return bool(node.activities)


def logged_predecessors(workflow: Workflow, node_id: str) -> list[Node]:
    """The nearest logged nodes before ``node_id`` (through unlogged steps; a wait-for-event left
    by its timeout logs nothing)."""
    found: list[Node] = []
    seen: set[str] = set()
    todo = list(workflow.incoming(node_id))
    while todo:
        edge = todo.pop()
        source = workflow.node(edge.source)
        if logged(source) and not (source.type == "wait_for_event" and edge.exit == "timeout"):
            if source.id not in {n.id for n in found}:
                found.append(source)
        elif source.id not in seen:
            seen.add(source.id)
            todo.extend(workflow.incoming(source.id))
    return sorted(found, key=lambda n: n.id)


def logged_successors(workflow: Workflow, node_id: str) -> list[Node]:
    """The nearest logged nodes after ``node_id``; a wait-for-event counts (its label shows the
    event) and its timeout path is followed too."""
    found: dict[str, Node] = {}
    seen: set[str] = set()
    todo = [e.target for e in workflow.outgoing(node_id)]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        node = workflow.node(current)
        if logged(node):
            found[node.id] = node
            if node.type != "wait_for_event":
                continue
            todo.extend(e.target for e in workflow.outgoing(current) if e.exit == "timeout")
            continue
        todo.extend(e.target for e in workflow.outgoing(current))
    return [found[k] for k in sorted(found)]


def reachable_without(workflow: Workflow, blocked: str) -> set[str]:
    """Nodes reachable from the start without passing through ``blocked``."""
    if workflow.start == blocked:
        return set()
    seen, todo = set(), [workflow.start]
    while todo:
        current = todo.pop()
        if current in seen or current == blocked:
            continue
        seen.add(current)
        todo.extend(e.target for e in workflow.outgoing(current))
    return seen


def poisson_interval(count: float, level: float = 0.9) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson count."""
    from scipy.stats import chi2

    tail = (1 - level) / 2
    low = 0.0 if count <= 0 else chi2.ppf(tail, 2 * count) / 2
    high = chi2.ppf(1 - tail, 2 * count + 2) / 2
    return float(low), float(high)


def proportion_interval(k: int, n: int, level: float = 0.9) -> tuple[float, float]:
    """Clopper-Pearson interval of a proportion ``k / n``."""
    from scipy.stats import beta

    if n <= 0:
        return 0.0, 1.0
    tail = (1 - level) / 2
    low = 0.0 if k == 0 else beta.ppf(tail, k, n - k + 1)
    high = 1.0 if k == n else beta.ppf(1 - tail, k + 1, n - k)
    return float(low), float(high)


class Analysis:
    """A workflow, the revision it is, and its log's analysis; each part computed on first use.
    ``previous`` is the design the workflow replaced (to revert a change that made things worse).

    Example:
        >>> analysis = Analysis(workflow, log, revision=3)             # doctest: +SKIP
        >>> analysis.first.shape                                        # doctest: +SKIP
    """

    def __init__(
        self,
        workflow: Workflow,
        log: mining.EventLog | None = None,
        *,
        email_log: mining.EventLog | None = None,
        revision: int | None = None,
        thresholds: Thresholds | None = None,
        previous: Workflow | None = None,
    ) -> None:
        self.workflow = workflow
        self.revision = revision
        self.previous = previous  # the design before this one, when known (version rules)
        self.notes: list[str] = []  # what a rule could not check, for the report's notes
        self.thresholds = thresholds or Thresholds()
        self.labels = workflow.labels()
        self.log_name = log.name if log is not None else ""
        self.source_log = log  # unrestricted: other workflows' cases too (fatigue)
        self.log = self._restrict(log) if log is not None else None
        if email_log is None and log is not None and _is_message_log(log):
            email_log = log  # one log of sends and withdrawals: the consent rule reads it too
        self.email_log = email_log if email_log is not None and _is_message_log(email_log) else None

    def _restrict(self, log: mining.EventLog) -> mining.EventLog | None:
        known = set(mining.activity_statistics(log)["activity"].astype(str))
        labels = tuple(a for a in self.labels if a in known)
        if not labels:
            return None
        return mining.FilterStack([mining.CaseAttribute("activity", labels)]).apply(log)

    # -- the log, case by case ---------------------------------------------------------------
    @cached_property
    def activities(self) -> pd.DataFrame:
        """Per case and activity: occurrences, first and last time (``mining.case_activities``)."""
        assert self.log is not None
        return mining.case_activities(self.log)

    @cached_property
    def first(self) -> pd.DataFrame:
        """Case × activity: first time the case did it (NaT: never)."""
        frame = self.activities.pivot_table(
            index="case_id", columns="activity", values="first", aggfunc="min"
        )
        return frame.sort_index()

    @cached_property
    def n_cases(self) -> int:
        """Cases of this workflow in the log."""
        return 0 if self.log is None else len(self.first)

    @cached_property
    def period_days(self) -> float:
        """Days from the first to the last event of the log (at least 1)."""
        if self.log is None or self.activities.empty:
            return 1.0
        span = self.activities["last"].max() - self.activities["first"].min()
        return max(span.total_seconds() / 86400, 1.0)

    def per_month(self, count: float) -> float:
        """A count over the analysed period as a rate per 30 days."""
        return count * 30.0 / self.period_days

    def cases_with(self, labels: tuple[str, ...] | list[str]) -> pd.Index:
        """Ids of the cases that did any of ``labels``."""
        columns = [c for c in labels if c in self.first.columns]
        if not columns:
            return pd.Index([], dtype=object)
        mask = self.first[columns].notna().any(axis=1)
        return self.first.index[mask]

    def first_of(self, labels: tuple[str, ...] | list[str]) -> pd.Series:
        """Per case: the first time it did any of ``labels`` (NaT: never)."""
        columns = [c for c in labels if c in self.first.columns]
        if not columns:
            return pd.Series(pd.NaT, index=self.first.index, dtype="datetime64[us, UTC]")
        return self.first[columns].min(axis=1)

    def gaps(self, source: tuple[str, ...], target: tuple[str, ...]) -> pd.Series:
        """Per case that did both: seconds from the first ``source`` to the first ``target``
        after it (cases where the target came first are left out)."""
        seconds = (self.first_of(target) - self.first_of(source)).dt.total_seconds()
        return seconds[seconds > 0].dropna()

    def examples(self, ids: pd.Index | list[str]) -> tuple[str, ...]:
        """A few case ids for the evidence, in sorted order."""
        return tuple(sorted(str(i) for i in ids)[: self.thresholds.examples])

    # -- analyses ----------------------------------------------------------------------------
    @cached_property
    def conformance(self) -> mining.ConformanceResult:
        """Alignments of the log against the design (one per variant)."""
        assert self.log is not None
        net, im, fm = workflow_to_petri_net(self.workflow)
        return mining.check_conformance(self.log, net, im, fm, method="alignments")

    @cached_property
    def branches(self) -> pd.DataFrame:
        """``branch_usage`` of the design on the log."""
        return branch_usage(self.workflow, self.conformance)

    @cached_property
    def designed(self) -> dict[tuple[str, str], float]:
        """Designed seconds between logged steps (``designed_waits``)."""
        return designed_waits(self.workflow)

    @cached_property
    def transitions(self) -> pd.DataFrame:
        """Per case, each designed pair of steps it went through directly: ``case_id``,
        ``source``, ``target``, ``at``, ``seconds`` (``mining.transition_gaps``)."""
        assert self.log is not None
        return mining.transition_gaps(self.log, list(self.designed))

    def direct_gaps(self, source: str, target: str) -> pd.Series:
        """Per case that went directly from ``source`` to ``target``: the seconds it took."""
        frame = self.transitions
        frame = frame[(frame["source"] == source) & (frame["target"] == target)]
        return pd.Series(frame["seconds"].to_numpy(), index=frame["case_id"].astype(str))

    @cached_property
    def waits(self) -> pd.DataFrame:
        """``mining.waits_against_design`` of the log."""
        assert self.log is not None
        return mining.waits_against_design(self.log, self.designed)

    @cached_property
    def cases(self) -> pd.DataFrame:
        """``mining.case_table``: one row per case with its attributes."""
        assert self.log is not None
        return mining.case_table(self.log).set_index("case_id")

    def segments(self) -> list[str]:
        """Case attributes worth splitting by: constant in every case, known for at least 95 %
        of them (an outcome such as a loss reason is not), with 2 to ``segment_max_values``
        values, and a name a condition can use."""
        frame = self.cases
        constant = frame.attrs.get("constant", {})
        names = frame.attrs.get("attributes", {})
        result = []
        for column, source in names.items():
            if not constant.get(source, False) or not str(column).isidentifier():
                continue
            values = frame[column]
            if values.notna().mean() < 0.95 or (values.astype(str) == "").mean() > 0.05:
                continue
            distinct = values.nunique(dropna=True)
            if 2 <= distinct <= self.thresholds.segment_max_values:
                result.append(column)
        return sorted(result)

    @cached_property
    def role(self) -> str:
        """Who runs the workflow: ``handoff`` means sales reps (see the simulator)."""
        return workflow_role(self.workflow)

    @cached_property
    def consent(self) -> pd.DataFrame:
        """Emails to contacts after they withdrew: of this workflow's cases when the message
        log is the workflow's own log, of its emails when the design log says which email ids
        it sent (a message column on its send steps), else all."""
        assert self.email_log is not None
        frame = mining.consent_violations(self.email_log)
        if not frame.empty and self.email_log is self.source_log and self.log is not None:
            cases = set(self.first.index.astype(str))
            frame = frame[frame["case_id"].astype(str).isin(cases)].reset_index(drop=True)
            frame.attrs["attributed"] = True
            return frame
        ids = self.email_ids
        if frame.empty or not ids:
            frame.attrs["attributed"] = False
            return frame
        message = self.email_log.vocabulary.role("message")
        mine = mining.FilterStack([mining.CaseAttribute(str(message), tuple(ids))]).apply(
            self.email_log
        )
        messages = set(mining.case_statistics(mine)["case_id"].astype(str))
        frame = frame[frame["case_id"].astype(str).isin(messages)].reset_index(drop=True)
        frame.attrs["attributed"] = True
        return frame

    def withdrawal_kind(self, label: str) -> str | None:
        """The kind (unsubscribed, bounced, spam) of a withdrawal label of the message log."""
        return None if self.email_log is None else self.email_log.vocabulary.kind(label)

    @cached_property
    def message_period_days(self) -> float:
        """Days covered by the message log (at least 1)."""
        assert self.email_log is not None
        cases = mining.case_statistics(self.email_log)
        if cases.empty:
            return 1.0
        return max((cases["end"].max() - cases["start"].min()).total_seconds() / 86400, 1.0)

    @cached_property
    def email_ids(self) -> tuple:
        """The email ids (as the message log writes them) this workflow sent, when the design
        log records them per send (the vocabulary's message column); else empty."""
        if self.log is None or self.email_log is None or self.email_log is self.source_log:
            return ()
        sent_id = self.log.vocabulary.role("message")
        message = self.email_log.vocabulary.role("message")
        if sent_id is None or message is None:
            return ()
        sends = [a for n in self.workflow.nodes if n.action == "send_email" for a in n.activities]
        if not sends:
            return ()
        only = mining.FilterStack([mining.EventAttribute("activity", tuple(sends))]).apply(self.log)
        values = mining.attribute_counts(only, sent_id)["value"].dropna()
        kinds = mining.attribute_counts(self.email_log, message)["value"].dropna()
        wanted = {_id_text(v) for v in values}
        return tuple(v for v in kinds if _id_text(v) in wanted)


def _id_text(value: object) -> str:
    """An id as text (``100005``, ``100005.0``, ``'100005.0'`` and ``'100005'`` are the same
    id: a column read as floats, or written from floats, still matches)."""
    if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
        return str(int(value))
    text = str(value)
    return text[:-2] if text.endswith(".0") and text[:-2].lstrip("-").isdigit() else text


def _is_message_log(log: mining.EventLog) -> bool:
    """A log the consent rule can read: its vocabulary names a contact, sends and withdrawals."""
    return log.vocabulary.covers_consent()

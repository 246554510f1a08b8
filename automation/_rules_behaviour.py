"""Suggestion rules on how cases behave against the design over time: steps the design does not
have (manual sends, steps out of order), cases stuck at a step at the end of the log, a goal
reached mostly outside the workflow, contacts in several workflows at once getting many emails,
and a KPI that got worse with the newer workflow version. Each returns Suggestions with
evidence, impact and a ChangeSet."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

import mining
from automation._analysis import (
    Analysis,
    _id_text,
    logged_predecessors,
    poisson_interval,
    proportion_interval,
)
from automation._before_after import before_after
from automation._changes import (
    AddBranch,
    AddSalesTask,
    AddSuppression,
    ChangeCondition,
    ChangeEvent,
    Operation,
    ReorderSteps,
    ReplaceEmail,
    SetCooldown,
    SetSendWindow,
    SetWaitDuration,
)
from automation._rules_common import both, iso, make, nice_duration, num, pct, quote, span
from automation._suggestion_model import Impact, Risk, Suggestion, Text, adequacy
from automation._workflow import Node, Workflow
from automation.exceptions import WorkflowError

UNEXPECTED, OUT_OF_ORDER = "unexpected", "out_of_order"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "step"


def _by_label(wf: Workflow) -> dict[str, Node]:
    return {label: node for node in wf.nodes for label in node.activities}


def _applies(op: Operation, wf: Workflow) -> bool:
    try:
        op.apply(wf)
    except WorkflowError:
        return False
    return True


def _days(seconds: float) -> float:
    return float(seconds) / 86400


# -- behaviour not in the design -----------------------------------------------------------------
def behaviour_not_in_design(a: Analysis) -> list[Suggestion]:
    """An activity done in at least ``unexpected_share`` of the cases (and ``min_cases``) where
    the design does not have it (conformance: unexpected or out of order; a designed step merely
    repeated is rework, left to ``rework-hotspot``): reorder two steps when most cases do them the
    other way round, else add the step (a task before the step it precedes) for review.
    Conformance already leaves out the contacts' reactions the design has no step for; a
    designed one (a click the design waits for) done out of order is left out here too: nobody
    can reorder or add a contact's click."""
    t = a.thresholds
    deviations = a.conformance.deviations()
    rows = deviations[deviations["kind"].isin([UNEXPECTED, OUT_OF_ORDER])]
    found = []
    for row in rows.itertuples():
        if row.cases < t.min_cases or row.share < t.unexpected_share:
            continue
        if a.log.vocabulary.kind(str(row.activity)) in mining.REACTION_KINDS:
            continue
        made = _not_in_design_one(a, row)
        if made is not None and all(made.changes.ops != s.changes.ops for s in found):
            found.append(made)  # both steps of one swap are out of order: one suggestion
    return found


def _affected(a: Analysis, kind: str, activity: str) -> pd.Index:
    cases = a.conformance.cases
    mask = [(kind, activity) in {tuple(d) for d in devs} for devs in cases["deviations"]]
    return pd.Index(cases.loc[mask, "case_id"].astype(str))


def _neighbour(a: Analysis, ids: pd.Index, label: str, after: bool) -> tuple[Node | None, float]:
    """The designed step most often right after (or before) ``label`` in these cases, and the
    median seconds between them."""
    wf = a.workflow
    by_label = _by_label(wf)
    columns = [c for c in a.first.columns if c in by_label and c != label]
    first = a.first.loc[a.first.index.intersection(ids)]
    at = first[label]
    picks, gaps = [], []
    for case_id, when in at.dropna().items():
        other = first.loc[case_id, columns].dropna()
        other = other[other > when] if after else other[other < when]
        if other.empty:
            continue
        pick = other.idxmin() if after else other.idxmax()
        picks.append(pick)
        gaps.append(abs((other[pick] - when).total_seconds()))
    if not picks:
        return None, 0.0
    label_next = Counter(picks).most_common(1)[0][0]
    return by_label[label_next], float(np.median(gaps))


def _reorder(a: Analysis, node: Node) -> tuple[ReorderSteps, int, int] | None:
    """A swap of ``node`` with a directly linked action / wait that most cases doing both do
    the other way round: the op, the cases doing it the other way, the cases doing both."""
    t, wf = a.thresholds, a.workflow
    pairs = [(node, wf.node(e.target)) for e in wf.outgoing(node.id)]
    pairs += [(wf.node(e.source), node) for e in wf.incoming(node.id)]
    best = None
    for first, second in pairs:
        if first.type not in ("action", "wait") or second.type not in ("action", "wait"):
            continue
        if not first.activities or not second.activities:
            continue
        when_a, when_b = a.first_of(first.activities), a.first_of(second.activities)
        both_done = when_a.notna() & when_b.notna()
        n = int(both_done.sum())
        k = int((when_b[both_done] < when_a[both_done]).sum())
        if n < t.min_cases or k / n < t.reorder_share:
            continue
        op = ReorderSteps(first.id, second.id)
        if _applies(op, wf) and (best is None or k / n > best[1] / best[2]):
            best = (op, k, n)
    return best


def _not_in_design_one(a: Analysis, row: Any) -> Suggestion | None:
    """One candidate of :func:`behaviour_not_in_design`: its suggestion, or None."""
    wf = a.workflow
    label, kind = str(row.activity), str(row.kind)
    ids = _affected(a, kind, label)
    node = _by_label(wf).get(label)
    if node is not None:
        occurrences = a.activities[
            (a.activities["activity"] == label) & a.activities["case_id"].astype(str).isin(ids)
        ]["occurrences"]
        if len(occurrences) and float((occurrences > 1).mean()) > 0.5:
            return None  # a designed step done again: rework, not a step the design lacks
    k, n = len(ids), a.n_cases
    share = k / n
    reorder = _reorder(a, node) if node is not None else None
    details: dict[str, Any] = {"kind": kind, "activity": label, "cases": k}
    if reorder is not None:
        op, other_way, both_done = reorder
        first, second = wf.node(op.first), wf.node(op.second)
        details.update(
            {"action": "reorder", "cases_other_way": other_way, "cases_doing_both": both_done}
        )
        action_en = (
            f" Of the {num(both_done, 'en')} cases that did both, {num(other_way, 'en')} "
            f"({pct(other_way / both_done, 'en')}) did {quote(second.label, 'en')} before "
            f"{quote(first.label, 'en')}: swap the two steps so the design matches practice."
        )
        action_es = (
            f" De los {num(both_done, 'es')} casos que hicieron ambos, {num(other_way, 'es')} "
            f"({pct(other_way / both_done, 'es')}) hicieron {quote(second.label, 'es')} antes "
            f"que {quote(first.label, 'es')}: intercambia los dos pasos para que el diseño "
            "refleje la práctica."
        )
        title_en = f"Swap {quote(first.label, 'en')} and {quote(second.label, 'en')}"
        title_es = f"Intercambiar {quote(first.label, 'es')} y {quote(second.label, 'es')}"
        risk_level = "medium"
    else:
        follows, _ = _neighbour(a, ids, label, after=True)
        precedes, gap = _neighbour(a, ids, label, after=False)
        before = follows if follows is not None else node
        if before is None:
            return None
        task = f"manual_{_slug(label)}" if node is None else f"review_order_{node.id}"
        name = label if node is None else f"Review the order of: {node.label}"
        op = AddSalesTask(
            before.id,
            task,
            name,
            sla=iso(nice_duration(gap or 86400)),
            params={"activity": label, "cases_in_log": k, "review": True},
        )
        if not _applies(op, wf):
            return None
        details.update(
            {
                "action": "add_step" if node is None else "review_order",
                "before": before.id,
                "after": precedes.id if precedes is not None else None,
                "median_seconds_after_previous_step": gap,
            }
        )
        where_en = (
            f" It is usually done after {quote(precedes.label, 'en')} and before "
            f"{quote(before.label, 'en')}."
            if precedes is not None
            else f" It usually comes before {quote(before.label, 'en')}."
        )
        where_es = (
            f" Suele hacerse después de {quote(precedes.label, 'es')} y antes de "
            f"{quote(before.label, 'es')}."
            if precedes is not None
            else f" Suele ir antes de {quote(before.label, 'es')}."
        )
        if node is None:
            action_en = where_en + (
                " Make it a step of the design (a task before that step, proposed; label it "
                f"{quote(label, 'en')} in the platform) or, if it should not happen, stop it: "
                "review with the team."
            )
            action_es = where_es + (
                " Conviértelo en un paso del diseño (una tarea antes de ese paso, propuesta; "
                f"etiquétala {quote(label, 'es')} en la plataforma) o, si no debería ocurrir, "
                "evítalo: revísalo con el equipo."
            )
            title_en = f"Add the step done outside the design: {quote(label, 'en')}"
            title_es = f"Añadir el paso que se hace fuera del diseño: {quote(label, 'es')}"
        else:
            action_en = where_en + (
                " No reordering fits most cases: a review task before the step lets the team "
                "settle the order."
            )
            action_es = where_es + (
                " Ningún cambio de orden encaja con la mayoría: una tarea de revisión antes del "
                "paso permite al equipo fijar el orden."
            )
            title_en = f"Review where {quote(label, 'en')} happens"
            title_es = f"Revisar dónde ocurre {quote(label, 'es')}"
        risk_level = "low"
    with_days = _days(row.median_duration_with)
    without_days = _days(row.median_duration_without)
    what_en = "not in the design" if kind == UNEXPECTED else "out of the designed order"
    what_es = "fuera del diseño" if kind == UNEXPECTED else "fuera del orden diseñado"
    low, high = poisson_interval(k)

    def explain(lang: str) -> str:
        if lang == "en":
            return (
                f"{num(k, lang)} of {num(n, lang)} cases ({pct(share, lang)}) did "
                f"{quote(label, lang)} {what_en}; their median duration is "
                f"{num(with_days, lang, 1)} days vs {num(without_days, lang, 1)} for the "
                "others." + action_en
            )
        return (
            f"{num(k, lang)} de {num(n, lang)} casos ({pct(share, lang)}) hicieron "
            f"{quote(label, lang)} {what_es}; su duración mediana es "
            f"{num(with_days, lang, 1)} días frente a {num(without_days, lang, 1)} de los "
            "demás." + action_es
        )

    return make(
        a,
        "behaviour-not-in-design",
        f"{kind}:{label}",
        title=Text(
            f"{title_en}: {num(k, 'en')} of {num(n, 'en')} cases",
            f"{title_es}: {num(k, 'es')} de {num(n, 'es')} casos",
        ),
        explanation=both(explain),
        metric=Text(
            f"share of the cases doing {label!r} {what_en}",
            f"proporción de casos que hacen {quote(label, 'es')} {what_es}",
        ),
        value=share,
        unit="share",
        sample_size=n,
        distribution={
            "share": share,
            "median_days_with": with_days,
            "median_days_without": without_days,
        },
        examples=a.examples(ids),
        details={**details, "impact_seconds": float(row.impact_seconds)},
        confidence=adequacy(k),
        impact=Impact(
            metric=Text(
                "cases per month whose behaviour the design then describes",
                "casos al mes cuyo comportamiento describe entonces el diseño",
            ),
            unit="cases / month",
            estimate=a.per_month(k),
            low=a.per_month(low),
            high=a.per_month(high),
            cases=k,
            method="conformance (alignments) of the log against the design; Poisson interval",
        ),
        risk=Risk(
            risk_level,
            Text(
                "reordering changes what every case goes through; agree it with the team"
                if reorder is not None
                else "one more task for the team until the step is settled",
                "reordenar cambia lo que recorre cada caso; acuérdalo con el equipo"
                if reorder is not None
                else "una tarea más para el equipo hasta que se decida el paso",
            ),
        ),
        ops=[op],
    )


# -- cases stuck -------------------------------------------------------------------------------
def _can_end_after(wf: Workflow, node_id: str) -> bool:
    """Whether a case may end after ``node_id`` without logging anything more (through unlogged
    steps, or a wait-for-event left by its timeout, to an end)."""
    seen, todo = set(), [e for e in wf.outgoing(node_id)]
    if not todo:
        return True
    while todo:
        edge = todo.pop()
        target = wf.node(edge.target)
        if target.id in seen:
            continue
        seen.add(target.id)
        if target.type == "end" and not target.activities:
            return True
        if target.type == "wait_for_event":
            todo.extend(e for e in wf.outgoing(target.id) if e.exit == "timeout")
        elif not target.activities:
            todo.extend(wf.outgoing(target.id))
            if not wf.outgoing(target.id):
                return True
    return False


def _last_steps(a: Analysis) -> pd.DataFrame:
    """Per case: its last designed step (``label``) and when it happened (``at``)."""
    mine = a.activities[a.activities["activity"].isin(_by_label(a.workflow))]
    idx = mine.groupby("case_id")["last"].idxmax()
    frame = mine.loc[idx, ["case_id", "activity", "last"]]
    frame.columns = ["case_id", "label", "at"]
    return frame.set_index("case_id")


def cases_stuck(a: Analysis) -> list[Suggestion]:
    """Cases whose last designed step, not one a case may end at, is older at the end of the log
    than ``stuck_ratio`` times the step's longest designed wait or the log's P95 time to the
    next step (at least a day): ``stuck_min_cases`` and ``stuck_share`` of the cases that
    reached it. Add a task with an SLA after the step so someone moves them on."""
    wf = a.workflow
    goals = {label for g in wf.goals for label in g.activities}
    by_label = _by_label(wf)
    ends = {
        label for label, node in by_label.items() if _can_end_after(wf, node.id) or label in goals
    }
    last = _last_steps(a)
    last = last[~last.index.isin(a.cases_with(tuple(goals)))]  # the goal took them out
    log_end = a.activities["last"].max()
    age = (log_end - last["at"]).dt.total_seconds()
    reached = a.activities.groupby("activity")["case_id"].nunique()
    return [
        s
        for label in sorted(set(last["label"]) - ends)
        if (s := _stuck_one(a, by_label[label], label, last, age, int(reached.get(label, 0))))
        is not None
    ]


def _stuck_one(
    a: Analysis, node: Node, label: str, last: pd.DataFrame, age: pd.Series, reached: int
) -> Suggestion | None:
    """One candidate of :func:`cases_stuck`: its suggestion, or None."""
    t, wf = a.thresholds, a.workflow
    designed = max((s for (src, _), s in a.designed.items() if src == label), default=0.0)
    gaps = a.transitions[a.transitions["source"] == label]["seconds"]
    p95 = float(gaps.quantile(0.95)) if len(gaps) else 0.0
    limit = max(t.stuck_ratio * max(designed, p95), 86400.0)
    ages = age[(last["label"] == label) & (age > limit)]
    k = len(ages)
    if k < t.stuck_min_cases or not reached or k / reached < t.stuck_share:
        return None
    out = wf.outgoing(node.id)
    timeout = [e for e in out if e.exit == "timeout"]
    after = (timeout or out)[0].target
    sla = iso(nice_duration(max(designed, p95, 3600.0)))
    op = AddSalesTask(
        after,
        f"unstick_{node.id}",
        f"Move on cases stuck after: {node.label}",
        sla=sla,
        params={"step": node.id, "stuck_after": iso(nice_duration(limit))},
    )
    days = ages / 86400
    low, high = poisson_interval(k)

    def explain(lang: str) -> str:
        if lang == "en":
            return (
                f"At the end of the log {num(k, lang)} of the {num(reached, lang)} cases that "
                f"reached {quote(node.label, lang)} ({pct(k / reached, lang)}) had not moved "
                f"for more than {span(nice_duration(limit), lang)} (the design waits "
                f"{span(designed, lang) if designed else 'nothing'} there, 95 % of the cases "
                f"move on within {num(p95 / 3600, lang, 1)} h); median age "
                f"{num(float(days.median()), lang, 1)} days, oldest "
                f"{num(float(days.max()), lang, 1)}. Add a task with an SLA of "
                f"{span(nice_duration(max(designed, p95, 3600.0)), lang)} after the step so "
                "someone moves them on, and check the platform for failed or unscheduled steps."
            )
        return (
            f"Al final del log {num(k, lang)} de los {num(reached, lang)} casos que llegaron a "
            f"{quote(node.label, lang)} ({pct(k / reached, lang)}) llevaban más de "
            f"{span(nice_duration(limit), lang)} sin avanzar (el diseño espera "
            f"{span(designed, lang) if designed else 'nada'} ahí, el 95 % de los casos avanza "
            f"en {num(p95 / 3600, lang, 1)} h); antigüedad mediana "
            f"{num(float(days.median()), lang, 1)} días, la mayor "
            f"{num(float(days.max()), lang, 1)}. Añade una tarea con un SLA de "
            f"{span(nice_duration(max(designed, p95, 3600.0)), lang)} tras el paso para que "
            "alguien los mueva, y revisa en la plataforma pasos fallidos o sin programar."
        )

    return make(
        a,
        "cases-stuck",
        node.id,
        title=Text(
            f"{num(k, 'en')} cases stuck after {quote(node.label, 'en')}: add a task with an SLA",
            f"{num(k, 'es')} casos atascados tras {quote(node.label, 'es')}: añadir una tarea "
            "con SLA",
        ),
        explanation=both(explain),
        metric=Text(
            f"cases whose last step is {label!r}, older than the limit at the end of the log",
            f"casos cuyo último paso es {quote(label, 'es')} y que pasan del límite al final "
            "del registro",
        ),
        value=k,
        unit="cases",
        sample_size=reached,
        distribution={
            "median_age_days": float(days.median()),
            "p90_age_days": float(days.quantile(0.9)),
            "max_age_days": float(days.max()),
            "share_of_cases_reaching_step": k / reached,
        },
        examples=a.examples(ages.sort_values(ascending=False).index[:50]),
        details={
            "stuck": k,
            "reached": reached,
            "limit_seconds": limit,
            "designed_seconds": designed,
            "p95_seconds": p95,
            "log_end": a.activities["last"].max().isoformat(),
        },
        confidence=adequacy(reached) * min(1.0, k / t.stuck_min_cases),
        impact=Impact(
            metric=Text("stuck cases moved on", "casos atascados que avanzan"),
            unit="cases",
            estimate=float(k),
            low=low,
            high=high,
            cases=k,
            method="age of each case's last step at the end of the log; Poisson interval",
        ),
        risk=Risk(
            "low",
            Text(
                "one more task for the team on the cases that stop at this step",
                "una tarea más para el equipo en los casos que se paran en este paso",
            ),
        ),
        ops=[op],
    )


# -- goal reached outside the workflow -----------------------------------------------------------
def goal_reached_outside(a: Analysis) -> list[Suggestion]:
    """A goal reached by at least ``min_cases`` cases, at least ``goal_outside_share`` of them
    without the workflow's help: no reaction to it (a click, an open, a reply) before the goal
    and not from the step the design puts before the goal. Change: a branch to the goal from
    the step the log reaches it from, when a decision follows that step; else a review task
    (check with sales before nurturing)."""
    return [s for goal in a.workflow.goals if (s := _goal_one(a, goal)) is not None]


def _goal_one(a: Analysis, goal: Any) -> Suggestion | None:
    """One candidate of :func:`goal_reached_outside`: its suggestion, or None."""
    t, wf = a.thresholds, a.workflow
    labels = tuple(goal.activities)
    reached_at = a.first_of(labels)
    reached = reached_at.dropna()
    n = len(reached)
    if n < t.min_cases:
        return None
    goal_nodes = [node for node in wf.nodes if set(node.activities) & set(labels)]
    designed_before = {
        label
        for node in goal_nodes
        for pred in logged_predecessors(wf, node.id)
        for label in pred.activities
    }
    reactions = [lbl for nd in wf.nodes if nd.type == "wait_for_event" for lbl in nd.activities]
    reacted = a.first_of(reactions).reindex(reached.index) < reached
    by_label = _by_label(wf)
    steps = [c for c in a.first.columns if c in by_label and c not in labels]
    first = a.first.loc[reached.index, steps]
    before = first.lt(reached, axis=0)
    earlier = first.where(before)
    some = earlier.notna().any(axis=1)
    previous = pd.Series(None, index=reached.index, dtype=object)
    if steps and some.any():
        previous[some] = earlier[some].idxmax(axis=1)
    via_design = previous.isin(designed_before)
    outside = reached.index[~(reacted.fillna(False) | via_design)]
    k = len(outside)
    share = k / n
    if share < t.goal_outside_share:
        return None
    from_step = previous.reindex(outside).dropna()
    source, source_n = (Counter(from_step).most_common(1)[0]) if len(from_step) else (None, 0)
    op: Operation | None = None
    if goal_nodes and source is not None and source_n / k >= 0.5 and goal.condition:
        node = by_label[source]
        after = [wf.node(e.target) for e in wf.outgoing(node.id)]
        if len(after) == 1 and after[0].type == "decision":
            op = AddBranch(after[0].id, goal_nodes[0].id, condition=goal.condition)
            op = op if _applies(op, wf) else None
    branch = op is not None
    if op is None:
        op = AddSalesTask(
            wf.start,
            f"check_{_slug(goal.id)}_first",
            f"Check with sales first: already {goal.id}?",
            sla="P1D",
            params={"goal": goal.id, "reached_outside": k, "review": True},
        )
    handed = n - k
    monthly = a.per_month(a.n_cases)
    low, high = proportion_interval(k, n)
    what = goal.description or goal.id

    def explain(lang: str) -> str:
        if lang == "en":
            text = (
                f"{num(n, lang)} cases reached the goal {quote(what, lang)}; {num(k, lang)} of "
                f"them ({pct(share, lang)}) did it without the workflow: no reaction to it "
                "before the goal"
                + (" and not from the step the design puts before the goal" if goal_nodes else "")
                + f". Only {num(handed, lang)} got there through it."
            )
            if branch:
                return text + (
                    f" Most came right after {quote(source, lang)}: add a branch from there "
                    "to the goal so the workflow takes them out."
                )
            return text + (
                " The workflow's steps do not move these contacts: check with sales before "
                "nurturing them (a review task, proposed) and review whether the steps earn "
                "their place."
            )
        text = (
            f"{num(n, lang)} casos alcanzaron el objetivo {quote(what, lang)}; "
            f"{num(k, lang)} ({pct(share, lang)}) lo hicieron sin el flujo: sin reaccionar a "
            "él antes del objetivo"
            + (" ni desde el paso que el diseño pone antes del objetivo" if goal_nodes else "")
            + f". Solo {num(handed, lang)} llegaron a través de él."
        )
        if branch:
            return text + (
                f" La mayoría llegó justo después de {quote(source, lang)}: añade una rama "
                "de ahí al objetivo para que el flujo los saque."
            )
        return text + (
            " Los pasos del flujo no mueven a estos contactos: consulta con ventas antes de "
            "nutrirlos (una tarea de revisión, propuesta) y revisa si los pasos se justifican."
        )

    return make(
        a,
        "goal-reached-outside",
        goal.id,
        title=Text(
            f"The goal {quote(what, 'en')} is reached outside the workflow: {num(k, 'en')} "
            f"of {num(n, 'en')} cases",
            f"El objetivo {quote(what, 'es')} se alcanza fuera del flujo: {num(k, 'es')} de "
            f"{num(n, 'es')} casos",
        ),
        explanation=both(explain),
        metric=Text(
            "share of the cases reaching the goal without the workflow",
            "proporción de casos que alcanzan el objetivo sin el flujo de trabajo",
        ),
        value=share,
        unit="share",
        sample_size=n,
        distribution={"share_outside": share, "share_outside_low": low, "share_outside_high": high},
        examples=a.examples(outside),
        details={
            "goal": goal.id,
            "reached": n,
            "outside": k,
            "reacted_before": int(reacted.fillna(False).sum()),
            "via_designed_step": int(via_design.sum()),
            "most_common_step_before": source,
            "action": "add_branch" if branch else "review",
        },
        confidence=adequacy(n),
        impact=Impact(
            metric=Text(
                "share of the goal reached without the workflow",
                "proporción del objetivo alcanzada sin el flujo",
            ),
            unit="share",
            estimate=share,
            low=low,
            high=high,
            cases=k,
            method="first goal event against the workflow's reactions and designed route; "
            "Clopper-Pearson interval",
        ),
        risk=Risk(
            "medium",
            both(
                lambda lang: (
                    (
                        "the workflow may still help in ways the log does not show (opens, "
                        "visits); review before removing anything"
                        if lang == "en"
                        else "el flujo puede ayudar de formas que el log no muestra "
                        "(aperturas, visitas); revisa antes de quitar nada"
                    )
                    + (
                        ""
                        if branch
                        else (
                            f"; the review task means about {num(monthly, lang)} tasks a month "
                            "for sales (one per contact entering)"
                            if lang == "en"
                            else f"; la tarea de revisión supone unas {num(monthly, lang)} "
                            "tareas al mes para ventas (una por contacto que entra)"
                        )
                    )
                )
            ),
        ),
        ops=[op],
    )


# -- fatigue across workflows -------------------------------------------------------------------
def fatigue_across_workflows(a: Analysis) -> list[Suggestion]:
    """Contacts of this workflow who, in some calendar week, got emails from several workflows
    (the vocabulary's workflow column, e.g. Mautic's ``campaign_id``) and at least
    ``fatigue_weekly_emails`` of them; at least ``fatigue_min_contacts`` contacts. Suppress
    contacts active in the other workflows."""
    t = a.thresholds
    log = a.source_log
    assert log is not None and a.log is not None
    vocabulary = log.vocabulary
    contact = vocabulary.role("contact")
    group = vocabulary.role("workflow")
    if contact in (None, "case_id") or group is None:
        a.notes.append(
            "fatigue-across-workflows: the log names no contact apart from the case, or no "
            "workflow per case (see `mejora vocabulary LOG`: roles contact and workflow): "
            "not checked"
        )
        return []
    sends = [lbl for n in a.workflow.nodes if n.action == "send_email" for lbl in n.activities]
    sends = list(dict.fromkeys([*sends, *vocabulary.labels("sent")]))
    channel = vocabulary.role("channel")
    weeks = mining.contact_weeks(log, contact=contact, sends=sends, channel=channel, workflow=group)
    mine = a.cases[contact].dropna().map(_id_text)
    heavy = weeks[
        (weeks["workflows"] > 1)
        & (weeks["sends"] >= t.fatigue_weekly_emails)
        & weeks["contact"].isin(set(mine))
    ]
    contacts = sorted(set(heavy["contact"]))
    if len(contacts) < t.fatigue_min_contacts:
        return []
    everyone = mining.case_table(log)[["case_id", contact, group]]
    everyone = everyone[everyone[contact].map(_id_text).isin(contacts)]
    own = set(a.cases.index.astype(str))
    own_groups = set(everyone[everyone["case_id"].astype(str).isin(own)][group].map(_id_text))
    others = sorted(set(everyone[group].map(_id_text)) - own_groups)
    prefix = "campaign" if "campaign" in group.lower() else "workflow"
    lists = tuple(f"active-in-{prefix}-{v}" for v in others) or ("active-in-other-workflows",)
    cases = mine[mine.isin(contacts)].index
    per_contact = heavy.groupby("contact")["sends"].max()
    n_mine = len(set(mine))
    k = len(contacts)
    low, high = poisson_interval(len(heavy))

    def explain(lang: str) -> str:
        names = ", ".join(others) or "?"
        if lang == "en":
            return (
                f"{num(k, lang)} of this workflow's {num(n_mine, lang)} contacts were in "
                f"several workflows at once ({group} {names}) and got "
                f"{num(t.fatigue_weekly_emails, lang)} or more emails in one week "
                f"({num(len(heavy), lang)} such weeks, up to "
                f"{num(int(per_contact.max()), lang)} emails). Suppress contacts active in the "
                "other workflows (a list the platform keeps) so each contact hears from one "
                "workflow at a time."
            )
        return (
            f"{num(k, lang)} de los {num(n_mine, lang)} contactos de este flujo estaban en "
            f"varios flujos a la vez ({group} {names}) y recibieron "
            f"{num(t.fatigue_weekly_emails, lang)} o más correos en una semana "
            f"({num(len(heavy), lang)} semanas así, hasta "
            f"{num(int(per_contact.max()), lang)} correos). Excluye a los contactos activos en "
            "los otros flujos (una lista que mantiene la plataforma) para que cada contacto "
            "reciba un solo flujo a la vez."
        )

    made = make(
        a,
        "fatigue-across-workflows",
        f"contacts@{'+'.join(others) or 'other'}",
        title=Text(
            f"Suppress contacts already in another workflow: {num(k, 'en')} got "
            f"{t.fatigue_weekly_emails}+ emails a week from several",
            f"Excluir a los contactos ya en otro flujo: {num(k, 'es')} recibieron "
            f"{t.fatigue_weekly_emails}+ correos a la semana de varios",
        ),
        explanation=both(explain),
        metric=Text(
            "contacts with a week of emails from several workflows at or above the limit",
            "contactos con una semana de correos de varios flujos de trabajo en el límite o por "
            "encima",
        ),
        value=k,
        unit="contacts",
        sample_size=n_mine,
        distribution={
            "median_weekly_emails": float(per_contact.median()),
            "max_weekly_emails": float(per_contact.max()),
            "share_of_contacts": k / n_mine if n_mine else 0.0,
        },
        examples=a.examples(cases),
        details={
            "contacts": k,
            "weeks": len(heavy),
            "emails_in_those_weeks": int(heavy["sends"].sum()),
            "contact_column": contact,
            "workflow_column": group,
            "other_workflows": others,
            "weekly_limit": t.fatigue_weekly_emails,
        },
        confidence=adequacy(k * 3),
        impact=Impact(
            metric=Text(
                "contact-weeks per month over the limit from several workflows (what the "
                "suppression ends)",
                "semanas-contacto al mes por encima del límite desde varios flujos (lo que "
                "la exclusión termina)",
            ),
            unit="contact-weeks / month",
            estimate=a.per_month(len(heavy)),
            low=a.per_month(low),
            high=a.per_month(high),
            cases=k,
            method="emails per contact and calendar week across the workflows in the log; "
            "Poisson interval",
        ),
        risk=Risk(
            "medium",
            Text(
                "suppressed contacts miss this workflow while in the other one; agree which "
                "workflow has priority",
                "los contactos excluidos no reciben este flujo mientras estén en el otro; "
                "acordad qué flujo tiene prioridad",
            ),
        ),
        ops=[AddSuppression(lists)],
    )
    return [made]


# -- behaviour changed between versions ----------------------------------------------------------
def _revert_ops(previous: Workflow, current: Workflow) -> tuple[list[Operation], list[str]]:
    """Operations that put ``current``'s changed settings back as in ``previous``, and the
    changes no operation reverts (added or removed steps and edges)."""
    old, new = previous.to_dict(), current.to_dict()
    ops: list[Operation] = []
    left: list[str] = []
    old_nodes = {n["id"]: n for n in old["nodes"]}
    new_nodes = {n["id"]: n for n in new["nodes"]}
    for node_id in sorted(set(old_nodes) ^ set(new_nodes)):
        left.append(f"node {node_id} {'removed' if node_id in old_nodes else 'added'}")
    for node_id in sorted(set(old_nodes) & set(new_nodes)):
        before, after = old_nodes[node_id], new_nodes[node_id]
        for key in ("duration", "timeout"):
            if before.get(key) != after.get(key) and before.get(key):
                ops.append(SetWaitDuration(node_id, str(before[key])))
        if before.get("event") != after.get("event") and before.get("event"):
            ops.append(
                ChangeEvent(node_id, str(before["event"]), tuple(before.get("activities", ())))
            )
        email = (before.get("params") or {}).get("email")
        if email and email != (after.get("params") or {}).get("email"):
            ops.append(ReplaceEmail(node_id, str(email)))
    old_edges = {(e["from"], e["to"]): e for e in old["edges"]}
    new_edges = {(e["from"], e["to"]): e for e in new["edges"]}
    for key in sorted(set(old_edges) ^ set(new_edges)):
        left.append(f"edge {key[0]}->{key[1]} {'removed' if key in old_edges else 'added'}")
    for key in sorted(set(old_edges) & set(new_edges)):
        before_c, after_c = old_edges[key].get("condition"), new_edges[key].get("condition")
        if before_c != after_c and before_c:
            ops.append(ChangeCondition(key[0], key[1], str(before_c)))
    if old["entry"].get("reenrollment") != new["entry"].get("reenrollment"):
        again = old["entry"].get("reenrollment") or {}
        ops.append(SetCooldown(again.get("cooldown"), bool(again.get("allowed", True))))
    window = old.get("send_window")
    if window and window != new.get("send_window"):
        ops.append(
            SetSendWindow(
                window["timezone"],
                tuple(window.get("days", ("mon", "tue", "wed", "thu", "fri"))),
                window.get("start", "09:00"),
                window.get("end", "18:00"),
            )
        )
    return ops, left


def _kpis(a: Analysis) -> list[tuple[str, Text]]:
    """The KPIs compared between versions: throughput, each goal label and each click wait."""
    wf = a.workflow
    kpis = [("throughput", Text("median case duration", "duración mediana del caso"))]
    for goal in wf.goals:
        kpis += [
            (f"reach:{lbl}", Text(f"goal rate ({lbl})", f"tasa de objetivo ({lbl})"))
            for lbl in goal.activities
        ]
    for node in wf.nodes:
        if node.awaits == "clicked":
            kpis += [
                (f"reach:{lbl}", Text(f"click rate ({lbl})", f"tasa de clics ({lbl})"))
                for lbl in node.activities
            ]
    known = set(a.first.columns)
    return [(k, d) for k, d in kpis if not k.startswith("reach:") or k[6:] in known]


def behaviour_changed_between_versions(a: Analysis) -> list[Suggestion]:
    """When the log's cases carry a workflow version (the vocabulary's workflow_version) and
    the two newest versions are separated in time, compare throughput, goal rates and click
    rates with ``before_after`` at the newer version's first case (cases started too close
    to the log's end to finish are left out); a KPI significantly worse (p < ``alpha``) in
    the newer version, which is the analysed design, proposes reverting the
    changed settings to ``Analysis.previous``. Without a version column it does not fire and a
    note says so."""
    rule = "behaviour-changed-between-versions"
    assert a.log is not None
    column = a.log.vocabulary.role("workflow_version")
    if column is None:
        a.notes.append(
            f"{rule}: the log has no workflow_version column (name it with `mejora vocabulary "
            f"{a.log_name or 'LOG'} --role workflow_version=COLUMN`); versions not compared"
        )
        return []
    cases = a.cases
    versions = sorted(cases[column].dropna().unique().tolist())
    if len(versions) < 2:
        a.notes.append(f"{rule}: the log holds one version only ({column})")
        return []
    old, new = versions[-2], versions[-1]
    start_new = cases.loc[cases[column] == new, "start"].min()
    if (cases.loc[cases[column] == old, "start"] >= start_new).any():
        a.notes.append(f"{rule}: versions {old} and {new} ran side by side; not compared by date")
        return []
    durations = cases.loc[cases[column] == old, "duration_seconds"]
    log_end = cases["end"].max()
    cutoff = log_end - pd.Timedelta(seconds=float(durations.quantile(0.9)))
    log = mining.FilterStack(
        [
            mining.CaseAttribute(column, (old, new)),
            mining.TimeRange(end=cutoff.isoformat(), mode="started"),
        ]
    ).apply(a.log)
    results = []
    for kpi, what in _kpis(a):
        try:
            result = before_after(log, kpi, start_new)
        except ValueError:
            continue
        if result.worked is False and result.p_value < a.thresholds.alpha:
            results.append((result, what))
    if not results:
        return []
    result, what = min(results, key=lambda r: r[0].p_value)
    if a.previous is None or a.previous.id != a.workflow.id:
        a.notes.append(
            f"{rule}: {result.sentence} The design of version {old} was not given "
            "(Analysis(previous=...)): no revert proposed"
        )
        return []
    ops, left = _revert_ops(a.previous, a.workflow)
    if not ops:
        a.notes.append(f"{rule}: {result.sentence} No operation reverts the change ({left})")
        return []
    interval = _difference_interval(log, result, start_new)
    return [
        _version_suggestion(a, rule, (column, old, new), result, what, results, ops, left, interval)
    ]


def _difference_interval(
    log: mining.EventLog, result: Any, start_new: pd.Timestamp
) -> tuple[float, float]:
    """90 % interval of the KPI's change (newer minus older): a bootstrap of the difference of
    median days for throughput, the normal interval of two proportions for a rate."""
    if result.unit == "share":
        p0, p1 = result.before, result.after
        se = np.sqrt(p0 * (1 - p0) / result.cases_before + p1 * (1 - p1) / result.cases_after)
        diff = p1 - p0
        return float(diff - 1.645 * se), float(diff + 1.645 * se)
    times = mining.throughput_times(log)
    days = times["throughput_seconds"].to_numpy() / 86400
    later = (times["start"] >= start_new).to_numpy()
    rng = np.random.default_rng(0)
    before, after = days[~later], days[later]
    boots = [
        float(np.median(rng.choice(after, len(after))) - np.median(rng.choice(before, len(before))))
        for _ in range(300)
    ]
    low, high = np.quantile(boots, [0.05, 0.95])
    return float(low), float(high)


def _version_suggestion(
    a: Analysis,
    rule: str,
    versions: tuple[str, Any, Any],
    result: Any,
    what: Text,
    results: list,
    ops: list[Operation],
    left: list[str],
    interval: tuple[float, float],
) -> Suggestion:
    """The suggestion of :func:`behaviour_changed_between_versions`."""
    column, old, new = versions
    n_before, n_after = result.cases_before, result.cases_after
    diff = result.after - result.before
    low, high = interval
    unit = "days" if result.unit == "days" else "share"

    def value(v: float, lang: str) -> str:
        return (
            f"{num(v, lang, 1)} {'days' if lang == 'en' else 'días'}"
            if unit == "days"
            else (pct(v, lang))
        )

    changes = "; ".join(op.describe() for op in ops)

    def explain(lang: str) -> str:
        if lang == "en":
            text = (
                f"The {what.en} got worse with version {new}: {value(result.before, lang)} for "
                f"{num(n_before, lang)} cases of version {old} vs {value(result.after, lang)} "
                f"for {num(n_after, lang)} of version {new} ({result.test}, p = "
                f"{result.p_value:.2g}). Roll the changed settings back: {changes}."
            )
            return text + (
                f" Not reverted (no operation does it): {', '.join(left)}." if left else ""
            )
        text = (
            f"La {what.es} empeoró con la versión {new}: {value(result.before, lang)} en "
            f"{num(n_before, lang)} casos de la versión {old} frente a "
            f"{value(result.after, lang)} en {num(n_after, lang)} de la versión {new} "
            f"({result.test}, p = {result.p_value:.2g}). Vuelve a los ajustes anteriores: "
            f"{changes}."
        )
        return text + (
            f" Sin revertir (ninguna operación lo hace): {', '.join(left)}." if left else ""
        )

    return make(
        a,
        rule,
        f"{column}={new}",
        title=Text(
            f"Roll back version {new}: {what.en} worse than in version {old}",
            f"Deshacer la versión {new}: {what.es} peor que en la versión {old}",
        ),
        explanation=both(explain),
        metric=Text(
            f"{result.kpi}: version {new} against version {old}",
            f"{what.es}: versión {new} frente a la versión {old}",
        ),
        value=result.after,
        unit=result.unit,
        sample_size=n_before + n_after,
        distribution={"before": result.before, "after": result.after, "difference": diff},
        examples=(),
        details={
            "version_column": column,
            "old_version": old,
            "new_version": new,
            "kpi": result.kpi,
            "p_value": result.p_value,
            "cases_before": n_before,
            "cases_after": n_after,
            "sentence": result.sentence,
            "worse_kpis": [r.kpi for r, _ in results],
            "not_reverted": left,
        },
        confidence=adequacy(min(n_before, n_after)) * (1 - result.p_value),
        impact=Impact(
            metric=Text(
                f"{what.en} recovered by the rollback (the change between the versions)",
                f"{what.es} recuperada al deshacer (el cambio entre las versiones)",
            ),
            unit=result.unit,
            estimate=abs(diff),
            low=low if result.better == "lower" else -high,
            high=high if result.better == "lower" else -low,
            cases=n_after,
            method="before / after at the newer version's first case (control chart and "
            f"{result.test}); bootstrap / normal interval of the difference",
        ),
        risk=Risk(
            "low",
            Text(
                "the older settings ran before with these results; other changes since stay",
                "los ajustes anteriores ya funcionaron con estos resultados; el resto se queda",
            ),
        ),
        ops=ops,
    )

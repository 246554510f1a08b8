"""The waits a workflow designs between two logged steps, as a plain mapping for ``mining``.

A 3-day nurture delay is not a bottleneck: it is the design. Between two steps that leave a trace
in the log, the designed delay is the sum of the ``wait`` durations and of the ``wait_for_event``
timeouts passed through on the way (a contact who clicks leaves the wait early: that is their
reaction, not a designed delay).
"""

from __future__ import annotations

from automation._workflow import Workflow


def designed_waits(workflow: Workflow) -> dict[tuple[str, str], float]:
    """``{(from activity, to activity): designed seconds}`` for every pair of logged steps that
    can follow each other directly in the log. Where several routes join the same pair with
    different delays, the shortest is used (the design allows that little).

    Example:
        >>> designed_waits(read_workflow("onboarding.yaml"))[
        ...     ("Bienvenida enviada", "Guía enviada")]   # doctest: +SKIP
        259200.0
    """
    result: dict[tuple[str, str], float] = {}

    def record(sources: tuple[str, ...], targets: tuple[str, ...], seconds: float) -> None:
        for source in sources:
            for target in targets:
                key = (source, target)
                result[key] = min(result.get(key, seconds), seconds)

    def follow(sources: tuple[str, ...], node_id: str, seconds: float, seen: frozenset) -> None:
        """Walk from ``node_id`` (entered ``seconds`` after a source ran) to the next logged
        steps, adding designed delays on the way."""
        if node_id in seen:  # a loop of unlogged steps: nothing more to learn
            return
        node = workflow.node(node_id)
        seen = seen | {node_id}
        if node.type == "wait_for_event":
            if node.activities:
                record(sources, node.activities, seconds)
            for edge in workflow.outgoing(node_id):
                if edge.exit == "timeout":
                    timeout = node.timeout.total_seconds() if node.timeout else 0.0
                    follow(sources, edge.target, seconds + timeout, seen)
            return
        if node.activities:
            record(sources, node.activities, seconds)
            return
        if node.type == "wait":
            seconds += node.duration.total_seconds() if node.duration else 0.0
        for edge in workflow.outgoing(node_id):
            follow(sources, edge.target, seconds, seen)

    for node in workflow.nodes:
        if not node.activities:
            continue
        for edge in workflow.outgoing(node.id):
            if node.type == "wait_for_event" and edge.exit == "timeout":
                continue  # leaving by timeout means the event label was never logged
            follow(node.activities, edge.target, 0.0, frozenset())
    return result


def step_waits(workflow: Workflow) -> dict[str, float]:
    """``{activity: designed seconds}``: the longest a case may wait after each logged step
    before the design moves it on (the longest designed delay to any next logged step); the
    limits ``improvement.open_cases`` holds an open case to."""
    result: dict[str, float] = {}
    for (source, _), seconds in designed_waits(workflow).items():
        result[source] = max(result.get(source, 0.0), seconds)
    return result

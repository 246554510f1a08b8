"""Per-case gaps of directly-follows transitions: how long each case took from one step to the
next, for splitting a delay by case attributes."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import suggestions as suggestions_sql


def transition_gaps(log: EventLog, pairs: Iterable[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Per case and directly-follows transition: ``case_id``, ``source``, ``target``, ``at``
    (when the case first made it) and ``seconds`` (that first occurrence's gap). ``pairs``
    limits the transitions to the (source, target) pairs given.

    Example:
        >>> gaps = transition_gaps(log, [("Accepted", "Demo booked")])   # doctest: +SKIP
        >>> gaps.groupby("region")["seconds"].median() / 3600               # doctest: +SKIP
    """
    if pairs is None:
        return log.connection.execute(suggestions_sql.transition_gaps(log.events_ref, None)).df()
    frame = pd.DataFrame([(str(a), str(b)) for a, b in pairs], columns=["source", "target"])
    relation = "__transition_pairs"
    log.connection.register(relation, frame)
    try:
        query = suggestions_sql.transition_gaps(log.events_ref, relation)
        return log.connection.execute(query).df()
    finally:
        log.connection.unregister(relation)

"""Per-case tables for the improvement statistics: one row per case with its case attributes
(``case_table``), the activities of each case (``case_activities``), and the value totals of one
event column (``attribute_counts``). Each runs one query of ``_queries.cases`` in DuckDB, so
the statistics downstream work on small frames, never on the events.
"""

from __future__ import annotations

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import cases as _cases
from mining._queries import column_types, constant_in_case
from mining._sql import ident
from mining.exceptions import EventLogError

CASE_TABLE_COLUMNS = (
    "case_id",
    "start",
    "end",
    "duration_seconds",
    "n_events",
    "variant",
    "start_activity",
    "end_activity",
)
VARIANT_SEPARATOR = _cases.VARIANT_SEPARATOR
_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_SKIP = ("case_id", "activity", "timestamp", "start_timestamp", "event_idx")


def case_table(log: EventLog) -> pd.DataFrame:
    """One row per case: ``case_id``, ``start``, ``end`` (first and last timestamp),
    ``duration_seconds``, ``n_events``, ``variant`` (its activities in order, joined by
    ``" → "``), ``start_activity``, ``end_activity``, then one column per attribute (``resource``
    included): the attribute's value when it is constant in the case, else its first non-null
    value (order: timestamp, then source order).

    An attribute whose name clashes with a fixed column is renamed ``attribute_<name>``.
    ``frame.attrs["attributes"]`` maps each attribute column of the frame to its name in the
    log, and ``frame.attrs["constant"]`` says, per attribute, whether it is constant in every
    case (a true case attribute) or varies (the first value was taken).

    Example:
        >>> cases = case_table(log)                                     # doctest: +SKIP
        >>> cases.groupby("region")["duration_seconds"].median() / 86400  # doctest: +SKIP
    """
    attributes = [c for c in log.columns if c not in _SKIP]
    aliases = {n: f"attribute_{n}" if n in CASE_TABLE_COLUMNS else n for n in attributes}
    query = _cases.case_table(log.events_ref, [(ident(c), ident(aliases[c])) for c in attributes])
    frame = log.connection.execute(query).df()
    frame = frame.astype({"n_events": "int64", "duration_seconds": "float64"})
    constant = [True] * len(attributes)
    if attributes:
        check = constant_in_case(log.events_ref, [ident(c) for c in attributes])
        constant = [bool(v) for v in log.connection.execute(check).fetchall()[0]]
    frame.attrs["attributes"] = {aliases[c]: c for c in attributes}
    frame.attrs["constant"] = dict(zip(attributes, constant, strict=True))
    return frame


def case_activities(log: EventLog) -> pd.DataFrame:
    """Per case and activity it contains: ``case_id``, ``activity``, ``occurrences``, and the
    ``first`` and ``last`` timestamp at which it happened.

    Example:
        >>> acts = case_activities(log)                                  # doctest: +SKIP
        >>> (acts.query("activity == 'Offer sent'")["occurrences"] > 1).sum()  # doctest: +SKIP
    """
    frame = log.connection.execute(_cases.case_activities(log.events_ref)).df()
    return frame.astype({"occurrences": "int64", "activity": "str"})


def attribute_counts(log: EventLog, column: str, weight: str | None = None) -> pd.DataFrame:
    """Per value of an event column (``activity`` and ``resource`` included), as text:
    ``value`` (missing values as one row with ``value`` NaN), ``events``, ``cases`` it occurs
    in, and ``weight``: the sum of the numeric ``weight`` column over those events (NaN
    without one). Most events first.

    Example:
        >>> attribute_counts(log, "activity").head()                     # doctest: +SKIP
        >>> attribute_counts(log, "loss_reason", weight="amount")        # doctest: +SKIP
    """
    types = {
        str(name): str(kind).upper()
        for name, kind, *_ in log.connection.execute(column_types(log.events_ref)).fetchall()
    }
    for name in (column, weight):
        if name is not None and name not in types:
            raise EventLogError(
                f"log {log.name!r} has no column {name!r}; columns: {', '.join(types)}"
            )
    if weight is not None and types[weight].split("(")[0].lstrip("U") not in _NUMBERS:
        raise EventLogError(f"weight column {weight!r} is not numeric ({types[weight]})")
    query = _cases.attribute_counts(
        log.events_ref, ident(column), ident(weight) if weight else None
    )
    frame = log.connection.execute(query).df()
    return frame.astype({"events": "int64", "cases": "int64", "weight": "float64"})


def step_dwell(log: EventLog, quantile: float = 0.9) -> pd.DataFrame:
    """Per activity, how long cases stay after it before their next event: ``activity``,
    ``occurrences``, ``moved_on``, ``last_share`` (how often it was a case's last event: near 1
    for an activity that ends cases), ``dwell_median_seconds`` and ``dwell_limit_seconds`` (the
    ``quantile`` of the same times above zero). The history an open case's time in its step is
    held to.

    Example:
        >>> step_dwell(log, 0.9).set_index("activity")["dwell_limit_seconds"] / 3600  # doctest: +SKIP
    """  # noqa: E501
    frame = log.connection.execute(_cases.step_dwell(log.events_ref, quantile)).df()
    return frame.astype({"occurrences": "int64", "moved_on": "int64", "activity": "str"})

"""KPI scans as public verbs: per-case flags, the stage funnel, time in each activity, the
engagement of each marketing message and per-case column values. Each runs one query of
``_queries.kpis`` in DuckDB and returns a small frame (one row per case, stage or message), so
the KPIs downstream never pull the events into Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import kpis as _kpis
from mining._sql import ident, literal
from mining.exceptions import EventLogError


def _quoted(activities: Sequence[str], what: str) -> str:
    items = [str(a) for a in activities]
    if not items:
        raise ValueError(f"{what} needs at least one activity")
    return ", ".join(literal(a) for a in items)


def case_flags(log: EventLog, flags: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Per case: ``case_id``, ``start``, ``end``, ``duration_seconds``, ``n_events``,
    ``repeated`` (an activity occurs more than once), then for each ``name: activities`` of
    ``flags`` a column ``name`` (the case has one of the activities) and ``name_at`` (when it
    first does; NaT when never).

    Example:
        >>> flags = case_flags(log, {"won": ["Deal won"], "lost": ["Deal lost"]})  # doctest: +SKIP
        >>> flags["won"].sum() / (flags["won"] | flags["lost"]).sum()                  # doctest: +SKIP
    """  # noqa: E501
    return case_facts(log, flags)[0]


def case_facts(
    log: EventLog, flags: Mapping[str, Sequence[str]] | None = None, columns: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`case_flags` and :func:`case_values` of ``columns`` from one scan of the events:
    the per-case table a batch of KPIs derives its values from. Both frames have one row per
    case, in the same order.

    Example:
        >>> flags, values = case_facts(log, {"won": ["Deal won"]}, ["amount"])  # doctest: +SKIP
        >>> values.loc[flags["won"].to_numpy(), "amount"].sum()                   # doctest: +SKIP
    """
    names = list(flags or {})
    lists = [_quoted((flags or {})[name], f"flag {name!r}") for name in names]
    _check_columns(log, columns)
    query = _kpis.case_flags(log.events_ref, lists, [ident(c) for c in columns])
    frame = log.connection.execute(query).df()
    picked = [f"value_{i}" for i in range(len(columns))]
    values = frame[["case_id", *picked]].set_axis(["case_id", *columns], axis=1)
    renames: dict[str, str] = {}
    for i, name in enumerate(names):
        renames[f"flag_{i}"] = name
        renames[f"flag_{i}_at"] = f"{name}_at"
    frame = frame.drop(columns=picked).rename(columns=renames)
    types = {"n_events": "int64", "duration_seconds": "float64", "repeated": "bool"}
    return frame.astype({**types, **{name: "bool" for name in names}}), values


def _check_columns(log: EventLog, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in log.columns]
    if missing:
        raise EventLogError(
            f"log {log.name!r} has no column {missing[0]!r}; columns: {', '.join(log.columns)}"
        )


def stage_funnel(
    log: EventLog,
    stages: Sequence[str],
    *,
    won: Sequence[str] = (),
    lost: Sequence[str] = (),
) -> pd.DataFrame:
    """The funnel over ordered ``stages``: per stage ``position``, ``stage``, ``reached``
    (cases whose furthest stage is this one or a later one: a deal in negotiation has passed
    the proposal even when the proposal was not recorded), ``recorded`` (cases where the stage
    itself occurs), and, of the cases reaching it, ``won`` and ``lost`` (cases with an activity
    in ``won`` / ``lost``); ``cases`` is every case of the log.

    Example:
        >>> stage_funnel(log, ["Accepted", "Offer sent", "Deal won"])  # doctest: +SKIP
    """
    names = [str(s) for s in stages]
    if not names:
        raise ValueError("a funnel needs at least one stage")
    if len(set(names)) != len(names):
        raise ValueError(f"funnel stages repeat: {names}")
    query = _kpis.stage_funnel(
        log.events_ref,
        [literal(s) for s in names],
        _quoted(won, "won") if won else None,
        _quoted(lost, "lost") if lost else None,
    )
    frame = log.connection.execute(query).df()
    if frame.empty:  # no case at all: every stage reached by none
        frame = pd.DataFrame(
            {"position": range(1, len(names) + 1), "stage": names}
            | {c: 0 for c in ("reached", "recorded", "won", "lost", "cases")}
        )
    counts = ("position", "reached", "recorded", "won", "lost", "cases")
    return frame.astype({c: "int64" for c in counts} | {"stage": "str"})


def top_variant(log: EventLog, containing: Sequence[str] = ()) -> tuple[str, ...] | None:
    """The most frequent variant of the cases having one of the ``containing`` activities (of
    every case when empty): the first row of ``get_variants(log).table`` holding one of them,
    without building the other cases' traces. None when no case qualifies.

    Example:
        >>> top_variant(log, ["Deal won"])      # the usual path to a win  # doctest: +SKIP
        ('Lead created', 'Accepted', 'Offer sent', 'Deal won')
    """
    lists = _quoted(containing, "containing") if containing else None
    row = log.connection.execute(_kpis.top_variant(log.events_ref, lists)).fetchone()
    return None if row is None else tuple(str(a) for a in row[0])


def stage_order(log: EventLog) -> pd.DataFrame:
    """Per activity: ``activity``, ``cases`` and ``mean_rank`` (mean 0-based position of its first
    occurrence among the distinct activities of a case), earliest first: an inferred funnel order.

    Example:
        >>> stage_order(log)["activity"].tolist()[:3]      # doctest: +SKIP
        ['Accepted', 'Demo booked', 'Demo done']
    """
    frame = log.connection.execute(_kpis.stage_order(log.events_ref)).df()
    return frame.astype({"activity": "str", "cases": "int64", "mean_rank": "float64"})


def time_in_activity(log: EventLog) -> pd.DataFrame:
    """Per activity: ``visits``, ``cases``, ``followed`` (visits with a later event) and the time
    until the case's next event (``median_seconds``, ``mean_seconds``, ``p90_seconds``) — on a
    stage-history log, the time spent in each stage.

    Example:
        >>> time_in_activity(log).set_index("activity")["median_seconds"] / 86400  # doctest: +SKIP
    """
    frame = log.connection.execute(_kpis.time_in_activity(log.events_ref)).df()
    return frame.astype({"visits": "int64", "cases": "int64", "followed": "int64"})


def message_engagement(
    log: EventLog, message: str, kinds: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Per case and message (the value of the ``message`` column, the vocabulary's
    message role): ``case_id``, ``message`` (text), ``first`` (its first event), then for
    each ``name: activities`` of ``kinds`` a column ``name`` (the case has such an event for the
    message) and ``name_at`` (when first).

    Example:
        >>> kinds = {k: log.vocabulary.labels(k) for k in ("sent", "clicked")}   # doctest: +SKIP
        >>> message = log.vocabulary.role("message")                             # doctest: +SKIP
        >>> message_engagement(log, message, kinds).groupby("message")["clicked"].mean()  # doctest: +SKIP
    """  # noqa: E501
    if message not in log.columns:
        raise EventLogError(
            f"log {log.name!r} has no column {message!r}; columns: {', '.join(log.columns)}"
        )
    names = list(kinds)
    lists = [_quoted(kinds[name], f"kind {name!r}") for name in names]
    query = _kpis.message_engagement(log.events_ref, ident(message), lists)
    frame = log.connection.execute(query).df()
    renames: dict[str, str] = {}
    for i, name in enumerate(names):
        renames[f"kind_{i}"] = name
        renames[f"kind_{i}_at"] = f"{name}_at"
    frame = frame.rename(columns=renames)
    return frame.astype({"message": "str", **{name: "bool" for name in names}})


def send_reactions(log: EventLog, kinds: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Per email sent (the vocabulary's ``sent`` labels): ``case_id``, ``contact`` (the
    vocabulary's contact), ``message`` (its message column, else the send's label: in a log
    of one case per contact in a workflow each send step is its own email), ``send``,
    ``sent_at``, and for each ``name: activities`` of ``kinds`` the first such event after the
    send and before the case's next one (``name_at``, NaT: none).

    Example:
        >>> send_reactions(log, {"clicked": log.vocabulary.labels("clicked")})  # doctest: +SKIP
    """
    vocabulary = log.vocabulary
    why = "to follow each email sent to the reactions after it"
    contact = vocabulary.require_role("contact", log.name, why)
    sends = vocabulary.require_labels(("sent",), log.name, why)
    message = vocabulary.role("message")
    names = [name for name in kinds if kinds[name]]
    query = _kpis.send_reactions(
        log.events_ref,
        ident(contact),
        ident(message) if message else "activity",
        _quoted(sends, "sent"),
        [_quoted(kinds[name], f"kind {name!r}") for name in names],
    )
    frame = log.connection.execute(query).df()
    frame = frame.rename(columns={f"kind_{i}_at": f"{name}_at" for i, name in enumerate(names)})
    for name in kinds:
        if f"{name}_at" not in frame:
            frame[f"{name}_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    return frame


def case_values(log: EventLog, columns: Sequence[str]) -> pd.DataFrame:
    """Per case: ``case_id`` and the first non-null value of each of ``columns`` (an attribute
    that is missing in every event of a case stays missing).

    Example:
        >>> case_values(log, ["amount", "loss_reason"]).isna().mean()    # doctest: +SKIP
    """
    _check_columns(log, columns)
    query = _kpis.column_values(log.events_ref, [ident(c) for c in columns])
    return log.connection.execute(query).df()


def customer_purchases(
    log: EventLog, customer: str, purchases: Sequence[str], amount: str | None = None
) -> pd.DataFrame:
    """Per customer and UTC day with a purchase: ``customer`` (text), ``day``, ``purchases``
    (events whose activity is in ``purchases``) and ``amount`` (the sum of the ``amount``
    column; NaN without one) — the transactions behind RFM, lifetime value, churn and cohorts.

    Example:
        >>> customer_purchases(log, "customer_id", ["Order placed"], "amount").head()  # doctest: +SKIP
    """  # noqa: E501
    for column in (customer, amount):
        if column is not None and column not in log.columns:
            raise EventLogError(
                f"log {log.name!r} has no column {column!r}; columns: {', '.join(log.columns)}"
            )
    query = _kpis.purchases_by_day(
        log.events_ref,
        ident(customer),
        _quoted(purchases, "purchases"),
        ident(amount) if amount else None,
    )
    frame = log.connection.execute(query).df()
    frame["day"] = pd.to_datetime(frame["day"]).dt.tz_localize("UTC")
    return frame.astype({"customer": "str", "purchases": "int64", "amount": "float64"})

"""Email pressure per contact across workflows: how many marketing emails each person got per
week and from how many workflows at once (the fatigue smell)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import fatigue as fatigue_sql
from mining._sql import ident, literal
from mining.exceptions import EventLogError


def contact_weeks(
    log: EventLog,
    *,
    contact: str,
    sends: Iterable[str] = (),
    channel: str | None = None,
    channel_value: str = "email",
    workflow: str | None = None,
) -> pd.DataFrame:
    """Per contact and calendar week (Monday, UTC): ``contact``, ``week``, ``sends``, ``cases``,
    ``workflows``, ``first_send``, ``last_send``. A send is an event whose activity is in
    ``sends`` or whose ``channel`` column equals ``channel_value``; ``workflow`` is the column
    naming the workflow of a case (Mautic's ``campaign_id``; None: each case counts as one).

    Example:
        >>> weeks = contact_weeks(log, contact="lead_id", channel="channel",
        ...                       workflow="campaign_id")                      # doctest: +SKIP
        >>> weeks[(weeks.workflows > 1) & (weeks.sends >= 3)].contact.nunique()  # doctest: +SKIP
    """
    for column in (contact, channel, workflow):
        if column is not None and column not in log.columns:
            raise EventLogError(
                f"log {log.name!r} has no column {column!r}; columns: {', '.join(log.columns)}"
            )
    labels = list(sends)
    conditions = []
    if labels:
        conditions.append(f"activity IN ({', '.join(literal(s) for s in labels)})")
    if channel is not None:
        conditions.append(f"CAST({ident(channel)} AS VARCHAR) = {literal(channel_value)}")
    if not conditions:
        raise ValueError("contact_weeks needs send labels or a channel column")
    query = fatigue_sql.contact_weeks(
        log.events_ref,
        ident(contact),
        " OR ".join(conditions),
        ident(workflow) if workflow is not None else "case_id",
    )
    frame = log.connection.execute(query).df()
    return frame.astype({"sends": "int64", "cases": "int64", "workflows": "int64"})

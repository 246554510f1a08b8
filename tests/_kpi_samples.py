"""The sample logs the KPI, series and report tests share, each imported once per test run."""

from __future__ import annotations

from functools import cache

import mining
import sample_logs


@cache
def sales_activities() -> mining.EventLog:
    """The sales-pipeline activity log (278 deals)."""
    return sample_logs.load_sales_activities()


@cache
def email_events() -> mining.EventLog:
    """The HubSpot email events (18,665 messages)."""
    return sample_logs.load_email_events()

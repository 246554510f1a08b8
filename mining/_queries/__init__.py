"""Every SQL statement Mejora runs over events, in one place.

Each function returns one statement over ``events`` (a table name or a parenthesised sub-query
with the canonical columns), in the common analytical dialect (window functions, ``GROUP BY``,
``quantile_cont``) so the same text can later be transpiled for a distributed engine. Nothing
outside this package writes SQL over events. Order inside a case is always
``timestamp, event_idx``: ties in time are broken by source order.

- ``scans``: directly-follows graph, variants, case and activity statistics
- ``filters``: the filter stack
- ``cases``: one row per case with its attributes, per case and activity, attribute counts
- ``consent``: sends after a withdrawal or before an opt-in
- ``figures``: events behind figures that need them (the dotted chart's sampled cases)
- ``fatigue``: the marketing emails each contact got per calendar week, from how many workflows
- ``index``: the follows index's keyed copy of the events (DuckDB only)
- ``stats``: throughput, activity (service and waiting) times, rework, handovers, arrivals and
  work in progress, attribute summaries
- ``kpis``: per-case flags, the stage funnel, time in each activity, message engagement
- ``prefixes``: each case as it stood after each of its events (for predictions)
"""

from mining._queries.figures import dotted_chart
from mining._queries.filters import (
    filter_attribute_cases,
    filter_attribute_events,
    filter_case_duration,
    filter_case_size,
    filter_endpoint_activities,
    filter_follows,
    filter_rework,
    filter_time_range,
    filter_variants,
)
from mining._queries.kpis import (
    case_flags,
    message_engagement,
    purchases_by_day,
    stage_funnel,
    stage_order,
    time_in_activity,
)
from mining._queries.prefixes import prefix_events
from mining._queries.scans import (
    CASE_ORDER,
    activity_statistics,
    case_statistics,
    directly_follows,
    log_counts,
    variants,
)
from mining._queries.stats import (
    START_ORDER,
    UNITS,
    activity_intervals,
    activity_times,
    arrivals_and_wip,
    attribute_summary,
    column_types,
    constant_in_case,
    handovers,
    rework,
    throughput_times,
)

__all__ = [
    "CASE_ORDER",
    "START_ORDER",
    "UNITS",
    "activity_intervals",
    "activity_statistics",
    "activity_times",
    "arrivals_and_wip",
    "attribute_summary",
    "case_flags",
    "case_statistics",
    "column_types",
    "constant_in_case",
    "directly_follows",
    "dotted_chart",
    "filter_attribute_cases",
    "filter_attribute_events",
    "filter_case_duration",
    "filter_case_size",
    "filter_endpoint_activities",
    "filter_follows",
    "filter_rework",
    "filter_time_range",
    "filter_variants",
    "handovers",
    "log_counts",
    "message_engagement",
    "prefix_events",
    "purchases_by_day",
    "rework",
    "stage_funnel",
    "stage_order",
    "throughput_times",
    "time_in_activity",
    "variants",
]

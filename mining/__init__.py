"""Mejora mining: import and validate event logs, store them, and scan them in DuckDB.

Public API::

    log = read_log("deals.csv")           # -> EventLog (validated, quarantine kept aside)
    discover_dfg(log), get_variants(log)  # scans run in DuckDB
    EventStore().save(log)                # persistent store of imported logs
    SparkLog.from_parquet("s3a://...")    # the same scans on Apache Spark (mejora[spark])
"""

from mining._business_calendar import BusinessCalendar
from mining._case_table import (
    CASE_TABLE_COLUMNS,
    attribute_counts,
    case_activities,
    case_table,
    step_dwell,
)
from mining._conformance import (
    DEVIATION_KINDS,
    ConformanceResult,
    check_conformance,
    read_model,
    register_model_format,
    related_cases,
)
from mining._consent import consent_violations, sends_before_opt_in
from mining._discovery import DiscoveredModel, ProcessMap, discover_model, process_map
from mining._engines import SparkLog, check_conformance_spark, export_parquet, spark_session
from mining._eventlog import EventLog, ImportSummary, LogMetadata
from mining._fatigue import contact_weeks
from mining._figures import map_layout, process_map_figure
from mining._filters import (
    CaseAttribute,
    CaseDuration,
    CaseSize,
    EndActivities,
    EventAttribute,
    Filter,
    FilterStack,
    Follows,
    Rework,
    StartActivities,
    TimeRange,
    VariantsFilter,
    filter_from_dict,
)
from mining._follows_index import FollowsIndex
from mining._kpi_scans import (
    case_facts,
    case_flags,
    case_values,
    customer_purchases,
    message_engagement,
    send_reactions,
    stage_funnel,
    stage_order,
    time_in_activity,
    top_variant,
)
from mining._layout import Layout, box_size, layered_layout
from mining._layout import wrap as wrap_label
from mining._mapping import ColumnMapping
from mining._pm4py_adapter import build_petri_net
from mining._prefixes import PREFIX_COLUMNS, prefix_table
from mining._read import detect_format, formats, read_log
from mining._results import DFG, Variants
from mining._scans import activity_statistics, case_statistics, discover_dfg, get_variants
from mining._statistics import (
    activity_times,
    arrivals_and_wip,
    attribute_summary,
    handovers,
    rework,
    throughput_times,
    waits_against_design,
)
from mining._stats_figures import (
    activity_times_figure,
    arrivals_wip_figure,
    conformance_figure,
    dotted_chart_figure,
    handover_figure,
    rework_figure,
    throughput_figure,
    variants_figure,
    waits_against_design_figure,
)
from mining._store import EventStore, LogInfo, default_store_path
from mining._transitions import transition_gaps
from mining._vocabulary import (
    EMAIL_KINDS,
    KINDS,
    REACTION_KINDS,
    ROLES,
    WITHDRAWAL_KINDS,
    Vocabulary,
    detect_vocabulary,
    kind_of_label,
)
from mining.exceptions import EventLogError, LogNotFoundError, UnsafeFileError

__all__ = [
    "CASE_TABLE_COLUMNS",
    "DEVIATION_KINDS",
    "DFG",
    "EMAIL_KINDS",
    "KINDS",
    "PREFIX_COLUMNS",
    "REACTION_KINDS",
    "ROLES",
    "WITHDRAWAL_KINDS",
    "BusinessCalendar",
    "CaseAttribute",
    "CaseDuration",
    "CaseSize",
    "ColumnMapping",
    "ConformanceResult",
    "DiscoveredModel",
    "EndActivities",
    "EventAttribute",
    "EventLog",
    "EventLogError",
    "EventStore",
    "Filter",
    "FilterStack",
    "Follows",
    "FollowsIndex",
    "ImportSummary",
    "Layout",
    "LogInfo",
    "LogMetadata",
    "LogNotFoundError",
    "ProcessMap",
    "Rework",
    "SparkLog",
    "StartActivities",
    "TimeRange",
    "UnsafeFileError",
    "Variants",
    "VariantsFilter",
    "Vocabulary",
    "activity_statistics",
    "activity_times",
    "activity_times_figure",
    "arrivals_and_wip",
    "arrivals_wip_figure",
    "attribute_counts",
    "attribute_summary",
    "box_size",
    "build_petri_net",
    "case_activities",
    "case_facts",
    "case_flags",
    "case_statistics",
    "case_table",
    "case_values",
    "check_conformance",
    "check_conformance_spark",
    "conformance_figure",
    "consent_violations",
    "contact_weeks",
    "customer_purchases",
    "default_store_path",
    "detect_format",
    "detect_vocabulary",
    "discover_dfg",
    "discover_model",
    "dotted_chart_figure",
    "export_parquet",
    "filter_from_dict",
    "formats",
    "get_variants",
    "handover_figure",
    "handovers",
    "kind_of_label",
    "layered_layout",
    "map_layout",
    "message_engagement",
    "prefix_table",
    "process_map",
    "process_map_figure",
    "read_log",
    "read_model",
    "register_model_format",
    "related_cases",
    "rework",
    "rework_figure",
    "send_reactions",
    "sends_before_opt_in",
    "spark_session",
    "stage_funnel",
    "stage_order",
    "step_dwell",
    "throughput_figure",
    "throughput_times",
    "time_in_activity",
    "top_variant",
    "transition_gaps",
    "variants_figure",
    "waits_against_design",
    "waits_against_design_figure",
    "wrap_label",
]

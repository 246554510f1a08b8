"""Salesforce exports read as event logs: OpportunityHistory and OpportunityFieldHistory."""

from __future__ import annotations

import duckdb

from mining._crm_common import _Columns, _flag, _source_columns, _stage_sequence, _text, _write_raw
from mining._sources import RawSource


def _salesforce_history(con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource) -> None:
    opportunity = cols.need("OpportunityId")
    stage = cols.need("StageName")
    created = cols.need("CreatedDate")
    deleted = _flag(cols.get("IsDeleted"))
    unchanged = _stage_sequence(
        con, cols, record=opportunity, stage=stage, time=created, eligible=f"NOT {deleted}"
    )
    _write_raw(
        con,
        _source_columns(cols),
        [(deleted, "deleted_record"), (unchanged, "stage_unchanged")],
        with_sequence=True,
    )
    raw.preset = {"case_id": opportunity, "activity": stage, "timestamp": created}
    if cols.get("CreatedById"):
        raw.preset["resource"] = cols.need("CreatedById")
    raw.notes.append(
        "Salesforce OpportunityHistory: one case per opportunity; a row whose stage equals the "
        "opportunity's previous stage (it records an amount, probability or close-date change) is "
        "set aside as stage_unchanged"
    )


def _salesforce_field_history(
    con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource
) -> None:
    opportunity = cols.need("OpportunityId")
    field = cols.need("Field")
    new_value = cols.need("NewValue")
    created = cols.need("CreatedDate")
    deleted = _flag(cols.get("IsDeleted"))
    is_stage = f"coalesce(lower({_text(field)}) = 'stagename', false)"
    _write_raw(
        con,
        _source_columns(cols),
        [(deleted, "deleted_record"), (f"NOT {is_stage}", "not_stage_change")],
    )
    raw.preset = {"case_id": opportunity, "activity": new_value, "timestamp": created}
    if cols.get("CreatedById"):
        raw.preset["resource"] = cols.need("CreatedById")
    raw.notes.append(
        "Salesforce OpportunityFieldHistory: one case per opportunity; only StageName rows are "
        "events (activity = NewValue), other tracked fields are set aside as not_stage_change"
    )

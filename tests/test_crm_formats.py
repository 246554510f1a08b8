"""CRM exports as named formats: each fixture's events, cases and set-aside rows, hand-counted."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import mining
from mining import EventLogError, _crm

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crm"
SHARED_LOGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "logs"

# file, format, rows read, events, cases, quarantine reasons (hand-counted from the fixture)
EXPECTED = [
    (
        "salesforce_opportunity_history.csv",
        "salesforce-opportunity-history",
        22,
        14,
        5,
        {"stage_unchanged": 5, "bad_timestamp": 1, "deleted_record": 1, "duplicate_event": 1},
    ),
    (
        "salesforce_opportunity_field_history.csv",
        "salesforce-opportunity-field-history",
        16,
        8,
        3,
        {"not_stage_change": 5, "bad_timestamp": 1, "deleted_record": 1, "duplicate_event": 1},
    ),
    (
        "hubspot_email_events.json",
        "hubspot-email-events",
        21,
        17,
        5,
        {"filtered_event": 2, "bad_timestamp": 1, "duplicate_event": 1},
    ),
    (
        "hubspot_email_events.csv",
        "hubspot-email-events",
        21,
        17,
        5,
        {"filtered_event": 2, "bad_timestamp": 1, "duplicate_event": 1},
    ),
    (
        "hubspot_deal_stage_history.csv",
        "hubspot-deal-stage-history",
        20,
        12,
        4,
        {"not_stage_change": 5, "stage_unchanged": 1, "bad_timestamp": 1, "duplicate_event": 1},
    ),
    (
        "mautic_campaign_events.csv",
        "mautic-campaign-events",
        14,
        10,
        6,
        {"scheduled_not_run": 2, "bad_timestamp": 1, "duplicate_event": 1},
    ),
    (
        "mautic_email_stats.csv",
        "mautic-email-stats",
        15,
        11,
        4,
        {"missing_case_id": 1, "bad_timestamp": 1, "duplicate_event": 1, "missing_timestamp": 1},
    ),
]
IDS = [row[0] for row in EXPECTED]


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def _case(log: mining.EventLog, case_id: str) -> pd.DataFrame:
    frame = log.to_pandas()
    return frame[frame["case_id"] == case_id].reset_index(drop=True)


def _reasons_by_row(log: mining.EventLog) -> dict[int, str]:
    q = log.quarantine()
    return {int(r): str(reason) for r, reason in zip(q["source_row"], q["reason"], strict=True)}


@pytest.mark.parametrize(("name", "fmt", "rows", "events", "cases", "reasons"), EXPECTED, ids=IDS)
def test_fixture_detected_and_counted(name, fmt, rows, events, cases, reasons):
    log = mining.read_log(FIXTURES / name)
    assert log.meta.format == fmt
    summary = log.summary()
    assert summary.rows_read == rows
    assert summary.events == events
    assert summary.cases == cases
    assert summary.quarantine_reasons == reasons
    assert summary.rows_read == summary.events + summary.quarantined


@pytest.mark.parametrize(("name", "fmt", "rows", "events", "cases", "reasons"), EXPECTED, ids=IDS)
def test_fixture_with_explicit_format(name, fmt, rows, events, cases, reasons):
    log = mining.read_log(FIXTURES / name, format=fmt)
    summary = log.summary()
    assert (summary.rows_read, summary.events, summary.cases) == (rows, events, cases)
    assert summary.quarantine_reasons == reasons
    assert summary.rows_read == summary.events + summary.quarantined
    assert fmt in mining.formats()


@pytest.mark.parametrize(("name", "fmt"), [row[:2] for row in EXPECTED], ids=IDS)
def test_sniff_recognises_each_export(name, fmt):
    assert _crm.sniff(FIXTURES / name) == fmt


@pytest.mark.parametrize("name", ["running-example.csv", "receipt.csv", "interval_event_log.csv"])
def test_sniff_leaves_generic_logs_alone(name):
    path = SHARED_LOGS / name
    if not path.is_file():
        pytest.skip(f"reference log not found at {path}")
    assert _crm.sniff(path) is None
    assert mining.detect_format(path) == "csv"


def test_sniff_none_for_generic_csv_and_json(write_csv):
    generic = write_csv("case,activity,timestamp,type,created\nC1,A,2024-01-01,x,2024-01-01\n")
    assert _crm.sniff(generic) is None
    other = write_csv('[{"type": "order", "created": 1709632800000}]', name="orders.json")
    assert _crm.sniff(other) is None
    assert _crm.sniff(write_csv("", name="empty.csv")) is None


# ----------------------------------------------------------------------------------- Salesforce


def test_salesforce_history_keeps_stage_changes_only():
    log = mining.read_log(FIXTURES / "salesforce_opportunity_history.csv")
    variants = mining.get_variants(log).to_dict()
    assert variants == {
        (
            "Prospección",
            "Calificación",
            "Propuesta/Presupuesto",
            "Negociación/Revisión",
            "Cerrada ganada",
        ): 1,
        # rows of this opportunity are out of time order in the file
        ("Prospección", "Calificación", "Cerrada perdida"): 1,
        # a deleted row (back to Calificación) does not count as the previous stage
        ("Prospección", "Calificación", "Cerrada ganada"): 1,
        ("Prospección", "Calificación"): 1,
        ("Prospección",): 1,
    }
    assert _reasons_by_row(log) == {
        2: "stage_unchanged",
        4: "stage_unchanged",
        7: "stage_unchanged",
        11: "stage_unchanged",
        14: "deleted_record",
        15: "stage_unchanged",
        17: "bad_timestamp",
        20: "duplicate_event",
    }
    case = _case(log, "0065g00000AbCdFAAV")
    assert case["event_idx"].tolist() == [10, 9, 12]
    assert case["timestamp"].iloc[0] == _utc("2024-01-09T08:30:00Z")
    assert case["resource"].iloc[0] == "0055g00000XyZ12AAB"
    assert log.meta.mapping.case_id == "OpportunityId"


def test_salesforce_field_history_keeps_stage_field_only():
    log = mining.read_log(FIXTURES / "salesforce_opportunity_field_history.csv")
    assert mining.get_variants(log).to_dict() == {
        ("Qualification", "Needs Analysis", "Proposal/Price Quote", "Closed Won"): 1,
        ("Qualification", "Closed Lost"): 1,
        ("Needs Analysis", "Closed Won"): 1,
    }
    assert _reasons_by_row(log) == {
        1: "not_stage_change",
        3: "not_stage_change",
        5: "not_stage_change",
        9: "deleted_record",
        10: "not_stage_change",
        12: "duplicate_event",
        13: "bad_timestamp",
        15: "not_stage_change",
    }
    case = _case(log, "0065g00000KlMnPAAV")
    assert case["timestamp"].tolist() == [_utc("2024-03-02T09:00Z"), _utc("2024-03-20T16:20Z")]
    assert case["OldValue"].tolist() == ["Prospecting", "Qualification"]


def test_salesforce_dataloader_uppercase_headers(tmp_path):
    text = (FIXTURES / "salesforce_opportunity_history.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path = tmp_path / "opportunityhistory_extract.csv"
    path.write_text(header.upper() + "\n" + rest, encoding="utf-8")
    log = mining.read_log(path)
    assert log.meta.format == "salesforce-opportunity-history"
    assert log.summary().quarantine_reasons == EXPECTED[0][5]


# -------------------------------------------------------------------------------------- HubSpot

M1 = "0b3e2c1a-5d4f-4e6a-9b7c-1f2e3d4c5b6a"  # its SENT has no sentBy: the case is its own id
M2 = "7c9d8e1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f"  # its SENT points at itself


def test_hubspot_email_one_case_per_message():
    log = mining.read_log(FIXTURES / "hubspot_email_events.json")
    assert mining.get_variants(log).to_dict() == {
        ("SENT", "PROCESSED", "DELIVERED", "OPEN", "CLICK"): 1,
        ("SENT", "PROCESSED", "DELIVERED", "UNSUBSCRIBE"): 1,
        ("SENT", "PROCESSED", "DEFERRED", "BOUNCE"): 1,
        ("SENT", "PROCESSED", "DELIVERED"): 1,
        ("DROPPED",): 1,
    }
    case = _case(log, M1)
    # epoch milliseconds -> the right UTC instant, milliseconds kept
    assert case["timestamp"].iloc[0] == _utc("2024-03-05T10:00:00.123Z")
    assert case["timestamp"].iloc[-1] == _utc("2024-03-05T12:01:00.123Z")
    assert set(case["recipient"]) == {"ana.garcia@example.es"}
    assert set(case["emailCampaignId"]) == {98765432}
    assert set(case["resource"]) == {"Batch"}
    unsubscribe = _case(log, M2).iloc[-1]
    assert unsubscribe["activity"] == "UNSUBSCRIBE" and unsubscribe["type"] == "STATUSCHANGE"
    assert _reasons_by_row(log) == {
        4: "filtered_event",
        10: "filtered_event",
        19: "duplicate_event",
        20: "bad_timestamp",
    }
    assert log.meta.timestamp_parsing == "epoch milliseconds"


def test_hubspot_email_csv_and_json_give_the_same_events():
    canonical = ["case_id", "activity", "timestamp", "resource", "event_idx"]
    from_json = mining.read_log(FIXTURES / "hubspot_email_events.json").to_pandas()[canonical]
    from_csv = mining.read_log(FIXTURES / "hubspot_email_events.csv").to_pandas()[canonical]
    pd.testing.assert_frame_equal(
        from_json.astype({"activity": str}), from_csv.astype({"activity": str})
    )


def test_hubspot_unreadable_epoch_is_kept_as_written():
    log = mining.read_log(FIXTURES / "hubspot_email_events.csv")
    bad = log.quarantine().set_index("source_row").loc[20]
    assert bad["reason"] == "bad_timestamp" and bad["column"] == "created"
    assert bad["created (as written)"] == "1.70972E+12"  # a spreadsheet's rounding of epoch ms


def test_hubspot_json_lines_with_a_broken_line(tmp_path):
    events = json.loads((FIXTURES / "hubspot_email_events.json").read_text())["events"]
    lines = [json.dumps(e) for e in events]
    lines.insert(5, '{"id": "cut-off", "created": 17096')  # becomes line 6
    path = tmp_path / "events.json"
    path.write_text("\n".join(lines) + "\n")
    log = mining.read_log(path)
    assert log.meta.format == "hubspot-email-events"
    summary = log.summary()
    assert (summary.rows_read, summary.events) == (22, 17)
    assert summary.quarantine_reasons == {
        "filtered_event": 2,
        "duplicate_event": 1,
        "bad_timestamp": 1,
        "malformed_row": 1,
    }
    assert _reasons_by_row(log)[6] == "malformed_row"
    assert summary.rows_read == summary.events + summary.quarantined


def test_hubspot_plain_list_and_gzip(tmp_path):
    events = json.loads((FIXTURES / "hubspot_email_events.json").read_text())["events"]
    plain = tmp_path / "events.json"
    plain.write_text(json.dumps(events))
    packed = tmp_path / "page.json.gz"
    with open(FIXTURES / "hubspot_email_events.json", "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    for path in (plain, packed):
        assert _crm.sniff(path) == "hubspot-email-events"
        summary = mining.read_log(path, format="hubspot-email-events").summary()
        assert (summary.rows_read, summary.events, summary.quarantined) == (21, 17, 4)


def test_hubspot_email_regroup_by_contact():
    log = mining.read_log(FIXTURES / "hubspot_email_events.json", mapping={"case_id": "recipient"})
    assert log.summary().cases == 5
    assert _case(log, "ana.garcia@example.es")["activity"].tolist()[0] == "SENT"


def test_hubspot_deal_stages_with_labels():
    log = mining.read_log(FIXTURES / "hubspot_deal_stage_history.csv")
    assert mining.get_variants(log).to_dict() == {
        (
            "Appointment scheduled",
            "Qualified to buy",
            "Presentation scheduled",
            "Decision maker bought-in",
            "Contract sent",
            "Closed won",
        ): 1,
        ("Appointment scheduled", "Qualified to buy", "Closed lost"): 1,
        ("98765001", "98765003"): 1,  # a custom pipeline's stage ids stay as they are
        ("Appointment scheduled",): 1,
    }
    assert _reasons_by_row(log) == {
        1: "not_stage_change",
        3: "not_stage_change",
        5: "stage_unchanged",
        12: "not_stage_change",
        14: "not_stage_change",
        16: "bad_timestamp",
        18: "duplicate_event",
        20: "not_stage_change",
    }
    deal = _case(log, "15234567890")
    assert deal["timestamp"].iloc[0] == _utc("2024-04-02T08:30:00Z")
    assert deal["sourceType"].tolist()[:2] == ["CRM_UI", "AUTOMATION_PLATFORM"]
    assert deal["value"].tolist()[0] == "appointmentscheduled"
    assert pd.isna(deal["resource"].iloc[1])  # set by a workflow, no user
    assert log.meta.timestamp_parsing == "epoch milliseconds"


def test_hubspot_deal_iso_timestamps(tmp_path):
    frame = pd.read_csv(FIXTURES / "hubspot_deal_stage_history.csv", dtype=str)
    digits = frame["timestamp"].where(frame["timestamp"].str.fullmatch(r"[0-9]+"))
    ms = pd.to_numeric(digits, errors="coerce")  # 1.71284E+12 stays unreadable
    iso = pd.to_datetime(ms, unit="ms", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    frame["timestamp"] = iso.where(ms.notna(), "2024-04-31T09:00:00.000Z")
    path = tmp_path / "deals.csv"
    frame.to_csv(path, index=False)
    log = mining.read_log(path)
    assert log.summary().quarantine_reasons == EXPECTED[4][5]
    assert _case(log, "15234567890")["timestamp"].iloc[0] == _utc("2024-04-02T08:30:00Z")
    assert log.meta.timestamp_parsing.startswith("ISO 8601")


def test_hubspot_deal_custom_stage_labels():
    con = duckdb.connect()
    raw = _crm.read(
        "hubspot-deal-stage-history",
        con,
        FIXTURES / "hubspot_deal_stage_history.csv",
        stage_labels={"98765001": "Demo", "closedwon": "Ganado"},
    )
    query = f"SELECT stage FROM {raw.table} WHERE __row IN (9, 15) ORDER BY __row"
    stages = [r[0] for r in con.execute(query).fetchall()]
    assert stages == ["Ganado", "Demo"]


# --------------------------------------------------------------------------------------- Mautic


def test_mautic_campaign_case_per_rotation_in_local_time():
    log = mining.read_log(FIXTURES / "mautic_campaign_events.csv", timezone="Europe/Madrid")
    assert mining.get_variants(log).to_dict() == {
        (
            "Enviar email de bienvenida",
            "¿Abre el email? (no action path)",
            "Enviar recordatorio",
        ): 1,
        ("Enviar email de bienvenida", "¿Abre el email?", "Añadir a segmento 'Interesados'"): 1,
        ("Enviar email de bienvenida",): 2,
        ("Enviar oferta",): 1,
        ("event 15",): 1,  # the event's name was not in the export
    }
    first = _case(log, "lead 17 / campaign 3 / rotation 1")
    assert first["timestamp"].iloc[0] == _utc("2024-03-04T09:00:00Z")  # CET, UTC+1
    assert first["resource"].tolist() == ["system", "system", "system"]
    again = _case(log, "lead 17 / campaign 3 / rotation 2")
    assert again["timestamp"].iloc[0] == _utc("2024-04-10T07:30:00Z")  # CEST, UTC+2
    assert again["resource"].tolist() == ["system", "contact", "contact"]
    assert again[["lead_id", "campaign_id", "rotation"]].iloc[0].tolist() == [17, 3, 2]
    assert _reasons_by_row(log) == {
        5: "scheduled_not_run",  # date_triggered holds when it was scheduled
        7: "scheduled_not_run",
        9: "bad_timestamp",  # MySQL's zero date
        10: "duplicate_event",
    }


def test_mautic_campaign_defaults_to_utc():
    log = mining.read_log(FIXTURES / "mautic_campaign_events.csv")
    first = _case(log, "lead 17 / campaign 3 / rotation 1")
    assert first["timestamp"].iloc[0] == _utc("2024-03-04T10:00:00Z")


def test_mautic_email_stats_unpivoted_and_traceable():
    log = mining.read_log(FIXTURES / "mautic_email_stats.csv", timezone="Europe/Madrid")
    assert log.meta.row_label == "row*10+kind"
    assert mining.get_variants(log).to_dict() == {
        ("Email sent", "Email read", "Email sent", "Email read", "Email sent", "Email read"): 1,
        ("Email sent", "Email sent"): 1,
        ("Email sent", "Email failed"): 1,
        ("Email read",): 1,
    }
    assert _reasons_by_row(log) == {
        51: "missing_case_id",  # the contact was deleted (lead_id set to NULL)
        61: "bad_timestamp",
        71: "duplicate_event",
        82: "missing_timestamp",  # is_read = 1 without date_read
    }
    lead = _case(log, "17")
    assert lead["timestamp"].tolist()[:2] == [
        _utc("2024-03-04T09:00:02Z"),
        _utc("2024-03-04T17:22:10Z"),
    ]
    # every event leads back to its CSV row: event_idx // 10
    source = pd.read_csv(FIXTURES / "mautic_email_stats.csv")
    events = log.to_pandas()
    assert (events["id"].to_numpy() == source["id"].iloc[events["event_idx"] // 10 - 1]).all()
    assert set(events["event_idx"] % 10) == {1, 2, 3}


def test_mautic_email_stats_malformed_line_is_counted(tmp_path):
    lines = (FIXTURES / "mautic_email_stats.csv").read_text().splitlines()
    lines.insert(3, "999,21,55,cut@example.com")  # CSV row 3
    path = tmp_path / "email_stats.csv"
    path.write_text("\n".join(lines) + "\n")
    log = mining.read_log(path)
    summary = log.summary()
    assert summary.rows_read == 16
    assert summary.quarantine_reasons["malformed_row"] == 1
    assert _reasons_by_row(log)[30] == "malformed_row"
    assert summary.rows_read == summary.events + summary.quarantined


# --------------------------------------------------------------------------------------- errors


def test_wrong_export_names_the_missing_column():
    with pytest.raises(EventLogError, match="needs a column 'lead_id'"):
        mining.read_log(FIXTURES / "hubspot_deal_stage_history.csv", format="mautic-email-stats")


def test_unknown_crm_format():
    with pytest.raises(EventLogError, match="unknown CRM format"):
        _crm.read("zoho-deals", duckdb.connect(), FIXTURES / "mautic_email_stats.csv")

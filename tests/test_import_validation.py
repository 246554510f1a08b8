"""Import with validation: every bad row is kept aside with its row, column and reason."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pandas as pd
import pytest

import mining
from mining import EventLogError

BAD = """case,activity,timestamp,resource,amount
C1,Lead created,2024-03-01T09:00:00+01:00,ana,100
C1,Qualified,2024-03-02T10:30:00+01:00,ana,100
,Qualified,2024-03-02T10:30:00+01:00,ana,100
C2,,2024-03-03T08:00:00+01:00,luis,50
C2,Lead created,not a date,luis,50
C2,Demo,,luis,50
C1,Qualified,2024-03-02T10:30:00+01:00,ana,100
C3,Lead created,2024-03-04T12:00:00Z,marta,70,extra
C3,Demo
C3,Won,2024-03-06T12:00:00Z,marta,70
"""


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_rows_are_quarantined_with_row_column_and_reason(write_csv):
    path = write_csv(BAD)
    before = _sha(path)
    log = mining.read_log(path)
    summary = log.summary()
    assert summary.rows_read == 10
    assert summary.events == 3
    assert summary.quarantined == 7
    assert summary.events + summary.quarantined == summary.rows_read
    assert summary.quarantine_reasons == {
        "malformed_row": 2,
        "bad_timestamp": 1,
        "duplicate_event": 1,
        "missing_activity": 1,
        "missing_case_id": 1,
        "missing_timestamp": 1,
    }
    q = log.quarantine().set_index("source_row")
    assert q.loc[3, "reason"] == "missing_case_id" and q.loc[3, "column"] == "case"
    assert q.loc[5, "reason"] == "bad_timestamp" and q.loc[5, "value"] == "not a date"
    assert q.loc[5, "message"].startswith(f"{path}, row 5, column 'timestamp': cannot be read")
    assert q.loc[7, "reason"] == "duplicate_event" and "row 2" in q.loc[7, "message"]
    assert set(q.loc[[8, 9], "reason"]) == {"malformed_row"}
    assert "C3,Demo" in q.loc[9, "value"]
    # raw values stay available for fixing the file
    assert q.loc[4, "resource"] == "luis"
    assert _sha(path) == before, "the source file must never be modified"


def test_quarantine_exports_to_csv(write_csv, tmp_path):
    log = mining.read_log(write_csv(BAD))
    out = tmp_path / "q.csv"
    assert log.export_quarantine(out) == 7
    frame = pd.read_csv(out)
    assert list(frame.columns[:5]) == ["source_row", "reason", "column", "value", "message"]
    assert len(frame) == 7


def test_events_are_canonical_sorted_and_typed(write_csv):
    log = mining.read_log(write_csv(BAD))
    frame = log.to_pandas()
    assert list(frame.columns) == [
        "case_id",
        "activity",
        "timestamp",
        "resource",
        "event_idx",
        "amount",
    ]
    assert frame["case_id"].tolist() == ["C1", "C1", "C3"]
    assert str(frame["timestamp"].dt.tz) == "UTC"
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2024-03-01T08:00:00Z")
    assert frame["amount"].dtype == "int64"


def test_result_does_not_depend_on_row_order(write_csv):
    rows = BAD.splitlines()
    header, body = rows[0], [r for r in rows[1:] if r.count(",") == 4]
    a = mining.read_log(write_csv("\n".join([header, *body]), "a.csv"))
    b = mining.read_log(write_csv("\n".join([header, *reversed(body)]), "b.csv"))
    cols = ["case_id", "activity", "timestamp", "resource"]
    pd.testing.assert_frame_equal(a.to_pandas()[cols], b.to_pandas()[cols])
    assert mining.get_variants(a).to_dict() == mining.get_variants(b).to_dict()


def test_ties_in_time_follow_source_order(write_csv):
    text = (
        "case,activity,timestamp\n"
        "K,b,2024-01-01 10:00\nK,a,2024-01-01 10:00\nK,c,2024-01-01 11:00\n"
    )
    log = mining.read_log(write_csv(text))
    assert mining.get_variants(log).to_dict() == {("b", "a", "c"): 1}


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_any_delimiter_is_detected(write_csv, delimiter):
    text = "case_id,activity,timestamp\nA,x,2024-01-01 10:00\nA,y,2024-01-01 11:00\n"
    log = mining.read_log(write_csv(text.replace(",", delimiter)))
    assert (log.n_events, log.n_cases) == (2, 1)


def test_latin1_and_spanish_column_names(write_csv):
    text = (
        "caso;actividad;fecha;recurso\n"
        "1;Creación;2024-01-01 10:00;José\n1;Revisión;2024-01-02 10:00;Íñigo\n"
    )
    log = mining.read_log(write_csv(text, encoding="latin-1"))
    assert log.mapping.as_dict() == {
        "case_id": "caso",
        "activity": "actividad",
        "timestamp": "fecha",
        "resource": "recurso",
    }
    assert set(log.mapping.detected) == {"case_id", "activity", "timestamp", "resource"}
    assert log.to_pandas()["activity"].tolist() == ["Creación", "Revisión"]
    assert "read as latin-1" in log.meta.notes


def test_explicit_mapping_wins_and_unknown_columns_fail_clearly(write_csv):
    text = "deal,stage,when,owner\nD1,Lead,2024-01-01 10:00,ana\n"
    path = write_csv(text)
    log = mining.read_log(
        path, mapping={"case_id": "deal", "activity": "stage", "timestamp": "when"}
    )
    assert log.mapping.case_id == "deal" and log.mapping.detected == ("resource",)
    with pytest.raises(EventLogError, match=r"log\.csv: the case_id column 'dael' is not in"):
        mining.read_log(path, mapping={"case_id": "dael"})
    with pytest.raises(EventLogError, match=r"cannot tell which column holds the case_id"):
        mining.read_log(path)


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        ("2024-03-01T10:00:00+02:00", {}, "2024-03-01T08:00:00"),
        ("2024-03-01 10:00:00", {}, "2024-03-01T10:00:00"),
        ("2024-03-01 10:00:00", {"timezone": "Europe/Madrid"}, "2024-03-01T09:00:00"),
        ("2024-07-01 10:00:00", {"timezone": "Europe/Madrid"}, "2024-07-01T08:00:00"),
        ("1709287200", {}, "2024-03-01T10:00:00"),
        ("1709287200123", {}, "2024-03-01T10:00:00.123"),
        ("01/03/2024 10:00", {"dayfirst": True}, "2024-03-01T10:00:00"),
        ("01/03/2024 10:00", {"timestamp_format": "%m/%d/%Y %H:%M"}, "2024-01-03T10:00:00"),
    ],
)
def test_timestamps_normalised_to_utc(write_csv, value, options, expected):
    path = write_csv(f"case,activity,timestamp\nA,x,{value}\n")
    ts = mining.read_log(path, **options).to_pandas()["timestamp"].iloc[0]
    assert ts == pd.Timestamp(expected, tz="UTC")


def test_unreadable_timestamp_column_fails_with_a_hint(write_csv):
    # 05/04/2024 could be 5 April or 4 May: not guessed
    path = write_csv("case,activity,timestamp\nA,x,05/04/2024\nA,y,06/04/2024\n")
    with pytest.raises(EventLogError, match=r"no value of the timestamp column.*--dayfirst"):
        mining.read_log(path)
    assert mining.read_log(path, dayfirst=True).n_events == 2


def test_day_first_dates_are_detected_when_a_day_shows_it(write_csv):
    path = write_csv("case,activity,timestamp\nA,x,05/04/2024 10:00\nA,y,31/12/2024 09:30\n")
    log = mining.read_log(path)
    assert "day-first dates (detected" in log.summary().timestamp_parsing
    times = sorted(log.to_pandas()["timestamp"])
    assert times == [
        pd.Timestamp("2024-04-05 10:00", tz="UTC"),
        pd.Timestamp("2024-12-31 09:30", tz="UTC"),
    ]


def test_us_month_first_dates_with_am_pm_are_detected_when_a_day_shows_it(write_csv):
    # as Salesforce and HubSpot reports write them: 12/31/2024 can only be month-first
    rows = "A,x,05/04/2024 10:00 AM\nA,y,12/31/2024 2:05:09 PM\nA,z,1/2/2025 14:30\n"
    log = mining.read_log(write_csv("case,activity,timestamp\n" + rows, "us.csv"))
    assert "month-first dates (detected" in log.summary().timestamp_parsing
    assert sorted(log.to_pandas()["timestamp"]) == [
        pd.Timestamp("2024-05-04 10:00", tz="UTC"),
        pd.Timestamp("2024-12-31 14:05:09", tz="UTC"),
        pd.Timestamp("2025-01-02 14:30", tz="UTC"),
    ]
    # a day-first and a month-first value in one column: neither reading, so a clear error
    mixed = write_csv("case,activity,timestamp\nA,x,12/31/2024\nA,y,31/12/2024\n", "mixed.csv")
    with pytest.raises(EventLogError, match=r"--timestamp-format"):
        mining.read_log(mixed)


def test_unknown_timezone_and_format_fail_clearly(write_csv, tmp_path):
    path = write_csv("case,activity,timestamp\nA,x,2024-01-01\n")
    with pytest.raises(EventLogError, match="unknown time zone 'Mars/Olympus'"):
        mining.read_log(path, timezone="Mars/Olympus")
    with pytest.raises(EventLogError, match="no such file"):
        mining.read_log(tmp_path / "missing.csv")
    odd = tmp_path / "log.weird"
    odd.write_text("x")
    with pytest.raises(EventLogError, match="cannot tell the format"):
        mining.read_log(odd)


def test_duplicates_can_be_kept(write_csv):
    text = "case,activity,timestamp\nA,x,2024-01-01\nA,x,2024-01-01\n"
    assert mining.read_log(write_csv(text)).summary().quarantine_reasons == {"duplicate_event": 1}
    assert mining.read_log(write_csv(text), duplicates="keep").n_events == 2


def test_parquet_keeps_types_and_row_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "case_id": ["A", "A", None],
            "activity": ["x", "y", "z"],
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-02 00:00"], utc=True
            ),
            "cost": [1.5, 2.0, 3.0],
        }
    )
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    log = mining.read_log(path)
    assert log.meta.format == "parquet"
    assert log.n_events == 2
    assert log.quarantine()[["source_row", "reason"]].values.tolist() == [[3, "missing_case_id"]]
    assert log.to_pandas()["cost"].tolist() == [1.5, 2.0]


def test_start_timestamp_is_mapped_and_checked(write_csv):
    text = (
        "case,activity,start_time,timestamp\n"
        "A,x,2024-01-01 09:00,2024-01-01 10:00\nA,y,later,2024-01-01 11:00\n"
    )
    log = mining.read_log(write_csv(text))
    assert log.has_start_timestamp
    assert log.summary().quarantine_reasons == {"bad_start_timestamp": 1}
    assert log.to_pandas()["start_timestamp"].iloc[0] == datetime(2024, 1, 1, 9, tzinfo=UTC)


def test_header_only_file_gives_an_empty_log(write_csv):
    log = mining.read_log(write_csv("case,activity,timestamp\n"))
    assert (log.n_events, log.n_quarantined) == (0, 0)
    assert len(mining.get_variants(log)) == 0
    assert mining.discover_dfg(log).edges.empty


def test_attribute_types_are_inferred_without_losing_information(write_csv):
    text = (
        "case,activity,timestamp,amount,units,zip,code,flag,due\n"
        "A,x,2024-01-01,19525.11,3,02134,e3,true,2024-02-01T00:00:00+01:00\n"
        "A,y,2024-01-02,7,12,10001,e4,false,2024-02-03T00:00:00+01:00\n"
    )
    frame = mining.read_log(write_csv(text)).to_pandas()
    assert frame["amount"].tolist() == [19525.11, 7.0]  # decimals are never rounded
    assert frame["units"].dtype == "int64"
    assert frame["zip"].tolist() == ["02134", "10001"]  # leading zeros stay text
    assert frame["code"].tolist() == ["e3", "e4"]
    assert frame["flag"].tolist() == [True, False]
    assert frame["due"].iloc[0] == pd.Timestamp("2024-01-31T23:00:00Z")


def test_epoch_column_with_junk_and_an_outlier_quarantines_only_those(write_csv):
    rows = [f"A,step{i},{1709287200000 + i * 60_000}" for i in range(20)]
    rows += ["A,junk,n/a", "A,huge,99999999999999999999"]
    log = mining.read_log(write_csv("case,activity,timestamp\n" + "\n".join(rows) + "\n"))
    assert log.meta.timestamp_parsing == "epoch milliseconds"
    assert log.summary().quarantine_reasons == {"bad_timestamp": 2}
    first = log.to_pandas()["timestamp"].iloc[0]
    assert first == pd.Timestamp("2024-03-01T10:00:00Z")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Deal ID,Stage,Changed At,Deal Owner", ("Deal ID", "Stage", "Changed At", "Deal Owner")),
        (
            "id_contacto,tipo_evento,fecha_evento,x",
            ("id_contacto", "tipo_evento", "fecha_evento", None),
        ),
        (
            "subscriber_email,action,occurred_on,list",
            ("subscriber_email", "action", "occurred_on", None),
        ),
        ("Lead Number,Status,Started At,Logged At", ("Lead Number", "Status", "Logged At", None)),
    ],
)
def test_columns_named_by_their_words_are_detected(write_csv, header, expected):
    """Names no list holds: the words say entity + id, event / stage, time / <verb> at."""
    start = "2024-01-01 09:00," if "Started" in header else ""
    row = "c1,Created," + (start or "2024-01-01 10:00,") + ("2024-01-01 10:00" if start else "x")
    log = mining.read_log(write_csv(f"{header}\n{row}\n"))
    mapping = log.mapping
    assert (mapping.case_id, mapping.activity, mapping.timestamp, mapping.resource) == expected
    assert {"case_id", "activity", "timestamp"} <= set(mapping.detected)


COLLIDING = (
    "case_id,activity,timestamp,reason,source_row,__first_row,__exclude,__row\n"
    "A,x,2024-01-01 10:00,late,99,1,yes,7\n"
    "A,y,2024-01-01 11:00,early,98,0,no,8\n"
    "B,x,2024-01-02 10:00,,97,,,9\n"
)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_user_columns_named_like_internal_ones_are_kept_and_renamed(write_csv, tmp_path, kind):
    # before: valid rows were quarantined with the user's `reason` / `__exclude` values as the
    # reason, and a user `source_row` column was silently overwritten
    path = write_csv(COLLIDING, "colliding.csv")
    if kind == "parquet":
        frame = pd.read_csv(path, dtype=str)
        path = tmp_path / "colliding.parquet"
        frame.to_parquet(path)
    log = mining.read_log(path)
    summary = log.summary()
    assert (summary.rows_read, summary.events, summary.quarantined) == (3, 3, 0)
    events = log.to_pandas()
    assert events["src_reason"].tolist()[:2] == ["late", "early"]
    assert events["src_source_row"].astype(str).tolist() == ["99", "98", "97"]
    assert events["src___exclude"].tolist()[:2] == ["yes", "no"]
    assert events["src___row"].astype(str).tolist() == ["7", "8", "9"]
    assert events["event_idx"].tolist() == [1, 2, 3]
    assert any("'__exclude' renamed to 'src___exclude'" in n for n in summary.notes)


def test_seconds_and_milliseconds_in_one_epoch_column_are_each_read_in_their_unit(write_csv):
    # before: the median's unit was applied to all, putting half the rows on 1970-01-20
    rows = [f"A,s{i},{1704103200 + i * 3600}" for i in range(5)]
    rows += [f"B,m{i},{(1704103200 + i * 3600) * 1000}" for i in range(5)]
    log = mining.read_log(write_csv("case,activity,timestamp\n" + "\n".join(rows) + "\n"))
    assert log.meta.timestamp_parsing == (
        "epoch seconds and milliseconds (per value, by magnitude)"
    )
    times = log.to_pandas().groupby("case_id")["timestamp"].apply(list)
    assert times["A"] == times["B"]
    assert times["A"][0] == pd.Timestamp("2024-01-01T10:00:00Z")


def test_a_few_float_outliers_move_no_valid_parquet_timestamp(tmp_path):
    good = [1704103200.0 + i * 60 for i in range(8)]
    frame = pd.DataFrame(
        {
            "case_id": ["A"] * 10,
            "activity": [f"a{i}" for i in range(10)],
            "timestamp": [*good, -5e20, 1e30],
        }
    )
    path = tmp_path / "floats.parquet"
    frame.to_parquet(path)
    log = mining.read_log(path)
    assert log.summary().quarantine_reasons == {"bad_timestamp": 2}
    kept = log.to_pandas()["timestamp"]
    assert (kept.dt.year == 2024).all() and len(kept) == 8


@pytest.mark.parametrize("text", ["10000-01-01 10:00", "20240-01-02", "1899-12-31", "2200-01-01"])
def test_an_implausible_year_is_quarantined_and_counted(write_csv, text):
    # before: years 10000 and 20240 were accepted and `report` / `spc` then failed
    csv = f"case,activity,timestamp\nA,x,2024-01-01 10:00\nA,y,{text}\n"
    log = mining.read_log(write_csv(csv))
    summary = log.summary()
    assert summary.events + summary.quarantined == summary.rows_read == 2
    assert summary.events == 1
    reason = log.quarantine()["reason"].iloc[0]
    assert reason in ("implausible_timestamp", "bad_timestamp")
    if reason == "implausible_timestamp":
        assert "outside the years 1900-2199" in log.quarantine()["message"].iloc[0]


def test_integers_a_double_cannot_hold_stay_exact_text(write_csv):
    csv = (
        "case,activity,timestamp,hubspot_id,amount\n"
        "A,x,2024-01-01 10:00,1234567890123456789,10.5\n"
        "A,y,2024-01-01 11:00,1234567890123456788,7\n"
    )
    events = mining.read_log(write_csv(csv)).to_pandas()
    assert events["hubspot_id"].tolist() == ["1234567890123456789", "1234567890123456788"]
    assert events["amount"].tolist() == [10.5, 7.0]


def test_a_long_quoted_field_with_newlines_is_one_record(write_csv):
    # before: a 3 MB note was 600,000 malformed rows (and 2.4 GB of memory)
    note = "line\n" * 600_000
    csv = (
        "case_id,activity,timestamp,note\n"
        "A,x,2024-01-01 10:00,ok\n"
        f'A,y,2024-01-01 11:00,"{note}"\n'
        "B,x,2024-01-02 10:00,ok\n"
    )
    log = mining.read_log(write_csv(csv))
    summary = log.summary()
    assert (summary.rows_read, summary.events, summary.quarantined) == (3, 3, 0)
    assert log.to_pandas()["note"].str.len().max() == len(note)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [b"A,Baja enviada \xc3\xa9,2024-01-01", b"B,A\xf1o,2024-01-02"],
            "UTF-8 first, then latin-1 from line 3",
        ),
        (
            [
                b"A,A\xf1o,2024-01-01",
                b"B,Caf\xc3\xa9,2024-01-02",
                b"C,Se\xc3\xb1or \xc3\xbc,2024-01-03",
            ],
            "latin-1 first, then UTF-8 from line 3",
        ),
    ],
)
def test_a_file_mixing_utf8_and_latin1_is_refused_naming_the_line(tmp_path, lines, message):
    # before: decoded whole as latin-1, the UTF-8 lines silently became mojibake
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\n".join([b"case_id,activity,timestamp", *lines]) + b"\n")
    with pytest.raises(mining.EventLogError, match=message):
        mining.read_log(path)
    assert mining.read_log(path, encoding="latin-1").summary().events == len(lines)


def test_a_latin1_file_is_still_read_as_latin1(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"case_id,activity,timestamp\nA,A\xf1o nuevo,2024-01-01\n")
    log = mining.read_log(path)
    assert log.to_pandas()["activity"].tolist() == ["Año nuevo"]

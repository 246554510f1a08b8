"""Hostile inputs are refused quickly and leak nothing; large files stream, not exhaust memory."""

from __future__ import annotations

import gzip
import time

import pytest

import mining
from mining import EventLogError, UnsafeFileError

BOMB = """<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<log><trace><string key="concept:name" value="&g;"/>
<event><string key="concept:name" value="&g;"/>
<date key="time:timestamp" value="2024-01-01T00:00:00"/></event>
</trace></log>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY secret SYSTEM "file://{path}">]>
<log><trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="&secret;"/>
<date key="time:timestamp" value="2024-01-01T00:00:00"/></event>
</trace></log>
"""

GOOD = """<?xml version="1.0"?>
<log xmlns="http://www.xes-standard.org/">
<trace><string key="concept:name" value="T1"/>
<event><string key="concept:name" value="a"/>
  <date key="time:timestamp" value="2024-01-01T00:00:00+01:00"/></event>
<event><string key="concept:name" value="b"/>
  <date key="time:timestamp" value="2024-01-01T01:00:00+01:00"/>
  <list key="tags"><string key="x" value="nested"/></list></event>
</trace></log>
"""


def test_entity_bomb_is_refused_within_seconds(tmp_path):
    path = tmp_path / "bomb.xes"
    path.write_text(BOMB)
    started = time.monotonic()
    with pytest.raises(UnsafeFileError, match="refused: the XML declares a DTD"):
        mining.read_log(path)
    assert time.monotonic() - started < 5


def test_external_entity_cannot_leak_a_local_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = tmp_path / "xxe.xes"
    path.write_text(XXE.format(path=secret))
    with pytest.raises(UnsafeFileError) as info:
        mining.read_log(path)
    assert "TOP-SECRET" not in str(info.value)


def test_gzipped_bomb_is_refused_too(tmp_path):
    path = tmp_path / "bomb.xes.gz"
    path.write_bytes(gzip.compress(BOMB.encode()))
    with pytest.raises(UnsafeFileError):
        mining.read_log(path)


def test_broken_xml_fails_with_one_clear_message(tmp_path):
    path = tmp_path / "broken.xes"
    path.write_text(GOOD[:-20])
    with pytest.raises(EventLogError, match=r"broken\.xes: not well-formed XML"):
        mining.read_log(path)


def test_small_xes_with_namespace_and_nested_attributes(tmp_path):
    path = tmp_path / "ok.xes"
    path.write_text(GOOD)
    log = mining.read_log(path)
    frame = log.to_pandas()
    assert frame["activity"].tolist() == ["a", "b"]
    assert frame["timestamp"].dt.hour.tolist() == [23, 0]
    assert "x" not in frame.columns  # children of a list attribute are not events' attributes


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """A 2M-event CRM log, about 160 MB of CSV."""
    from sample_logs._generate import write_crm_log

    return write_crm_log(tmp_path_factory.mktemp("big") / "big.csv", 2_000_000, seed=3)


@pytest.mark.scale
def test_csv_larger_than_the_memory_limit_streams(big_csv, monkeypatch):
    """Capped at 128 MB, below the ~160 MB the events take, DuckDB spills to disk and finishes."""
    monkeypatch.setenv("MEJORA_MEMORY_LIMIT", "128MB")
    log = mining.read_log(big_csv)
    assert log.n_events + log.n_quarantined == 2_000_000
    spilled = log.connection.execute("SELECT count(*) FROM duckdb_temporary_files()").fetchall()
    assert spilled[0][0] > 0, "expected DuckDB to spill to its temp directory"
    assert len(mining.get_variants(log)) > 1000


@pytest.mark.scale
def test_too_little_memory_fails_cleanly(big_csv, monkeypatch):
    # 16 MB: the CSV reader's buffer follows the record limit (an eighth of the memory limit),
    # so 32 MB is enough to import this log now
    monkeypatch.setenv("MEJORA_MEMORY_LIMIT", "16MB")
    with pytest.raises(
        EventLogError, match=r"big\.csv: not enough memory to import it \(limit: 16MB\)"
    ):
        mining.read_log(big_csv)


ENTITY_IN_ATTRIBUTE = """<?xml version="1.0" encoding="{encoding}"?>
{padding}<!DOCTYPE log [<!ENTITY x "EXPANDED">]>
<log><trace><string key="concept:name" value="T1"/>
<event><string key="concept:name" value="&x;"/>
<date key="time:timestamp" value="2024-01-01T00:00:00"/></event>
</trace></log>
"""
PADDING = "<!--" + "x" * 70_000 + "-->\n"  # pushes the DTD past the quick check's 64 KiB


@pytest.mark.parametrize(
    ("encoding", "padding"), [("UTF-16", ""), ("UTF-8", PADDING), ("UTF-16", PADDING)]
)
@pytest.mark.parametrize("suffix", [".xes", ".pnml", ".bpmn", ".xmlocel"])
def test_a_dtd_is_refused_in_any_encoding_and_after_any_comment(
    tmp_path, encoding, padding, suffix
):
    # before: a DTD in UTF-16, or after 64 KiB of comment, got through and its internal
    # entity was expanded into an activity name
    path = tmp_path / f"log{suffix}"
    path.write_bytes(
        ENTITY_IN_ATTRIBUTE.format(encoding=encoding, padding=padding).encode(encoding)
    )
    with pytest.raises(UnsafeFileError, match="refused: the XML declares a DTD"):
        if suffix == ".xes":
            mining.read_log(path)
        elif suffix == ".xmlocel":
            mining.read_log(path, object_type="order")
        else:
            mining.read_model(path)


def test_a_designed_bpmn_with_a_late_dtd_is_refused(tmp_path):
    from automation import read_bpmn

    path = tmp_path / "design.bpmn"
    path.write_bytes(
        ENTITY_IN_ATTRIBUTE.format(encoding="UTF-16", padding=PADDING).encode("utf-16")
    )
    with pytest.raises(UnsafeFileError):
        read_bpmn(path)


def test_a_utf16_log_without_a_dtd_still_reads(tmp_path):
    path = tmp_path / "log.xes"
    path.write_bytes(
        GOOD.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    )
    assert mining.read_log(path).n_events == 2


def test_a_gzip_bomb_through_the_hubspot_json_reader_is_refused_in_bounded_memory(tmp_path):
    # before: a 10.4 MB file grew to 6.1 GB in memory, read whole
    import resource

    path = tmp_path / "events.json.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(b'{"events": [')
        for _ in range(80):
            handle.write(b" " * (1 << 20))
        handle.write(b"]}")
    assert path.stat().st_size < 1 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UnsafeFileError, match="expands to more than 200 times its size"):
        mining.read_log(path, format="hubspot-email-events")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300_000  # KiB


def test_the_bounded_reader_reads_a_real_export_whole(tmp_path):
    from mining.safe_xml import read_bounded

    path = tmp_path / "page.json.gz"
    path.write_bytes(gzip.compress(b'{"events": []}'))
    assert read_bounded(path) == b'{"events": []}'
    with pytest.raises(EventLogError, match="export it as JSON lines or CSV"):
        read_bounded(path, limit=4)


@pytest.mark.parametrize("name", ["log.xes.gz", "log.csv.gz"])
def test_a_truncated_gzip_is_one_clear_line_not_aborted(store_path, tmp_path, capsys, name):
    # before: `Aborted.` and exit 1 (click's answer to an EOFError)
    from mejora.cli import main

    text = (
        GOOD
        if name.startswith("log.xes")
        else "case_id,activity,timestamp\n" + ("A,x,2024-01-01 10:00\n" * 2000)
    )
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode())[:-20])
    assert main(["import", str(path), "--name", "t"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: the compressed file is truncated or damaged" in err


def test_an_xes_event_outside_any_trace_is_counted_not_dropped(tmp_path):
    path = tmp_path / "stray.xes"
    stray = (
        '<event><string key="concept:name" value="stray"/>'
        '<date key="time:timestamp" value="2024-01-01T02:00:00+01:00"/></event>\n'
    )
    path.write_text(GOOD.replace("<trace>", stray + "<trace>", 1))
    summary = mining.read_log(path).summary()
    assert (summary.rows_read, summary.events, summary.quarantined) == (3, 2, 1)
    assert summary.quarantine_reasons == {"missing_case_id": 1}


def test_an_oversized_record_is_refused_naming_the_line_it_starts_on(tmp_path, monkeypatch):
    """DuckDB named line 1 (a line of its own buffer); the record starts on line 10: the
    quoted note from line 3 spans three lines and a doubled quote does not end a field."""
    monkeypatch.setenv("MEJORA_MEMORY_LIMIT", "16MB")  # one record may take 2 MB
    lines = ["case,activity,timestamp,note", "c1,A,2024-01-01 10:00:00,plain"]
    lines.append('c1,B,2024-01-02 10:00:00,"a note\nover ""three""\nlines"')
    lines += [f"c{i},A,2024-01-0{i} 10:00:00," for i in range(2, 6)]
    lines.append('c9,B,2024-01-09 10:00:00,"' + "x" * (3 << 20) + '"')
    lines.append("c10,A,2024-01-10 10:00:00,")
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(EventLogError, match=r"long\.csv, line 10: a record of 3\.0 MB") as err:
        mining.read_log(path)
    assert "MEJORA_MEMORY_LIMIT" in str(err.value) and "Line: 1" not in str(err.value)

"""A fuzz corpus of small hostile logs, generated from seeds: byte flips, truncation, stray
quotes and delimiters, NULs, mixed encodings, long fields, odd dates and numbers, in CSV, XES,
HubSpot JSON, OCEL JSON and Parquet. Every file either imports with ``accepted + quarantined ==
rows read`` or fails with one error that names the file; nothing else (no internal error, no
silent loss)."""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import mining
from mining import EventLogError

SEED = (
    "case_id,activity,timestamp,owner,amount\n"
    "D1,Qualified,2025-01-02 09:00,ana,100\n"
    "D1,Demo held,2025-01-03 10:30,ana,100\n"
    "D1,Closed won,2025-01-09 16:00,ana,100\n"
    "D2,Qualified,2025-01-04 11:00,luis,250.5\n"
    "D2,Closed lost,2025-01-05 12:00,luis,250.5\n"
    "D3,Qualified,1704103200,marta,\n"
    "D3,Demo held,04/01/2025 13:00,marta,7\n"
)
SNIPPETS = [
    '"',
    ",",
    "\n",
    "\x00",
    "\r",
    ";",
    "\t",
    "é".encode("latin-1").decode("latin-1"),
    "10000-01-01",
    "1e400",
    "-0",
    "9" * 25,
    "NaN",
    "\ufeff",
    '""',
    "\\",
    "'",
    "x" * 5000,
    "2025-02-30 10:00",
    "0000-00-00",
    "  ",
    "null",
    "None",
]


def mutate(rng: random.Random, text: str) -> bytes:
    """One hostile variant of ``text``: a few random edits, then an encoding."""
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(len(chars) + 1)
        kind = rng.random()
        if kind < 0.4:
            chars[where:where] = list(rng.choice(SNIPPETS))
        elif kind < 0.7 and chars:
            del chars[where : where + rng.randint(1, 8)]
        elif chars:
            chars[min(where, len(chars) - 1)] = chr(rng.randrange(1, 0x2FF))
    out = "".join(chars)
    if rng.random() < 0.2:
        out = out[: rng.randrange(len(out) + 1)]  # truncated
    encoding = rng.choice(["utf-8", "utf-8", "latin-1", "utf-16"])
    data = out.encode(encoding, errors="replace")
    if rng.random() < 0.15:  # a latin-1 line inside a UTF-8 file
        data += "\nD9,Qualified,2025-01-06 09:00,Ñoño,1\n".encode("latin-1")
    return data


def _imports_whole_or_refuses_by_name(path: Path, **options) -> None:
    data = path.read_bytes()
    try:
        log = mining.read_log(path, **options)
    except EventLogError as exc:
        assert str(path) in str(exc)  # one error that names the file
        return
    summary = log.summary()
    assert summary.events + summary.quarantined == summary.rows_read, summary
    assert path.read_bytes() == data  # the source is only read


@pytest.mark.parametrize("seed", range(60))
def test_every_fuzzed_file_is_counted_whole_or_refused_by_name(tmp_path, seed):
    rng = random.Random(seed)
    data = mutate(rng, SEED)
    name = f"fuzz-{seed}.csv"
    if rng.random() < 0.2:
        data, name = gzip.compress(data)[: None if rng.random() < 0.7 else -10], name + ".gz"
    path = tmp_path / name
    path.write_bytes(data)
    _imports_whole_or_refuses_by_name(path)


XES_SEED = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
<trace><string key="concept:name" value="D1"/>
<event><string key="concept:name" value="Qualified"/><string key="org:resource" value="ana"/>
<date key="time:timestamp" value="2025-01-02T09:00:00.000+01:00"/></event>
<event><string key="concept:name" value="Demo held"/><float key="amount" value="100.5"/>
<date key="time:timestamp" value="2025-01-03T10:30:00.000+01:00"/></event>
</trace>
<trace><string key="concept:name" value="D2"/>
<event><string key="concept:name" value="Qualified"/>
<date key="time:timestamp" value="2025-01-04T11:00:00.000+01:00"/></event>
<event><string key="concept:name" value="Closed lost"/>
<date key="time:timestamp" value="2025-01-05T12:00:00"/>
<list key="tags"><string key="t" value="x"/></list></event>
</trace>
</log>
"""
OCEL_SEED = json.dumps(
    {
        "objectTypes": [{"name": "Lead", "attributes": []}],
        "eventTypes": [{"name": "Open", "attributes": []}, {"name": "Close", "attributes": []}],
        "objects": [{"id": "L1", "type": "Lead"}, {"id": "L2", "type": "Lead"}],
        "events": [
            {"id": "e1", "type": "Open", "time": "2025-01-02T09:00:00Z",
             "relationships": [{"objectId": "L1", "qualifier": ""}]},
            {"id": "e2", "type": "Close", "time": "2025-01-03T09:00:00Z",
             "relationships": [{"objectId": "L1", "qualifier": ""}]},
            {"id": "e3", "type": "Open", "time": "2025-01-04T09:00:00Z",
             "relationships": [{"objectId": "L2", "qualifier": ""}]},
        ],
    },
    indent=1,
)  # fmt: skip
HUBSPOT_SEED = Path(__file__).parent / "fixtures" / "crm" / "hubspot_email_events.json"
TEXT_SEEDS = {
    "xes": (XES_SEED, "fuzz.xes", {}),
    "ocel": (OCEL_SEED, "fuzz.jsonocel", {"object_type": "Lead"}),
    "hubspot": (HUBSPOT_SEED.read_text(), "fuzz.json", {"format": "hubspot-email-events"}),
}


HOSTILE_SCALARS = [
    None, "", "  ", "10000-01-01", "0000-00-00", "2025-02-30T10:00:00", "1704103200", -1, 0,
    1e300, 2**70, "9" * 25, "x" * 5000, "\x00", "é", "NaN", True, [], {}, "__exclude",
]  # fmt: skip


def _mutate_json_values(rng: random.Random, value, rate: float):
    """The same document with some values swapped for hostile ones and some keys gone."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if rng.random() < rate / 3:
                continue  # a field left out
            out[key] = _mutate_json_values(rng, item, rate)
        return out
    if isinstance(value, list):
        return [_mutate_json_values(rng, v, rate) for v in value if rng.random() > rate / 3]
    return rng.choice(HOSTILE_SCALARS) if rng.random() < rate else value


def _mutate_xml_values(rng: random.Random, text: str) -> str:
    """The same XES with some attribute values swapped for hostile ones (still well formed)."""

    def swap(found):
        if rng.random() > 0.3:
            return found.group()
        value = str(rng.choice(HOSTILE_SCALARS + SNIPPETS)).replace("\x00", "")
        value = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return f'value="{value}"'

    return re.sub(r'value="[^"]*"', swap, text)


def mutate_structured(rng: random.Random, text: str, kind: str) -> bytes:
    """Half the time a byte-level mutation, half a value-level one that keeps the syntax, so
    the corpus reaches the validation and not only the parser's refusal."""
    if rng.random() < 0.5:
        return mutate(rng, text)
    if kind == "xes":
        return _mutate_xml_values(rng, text).encode()
    rate = 0.03 if kind == "ocel" else 0.15  # pm4py refuses a whole OCEL for one bad event
    return json.dumps(_mutate_json_values(rng, json.loads(text), rate)).encode()


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("kind", list(TEXT_SEEDS))
def test_fuzzed_xes_and_json_files_are_counted_whole_or_refused_by_name(tmp_path, kind, seed):
    text, name, options = TEXT_SEEDS[kind]
    rng = random.Random(f"{kind}-{seed}")
    path = tmp_path / name
    path.write_bytes(mutate_structured(rng, text, kind))
    _imports_whole_or_refuses_by_name(path, **options)


HOSTILE_VALUES = {
    "timestamp": [
        "2025-01-02 09:00", "1704103200", "10000-01-01", "0000-00-00", "", None, "NaN",
        "2025-02-30", "44 BC", "-1",
    ],
    "number": [0, -1, 2.0**62, None, 1.5, float("nan"), float("inf"), 1e300],
    "text": ["D1", "", None, "\x00", "é", "x" * 5000, "9" * 25, "__exclude", "null"],
}  # fmt: skip


def _hostile_column(rng: random.Random, n: int) -> pa.Array:
    kind = rng.choice(["text", "text", "timestamp", "number", "epoch", "moment", "binary"])
    if kind == "epoch":  # seconds and milliseconds mixed, with outliers
        values = [rng.choice([1704103200, 1704103200123, 17, -5, None, 2**40]) for _ in range(n)]
        return pa.array(values, type=pa.int64())
    if kind == "moment":
        values = [rng.choice([1704103200.5, 1.7e12, float("nan"), None, 3e15]) for _ in range(n)]
        return pa.array(values, type=pa.float64())
    if kind == "binary":
        return pa.array([rng.randbytes(rng.randint(0, 8)) for _ in range(n)], type=pa.binary())
    values = [rng.choice(HOSTILE_VALUES[kind]) for _ in range(n)]
    if kind == "number":
        return pa.array(values, type=pa.float64())
    return pa.array(values, type=pa.string())


@pytest.mark.parametrize("seed", range(20))
def test_fuzzed_parquet_files_are_counted_whole_or_refused_by_name(tmp_path, seed):
    rng = random.Random(f"parquet-{seed}")
    n = rng.randint(1, 40)
    names = ["case_id", "activity", "timestamp", *rng.sample(["owner", "amount", "source_row"], 2)]
    if rng.random() < 0.1:
        names.remove(rng.choice(names))  # a column the log needs is missing
    columns = {name: _hostile_column(rng, n) for name in names}
    if "timestamp" in columns and rng.random() < 0.5:  # a real timestamp type, far-out values
        moments = [rng.choice([0, 1704103200, 2**33, -(2**35), None]) for _ in range(n)]
        columns["timestamp"] = pa.array(moments, type=pa.int64()).cast(pa.timestamp("s"))
    table = pa.table(columns)
    path = tmp_path / "fuzz.parquet"
    pq.write_table(table, path)
    if rng.random() < 0.25:  # damaged bytes
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
    _imports_whole_or_refuses_by_name(path)

"""A fuzz corpus of small hostile logs, generated from seeds: byte flips, truncation, stray
quotes and delimiters, NULs, mixed encodings, long fields, odd dates and numbers. Every file
either imports with ``accepted + quarantined == rows read`` or fails with one error that names
the file; nothing else (no internal error, no silent loss)."""

from __future__ import annotations

import gzip
import random

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


@pytest.mark.parametrize("seed", range(60))
def test_every_fuzzed_file_is_counted_whole_or_refused_by_name(tmp_path, seed):
    rng = random.Random(seed)
    data = mutate(rng, SEED)
    name = f"fuzz-{seed}.csv"
    if rng.random() < 0.2:
        data, name = gzip.compress(data)[: None if rng.random() < 0.7 else -10], name + ".gz"
    path = tmp_path / name
    path.write_bytes(data)
    try:
        log = mining.read_log(path)
    except EventLogError as exc:
        assert str(path) in str(exc)  # one error that names the file
        return
    summary = log.summary()
    assert summary.events + summary.quarantined == summary.rows_read, summary
    assert path.read_bytes() == data  # the source is only read

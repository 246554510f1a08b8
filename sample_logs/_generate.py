"""Seeded, vectorised generator of CRM-like (lead-to-deal) event logs.

The generated process is a lead-to-deal CRM / marketing-nurture pipeline modelled as a
first-order Markov chain over activities::

    Lead created -> Lead scored -> Nurture email sent -> (Email opened -> (Email clicked))
        -> ... more nurture emails / Sales call ... -> Qualified -> Demo scheduled
        -> Demo held -> Proposal sent (-> Proposal sent: rework) -> Negotiation -> Won / Lost

with exits to "Lost" or "Disqualified" at several points, nurture loops, demo re-scheduling
and proposal rework.  Cases average about nine events (2 to ~45); the variant distribution
has a long tail: 1M events (~109k cases) hold ~16k distinct variants, of which the 100
most frequent cover ~60% of cases and the 300 most frequent ~70%.

Every case carries the attributes ``region`` (North/South/East/West), ``lead_source``
(web, event, referral, paid) and ``amount`` (deal value), repeated on each of its rows.
The lead source changes the odds (referrals win more often, paid leads are disqualified
more often); region and the owning sales rep change how long human steps take, so the log
has something for root-cause and bottleneck analyses to find.

Timestamps are whole seconds, strictly increasing within a case, in UTC.  Steps done by
people (and scheduled e-mails) fall in working hours (Mon-Fri, 08:00-18:00 UTC); lead
scoring, e-mail opens and clicks may happen at any time.  Resources are the sales reps
``rep01`` .. ``rep12`` and ``automation`` (lead scoring and e-mail events).

Guarantees:

* **Deterministic**: the same ``n_events``, ``seed`` and ``start`` give an identical frame
  and a byte-identical CSV / Parquet file.
* **Exact size**: the log has exactly ``n_events`` rows.  It is made of whole cases
  (start to Won / Lost / Disqualified), except that when no generated case fits the last
  few rows exactly, the final case is an *open* case: a prefix of a real trace, as in an
  export of a live CRM taken while deals are still in progress.
* **Shuffled rows**: rows are returned (and written) in a seeded random order, not sorted
  by case or time, so importers must sort them themselves.
* **Fast**: the simulation loops over the step index, never over cases (numpy arrays of
  all still-running cases), so 1M events take about a second and 10M events well under a
  minute.

Use it from Python::

    from sample_logs._generate import generate_crm_log, write_crm_log
    df = generate_crm_log(100_000, seed=7)
    write_crm_log("crm.csv", 1_000_000)

or from the shell::

    python -m sample_logs._generate --events 1000000 --seed 7 -o crm.csv
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ACTIVITIES", "generate_crm_log", "generate_crm_table", "write_crm_log"]

# --------------------------------------------------------------------------------------
# Process model
# --------------------------------------------------------------------------------------

ACTIVITIES: tuple[str, ...] = (
    "Lead created",  # 0
    "Lead scored",  # 1
    "Nurture email sent",  # 2
    "Email opened",  # 3
    "Email clicked",  # 4
    "Sales call",  # 5
    "Qualified",  # 6
    "Demo scheduled",  # 7
    "Demo held",  # 8
    "Proposal sent",  # 9
    "Negotiation",  # 10
    "Won",  # 11
    "Lost",  # 12
    "Disqualified",  # 13
)
_A = {name: i for i, name in enumerate(ACTIVITIES)}
_N_ACT = len(ACTIVITIES)
_TERMINAL = np.array([_A["Won"], _A["Lost"], _A["Disqualified"]])

# Base transition probabilities (each row is normalised below).
_BASE_TRANSITIONS: dict[str, dict[str, float]] = {
    "Lead created": {"Lead scored": 0.97, "Disqualified": 0.03},
    "Lead scored": {"Nurture email sent": 0.77, "Sales call": 0.16, "Disqualified": 0.07},
    "Nurture email sent": {
        "Email opened": 0.55,
        "Nurture email sent": 0.22,
        "Sales call": 0.10,
        "Disqualified": 0.11,
    },
    "Email opened": {
        "Email clicked": 0.45,
        "Nurture email sent": 0.33,
        "Sales call": 0.12,
        "Qualified": 0.10,
    },
    "Email clicked": {
        "Qualified": 0.42,
        "Sales call": 0.30,
        "Nurture email sent": 0.23,
        "Disqualified": 0.05,
    },
    "Sales call": {
        "Qualified": 0.60,
        "Nurture email sent": 0.20,
        "Sales call": 0.05,
        "Disqualified": 0.15,
    },
    "Qualified": {"Demo scheduled": 0.80, "Sales call": 0.08, "Lost": 0.12},
    "Demo scheduled": {"Demo held": 0.85, "Demo scheduled": 0.07, "Lost": 0.08},
    "Demo held": {"Proposal sent": 0.70, "Sales call": 0.10, "Lost": 0.20},
    "Proposal sent": {"Negotiation": 0.55, "Proposal sent": 0.18, "Lost": 0.27},
    "Negotiation": {"Won": 0.50, "Proposal sent": 0.20, "Lost": 0.30},
}

LEAD_SOURCES: tuple[str, ...] = ("web", "event", "referral", "paid")
_SOURCE_WEIGHTS = np.array([0.40, 0.20, 0.15, 0.25])
# Multipliers applied to the probability of moving *into* an activity, per lead source.
_SOURCE_BIAS: dict[str, dict[str, float]] = {
    "web": {},
    "event": {"Sales call": 1.3, "Qualified": 1.1},
    "referral": {"Qualified": 1.5, "Won": 1.6, "Lost": 0.7, "Disqualified": 0.5},
    "paid": {"Disqualified": 1.6, "Qualified": 0.8, "Won": 0.85},
}

REGIONS: tuple[str, ...] = ("North", "South", "East", "West")
_REGION_WEIGHTS = np.array([0.30, 0.25, 0.25, 0.20])
_REGION_DELAY = np.array([1.00, 1.15, 0.90, 1.35])  # slows or speeds up human steps

REPS: tuple[str, ...] = tuple(f"rep{i:02d}" for i in range(1, 13))
RESOURCES: tuple[str, ...] = (*REPS, "automation")
_AUTOMATION = len(REPS)
# Fixed per-rep speed (a couple of slow reps, one fast one).
_REP_DELAY = np.array([1.0, 0.9, 1.1, 1.6, 1.0, 0.8, 1.2, 1.0, 1.9, 0.95, 1.05, 0.7])
_HANDOVER_P = 0.12  # chance a human step is done by another rep than the case owner

_MIN = 60.0
_HOUR = 3600.0
_DAY = 86400.0
# Per target activity: median delay (seconds) since the previous event, lognormal sigma,
# whether it is snapped into working hours, whether it is done by "automation".
_DELAYS: dict[str, tuple[float, float, bool, bool]] = {
    "Lead created": (0.0, 0.0, True, False),
    "Lead scored": (4 * _MIN, 0.8, False, True),
    "Nurture email sent": (2 * _DAY, 0.6, True, True),
    "Email opened": (3 * _HOUR, 1.1, False, True),
    "Email clicked": (90.0, 0.9, False, True),
    "Sales call": (1 * _DAY, 0.8, True, False),
    "Qualified": (4 * _HOUR, 0.9, True, False),
    "Demo scheduled": (1 * _DAY, 0.7, True, False),
    "Demo held": (5 * _DAY, 0.5, True, False),
    "Proposal sent": (3 * _DAY, 0.6, True, False),
    "Negotiation": (4 * _DAY, 0.6, True, False),
    "Won": (7 * _DAY, 0.6, True, False),
    "Lost": (10 * _DAY, 0.8, True, False),
    "Disqualified": (2 * _DAY, 0.9, True, False),
}
_LOG_MEDIAN = np.log(np.maximum([_DELAYS[a][0] for a in ACTIVITIES], 1.0))
_SIGMA = np.array([_DELAYS[a][1] for a in ACTIVITIES])
_WORKING_HOURS = np.array([_DELAYS[a][2] for a in ACTIVITIES])
_IS_AUTOMATION = np.array([_DELAYS[a][3] for a in ACTIVITIES])

_MAX_STEPS = 60  # a case still running after this many events is closed as "Lost"
_DAY_S = 86_400
_OPEN_S = 8 * 3600  # working day 08:00 - 18:00 UTC
_CLOSE_S = 18 * 3600
_ARRIVAL_BUSINESS_DAYS = 260  # leads arrive over about one year of working days


def _transition_cdf() -> np.ndarray:
    """Cumulative transition probabilities, shape (n_sources * n_activities, n_activities)."""
    cdf = np.zeros((len(LEAD_SOURCES), _N_ACT, _N_ACT))
    for s, source in enumerate(LEAD_SOURCES):
        bias = _SOURCE_BIAS[source]
        for src, row in _BASE_TRANSITIONS.items():
            p = np.zeros(_N_ACT)
            for dst, prob in row.items():
                p[_A[dst]] = prob * bias.get(dst, 1.0)
            cdf[s, _A[src]] = np.cumsum(p / p.sum())
        for t in _TERMINAL:  # absorbing (never sampled from: finished cases are dropped)
            cdf[s, t, t:] = 1.0
    cdf[..., -1] = 1.0  # guard against rounding
    return cdf.reshape(len(LEAD_SOURCES) * _N_ACT, _N_ACT)


_CDF = _transition_cdf()


def _expected_case_length() -> float:
    """Mean events per case from the Markov chain's fundamental matrix (ignoring the cap)."""
    transient = [i for i in range(_N_ACT) if i not in set(_TERMINAL.tolist())]
    probs = np.diff(_CDF.reshape(len(LEAD_SOURCES), _N_ACT, _N_ACT), prepend=0.0, axis=2)
    mean = 0.0
    for s, w in enumerate(_SOURCE_WEIGHTS):
        q = probs[s][np.ix_(transient, transient)]
        visits = np.linalg.inv(np.eye(len(transient)) - q)[transient.index(0)]
        mean += w * (visits.sum() + 1.0)  # transient visits + the terminal event
    return float(mean)


_MEAN_CASE_LENGTH = _expected_case_length()


# --------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------


def _to_working_hours(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move epoch-second times forward into Mon-Fri 08:00-18:00 (never backwards)."""
    day, tod = np.divmod(t, _DAY_S)
    early = tod < _OPEN_S
    late = tod >= _CLOSE_S
    moved = early | late
    day = day + late
    # Out-of-hours work is picked up at some time during the (next) working day.
    pickup = rng.integers(_OPEN_S, _CLOSE_S, size=t.shape[0])
    tod = np.where(moved, pickup, tod)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday == 0
    day = day + np.where(weekday >= 5, 7 - weekday, 0)
    return day * _DAY_S + tod


def _simulate(n_cases: int, start_s: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Simulate ``n_cases`` cases; returns per-case and per-event arrays.

    Per case: lead-source code, region code, amount, number of events.  Per event (grouped
    by step, then case): case index, activity code, epoch seconds, resource code.
    """
    source = rng.choice(len(LEAD_SOURCES), size=n_cases, p=_SOURCE_WEIGHTS).astype(np.int8)
    region = rng.choice(len(REGIONS), size=n_cases, p=_REGION_WEIGHTS).astype(np.int8)
    owner = rng.integers(0, len(REPS), size=n_cases).astype(np.int8)
    source_value = np.array([1.0, 1.4, 1.8, 0.8])[source]
    amount = np.round(rng.lognormal(np.log(12_000.0), 0.7, size=n_cases) * source_value, 2)
    speed = _REGION_DELAY[region] * _REP_DELAY[owner]

    # Lead arrival: a random working day in the arrival window, during working hours.
    start_day = np.datetime64(start_s // _DAY_S, "D")
    bday = rng.integers(0, _ARRIVAL_BUSINESS_DAYS, size=n_cases)
    day = np.busday_offset(start_day, bday, roll="forward").astype(np.int64)
    t = day * _DAY_S + rng.integers(_OPEN_S, _CLOSE_S, size=n_cases)

    idx = np.arange(n_cases, dtype=np.int64)
    cur = np.zeros(n_cases, dtype=np.int64)  # every case starts with "Lead created"
    ev_case, ev_act, ev_time = [idx], [cur.astype(np.int8)], [t]
    for step in range(1, _MAX_STEPS):
        u = rng.random(idx.shape[0])
        rows = _CDF[source[idx].astype(np.int64) * _N_ACT + cur]
        nxt = (u[:, None] > rows).sum(axis=1)
        if step == _MAX_STEPS - 1:
            nxt[:] = _A["Lost"]
        # Delay: lognormal around the target activity's median, scaled for human steps.
        human = ~_IS_AUTOMATION[nxt]
        scale = np.where(human, speed[idx], 1.0)
        delay = np.exp(_LOG_MEDIAN[nxt] + _SIGMA[nxt] * rng.standard_normal(idx.shape[0]))
        t = t + np.maximum(np.rint(delay * scale), 1.0).astype(np.int64)
        wh = _WORKING_HOURS[nxt]
        if wh.any():
            t[wh] = _to_working_hours(t[wh], rng)
        ev_case.append(idx)
        ev_act.append(nxt.astype(np.int8))
        ev_time.append(t)
        running = ~np.isin(nxt, _TERMINAL)
        idx, cur, t = idx[running], nxt[running], t[running]
        if idx.shape[0] == 0:
            break

    case = np.concatenate(ev_case)
    act = np.concatenate(ev_act)
    ts = np.concatenate(ev_time)
    # Resource: automation for scoring / e-mails, else the owner (sometimes another rep).
    res = owner[case].astype(np.int8)
    handover = rng.random(case.shape[0]) < _HANDOVER_P
    res[handover] = rng.integers(0, len(REPS), size=int(handover.sum()), dtype=np.int8)
    res[_IS_AUTOMATION[act]] = _AUTOMATION
    length = np.bincount(case, minlength=n_cases)
    return source, region, amount, length, case, act, ts, res


def _select_rows(length: np.ndarray, n_events: int) -> tuple[np.ndarray, int, int] | None:
    """Pick cases for exactly ``n_events`` rows.

    Returns (whole cases taken, extra case or -1, rows kept of the extra case), or None if
    the simulated cases are too few.
    """
    csum = np.cumsum(length)
    k = int(np.searchsorted(csum, n_events, side="right"))  # first k cases fit
    if k == length.shape[0]:
        return None
    taken = csum[k - 1] if k else 0
    rest = n_events - int(taken)
    if rest == 0:
        return np.arange(k), -1, 0
    later = np.flatnonzero(length[k:] == rest)
    if later.shape[0]:  # a later whole case fits the remainder exactly
        return np.arange(k), k + int(later[0]), rest
    return np.arange(k), k, rest  # an open case: the prefix of case k


def _parse_start(start: str) -> int:
    ts = pd.Timestamp(start)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.normalize().timestamp())


def generate_crm_table(n_events: int, *, seed: int = 7, start: str = "2025-01-06") -> pa.Table:
    """Generate the CRM event log as a :class:`pyarrow.Table` (see :func:`generate_crm_log`).

    Columns, in order: ``case_id``, ``activity`` (string), ``timestamp``
    (timestamp[us, tz=UTC]), ``resource``, ``region``, ``lead_source`` (string) and
    ``amount`` (float64).  Rows are shuffled, as in :func:`generate_crm_log`.
    """
    if n_events < 0:
        raise ValueError("n_events must be >= 0")
    rng = np.random.default_rng(seed)
    start_s = _parse_start(start)

    # Simulate a few percent more cases than needed; top up in the rare case it is short.
    n_cases = int(n_events / _MEAN_CASE_LENGTH * 1.04) + 64
    parts = [_simulate(n_cases, start_s, rng)]
    while True:
        source, region, amount, length = (np.concatenate([p[i] for p in parts]) for i in range(4))
        picked = _select_rows(length, n_events)
        if picked is not None:
            break
        parts.append(_simulate(max(n_cases // 10, 64), start_s, rng))
    whole, extra, extra_rows = picked

    # Global case index of each event across the simulated parts.
    offsets = np.cumsum([0] + [p[0].shape[0] for p in parts[:-1]])
    case = np.concatenate([p[4] + off for p, off in zip(parts, offsets, strict=True)])
    act = np.concatenate([p[5] for p in parts])
    ts = np.concatenate([p[6] for p in parts])
    res = np.concatenate([p[7] for p in parts])

    n_whole = whole.shape[0]
    keep = case < n_whole
    if extra >= 0:
        in_extra = np.flatnonzero(case == extra)
        in_extra = in_extra[np.argsort(ts[in_extra], kind="stable")[:extra_rows]]
        keep[in_extra] = True
    rows = np.flatnonzero(keep)
    assert rows.shape[0] == n_events

    # Number the chosen cases in order of their creation time (D000001 is the first lead).
    chosen = np.append(whole, extra) if extra >= 0 else whole
    first_ts = np.full(length.shape[0], np.iinfo(np.int64).max)
    np.minimum.at(first_ts, case[rows], ts[rows])
    order = np.argsort(first_ts[chosen], kind="stable")
    number = np.empty(length.shape[0], dtype=np.int64)
    number[chosen[order]] = np.arange(1, chosen.shape[0] + 1)

    # Shuffle rows with the seed: consumers must not rely on any order.
    rows = rows[rng.permutation(rows.shape[0])]
    case, act, ts, res = case[rows], act[rows], ts[rows], res[rows]

    width = max(6, len(str(chosen.shape[0])))
    case_numbers = pa.array(np.arange(1, chosen.shape[0] + 1))
    case_names = pc.binary_join_element_wise(
        "D", pc.utf8_lpad(pc.cast(case_numbers, pa.string()), width, "0"), ""
    )

    def take(values: tuple[str, ...] | pa.Array, codes: np.ndarray) -> pa.Array:
        dictionary = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
        return pc.take(dictionary, pa.array(codes))

    return pa.table(
        {
            "case_id": take(case_names, number[case] - 1),
            "activity": take(ACTIVITIES, act),
            "timestamp": pa.array(ts * 1_000_000, pa.timestamp("us", tz="UTC")),
            "resource": take(RESOURCES, res),
            "region": take(REGIONS, region[case]),
            "lead_source": take(LEAD_SOURCES, source[case]),
            "amount": pa.array(amount[case], pa.float64()),
        }
    )


def generate_crm_log(n_events: int, *, seed: int = 7, start: str = "2025-01-06") -> pd.DataFrame:
    """Generate a seeded CRM lead-to-deal event log with exactly ``n_events`` rows.

    Args:
        n_events: number of rows (events) to return.
        seed: random seed; the same seed gives an identical frame.
        start: first day leads may arrive (leads arrive over ~260 working days from it).

    Returns:
        A DataFrame with columns ``case_id`` (e.g. ``"D000123"``, numbered in order of
        lead creation), ``activity``, ``timestamp`` (datetime64[us, UTC]), ``resource``
        (``rep01``..``rep12`` or ``automation``), ``region``, ``lead_source`` and
        ``amount`` (float deal value, constant per case).  Rows are in a seeded *random*
        order: sort by case and timestamp before mining.  All cases are complete except,
        possibly, one open case (a trace prefix) used to hit ``n_events`` exactly.
    """
    return generate_crm_table(n_events, seed=seed, start=start).to_pandas()


def _iso_utc(ts_us: np.ndarray) -> pa.Array:
    """Format epoch microseconds as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` strings, fast.

    Arrow's ``strftime`` / cast to string manage about 1M values a second; building the
    fixed-width text as a byte matrix with numpy is an order of magnitude faster.
    """
    n = ts_us.shape[0]
    width = 32
    secs, micro = np.divmod(ts_us, 1_000_000)
    day, tod = np.divmod(secs, _DAY_S)
    out = np.empty((n, width), dtype=np.uint8)
    if n:
        d0 = int(day.min())
        days = np.arange(d0, int(day.max()) + 1).astype("M8[D]")
        lut = np.frombuffer(
            "".join(str(d) for d in days.astype(str)).encode("ascii"), dtype=np.uint8
        ).reshape(-1, 10)
        out[:, 0:10] = lut[day - d0]
    out[:, 10] = ord("T")
    out[:, 13] = out[:, 16] = ord(":")
    out[:, 19] = ord(".")
    out[:, 26:32] = np.frombuffer(b"+00:00", dtype=np.uint8)
    hh, rest = np.divmod(tod, 3600)
    mm, ss = np.divmod(rest, 60)
    for col, value in ((11, hh), (14, mm), (17, ss)):
        out[:, col] = 48 + value // 10
        out[:, col + 1] = 48 + value % 10
    for col in range(25, 19, -1):
        micro, digit = np.divmod(micro, 10)
        out[:, col] = 48 + digit
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.reshape(-1)))


def _csv_ready(table: pa.Table) -> pa.Table:
    """Replace the timestamp column by ISO 8601 text with an explicit UTC offset."""
    i = table.schema.get_field_index("timestamp")
    micros = table.column(i).cast(pa.int64()).to_numpy()
    return table.set_column(i, "timestamp", _iso_utc(micros))


def write_crm_log(
    path: str | Path,
    n_events: int,
    *,
    seed: int = 7,
    format: Literal["csv", "parquet"] = "csv",
    start: str = "2025-01-06",
) -> Path:
    """Generate a log (see :func:`generate_crm_log`) and write it to ``path``.

    CSV timestamps look like ``2025-01-06T09:15:00.000000+00:00``; Parquet keeps a
    ``timestamp[us, tz=UTC]`` column.  Returns the path written.
    """
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = Path(path)
    table = generate_crm_table(n_events, seed=seed, start=start)
    if format == "csv":
        # Values never hold commas, quotes or newlines: write them (and the header) bare.
        options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)
        with pa.OSFile(str(path), "wb") as sink:
            sink.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(_csv_ready(table), sink, write_options=options)
    elif format == "parquet":
        pq.write_table(table, path)
    else:
        raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_logs._generate",
        description="Write a seeded, synthetic CRM lead-to-deal event log (rows shuffled).",
    )
    parser.add_argument("--events", type=int, default=100_000, help="number of rows")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--start", default="2025-01-06", help="first arrival day")
    parser.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default=None,
        help="output format (default: from the file suffix, else csv)",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="file to write")
    args = parser.parse_args(argv)
    fmt = args.format or ("parquet" if args.output.suffix in {".parquet", ".pq"} else "csv")
    began = time.perf_counter()
    write_crm_log(args.output, args.events, seed=args.seed, format=fmt, start=args.start)
    print(
        f"wrote {args.events:,} events to {args.output} in {time.perf_counter() - began:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

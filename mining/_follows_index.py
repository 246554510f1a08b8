"""FollowsIndex: a stored log's events in case order, built once, so the process map of any
filtered view is a few passes over arrays instead of a sorted scan of the events.

Built from the log in two steps, both in ``_queries.index``: a keyed copy of the events (case
identifiers replaced by case numbers, in an in-process DuckDB database) on which the view's
filter stack runs several times faster than on text identifiers, and three arrays in case order
(case number, activity code, time in microseconds). A view's map then needs the positions of its
events (one query on the keyed copy) and array passes. The numbers equal ``discover_dfg`` and
``activity_statistics`` on the view exactly: counts, sums of microseconds and the same linear
interpolation between order statistics as ``quantile_cont``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from functools import cache

import duckdb
import numpy as np
import pandas as pd

from mining._eventlog import EventLog
from mining._filters import Filter, FilterStack, Follows, filter_from_dict
from mining._queries import index as sql
from mining._results import DFG, Variants
from mining._scans import _dfg
from mining._sql import ident

_KEYED = "keyed_events"
_QUANTILES = (0.5, 0.9)


class FollowsIndex:
    """Directly-follows index of one stored log (one version of it): answers the activity
    statistics and the DFG of any filtered view of that log without re-scanning the events.

    Example:
        >>> index = FollowsIndex.build(store.load("crm"))                     # doctest: +SKIP
        >>> process_map(view, activities=0.5, index=index)                   # doctest: +SKIP
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        imported_at: datetime,
        names: list[str],
        case: np.ndarray,
        activity: np.ndarray,
        at: np.ndarray,
        case_ids: np.ndarray | None = None,
    ) -> None:
        self._con, self._lock = con, threading.Lock()
        self._case_ids = case_ids  # the case identifier of each case number
        self.name, self.imported_at = name, imported_at
        self._names, self._case, self._act, self._at = names, case, activity, at
        self._codes = {name: code for code, name in enumerate(names)}
        self._k = max(len(names), 1)
        self._same_case = case[1:] == case[:-1]  # event i and i + 1 belong to the same case
        first = np.flatnonzero(self._same_case)  # pairs (i, i + 1) of the whole log
        codes = activity[first].astype(np.int64) * self._k + activity[first + 1]
        gaps = at[first + 1] - at[first]
        order = np.lexsort((gaps, codes))  # by path, then gap: a filter keeps this order
        self._pair_first, self._pair_code, self._pair_gap = first[order], codes[order], gaps[order]
        self._case_first = np.concatenate(([True], ~self._same_case))
        self._case_last = np.concatenate((~self._same_case, [True]))
        by_activity = np.argsort(activity, kind="stable")  # by activity, then case order
        act, owner = activity[by_activity], case[by_activity]
        new = np.ones(len(by_activity), dtype=bool)
        new[1:] = (act[1:] != act[:-1]) | (owner[1:] != owner[:-1])
        self._by_activity = by_activity
        self._activity_first = np.zeros(len(activity), dtype=bool)  # first of its kind in a case
        self._activity_first[by_activity[new]] = True

    @classmethod
    def build(cls, log: EventLog) -> FollowsIndex:
        """Index an unfiltered stored (DuckDB) log: one sorted pass over its events."""
        if log.filters:
            raise ValueError("index the whole log, not a filtered view of it")
        keyed = sql.keyed_events(log.events_ref)
        described = log.connection.execute(sql.describe(keyed)).fetchall()
        columns = [(ident(name), dtype) for name, dtype, *_ in described]
        incoming = log.connection.sql(keyed).to_arrow_table()
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute(sql.create_keyed(_KEYED, columns))
        con.register("incoming", incoming)
        con.execute(sql.fill_keyed(_KEYED, "incoming"))
        con.unregister("incoming")
        del incoming
        names = [str(r[0]) for r in con.execute(sql.activity_names(_KEYED)).fetchall()]
        case_ids = log.connection.execute(sql.case_names(log.events_ref)).df()["case_id"]
        arrays = con.execute(sql.keyed_arrays(_KEYED)).fetchnumpy()
        return cls(
            con,
            log.name,
            log.meta.imported_at,
            names,
            np.asarray(arrays["case_id"], dtype=np.int64),
            np.asarray(arrays["activity_code"], dtype=np.int64),
            np.asarray(arrays["at"], dtype=np.int64),
            case_ids.to_numpy(),
        )

    def covers(self, log: EventLog) -> bool:
        """Whether ``log`` is this index's log (same name and import) or a filtered view of it
        whose filters do not match case identifiers by value (those stay on the events)."""
        return (
            log.name == self.name
            and log.meta.imported_at == self.imported_at
            and not any(f.get("column") == "case_id" for f in log.filters)
        )

    def events_of(self, log: EventLog) -> np.ndarray:
        """Which events (in case order) the view keeps, as a boolean mask. The filters run on
        the keyed copy, except trailing directly-follows filters (a click on a path of the map),
        which are read off the arrays: the same cases, without a sorted pass."""
        if not self.covers(log):
            raise ValueError(f"the index is of log {self.name!r}, not of this view")
        filters = [filter_from_dict(f) for f in log.filters]
        tail = len(filters)
        while tail and self._on_arrays(filters[tail - 1]):
            tail -= 1
        mask = self._run(FilterStack(filters[:tail]), log)
        for item in filters[tail:]:
            if isinstance(item, Follows):
                mask = self._directly_follows(mask, item)
        return mask

    def _on_arrays(self, item: Filter) -> bool:
        return (
            isinstance(item, Follows)
            and item.directly
            and item.first in self._codes
            and item.then in self._codes
            and all(a in self._codes for a in item.among)
        )

    def _run(self, stack: FilterStack, log: EventLog) -> np.ndarray:
        """The events kept by ``stack``, run on the keyed copy."""
        if not stack.filters:
            return np.ones(len(self._case), dtype=bool)
        with self._lock:
            cursor = self._con.cursor()  # one connection per call: threads do not share one
        try:
            keyed = EventLog(cursor, events_table=_KEYED, quarantine_table=_KEYED, meta=log.meta)
            view = stack.apply(keyed)
            positions = cursor.execute(sql.event_positions(view.events_ref)).fetchnumpy()
        finally:
            cursor.close()
        mask = np.zeros(len(self._case), dtype=bool)
        mask[np.asarray(positions[sql.POSITION], dtype=np.int64)] = True
        return mask

    def _directly_follows(self, mask: np.ndarray, item: Follows) -> np.ndarray:
        """``Follows(first, then)`` on the events in ``mask``: the cases where an event of
        ``first`` is followed by one of ``then`` among the kept events (and, with ``among``,
        counting only those activities' events), kept or dropped."""
        among = self._only(mask, item.among) if item.among else mask
        events = np.flatnonzero(among)
        case, act = self._case[events], self._act[events]
        hit = (
            (case[1:] == case[:-1])
            & (act[:-1] == self._codes[item.first])
            & (act[1:] == self._codes[item.then])
        )
        cases = np.zeros(int(self._case[-1]) + 1 if len(self._case) else 0, dtype=bool)
        cases[case[:-1][hit]] = True
        inside = cases[self._case]
        return mask & (inside if item.keep else ~inside)

    def _only(self, mask: np.ndarray, activities: Sequence[str]) -> np.ndarray:
        """The events of ``mask`` whose activity is one of ``activities``."""
        wanted = np.zeros(self._k, dtype=bool)
        wanted[[self._codes[a] for a in activities]] = True
        return mask & wanted[self._act]

    def sizes(self, log: EventLog) -> tuple[int, int]:
        """(events, cases) of a view of the indexed log, as ``n_events`` and ``n_cases``."""
        mask = self.events_of(log)
        case = self._case[mask]
        cases = int(np.count_nonzero(case[1:] != case[:-1])) + 1 if len(case) else 0
        return len(case), cases

    def _whole_cases(self, mask: np.ndarray) -> bool:
        """Whether ``mask`` keeps every case whole or not at all (case filters do)."""
        return not np.any((mask[1:] != mask[:-1]) & self._same_case)

    def activity_statistics(self, mask: np.ndarray) -> pd.DataFrame:
        """``activity_statistics`` of the events in ``mask``: events, cases, repeats."""
        events = np.bincount(self._act[mask], minlength=self._k)
        if self._whole_cases(mask):
            cases = np.bincount(self._act[mask & self._activity_first], minlength=self._k)
        else:
            kept = self._by_activity[mask[self._by_activity]]  # by activity, then case order
            act, case = self._act[kept], self._case[kept]
            new = np.ones(len(kept), dtype=bool)
            new[1:] = (act[1:] != act[:-1]) | (case[1:] != case[:-1])
            cases = np.bincount(act[new], minlength=self._k)
        present = np.flatnonzero(events)
        frame = pd.DataFrame(
            {
                "activity": [self._names[i] for i in present],
                "events": events[present].astype("int64"),
                "cases": cases[present].astype("int64"),
            }
        )
        frame["repeats"] = frame["events"] - frame["cases"]
        frame = frame.sort_values(["events", "activity"], ascending=[False, True], kind="stable")
        return frame.reset_index(drop=True)

    def dfg(self, mask: np.ndarray, activities: list[str] | None = None) -> DFG:
        """``discover_dfg`` of the events in ``mask``, keeping only ``activities`` if given
        (their events directly follow each other once the others are removed)."""
        if activities is None and self._whole_cases(mask):
            # every case kept whole or not at all: the log's pairs, still sorted
            starts = np.bincount(self._act[mask & self._case_first], minlength=self._k)
            ends = np.bincount(self._act[mask & self._case_last], minlength=self._k)
            chosen = mask[self._pair_first]
            codes, gaps = self._pair_code[chosen], self._pair_gap[chosen]
        else:
            keep = mask
            if activities is not None:
                keep = self._only(mask, activities)
            events = np.flatnonzero(keep)
            case, act = self._case[events], self._act[events]
            boundary = case[1:] != case[:-1]
            first = np.concatenate(([True], boundary)) if len(events) else boundary
            last = np.concatenate((boundary, [True])) if len(events) else boundary
            starts = np.bincount(act[first], minlength=self._k)
            ends = np.bincount(act[last], minlength=self._k)
            pair = ~boundary
            codes = act[:-1][pair].astype(np.int64) * self._k + act[1:][pair]
            at = self._at[events]
            codes, gaps = _sorted_pairs(codes, (at[1:] - at[:-1])[pair])
        edges = self._edge_rows(codes, gaps)
        return _dfg(edges, self._counts(starts), self._counts(ends))

    def _bounds(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kept events' positions, and where each kept case starts and ends among them."""
        events = np.flatnonzero(mask)
        case = self._case[events]
        starts = np.flatnonzero(np.concatenate(([True], case[1:] != case[:-1])))[: len(events)]
        ends = np.append(starts[1:], len(events)) if len(events) else starts
        return events, starts, ends

    def variants(self, mask: np.ndarray) -> Variants:
        """``get_variants`` of the events in ``mask``: each case's activities in case order,
        counted; most frequent first, then by the activities (codes follow the names' order, so
        the tie order is the store's)."""
        events, starts, ends = self._bounds(mask)
        codes = self._act[events].astype(np.uint32)
        raw, width = codes.tobytes(), codes.itemsize
        bounds = zip((starts * width).tolist(), (ends * width).tolist(), strict=True)
        found = Counter(raw[a:b] for a, b in bounds)
        keyed = [(np.frombuffer(k, dtype=np.uint32).tolist(), n) for k, n in found.items()]
        keyed.sort(key=lambda item: (-item[1], item[0]))
        table = pd.DataFrame(
            {
                "activities": [tuple(self._names[c] for c in k) for k, _ in keyed],
                "cases": [n for _, n in keyed],
            },
            columns=["activities", "cases"],
        )
        return Variants(table=table.astype({"cases": "int64"}))

    def case_statistics(self, mask: np.ndarray) -> pd.DataFrame | None:
        """``case_statistics`` of the events in ``mask`` (start, end, duration in seconds,
        events per case, in case order); None for an index built without case identifiers."""
        if self._case_ids is None:
            return None
        events, starts, ends = self._bounds(mask)
        at = self._at[events]
        first, last = at[starts], at[ends - 1]  # in case order the first is the earliest
        return pd.DataFrame(
            {
                "case_id": self._case_ids[self._case[events[starts]]],
                "start": pd.to_datetime(first, unit="us", utc=True),
                "end": pd.to_datetime(last, unit="us", utc=True),
                "duration_seconds": (last - first) / 1e6,
                "events": (ends - starts).astype("int64"),
            }
        )

    def _counts(self, counts: np.ndarray) -> dict[str, int]:
        return {self._names[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def _edge_rows(self, codes: np.ndarray, gaps: np.ndarray) -> list[tuple]:
        """One row per path from pairs sorted by path then gap: frequency, mean from the exact
        sum of microseconds, median and p90 as ``quantile_cont``, min and max."""
        if not len(codes):
            return []
        begin = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
        n = np.diff(np.append(begin, len(codes)))
        stop = begin + n - 1
        if int(gaps.max()) * int(n.max()) < 2**63:  # every path's sum fits in int64
            running = np.cumsum(gaps)  # may wrap past 2**63: differences stay exact
            totals = running[stop] - running[begin] + gaps[begin]
        else:  # exact Python integers
            totals = np.add.reduceat(gaps.astype(object), begin)
        means = np.array([float(t) for t in totals]) / n.astype(np.float64) / 1e6
        quantiles = []
        for q in _QUANTILES:
            rank = (n - 1).astype(np.float64) * q
            low_rank = np.floor(rank)
            low = gaps[begin + low_rank.astype(np.int64)] / 1e6
            high = gaps[begin + np.ceil(rank).astype(np.int64)] / 1e6
            quantiles.append(
                [
                    lo if d == 0 else _interpolate(lo, hi, d)
                    for lo, hi, d in zip(
                        low.tolist(), high.tolist(), (rank - low_rank).tolist(), strict=True
                    )
                ]
            )
        rows = zip(
            codes[begin].tolist(),
            n.tolist(),
            means.tolist(),
            quantiles[0],
            quantiles[1],
            (gaps[begin] / 1e6).tolist(),
            (gaps[stop] / 1e6).tolist(),
            strict=True,
        )
        return [
            (self._names[c // self._k], self._names[c % self._k], f, m, q5, q9, lo, hi)
            for c, f, m, q5, q9, lo, hi in rows
        ]


def _sorted_pairs(codes: np.ndarray, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ordered by path, then gap; one integer sort when both fit in 63 bits."""
    if not len(codes):
        return codes, gaps
    gap_bits = int(gaps.max()).bit_length()
    if int(codes.max()).bit_length() + gap_bits <= 63:
        key = np.sort((codes << gap_bits) | gaps)
        return key >> gap_bits, key & ((1 << gap_bits) - 1)
    order = np.lexsort((gaps, codes))
    return codes[order], gaps[order]


@cache
def _fused() -> bool:
    """Whether this DuckDB build computes ``lo * (1 - d) + hi * d`` with a fused multiply-add
    (compilers contract it on some platforms): asked once, on two values where the two differ."""
    lo, hi, d = 453207.0, 453513.0, 0.6000000000003638
    with duckdb.connect() as con:
        [(got,)] = con.execute(sql.interpolation_probe(lo, hi, d)).fetchall()
    return got == _fma(lo, 1.0 - d, hi * d)


def _fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _interpolate(lo: float, hi: float, d: float) -> float:
    """``quantile_cont``'s value between two order statistics, to the last bit."""
    return _fma(lo, 1.0 - d, hi * d) if _fused() else lo * (1.0 - d) + hi * d

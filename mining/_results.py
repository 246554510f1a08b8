"""Small frozen result types returned by the scans; each converts to a DataFrame or a dict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

EDGE_COLUMNS = [
    "source",
    "target",
    "frequency",
    "mean_seconds",
    "median_seconds",
    "p90_seconds",
    "min_seconds",
    "max_seconds",
]


@dataclass(frozen=True)
class DFG:
    """Directly-follows graph with frequency and gap statistics (seconds) on every edge."""

    edges: pd.DataFrame
    start_activities: dict[str, int]
    end_activities: dict[str, int]

    def frequencies(self) -> dict[tuple[str, str], int]:
        """``{(source, target): frequency}``, the shape pm4py's ``discover_dfg`` returns."""
        return {
            (s, t): int(f)
            for s, t, f in zip(
                self.edges["source"], self.edges["target"], self.edges["frequency"], strict=True
            )
        }

    def to_frame(self) -> pd.DataFrame:
        """The edge table."""
        return self.edges.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: edges with frequency and times, start and end activities."""
        edges = [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in self.edges[EDGE_COLUMNS].to_dict("records")
        ]
        return {
            "edges": edges,
            "start_activities": dict(self.start_activities),
            "end_activities": dict(self.end_activities),
        }


@dataclass(frozen=True)
class Variants:
    """Variants, most frequent first: each an ordered tuple of activities and its case count."""

    table: pd.DataFrame  # columns: activities (tuple[str, ...]), cases

    def __len__(self) -> int:
        return len(self.table)

    def to_dict(self) -> dict[tuple[str, ...], int]:
        """``{activities: cases}``, the shape pm4py's ``get_variants`` returns."""
        return {
            a: int(n) for a, n in zip(self.table["activities"], self.table["cases"], strict=True)
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per variant with its share of cases."""
        frame = self.table.copy()
        total = frame["cases"].sum()
        frame["share"] = frame["cases"] / total if total else 0.0
        frame["length"] = frame["activities"].map(len)
        return frame

    def to_list(self, top: int | None = None) -> list[dict[str, Any]]:
        """JSON-ready list of ``{"activities": [...], "cases": n}``."""
        rows = self.table if top is None else self.table.head(top)
        return [
            {"activities": list(a), "cases": int(n)}
            for a, n in zip(rows["activities"], rows["cases"], strict=True)
        ]

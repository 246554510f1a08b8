"""Pareto analysis: which few categories (loss reasons, deviations, complaint types, activities)
make up most of a total, counted or weighted by a value such as lost revenue.

Categories are sorted from the largest; the *vital few* are the shortest run of them, from the
top, whose cumulative share reaches the cut (80 % by default): the category that crosses the
cut is included. Categories beyond ``top`` are merged into one "other" bucket, drawn last
whatever its size and never part of the vital few.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from improvement._outcomes import outcome
from mining import EventLog, attribute_counts, case_table

COLUMNS = ["category", "count", "value", "share", "cumulative_share", "vital_few"]


@dataclass(frozen=True)
class Pareto:
    """A Pareto table: one row per category, largest first, with ``count`` (items), ``value``
    (the weight summed, or the count without weights), ``share`` and ``cumulative_share`` of
    the total value, and ``vital_few``. The last row may be the "other" bucket.

    Example:
        >>> p = pareto(pd.Series(["a", "b", "a", "c", "a", "b"]))
        >>> p.vital_few
        ['a', 'b']
        >>> p.sentence()
        '2 of 3 categories (a, b) make up 83.3% of 6 items (cut at 80%).'
    """

    table: pd.DataFrame
    by: str = "category"
    weight: str | None = None
    unit: str = "items"
    cut: float = 0.8
    missing: int = 0
    other: tuple[str, ...] = field(default_factory=tuple)

    @property
    def vital_few(self) -> list[str]:
        """The categories that together reach the cut, largest first."""
        return [str(c) for c in self.table.loc[self.table["vital_few"], "category"]]

    @property
    def total(self) -> float:
        """Total value (weight, or count) over the categories shown, "other" included."""
        return float(self.table["value"].sum())

    @property
    def n_items(self) -> int:
        """Items (cases, events or values) with a category."""
        return int(self.table["count"].sum())

    @property
    def n_categories(self) -> int:
        """Distinct categories, counting those merged into "other" one by one."""
        return len(self.table) - (1 if self.other else 0) + len(self.other)

    def vital_share(self) -> float:
        """Share of the total that the vital few make up."""
        return float(self.table.loc[self.table["vital_few"], "share"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def sentence(self) -> str:
        """The 80/20 finding in one sentence, saying how items were counted."""
        few = self.vital_few
        what = "categories" if self.by == "category" else f"{self.by} values"
        total = f"{self.n_items:,} {self.unit}"
        if self.weight:
            total = f"{self.weight} ({self.total:,.0f}) over {total}"
        text = (
            f"{len(few)} of {self.n_categories} {what} ({', '.join(few)}) make up "
            f"{self.vital_share():.1%} of {total} (cut at {self.cut:.0%})."
        )
        if few and self.vital_share() < self.cut - 1e-12:
            text += ' The named categories stop short of the cut: "other" holds the rest.'
        if not few:
            text = f"No {what} to rank: no {self.unit} have a value."
        if self.missing:
            text += f" {self.missing:,} {self.unit} without a value are left out."
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rows, the vital few, the cut, what was counted, and the sentence."""
        return {
            "by": self.by,
            "weight": self.weight,
            "unit": self.unit,
            "cut": self.cut,
            "missing": self.missing,
            "total": self.total,
            "vital_few": self.vital_few,
            "vital_share": self.vital_share(),
            "other": list(self.other),
            "rows": self.table.to_dict("records"),
            "sentence": self.sentence(),
        }


def _build(
    totals: pd.DataFrame,
    *,
    by: str,
    weight: str | None,
    unit: str,
    cut: float,
    top: int | None,
    missing: int,
) -> Pareto:
    """A Pareto from per-category ``count`` and ``value`` (``category`` as text)."""
    if not 0 < cut <= 1:
        raise ValueError(f"cut must be a share in (0, 1], not {cut!r}")
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, not {top!r}")
    frame = totals[["category", "count", "value"]].copy()
    frame["category"] = frame["category"].astype(str)
    frame = frame.sort_values(["value", "count", "category"], ascending=[False, False, True])
    other: tuple[str, ...] = ()
    if top is not None and len(frame) > top + 1:
        rest = frame.iloc[top:]
        other = tuple(rest["category"])
        bucket = pd.DataFrame(
            {
                "category": [f"other ({len(rest)} categories)"],
                "count": [rest["count"].sum()],
                "value": [rest["value"].sum()],
            }
        )
        frame = pd.concat([frame.iloc[:top], bucket], ignore_index=True)
    frame = frame.reset_index(drop=True).astype({"count": "int64", "value": "float64"})
    total = frame["value"].sum()
    frame["share"] = frame["value"] / total if total > 0 else 0.0
    frame["cumulative_share"] = frame["share"].cumsum()
    named = len(frame) - (1 if other else 0)
    reached = np.flatnonzero(frame["cumulative_share"].to_numpy()[:named] >= cut - 1e-12)
    last = int(reached[0]) if len(reached) else named - 1
    frame["vital_few"] = (frame.index <= last) & (frame.index < named) & (total > 0)
    return Pareto(
        table=frame[COLUMNS],
        by=by,
        weight=weight,
        unit=unit,
        cut=cut,
        missing=missing,
        other=other,
    )


def pareto(
    values: pd.Series,
    weights: pd.Series | None = None,
    *,
    top: int | None = 10,
    cut: float = 0.8,
    dropna: bool = True,
    unit: str = "items",
) -> Pareto:
    """Pareto of the categories in ``values``, counted, or weighted by ``weights`` (aligned
    with ``values``; a missing weight counts as 0, a negative one is an error).

    Missing categories are left out and counted in ``missing`` (``dropna=False`` keeps them as
    a category "(missing)"). Categories beyond ``top`` go into one "other" bucket.

    Example:
        >>> reasons = pd.Series(["not ready", "no budget", "not ready", "no follow-up"])
        >>> pareto(reasons, cut=0.5).vital_few
        ['not ready']
        >>> pareto(reasons, weights=pd.Series([1.0, 50.0, 1.0, 2.0])).vital_few
        ['no budget']
    """
    values = pd.Series(values)
    name = str(values.name) if values.name is not None else "category"
    frame = pd.DataFrame({"category": values.astype(object)})
    if weights is not None:
        weights = pd.Series(weights)
        if len(weights) != len(values):
            raise ValueError(f"{len(weights)} weights for {len(values)} values")
        numbers = pd.to_numeric(pd.Series(weights.to_numpy(), index=values.index), errors="coerce")
        if (numbers < 0).any():
            raise ValueError("weights must not be negative")
        frame["weight"] = numbers.fillna(0.0)
    else:
        frame["weight"] = 1.0
    missing = frame["category"].isna()
    if dropna:
        frame = frame[~missing]
    else:
        frame.loc[missing, "category"] = "(missing)"
    totals = (
        frame.groupby(frame["category"].astype(str), sort=False)
        .agg(count=("weight", "size"), value=("weight", "sum"))
        .reset_index()
    )
    weight = None
    if weights is not None:
        weight = str(weights.name) if weights.name is not None else "weight"
    return _build(
        totals,
        by=name,
        weight=weight,
        unit=unit,
        cut=cut,
        top=top,
        missing=int(missing.sum()) if dropna else 0,
    )


def pareto_of(
    log: EventLog,
    by: str,
    weight: str | None = None,
    *,
    level: Literal["case", "event"] = "case",
    top: int | None = 10,
    cut: float = 0.8,
    dropna: bool = True,
    where: str | None = None,
) -> Pareto:
    """Pareto of a column of a log, over cases or events.

    ``level="case"`` counts each case once, under its value of ``by`` (a case attribute, the
    resource, or ``variant`` / ``start_activity`` / ``end_activity``: see
    ``mining.case_table``), weighted by the case's value of ``weight`` (e.g. the deal amount,
    for lost revenue). ``level="event"`` counts events (``by`` may be ``activity``), weighted
    by the sum of ``weight`` over them. Restrict the cases first with a filter, e.g. only lost
    deals: ``FilterStack([EndActivities(("Deal lost",))]).apply(log)``, or, at case level,
    with ``where``: an outcome expression (``improvement.outcome``) the cases must match.

    Example:
        >>> lost = FilterStack([EndActivities(("Deal lost",))]).apply(log)  # doctest: +SKIP
        >>> pareto_of(lost, by="loss_reason").vital_few     # doctest: +SKIP
        ['not ready', 'no follow-up']
        >>> pareto_of(lost, by="loss_reason", weight="amount").sentence()   # doctest: +SKIP
        >>> pareto_of(log, by="rep", where="repeated 'Offer sent'").vital_few  # doctest: +SKIP
    """
    if level not in ("case", "event"):
        raise ValueError(f"level must be 'case' or 'event', not {level!r}")
    aliases = {log.mapping.resource: "resource"} if log.mapping.resource else {}
    if level == "event":
        if where is not None:
            raise ValueError("where selects cases: use it with level='case', or filter the log")
        columns = log.columns
        column = _column(by, columns, aliases, log.name)
        weight_column = None if weight is None else _column(weight, columns, aliases, log.name)
        counts = attribute_counts(log, column, weight_column)
        missing = counts["value"].isna()
        counts["value"] = counts["value"].astype(object).where(~missing, "(missing)")
        totals = pd.DataFrame(
            {
                "category": counts["value"],
                "count": counts["events"],
                "value": counts["weight"].fillna(0.0) if weight else counts["events"],
            }
        )
        n_missing = int(counts.loc[missing, "events"].sum())
        if dropna:
            totals = totals[~missing.to_numpy()]
        return _build(
            totals,
            by=by,
            weight=weight,
            unit="events",
            cut=cut,
            top=top,
            missing=n_missing if dropna else 0,
        )
    cases = case_table(log)
    columns = list(cases.columns)
    renamed = {name: column for column, name in cases.attrs.get("attributes", {}).items()}
    aliases = {**renamed, **aliases}
    if by not in columns and by not in aliases and by in log.columns:
        raise ValueError(
            f"{by!r} is a column of the events of log {log.name!r}, with many values per case: "
            "count it over events (--level event), or rank a column of the cases: "
            + ", ".join(sorted(set(columns) - {"case_id", "event_idx"}))
        )
    column = _column(by, columns, aliases, log.name)
    if where is not None:
        selected = outcome(log, where).values.reindex(cases["case_id"].to_numpy())
        cases = cases[selected.fillna(False).to_numpy(dtype=bool)]
    values = cases[column].rename(by)
    weights = None
    if weight is not None:
        weights = cases[_column(weight, columns, aliases, log.name)]
        if not pd.api.types.is_numeric_dtype(weights):
            raise ValueError(f"weight column {weight!r} is not numeric")
        weights = weights.rename(weight)
    return pareto(values, weights, top=top, cut=cut, dropna=dropna, unit="cases")


def _column(name: str, columns: list[str], aliases: dict[str, str], log_name: str) -> str:
    if name in aliases and aliases[name] in columns:
        return aliases[name]
    if name in columns:
        return name
    known = ", ".join(sorted({*columns, *aliases} - {"case_id", "event_idx"}))
    raise ValueError(f"log {log_name!r} has no column {name!r}; columns: {known}")

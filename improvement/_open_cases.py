"""The cases still in flight at the end of the log: where each one is, for how long, whether that
is longer than the design or the history allows (stuck), and what is at risk (amount × the share
of the closed cases from the same step that were lost).

A case is closed when it reached a won or lost activity (``KpiSettings.won`` / ``lost``, else the
log's vocabulary) or when its last activity is one that ends cases (the last event of its case
in at least ``end_share`` of its occurrences). A case quiet for longer than any closed case
took from start to end is counted as abandoned, not listed: in a historical extract these are
cases nobody closed, not work in flight. Every other case is open. "Now" is the log's
last event, so the same log gives the same answer on any day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import mining
from improvement._case_status import case_status
from improvement._kpi_base import KpiSettings
from improvement._locale import Text, check_lang, day, money, percent, span
from improvement._predictions import NotEnoughHistory, predict_open

OPEN_COLUMNS = (
    "rank",
    "case_id",
    "step",
    "since",
    "in_step_days",
    "age_days",
    "limit_days",
    "limit_source",
    "stuck",
    "over_limit",
    "loss_probability",
    "loss_basis",
    "amount",
    "value_at_risk",
    "expected_close",
    "close_low",
    "close_high",
)
_DAY = 86400.0


@dataclass(frozen=True)
class OpenCases:
    """The open cases of a log, ranked: stuck ones first, then by value at risk (amount × loss
    probability), else by how far past their step's limit they are. ``table`` has
    ``OPEN_COLUMNS``; ``steps`` the per-step history (``mining.step_dwell`` plus the lost
    share); ``notes`` say what could not be used and why."""

    table: pd.DataFrame
    steps: pd.DataFrame
    reference: pd.Timestamp
    quantile: float
    n_cases: int
    n_closed: int
    n_abandoned: int
    abandon_days: float
    won: tuple[str, ...]
    lost: tuple[str, ...]
    amount: str | None
    currency: str
    notes: tuple[Text, ...]
    predicted: bool = False

    @property
    def stuck(self) -> pd.DataFrame:
        """The open cases past their step's limit."""
        return self.table[self.table["stuck"]]

    def why(self, row: Mapping[str, Any], lang: str = "en") -> str:
        """One sentence on why a case is in the list: its step, time there, the limit and its
        source, the loss share behind its risk."""
        lang = check_lang(lang)
        step = row["step"]
        text = Text("In “{s}” for {d}", "En «{s}» desde hace {d}").format(
            s=step, d=span(row["in_step_days"], lang)
        )(lang)
        limit = row["limit_days"]
        if pd.notna(limit):
            source = {
                "design": Text("the designed wait", "la espera diseñada"),
                "history": Text(
                    "{q} of the cases moved on within it",
                    "el {q} de los casos siguió antes",
                ).format(q=percent(self.quantile, lang, 0)),
            }[row["limit_source"]]
            text += Text("; limit {l} ({w})", "; límite {l} ({w})").format(
                l=span(limit, lang), w=source
            )(lang)
        else:
            text += Text(
                "; too few cases left this step to set a limit",
                "; demasiados pocos casos salieron de este paso para fijar un límite",
            )(lang)
        if pd.notna(row["loss_probability"]) and row["loss_basis"] == "model":
            text += Text(
                "; the model puts its chance of being lost at {p}",
                "; el modelo estima en un {p} la probabilidad de perderlo",
            ).format(p=percent(row["loss_probability"], lang, 0))(lang)
        elif pd.notna(row["loss_probability"]):
            text += Text(
                "; {p} of the closed cases from this step were lost",
                "; se perdió el {p} de los casos cerrados desde este paso",
            ).format(p=percent(row["loss_probability"], lang, 0))(lang)
        if pd.notna(row.get("expected_close")):
            when = (
                Text("; expected to close {d} ({a} – {b})", "; cierre previsto el {d} ({a} – {b})")
                if row["expected_close"] >= self.reference
                else Text(
                    "; expected to have closed by {d} ({a} – {b}): overdue",
                    "; debía haber cerrado el {d} ({a} – {b}): con retraso",
                )
            )
            text += when.format(
                d=day(row["expected_close"], lang),
                a=day(row["close_low"], lang),
                b=day(row["close_high"], lang),
            )(lang)
        if pd.notna(row["value_at_risk"]):
            text += Text("; {v} at risk", "; {v} en riesgo").format(
                v=money(row["value_at_risk"], self.currency, lang)
            )(lang)
        return text + "."

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """The table with a ``why`` column in ``lang``."""
        frame = self.table.copy()
        frame["why"] = [self.why(row, lang) for _, row in frame.iterrows()]
        return frame

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """Plain data for JSON: the reference time, counts, what defined won / lost and the
        amount, the open cases with their reason, and the notes."""
        frame = self.to_frame(lang)
        for name in ("since", "expected_close", "close_low", "close_high"):
            frame[name] = frame[name].map(lambda t: None if pd.isna(t) else t.isoformat())
        rows = [
            {k: (None if _missing(v) else _plain(v)) for k, v in row.items()}
            for row in frame.to_dict("records")
        ]
        return {
            "reference": self.reference.isoformat(),
            "quantile": self.quantile,
            "cases": self.n_cases,
            "closed": self.n_closed,
            "abandoned": self.n_abandoned,
            "abandoned_after_days": self.abandon_days,
            "open": len(self.table),
            "stuck": int(self.table["stuck"].sum()),
            "won": list(self.won),
            "lost": list(self.lost),
            "amount": self.amount,
            "open_cases": rows,
            "notes": [n(lang) for n in self.notes],
        }


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not np.isfinite(value))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def open_cases(
    log: mining.EventLog,
    settings: KpiSettings | None = None,
    *,
    designed_waits: Mapping[str, float] | None = None,
    quantile: float = 0.9,
    end_share: float = 0.5,
    min_history: int = 5,
    predict: bool = False,
) -> OpenCases:
    """The cases still open at the log's last event, ranked (see :class:`OpenCases`).

    A case's limit in its step is ``designed_waits[step]`` (seconds, e.g. from a designed
    workflow) when given, else the ``quantile`` of the time the log's cases stayed after that
    step before their next event (at least ``min_history`` of them). Its loss probability is
    the lost share of the closed cases that passed the same step (the log's overall lost share
    when fewer than ``min_history`` did). With ``predict``, the models of
    ``improvement.predict_open`` give each case's loss probability (``loss_basis`` "model")
    and its expected close with an 80 % interval; with too few closed cases to learn from, a
    note says so and the shares stay.

    Example:
        >>> found = open_cases(log)                                   # doctest: +SKIP
        >>> found.stuck[["case_id", "step", "in_step_days", "limit_days"]].head()  # doctest: +SKIP
    """
    status = case_status(log, settings, quantile=quantile, end_share=end_share)
    settings = settings or KpiSettings()
    steps, cases, amount, lost = status.steps, status.cases, status.amount, status.lost
    reference = status.reference
    quiet = (reference - cases["end"]).dt.total_seconds()
    open_ = cases[status.open.to_numpy()]
    step = open_["end_activity"].astype(str)
    in_step = quiet[open_.index]
    # a designed wait of zero (the next step follows at once) leaves the limit to the history
    design = {str(k): float(v) for k, v in (designed_waits or {}).items() if v > 0}
    history = steps["dwell_limit_seconds"].where(steps["moved_on"] >= min_history)
    limit = step.map(lambda s: design.get(s, np.nan)).astype(float)
    source = pd.Series(np.where(limit.notna(), "design", "history"), index=open_.index)
    limit = limit.fillna(step.map(history).astype(float))
    source = source.where(limit.notna(), None)
    decided_at = step.map(steps["decided"]).fillna(0)
    rate = step.map(steps["lost"] / steps["decided"].where(steps["decided"] > 0))
    if lost:
        basis = np.where(decided_at >= min_history, "step", "log")
        loss = np.where(decided_at >= min_history, rate, status.overall_lost).astype(float)
    else:
        basis, loss = np.full(len(open_), None), np.full(len(open_), np.nan)
    value = (
        pd.to_numeric(open_[amount], errors="coerce")
        if amount is not None and amount in open_
        else pd.Series(np.nan, index=open_.index)
    )
    table = pd.DataFrame(
        {
            "case_id": open_.index.to_numpy(),
            "step": step.to_numpy(),
            "since": open_["end"].to_numpy(),
            "in_step_days": (in_step / _DAY).to_numpy(),
            "age_days": ((reference - open_["start"]).dt.total_seconds() / _DAY).to_numpy(),
            "limit_days": (limit / _DAY).to_numpy(),
            "limit_source": source.to_numpy(),
            "loss_probability": loss,
            "loss_basis": basis,
            "amount": value.to_numpy(dtype=float),
        }
    )
    table["since"] = pd.to_datetime(table["since"], utc=True)
    for name in ("expected_close", "close_low", "close_high"):
        table[name] = pd.Series(pd.NaT, index=table.index, dtype="datetime64[us, UTC]")
    notes, predicted = list(status.notes), False
    if predict and len(table):
        try:
            found = predict_open(log, settings, status=status)
        except NotEnoughHistory as error:
            notes.append(
                Text("No predictions: {e}.", "Sin predicciones: {e}.").format(e=str(error))
            )
        else:
            model = found.table.set_index("case_id").reindex(table["case_id"])
            for name in ("expected_close", "close_low", "close_high"):
                table[name] = model[name].to_numpy()
            if model["loss_probability"].notna().any():
                table["loss_probability"] = model["loss_probability"].to_numpy()
                table["loss_basis"] = "model"
            notes.extend(found.notes)
            predicted = True
    table["stuck"] = (table["in_step_days"] > table["limit_days"]).fillna(False).astype(bool)
    table["over_limit"] = table["in_step_days"] / table["limit_days"]
    table["value_at_risk"] = table["amount"] * table["loss_probability"]
    table = table.sort_values(
        ["stuck", "value_at_risk", "over_limit", "case_id"],
        ascending=[False, False, False, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return OpenCases(
        table=table[list(OPEN_COLUMNS)],
        steps=steps.reset_index(),
        reference=reference,
        quantile=float(quantile),
        n_cases=len(cases),
        n_closed=int(status.closed.sum()),
        n_abandoned=int(status.abandoned.sum()),
        abandon_days=status.abandon_seconds / _DAY,
        won=status.won,
        lost=lost,
        amount=amount,
        currency=settings.currency,
        notes=tuple(notes),
        predicted=predicted,
    )

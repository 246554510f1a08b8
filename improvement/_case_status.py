"""Where each case of a log stands at the log's last event: closed (won, lost, or ended by an
activity that ends cases), abandoned (quiet for longer than any closed case took), or open.
Open cases and predictions share this one reading, so a case is "open" in the same sense in
the list, in the model and in its test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import mining
from improvement._kpi_base import KpiContext, KpiSettings
from improvement._locale import Text, number


@dataclass(frozen=True)
class CaseStatus:
    """Per case (``cases``, indexed by ``case_id``, from ``mining.case_table``): the
    ``closed``, ``abandoned``, ``decided`` (reached a won or lost activity) and ``lost_flag``
    flags; per activity ``steps`` (``mining.step_dwell`` plus ``lost`` and ``decided``: how
    many decided cases passed it and how many of those were lost)."""

    cases: pd.DataFrame
    steps: pd.DataFrame
    closed: pd.Series
    abandoned: pd.Series
    decided: pd.Series
    lost_flag: pd.Series
    reference: pd.Timestamp
    abandon_seconds: float
    won: tuple[str, ...]
    lost: tuple[str, ...]
    amount: str | None
    notes: tuple[Text, ...]

    @property
    def open(self) -> pd.Series:
        """The cases neither closed nor abandoned."""
        return ~self.closed & ~self.abandoned

    @property
    def overall_lost(self) -> float:
        """The lost share of the decided cases (NaN when none is decided)."""
        return float(self.lost_flag[self.decided].mean()) if self.decided.any() else np.nan


def case_status(
    log: mining.EventLog,
    settings: KpiSettings | None = None,
    *,
    quantile: float = 0.9,
    end_share: float = 0.5,
) -> CaseStatus:
    """Read every case's state at the log's last event (see :class:`CaseStatus`); an
    activity ends cases when it is the last event of its case in ``end_share`` of its
    occurrences."""
    if not 0 < end_share <= 1:
        raise ValueError(f"end_share must be in (0, 1], not {end_share!r}")
    settings = settings or KpiSettings()
    ctx = KpiContext(log, settings)
    won, lost = tuple(ctx.labels("won")), tuple(ctx.labels("lost"))
    amount = ctx.column("amount", required=False)
    notes: list[Text] = []
    steps = mining.step_dwell(log, quantile).set_index("activity")
    cases = mining.case_table(log)
    acts = mining.case_activities(log)
    if not len(cases):
        raise ValueError("the log has no cases")
    reference = pd.Timestamp(cases["end"].max())
    cases = cases.set_index("case_id")
    ids = cases.index
    lost_ids = set(acts.loc[acts["activity"].isin(lost), "case_id"])
    decided = pd.Series(
        ids.isin(set(acts.loc[acts["activity"].isin(won + lost), "case_id"])), index=ids
    )
    ending = set(steps.index[steps["last_share"] >= end_share])
    closed = decided | pd.Series(cases["end_activity"].isin(ending).to_numpy(), index=ids)
    if not won and not lost:
        notes.append(
            Text(
                "No won or lost activity found (settings won / lost): a case is closed when "
                "its last activity ends cases; no loss probability.",
                "No hay actividad de ganado ni de perdido (ajustes won / lost): un caso está "
                "cerrado si su última actividad cierra casos; sin probabilidad de pérdida.",
            )
        )
    lost_flag = pd.Series(ids.isin(list(lost_ids)), index=ids)
    passed = acts[acts["case_id"].isin(set(ids[decided.to_numpy()]))][["case_id", "activity"]]
    passed = passed.assign(lost=lost_flag.reindex(passed["case_id"]).to_numpy())
    by_step = passed.groupby("activity")["lost"].agg(["sum", "count"])
    steps = steps.join(by_step.rename(columns={"sum": "lost", "count": "decided"}))
    steps[["lost", "decided"]] = steps[["lost", "decided"]].fillna(0).astype("int64")

    quiet = (reference - cases["end"]).dt.total_seconds()
    durations = cases.loc[closed.to_numpy(), "duration_seconds"]
    abandon = float(durations.max()) if len(durations) else np.inf
    abandoned = ~closed & (quiet > abandon)
    if abandoned.any():
        left = int(abandoned.sum())
        many = Text(
            "{n} cases left aside as abandoned: quiet for more than {d} days, longer than "
            "any closed case took from start to end.",
            "{n} casos apartados como abandonados: sin actividad desde hace más de {d} "
            "días, más de lo que tardó de principio a fin cualquier caso cerrado.",
        )
        one = Text(
            "One case left aside as abandoned: quiet for more than {d} days, longer than "
            "any closed case took from start to end.",
            "Un caso apartado como abandonado: sin actividad desde hace más de {d} días, más "
            "de lo que tardó de principio a fin cualquier caso cerrado.",
        )
        days = abandon / 86400.0
        notes.append(
            (many if left > 1 else one).format(
                n=left, d=Text(number(days, "en"), number(days, "es"))
            )
        )
    return CaseStatus(
        cases=cases,
        steps=steps,
        closed=closed,
        abandoned=abandoned,
        decided=decided,
        lost_flag=lost_flag,
        reference=reference,
        abandon_seconds=abandon,
        won=won,
        lost=lost,
        amount=amount,
        notes=tuple(notes),
    )

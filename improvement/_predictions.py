"""Predictions for the cases still open: how long until each closes (with an interval) and how
likely it is to be lost, learnt from the prefixes of the closed cases, and the honest test of
both: train on the cases that closed before a cut-off date, test on the cases that started after.

The model library is scikit-learn: its histogram gradient boosting handles missing values and
category codes natively, learns the median and the quantiles (absolute-error and quantile
losses) and runs in-process with no compiler or GPU, on the two cores a small team's machine
has; lightgbm would be a second native dependency for the same trees. The interval is
conformalised on cases held out of the fit (the most recent quarter of the training cases), so
its coverage is measured, not assumed; the loss probability is calibrated on the same cases
(isotonic regression). The baseline to beat is what a dashboard shows without a model: the
median remaining time, and the lost share, of the training prefixes that ended in the same
activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import mining
from improvement._case_status import CaseStatus, case_status
from improvement._kpi_base import KpiSettings
from improvement._kpi_customer import _auc
from improvement._locale import Text, day, number, percent, span
from improvement._prediction_features import Encoder, Prefixes, prefixes

_DAY = 86400.0
_MIN_CASES = 30
_MIN_ROWS = 200
_CALIBRATION = 0.25
_MIN_HELD_OUT = 40
_REMAINING = ("remaining_days", "low_days", "high_days", "baseline_days")
_LOSS = ("loss_probability", "baseline_probability")
# shallow, slow-learning trees: prefixes of one case are alike, so a few hundred cases are
# a small sample however many rows they make
_TREES = {
    "max_iter": 150,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}
_WEIGHTS = np.linspace(0, 1, 11)


class NotEnoughHistory(ValueError):
    """Too few closed cases to learn from (or to test on)."""


@dataclass
class _Models:
    """The fitted models of one training set and the baseline beside them."""

    encoder: Encoder
    median: Any
    low: Any
    high: Any
    widen: float
    weight: float
    classifier: Any | None
    calibrator: Any | None
    mix: float
    base_remaining: pd.Series
    base_remaining_all: float
    base_lost: pd.Series | None
    base_lost_all: float

    def predict(self, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """For each prefix row, the predicted ``remaining_days`` with its ``low_days`` and
        ``high_days`` bounds and the ``baseline_days``; then the ``loss_probability`` and the
        ``baseline_probability`` (None without an outcome). The rows are encoded once."""
        has_outcome = self.classifier is not None and self.base_lost is not None
        if rows.empty:
            empty = np.empty(0)
            remaining = pd.DataFrame(dict.fromkeys(_REMAINING, empty), index=rows.index)
            loss = pd.DataFrame(dict.fromkeys(_LOSS, empty), index=rows.index)
            return remaining, loss if has_outcome else None
        x = self.encoder.transform(rows)
        base = rows["activity"].map(self.base_remaining).fillna(self.base_remaining_all)
        mid = self.weight * np.maximum(self.median.predict(x), 0)
        mid += (1 - self.weight) * base.to_numpy(dtype=float)
        low = np.maximum(self.low.predict(x) - self.widen, 0)
        high = np.maximum(self.high.predict(x) + self.widen, mid)
        remaining = pd.DataFrame(
            {
                "remaining_days": mid,
                "low_days": np.minimum(low, mid),
                "high_days": high,
                "baseline_days": base.to_numpy(dtype=float),
            },
            index=rows.index,
        )
        if not has_outcome:
            return remaining, None
        p = self.classifier.predict_proba(x)[:, 1]
        if self.calibrator is not None:
            p = self.calibrator.predict(p)
        base = rows["activity"].map(self.base_lost).fillna(self.base_lost_all)
        p = self.mix * p + (1 - self.mix) * base.to_numpy(dtype=float)
        loss = pd.DataFrame(
            {"loss_probability": p, "baseline_probability": base.to_numpy(dtype=float)},
            index=rows.index,
        )
        return remaining, loss


def _training_rows(data: Prefixes, cases: pd.Index) -> pd.DataFrame:
    """The prefixes a model learns from: of the given closed cases, each prefix before the
    case's won or lost event and before its last event (an open case is never at either)."""
    frame = data.frame
    keep = frame["case_id"].isin(cases) & ~frame["decided"] & ~frame["last"]
    return frame[keep]


def _fit(data: Prefixes, cases: pd.DataFrame, coverage: float) -> _Models:
    """Fit the models on the prefixes of ``cases`` (closed cases, with ``start``): the oldest
    three quarters for the fit, the newest quarter to conformalise and calibrate."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.isotonic import IsotonicRegression

    rows = _training_rows(data, cases.index)
    if len(cases) < _MIN_CASES or len(rows) < _MIN_ROWS:
        raise NotEnoughHistory(
            f"{len(cases)} closed cases with {len(rows)} prefixes to learn from; "
            f"predictions need at least {_MIN_CASES} cases and {_MIN_ROWS} prefixes"
        )
    order = cases.sort_values(["start"], kind="stable").index
    cut = round(len(order) * (1 - _CALIBRATION))
    fit_rows = rows[rows["case_id"].isin(order[:cut])]
    cal_rows = rows[rows["case_id"].isin(order[cut:])]
    encoder = Encoder(data.attributes).fit(fit_rows)
    x_fit, x_cal = encoder.transform(fit_rows), encoder.transform(cal_rows)
    categorical = [c in encoder.categorical for c in x_fit.columns]
    y_fit = fit_rows["remaining_days"].to_numpy()
    alpha = (1 - coverage) / 2

    def regressor(**loss: Any) -> Any:
        model = HistGradientBoostingRegressor(
            categorical_features=categorical, random_state=0, **_TREES, **loss
        )
        return model.fit(x_fit, y_fit)

    median = regressor(loss="absolute_error")
    low = regressor(loss="quantile", quantile=alpha)
    high = regressor(loss="quantile", quantile=1 - alpha)
    y_cal = cal_rows["remaining_days"].to_numpy()
    base_remaining = rows.groupby("activity")["remaining_days"].median()
    base_all = float(rows["remaining_days"].median())
    base_cal = cal_rows["activity"].map(base_remaining).fillna(base_all).to_numpy(float)
    mid_cal = np.maximum(median.predict(x_cal), 0)
    errors = [np.abs(w * mid_cal + (1 - w) * base_cal - y_cal).mean() for w in _WEIGHTS]
    weight = float(_WEIGHTS[int(np.argmin(errors))]) if len(y_cal) else 1.0
    scores = np.maximum(low.predict(x_cal) - y_cal, y_cal - high.predict(x_cal))
    level = min(1.0, np.ceil((len(scores) + 1) * coverage) / max(len(scores), 1))
    widen = float(np.quantile(scores, level)) if len(scores) else 0.0

    classifier = calibrator = None
    base_lost, base_lost_all, mix = None, np.nan, 1.0
    known_fit = fit_rows["lost"].notna()
    y_known = fit_rows.loc[known_fit, "lost"]
    if y_known.nunique() == 2:
        known_rows = rows[rows["lost"].notna()]
        base_lost = known_rows.groupby("activity")["lost"].mean()
        base_lost_all = float(known_rows["lost"].mean())
        classifier = HistGradientBoostingClassifier(
            categorical_features=categorical, random_state=0, **_TREES
        ).fit(x_fit[known_fit.to_numpy()], y_known.to_numpy(dtype=int))
        known_cal = cal_rows["lost"].notna().to_numpy()
        y_cal_lost = cal_rows.loc[known_cal, "lost"].to_numpy(dtype=int)
        if len(set(y_cal_lost)) == 2:
            raw = classifier.predict_proba(x_cal[known_cal])[:, 1]
            calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
            p_cal = calibrator.fit(raw, y_cal_lost).predict(raw)
            b_cal = cal_rows.loc[known_cal, "activity"].map(base_lost)
            b_cal = b_cal.fillna(base_lost_all).to_numpy(dtype=float)
            briers = [np.mean((w * p_cal + (1 - w) * b_cal - y_cal_lost) ** 2) for w in _WEIGHTS]
            mix = float(_WEIGHTS[int(np.argmin(briers))])
        held_out = cal_rows.loc[known_cal, "case_id"].nunique()
        if held_out < _MIN_HELD_OUT:  # too few to trust the model over the baseline
            mix = 0.0
    return _Models(
        encoder=encoder,
        median=median,
        low=low,
        high=high,
        widen=widen,
        classifier=classifier,
        calibrator=calibrator,
        mix=mix,
        weight=weight,
        base_remaining=base_remaining,
        base_remaining_all=base_all,
        base_lost=base_lost,
        base_lost_all=base_lost_all,
    )


def _known_cases(status: CaseStatus) -> pd.DataFrame:
    """The closed cases (their remaining time is known)."""
    return status.cases[status.closed.to_numpy() & ~status.abandoned.to_numpy()]


PREDICTION_COLUMNS = (
    "case_id",
    "step",
    "last_event",
    "remaining_days",
    "low_days",
    "high_days",
    "expected_close",
    "close_low",
    "close_high",
    "overdue",
    "loss_probability",
)


@dataclass(frozen=True)
class Predictions:
    """Per open case (``table``, ``PREDICTION_COLUMNS``): the predicted time from its last
    event to its close with a ``coverage`` interval, the dates that gives, whether that date
    has already passed at the log's end (``overdue``), and the probability it is lost (NaN
    without a won / lost outcome). ``trained_on`` closed cases; ``notes`` say what was left
    out."""

    table: pd.DataFrame
    coverage: float
    trained_on: int
    reference: pd.Timestamp
    notes: tuple[Text, ...] = field(default=())


def predict_open(
    log: mining.EventLog,
    settings: KpiSettings | None = None,
    *,
    coverage: float = 0.8,
    status: CaseStatus | None = None,
) -> Predictions:
    """Predict, for every open case (see ``improvement.open_cases``), its close and its loss
    probability, from models trained on all the log's closed cases.

    Raises :class:`NotEnoughHistory` with fewer than 30 closed cases.

    Example:
        >>> found = predict_open(log)                                  # doctest: +SKIP
        >>> found.table[["case_id", "expected_close", "loss_probability"]].head()  # doctest: +SKIP
    """
    _check_coverage(coverage)
    status = status or case_status(log, settings)
    data = prefixes(log, status)
    known = _known_cases(status)
    models = _fit(data, known, coverage)
    open_ids = status.cases.index[status.open.to_numpy()]
    frame = data.frame
    current = frame[frame["last"] & frame["case_id"].isin(open_ids)]
    remaining, loss = models.predict(current)
    last = current["timestamp"]
    table = pd.DataFrame(
        {
            "case_id": current["case_id"].to_numpy(),
            "step": current["activity"].to_numpy(),
            "last_event": last.to_numpy(),
            "remaining_days": remaining["remaining_days"].to_numpy(),
            "low_days": remaining["low_days"].to_numpy(),
            "high_days": remaining["high_days"].to_numpy(),
        }
    )
    table["last_event"] = pd.to_datetime(table["last_event"], utc=True)
    for name, days in (
        ("expected_close", "remaining_days"),
        ("close_low", "low_days"),
        ("close_high", "high_days"),
    ):
        table[name] = table["last_event"] + pd.to_timedelta(table[days] * _DAY, unit="s")
    table["overdue"] = table["expected_close"] < status.reference
    table["loss_probability"] = (
        loss["loss_probability"].to_numpy() if loss is not None else np.full(len(table), np.nan)
    )
    return Predictions(
        table=table[list(PREDICTION_COLUMNS)],
        coverage=coverage,
        trained_on=len(known),
        reference=status.reference,
        notes=data.notes,
    )


@dataclass(frozen=True)
class PredictionEvaluation:
    """The honest test of the predictions: models trained on the cases closed before
    ``cutoff``, scored on every prefix of the cases that started on or after it (and closed).
    ``mae_days`` / ``baseline_mae_days``: mean absolute error of the remaining time;
    ``coverage``: the share of true remaining times inside the interval (asked:
    ``coverage_target``), ``interval_days`` its median width; ``auc`` / ``brier`` and their
    baselines for the loss probability (NaN without an outcome or with one class only)."""

    cutoff: pd.Timestamp
    train_cases: int
    test_cases: int
    test_prefixes: int
    mae_days: float
    baseline_mae_days: float
    coverage: float
    coverage_target: float
    interval_days: float
    auc: float
    baseline_auc: float
    brier: float
    baseline_brier: float
    outcome_prefixes: int
    notes: tuple[Text, ...] = field(default=())

    @property
    def mae_ratio(self) -> float:
        """The model's error as a share of the baseline's (below 1: the model is better)."""
        return self.mae_days / self.baseline_mae_days if self.baseline_mae_days else np.nan

    def describe(self, lang: str = "en") -> str:
        """The test in two sentences: the remaining time's error against the baseline's, the
        interval's coverage, and the loss probability's AUC and Brier score."""
        text = Text(
            "Tested on {n} cases started from {d} (trained on {t} closed before): remaining time "
            "off by {m} on average (baseline, the median per last step: {b}); {c} of the true "
            "times inside the {k} interval.",
            "Probado con {n} casos iniciados desde el {d} (entrenado con {t} cerrados antes): "
            "el tiempo restante falla de media en {m} (referencia, la mediana por último paso: "
            "{b}); el {c} de los tiempos reales cae en el intervalo del {k}.",
        ).format(
            n=number(self.test_cases, lang, 0),
            d=day(self.cutoff, lang),
            t=number(self.train_cases, lang, 0),
            m=span(self.mae_days, lang),
            b=span(self.baseline_mae_days, lang),
            c=percent(self.coverage, lang, 0),
            k=percent(self.coverage_target, lang, 0),
        )(lang)
        if self.auc == self.auc:
            text += " " + Text(
                "Loss probability: AUC {a} (baseline {ab}), Brier score {s} (baseline {sb}).",
                "Probabilidad de pérdida: AUC {a} (referencia {ab}), Brier {s} (referencia {sb}).",
            ).format(
                a=number(self.auc, lang, 2),
                ab=number(self.baseline_auc, lang, 2),
                s=number(self.brier, lang, 3),
                sb=number(self.baseline_brier, lang, 3),
            )(lang)
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (NaN as None)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if key == "notes":
                continue
            if isinstance(value, pd.Timestamp):
                value = value.isoformat()
            elif isinstance(value, float) and not np.isfinite(value):
                value = None
            out[key] = value
        ratio = self.mae_ratio
        out["mae_ratio"] = ratio if np.isfinite(ratio) else None
        return out


def evaluate_predictions(
    log: mining.EventLog,
    settings: KpiSettings | None = None,
    *,
    cutoff: pd.Timestamp | str | None = None,
    coverage: float = 0.8,
    status: CaseStatus | None = None,
) -> PredictionEvaluation:
    """Train on the cases that closed before ``cutoff`` (default: the start of the newest
    30 % of the cases), test on the closed cases that started on or after it; no later event
    reaches a training prefix, and the test cases' own prefixes only see their past.

    Raises :class:`NotEnoughHistory` when either side has too few cases.

    Example:
        >>> result = evaluate_predictions(log)                             # doctest: +SKIP
        >>> result.mae_days, result.baseline_mae_days                   # doctest: +SKIP
    """
    _check_coverage(coverage)
    status = status or case_status(log, settings)
    known = _known_cases(status)
    starts = status.cases["start"]
    if cutoff is None:
        cutoff = starts.sort_values().iloc[int(len(starts) * 0.7)]
    cutoff = pd.Timestamp(cutoff)
    if cutoff.tzinfo is None:
        cutoff = cutoff.tz_localize("UTC")
    train = known[known["end"] < cutoff]
    test = known[known["start"] >= cutoff]
    if len(test) < 10:
        raise NotEnoughHistory(
            f"{len(test)} closed cases started on or after {cutoff:%Y-%m-%d}; "
            "the test needs at least 10"
        )
    data = prefixes(log, status)
    models = _fit(data, train, coverage)
    rows = _training_rows(data, test.index)
    remaining, loss = models.predict(rows)
    truth = rows["remaining_days"].to_numpy()
    inside = (truth >= remaining["low_days"]) & (truth <= remaining["high_days"])
    auc = base_auc = brier = base_brier = np.nan
    known_rows = rows["lost"].notna().to_numpy()
    y = rows.loc[known_rows, "lost"].to_numpy(dtype=int)
    if loss is not None and len(set(y)) == 2:
        p, b = loss["loss_probability"][known_rows], loss["baseline_probability"][known_rows]
        p, b = np.asarray(p, dtype=float), np.asarray(b, dtype=float)
        auc, base_auc = _auc(y, p), _auc(y, b)
        brier, base_brier = float(np.mean((p - y) ** 2)), float(np.mean((b - y) ** 2))
    return PredictionEvaluation(
        cutoff=cutoff,
        train_cases=len(train),
        test_cases=int(rows["case_id"].nunique()),
        test_prefixes=len(rows),
        mae_days=float(np.mean(np.abs(remaining["remaining_days"] - truth))),
        baseline_mae_days=float(np.mean(np.abs(remaining["baseline_days"] - truth))),
        coverage=float(inside.mean()),
        coverage_target=coverage,
        interval_days=float(np.median(remaining["high_days"] - remaining["low_days"])),
        auc=float(auc),
        baseline_auc=float(base_auc),
        brier=float(brier),
        baseline_brier=float(base_brier),
        outcome_prefixes=int(known_rows.sum()) if loss is not None else 0,
        notes=data.notes,
    )


def _check_coverage(coverage: float) -> None:
    if not 0.5 <= coverage < 1:
        raise ValueError(f"coverage must be in [0.5, 1), not {coverage!r}")

"""Forecasts of KPI series with prediction intervals: statsmodels' ETS (exponential smoothing
state-space models), the level-only ETS(A,N,N) or, with enough points, the damped-trend
ETS(A,Ad,N) when its AICc is lower.

    forecast_series([18.0, 20.5, 17.2, 19.9, 21.0, 18.4, 19.1], horizon=4).to_frame()
    forecast_check(values, holdout=3)    # did the last 3 points leave their forecast interval?
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from threadpoolctl import threadpool_limits

MIN_POINTS = 6  # fewer points cannot estimate a level and its noise
TREND_POINTS = 24  # fewer cannot tell a (damped) trend from noise


@dataclass(frozen=True)
class Forecast:
    """Point forecasts (``mean``) with ``lower`` / ``upper`` prediction-interval bounds at
    ``level`` for ``horizon`` steps after the ``fitted_on`` points; ``model`` names the ETS form.

    Example:
        >>> f = forecast_series([18.0, 20.5, 17.2, 19.9, 21.0, 18.4, 19.1], horizon=2)
        >>> f.model, len(f.mean), f.lower[0] < f.mean[0] < f.upper[0]
        ('ETS(A,N,N)', 2, True)
    """

    model: str
    mean: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    level: float
    fitted_on: int
    aicc: float
    labels: tuple[str, ...] = ()

    @property
    def horizon(self) -> int:
        """Number of steps forecast."""
        return len(self.mean)

    def outside(self, actual: Sequence[float]) -> np.ndarray:
        """For each of the first ``len(actual)`` steps: does the actual value leave the interval?"""
        values = np.asarray(actual, dtype=float)[: self.horizon]
        low = np.asarray(self.lower[: len(values)])
        high = np.asarray(self.upper[: len(values)])
        return (values < low) | (values > high)

    def to_frame(self) -> pd.DataFrame:
        """One row per step: ``step``, ``label`` (when known), ``mean``, ``lower``, ``upper``."""
        frame = pd.DataFrame(
            {
                "step": np.arange(1, self.horizon + 1),
                "mean": self.mean,
                "lower": self.lower,
                "upper": self.upper,
            }
        )
        if self.labels:
            frame.insert(1, "label", list(self.labels))
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "model": self.model,
            "level": self.level,
            "fitted_on": self.fitted_on,
            "aicc": self.aicc if math.isfinite(self.aicc) else None,
            "labels": list(self.labels),
            "mean": list(self.mean),
            "lower": list(self.lower),
            "upper": list(self.upper),
        }


def _fit(y: pd.Series, trend: bool) -> Any:
    model = ETSModel(y, error="add", trend="add" if trend else None, damped_trend=trend)
    # one BLAS thread: the optimiser's tiny matrix steps run 4x slower on several
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")  # convergence chatter on short, flat series
        return model.fit(disp=False)


def forecast_series(
    values: Sequence[float],
    *,
    horizon: int = 4,
    level: float = 0.95,
    bounds: tuple[float | None, float | None] = (None, None),
    labels: Sequence[str] = (),
) -> Forecast:
    """Forecast ``horizon`` steps after ``values`` with an ETS model and its ``level``
    prediction interval; ``bounds`` clip the forecast to the KPI's range (e.g. (0, 1) for
    shares, (0, None) for times and counts); ``labels`` name the future steps.

    Example:
        >>> forecast_series([0.08, 0.09, 0.07, 0.08, 0.1, 0.09], bounds=(0, 1)).horizon
        4
    """
    y = pd.Series(np.asarray(values, dtype=float)).dropna().reset_index(drop=True)
    if len(y) < MIN_POINTS:
        raise ValueError(f"a forecast needs at least {MIN_POINTS} points, not {len(y)}")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, not {horizon}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    if float(y.std()) == 0.0:  # a constant series: nothing to model
        constant = float(y.iloc[0])
        flat = tuple([constant] * horizon)
        return Forecast("constant", flat, flat, flat, level, len(y), math.nan, tuple(labels))
    fits = [("ETS(A,N,N)", _fit(y, trend=False))]
    if len(y) >= TREND_POINTS:
        fits.append(("ETS(A,Ad,N)", _fit(y, trend=True)))
    name, best = min(fits, key=lambda f: f[1].aicc if math.isfinite(f[1].aicc) else math.inf)
    frame = best.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(
        alpha=1 - level
    )
    low, high = bounds
    mean, lower, upper = (frame[c].to_numpy(dtype=float) for c in ("mean", "pi_lower", "pi_upper"))
    if low is not None or high is not None:
        mean, lower, upper = (np.clip(a, low, high) for a in (mean, lower, upper))
    return Forecast(
        name,
        tuple(map(float, mean)),
        tuple(map(float, lower)),
        tuple(map(float, upper)),
        level,
        len(y),
        float(best.aicc),
        tuple(str(v) for v in labels)[:horizon],
    )


def forecast_check(
    values: Sequence[float],
    *,
    holdout: int,
    level: float = 0.95,
    bounds: tuple[float | None, float | None] = (None, None),
) -> tuple[Forecast, np.ndarray]:
    """Fit on all but the last ``holdout`` points, forecast them, and say which actual values
    fall outside the prediction interval (a drift the history did not foresee).

    Example:
        >>> history = [10.0, 11.0, 9.5, 10.5, 10.2, 9.8, 10.1, 10.4, 25.0]
        >>> forecast_check(history, holdout=1)[1].tolist()
        [True]
    """
    data = np.asarray(values, dtype=float)
    if not 0 < holdout < len(data):
        raise ValueError(f"holdout must be between 1 and {len(data) - 1}, not {holdout}")
    forecast = forecast_series(data[:-holdout], horizon=holdout, level=level, bounds=bounds)
    return forecast, forecast.outside(data[-holdout:])

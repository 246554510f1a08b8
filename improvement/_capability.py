"""Process capability: does the process fit inside its specification (an SLA, a tolerance)?

Indices (each with a confidence interval, as qcc computes them):

- ``Cp`` = (USL − LSL) / 6σ_within: the room the spread leaves, if the process were centred;
- ``Cpl``, ``Cpu``, ``Cpk`` = distance from the mean to the nearest limit in units of 3σ_within;
- ``Cpm`` (Taguchi): like Cp but penalising distance from the target;
- ``Pp``, ``Ppl``, ``Ppu``, ``Ppk``, ``Ppm``: the same with the overall standard deviation (what
  the customer actually experienced, drifts included).

σ_within comes from the subgroup ranges (``R̄ / d2``) or, for individual values, the moving ranges
(``MR̄ / d2(2)``), with exact d2 or, ``constants="qcc"``, qcc 3.0's rounded table (d2(5) = 2.326)
to reproduce its printed indices; σ_overall is the sample standard deviation. Intervals: Cp, Pp
chi-square (Chou et al. 1990); Cpl, Cpu one-sided and Cpk two-sided normal approximations
(Bissell 1990); Cpm with Boyles' (1991) degrees of freedom.

DPMO and yield use the overall (long-term) fit. The **sigma level** follows the Six Sigma
convention: it is the normal quantile of the long-term yield **plus a 1.5σ shift**, so 3.4 defects
per million is "6σ" and 66,807 is "3σ". It is a convention, not a measurement.

Durations are skewed, so there is a normality check (Anderson–Darling) and two non-normal options:
``method="boxcox"`` (transform data and limits, then the normal indices) and ``method="fitted"``
(the best of lognormal, gamma, Weibull and normal by AIC, with ISO 22514 percentile indices
Pp / Ppk from its 0.135 %, 50 % and 99.865 % quantiles). ``method="auto"`` keeps the normal
indices when the data look normal, else Box-Cox (or normal with a warning when values are not
all positive).

    result = capability(times_h, usl=24, method="auto")
    result.summary
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from improvement._constants import Constants, check_constants, d2

Method = Literal["normal", "boxcox", "fitted", "auto"]
METHODS = ("normal", "boxcox", "fitted", "auto")
SIGMA_SHIFT = 1.5
_QUANTILES = (special.ndtr(-3.0), 0.5, special.ndtr(3.0))  # 0.135 %, 50 %, 99.865 %


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}g}"


def sigma_level(dpmo: float, shift: float = SIGMA_SHIFT) -> float:
    """Six Sigma level of a long-term defect rate: ``Φ⁻¹(1 − dpmo / 10⁶) + shift``.

    The customary 1.5σ shift assumes the long-term mean wanders 1.5σ from where short-term
    data put it; pass ``shift=0`` for the plain long-term z value.

    Example:
        >>> round(sigma_level(3.4), 2), round(sigma_level(66_807), 2)
        (6.0, 3.0)
    """
    if not 0 <= dpmo <= 1e6:
        raise ValueError(f"dpmo must be between 0 and 1,000,000, not {dpmo!r}")
    return float(stats.norm.isf(dpmo / 1e6) + shift)


@dataclass(frozen=True)
class NormalityCheck:
    """Anderson–Darling test of normality, with skewness and one sentence."""

    test: str
    statistic: float
    p_value: float
    n: int
    skewness: float
    normal: bool

    @property
    def sentence(self) -> str:
        """What the test says, in words."""
        if not math.isfinite(self.p_value):
            return f"too few values ({self.n}) to judge whether they are normal"
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        if self.normal:
            return (
                f"the values are consistent with a normal distribution ({self.test} {p}), so the "
                "normal-based indices apply"
            )
        shape = "right-skewed (a long tail of high values)" if self.skewness > 0.5 else "not normal"
        return (
            f"the values are {shape} ({self.test} {p}, skewness {self.skewness:.2f}): "
            "normal-based indices would misstate the defect rate; use a transform or a fitted "
            "distribution"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "test": self.test,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "n": self.n,
            "skewness": self.skewness,
            "normal": self.normal,
            "sentence": self.sentence,
        }


def normality_check(values: Sequence[float], alpha: float = 0.05) -> NormalityCheck:
    """Anderson–Darling normality test (statsmodels); ``normal`` when p >= ``alpha``.

    Example:
        >>> check = normality_check(np.random.default_rng(1).lognormal(size=200))
        >>> check.normal
        False
    """
    from statsmodels.stats.diagnostic import normal_ad

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    skew = float(stats.skew(x, bias=False)) if len(x) > 2 and np.ptp(x) > 0 else 0.0
    if len(x) < 8 or np.ptp(x) == 0:
        return NormalityCheck("Anderson-Darling", math.nan, math.nan, len(x), skew, True)
    statistic, p_value = normal_ad(x)
    p = float(p_value)
    return NormalityCheck("Anderson-Darling", float(statistic), p, len(x), skew, p >= alpha)


@dataclass(frozen=True)
class CapabilityIndex:
    """One index with its confidence interval (``lower`` / ``upper`` may be NaN when none)."""

    name: str
    value: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready."""
        return {"index": self.name, "value": self.value, "lower": self.lower, "upper": self.upper}


@dataclass(frozen=True)
class CapabilityResult:
    """Capability indices, expected and observed defects, sigma level and normality.

    ``expected_within`` / ``expected_overall`` / ``observed`` are (below LSL, above USL)
    fractions; ``dpmo`` and ``yield_`` are long-term (overall) expectations, ``sigma_level`` adds
    the 1.5σ shift convention. ``method`` says which model produced the indices (``normal``,
    ``boxcox`` or a fitted distribution) and ``parameters`` its parameters. ``mean`` and the
    sigmas are on the original scale (the Box-Cox model's own are in ``parameters``).
    ``constants`` says which d2 estimated σ_within: ``"exact"`` or ``"qcc"`` (qcc 3.0's table).

    Example:
        >>> result = capability([9.8, 10.1, 10.0, 9.9, 10.2, 10.0, 9.7, 10.1], lsl=9, usl=11)
        >>> round(result.cp, 2) > 1
        True
        >>> result.to_frame()                                       # doctest: +SKIP
    """

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    lsl: float | None
    usl: float | None
    target: float | None
    method: str
    confidence: float
    indices: tuple[CapabilityIndex, ...]
    expected_within: tuple[float, float]
    expected_overall: tuple[float, float]
    observed: tuple[float, float]
    normality: NormalityCheck
    values: tuple[float, ...] = ()
    parameters: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    name: str = ""
    constants: str = "exact"

    # -- lookups ----------------------------------------------------------------------------
    def index(self, name: str) -> CapabilityIndex | None:
        """The index called ``name`` (``"Cpk"``, ``"Ppk"``, ...), or None when not defined."""
        for item in self.indices:
            if item.name.lower() == name.lower():
                return item
        return None

    def _value(self, name: str) -> float | None:
        item = self.index(name)
        return None if item is None else item.value

    @property
    def cp(self) -> float | None:
        """Cp (both limits needed)."""
        return self._value("Cp")

    @property
    def cpk(self) -> float | None:
        """Cpk."""
        return self._value("Cpk")

    @property
    def cpm(self) -> float | None:
        """Cpm (both limits and a target needed)."""
        return self._value("Cpm")

    @property
    def pp(self) -> float | None:
        """Pp."""
        return self._value("Pp")

    @property
    def ppk(self) -> float | None:
        """Ppk."""
        return self._value("Ppk")

    @property
    def dpmo(self) -> float:
        """Expected defects per million opportunities, long term (overall spread)."""
        return 1e6 * sum(self.expected_overall)

    @property
    def dpmo_observed(self) -> float:
        """Defects per million actually seen in the data."""
        return 1e6 * sum(self.observed)

    @property
    def yield_(self) -> float:
        """Expected share of results inside the specification, long term."""
        return 1.0 - sum(self.expected_overall)

    @property
    def sigma_level(self) -> float:
        """Six Sigma level: the long-term yield's normal quantile plus the 1.5σ shift."""
        return sigma_level(min(self.dpmo, 1e6))

    def sigma_text(self, lang: str = "en") -> str:
        """The sigma level as a reader wants it: one decimal, or, when the fit expects no
        defect at all (the level is infinite), saying so instead of "inf"."""
        if math.isfinite(self.sigma_level):
            value = f"{self.sigma_level:.1f}"
            return value if lang == "en" else value.replace(".", ",")
        if lang == "en":
            return "off the scale (no defect expected)"
        return "fuera de escala (no se espera ningún defecto)"

    # -- words ------------------------------------------------------------------------------
    @property
    def summary(self) -> str:
        """One sentence: is the process capable, and what does it cost in defects."""
        key = self.index("Cpk") or self.index("Ppk")
        spec = " and ".join(
            part
            for part in (
                f"LSL {_fmt(self.lsl, 4)}" if self.lsl is not None else "",
                f"USL {_fmt(self.usl, 4)}" if self.usl is not None else "",
            )
            if part
        )
        if key is None:
            return f"No capability index could be computed against {spec}."
        ci = ""
        if math.isfinite(key.lower) and math.isfinite(key.upper):
            ci = f" ({self.confidence:.0%} CI {key.lower:.2f}–{key.upper:.2f})"
        if key.value >= 1.67:
            verdict = "comfortably capable: results stay well inside the specification"
        elif key.value >= 1.33:
            verdict = "capable: results stay inside the specification with a safety margin"
        elif key.value >= 1.0:
            verdict = "barely capable: a small drift would push results outside the specification"
        else:
            verdict = "not capable: it routinely produces results outside the specification"
        model = {"normal": "", "boxcox": " after a Box-Cox transform"}.get(
            self.method, f" with a fitted {self.method} distribution"
        )
        return (
            f"{key.name} {key.value:.2f}{ci}{model} against {spec}: the process is {verdict}; "
            f"about {self.dpmo:,.0f} defects per million expected long term, sigma level "
            f"{self.sigma_text()} (Six Sigma convention: long-term yield plus a 1.5σ shift)."
        )

    def explain(self) -> str:
        """The summary, the normality check and notes."""
        lines = [self.summary, f"normality: {self.normality.sentence}"]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    # -- conversions ------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per index: ``index``, ``value``, ``lower``, ``upper``."""
        return pd.DataFrame(
            [i.to_dict() for i in self.indices], columns=["index", "value", "lower", "upper"]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the indices with intervals, defects, yield, sigma level, normality."""
        return {
            "name": self.name,
            "n": self.n,
            "mean": self.mean,
            "sigma_within": self.sigma_within,
            "sigma_overall": self.sigma_overall,
            "lsl": self.lsl,
            "usl": self.usl,
            "target": self.target,
            "method": self.method,
            "confidence": self.confidence,
            "indices": {i.name: [i.value, i.lower, i.upper] for i in self.indices},
            "expected_within": {"below": self.expected_within[0], "above": self.expected_within[1]},
            "expected_overall": {
                "below": self.expected_overall[0],
                "above": self.expected_overall[1],
            },
            "observed": {"below": self.observed[0], "above": self.observed[1]},
            "dpmo": self.dpmo,
            "dpmo_observed": self.dpmo_observed,
            "yield": self.yield_,
            "sigma_level": self.sigma_level,
            "sigma_shift": SIGMA_SHIFT,
            "normality": self.normality.to_dict(),
            "parameters": dict(self.parameters),
            "notes": list(self.notes),
            "constants": self.constants,
            "summary": self.summary,
        }


# -- computation ----------------------------------------------------------------------------
def _within_sigma(x: np.ndarray, subgroups: Any, constants: Constants = "exact") -> float:
    if subgroups is None:
        if len(x) < 2:
            raise ValueError("capability needs at least 2 values")
        return float(np.mean(np.abs(np.diff(x))) / d2(2, constants))
    keys = np.asarray(subgroups, dtype=object)
    codes, _ = pd.factorize(pd.Series(keys), sort=False)
    estimates = []
    for code in range(codes.max() + 1):
        group = x[codes == code]
        if len(group) >= 2:
            estimates.append(np.ptp(group) / d2(len(group), constants))
    if not estimates:
        raise ValueError("no subgroup has 2 or more values to estimate the within-subgroup sigma")
    return float(np.mean(estimates))


def _chi_limits(value: float, df: float, alpha: float) -> tuple[float, float]:
    low, high = stats.chi2.ppf([alpha / 2, 1 - alpha / 2], df)
    return value * math.sqrt(low / df), value * math.sqrt(high / df)


def _wald_limits(value: float, z: float, n: int) -> tuple[float, float]:
    if value == 0:
        return math.nan, math.nan
    half = z * math.sqrt(1 / (9 * n * value * value) + 1 / (2 * (n - 1)))
    return value * (1 - half), value * (1 + half)


def _normal_indices(
    prefix: str,
    center: float,
    sigma: float,
    lsl: float | None,
    usl: float | None,
    target: float | None,
    n: int,
    confidence: float,
) -> list[CapabilityIndex]:
    alpha = 1 - confidence
    one_sided = stats.norm.ppf(confidence)
    two_sided = stats.norm.ppf(1 - alpha / 2)
    out: list[CapabilityIndex] = []
    if sigma <= 0:
        return out
    if lsl is not None and usl is not None:
        value = (usl - lsl) / (6 * sigma)
        out.append(CapabilityIndex(f"{prefix}p", value, *_chi_limits(value, n - 1, alpha)))
    sides = []
    if lsl is not None:
        value = (center - lsl) / (3 * sigma)
        sides.append(value)
        out.append(CapabilityIndex(f"{prefix}pl", value, *_wald_limits(value, one_sided, n)))
    if usl is not None:
        value = (usl - center) / (3 * sigma)
        sides.append(value)
        out.append(CapabilityIndex(f"{prefix}pu", value, *_wald_limits(value, one_sided, n)))
    if sides:
        value = min(sides)
        out.append(CapabilityIndex(f"{prefix}pk", value, *_wald_limits(value, two_sided, n)))
    if lsl is not None and usl is not None and target is not None:
        offset = (center - target) / sigma
        value = (usl - lsl) / (6 * math.sqrt(sigma**2 + (center - target) ** 2))
        df = n * (1 + offset**2) / (1 + 2 * offset**2)
        out.append(CapabilityIndex(f"{prefix}pm", value, *_chi_limits(value, df, alpha)))
    return out


def _tails(
    center: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float, float]:
    below = float(stats.norm.cdf(lsl, center, sigma)) if lsl is not None and sigma > 0 else 0.0
    above = float(stats.norm.sf(usl, center, sigma)) if usl is not None and sigma > 0 else 0.0
    return below, above


_CANDIDATES = {
    "lognormal": stats.lognorm,
    "gamma": stats.gamma,
    "weibull": stats.weibull_min,
    "normal": stats.norm,
}


def _fit_distribution(x: np.ndarray) -> tuple[str, Any, dict[str, float]]:
    """The candidate distribution with the lowest AIC (positive ones with location 0)."""
    best: tuple[float, str, Any, tuple[float, ...]] | None = None
    for name, family in _CANDIDATES.items():
        if name != "normal" and np.any(x <= 0):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                params = family.fit(x) if name == "normal" else family.fit(x, floc=0)
            except (ValueError, RuntimeError, FloatingPointError):
                continue
        loglik = float(np.sum(family.logpdf(x, *params)))
        free = 2 if name in ("normal",) else len(params) - 1
        aic = 2 * free - 2 * loglik
        if math.isfinite(aic) and (best is None or aic < best[0]):
            best = (aic, name, family, params)
    if best is None:
        raise ValueError("no distribution could be fitted to these values")
    aic, name, family, params = best
    frozen = family(*params)
    names = {
        "lognormal": ("shape", "loc", "scale"),
        "gamma": ("shape", "loc", "scale"),
        "weibull": ("shape", "loc", "scale"),
        "normal": ("loc", "scale"),
    }[name]
    details = {key: float(v) for key, v in zip(names, params, strict=True)}
    details["aic"] = aic
    return name, frozen, details


def capability(
    values: Sequence[float],
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    subgroups: Sequence[Any] | None = None,
    sigma_within: float | None = None,
    method: Method = "normal",
    confidence: float = 0.95,
    name: str = "",
    constants: Constants = "exact",
) -> CapabilityResult:
    """Capability of ``values`` against the specification limits ``lsl`` / ``usl``.

    ``subgroups`` (one label per value) estimate σ_within from subgroup ranges; without them the
    moving ranges of the values in order are used; ``sigma_within`` overrides both (e.g. a
    control chart's ``sigma_``). ``target`` defaults to the middle of two limits (Cpm needs it).
    ``method``: ``"normal"``, ``"boxcox"``, ``"fitted"`` or ``"auto"`` (see the module notes).
    ``constants``: ``"exact"`` d2 for σ_within, or ``"qcc"`` (qcc 3.0's rounded table).

    Example:
        >>> times = np.random.default_rng(3).lognormal(mean=2.5, sigma=0.4, size=300)  # hours
        >>> result = capability(times, usl=24, method="auto")
        >>> result.method, result.normality.normal
        ('boxcox', False)
        >>> print(result.summary)                                           # doctest: +SKIP
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    check_constants(constants)
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.isfinite(x))[0]) + 1
        raise ValueError(f"values must be finite numbers; value {bad} is missing or infinite")
    if len(x) < 2:
        raise ValueError(f"capability needs at least 2 values, got {len(x)}")
    if subgroups is not None and len(subgroups) != len(x):
        raise ValueError(f"subgroups has {len(subgroups)} labels for {len(x)} values")
    lsl = None if lsl is None else float(lsl)
    usl = None if usl is None else float(usl)
    if lsl is None and usl is None:
        raise ValueError("give at least one specification limit (lsl= or usl=)")
    if lsl is not None and usl is not None and lsl >= usl:
        raise ValueError(f"the lower specification limit {lsl:g} must be below the upper {usl:g}")
    if target is None and lsl is not None and usl is not None:
        target = (lsl + usl) / 2
    target = None if target is None else float(target)

    normality = normality_check(x)
    notes: list[str] = []
    chosen = method
    if method == "auto":
        if normality.normal:
            chosen = "normal"
        elif np.all(x > 0):
            chosen = "boxcox"
        else:
            chosen = "normal"
            notes.append(
                "the values are not normal but not all positive, so no transform applies: the "
                "normal-based indices are shown and may misstate the defect rate"
            )

    observed = (
        float(np.mean(x < lsl)) if lsl is not None else 0.0,
        float(np.mean(x > usl)) if usl is not None else 0.0,
    )
    common = {
        "n": len(x),
        "lsl": lsl,
        "usl": usl,
        "target": target,
        "confidence": confidence,
        "observed": observed,
        "normality": normality,
        "values": tuple(float(v) for v in x),
        "name": name,
        "constants": constants,
    }
    if chosen == "fitted":
        return _fitted(x, common, notes)
    parameters: dict[str, float] = {}
    data, low, high, goal = x, lsl, usl, target
    if chosen == "boxcox":
        if np.any(x <= 0):
            raise ValueError("a Box-Cox transform needs positive values; use method='fitted'")
        _, lam = stats.boxcox(x)
        parameters["lambda"] = float(lam)

        def transform(v: float | None) -> float | None:
            if v is None:
                return None
            if v <= 0:
                return None  # a limit at or below zero cannot be crossed by positive values
            return float(special.boxcox(v, lam))

        data = special.boxcox(x, lam)
        if lsl is not None and lsl <= 0:
            notes.append("the lower limit is at or below zero, which positive values never cross")
        low, high, goal = transform(lsl), transform(usl), transform(target)
        if low is None and high is None:
            raise ValueError("no specification limit is left after the Box-Cox transform")
        notes.append(f"indices computed on Box-Cox transformed values (λ = {lam:.3f})")
    center = float(np.mean(data))
    within = (
        float(sigma_within)
        if sigma_within is not None
        else _within_sigma(data, subgroups, constants)
    )
    overall = float(np.std(data, ddof=1))
    indices = _normal_indices("C", center, within, low, high, goal, len(x), confidence)
    indices += _normal_indices("P", center, overall, low, high, goal, len(x), confidence)
    shown_within, shown_overall = within, overall
    if chosen == "boxcox":  # report spreads on the original scale, keep the model's in parameters
        parameters.update(
            {
                "mean_transformed": center,
                "sigma_within_transformed": within,
                "sigma_overall_transformed": overall,
            }
        )
        shown_within = _within_sigma(x, subgroups, constants) if sigma_within is None else math.nan
        shown_overall = float(np.std(x, ddof=1))
    return CapabilityResult(
        mean=float(np.mean(x)),
        sigma_within=shown_within,
        sigma_overall=shown_overall,
        method=chosen,
        indices=tuple(indices),
        expected_within=_tails(center, within, low, high),
        expected_overall=_tails(center, overall, low, high),
        parameters=parameters,
        notes=tuple(notes),
        **common,
    )


def _fitted(x: np.ndarray, common: dict[str, Any], notes: list[str]) -> CapabilityResult:
    """Percentile (ISO 22514-2) indices from the best-fitting distribution."""
    name, frozen, details = _fit_distribution(x)
    low_q, median, high_q = (float(q) for q in frozen.ppf(_QUANTILES))
    lsl, usl = common["lsl"], common["usl"]
    indices: list[CapabilityIndex] = []
    nan = math.nan
    if lsl is not None and usl is not None:
        indices.append(CapabilityIndex("Pp", (usl - lsl) / (high_q - low_q), nan, nan))
    sides = []
    if lsl is not None:
        sides.append((median - lsl) / (median - low_q))
        indices.append(CapabilityIndex("Ppl", sides[-1], nan, nan))
    if usl is not None:
        sides.append((usl - median) / (high_q - median))
        indices.append(CapabilityIndex("Ppu", sides[-1], nan, nan))
    indices.append(CapabilityIndex("Ppk", min(sides), nan, nan))
    below = float(frozen.cdf(lsl)) if lsl is not None else 0.0
    above = float(frozen.sf(usl)) if usl is not None else 0.0
    notes.append(
        f"percentile indices from a fitted {name} distribution (lowest AIC among lognormal, "
        "gamma, Weibull and normal); Cp/Cpk need a within-subgroup model and are not given, "
        "and no closed-form confidence interval exists"
    )
    return CapabilityResult(
        mean=float(np.mean(x)),
        sigma_within=nan,
        sigma_overall=float(np.std(x, ddof=1)),
        method=name,
        indices=tuple(indices),
        expected_within=(below, above),
        expected_overall=(below, above),
        parameters=details,
        notes=tuple(notes),
        **common,
    )


class ProcessCapability:
    """Stateful twin of :func:`capability`: parameters in ``__init__``, ``fit(values)`` learns
    ``result_``, ``cpk_``, ``ppk_`` and ``sigma_level_``.

    Example:
        >>> pc = ProcessCapability(lsl=73.95, usl=74.05)               # doctest: +SKIP
        >>> pc.fit(diameters, subgroups=samples).cpk_                     # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        lsl: float | None = None,
        usl: float | None = None,
        target: float | None = None,
        method: Method = "normal",
        confidence: float = 0.95,
        name: str = "",
        constants: Constants = "exact",
    ) -> None:
        self.lsl = lsl
        self.usl = usl
        self.target = target
        self.method = method
        self.confidence = confidence
        self.name = name
        self.constants = constants

    def fit(
        self,
        values: Sequence[float],
        *,
        subgroups: Sequence[Any] | None = None,
        sigma_within: float | None = None,
    ) -> ProcessCapability:
        """Compute the capability of ``values``; returns ``self``."""
        self.result_ = capability(
            values,
            lsl=self.lsl,
            usl=self.usl,
            target=self.target,
            subgroups=subgroups,
            sigma_within=sigma_within,
            method=self.method,
            confidence=self.confidence,
            name=self.name,
            constants=self.constants,
        )
        self.cpk_ = self.result_.cpk
        self.ppk_ = self.result_.ppk
        self.sigma_level_ = self.result_.sigma_level
        return self

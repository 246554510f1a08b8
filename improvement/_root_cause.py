"""Root cause of a case outcome (slow, lost, reworked, breaching an SLA): which kinds of case
have it more often, how much more, how sure we can be, and which drivers remain once the others
are allowed for.

1. **Screen.** Every case attribute becomes a *factor* (text as it is; numbers with many values
   in quantile bins; times by month), plus the resource, the variant (path) and the start
   month. Each level of each factor is compared with all other cases in a 2×2 table: risk ratio
   and odds ratio with 95 % confidence intervals (statsmodels ``Table2x2``; Haldane's +0.5 on
   every cell when one is empty), Fisher's exact p-value, and, when the outcome compares a
   number (a duration, a gap, a count), the difference in medians with a 95 % bootstrap
   interval (computed for the levels that pass the screen). P-values are corrected for the
   number of levels tested (Benjamini–Hochberg).
2. **Adjust.** The levels that pass the screen go together into one logistic regression
   (statsmodels ``Logit``), so a driver that only looks strong because it travels with another
   (a confounder) loses its adjusted effect instead of being counted twice.
3. **Rank and say it.** Drivers (levels with a higher risk, significant after correction) are
   ranked by evidence, then by corrected p-value, and each gets one sentence, an evidence badge
   (strong / moderate / weak) and the words "association, not proven cause".
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2

from improvement._outcomes import FIXED_COLUMNS, Outcome, outcome_on
from mining import EventLog, case_table

RESOURCE = "resource"
VARIANT = "variant"
START_MONTH = "start month"
MISSING = "(missing)"
OTHER = "(other)"
EVIDENCE = ("strong", "moderate", "weak")
CAVEAT = "association, not proven cause"
_BOOTSTRAP = 999
# a column named like an identifier: id, lead_id, leadId, ID cliente, id_contacto, Nº pedido
_ID_NAME = re.compile(
    r"(^|[\s_.-])(id|nº|no)$|^(id|nº)([\s_.-]|$)|(?-i:[a-z]I[dD])$", re.IGNORECASE
)
_MAX_SE = 5.0  # log-odds; larger means the term (nearly) separates the outcome


# -- effect sizes of one 2x2 table ---------------------------------------------------------


@dataclass(frozen=True)
class EffectSizes:
    """Effect sizes of a 2×2 table: cases in a group (*exposed*) against all the others (*rest*),
    with and without the outcome.

    ``risk_ratio`` is the outcome rate in the group over the rate in the rest; ``odds_ratio``
    the same with odds; both with 95 % (``1 - alpha``) confidence intervals on the log scale
    (Katz for the risk ratio, Woolf for the odds ratio). When a cell is empty, 0.5 is added to
    every cell first (Haldane–Anscombe) and ``corrected`` says so. ``p_value`` is Fisher's
    exact test on the uncorrected table.

    Example:
        >>> e = effect_sizes(30, 10, 20, 40)        # 30 of 40 vs 20 of 60
        >>> round(e.risk_ratio, 2), round(e.odds_ratio, 2)
        (2.25, 6.0)
    """

    exposed_positive: int
    exposed_negative: int
    rest_positive: int
    rest_negative: int
    risk_ratio: float
    risk_ratio_low: float
    risk_ratio_high: float
    odds_ratio: float
    odds_ratio_low: float
    odds_ratio_high: float
    p_value: float
    corrected: bool = False

    @property
    def exposed_rate(self) -> float:
        """Outcome rate in the group."""
        total = self.exposed_positive + self.exposed_negative
        return self.exposed_positive / total if total else float("nan")

    @property
    def rest_rate(self) -> float:
        """Outcome rate in the rest."""
        total = self.rest_positive + self.rest_negative
        return self.rest_positive / total if total else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def effect_sizes(
    exposed_positive: int,
    exposed_negative: int,
    rest_positive: int,
    rest_negative: int,
    *,
    alpha: float = 0.05,
) -> EffectSizes:
    """Risk ratio, odds ratio (with ``1 - alpha`` confidence intervals) and Fisher's exact
    p-value of a 2×2 table; see :class:`EffectSizes`.

    Example:
        >>> effect_sizes(12, 38, 20, 130).risk_ratio     # 24 % vs 13.3 %
        1.8
    """
    cells = [exposed_positive, exposed_negative, rest_positive, rest_negative]
    if any(c < 0 for c in cells):
        raise ValueError(f"a 2x2 table holds counts, not {cells}")
    if exposed_positive + exposed_negative == 0 or rest_positive + rest_negative == 0:
        raise ValueError("both the group and the rest need at least one case")
    table = np.array(cells, dtype=float).reshape(2, 2)
    corrected = bool((table == 0).any())
    if corrected:
        table = table + 0.5
    t = Table2x2(table, shift_zeros=False)
    rr_low, rr_high = t.riskratio_confint(alpha=alpha)
    or_low, or_high = t.oddsratio_confint(alpha=alpha)
    p_value = stats.fisher_exact(np.array(cells).reshape(2, 2)).pvalue
    return EffectSizes(
        *(int(c) for c in cells),
        risk_ratio=float(t.riskratio),
        risk_ratio_low=float(rr_low),
        risk_ratio_high=float(rr_high),
        odds_ratio=float(t.oddsratio),
        odds_ratio_low=float(or_low),
        odds_ratio_high=float(or_high),
        p_value=float(p_value),
        corrected=corrected,
    )


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values): a level with ``q < 0.05`` is a finding
    in a list where at most 5 % of the findings are expected to be false.

    Example:
        >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
        [0.03, 0.04, 0.04]
    """
    values = np.asarray(p_values, dtype=float)
    if values.size == 0:
        return values
    return stats.false_discovery_control(values, method="bh")


def median_difference(
    group: np.ndarray, rest: np.ndarray, *, seed: int = 0, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Median of ``group`` minus median of ``rest``, with a percentile bootstrap interval
    (999 resamples of each sample, seeded so results repeat). NaN when a side has fewer than
    two values.

    Example:
        >>> median_difference(np.array([5.0, 6, 7, 8]), np.array([1.0, 2, 3]))[0]
        4.5
    """
    group = np.asarray(group, dtype=float)
    rest = np.asarray(rest, dtype=float)
    group, rest = group[~np.isnan(group)], rest[~np.isnan(rest)]
    if len(group) < 2 or len(rest) < 2:
        return float("nan"), float("nan"), float("nan")
    difference = float(np.median(group) - np.median(rest))

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.median(x, axis=axis) - np.median(y, axis=axis)

    result = stats.bootstrap(
        (group, rest),
        statistic,
        n_resamples=_BOOTSTRAP,
        vectorized=True,
        method="percentile",
        confidence_level=confidence,
        rng=np.random.default_rng(seed),
    )
    return difference, float(result.confidence_interval.low), float(result.confidence_interval.high)


# -- factors: one categorical label per case ----------------------------------------------


def _number_text(value: float) -> str:
    return f"{value:,.6g}"


def _binned(values: pd.Series, bins: int) -> pd.Series:
    numbers = values.astype(float)
    try:
        cut = pd.qcut(numbers, q=bins, duplicates="drop")
    except ValueError:
        return pd.Series(MISSING, index=values.index, dtype=object)
    labels = cut.cat.categories
    names = {iv: f"{_number_text(iv.left)}–{_number_text(iv.right)}" for iv in labels}
    names[labels[0]] = f"≤ {_number_text(labels[0].right)}"
    names[labels[-1]] = f"> {_number_text(labels[-1].left)}"
    result = cut.map(names).astype(object)
    return result.where(numbers.notna(), MISSING)


def _lumped(labels: pd.Series, max_levels: int, min_cases: int) -> pd.Series:
    """Levels with fewer than ``min_cases`` cases, and beyond the ``max_levels - 1`` most
    frequent when there are more than ``max_levels``, become "(other)"."""
    counts = labels.value_counts()
    frequent = counts[counts >= min_cases]
    keep = frequent.index[: max_levels - 1] if len(counts) > max_levels else frequent.index
    return labels.where(labels.isin(set(keep)), OTHER)


def case_factors(
    cases: pd.DataFrame,
    *,
    resource_name: str = RESOURCE,
    exclude: Sequence[str] = (),
    include_variant: bool = True,
    max_levels: int = 12,
    bins: int = 4,
    min_cases: int = 5,
) -> tuple[dict[str, pd.Series], list[str]]:
    """The factors of a case table (``mining.case_table``): ``{name: label per case}`` (text,
    ``"(missing)"`` for no value) and notes on what was left out and why.

    Case attributes with up to ``max_levels`` values are used as they are (rarer values, under
    ``min_cases`` cases, go to "(other)"); numbers with more values are cut into ``bins``
    quantile bins, unless the column is named like an identifier (``lead_id``, ``leadId``) and
    most cases have their own number; times by month. Text with more values is kept to its most
    frequent ones, unless most cases have their own value (an identifier: left out). The
    resource is named ``resource_name`` (e.g. the source column ``rep``); ``variant`` and
    ``start month`` are added.

    Example:
        >>> factors, notes = case_factors(case_table(log), resource_name="rep")  # doctest: +SKIP
        >>> factors["region"].value_counts()                                    # doctest: +SKIP
    """
    attributes = cases.attrs.get("attributes")
    if attributes is None:
        attributes = {c: c for c in cases.columns if c not in FIXED_COLUMNS}
    factors: dict[str, pd.Series] = {}
    notes: list[str] = []
    skipped = set(exclude)
    n = len(cases)
    for column, name in attributes.items():
        label = resource_name if column == RESOURCE else name
        if label in (VARIANT, START_MONTH):  # an attribute that shares a name with a factor
            label = f"{label} (attribute)"
        if label in skipped or name in skipped:
            continue
        values = cases[column]
        distinct = values.nunique(dropna=True)
        if distinct < 1 or (distinct == 1 and values.notna().all()):
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            labels = values.dt.strftime("%Y-%m").astype(object)
        elif pd.api.types.is_bool_dtype(values):
            labels = values.astype(object).map(lambda v: str(bool(v)) if pd.notna(v) else v)
        elif pd.api.types.is_numeric_dtype(values):
            if distinct > max_levels and distinct > 0.5 * n and _ID_NAME.search(str(name)):
                notes.append(f"{label} left out: {distinct:,} numbers for {n:,} cases (an id?)")
                continue
            if distinct > max_levels:
                factors[label] = _binned(values, bins)
                continue
            labels = values.map(lambda v: _number_text(v) if pd.notna(v) else v).astype(object)
        else:
            labels = values.astype(object).map(lambda v: str(v) if pd.notna(v) else v)
            if distinct > max_levels and distinct > 0.5 * n:
                notes.append(f"{label} left out: {distinct:,} values for {n:,} cases (an id?)")
                continue
        labels = labels.where(values.notna(), MISSING)
        factors[label] = _lumped(labels, max_levels, min_cases)
    if include_variant and VARIANT not in skipped and "variant" in cases:
        factors[VARIANT] = _lumped(cases["variant"].astype(object), max_levels, min_cases)
    if START_MONTH not in skipped and "start" in cases and len(cases):
        months = pd.to_datetime(cases["start"], utc=True).dt.strftime("%Y-%m").astype(object)
        factors[START_MONTH] = _lumped(months, max_levels * 2, min_cases)
    factors = {k: v for k, v in factors.items() if v.nunique() > 1}
    return factors, notes


# -- the analysis --------------------------------------------------------------------------

SCREEN_COLUMNS = [
    "factor",
    "level",
    "cases",
    "positive",
    "rate",
    "rest_rate",
    "risk_ratio",
    "risk_ratio_low",
    "risk_ratio_high",
    "odds_ratio",
    "odds_ratio_low",
    "odds_ratio_high",
    "p_value",
    "q_value",
    "excess_cases",
    "median",
    "rest_median",
    "median_difference",
    "median_difference_low",
    "median_difference_high",
]
MODEL_COLUMNS = ["factor", "level", "odds_ratio", "low", "high", "p_value"]
DRIVER_COLUMNS = [
    "rank",
    *SCREEN_COLUMNS,
    "adjusted_odds_ratio",
    "adjusted_low",
    "adjusted_high",
    "adjusted_p_value",
    "evidence",
    "sentence",
]


@dataclass(frozen=True)
class RootCause:
    """Result of :func:`root_cause`: the ranked ``drivers`` (see ``DRIVER_COLUMNS``), every
    level tested (``screen``), the multivariable logistic ``model`` (adjusted odds ratios),
    notes on what was left out, and ``labels``: each analysed case's level of every factor
    (indexed by case id), to drill down into a driver's cases.

    Example:
        >>> rc = root_cause(log, "gap 'Accepted' -> 'Demo booked' > p75")  # doctest: +SKIP
        >>> rc.drivers[["factor", "level", "risk_ratio", "evidence"]].head(3)  # doctest: +SKIP
        >>> print("\\n".join(rc.sentences()))                                  # doctest: +SKIP
    """

    outcome: str
    n_cases: int
    n_positive: int
    drivers: pd.DataFrame
    screen: pd.DataFrame
    model: pd.DataFrame
    model_summary: str = ""
    measure_label: str | None = None
    measure_is_time: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    alpha: float = 0.05
    resource_name: str = RESOURCE
    labels: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def rate(self) -> float:
        """Share of the analysed cases with the outcome."""
        return self.n_positive / self.n_cases if self.n_cases else float("nan")

    @property
    def top(self) -> tuple[str, str] | None:
        """(factor, level) of the top-ranked driver, if any."""
        if self.drivers.empty:
            return None
        row = self.drivers.iloc[0]
        return str(row["factor"]), str(row["level"])

    def to_frame(self) -> pd.DataFrame:
        """The ranked drivers (a copy)."""
        return self.drivers.copy()

    def headline(self) -> str:
        """What was analysed, in one line."""
        return (
            f"{self.n_positive:,} of {self.n_cases:,} cases ({self.rate:.1%}) match "
            f"«{self.outcome}»; {len(self.screen):,} groups of cases screened, "
            f"{len(self.drivers):,} drivers found."
        )

    def sentences(self) -> list[str]:
        """One plain sentence per driver, best first."""
        return [str(s) for s in self.drivers["sentence"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "outcome": self.outcome,
            "cases": self.n_cases,
            "positive": self.n_positive,
            "rate": self.rate,
            "alpha": self.alpha,
            "drivers": self.drivers.to_dict("records"),
            "model": self.model.to_dict("records"),
            "model_summary": self.model_summary,
            "screened": len(self.screen),
            "notes": list(self.notes),
            "caveat": CAVEAT,
        }


def _who(factor: str, level: str, resource_name: str) -> str:
    if factor == resource_name:
        return f"cases handled by {level}"
    if factor == START_MONTH:
        return f"cases started in {level}"
    if factor == VARIANT:
        return f"cases taking the path {level}"
    return f"cases with {factor} {level}"


def _quantity(seconds: float, is_time: bool) -> str:
    if not is_time:
        return f"{seconds:+,.3g}"
    sign = "+" if seconds >= 0 else "−"
    value = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if value >= size:
            return f"{sign}{value / size:.1f} {unit}"
    return f"{sign}{value:.0f} s"


def _ratio(value: float) -> str:
    return f"{value:.1f}" if value < 9.95 else f"{value:,.0f}"


def _sentence(row: pd.Series, outcome: str, resource_name: str, is_time: bool) -> str:
    who = _who(str(row["factor"]), str(row["level"]), resource_name)
    text = (
        f"{who[0].upper()}{who[1:]} are {_ratio(row['risk_ratio'])}× "
        f"({_ratio(row['risk_ratio_low'])}–{_ratio(row['risk_ratio_high'])}) as likely to match "
        f"«{outcome}» ({row['rate']:.0%} vs {row['rest_rate']:.0%})"
    )
    if pd.notna(row["median_difference"]):
        text += f", median {_quantity(row['median_difference'], is_time)}"
    saved = round(float(row["excess_cases"]))
    text += f"; {saved:,} case{'s' if saved != 1 else ''} would be spared if they matched the rest"
    if pd.notna(row["adjusted_odds_ratio"]):
        odds = (
            f"{_ratio(row['adjusted_odds_ratio'])}× the odds "
            f"({_ratio(row['adjusted_low'])}–{_ratio(row['adjusted_high'])})"
        )
        if row["adjusted_p_value"] < 0.05 and row["adjusted_odds_ratio"] > 1:
            text += f". Allowing for the other drivers: {odds}"
        else:
            text += f". Allowing for the other drivers the link is unclear: {odds}"
    return f"{text}. Evidence: {row['evidence']}; {CAVEAT}."


def _screen(
    y: pd.Series,
    factors: Mapping[str, pd.Series],
    measure: pd.Series | None,
    min_cases: int,
    alpha: float,
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    masks: dict[int, np.ndarray] = {}
    total_pos = int(y.sum())
    total = len(y)
    outcome = y.to_numpy()
    for factor, labels in factors.items():
        values = labels.to_numpy()
        for level in sorted(set(values)):
            member = values == level
            n = int(member.sum())
            if n < min_cases or total - n < min_cases:
                continue
            a = int(outcome[member].sum())
            c = total_pos - a
            effect = effect_sizes(a, n - a, c, total - n - c, alpha=alpha)
            row = {
                "factor": factor,
                "level": str(level),
                "cases": n,
                "positive": a,
                "rate": effect.exposed_rate,
                "rest_rate": effect.rest_rate,
                "risk_ratio": effect.risk_ratio,
                "risk_ratio_low": effect.risk_ratio_low,
                "risk_ratio_high": effect.risk_ratio_high,
                "odds_ratio": effect.odds_ratio,
                "odds_ratio_low": effect.odds_ratio_low,
                "odds_ratio_high": effect.odds_ratio_high,
                "p_value": effect.p_value,
                "excess_cases": a - n * effect.rest_rate,
            }
            if measure is not None:
                inside = measure[member].dropna().to_numpy()
                outside = measure[~member].dropna().to_numpy()
                masks[len(rows)] = member
                middle = float(np.median(inside)) if len(inside) else float("nan")
                rest_middle = float(np.median(outside)) if len(outside) else float("nan")
                row.update(
                    median=middle, rest_median=rest_middle, median_difference=middle - rest_middle
                )
            rows.append(row)
    frame = pd.DataFrame(rows, columns=SCREEN_COLUMNS)
    frame["q_value"] = benjamini_hochberg(frame["p_value"].to_numpy())
    if measure is not None:  # bootstrap intervals only where the level passes the screen
        for index in np.flatnonzero(frame["q_value"].to_numpy() < alpha):
            member = masks[int(index)]
            _, low, high = median_difference(
                measure[member].to_numpy(), measure[~member].to_numpy(), seed=int(index)
            )
            frame.loc[index, ["median_difference_low", "median_difference_high"]] = [low, high]
    frame = frame.astype({"cases": "int64", "positive": "int64"})
    numbers = [c for c in SCREEN_COLUMNS if c not in ("factor", "level", "cases", "positive")]
    frame[numbers] = frame[numbers].astype(float)
    return frame.sort_values(["q_value", "p_value", "factor", "level"]).reset_index(drop=True)


def _model(
    y: pd.Series,
    factors: Mapping[str, pd.Series],
    screen: pd.DataFrame,
    alpha: float,
    notes: list[str],
) -> tuple[pd.DataFrame, str]:
    """Logistic regression on one indicator per significant level (reference: all other cases),
    risk-raising levels first, as many as the events allow (10 outcomes, and 10 non-outcomes,
    per term)."""
    empty = pd.DataFrame(columns=MODEL_COLUMNS)
    candidates = screen[(screen["q_value"] < alpha) & (screen["level"] != OTHER)]
    # levels that raise the risk first (they are the drivers to adjust), each group by q-value
    raises = candidates["risk_ratio"] > 1
    candidates = pd.concat([candidates[raises], candidates[~raises]])
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    budget = max(1, min(positives, negatives) // 10)
    terms: list[tuple[str, str]] = []
    columns: list[np.ndarray] = []
    left_out: list[str] = []
    for row in candidates.itertuples():
        if row.positive in (0, row.cases) or row.positive == positives:
            left_out.append(f"{row.factor} = {row.level} (it separates the outcome perfectly)")
            continue
        levels = factors[row.factor].nunique()
        chosen = sum(1 for f, _ in terms if f == row.factor)
        if chosen >= levels - 1:
            continue  # the last level of a factor is implied by the others
        if len(terms) >= budget:
            left_out.append(f"{row.factor} = {row.level} (too few outcomes for more terms)")
            continue
        column = (factors[row.factor] == row.level).to_numpy(dtype=float)
        trial = np.column_stack([np.ones(len(y)), *columns, column])
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            left_out.append(f"{row.factor} = {row.level} (the same cases as other terms)")
            continue
        terms.append((row.factor, row.level))
        columns.append(column)
    if left_out:
        notes.append("Not in the regression: " + "; ".join(left_out) + ".")
    if not terms:
        return empty, "no driver passed the screen, so there is no regression"
    fit, terms, unstable = _fit(y, terms, columns)
    if unstable:
        notes.append(
            "Dropped from the regression as unstable (nearly separates the outcome given the "
            "other terms): " + "; ".join(f"{f} = {v}" for f, v in unstable) + "."
        )
    if fit is None:
        notes.append("The regression could not be fitted.")
        return empty, "regression not fitted"
    interval = np.exp(np.asarray(fit.conf_int(alpha=alpha)))
    params, p_values = np.exp(np.asarray(fit.params)), np.asarray(fit.pvalues)
    rows = []
    for index, (factor, level) in enumerate(terms, start=1):
        rows.append(
            {
                "factor": factor,
                "level": level,
                "odds_ratio": float(params[index]),
                "low": float(interval[index, 0]),
                "high": float(interval[index, 1]),
                "p_value": float(p_values[index]),
            }
        )
    summary = (
        f"logistic regression on {len(y):,} cases with {len(terms)} term"
        f"{'s' if len(terms) != 1 else ''} (McFadden pseudo-R² {fit.prsquared:.2f})"
    )
    return pd.DataFrame(rows, columns=MODEL_COLUMNS), summary


def _fit(
    y: pd.Series, terms: list[tuple[str, str]], columns: list[np.ndarray]
) -> tuple[Any, list[tuple[str, str]], list[tuple[str, str]]]:
    """Fit the logistic regression; while it does not converge or a term's standard error
    explodes (quasi-separation), drop the least stable term and refit."""
    unstable: list[tuple[str, str]] = []
    terms, columns = list(terms), list(columns)
    while terms:
        design = np.column_stack([np.ones(len(y)), *columns])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = sm.Logit(y.to_numpy(dtype=float), design).fit(disp=0, maxiter=200)
                errors = np.asarray(fit.bse)[1:]
                converged = bool(fit.mle_retvals.get("converged", True))
            except (np.linalg.LinAlgError, ValueError):
                fit, errors, converged = None, np.full(len(terms), np.inf), False
        if converged and np.all(np.isfinite(errors)) and errors.max() < _MAX_SE:
            return fit, terms, unstable
        worst = int(np.nanargmax(np.where(np.isfinite(errors), errors, np.inf)))
        unstable.append(terms.pop(worst))
        columns.pop(worst)
    return None, terms, unstable


def _evidence(row: pd.Series, alpha: float) -> str:
    in_model = pd.notna(row["adjusted_p_value"])
    holds = in_model and row["adjusted_p_value"] < alpha and row["adjusted_odds_ratio"] > 1
    if holds and row["q_value"] < 0.01 and row["adjusted_p_value"] < 0.01:
        return "strong"
    if row["rest_rate"] == 0 and row["q_value"] < 0.001:
        return "strong"  # every case with the outcome is in this group: nothing to adjust for
    if holds or (not in_model and row["q_value"] < 0.01):
        return "moderate"
    return "weak"


def _distinct_groupings(factors: dict[str, pd.Series], notes: list[str]) -> dict[str, pd.Series]:
    """The factors without those grouping the cases exactly like an earlier one (a campaign's
    id, name and channel): one row per finding, with a note naming the twins."""
    first: dict[bytes, str] = {}
    twins: dict[str, list[str]] = {}
    for name, labels in factors.items():
        key = pd.factorize(labels)[0].tobytes()
        if key in first:
            twins.setdefault(first[key], []).append(name)
        else:
            first[key] = name
    for name, same in twins.items():
        notes.append(
            f"{', '.join(same)} left out: the same grouping of the cases as {name} "
            "(each of its values goes with one of theirs)."
        )
    dropped = {n for same in twins.values() for n in same}
    return {name: labels for name, labels in factors.items() if name not in dropped}


def find_drivers(
    cases: pd.DataFrame,
    outcome: Outcome,
    *,
    resource_name: str = RESOURCE,
    top: int | None = None,
    alpha: float = 0.05,
    exclude: Sequence[str] = (),
    max_levels: int = 12,
    bins: int = 4,
    min_cases: int = 5,
) -> RootCause:
    """:func:`root_cause` on a case table (``mining.case_table``) and an evaluated
    :class:`~improvement.Outcome` of the same cases.

    Example:
        >>> cases = case_table(log)                                            # doctest: +SKIP
        >>> find_drivers(cases, evaluate_outcome("slow", cases, case_activities(log)))  # doctest: +SKIP
    """  # noqa: E501
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha!r}")
    values = outcome.values.reindex(cases["case_id"].to_numpy())
    defined = values.notna().to_numpy()
    subset = cases.loc[defined].reset_index(drop=True)
    subset.attrs = dict(cases.attrs)
    y = pd.Series(values.to_numpy()[defined].astype(bool), name="outcome").astype(int)
    measure = None
    if outcome.measure is not None and outcome.measure.nunique() > 2:  # not for yes/no flags
        measure = pd.Series(outcome.measure.reindex(subset["case_id"].to_numpy()).to_numpy())
    notes: list[str] = []
    if outcome.n_undefined:
        notes.append(f"{outcome.n_undefined:,} cases left out: the outcome is undefined for them.")
    skip = list(exclude) + list(outcome.attributes)
    include_variant = not outcome.activities
    if outcome.activities and VARIANT not in exclude:
        notes.append(
            "variant left out: the outcome is about activities, so the path would explain it "
            "by definition."
        )
    if outcome.attributes:
        notes.append(f"Left out as part of the outcome: {', '.join(outcome.attributes)}.")
    factors, factor_notes = case_factors(
        subset,
        resource_name=resource_name,
        exclude=skip,
        include_variant=include_variant,
        max_levels=max_levels,
        bins=bins,
        min_cases=min_cases,
    )
    notes += factor_notes
    factors = _distinct_groupings(factors, notes)
    for name, labels in list(factors.items()):
        codes = pd.factorize(labels)[0]
        positives = np.bincount(codes, weights=y.to_numpy())
        sizes = np.bincount(codes)
        if y.nunique() > 1 and np.all((positives == 0) | (positives == sizes)):
            notes.append(
                f"{name} left out: its value fixes the outcome exactly, so it is probably "
                "recorded because of it (a consequence, not a cause)."
            )
            del factors[name]
    n_positive = int(y.sum())
    if n_positive in (0, len(y)):
        notes.append("Every analysed case has the same outcome: nothing to compare.")
        factors = {}
    screen = _screen(y, factors, measure, min_cases, alpha)
    model, summary = (
        _model(y, factors, screen, alpha, notes)
        if len(screen)
        else (
            pd.DataFrame(columns=MODEL_COLUMNS),
            "nothing to model",
        )
    )
    drivers = screen[
        (screen["q_value"] < alpha) & (screen["risk_ratio"] > 1) & (screen["level"] != OTHER)
    ].copy()
    adjusted = model.rename(
        columns={
            "odds_ratio": "adjusted_odds_ratio",
            "low": "adjusted_low",
            "high": "adjusted_high",
            "p_value": "adjusted_p_value",
        }
    )
    drivers = drivers.merge(adjusted, on=["factor", "level"], how="left")
    for column in ("adjusted_odds_ratio", "adjusted_low", "adjusted_high", "adjusted_p_value"):
        drivers[column] = drivers[column].astype(float)
    drivers["evidence"] = [_evidence(row, alpha) for _, row in drivers.iterrows()]
    drivers["_order"] = drivers["evidence"].map(EVIDENCE.index)
    drivers = drivers.sort_values(
        ["_order", "q_value", "risk_ratio"], ascending=[True, True, False]
    )
    drivers = drivers.drop(columns="_order").reset_index(drop=True)
    if top is not None:
        drivers = drivers.head(top)
    drivers.insert(0, "rank", np.arange(1, len(drivers) + 1))
    drivers["sentence"] = [
        _sentence(row, outcome.description, resource_name, outcome.measure_is_time)
        for _, row in drivers.iterrows()
    ]
    return RootCause(
        outcome=outcome.description,
        n_cases=len(y),
        n_positive=n_positive,
        drivers=drivers[DRIVER_COLUMNS],
        screen=screen,
        model=model,
        model_summary=summary,
        measure_label=outcome.measure_label,
        measure_is_time=outcome.measure_is_time,
        notes=tuple(notes),
        alpha=alpha,
        resource_name=resource_name,
        labels=pd.DataFrame(
            {name: values.to_numpy() for name, values in factors.items()},
            index=pd.Index(subset["case_id"].to_numpy(), name="case_id"),
        ),
    )


def root_cause(
    log: EventLog,
    outcome: str | Outcome,
    *,
    top: int | None = None,
    alpha: float = 0.05,
    exclude: Sequence[str] = (),
    max_levels: int = 12,
    bins: int = 4,
    min_cases: int = 5,
) -> RootCause:
    """Drivers of a case outcome: screen every case attribute, the resource, the variant and
    the start month with effect sizes and Benjamini–Hochberg-corrected p-values, then adjust
    the significant ones for each other in a logistic regression (see the module docstring).

    ``outcome`` is an expression of the outcome language (``improvement.outcome``) or an
    evaluated :class:`~improvement.Outcome`. ``exclude`` names factors to leave out.

    Example:
        >>> rc = root_cause(log, "gap 'Accepted' -> 'Demo booked' > p75")  # doctest: +SKIP
        >>> rc.top                                                             # doctest: +SKIP
        ('region', 'North')
        >>> rc.sentences()[0]                                                  # doctest: +SKIP
    """
    cases = case_table(log)
    evaluated = outcome_on(log, outcome, cases) if isinstance(outcome, str) else outcome
    return find_drivers(
        cases,
        evaluated,
        resource_name=log.mapping.resource or RESOURCE,
        top=top,
        alpha=alpha,
        exclude=exclude,
        max_levels=max_levels,
        bins=bins,
        min_cases=min_cases,
    )

"""Customer metrics, computed when the log holds transactions (a customer column and purchase
activities): the data-quality score every record needs first, recency / frequency / monetary
segments, historical lifetime value, churn risk in the next 30 / 60 days (a statsmodels logistic
regression with its out-of-time validation) and cohort retention. Definitions in
``docs/kpis.md``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

import mining
from improvement._kpi_base import (
    KpiContext,
    Measurement,
    Unavailable,
    kpi,
)
from improvement._locale import Text

DAY = 86400.0
QUALITY_ROLES = ("amount", "fit", "moment", "contact", "email", "customer")
HORIZONS = (30, 60)
MAX_LIFETIME_YEARS = 10.0
MIN_CUSTOMERS = 5


# -- data quality -------------------------------------------------------------------------
@kpi("data_quality")
def data_quality(ctx: KpiContext) -> Measurement:
    """Mean completeness per record of the fields the other KPIs need."""
    fields = [c for c in (ctx.column(r, required=False) for r in QUALITY_ROLES) if c]
    if ctx.log.has_resource:
        fields.insert(0, "resource")
    reason = ctx.column("loss_reason", required=False)
    if not fields and reason is None:
        raise Unavailable(
            Text(
                "the log has none of the fields the KPIs need (resource, amount, fit, moment, "
                "contact, email, customer, loss reason)",
                "el registro no tiene ninguno de los campos que necesitan los indicadores "
                "(recurso, importe, encaje, momento, contacto, correo, cliente, motivo de "
                "pérdida)",
            )
        )
    flags = ctx.flags()[["case_id", "lost"]]
    values = flags.merge(ctx.values(*fields, *([reason] if reason else [])), on="case_id")
    present = values[fields].notna()
    expected = pd.Series(float(len(fields)), index=values.index)
    complete = present.sum(axis=1).astype(float)
    rows = [
        {"field": f, "records": len(values), "complete": float(present[f].mean())} for f in fields
    ]
    if reason is not None:
        lost = values["lost"].to_numpy(dtype=bool)
        expected += lost
        complete += lost & values[reason].notna().to_numpy()
        rows.append(
            {
                "field": f"{reason} (lost)",
                "records": int(lost.sum()),
                "complete": float(values.loc[lost, reason].notna().mean())
                if lost.any()
                else math.nan,
            }
        )
    score = (complete / expected.where(expected > 0)).dropna()
    if score.empty:
        raise Unavailable(Text("no record to score", "ningún registro que puntuar"))
    absent = [r for r in QUALITY_ROLES if ctx.column(r, required=False) is None]
    return Measurement(
        float(score.mean()),
        denominator=float(len(score)),
        breakdown=pd.DataFrame(rows),
        details={
            "records": len(score),
            "complete_records": int((score >= 1.0).sum()),
            "fields": fields + ([reason] if reason else []),
            "absent_roles": absent,
        },
    )


# -- transactions -------------------------------------------------------------------------
def _purchases(ctx: KpiContext, *, need_amount: bool) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Purchases per customer and day, and the reference day (the data's last day)."""
    customer = str(ctx.column("customer"))
    amount = ctx.column("amount", required=need_amount)
    labels = ctx.labels("purchase", required=True)
    frame = mining.customer_purchases(ctx.log, customer, labels, amount)
    if frame["customer"].nunique() < MIN_CUSTOMERS:
        raise Unavailable(
            Text(
                "fewer than {n} customers with a purchase",
                "menos de {n} clientes con alguna compra",
            ).format(n=MIN_CUSTOMERS)
        )
    reference = ctx.reference.tz_convert("UTC").normalize()
    return frame, reference


def _per_customer(frame: pd.DataFrame, reference: pd.Timestamp) -> pd.DataFrame:
    groups = frame.groupby("customer")
    table = pd.DataFrame(
        {
            "first": groups["day"].min(),
            "last": groups["day"].max(),
            "frequency": groups["purchases"].sum(),
            "monetary": groups["amount"].sum(min_count=1),
        }
    )
    table["recency_days"] = (reference - table["last"]).dt.days.astype(float)
    table["tenure_days"] = (reference - table["first"]).dt.days.astype(float)
    return table


def _quintile(values: pd.Series, *, reverse: bool = False) -> pd.Series:
    ranks = values.rank(method="first", ascending=not reverse)
    return pd.qcut(ranks, 5, labels=[1, 2, 3, 4, 5]).astype(int)


def _segment(r: int, f: int, m: int) -> str:
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4 and f <= 2:
        return "new"
    if r <= 2 and f >= 3:
        return "at risk"
    if r <= 2:
        return "hibernating"
    return "needs attention"


SEGMENTS = ("champions", "loyal", "new", "needs attention", "at risk", "hibernating")


@kpi("rfm")
def rfm(ctx: KpiContext) -> Measurement:
    """Quintile scores of recency, frequency and money; value: the share of champions."""
    frame, reference = _purchases(ctx, need_amount=True)
    table = _per_customer(frame, reference)
    table["monetary"] = table["monetary"].fillna(0.0)
    table["R"] = _quintile(table["recency_days"], reverse=True)
    table["F"] = _quintile(table["frequency"])
    table["M"] = _quintile(table["monetary"])
    table["segment"] = [
        _segment(r, f, m) for r, f, m in zip(table["R"], table["F"], table["M"], strict=True)
    ]
    groups = table.groupby("segment")
    breakdown = (
        pd.DataFrame(
            {
                "customers": groups.size(),
                "recency_days": groups["recency_days"].mean(),
                "frequency": groups["frequency"].mean(),
                "monetary": groups["monetary"].sum(),
            }
        )
        .reindex(SEGMENTS)
        .dropna(subset=["customers"])
    )
    breakdown.insert(1, "share", breakdown["customers"] / len(table))
    champions = int((table["segment"] == "champions").sum())
    return Measurement(
        champions / len(table),
        numerator=float(champions),
        denominator=float(len(table)),
        breakdown=breakdown.rename_axis("segment").reset_index(),
        details={"customers": table.reset_index(), "as_of": reference},
    )


@kpi("cohort_retention")
def cohort_retention(ctx: KpiContext) -> Measurement:
    """Share of each first-purchase month's customers buying again k months later."""
    frame, reference = _purchases(ctx, need_amount=False)
    months = frame["day"].dt.tz_localize(None).dt.to_period("M")
    frame = frame.assign(month=months)
    first = frame.groupby("customer")["month"].min().rename("cohort")
    frame = frame.join(first, on="customer")
    frame["k"] = (frame["month"] - frame["cohort"]).apply(lambda d: d.n)
    sizes = first.value_counts().sort_index()
    active = frame.groupby(["cohort", "k"])["customer"].nunique().unstack(fill_value=0)
    span = max(int(frame["k"].max()), 0)
    active = active.reindex(columns=range(span + 1), fill_value=0)
    matrix = active.div(sizes, axis=0).astype(float)
    # the reference's own month is still running: the last complete month is the one before
    last_complete = reference.tz_localize(None).to_period("M") - 1
    observed = [c for c in matrix.index if (c + 3) <= last_complete]
    if not observed or 3 not in matrix.columns:
        raise Unavailable(
            Text(
                "no cohort is old enough to have a complete month 3",
                "ninguna cohorte tiene aún completo su tercer mes",
            )
        )
    month3 = matrix.loc[observed, 3]
    for cohort in matrix.index:  # months not yet observed are unknown, not zero
        for k in matrix.columns:
            if cohort + k > last_complete:
                matrix.loc[cohort, k] = np.nan
    breakdown = matrix.copy()
    breakdown.columns = [f"m{k}" for k in breakdown.columns]
    breakdown.insert(0, "customers", sizes.reindex(breakdown.index).to_numpy())
    breakdown.index = breakdown.index.astype(str)
    return Measurement(
        float(month3.mean()),
        denominator=float(len(observed)),
        breakdown=breakdown.rename_axis("cohort").reset_index(),
        details={"cohorts": len(matrix), "cohorts_with_month_3": len(observed)},
    )


@kpi("clv")
def clv(ctx: KpiContext) -> Measurement:
    """Average order value × purchases per year × expected lifetime (1 / yearly churn)."""
    frame, reference = _purchases(ctx, need_amount=True)
    table = _per_customer(frame, reference)
    year = pd.Timedelta(days=365)
    before = set(
        frame.loc[
            (frame["day"] >= reference - 2 * year) & (frame["day"] < reference - year), "customer"
        ]
    )
    if not before:
        raise Unavailable(
            Text(
                "the yearly churn rate needs two years of purchases",
                "la tasa anual de abandono necesita dos años de compras",
            )
        )
    after = set(frame.loc[frame["day"] >= reference - year, "customer"])
    churn = len(before - after) / len(before)
    lifetime = MAX_LIFETIME_YEARS if churn == 0 else min(1 / churn, MAX_LIFETIME_YEARS)
    aov = table["monetary"] / table["frequency"]
    per_year = table["frequency"] / (table["tenure_days"].clip(lower=30) / 365.0)
    table["clv"] = aov * per_year * lifetime
    table = table.dropna(subset=["clv"])
    notes = []
    if lifetime == MAX_LIFETIME_YEARS:
        notes.append(
            Text("expected lifetime capped at 10 years", "vida esperada limitada a 10 años")
        )
    top = table.sort_values("clv", ascending=False).head(10).reset_index()
    return Measurement(
        float(table["clv"].mean()),
        denominator=float(len(table)),
        breakdown=top[["customer", "frequency", "monetary", "tenure_days", "clv"]],
        details={
            "churn_per_year": churn,
            "lifetime_years": lifetime,
            "average_order_value": float(table["monetary"].sum() / table["frequency"].sum()),
            "customers": len(table),
        },
        notes=tuple(notes),
    )


# -- churn --------------------------------------------------------------------------------
def _features(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per customer with a purchase before ``cutoff``: log recency, frequency, monetary."""
    past = frame[frame["day"] < cutoff]
    table = _per_customer(past, cutoff)
    table = table[table["recency_days"] <= 365]  # active in the last year
    money = table["monetary"].fillna(0.0) / table["frequency"]
    return pd.DataFrame(
        {
            "log_recency": np.log1p(table["recency_days"]),
            "log_frequency": np.log1p(table["frequency"].astype(float)),
            "log_order_value": np.log1p(money.clip(lower=0)),
        },
        index=table.index,
    )


def _labels(frame: pd.DataFrame, customers: pd.Index, cutoff: pd.Timestamp, days: int) -> pd.Series:
    window = frame[(frame["day"] >= cutoff) & (frame["day"] < cutoff + pd.Timedelta(days=days))]
    bought = set(window["customer"])
    return pd.Series([c not in bought for c in customers], index=customers, dtype=float)


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    positives, negatives = p[y == 1], p[y == 0]
    if not len(positives) or not len(negatives):
        return math.nan
    u = stats.mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    return float(u / (len(positives) * len(negatives)))


def _fit_horizon(frame: pd.DataFrame, reference: pd.Timestamp, days: int) -> dict:
    """Fit P(no purchase in ``days``) on rolling monthly cutoffs, validate out of time on the
    latest complete window, then score the active customers at ``reference``."""
    latest = reference - pd.Timedelta(days=days)
    cutoffs = [latest - pd.Timedelta(days=30 * k) for k in range(0, 12)]
    start = frame["day"].min() + pd.Timedelta(days=60)
    cutoffs = [c for c in cutoffs if c >= start]
    if len(cutoffs) < 2:
        raise Unavailable(
            Text(
                "the churn model needs at least {d} days of purchases plus two months",
                "el modelo de abandono necesita al menos {d} días de compras más dos meses",
            ).format(d=days)
        )
    rows = []
    for k, cutoff in enumerate(cutoffs):
        x = _features(frame, cutoff)
        if x.empty:
            continue
        rows.append(x.assign(churned=_labels(frame, x.index, cutoff, days), fold=k))
    data = pd.concat(rows) if rows else pd.DataFrame()
    train, test = data[data["fold"] > 0], data[data["fold"] == 0]
    columns = ["log_recency", "log_frequency", "log_order_value"]
    if len(train) < 30 or train["churned"].nunique() < 2 or test.empty:
        raise Unavailable(
            Text(
                "too few customers to fit and validate the churn model",
                "muy pocos clientes para ajustar y validar el modelo de abandono",
            )
        )
    usable = [c for c in columns if train[c].std() > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.Logit(train["churned"], sm.add_constant(train[usable], has_constant="add"))
        fitted = model.fit(disp=0, maxiter=200)
    predicted = fitted.predict(sm.add_constant(test[usable], has_constant="add")).to_numpy()
    observed = test["churned"].to_numpy()
    bins = pd.qcut(pd.Series(predicted).rank(method="first"), min(5, len(test)), labels=False)
    calibration = (
        pd.DataFrame({"bin": bins, "predicted": predicted, "observed": observed})
        .groupby("bin")
        .agg(
            customers=("predicted", "size"),
            predicted=("predicted", "mean"),
            observed=("observed", "mean"),
        )
        .reset_index(drop=True)
    )
    now = _features(frame, reference + pd.Timedelta(days=1))
    risk = fitted.predict(sm.add_constant(now[usable], has_constant="add"))
    return {
        "risk": risk,
        "validation": {
            "cutoff": latest,
            "train_rows": len(train),
            "test_customers": len(test),
            "auc": _auc(observed, predicted),
            "brier": float(np.mean((predicted - observed) ** 2)),
            "base_rate": float(observed.mean()),
            "calibration": calibration,
        },
        "coefficients": pd.DataFrame({"coefficient": fitted.params, "p_value": fitted.pvalues})
        .rename_axis("term")
        .reset_index(),
    }


@kpi("churn_risk")
def churn_risk(ctx: KpiContext) -> Measurement:
    """Mean predicted risk of no purchase in the next 60 days (and 30), with validation."""
    frame, reference = _purchases(ctx, need_amount=False)
    fits = {days: _fit_horizon(frame, reference, days) for days in HORIZONS}
    risk = pd.DataFrame({f"risk_{d}d": fits[d]["risk"] for d in HORIZONS})
    risk = risk.sort_values(f"risk_{HORIZONS[-1]}d", ascending=False).rename_axis("customer")
    return Measurement(
        float(risk[f"risk_{HORIZONS[-1]}d"].mean()),
        denominator=float(len(risk)),
        breakdown=risk.reset_index(),
        details={
            "risk_30d": float(risk["risk_30d"].mean()),
            "risk_60d": float(risk["risk_60d"].mean()),
            "validation": {d: fits[d]["validation"] for d in HORIZONS},
            "coefficients": {d: fits[d]["coefficients"] for d in HORIZONS},
            "as_of": reference,
        },
        notes=(
            Text(
                "validated out of time: fitted on earlier monthly cutoffs, tested on the latest "
                "complete window (see details.validation: AUC, Brier score, calibration)",
                "validado fuera del tiempo: ajustado en cortes mensuales anteriores y probado "
                "en la última ventana completa (ver details.validation: AUC, Brier, "
                "calibración)",
            ),
        ),
    )

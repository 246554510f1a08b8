"""What ``mejora open`` prints: the open cases of a stored log, stuck ones first, as a table
with the reason for each, or as JSON. The command itself is registered by the automation layer,
which can add a designed workflow's waits as the limits."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.table import Table

import mining
from improvement._kpi_base import KpiSettings
from improvement._locale import Text, day, money, number, percent, span, user_lang
from improvement._open_cases import open_cases
from improvement._predictions import NotEnoughHistory, PredictionEvaluation, evaluate_predictions
from improvement.cli_report import _settings
from mining.cli import emit_json, stored_log

console = Console()
_HEAD = {
    "rank": Text("#", "#"),
    "case_id": Text("case", "caso"),
    "step": Text("step", "paso"),
    "in_step": Text("in step", "en el paso"),
    "limit": Text("limit", "límite"),
    "loss": Text("loss", "pérdida"),
    "risk": Text("at risk", "en riesgo"),
    "close": Text("expected close", "cierre previsto"),
}


def print_open(
    name: str,
    *,
    lang: str | None,
    settings: Path | None,
    quantile: float,
    top: int,
    filters: str | None,
    store: Path | None,
    as_json: bool,
    designed_waits: Mapping[str, float] | None = None,
    predict: bool = True,
    evaluate: bool = False,
) -> None:
    """Compute :func:`~improvement.open_cases` on a stored log and print it (``top`` rows);
    with ``evaluate``, also the honest test of its predictions
    (:func:`~improvement.evaluate_predictions`)."""
    lang = user_lang(lang)
    if top < 1:
        raise ValueError(f"--top must be at least 1, not {top}")
    chosen = _settings(settings)
    with stored_log(store, name, filters) as log:
        found = open_cases(
            log, chosen, designed_waits=designed_waits, quantile=quantile, predict=predict
        )
        checked = _evaluation(log, chosen) if evaluate else None
    if as_json:
        data = found.to_dict(lang)
        if evaluate:
            data["prediction_test"] = checked if isinstance(checked, str) else checked.to_dict()
        emit_json(data)
        return
    counts = Text(
        "{o} open cases of {n} at {t} ({s} stuck; {c} closed, {a} abandoned)",
        "{o} casos abiertos de {n} a {t} ({s} atascados; {c} cerrados, {a} abandonados)",
    ).format(
        o=number(len(found.table), lang, 0),
        n=number(found.n_cases, lang, 0),
        t=found.reference.strftime("%Y-%m-%d %H:%M"),
        s=number(int(found.table["stuck"].sum()), lang, 0),
        c=number(found.n_closed, lang, 0),
        a=number(found.n_abandoned, lang, 0),
    )
    view = Table(title=f"{name}: {counts(lang)}", title_justify="left")
    for key in _HEAD:
        view.add_column(_HEAD[key](lang), justify="right" if key != "step" else "left")
    frame = found.to_frame(lang).head(top)
    for row in frame.to_dict("records"):
        view.add_row(
            str(row["rank"]),
            str(row["case_id"]),
            str(row["step"]),
            span(row["in_step_days"], lang),
            "-" if row["limit_days"] != row["limit_days"] else span(row["limit_days"], lang),
            "-"
            if row["loss_probability"] != row["loss_probability"]
            else percent(row["loss_probability"], lang, 0),
            "-"
            if row["value_at_risk"] != row["value_at_risk"]
            else money(row["value_at_risk"], found.currency, lang),
            day(row["expected_close"], lang),
            style="bold red" if row["stuck"] else None,
        )
    console.print(view)
    for row in frame[frame["stuck"]].to_dict("records"):
        console.print(f"{row['rank']:>3}. {row['case_id']}: {row['why']}", highlight=False)
    for note in found.notes:
        console.print(note(lang), highlight=False)
    if checked is not None:
        text = (
            checked.describe(lang)
            if not isinstance(checked, str)
            else Text("Predictions not tested: {e}.", "Predicciones sin probar: {e}.").format(
                e=checked
            )(lang)
        )
        console.print(text, highlight=False)


def _evaluation(log: mining.EventLog, settings: KpiSettings) -> PredictionEvaluation | str:
    """The predictions' test on ``log``, or why it could not run."""
    try:
        return evaluate_predictions(log, settings)
    except NotEnoughHistory as error:
        return str(error)

"""What a prediction for an open case may know, as a feature matrix: the prefix table
(``mining.prefix_table``, one row per event, nothing from later events) joined with where each
case ended up (the targets), and an encoder that turns prefixes into numbers and category codes.

Features of a prefix: its last and previous activity, how often each activity happened so far,
its event count and rework, the time since the case started and since the previous event, the
hour and weekday of its last event, the owner and the owner's load (cases touched in the last
seven days), and the case attributes as they stood then. An attribute that on its own all but
tells the outcome (a loss reason filled in on every row of a lost deal's export, say) is left
out and named: it is the outcome written down, not a sign of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import mining
from improvement._case_status import CaseStatus
from improvement._kpi_customer import _auc
from improvement._locale import Text
from improvement._root_cause import _ID_NAME

_DAY = 86400.0
_MAX_ACTIVITIES = 60
_MAX_LEVELS = 40
_LEAK_AUC = 0.97
_BASE = ("activity", "previous_activity", "resource")


@dataclass(frozen=True)
class Prefixes:
    """The prefix table with its targets: ``remaining_days`` (to the case's last event),
    ``lost`` (1 / 0, NaN when the outcome is unknown), ``decided`` (the prefix already holds
    the won or lost event), ``last`` (the prefix is the whole case so far); ``attributes`` are
    the attribute columns kept, ``notes`` say which were left out and why."""

    frame: pd.DataFrame
    attributes: tuple[str, ...]
    notes: tuple[Text, ...] = field(default=())


def prefixes(log: mining.EventLog, status: CaseStatus) -> Prefixes:
    """Every prefix of every case with its targets, attributes chosen (see the module)."""
    candidates = [a for a in log.attribute_columns if a != "resource"]
    frame = mining.prefix_table(log, candidates)
    names = frame.attrs["attributes"]
    cases = status.cases
    end = frame["case_id"].map(cases["end"])
    frame["remaining_days"] = (end - frame["timestamp"]).dt.total_seconds() / _DAY
    frame["last"] = frame["case_id"].ne(frame["case_id"].shift(-1))
    deciding = frame["activity"].isin(status.won + status.lost)
    frame["decided"] = deciding.groupby(frame["case_id"]).cummax()
    frame["lost"] = frame["case_id"].map(_outcome(status)).astype(float)
    kept, notes = [], []
    n_cases = len(cases)
    for alias, name in names.items():
        column = frame[alias]
        if pd.api.types.is_datetime64_any_dtype(column):
            notes.append(_left_out(name, "a date", "una fecha"))
            continue
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        distinct = column.nunique()
        if distinct <= 1:
            continue
        if distinct > 0.5 * n_cases and (not numeric or _ID_NAME.search(str(name))):
            notes.append(_left_out(name, "an id", "un identificador"))
            continue
        if _reveals_outcome(frame, alias, numeric):
            notes.append(_left_out(name, "it reveals the outcome", "revela el resultado"))
            continue
        kept.append(alias)
    columns = [c for c in mining.PREFIX_COLUMNS if c in frame]
    columns += [c for c in ("resource", "owner_load") if c in frame]
    columns += [*kept, "remaining_days", "last", "decided", "lost"]
    return Prefixes(frame=frame[columns], attributes=tuple(kept), notes=tuple(notes))


def _outcome(status: CaseStatus) -> pd.Series:
    """Per case, 1 when lost, 0 when not, NaN when unknown: a decided case is known; a closed
    case is known too when the log names only one side (only lost: a case that closed without
    it was not lost; only won: one that closed without it was)."""
    if not status.won and not status.lost:
        return pd.Series(np.nan, index=status.cases.index)
    lost = status.lost_flag.astype(float)
    if not status.lost:
        lost = (~status.decided).astype(float)
    known = status.decided.copy()
    if bool(status.won) != bool(status.lost):
        known |= status.closed
    return lost.where(known)


def _left_out(name: str, en: str, es: str) -> Text:
    text = Text("“{a}” left out of the predictions: {w}.", "«{a}» no se usa al predecir: {w}.")
    return text.format(a=name, w=Text(en, es))


def _reveals_outcome(frame: pd.DataFrame, alias: str, numeric: bool) -> bool:
    """Whether the attribute alone sorts the undecided prefixes of known cases by outcome
    with an AUC of at least ``_LEAK_AUC`` (missing values count as a value of their own)."""
    rows = frame[frame["lost"].notna() & ~frame["decided"]]
    y = rows["lost"].to_numpy()
    if len(rows) < 20 or y.min() == y.max():
        return False
    if numeric:
        score = rows[alias].astype(float).fillna(-np.inf).to_numpy()
    else:
        values = rows[alias].astype("string").fillna("\x00missing")
        score = values.map(rows.groupby(values)["lost"].mean()).to_numpy(dtype=float)
    auc = _auc(y, score)
    return max(auc, 1 - auc) >= _LEAK_AUC


class Encoder:
    """Turns prefix rows into a numeric matrix: the vocabulary (most frequent activities and
    category levels) is learnt from the training rows only, so a test row's unseen level is
    missing, not a new code."""

    def __init__(self, attributes: tuple[str, ...]):
        self.attributes = attributes
        self.activities: list[str] = []
        self.levels: dict[str, list[str]] = {}
        self.numeric: list[str] = []

    def fit(self, frame: pd.DataFrame) -> Encoder:
        """Learn the vocabulary from ``frame`` (prefix rows)."""
        counts = frame["activity"].value_counts()
        self.activities = list(counts.index[:_MAX_ACTIVITIES])
        categorical = [c for c in _BASE if c in frame]
        for column in self.attributes:
            kind = frame[column].dtype
            if pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind):
                self.numeric.append(column)
            else:
                categorical.append(column)
        for column in categorical:
            top = frame[column].astype("string").value_counts().index[:_MAX_LEVELS]
            self.levels[column] = [str(v) for v in top]
        return self

    @property
    def categorical(self) -> list[str]:
        """The columns of the matrix that hold category codes."""
        return [f"cat_{c}" for c in self.levels]

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The feature matrix of ``frame`` (prefix rows in case order, whole cases up to each
        row: the activity counts are running sums within each case)."""
        out: dict[str, np.ndarray] = {
            "n_events": frame["n_events"].to_numpy(dtype=float),
            "elapsed_days": frame["elapsed_seconds"].to_numpy(dtype=float) / _DAY,
            "since_previous_days": frame["since_previous_seconds"].to_numpy(dtype=float) / _DAY,
            "hour": frame["timestamp"].dt.hour.to_numpy(dtype=float),
            "weekday": frame["timestamp"].dt.day_of_week.to_numpy(dtype=float),
        }
        if "owner_load" in frame:
            out["owner_load"] = frame["owner_load"].to_numpy(dtype=float)
        codes = pd.Index(self.activities).get_indexer(frame["activity"].astype(object))
        counts = _running_counts(frame["case_id"].to_numpy(), codes, len(self.activities))
        distinct = (counts > 0).sum(axis=1)
        out["distinct_activities"] = distinct.astype(float)
        out["repeats"] = out["n_events"] - distinct
        for i in range(len(self.activities)):
            out[f"count_{i}"] = counts[:, i]
        for column in self.numeric:
            out[f"num_{column}"] = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        for column, levels in self.levels.items():
            values = frame[column].astype("string").astype(object)
            code = pd.Index(levels).get_indexer(values).astype(float)
            code[code < 0] = np.nan
            out[f"cat_{column}"] = code
        return pd.DataFrame(out, index=frame.index)


def _running_counts(case_ids: np.ndarray, codes: np.ndarray, width: int) -> np.ndarray:
    """Per row, how often each activity code happened in its case up to and including the row
    (rows in case order; code -1, an activity outside the vocabulary, counts nowhere)."""
    counts = np.zeros((len(codes), width), dtype=np.float32)
    known = codes >= 0
    counts[np.flatnonzero(known), codes[known]] = 1.0
    np.cumsum(counts, axis=0, out=counts)
    starts = np.flatnonzero(np.r_[True, case_ids[1:] != case_ids[:-1]])
    before = np.zeros((len(starts), width), dtype=np.float32)
    before[1:] = counts[starts[1:] - 1]
    lengths = np.diff(np.r_[starts, len(codes)])
    counts -= np.repeat(before, lengths, axis=0)
    return counts

"""The pieces every KPI shares: its definition (read from ``kpis.yaml``), the settings that tell
the KPIs which activities and columns mean what, the context a KPI function reads the log
through (scans run once and are shared), the measurement a function returns, and the two
results: :class:`KpiResult` and :class:`NotComputable` (with the reason, never a zero).

A KPI is one entry in ``kpis.yaml`` plus one function registered with ``@kpi("id")`` that takes
a :class:`KpiContext` and returns a :class:`Measurement` (or raises :class:`Unavailable`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import yaml
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import mining
from improvement._locale import Text
from mining.safe_yaml import load_file

Direction = Literal["higher", "lower", "neutral"]
SeriesKind = Literal["proportion", "continuous", "count"]
FAMILIES = (
    "efficiency",
    "efficacy",
    "productivity",
    "compliance",
    "quality",
    "satisfaction",
    "marketing",
    "sales",
    "customer",
)
LEVELS = ("log", "case", "activity", "resource", "workflow", "message", "stage", "cell", "customer")
UNITS = ("share", "days", "hours", "count", "per_resource_week", "score", "currency")


# -- definitions --------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiDefinition:
    """One KPI of the catalogue, as data: ``id``, ``family`` (efficiency, compliance, ...),
    ``level``, ``unit``, ``direction`` (higher / lower is better, or neutral), default
    ``target``, ``series`` (how its time series is built, or None), ``requires`` (what the log
    needs), bilingual ``name`` and ``description``, and the ``formula``.

    Example:
        >>> KPI_DEFINITIONS["click_rate"].name("es")
        'Tasa de clics'
    """

    id: str
    family: str
    level: str
    unit: str
    direction: Direction
    target: float | None
    series: SeriesKind | None
    requires: tuple[str, ...]
    name: Text
    description: Text
    formula: str

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready; texts in ``lang`` only, or both languages when None."""
        data = asdict(self)
        for key in ("name", "description"):
            text: Text = getattr(self, key)
            data[key] = text(lang) if lang else text.to_dict()
        data["requires"] = list(self.requires)
        return data


def _definition(entry: Mapping[str, Any]) -> KpiDefinition:
    expected = {f.name for f in fields(KpiDefinition)}
    if set(entry) != expected:
        raise ValueError(
            f"kpis.yaml entry {entry.get('id')!r}: fields {sorted(set(entry) ^ expected)} "
            "missing or unknown"
        )
    checks = (("family", FAMILIES), ("level", LEVELS), ("unit", UNITS))
    for key, allowed in checks:
        if entry[key] not in allowed:
            raise ValueError(f"kpis.yaml entry {entry['id']!r}: {key} {entry[key]!r} unknown")
    if entry["direction"] not in ("higher", "lower", "neutral"):
        raise ValueError(f"kpis.yaml entry {entry['id']!r}: direction {entry['direction']!r}")
    if entry["series"] not in (None, "proportion", "continuous", "count"):
        raise ValueError(f"kpis.yaml entry {entry['id']!r}: series {entry['series']!r}")
    target = entry["target"]
    return KpiDefinition(
        id=str(entry["id"]),
        family=str(entry["family"]),
        level=str(entry["level"]),
        unit=str(entry["unit"]),
        direction=entry["direction"],
        target=None if target is None else float(target),
        series=entry["series"],
        requires=tuple(str(r) for r in entry["requires"]),
        name=Text.of(entry["name"]),
        description=Text.of(entry["description"]),
        formula=str(entry["formula"]),
    )


def load_definitions(text: str | None = None) -> dict[str, KpiDefinition]:
    """The catalogue from ``kpis.yaml`` (or from YAML ``text``), in file order, by id."""
    if text is None:
        text = resources.files("improvement").joinpath("kpis.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    definitions: dict[str, KpiDefinition] = {}
    for entry in entries:
        definition = _definition(entry)
        if definition.id in definitions:
            raise ValueError(f"kpis.yaml: KPI {definition.id!r} is defined twice")
        definitions[definition.id] = definition
    return definitions


KPI_DEFINITIONS: dict[str, KpiDefinition] = load_definitions()


# -- settings -----------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiSettings:
    """What the activities and columns of a log mean, as plain data (JSON / YAML friendly).

    Activity roles (``won``, ``lost``, ``sent``, ...) list candidate labels, matched to the
    log's activities without regard to case; left empty, they are the labels of the same kind
    in the log's vocabulary (``touch``: call and meeting; ``lead_start``: lead created and form
    submitted). Column roles (``amount``, ``customer``, ...) list candidate column names, the
    first present wins; ``contact`` and ``email`` default to the vocabulary's contact and
    message columns. ``stages`` orders the funnel (default: the
    most frequent path of the won cases); ``touch_points`` maps a workflow node to its
    activities; ``targets`` overrides default targets; ``costs`` gives the cost of one unit of
    shortfall per KPI (e.g. ``{"consent_violations": 500}`` per email, ``{"cycle_time": 40}``
    per case-day) for the report's deviations; ``model`` is a PNML or BPMN file, or a
    designed workflow (.yaml / .json, a format the automation layer registers with
    ``mining.read_model``), for the conformance rate.

    Example:
        >>> KpiSettings(sla_hours=72, targets={"cycle_time": 20}).targets["cycle_time"]
        20
    """

    won: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    goal: tuple[str, ...] = ()
    touch: tuple[str, ...] = ()
    lead_start: tuple[str, ...] = ()
    error: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()
    delivered: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()
    clicked: tuple[str, ...] = ()
    unsubscribed: tuple[str, ...] = ()
    bounced: tuple[str, ...] = ()
    spam: tuple[str, ...] = ()
    purchase: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    contact: tuple[str, ...] = ()
    customer: tuple[str, ...] = ("customer_id", "customer", "account_id", "account")
    amount: tuple[str, ...] = ("amount", "value", "revenue", "order_value")
    loss_reason: tuple[str, ...] = ("loss_reason", "lost_reason", "closed_lost_reason")
    fit: tuple[str, ...] = ("fit", "lead_fit", "fit_grade")
    moment: tuple[str, ...] = ("moment", "buying_moment", "buying_stage")
    nps: tuple[str, ...] = ("nps", "nps_score", "likelihood_to_recommend")
    csat: tuple[str, ...] = ("csat", "csat_score", "satisfaction")
    stages: tuple[str, ...] | None = None
    touch_points: Mapping[str, tuple[str, ...]] | None = None
    email_names: Mapping[str, str] = field(default_factory=dict)
    sla_hours: float | None = None
    model: str | None = None
    revivable_reasons: tuple[str, ...] = (
        "not ready",
        "no follow-up",
        "no budget",
        "key contact left",
    )
    revive_within_days: float = 365.0
    targets: Mapping[str, float] = field(default_factory=dict)
    costs: Mapping[str, float] = field(default_factory=dict)
    currency: str = "EUR"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        if self.touch_points is not None:
            points = {str(k): tuple(str(a) for a in v) for k, v in self.touch_points.items()}
            object.__setattr__(self, "touch_points", points)
        unknown = (set(self.targets) | set(self.costs)) - set(KPI_DEFINITIONS)
        if unknown:
            raise ValueError(f"settings name unknown KPIs: {', '.join(sorted(unknown))}")
        if self.sla_hours is not None and not self.sla_hours > 0:
            raise ValueError(f"sla_hours must be positive, not {self.sla_hours!r}")

    def target(self, kpi_id: str) -> float | None:
        """The target of a KPI: from ``targets``, else the catalogue's default."""
        if kpi_id in self.targets:
            return float(self.targets[kpi_id])
        return KPI_DEFINITIONS[kpi_id].target

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists for tuples), the inverse of :meth:`from_dict`."""
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KpiSettings:
        """Settings from plain data; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"unknown KPI settings: {', '.join(sorted(unknown))}; known: "
                + ", ".join(sorted(known))
            )
        return cls(**dict(data))

    @classmethod
    def read(cls, path: str | Path) -> KpiSettings:
        """Settings from a JSON or YAML file."""
        try:
            data = load_file(Path(path))
        except (ValueError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: cannot read the KPI settings: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{path}: KPI settings must be a mapping of names to values")
        return cls.from_dict(data)


ROLE_TEXT: dict[str, Text] = {
    "won": Text("won", "ganado"),
    "lost": Text("lost", "perdido"),
    "goal": Text("goal", "objetivo"),
    "touch": Text("sales touch", "contacto comercial"),
    "lead_start": Text("lead created", "alta del lead"),
    "error": Text("error", "error"),
    "sent": Text("email sent", "correo enviado"),
    "delivered": Text("email delivered", "correo entregado"),
    "opened": Text("email opened", "correo abierto"),
    "clicked": Text("email clicked", "clic en el correo"),
    "unsubscribed": Text("unsubscribe", "baja"),
    "bounced": Text("bounce", "rebote"),
    "spam": Text("spam report", "denuncia de spam"),
    "purchase": Text("purchase", "compra"),
    "email": Text("email", "correo"),
    "contact": Text("contact", "contacto"),
    "customer": Text("customer", "cliente"),
    "amount": Text("amount", "importe"),
    "loss_reason": Text("loss reason", "motivo de pérdida"),
    "fit": Text("fit (A–F)", "encaje (A–F)"),
    "moment": Text("buying moment (1–5)", "momento de compra (1–5)"),
    "nps": Text("NPS", "NPS"),
    "csat": Text("CSAT", "CSAT"),
}


# -- not computable -----------------------------------------------------------------------
class Unavailable(LookupError):
    """Raised by a KPI function that cannot compute its KPI on this log; carries the reason."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


def no_activity(role: str, candidates: Sequence[str], setting: str | None = None) -> Unavailable:
    """The log has no activity playing ``role``: say what was looked for and how to name it."""
    looked = ", ".join(candidates) if candidates else "no label of that kind"
    looked_es = ", ".join(candidates) if candidates else "ninguna etiqueta de ese tipo"
    name = setting or role
    kinds = VOCABULARY_KINDS.get("won" if name == "goal" else name)
    if kinds:
        how = f'`mejora vocabulary LOG --event-kind {kinds[0]}="LABEL"`'
        how_es = f'`mejora vocabulary REGISTRO --event-kind {kinds[0]}="ETIQUETA"`'
    else:
        how, how_es = f"the KPI settings ({name}: [...])", f"los ajustes de KPI ({name}: [...])"
    return Unavailable(
        Text(
            f"no activity of the log is marked as {ROLE_TEXT[role].en} (looked for: {looked}); "
            f"name it with {how}",
            f"ninguna actividad del registro figura como {ROLE_TEXT[role].es} (se buscó: "
            f"{looked_es}); indíquela con {how_es}",
        )
    )


def no_column(role: str, candidates: Sequence[str]) -> Unavailable:
    """The log has no column playing ``role``: say what was looked for and how to name it."""
    looked = ", ".join(candidates) if candidates else "—"
    if role in VOCABULARY_ROLES:
        how = f"`mejora vocabulary LOG --role {VOCABULARY_ROLES[role]}=COLUMN`"
        how_es = f"`mejora vocabulary REGISTRO --role {VOCABULARY_ROLES[role]}=COLUMNA`"
    else:
        how, how_es = f"the KPI settings ({role}: [...])", f"los ajustes de KPI ({role}: [...])"
    return Unavailable(
        Text(
            f"the log has no {ROLE_TEXT[role].en} column (looked for: {looked}); "
            f"name it with {how}",
            f"el registro no tiene columna de {ROLE_TEXT[role].es} (se buscó: {looked}); "
            f"indíquela con {how_es}",
        )
    )


NO_CASES = Text("the log has no cases here", "el registro no tiene casos aquí")


# -- measurement --------------------------------------------------------------------------
@dataclass(frozen=True)
class Measurement:
    """What a KPI function returns: the ``value``; for shares the ``numerator`` and
    ``denominator`` and a 95 % interval (``low``, ``high``); a ``breakdown`` table (per email,
    stage, cell, resource ...); ``items`` (columns ``time`` and ``value``: one row per case,
    message or event behind the value, from which its time series is built); ``details`` and
    ``notes`` (Text)."""

    value: float
    numerator: float | None = None
    denominator: float | None = None
    low: float | None = None
    high: float | None = None
    breakdown: pd.DataFrame | None = None
    items: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Text, ...] = ()


def wilson(k: float, n: float) -> tuple[float, float]:
    """95 % Wilson score interval of ``k`` successes in ``n`` trials (NaN when n = 0).

    Example:
        >>> [round(v, 4) for v in wilson(23, 2869)]
        [0.0053, 0.012]
    """
    if n <= 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def share(flags: pd.Series, notes: Sequence[Text] = (), **extra: Any) -> Measurement:
    """A share KPI from a boolean Series: value, numerator, denominator, Wilson interval."""
    n = len(flags)
    if n == 0:
        raise Unavailable(NO_CASES)
    k = float(np.asarray(flags, dtype=bool).sum())
    low, high = wilson(k, n)
    return Measurement(k / n, k, float(n), low, high, notes=tuple(notes), **extra)


def median_interval(values: np.ndarray) -> tuple[float, float]:
    """95 % distribution-free interval of the median (order statistics of the binomial).

    Example:
        >>> median_interval(np.arange(1.0, 101.0))
        (40.0, 61.0)
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n < 6:
        return (math.nan, math.nan)
    lower = int(stats.binom.ppf(0.025, n, 0.5))
    upper = int(stats.binom.isf(0.025, n, 0.5))
    return float(x[max(lower - 1, 0)]), float(x[min(upper, n - 1)])


def items(times: pd.Series, values: pd.Series | np.ndarray) -> pd.DataFrame:
    """The ``items`` frame of a Measurement (``time`` in UTC, ``value`` as float)."""
    stamps = pd.Series(times)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):  # as is: no object array of Timestamps
        time = pd.DatetimeIndex(stamps.dt.tz_convert("UTC"))
    else:
        time = pd.to_datetime(stamps.to_numpy(), utc=True)
    return pd.DataFrame({"time": time, "value": np.asarray(values, dtype=float)})


# -- the context --------------------------------------------------------------------------
# the vocabulary's kinds behind each activity role left empty, and its roles behind columns
VOCABULARY_KINDS: dict[str, tuple[str, ...]] = {
    "won": ("won",),
    "lost": ("lost",),
    "touch": ("call", "meeting"),
    "lead_start": ("lead_created", "form_submitted"),
    "error": ("error",),
    "sent": ("sent",),
    "delivered": ("delivered",),
    "opened": ("opened",),
    "clicked": ("clicked",),
    "unsubscribed": ("unsubscribed",),
    "bounced": ("bounced",),
    "spam": ("spam",),
    "purchase": ("purchase",),
}
VOCABULARY_ROLES = {"contact": "contact", "email": "message"}
FLAG_ROLES = ("won", "lost", "goal", "error", "touch", "lead_start", "purchase")
MESSAGE_ROLES = ("sent", "delivered", "opened", "clicked", "unsubscribed", "bounced", "spam")
VALUE_ROLES = (
    "amount",
    "loss_reason",
    "fit",
    "moment",
    "contact",
    "email",
    "customer",
    "nps",
    "csat",
)
# the KPIs that read per-case column values (``KpiContext.values``) and the funnel's stages:
# when one of them is planned, the values and the stage flags ride on the scan of the flags
VALUE_KPIS = frozenset(
    (
        "consent_violations",
        "nps",
        "csat",
        "touch_point_completion",
        "lead_scoring_matrix",
        "lost_deals",
        "revivable_deals",
        "data_quality",
    )
)
STAGE_KPIS = frozenset(("funnel_conversion", "win_rate"))
T = TypeVar("T")


class KpiContext:
    """What a KPI function reads: ``log`` (the events the KPI is computed on, filters and period
    applied), ``history`` (the same log before the period filter, for rules that look back,
    such as consent), ``settings``, ``window`` (the period's [start, end) or None) and
    ``reference`` (the last timestamp of the history: "now" for ages). Scans run once and are
    shared between the KPIs: the flags, the column values and the funnel's stage flags of
    every case come from one scan of the events when the ``plan`` (the KPI ids about to be
    computed; default: all) needs them.

    Example:
        >>> ctx = KpiContext(log, KpiSettings())                     # doctest: +SKIP
        >>> ctx.labels("won"), ctx.flags()["won"].sum()              # doctest: +SKIP
    """

    def __init__(
        self,
        log: mining.EventLog,
        settings: KpiSettings,
        *,
        history: mining.EventLog | None = None,
        window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
        plan: Iterable[str] | None = None,
    ) -> None:
        self.log = log
        self.history = history if history is not None else log
        self.settings = settings
        self.window = window
        self.plan = frozenset(KPI_DEFINITIONS if plan is None else plan)
        self._shared: dict[Hashable, tuple[bool, Any]] = {}

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per context under ``key``, for every KPI that asks; an
        :class:`Unavailable` it raises is remembered and raised again."""
        if key not in self._shared:
            try:
                self._shared[key] = (True, compute())
            except Unavailable as missing:
                self._shared[key] = (False, missing)
        ok, value = self._shared[key]
        if not ok:
            raise value
        return value

    # activities and columns -------------------------------------------------------------
    @cached_property
    def activities(self) -> dict[str, str]:
        """Lower-cased activity label -> label, over the history."""
        names = mining.activity_statistics(self.history)["activity"].astype(str)
        return {name.lower(): name for name in names}

    def labels(self, role: str, *, required: bool = False) -> list[str]:
        """The log's activities playing ``role`` (``goal`` falls back to ``won``)."""
        candidates: tuple[str, ...] = getattr(self.settings, role)
        if role == "goal" and not candidates:
            return self.labels("won", required=required)
        if not candidates and role in VOCABULARY_KINDS:
            candidates = self.log.vocabulary.labels(*VOCABULARY_KINDS[role])
        found = [self.activities[c.lower()] for c in candidates if c.lower() in self.activities]
        found = list(dict.fromkeys(found))
        if required and not found:
            raise no_activity(role, candidates, "goal" if role == "goal" else role)
        return found

    def column(self, role: str, *, required: bool = True) -> str | None:
        """The log's column playing ``role`` (first candidate present, any case)."""
        candidates: tuple[str, ...] = getattr(self.settings, role)
        if not candidates and role in VOCABULARY_ROLES:
            column = self.log.vocabulary.role(VOCABULARY_ROLES[role])
            if column is not None:
                return column
            if required:
                raise no_column(role, ())
            return None
        present = {c.lower(): c for c in self.log.attribute_columns}
        for candidate in candidates:
            if candidate.lower() in present:
                return present[candidate.lower()]
        if required:
            raise no_column(role, candidates)
        return None

    @cached_property
    def reference(self) -> pd.Timestamp:
        """The last timestamp of the history (the data's "now")."""
        if self.history is self.log:  # the flags hold every case's last timestamp
            last = self.flags()["end"]
        else:
            last = mining.throughput_times(self.history)["end"]
        if last.empty:
            raise Unavailable(NO_CASES)
        return pd.Timestamp(last.max())

    # shared scans -----------------------------------------------------------------------
    def flags(self) -> pd.DataFrame:
        """``mining.case_flags`` with every activity role found in the log, plus one flag per
        touch point (``tp:NODE``); one row per case."""
        return self._flags

    @property
    def _flags(self) -> pd.DataFrame:
        return self._facts[0]

    @cached_property
    def _facts(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The flags and the planned KPIs' column values and stage flags, in one scan."""
        wanted: dict[str, list[str]] = {}
        for role in FLAG_ROLES:
            found = self.labels(role)
            if found:
                wanted[role] = found
        for node, activities in (self.settings.touch_points or {}).items():
            if activities:
                wanted[f"tp:{node}"] = [self.activities.get(a.lower(), a) for a in activities]
        if self.plan & STAGE_KPIS:
            try:
                stages = self.stages()[0]
            except Unavailable:
                stages = []
            for stage in stages:
                wanted[f"stage:{stage}"] = [stage]
        columns: list[str] = []
        if self.plan & VALUE_KPIS:
            found = [self.column(role, required=False) for role in VALUE_ROLES]
            columns = ["resource"] if self.log.has_resource else []
            # a role may name the case column itself (each case its own contact): it is there
            columns = [c for c in dict.fromkeys([*columns, *found]) if c and c != "case_id"]
        frame, values = mining.case_facts(self.log, wanted, columns)
        for role in FLAG_ROLES:
            if role not in frame:
                frame[role] = False
                frame[f"{role}_at"] = pd.NaT
        return frame, values

    def stages(self) -> tuple[list[str], list[Text]]:
        """The funnel stages and a note on where they come from: the settings' (matched to the
        log's activities), else the most frequent path of the won cases (of all cases without
        won labels) up to the first win, lost activities left out."""
        return self.shared("stages", self._stages)

    def _stages(self) -> tuple[list[str], list[Text]]:
        lost = {a.lower() for a in self.labels("lost")}
        if self.settings.stages:
            unknown = [s for s in self.settings.stages if s.lower() not in self.activities]
            if unknown:
                raise Unavailable(
                    Text(
                        "stages not in the log: {s}", "etapas que no están en el registro: {s}"
                    ).format(s=", ".join(unknown))
                )
            return [self.activities[s.lower()] for s in self.settings.stages], []
        won = set(self.labels("won"))
        top = mining.top_variant(self.history, self.labels("won"))
        if top is None:
            raise Unavailable(NO_CASES)
        path: list[str] = []
        for activity in top:
            if activity not in path and activity.lower() not in lost:
                path.append(activity)
            if activity in won:
                break
        if len(path) < 2:
            raise Unavailable(
                Text(
                    "the most frequent path has a single stage: list the stages under "
                    "stages: in the KPI settings file (--settings)",
                    "el camino más frecuente tiene una sola etapa: enumere las etapas en "
                    "stages: del archivo de ajustes de KPI (--settings)",
                )
            )
        note = Text(
            "stages inferred from the most frequent path{w}: {p}",
            "etapas deducidas del camino más frecuente{w}: {p}",
        ).format(
            w=Text(" of the won cases", " de los casos ganados") if won else Text("", ""),
            p=" → ".join(path),
        )
        return path, [note]

    def stage_flags(self, stages: Sequence[str]) -> pd.DataFrame:
        """One boolean column per stage (the case records it), one row per case in the order
        of :meth:`flags`; from the flags' scan when the plan put the stages there."""
        names = [f"stage:{stage}" for stage in stages]
        flags = self.flags()
        if not all(name in flags for name in names):
            wanted = {name: [stage] for name, stage in zip(names, stages, strict=True)}
            flags = self.shared(
                ("stage_flags", *names), lambda: mining.case_flags(self.log, wanted)
            )
        return pd.DataFrame(flags[names].to_numpy(dtype=bool), columns=list(stages))

    def time_in_activity(self) -> pd.DataFrame:
        """``mining.time_in_activity`` of the log, scanned once for every KPI that asks."""
        return self.shared("time_in_activity", lambda: mining.time_in_activity(self.log)).copy()

    def engagement(self, *roles: str) -> pd.DataFrame:
        """``mining.message_engagement`` per case and email, with every message role found;
        the email column and the ``sent`` and ``roles`` activities must be in the log (else
        :class:`Unavailable`)."""
        self.column("email")
        for role in ("sent", *roles):
            self.labels(role, required=True)
        return self._engagement

    @cached_property
    def _engagement(self) -> pd.DataFrame:
        kinds = {role: self.labels(role) for role in MESSAGE_ROLES if self.labels(role)}
        frame = mining.message_engagement(self.log, str(self.column("email")), kinds)
        for role in MESSAGE_ROLES:
            if role not in frame:
                frame[role] = False
        return frame

    def values(self, *columns: str) -> pd.DataFrame:
        """``mining.case_values`` of ``columns`` (one row per case), from the flags' scan when
        the plan put them there."""
        columns = tuple(c for c in dict.fromkeys(columns) if c != "case_id")  # there already
        prefetched = self._facts[1]
        if all(c in prefetched for c in columns):
            return prefetched[["case_id", *columns]].copy()
        return mining.case_values(self.log, list(columns))

    def email_name(self, email: str) -> str:
        """The display name of an email id (``settings.email_names``), else the id."""
        return str(self.settings.email_names.get(str(email), email))


# -- results ------------------------------------------------------------------------------
def filter_codes(filters: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each recorded filter as the Python that rebuilds it (language-neutral)."""
    return [mining.filter_from_dict(dict(f)).to_code() for f in filters]


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.DataFrame):
        return [_plain(r) for r in value.to_dict("records")]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    return value


@dataclass(frozen=True)
class KpiResult:
    """A computed KPI: the definition, the ``value`` and its ``target``, a 95 % interval
    (``low``, ``high``) where one applies, ``numerator`` / ``denominator`` for shares, the
    ``breakdown``, ``details``, ``notes``, and the ``filters`` (as recorded on the log: the
    period's time range included) and ``window`` it was computed under.

    Example:
        >>> result = compute_kpi(log, "win_rate")                        # doctest: +SKIP
        >>> result.value, result.status, result.filters                  # doctest: +SKIP
    """

    definition: KpiDefinition
    value: float
    target: float | None
    log_name: str
    filters: tuple[dict[str, Any], ...] = ()
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None
    numerator: float | None = None
    denominator: float | None = None
    low: float | None = None
    high: float | None = None
    breakdown: pd.DataFrame | None = field(default=None, repr=False)
    items: pd.DataFrame | None = field(default=None, repr=False)
    details: dict[str, Any] = field(default_factory=dict, repr=False)
    notes: tuple[Text, ...] = ()
    computable: bool = field(default=True, init=False)

    @property
    def id(self) -> str:
        """The KPI's id."""
        return self.definition.id

    def name(self, lang: str = "en") -> str:
        """The KPI's name in ``lang``."""
        return self.definition.name(lang)

    @property
    def status(self) -> str:
        """``met``, ``missed`` or ``no target`` (also for neutral KPIs)."""
        if self.target is None or self.definition.direction == "neutral":
            return "no target"
        return "met" if self.gap() >= 0 else "missed"

    def gap(self) -> float:
        """Value minus target, signed so that positive is better (NaN without a target)."""
        if self.target is None or self.definition.direction == "neutral":
            return math.nan
        sign = 1.0 if self.definition.direction == "higher" else -1.0
        return sign * (self.value - self.target)

    def with_target(self, target: float | None) -> KpiResult:
        """The same result judged against another target."""
        return replace(self, target=target)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready (texts in ``lang``, or both languages when None)."""
        notes = [n(lang) if lang else n.to_dict() for n in self.notes]
        return _plain(
            {
                "id": self.id,
                "name": self.definition.name(lang) if lang else self.definition.name.to_dict(),
                "computable": True,
                "value": self.value,
                "unit": self.definition.unit,
                "direction": self.definition.direction,
                "target": self.target,
                "status": self.status,
                "low": self.low,
                "high": self.high,
                "numerator": self.numerator,
                "denominator": self.denominator,
                "details": self.details,
                "notes": notes,
                "log": self.log_name,
                "filters": list(self.filters),
                "filter_code": filter_codes(self.filters),
                "window": None if self.window is None else list(self.window),
                "breakdown": self.breakdown if self.breakdown is not None else None,
            }
        )


@dataclass(frozen=True)
class NotComputable:
    """A KPI that cannot be computed on this log, with the ``reason`` (English and Spanish) and
    the filters and window it was attempted under. Its ``value`` is None, never zero.

    Example:
        >>> result = compute_kpi(log, "nps")                             # doctest: +SKIP
        >>> result.computable, result.reason("en")                       # doctest: +SKIP
        (False, 'the log has no NPS column (looked for: nps, nps_score, ...)')
    """

    definition: KpiDefinition
    reason: Text
    log_name: str
    filters: tuple[dict[str, Any], ...] = ()
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None
    computable: bool = field(default=False, init=False)
    value: None = field(default=None, init=False)

    @property
    def id(self) -> str:
        """The KPI's id."""
        return self.definition.id

    def name(self, lang: str = "en") -> str:
        """The KPI's name in ``lang``."""
        return self.definition.name(lang)

    @property
    def status(self) -> str:
        """Always ``not computable``."""
        return "not computable"

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready (texts in ``lang``, or both languages when None)."""
        return _plain(
            {
                "id": self.id,
                "name": self.definition.name(lang) if lang else self.definition.name.to_dict(),
                "computable": False,
                "value": None,
                "unit": self.definition.unit,
                "reason": self.reason(lang) if lang else self.reason.to_dict(),
                "log": self.log_name,
                "filters": list(self.filters),
                "filter_code": filter_codes(self.filters),
                "window": None if self.window is None else list(self.window),
            }
        )


# -- the registry -------------------------------------------------------------------------
KpiFunction = Callable[[KpiContext], Measurement]
KPI_FUNCTIONS: dict[str, KpiFunction] = {}


def kpi(kpi_id: str) -> Callable[[KpiFunction], KpiFunction]:
    """Register the function computing the KPI ``kpi_id`` (which ``kpis.yaml`` must define)."""
    if kpi_id not in KPI_DEFINITIONS:
        raise ValueError(f"KPI {kpi_id!r} has no entry in kpis.yaml")

    def register(function: KpiFunction) -> KpiFunction:
        if kpi_id in KPI_FUNCTIONS:
            raise ValueError(f"KPI {kpi_id!r} is registered twice")
        KPI_FUNCTIONS[kpi_id] = function
        return function

    return register

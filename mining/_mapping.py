"""Column mapping: which source column holds the case id, activity, timestamp, resource, start time.

Common names are detected in English and Spanish, then, for names no list holds, by the words
they are made of ("Deal ID", "Changed At", "id_contacto"); an explicit mapping always wins. The
mapping is kept on the EventLog so no later function needs a column name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mining._vocabulary import normalise
from mining.exceptions import EventLogError

CANONICAL = ("case_id", "activity", "timestamp", "resource", "start_timestamp")
REQUIRED = ("case_id", "activity", "timestamp")

# Ordered by preference: the XES names first (they are unambiguous), then English, then Spanish.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "case_id": (
        "case:concept:name",
        "case_id",
        "caseid",
        "case",
        "case_concept_name",
        "trace_id",
        "process_instance",
        "instance_id",
        "caso",
        "id_caso",
        "caso_id",
        "expediente",
        "ticket_id",
        "deal_id",
        "opportunity_id",
        "opportunityid",
    ),
    "activity": (
        "concept:name",
        "activity",
        "activity_name",
        "event_name",
        "event",
        "task",
        "step",
        "action",
        "actividad",
        "nombre_actividad",
        "evento",
        "tarea",
        "paso",
        "accion",
    ),
    "timestamp": (
        "time:timestamp",
        "timestamp",
        "complete_timestamp",
        "end_timestamp",
        "end_time",
        "completed_at",
        "datetime",
        "time",
        "date",
        "fecha_hora",
        "fecha",
        "marca_de_tiempo",
        "marca_temporal",
        "fecha_fin",
        "hora",
    ),
    "resource": (
        "org:resource",
        "resource",
        "user",
        "agent",
        "performer",
        "owner",
        "employee",
        "recurso",
        "usuario",
        "agente",
        "responsable",
        "empleado",
        "comercial",
    ),
    "start_timestamp": (
        "start_timestamp",
        "start_time",
        "started_at",
        "start",
        "fecha_inicio",
        "inicio",
        "hora_inicio",
    ),
}


# Second pass, for names no list holds: the words a column name is made of. A case id names an
# entity and says it is an id ("Deal ID", "id_contacto") or the person's address
# ("subscriber_email"); an activity column says event / stage / action; a timestamp column says
# time / date or "<verb>_at" / "<verb>_on" ("Changed At", "occurred_on").
_ENTITIES = {
    "case", "caso", "deal", "opportunity", "oportunidad", "negocio", "trato", "lead", "contact",
    "contacto", "subscriber", "suscriptor", "customer", "cliente", "account", "cuenta",
    "ticket", "order", "pedido", "person", "persona", "member", "miembro", "recipient",
    "destinatario", "expediente", "solicitud", "request",
}  # fmt: skip
_ID_WORDS = {"id", "key", "number", "no", "num", "numero", "ref", "code", "codigo"}
_ADDRESS_WORDS = {"email", "mail", "correo"}
_WORDS: dict[str, set[str]] = {
    "activity": {
        "activity", "event", "evento", "action", "accion", "stage", "etapa", "fase", "step",
        "paso", "task", "tarea", "actividad", "status", "estado", "interaction", "interaccion",
    },
    "timestamp": {"timestamp", "time", "datetime", "date", "fecha", "hora", "when", "cuando"},
    "resource": {
        "owner", "rep", "agent", "user", "usuario", "propietario", "assignee", "asignado",
        "vendedor", "salesperson", "comercial", "agente", "responsable", "performer",
    },
    "start_timestamp": set(),
}  # fmt: skip
_START_WORDS = {"start", "started", "inicio", "begin", "began", "comienzo"}


def _word_score(canonical: str, name: str) -> int:
    """How strongly a column name's words say it is ``canonical`` (0: not at all)."""
    words = normalise(name).split()
    if not words:
        return 0
    starts = bool(_START_WORDS & set(words))
    if canonical == "case_id":
        named = _ENTITIES & set(words)
        if named and _ID_WORDS & set(words):
            return 3
        if named and _ADDRESS_WORDS & set(words):
            return 2
        return 0
    if canonical == "timestamp":
        if starts:
            return 0
        if _WORDS["timestamp"] & set(words):
            return 2
        return 1 if len(words) >= 2 and words[-1] in {"at", "on", "el", "en"} else 0
    return 2 if _WORDS[canonical] & set(words) else 0


def _by_words(canonical: str, columns: list[str], used: set[str]) -> str | None:
    scored = [(_word_score(canonical, c), -i, c) for i, c in enumerate(columns) if c not in used]
    scored = [s for s in scored if s[0] > 0]
    return max(scored)[2] if scored else None


def _norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


@dataclass(frozen=True)
class ColumnMapping:
    """Source column behind each canonical column; ``detected`` lists the ones found by name."""

    case_id: str
    activity: str
    timestamp: str
    resource: str | None = None
    start_timestamp: str | None = None
    detected: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, str]:
        """Canonical name -> source column, for the columns that are present."""
        return {k: getattr(self, k) for k in CANONICAL if getattr(self, k) is not None}

    def describe(self) -> str:
        """One line saying what maps to what and what was detected rather than given."""
        parts = []
        for canonical, source in self.as_dict().items():
            how = "detected" if canonical in self.detected else "given"
            parts.append(f"{canonical} <- {source!r} ({how})")
        return "; ".join(parts)


def resolve_mapping(
    columns: Iterable[str], explicit: Mapping[str, str] | None, *, source: str
) -> ColumnMapping:
    """Combine an explicit mapping with detection by name; fail naming what is missing."""
    columns = list(columns)
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    unknown = set(explicit) - set(CANONICAL)
    if unknown:
        raise EventLogError(
            f"{source}: unknown mapping key(s) {sorted(unknown)}; expected some of {CANONICAL}"
        )
    for canonical, column in explicit.items():
        if column not in columns:
            raise EventLogError(
                f"{source}: the {canonical} column {column!r} is not in the file; "
                f"found columns: {', '.join(map(repr, columns))}"
            )
    chosen = dict(explicit)
    detected = []
    used = set(chosen.values())
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(_norm(column), column)
    for canonical in CANONICAL:
        if canonical in chosen:
            continue
        for candidate in CANDIDATES[canonical]:
            column = by_norm.get(_norm(candidate))
            if column is not None and column not in used:
                chosen[canonical] = column
                used.add(column)
                detected.append(canonical)
                break
    for canonical in ("case_id", "activity", "timestamp", "resource"):
        if canonical not in chosen and (column := _by_words(canonical, columns, used)):
            chosen[canonical] = column
            used.add(column)
            detected.append(canonical)
    missing = [c for c in REQUIRED if c not in chosen]
    if missing:
        hints = "; ".join(
            f"{c}: one of {', '.join(CANDIDATES[c][:6])}… or --{c.replace('_id', '')}"
            for c in missing
        )
        raise EventLogError(
            f"{source}: cannot tell which column holds the {' and the '.join(missing)}. "
            f"Found columns: {', '.join(map(repr, columns))}. Expected {hints}"
        )
    return ColumnMapping(**chosen, detected=tuple(detected))

"""The event vocabulary: what the columns and activity labels of a log mean to a CRM or a
marketing-automation analysis, decided once at import and stored with the log.

Roles name columns (the contact a case belongs to, the workflow or campaign, its version, the
email or message id, the channel, the owner); kinds name activity labels (sent, opened,
clicked, unsubscribed, won, ...). Both are detected from column names and labels in English and
Spanish, platform formats add their own words (see ``mining/_crm_*.py``), and an explicit
choice (``--role contact=email``, ``--event-kind unsubscribed="Baja de la lista"``, a mapping
file, the dashboard's Data page) always wins. Every consent, engagement, fatigue and KPI
computation reads this object and none names a label or a column of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mining.exceptions import EventLogError
from mining.safe_yaml import load_file

ROLES = ("contact", "workflow", "workflow_version", "message", "channel", "owner")
KINDS = (
    "sent",
    "delivered",
    "opened",
    "clicked",
    "replied",
    "unsubscribed",
    "bounced",
    "spam",
    "opted_in",
    "form_submitted",
    "lead_created",
    "stage_changed",
    "won",
    "lost",
    "task_created",
    "call",
    "meeting",
    "purchase",
    "error",
)
# the kinds that end a contact's consent to marketing email, and the email reactions
WITHDRAWAL_KINDS = ("unsubscribed", "bounced", "spam")
REACTION_KINDS = ("delivered", "opened", "clicked", "replied", "unsubscribed", "bounced", "spam")
EMAIL_KINDS = ("sent", *REACTION_KINDS)

# the command-line flag or mapping-file key that supplies each role or kind
ROLE_FLAG = "--role {role}=COLUMN"
KIND_FLAG = '--event-kind {kind}="LABEL"'

# Column names per role, normalised (lower case, no accents, '_' for spaces and dashes); the
# first present wins. A role can also be played by a canonical column (see ``_CANONICAL_ROLES``).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "contact": (
        "contact_id",
        "contactid",
        "contact",
        "lead_id",
        "leadid",
        "lead",
        "person_id",
        "person",
        "subscriber_id",
        "subscriber_email",
        "subscriber_key",
        "subscriberkey",
        "subscriber",
        "recipient",
        "contact_email",
        "email_address",
        "email",
        "customer_email",
        "id_contacto",
        "contacto_id",
        "contacto",
        "contacto_email",
        "email_contacto",
        "id_lead",
        "id_persona",
        "persona",
        "destinatario",
        "suscriptor",
        "correo_electronico",
        "correo",
    ),
    "workflow": (
        "workflow_id",
        "workflow",
        "workflow_name",
        "campaign_id",
        "campaign",
        "campaign_name",
        "automation_id",
        "automation",
        "automation_name",
        "journey_id",
        "journey",
        "flow_id",
        "flow",
        "sequence_id",
        "sequence",
        "id_campana",
        "campana_id",
        "campana",
        "flujo",
        "id_flujo",
        "automatizacion",
    ),
    "workflow_version": (
        "workflow_version",
        "version",
        "revision",
        "flow_version",
        "campaign_version",
        "version_flujo",
        "version_campana",
    ),
    "message": (
        "message_id",
        "email_id",
        "email_campaign_id",
        "emailcampaignid",
        "campaign_email_id",
        "template_id",
        "email_template",
        "email_name",
        "message",
        "id_mensaje",
        "mensaje_id",
        "id_email",
        "id_envio",
        "envio_id",
        "id_correo",
        "plantilla",
    ),
    "channel": ("channel", "channel_type", "medium", "canal", "medio"),
    "owner": (
        "owner",
        "owner_id",
        "ownerid",
        "owner_name",
        "sales_rep",
        "rep",
        "assigned_to",
        "propietario",
        "comercial",
        "asignado",
        "responsable",
    ),
}
# canonical columns that can play a role, by the source column they came from
_CANONICAL_ROLES = {"contact": ("case_id",), "owner": ("resource",)}

_EMAIL = r"(e ?mail|mail|correo|newsletter|boletin|mensaje|message|sms|campaign email)"
# Label patterns per kind, tried in this order on the normalised label (lower case, no
# accents, words separated by one space); the first kind that matches takes the label.
KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    ("spam", r"\bspam|\bcomplaint\b|\bqueja\b|\bdenuncia\b"),
    (
        "unsubscribed",
        r"unsub|\bopt(ed)? ?out\b|\bbaja\b|\bdesuscri|\bdesapunt|\bcancel\w* (la )?suscripcion"
        r"|\bsuscripcion cancelada\b|\bwithdr[ae]w",
    ),
    ("bounced", r"\bbounce|\brebot|\bundeliver|\bno entregad"),
    ("error", r"\berror\b|\bfail|\bdropped\b|\bfallid[oa]\b|\bfallo\b"),
    (
        "opted_in",
        r"\bopt(ed)? ?in\b|\bdouble opt|\bsubscribed\b|\bsuscrit|\bsuscripcion confirmada\b"
        r"|\balta en (la )?lista\b|\bconsent\w* (given|granted|dado|otorgado)\b",
    ),
    ("form_submitted", r"\bform\b|\bformulario\b|\bform submi|\bformsubmi"),
    ("replied", r"\brepl(y|ied)\b|\brespond\w*\b|\brespuesta\b|\bcontest(o|ado)\b"),
    ("clicked", r"\bclick|\bclic\b|\bclics?\b|\bpulso\b|\bpulsad"),
    (
        "opened",
        rf"^(open|opened|abierto|abierta|apertura)$|{_EMAIL}.*\b(open|abiert|apertura|abri|read\b|leid)",
    ),
    ("opened", rf"\b(open|opened|abierto|apertura|abre|abrio)\b.*{_EMAIL}"),
    ("delivered", rf"^(delivered|entregado|entregada)$|{_EMAIL}.*\b(deliver|entregad)"),
    ("sent", rf"^(sent|send|enviado|enviada|envio)$|{_EMAIL}.*\b(sent|send|enviad\w*|envio)\b"),
    ("sent", rf"\b(sent|send|envia|enviar|enviado|envio)\b.*{_EMAIL}"),
    ("won", r"\bwon\b|\bclosed ?won\b|\bganad[oa]\b|\bventa cerrada\b|\bdeal won\b"),
    ("lost", r"\blost\b|\bclosed ?lost\b|\bperdid[oa]\b|\bdeal lost\b"),
    ("task_created", r"\btask\b|\btarea\b"),
    ("call", r"\bcall\b|\bcalled\b|\bllamada\b|\bllamar\b|\bphone\b|\btelefon"),
    ("meeting", r"\bmeeting\b|\breunion\b|\bdemo (held|done|realizada)\b"),
    (
        "lead_created",
        r"\b(lead|contact) (created|added)\b|\bnew (lead|contact)\b|\bnuevo (lead|contacto)\b"
        r"|\b(lead|contacto) cread[oa]\b|\balta (de|del) (lead|contacto)\b",
    ),
    ("purchase", r"\bpurchase|\border placed\b|\binvoice paid\b|\bcompra\b|\bpedido\b"),
    ("stage_changed", r"\bstage\b|\betapa\b|\bcambio de fase\b"),
)


def normalise(text: str) -> str:
    """Lower case, accents stripped, words joined by one space: how labels and names compare."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def _column_key(name: str) -> str:
    return normalise(name).replace(" ", "_")


def kind_of_label(label: str) -> str | None:
    """The kind an activity label names by its words (English or Spanish), or None."""
    text = normalise(label)
    for kind, pattern in KIND_PATTERNS:
        if re.search(pattern, text):
            return kind
    return None


@dataclass(frozen=True)
class Vocabulary:
    """Role -> column of the events table, kind -> activity labels, and what was given rather
    than detected. Plain data, stored with the log's metadata.

    Example:
        >>> v = detect_vocabulary(["case_id", "activity", "timestamp"], {"case_id": "id_contacto"},
        ...                       ["Email recordatorio enviado", "Baja de la lista"])
        >>> v.role("contact"), v.labels("unsubscribed")
        ('case_id', ('Baja de la lista',))
    """

    roles: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    given: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", {k: str(v) for k, v in self.roles.items() if v})
        kinds = {k: tuple(str(a) for a in v) for k, v in self.kinds.items() if v}
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "given", tuple(self.given))
        object.__setattr__(self, "notes", tuple(self.notes))

    # -- reading ------------------------------------------------------------------------------
    def role(self, role: str) -> str | None:
        """The column playing ``role`` (None: no column does)."""
        _check_role(role)
        return self.roles.get(role)

    def labels(self, *kinds: str) -> tuple[str, ...]:
        """The activity labels of any of ``kinds``, in the order of the kinds."""
        found: list[str] = []
        for kind in kinds:
            _check_kind(kind)
            found.extend(self.kinds.get(kind, ()))
        return tuple(dict.fromkeys(found))

    def kind(self, label: str) -> str | None:
        """The kind of one activity label."""
        for kind, labels in self.kinds.items():
            if label in labels:
                return kind
        return None

    def covers_consent(self) -> bool:
        """Whether consent analyses can read the log: it names a contact, sends and
        withdrawals (unsubscribe, bounce, spam report)."""
        return bool(self.role("contact") and self.labels("sent") and self.labels(*WITHDRAWAL_KINDS))

    def require_role(self, role: str, log_name: str, why: str) -> str:
        """The column playing ``role``, or an error saying the flag that supplies it."""
        column = self.role(role)
        if column is None:
            raise EventLogError(missing_role(role, log_name, why))
        return column

    def require_labels(self, kinds: Sequence[str], log_name: str, why: str) -> tuple[str, ...]:
        """The labels of any of ``kinds``, or an error naming the missing kind and its flag."""
        labels = self.labels(*kinds)
        if not labels:
            raise EventLogError(missing_kind(kinds, log_name, why))
        return labels

    # -- changing -----------------------------------------------------------------------------
    def with_overrides(
        self,
        roles: Mapping[str, str | None] | None = None,
        kinds: Mapping[str, Sequence[str]] | None = None,
    ) -> Vocabulary:
        """This vocabulary with explicit choices applied: a role set (or cleared with None /
        ''), a kind's labels replaced (a label moves out of any other kind)."""
        new_roles = dict(self.roles)
        given = list(self.given)
        for role, column in (roles or {}).items():
            _check_role(role)
            if column:
                new_roles[role] = str(column)
            else:
                new_roles.pop(role, None)
            given.append(f"role:{role}")
        new_kinds = {k: list(v) for k, v in self.kinds.items()}
        for kind, labels in (kinds or {}).items():
            _check_kind(kind)
            chosen = [str(a) for a in labels if str(a)]
            for other in new_kinds.values():
                other[:] = [a for a in other if a not in chosen]
            new_kinds[kind] = chosen
            given.append(f"kind:{kind}")
        return Vocabulary(new_roles, new_kinds, tuple(dict.fromkeys(given)), self.notes)

    # -- describing and storing ------------------------------------------------------------------
    def describe(self) -> list[str]:
        """One line per role and kind found, marking those given rather than detected."""
        lines = []
        for role in ROLES:
            if role in self.roles:
                mark = " (given)" if f"role:{role}" in self.given else ""
                lines.append(f"{role}: column {self.roles[role]}{mark}")
        for kind in KINDS:
            if kind in self.kinds:
                mark = " (given)" if f"kind:{kind}" in self.given else ""
                shown = ", ".join(repr(a) for a in self.kinds[kind][:6])
                more = f" (+{len(self.kinds[kind]) - 6})" if len(self.kinds[kind]) > 6 else ""
                lines.append(f"{kind}: {shown}{more}{mark}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the inverse of :meth:`from_dict`)."""
        return {
            "roles": dict(self.roles),
            "kinds": {k: list(v) for k, v in self.kinds.items()},
            "given": list(self.given),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Vocabulary:
        """From :meth:`to_dict`'s plain data."""
        return cls(
            roles=dict(data.get("roles", {})),
            kinds={k: tuple(v) for k, v in dict(data.get("kinds", {})).items()},
            given=tuple(data.get("given", ())),
            notes=tuple(data.get("notes", ())),
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}; kinds: {', '.join(KINDS)}")


def missing_role(role: str, log_name: str, why: str) -> str:
    """The message for a role no column plays: what needs it and the flag that supplies it."""
    return (
        f"log {log_name!r} has no {role} column ({why}); name it with "
        f"{ROLE_FLAG.format(role=role)} at import, or `mejora vocabulary {log_name} "
        f"{ROLE_FLAG.format(role=role)}`"
    )


def missing_kind(kinds: Sequence[str], log_name: str, why: str) -> str:
    """The message for kinds no activity label has: what needs them and the flag."""
    names = " / ".join(kinds)
    return (
        f"log {log_name!r} has no activity of kind {names} ({why}); name the label with "
        f"{KIND_FLAG.format(kind=kinds[0])} at import, or `mejora vocabulary {log_name} "
        f"{KIND_FLAG.format(kind=kinds[0])}`"
    )


def detect_vocabulary(
    columns: Iterable[str],
    mapping: Mapping[str, str],
    activities: Iterable[str],
    *,
    hint: Mapping[str, Any] | None = None,
) -> Vocabulary:
    """Roles from the events table's ``columns`` (and the source names in ``mapping``, e.g. a
    case id read from ``id_contacto`` is the contact), kinds from the activity labels; a
    platform format's ``hint`` ({"roles": {...}, "kinds": {...}}) comes first."""
    columns = list(columns)
    present = {c: _column_key(c) for c in columns}
    hint = hint or {}
    roles: dict[str, str] = {}
    notes: list[str] = []
    for role, column in dict(hint.get("roles", {})).items():
        if column in columns:
            roles[role] = column
    taken = set(roles.values()) | {"case_id", "activity", "timestamp", "event_idx"}
    for role in ROLES:
        if role in roles:
            continue
        by_key = {key: c for c, key in present.items() if c not in taken}
        found = next((by_key[n] for n in ROLE_NAMES[role] if n in by_key), None)
        if found is None:
            for canonical in _CANONICAL_ROLES.get(role, ()):
                source = mapping.get(canonical)
                if source is not None and _column_key(source) in ROLE_NAMES[role]:
                    found = canonical
        if found is not None:
            roles[role] = found
            taken.add(found)
    if "owner" not in roles and mapping.get("resource") and "resource" in columns:
        roles["owner"] = "resource"
    labels = sorted({str(a) for a in activities})
    kinds: dict[str, list[str]] = {}
    hinted = {str(a): k for k, v in dict(hint.get("kinds", {})).items() for a in v}
    for label in labels:
        kind = hinted.get(label) or kind_of_label(label)
        if kind is not None:
            kinds.setdefault(kind, []).append(label)
    if "contact" not in roles and kinds.keys() & set(EMAIL_KINDS):
        roles["contact"] = "case_id"
        notes.append("no contact column: each case is taken as one contact")
    return Vocabulary(roles, kinds, (), tuple(notes))


def read_overrides(path: str | Path) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """A vocabulary mapping file (YAML or JSON: ``roles: {contact: email}``, ``kinds:
    {unsubscribed: ["Baja de la lista"]}``) as the two override mappings."""
    path = Path(path)
    try:
        data = load_file(path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise EventLogError(f"{path}: cannot read the vocabulary file: {exc}") from exc
    if not isinstance(data, dict) or set(data) - {"roles", "kinds"}:
        raise EventLogError(
            f"{path}: a vocabulary file is a mapping with 'roles' and/or 'kinds' (got "
            f"{sorted(data) if isinstance(data, dict) else type(data).__name__})"
        )
    roles = {
        str(k): (None if v in (None, "") else str(v)) for k, v in (data.get("roles") or {}).items()
    }
    kinds: dict[str, list[str]] = {}
    for kind, labels in (data.get("kinds") or {}).items():
        kinds[str(kind)] = (
            [str(labels)] if isinstance(labels, str) else [str(a) for a in labels or ()]
        )
    for role in roles:
        if role not in ROLES:
            raise EventLogError(f"{path}: unknown role {role!r}; roles: {', '.join(ROLES)}")
    for kind in kinds:
        if kind not in KINDS:
            raise EventLogError(f"{path}: unknown event kind {kind!r}; kinds: {', '.join(KINDS)}")
    return roles, kinds


def merged_choices(
    vocabulary_file: str | Path | None,
    roles: Mapping[str, str | None] | None,
    kinds: Mapping[str, Sequence[str]] | None,
) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """The explicit choices: a vocabulary file's, overridden by ``roles`` and ``kinds``."""
    given_roles, given_kinds = (
        read_overrides(vocabulary_file) if vocabulary_file is not None else ({}, {})
    )
    given_roles.update(roles or {})
    given_kinds.update({k: list(v) for k, v in (kinds or {}).items()})
    return given_roles, given_kinds


def apply_choices(
    vocabulary: Vocabulary,
    roles: Mapping[str, str | None] | None,
    kinds: Mapping[str, Sequence[str]] | None,
    *,
    columns: Sequence[str],
    activities: Iterable[str],
    source: str,
) -> Vocabulary:
    """``vocabulary`` with the explicit choices applied, refused (EventLogError naming
    ``source``) when a role or kind is unknown or names a column or label the log lacks."""
    try:
        chosen = vocabulary.with_overrides(roles, kinds)
    except ValueError as exc:
        raise EventLogError(f"{source}: {exc}") from exc
    check_against(chosen, columns, activities, source)
    return chosen


def parse_assignments(values: Sequence[str], what: str) -> dict[str, list[str]]:
    """``NAME=VALUE`` command-line assignments (repeatable; an empty value clears)."""
    result: dict[str, list[str]] = {}
    for text in values:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise EventLogError(
                f"{what} {text!r}: expected NAME=VALUE, e.g. {what} unsubscribed=Baja"
            )
        result.setdefault(name.strip(), [])
        if value.strip():
            result[name.strip()].append(value.strip().strip('"'))
    return result


def check_against(
    vocabulary: Vocabulary, columns: Sequence[str], activities: Iterable[str], source: str
) -> None:
    """Refuse given roles naming no column and given labels naming no activity of the log."""
    known = set(str(a) for a in activities)
    for role, column in vocabulary.roles.items():
        if f"role:{role}" in vocabulary.given and column not in columns:
            raise EventLogError(
                f"{source}: role {role} names column {column!r}, which the log does not have; "
                f"columns: {', '.join(columns)}"
            )
    for kind, labels in vocabulary.kinds.items():
        if f"kind:{kind}" not in vocabulary.given:
            continue
        unknown = [a for a in labels if a not in known]
        if unknown:
            near = sorted(known, key=lambda a: (normalise(a) != normalise(unknown[0]), a))[:5]
            raise EventLogError(
                f"{source}: event kind {kind} names {unknown[0]!r}, which is no activity of the "
                f"log; activities include: {', '.join(near)}"
            )

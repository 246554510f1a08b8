"""CRM and marketing-automation exports read as event logs: Salesforce, HubSpot and Mautic.

Each format is a known export with known pitfalls. Its reader loads the file as it is (CSV through
``read_csv``; HubSpot JSON flattened to dotted text columns), then applies the platform's own rules
and hands validation a raw table: derived columns (a case id text, a stage label, one event per
email-stats date), ``__exclude`` reasons for rows that are not events (stage unchanged, deleted
record, bot event, scheduled but not run...) and the preset mapping. Timestamps stay as written
(text, or epoch milliseconds for HubSpot); validation parses them. docs/crm-formats.md explains each
format to users.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Mapping
from pathlib import Path

import duckdb

from mining import safe_xml
from mining._crm_common import (
    _IN,
    HS_DEAL,
    HS_EMAIL,
    MAUTIC_CAMPAIGN,
    MAUTIC_EMAIL,
    SF_FIELD_HISTORY,
    SF_HISTORY,
    _Columns,
    _key,
)
from mining._crm_hubspot import HUBSPOT_DEFAULT_STAGES, _hubspot_deal, _hubspot_email, _read_json
from mining._crm_mautic import _mautic_campaign, _mautic_email
from mining._crm_salesforce import _salesforce_field_history, _salesforce_history
from mining._sources import RAW, RawSource, read_csv
from mining.exceptions import EventLogError

__all__ = [
    "FORMATS",
    "HS_DEAL",
    "HS_EMAIL",
    "HUBSPOT_DEFAULT_STAGES",
    "MAUTIC_CAMPAIGN",
    "MAUTIC_EMAIL",
    "SF_FIELD_HISTORY",
    "SF_HISTORY",
    "read",
    "sniff",
]

FORMATS: tuple[str, ...] = (
    SF_HISTORY,
    SF_FIELD_HISTORY,
    HS_EMAIL,
    HS_DEAL,
    MAUTIC_CAMPAIGN,
    MAUTIC_EMAIL,
)

_SNIFF_BYTES = 1 << 16

# Distinctive header columns (compared after _key) -> format. The first match wins.
_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    (SF_FIELD_HISTORY, frozenset({"opportunityid", "field", "oldvalue", "newvalue"})),
    (SF_HISTORY, frozenset({"opportunityid", "stagename", "createddate", "probability"})),
    (HS_DEAL, frozenset({"dealid", "property", "value"})),
    (MAUTIC_CAMPAIGN, frozenset({"leadid", "campaignid", "rotation", "datetriggered"})),
    (MAUTIC_EMAIL, frozenset({"emailid", "leadid", "datesent", "isread"})),
)
_HS_EMAIL_BASE = frozenset({"type", "created"})
_HS_EMAIL_ANY = frozenset({"emailcampaignid", "sentby", "sentbyid", "filteredevent"})
_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.){1,80})"\s*:')


# --------------------------------------------------------------------------------------- sniff


def _head(path: Path) -> str:
    """The first few KB of a (possibly gzipped) text file, decoded leniently."""
    with safe_xml.open_maybe_gzip(path) as handle:
        raw = handle.read(_SNIFF_BYTES)
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return raw.decode("utf-16", errors="ignore")
    return raw.decode("utf-8-sig", errors="replace")


def _header_keys(text: str) -> set[str]:
    line = text.splitlines()[0] if text else ""
    delimiter = max(",;\t|", key=line.count)
    return {_key(name) for name in next(csv.reader([line], delimiter=delimiter), [])}


def _is_hubspot_email(keys: set[str]) -> bool:
    return keys >= _HS_EMAIL_BASE and bool(_HS_EMAIL_ANY & keys)


def sniff(path: Path) -> str | None:
    """The CRM format a file's header (or a JSON file's first keys) reveals, or None.

    Only the first 64 KB are read. Generic event logs give None.

    Example:
        >>> sniff(Path("OpportunityHistory.csv"))          # doctest: +SKIP
        'salesforce-opportunity-history'
    """
    try:
        text = _head(Path(path))
    except (OSError, EOFError):
        return None
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        keys = {_key(k) for k in _JSON_KEY.findall(stripped)}
        return HS_EMAIL if _is_hubspot_email(keys) else None
    keys = _header_keys(stripped)
    for fmt, needed in _SIGNATURES:
        if keys >= needed:
            return fmt
    return HS_EMAIL if _is_hubspot_email(keys) else None


def _looks_like_json(path: Path) -> bool:
    try:
        return _head(path).lstrip()[:1] in ("[", "{")
    except (OSError, EOFError):
        return False


# ---------------------------------------------------------------------------------------- read


def read(
    fmt: str,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    stage_labels: Mapping[str, str] | None = None,
) -> RawSource:
    """Load a CRM export as a raw table with its preset mapping and exclusion reasons.

    ``stage_labels`` maps HubSpot deal stage ids to labels (added to the default pipeline's).

    Example:
        >>> raw = read("mautic-email-stats", con, Path("email_stats.csv"))  # doctest: +SKIP
        >>> raw.preset["case_id"]                                          # doctest: +SKIP
        'lead_id'
    """
    if fmt not in FORMATS:
        raise EventLogError(f"{path}: unknown CRM format {fmt!r}; expected one of {FORMATS}")
    path = Path(path)
    if fmt == HS_EMAIL and _looks_like_json(path):
        raw = _read_json(con, path, encoding)
    else:
        raw = read_csv(con, path, delimiter=delimiter, encoding=encoding, table=_IN)
    cols = _Columns(con, path, fmt)
    if fmt == SF_HISTORY:
        _salesforce_history(con, cols, raw)
    elif fmt == SF_FIELD_HISTORY:
        _salesforce_field_history(con, cols, raw)
    elif fmt == HS_EMAIL:
        _hubspot_email(con, cols, raw)
    elif fmt == HS_DEAL:
        _hubspot_deal(con, cols, raw, stage_labels)
    elif fmt == MAUTIC_CAMPAIGN:
        _mautic_campaign(con, cols, raw)
    else:
        _mautic_email(con, cols, raw)
    raw.format = fmt
    raw.table = RAW
    return raw

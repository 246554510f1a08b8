"""A count of an object-centric log's own records, read beside pm4py's reader.

pm4py's OCEL readers quietly drop what they cannot use: of two events with one id only one
survives, a reference to an object the log never declares disappears, and an event with no
object at all is gone. The census reads the events as they are written, so the import can
quarantine and count each of them instead.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from mining import safe_xml
from mining._sources import EXCLUDE
from mining._validate import REASONS as _ALL_REASONS
from mining.exceptions import EventLogError

# the columns of pm4py's flattened log the set-aside rows share, and one of their own
EVENT_ID, ACTIVITY, TIME = "ocel:eid", "concept:name", "time:timestamp"
UNKNOWN_OBJECT = "ocel:unknown_object"
# reason id -> plain explanation, added to the import's catalogue of quarantine reasons
REASONS = {
    "duplicate_event_id": "another event has the same event id (which one is right is unknown)",
    "unknown_object": "refers to an object the log does not declare",
    "no_object": "related to no object, so it belongs to no case",
    "missing_event_id": "no event id",
}
for _reason, _explanation in REASONS.items():
    _ALL_REASONS.setdefault(_reason, _explanation)


def ocel_kind(path: Path) -> str:
    """Which OCEL layout a file holds: 'xml', 'sqlite', 'json1' (OCEL 1.0) or 'json' (2.0)."""
    suffix = path.suffix.lower()
    if suffix in (".xmlocel", ".xml"):
        return "xml"
    if suffix in (".sqlite", ".db", ".sqlite3"):
        return "sqlite"
    with open(path, "rb") as handle:
        head = handle.read(1 << 14)
    return "json1" if b'"ocel:events"' in head or b'"ocel:global-log"' in head else "json"


@dataclass
class SourceEvent:
    """One event as the file writes it: id, type, time text and the objects it names."""

    event_id: str | None
    activity: str | None
    time: str | None
    objects: list[str] = field(default_factory=list)


@dataclass
class Census:
    """The events of an OCEL file in file order, and its declared objects by id."""

    events: list[SourceEvent]
    object_types: dict[str, str]
    # the first event pm4py's reader cannot take at all (it then refuses the whole file)
    problem: str | None = None

    def duplicate_ids(self) -> set[str]:
        counts = Counter(e.event_id for e in self.events if e.event_id)
        return {eid for eid, n in counts.items() if n > 1}

    def set_aside(self, object_type: str) -> tuple[pd.DataFrame, set[str], int]:
        """Rows to quarantine (one per unusable event or reference, with its reason), the event
        ids whose flattened rows must go with them, and how many sound events concern only
        other object types."""
        duplicates = self.duplicate_ids()
        rows: list[dict[str, str | None]] = []
        other_types = 0

        def row(event: SourceEvent, reason: str, unknown: str | None = None) -> None:
            rows.append(
                {
                    EVENT_ID: event.event_id,
                    ACTIVITY: event.activity,
                    TIME: event.time,
                    UNKNOWN_OBJECT: unknown,
                    EXCLUDE: reason,
                }
            )

        for event in self.events:
            types = {self.object_types.get(o) for o in event.objects}
            if not event.event_id:
                row(event, "missing_event_id")
            elif event.event_id in duplicates:
                if object_type in types or None in types or not event.objects:
                    row(event, "duplicate_event_id")
            elif not event.activity:
                row(event, "missing_activity")
            elif not event.objects:
                row(event, "no_object")
            else:
                for unknown in sorted({o for o in event.objects if o not in self.object_types}):
                    row(event, "unknown_object", unknown)
                if object_type not in types and types - {None}:
                    other_types += 1
        columns = [EVENT_ID, ACTIVITY, TIME, UNKNOWN_OBJECT, EXCLUDE]
        return pd.DataFrame(rows, columns=columns, dtype=object), duplicates, other_types


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _read_json(path: Path) -> Census:
    def pairs(items: list[tuple[str, object]]) -> dict:
        out = _Pairs(items)
        if len(out) < len(items):  # a key written twice: json.load would keep the last only
            out.items_as_written = items
        return out

    with open(path, "rb") as handle:
        document = json.load(handle, object_pairs_hook=pairs)
    if not isinstance(document, dict):
        raise EventLogError(f"{path}: an OCEL JSON file holds one object at the top")
    if "ocel:events" in document:  # OCEL 1.0: events and objects keyed by id
        events = [
            SourceEvent(
                _text(eid),
                _text(record.get("ocel:activity")),
                _text(record.get("ocel:timestamp")),
                [str(o) for o in record.get("ocel:omap") or []],
            )
            for eid, record in _as_written(document.get("ocel:events") or {})
            if isinstance(record, dict)
        ]
        objects = {
            str(oid): str(record.get("ocel:type"))
            for oid, record in (document.get("ocel:objects") or {}).items()
            if isinstance(record, dict)
        }
        return Census(events, objects)
    events = [
        SourceEvent(
            _text(record.get("id")),
            _text(record.get("type")),
            _text(record.get("time")),
            [
                str(r.get("objectId"))
                for r in record.get("relationships") or []
                if isinstance(r, dict) and r.get("objectId") is not None
            ],
        )
        for record in document.get("events") or []
        if isinstance(record, dict)
    ]
    objects = {
        str(record.get("id")): str(record.get("type"))
        for record in document.get("objects") or []
        if isinstance(record, dict)
    }
    return Census(events, objects, _first_problem(document))


def _first_problem(document: dict) -> str | None:
    """Where an OCEL 2.0 JSON document first breaks what pm4py's reader needs, in words."""
    for part in ("events", "objects"):
        if not isinstance(document.get(part), list):
            return f"no list of {part!r} at the top"
    for n, record in enumerate(document["events"], 1):
        where = f"event {n}"
        if not isinstance(record, dict):
            return f"{where} is not an object"
        where += f" (id {record['id']!r})" if "id" in record else ""
        for key in ("id", "type", "time"):
            if key not in record:
                return f"{where}: no {key!r}"
        if not _is_moment(record["time"]):
            return f"{where}: its time {record['time']!r} is not an ISO 8601 timestamp"
        for relation in record.get("relationships") or []:
            if not isinstance(relation, dict) or not {"objectId", "qualifier"} <= relation.keys():
                return f"{where}: a relationship without 'objectId' and 'qualifier'"
            if not isinstance(relation["objectId"], str):
                return f"{where}: an objectId that is not text ({relation['objectId']!r})"
    for n, record in enumerate(document["objects"], 1):
        if not isinstance(record, dict) or not {"id", "type"} <= record.keys():
            return f"object {n}: no 'id' and 'type'"
    return None


def _is_moment(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class _Pairs(dict):
    """A JSON object that remembers its pairs as written when a key came twice."""

    items_as_written: list[tuple[str, object]] | None = None


def _as_written(mapping: dict) -> list[tuple[str, object]]:
    return getattr(mapping, "items_as_written", None) or list(mapping.items())


def _read_xml(path: Path) -> Census:
    events: list[SourceEvent] = []
    objects: dict[str, str] = {}
    section = None
    current: SourceEvent | None = None
    for action, element in safe_xml.iterparse(path):
        tag = safe_xml.localname(element.tag)
        if action == "start":
            if tag in ("events", "objects") and current is None:
                section = tag
            elif tag == "event" and section == "events":
                current = SourceEvent(
                    _text(element.get("id")), _text(element.get("type")), _text(element.get("time"))
                )
            elif tag == "object" and section == "objects":
                objects[str(element.get("id"))] = str(element.get("type"))
            elif tag == "relationship" and current is not None:
                target = element.get("object-id")
                if target is not None:
                    current.objects.append(str(target))
            continue
        if tag == "event" and current is not None:
            events.append(current)
            current = None
            element.clear(keep_tail=False)
        elif tag == "object" and current is None:
            element.clear(keep_tail=False)
    return Census(events, objects)


def _read_sqlite(path: Path) -> Census:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        related: dict[str, list[str]] = {}
        for eid, oid in con.execute("SELECT ocel_event_id, ocel_object_id FROM event_object"):
            related.setdefault(str(eid), []).append(str(oid))
        events = [
            SourceEvent(_text(eid), _text(kind), None, related.get(str(eid), []))
            for eid, kind in con.execute("SELECT ocel_id, ocel_type FROM event ORDER BY rowid")
        ]
        declared = con.execute("SELECT ocel_id, ocel_type FROM object")
        objects = {str(oid): str(kind) for oid, kind in declared}
    except sqlite3.Error as exc:
        raise EventLogError(f"{path}: cannot be read as an OCEL 2.0 SQLite log: {exc}") from exc
    finally:
        con.close()
    return Census(events, objects)


def take_census(path: Path, kind: str) -> Census:
    """The events and objects of an OCEL file of ``kind`` (json, json1, xml or sqlite)."""
    try:
        if kind in ("json", "json1"):
            return _read_json(path)
        if kind == "xml":
            return _read_xml(path)
        return _read_sqlite(path)
    except EventLogError:
        raise  # a refusal of its own (a DTD, say), already in words
    except (ValueError, AttributeError, TypeError) as exc:  # bad JSON, records of a wrong shape
        raise EventLogError(f"{path}: cannot be read as an OCEL ({kind}) log: {exc}") from exc

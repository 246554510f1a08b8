"""OCEL 2.0 logs (json, xml, sqlite) flattened on an object type equal pm4py's flattening."""

from __future__ import annotations

import pytest

import mining
from mining import EventLogError
from mining._pm4py_adapter import flatten_ocel, read_ocel

FILES = ["ocel20_example.jsonocel", "ocel20_example.xmlocel", "ocel20_example.sqlite"]


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("object_type", ["Purchase Order", "Invoice"])
def test_flattening_matches_pm4py(shared_logs, name, object_type):
    path = shared_logs / "ocel" / name
    expected = flatten_ocel(read_ocel(path), object_type)
    log = mining.read_log(path, object_type=object_type, duplicates="keep")
    assert log.meta.format == "ocel"
    assert log.n_events == len(expected)
    assert log.n_cases == expected["case:concept:name"].nunique()
    assert log.n_quarantined == 0


def test_ocel_1_json_is_read_too(shared_logs):
    log = mining.read_log(shared_logs / "ocel" / "recruiting-red.jsonocel", object_type="offers")
    assert log.n_events > 0 and log.n_cases > 0


def test_missing_object_type_lists_the_choices(shared_logs):
    with pytest.raises(EventLogError, match="choose one of: Invoice, Payment, Purchase Order"):
        mining.read_log(shared_logs / "ocel" / "ocel20_example.jsonocel")
    with pytest.raises(EventLogError, match="has no object type 'Order'"):
        mining.read_log(shared_logs / "ocel" / "ocel20_example.jsonocel", object_type="Order")


# One small foreign log, written by hand in each layout: e2 is written twice, e4 names an
# object the log never declares, e6 names no object, and o1 is an Order (another type).
_EVENTS = [
    ("e1", "Open", "2024-01-01T10:00:00Z", ["L1"]),
    ("e2", "Close", "2024-01-02T10:00:00Z", ["L1"]),
    ("e2", "Open", "2024-01-03T10:00:00Z", ["L2"]),
    ("e4", "Open", "2024-01-03T11:00:00Z", ["GHOST"]),
    ("e5", "Close", "2024-01-04T10:00:00Z", ["L2", "NOBODY"]),
    ("e6", "Close", "2024-01-05T10:00:00Z", []),
    ("e7", "Ship", "2024-01-06T10:00:00Z", ["o1"]),
]
_OBJECTS = [("L1", "Lead"), ("L2", "Lead"), ("o1", "Order")]


def _write_json2(path):
    import json

    path.write_text(
        json.dumps(
            {
                "objectTypes": [{"name": t, "attributes": []} for t in ("Lead", "Order")],
                "eventTypes": [{"name": a, "attributes": []} for a in ("Open", "Close", "Ship")],
                "objects": [{"id": o, "type": t} for o, t in _OBJECTS],
                "events": [
                    {
                        "id": e,
                        "type": a,
                        "time": t,
                        "relationships": [{"objectId": o, "qualifier": ""} for o in objs],
                    }
                    for e, a, t, objs in _EVENTS
                ],
            }
        )
    )


def _write_json1(path):
    import json

    events = ", ".join(  # written by hand: a JSON object with the key e2 twice
        f'"{e}": '
        + json.dumps({"ocel:activity": a, "ocel:timestamp": t, "ocel:omap": objs, "ocel:vmap": {}})
        for e, a, t, objs in _EVENTS
    )
    objects = json.dumps({o: {"ocel:type": t, "ocel:ovmap": {}} for o, t in _OBJECTS})
    path.write_text(
        '{"ocel:global-event": {}, "ocel:global-object": {}, "ocel:global-log": '
        '{"ocel:attribute-names": [], "ocel:object-types": ["Lead", "Order"]}, '
        f'"ocel:events": {{{events}}}, "ocel:objects": {objects}}}'
    )


def _write_xml(path):
    objects = "".join(f'<object id="{o}" type="{t}"><attributes/></object>' for o, t in _OBJECTS)
    events = "".join(
        f'<event id="{e}" type="{a}" time="{t}"><attributes/><objects>'
        + "".join(f'<relationship object-id="{o}" qualifier=""/>' for o in objs)
        + "</objects></event>"
        for e, a, t, objs in _EVENTS
    )
    types = '<object-type name="Lead"><attributes/></object-type>'
    types += '<object-type name="Order"><attributes/></object-type>'
    event_types = "".join(
        f'<event-type name="{a}"><attributes/></event-type>' for a in ("Open", "Close", "Ship")
    )
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><log><object-types>'
        f"{types}</object-types><event-types>{event_types}</event-types>"
        f"<objects>{objects}</objects><events>{events}</events></log>"
    )


_WRITERS = {"json": _write_json2, "json1": _write_json1, "xml": _write_xml}
_SUFFIX = {"json": ".jsonocel", "json1": ".jsonocel", "xml": ".xmlocel"}


@pytest.mark.parametrize("layout", list(_WRITERS))
def test_what_pm4py_drops_from_an_ocel_is_quarantined_and_counted(tmp_path, layout):
    path = tmp_path / f"bad{_SUFFIX[layout]}"
    _WRITERS[layout](path)
    log = mining.read_log(path, object_type="Lead")
    summary = log.summary()
    assert summary.quarantine_reasons == {
        "duplicate_event_id": 2,  # both e2: which one is right cannot be told
        "unknown_object": 2,  # GHOST (e4) and NOBODY (e5)
        "no_object": 1,  # e6
    }
    assert summary.events + summary.quarantined == summary.rows_read
    assert sorted(log.to_pandas()["ocel:eid"]) == ["e1", "e5"]  # e5 still counts for L2
    quarantine = log.quarantine()
    assert sorted(quarantine["ocel:eid"]) == ["e2", "e2", "e4", "e5", "e6"]
    assert set(quarantine["ocel:unknown_object"].dropna()) == {"GHOST", "NOBODY"}
    assert "1 of the log's 7 events concern only other object types" in " ".join(summary.notes)


def test_dangling_references_in_an_ocel_sqlite_log_are_counted(tmp_path):
    import sqlite3

    path = tmp_path / "bad.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);"
        "CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);"
        "CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT);"
        "CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT,"
        " ocel_qualifier TEXT);"
        "CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT);"
        "CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT);"
        "CREATE TABLE event_Open (ocel_id TEXT, ocel_time TIMESTAMP);"
        "CREATE TABLE object_Lead (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT);"
    )
    con.execute("INSERT INTO event_map_type VALUES ('Open', 'Open')")
    con.execute("INSERT INTO object_map_type VALUES ('Lead', 'Lead')")
    for eid, when, oid in [("e1", "2024-01-01 10:00:00", "L1"), ("e2", "2024-01-02 10:00:00", "X")]:
        con.execute("INSERT INTO event VALUES (?, 'Open')", [eid])
        con.execute("INSERT INTO event_Open VALUES (?, ?)", [eid, when])
        con.execute("INSERT INTO event_object VALUES (?, ?, '')", [eid, oid])
    con.execute("INSERT INTO object VALUES ('L1', 'Lead')")
    con.execute("INSERT INTO object_Lead VALUES ('L1', '1970-01-01 00:00:00', NULL)")
    con.commit()
    con.close()
    log = mining.read_log(path, object_type="Lead")
    assert log.quarantine_reasons() == {"unknown_object": 1}
    assert log.n_events == 1
    assert list(log.quarantine()["ocel:eid"]) == ["e2"]


def test_an_ocel_event_pm4py_cannot_take_is_named_by_position_and_field(tmp_path):
    import json

    path = tmp_path / "bad.jsonocel"
    _write_json2(path)
    document = json.loads(path.read_text())
    document["events"][2]["time"] = "yesterday"
    path.write_text(json.dumps(document))
    with pytest.raises(
        EventLogError, match=r"bad\.jsonocel, event 3 \(id 'e2'\): its time 'yesterday' is not"
    ):
        mining.read_log(path, object_type="Lead")
    del document["events"][0]["relationships"][0]["qualifier"]
    path.write_text(json.dumps(document))
    with pytest.raises(EventLogError, match=r"event 1 \(id 'e1'\): a relationship without"):
        mining.read_log(path, object_type="Lead")

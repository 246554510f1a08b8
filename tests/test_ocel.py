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

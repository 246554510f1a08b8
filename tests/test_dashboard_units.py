"""Dashboard pieces without a server: users and secrets, the language tables, upload checks,
the view and the cached loader, and the ``mejora dashboard`` / ``mejora user`` commands."""

from __future__ import annotations

import base64
import json
import re
import stat
import threading
from pathlib import Path

import pytest

from dashboard import UserStore
from dashboard._auth import session_secret
from dashboard._data import DataService, View
from dashboard.i18n import STRINGS, t
from mejora.cli import main
from mining import CaseAttribute, EventStore, FollowsIndex, VariantsFilter, read_log

ROOT = Path(__file__).resolve().parents[1]


def test_passwords_are_stored_hashed_in_a_private_file(tmp_path):
    users = UserStore(tmp_path / "users.json")
    users.add("ana", "correct horse", role="analyst")
    text = users.path.read_text()
    assert "correct horse" not in text and ("scrypt" in text or "pbkdf2" in text)
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert users.check("ana", "correct horse").role == "analyst"
    assert users.check("ana", "wrong") is None and users.check("nobody", "x" * 10) is None
    with pytest.raises(ValueError, match="exists"):
        users.add("ana", "another one", role="admin")
    with pytest.raises(ValueError, match="at least 8"):
        users.add("bo", "short", role="analyst")
    with pytest.raises(ValueError, match="role"):
        users.add("bo", "long enough", role="boss")  # type: ignore[arg-type]


def test_the_first_admin_is_created_once(tmp_path):
    users = UserStore(tmp_path / "users.json")
    password = users.ensure_admin()
    assert password and users.check("admin", password).role == "admin"
    assert users.ensure_admin() is None


def test_roles_are_ordered():
    from dashboard import User

    admin, manager, analyst = User("a", "admin"), User("m", "manager"), User("x", "analyst")
    assert admin.can("manager") and manager.can("analyst") and not analyst.can("manager")


def test_the_session_secret_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("MEJORA_SECRET_KEY", raising=False)
    path = tmp_path / "secret"
    first = session_secret(path)
    assert len(first) >= 64 and session_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("MEJORA_SECRET_KEY", "from-the-environment")
    assert session_secret(path) == "from-the-environment"


def test_both_languages_have_every_text():
    import ast

    tree = ast.parse((ROOT / "dashboard" / "i18n.py").read_text())
    for table in (n for n in ast.walk(tree) if isinstance(n, ast.Dict) and len(n.keys) > 50):
        keys = [k.value for k in table.keys]
        assert len(keys) == len(set(keys)), "a text is defined twice"
    assert set(STRINGS["en"]) == set(STRINGS["es"])
    for key, text in STRINGS["en"].items():
        assert set(re.findall(r"{(\w+)}", text)) == set(
            re.findall(r"{(\w+)}", STRINGS["es"][key])
        ), key


def test_every_text_the_code_asks_for_exists():
    used = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[\w-]+)["']""", path.read_text()))
    assert used and used <= set(STRINGS["en"]), used - set(STRINGS["en"])
    assert t("map.cases", "es", cases="3") == "3 casos"


def test_upload_checks():
    from dashboard.pages.data import UploadRefused, check_upload, log_name

    def encoded(raw: bytes) -> str:
        return "data:;base64," + base64.b64encode(raw).decode()

    assert check_upload(encoded(b"a,b\n1,2\n"), "x.CSV", 100) == (b"a,b\n1,2\n", ".csv")
    assert check_upload(encoded(b"\x1f\x8bzz"), "x.csv.gz", 100)[1] == ".csv.gz"
    for raw, name, reason in [
        (b"a" * 200, "big.csv", "larger than"),
        (b"x", "x.sh", "not a log file type"),
        (b"PK\x03\x04", "x.parquet", "not Parquet"),
        (b"plain", "x.xes.gz", "not gzip"),
        (b"\x00\x01", "x.xes", "binary"),
        (b"", "x.csv", "empty"),
    ]:
        with pytest.raises(UploadRefused, match=reason):
            check_upload(encoded(raw), name, 100)
    with pytest.raises(UploadRefused, match="decoded"):
        check_upload("data:;base64,@@@", "x.csv", 100)
    assert log_name(None, "../../etc/deals 2025.csv") == "deals_2025"
    assert log_name(" q4 ", "x.csv") == "q4"
    with pytest.raises(UploadRefused, match="name"):
        log_name("../x", "x.csv")


def test_views_validate_and_stack_filters():
    view = View.from_data({"log": "deals", "filters": []})
    more = view.adding(VariantsFilter(top=3).to_dict())
    assert more.adding(VariantsFilter(top=3).to_dict()) == more
    assert more.stack.describe() == ["cases of the 3 most frequent variants"]
    assert more.popped() == view and more.cleared() == view
    with pytest.raises(ValueError, match="unknown filter kind"):
        View.from_data({"log": "deals", "filters": [{"kind": "drop_table"}]})


@pytest.fixture
def service(tmp_path, write_csv):
    path = write_csv("case_id,activity,timestamp\n1,a,2025-01-01\n1,b,2025-01-02\n2,a,2025-01-03\n")
    with EventStore(tmp_path / "store.duckdb") as store:
        store.save(read_log(path), "deals")
    data = DataService(tmp_path / "store.duckdb")
    yield data
    data.close()


def test_the_cache_computes_once_per_view_even_when_asked_at_once(service):
    calls = []

    def count(log):
        calls.append(1)
        return log.n_cases

    view = View("deals")
    threads = [threading.Thread(target=service.cached, args=(view, "n", count)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and service.cached(view, "n", count) == 2
    narrowed = view.adding(VariantsFilter(top=1).to_dict())
    assert service.cached(narrowed, "n", count) == 1 and len(calls) == 2


def test_a_replaced_log_is_not_served_from_the_cache(service, write_csv):
    view = View("deals")
    assert service.cached(view, "cases", lambda log: log.n_cases) == 2
    bigger = write_csv(
        "case_id,activity,timestamp\n1,a,2025-01-01\n2,a,2025-01-02\n3,a,2025-01-03\n"
    )
    service.save(read_log(bigger), "deals", replace=True)
    assert service.cached(view, "cases", lambda log: log.n_cases) == 3
    service.delete("deals")
    with pytest.raises(LookupError):
        service.cached(view, "cases", lambda log: log.n_cases)


def test_user_commands(tmp_path, monkeypatch, capsys):
    users = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("long password\n"))
    assert (
        main(["user", "add", "ana", "--role", "manager", "--password-stdin", "--users", str(users)])
        == 0
    )
    assert main(["user", "list", "--users", str(users)]) == 0
    assert "ana\tmanager" in capsys.readouterr().out
    assert UserStore(users).check("ana", "long password").role == "manager"
    assert (
        main(["user", "add", "bo", "--role", "boss", "--password-stdin", "--users", str(users)])
        == 2
    )


def test_first_start_prints_the_admin_password_and_loads_the_samples(tmp_path, monkeypatch, capsys):
    import dashboard.cli
    import sample_logs

    served = {}

    def run_server(make_app, host, port, **kw):
        served.update(port=port, host=host, app=make_app(), **kw)

    monkeypatch.setattr(dashboard.cli, "run_server", run_server)
    one = {"sales_activities": sample_logs.SAMPLES["sales_activities"]}
    monkeypatch.setattr(sample_logs, "SAMPLES", one)
    monkeypatch.setenv("MEJORA_SECRET_KEY", "k" * 64)
    store, users = tmp_path / "store.duckdb", tmp_path / "users.json"
    args = ["dashboard", "--store", str(store), "--users", str(users), "--port", "8123"]
    assert main(args) == 0
    out = capsys.readouterr().out
    password = re.search(r"'admin' with password (\S+)", out).group(1)
    assert UserStore(users).check("admin", password) is not None
    assert "loaded example log sales_activities" in out and served["port"] == 8123
    assert served["server"] == "gunicorn" and served["host"] == "127.0.0.1"
    assert main(args) == 0
    assert "password" not in capsys.readouterr().out  # shown once only


def test_the_follows_index_is_served_once_built_and_dropped_with_its_log(service, write_csv):
    view = View("deals")
    assert service.peek(view, "follows_index") is None  # never waits, never computes
    index = service.cached(view, "follows_index", FollowsIndex.build)
    assert service.peek(view, "follows_index") is index
    with service.open(view.adding(CaseAttribute("activity", ("b",)).to_dict())) as log:
        assert index.sizes(log) == (log.n_events, log.n_cases) == (2, 1)
    replaced = write_csv("case_id,activity,timestamp\n1,a,2025-01-01\n2,b,2025-01-02\n")
    service.save(read_log(replaced), "deals", replace=True)
    assert service.peek(view, "follows_index") is None
    with service.open(view) as log:
        assert not index.covers(log)


def test_no_follows_index_above_the_size_limit(service, write_csv, monkeypatch):
    """A log above $MEJORA_MAP_INDEX_MAX_EVENTS gets no index (maps come from the store)."""
    import dashboard._cached as cached

    view = View("deals")
    with service.open(view) as log:
        monkeypatch.setattr(cached, "INDEX_MAX_EVENTS", log.n_events - 1)
        assert cached.follows_index(log) is None
        monkeypatch.setattr(cached, "INDEX_MAX_EVENTS", log.n_events)
        assert cached.follows_index(log).covers(log)


def test_numbers_on_the_pages_follow_the_language():
    from dashboard._components import duration, number, share

    assert (number(1234567), number(1234567, lang="es")) == ("1,234,567", "1.234.567")
    assert (number(0.948, 3), number(0.948, 3, lang="es")) == ("0.948", "0,948")
    assert (share(0.755), share(0.755, lang="es")) == ("75.5%", "75,5\u00a0%")
    assert (duration(5400), duration(5400, lang="es")) == ("1.5 h", "1,5 h")
    assert number(None) == share(float("nan")) == duration(None) == "–"


def test_the_map_box_grows_with_the_drawing():
    import mining
    from dashboard._graph import (
        MAP_MAX_HEIGHT,
        MAP_MIN_HEIGHT,
        elements_height,
        map_elements,
        map_height,
    )
    from sample_logs import load_sample

    assert map_height(0) == map_height(100) == MAP_MIN_HEIGHT
    assert MAP_MIN_HEIGHT < map_height(600) < map_height(900) <= MAP_MAX_HEIGHT
    assert map_height(50_000) == MAP_MAX_HEIGHT
    elements = map_elements(mining.process_map(load_sample("crm_pipeline")), "frequency")
    deepest = max(
        e["position"]["y"] + e["data"].get("h", 30) / 2 for e in elements if "position" in e
    )
    assert elements_height(elements) == deepest > 0


def test_another_process_reads_the_store_while_the_dashboard_holds_it_and_writes(
    service, write_csv
):
    import subprocess
    import sys

    def mejora(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "mejora", *args, "--store", str(service.store_path)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    listed = mejora("logs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [log["name"] for log in json.loads(listed.stdout)] == ["deals"]
    # the dashboard still writes (an upload), reading again afterwards
    service.save(read_log(write_csv("case_id,activity,timestamp\n9,a,2025-01-01\n")), "more")
    assert [i.name for i in service.logs()] == ["deals", "more"]
    assert mejora("info", "more").returncode == 0

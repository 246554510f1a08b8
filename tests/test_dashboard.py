"""The dashboard through its HTTP endpoints (Flask's test client): the login wall, roles checked
on the server, and each page's callbacks on a small stored log."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import mining
from dashboard import Examples, UserStore
from dashboard._client import CallbackClient, sign_in
from dashboard.app import create_app
from dashboard.pages import (
    conformance,
    data,
    improvement,
    open_cases,
    overview,
    process_map,
    reports,
    suggestions,
    variants,
)
from mejora.cli import bundled_examples
from mining import EventStore, Follows, read_log
from sample_logs import load_sample
from tests._planted_logs import overlapping_campaigns, two_versions

PASSWORD = "a-test-password"
SALES = {"log": "sales_activities", "filters": []}
MAILS = {"log": "mails", "filters": []}
MAIL_LOG = """case_id,activity,timestamp,recipient
m1,SENT,2025-01-01 09:00,ana@example.com
m2,UNSUBSCRIBE,2025-01-02 09:00,ana@example.com
m3,SENT,2025-01-03 09:00,ana@example.com
m4,SENT,2025-01-03 09:00,bo@example.com
"""

# two deals of the sales pipeline and one case of another process in one log
MIXED_LOG = """case_id,activity,timestamp
d1,Qualified,2025-01-01 09:00
d1,Closed lost,2025-01-02 09:00
d2,Qualified,2025-01-01 10:00
d2,Closed won,2025-01-03 09:00
t1,Ticket opened,2025-01-01 11:00
t1,Ticket closed,2025-01-02 11:00
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("dashboard")
    (folder / "mails.csv").write_text(MAIL_LOG)
    with EventStore(folder / "store.duckdb") as store:
        store.save(load_sample("sales_activities"), "sales_activities")
        store.save(read_log(folder / "mails.csv"), "mails")
        (folder / "mixed.csv").write_text(MIXED_LOG)
        store.save(read_log(folder / "mixed.csv"), "mixed")
    users = UserStore(folder / "users.json")
    for name, role in (("ana", "analyst"), ("marta", "manager"), ("root", "admin")):
        users.add(name, PASSWORD, role=role)
    application = create_app(
        folder / "store.duckdb",
        secret="s" * 64,
        users_file=users.path,
        workflows=folder / "workflows",
        examples=bundled_examples(),
    )
    application.folder = folder
    return application


def client_for(app, name: str | None) -> CallbackClient:
    client = app.server.test_client()
    if name:
        assert sign_in(client, name, PASSWORD).status_code == 302
    return CallbackClient(app, client) if name else client


@pytest.fixture(scope="module")
def ana(app) -> CallbackClient:
    return client_for(app, "ana")


@pytest.fixture(scope="module")
def root(app) -> CallbackClient:
    return client_for(app, "root")


@pytest.fixture(scope="module")
def marta(app) -> CallbackClient:
    return client_for(app, "marta")


def wait_for(calls: CallbackClient, show, job: str, *extra) -> dict:
    """Poll a job's display callback until it switches its timer off."""
    for n in range(1200):  # up to a minute on a loaded machine
        out = calls.call(show, n, job, *extra)
        if out.get(next(k for k in out if k.endswith("poll.disabled")), False) is True:
            return out
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


# -- the wall -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/map", "/data", "/_dash-layout", "/assets/mejora.css"])
def test_nothing_is_served_before_signing_in(app, path):
    response = client_for(app, None).get(path)
    assert response.status_code in (302, 401)
    assert response.status_code == 401 or response.headers["Location"].startswith("/login")


def test_a_forged_callback_without_a_session_is_refused(app, ana):
    key = ana.key(data.delete_log)
    body = {
        "output": key,
        "outputs": [{"id": "data-logs", "property": "rowData"}],
        "inputs": [{"id": "data-confirm", "property": "submit_n_clicks", "value": 1}],
        "state": [{"id": "data-logs", "property": "selectedRows", "value": [{"name": "mails"}]}],
        "changedPropIds": ["data-confirm.submit_n_clicks"],
    }
    response = client_for(app, None).post("/_dash-update-component", json=body)
    assert response.status_code == 401
    assert "mails" in {
        row["name"] for row in ana.call(overview.list_logs, SALES)["overview-logs.rowData"]
    }


def test_a_cross_site_form_post_is_refused_even_with_a_session(root):
    body = json.dumps(
        {
            "output": root.key(data.download_quarantine),
            "outputs": {"id": "data-download", "property": "data"},
            "inputs": [{"id": "data-quarantine", "property": "n_clicks", "value": 1}],
            "state": [
                {"id": "data-logs", "property": "selectedRows", "value": [{"name": "mails"}]}
            ],
            "changedPropIds": ["data-quarantine.n_clicks"],
        }
    )
    # what a form on another site can send without a CORS preflight: not JSON, so not run
    forged = root.client.post(
        "/_dash-update-component", data=body, headers={"Content-Type": "text/plain"}
    )
    assert forged.status_code == 415
    assert root.call(data.download_quarantine, 1, [{"name": "mails"}])["data-download.data"]


def test_login_refuses_wrong_passwords_foreign_redirects_and_stale_forms(app):
    client = client_for(app, None)
    form = client.get("/login").get_data(as_text=True)
    assert 'name="csrf"' in form
    assert client.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 400
    wrong = client.post(
        "/login",
        data={"csrf": _token(client), "username": "ana", "password": "nope", "next": "/"},
    )
    assert wrong.status_code == 401 and "Wrong user or password" in wrong.get_data(as_text=True)
    good = client.post(
        "/login",
        data={
            "csrf": _token(client),
            "username": "ana",
            "password": PASSWORD,
            "next": "//evil.example",
        },
    )
    assert good.status_code == 302 and good.headers["Location"] == "/"
    assert client.get("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_repeated_failures_are_throttled(app):
    client = client_for(app, None)
    for _ in range(5):
        client.post("/login", data={"csrf": _token(client), "username": "mallory", "password": "x"})
    blocked = client.post(
        "/login", data={"csrf": _token(client), "username": "mallory", "password": PASSWORD}
    )
    assert blocked.status_code == 429


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",  # a tab the browser drops: //evil.example
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/ /evil.example",
    ],
)
def test_next_never_leaves_the_site(app, target):
    from urllib.parse import unquote

    client = client_for(app, None)
    token = _token(client)
    data = {"csrf": token, "username": "marta", "password": PASSWORD, "next": unquote(target)}
    signed = client.post("/login", data=data)
    assert signed.status_code == 302 and signed.headers["Location"] == "/"
    switched = client.get("/lang/es", query_string={"next": unquote(target)})
    assert switched.headers["Location"] == "/"
    # a same-site path with a query survives
    assert client.get("/lang/en?next=/map%3Flog%3Dx").headers["Location"] == "/map?log=x"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _signed_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def test_signing_out_ends_the_session_on_the_server_even_for_a_copied_cookie(app):
    users = UserStore(app.folder / "users.json")
    users.add("sam", PASSWORD, role="analyst", replace=True)
    first, copy = client_for(app, None), app.server.test_client()
    assert sign_in(first, "sam", PASSWORD).status_code == 302
    copy.set_cookie("session", _cookie(first))
    assert _signed_in(first) and _signed_in(copy)
    assert first.get("/logout").status_code == 302
    assert not _signed_in(copy)  # the copied cookie names a session the server closed
    # a new password ends every session of the old one
    again, other = client_for(app, None), client_for(app, None)
    assert sign_in(again, "sam", PASSWORD).status_code == 302
    assert sign_in(other, "sam", PASSWORD).status_code == 302
    assert _signed_in(again) and _signed_in(other)
    users.reset_password("sam", "another-test-password")
    assert not _signed_in(again) and not _signed_in(other)


def test_every_response_carries_the_security_headers(app, ana):
    for response in (client_for(app, None).get("/login"), ana.client.get("/")):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        script = next(p for p in policy.split("; ") if p.startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert "'sha256-" in script  # Dash's inline start-up, allowed by its hash only
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def _session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_the_session_cookie_is_secure_over_https_or_when_told(app, tmp_path):
    plain = _session_cookie(client_for(app, None).get("/login"))
    assert "Secure" not in plain and "HttpOnly" in plain and "SameSite=Lax" in plain
    proxied = client_for(app, None).get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in _session_cookie(proxied)
    always = create_app(
        app.folder / "store.duckdb",
        secret="t" * 64,
        users_file=app.folder / "users.json",
        workflows=tmp_path / "workflows",
        secure_cookies=True,
    )
    assert "Secure" in _session_cookie(always.server.test_client().get("/login"))
    always.server.extensions["mejora.dashboard"].close()  # one dashboard a process writes


def test_failed_sign_ins_back_off_but_never_lock_the_real_user_out(app):
    users = UserStore(app.folder / "users.json")
    users.add("lena", PASSWORD, role="analyst", replace=True)
    attacker = client_for(app, None)
    where = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(5):
        data = {"csrf": _token(attacker), "username": "lena", "password": "guess"}
        assert attacker.post("/login", data=data, environ_base=where).status_code == 401
    data = {"csrf": _token(attacker), "username": "lena", "password": PASSWORD}
    slowed = attacker.post("/login", data=data, environ_base=where)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    assert "try again in" in slowed.get_data(as_text=True)
    # the real user, from their own browser, signs in at once with the right password
    real = client_for(app, None)
    data = {"csrf": _token(real), "username": "lena", "password": PASSWORD}
    assert (
        real.post("/login", data=data, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
        == 302
    )


def test_backoff_doubles_per_name_and_client_and_is_capped():
    from dashboard._auth import Throttle

    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(5):
        assert throttle.wait("ana", "a") == 0
        throttle.fail("ana", "a")
    assert throttle.wait("ana", "a") == 2.0  # after 5 free failures: 2 s, then 4, 8 ...
    now[0] += 2.0
    throttle.fail("ana", "a")
    assert throttle.wait("ana", "a") == 4.0
    assert throttle.wait("ana", "b") == 0  # another client is not slowed by this pair
    # guessing from many clients: the name backs off, but never beyond 10 s
    for i in range(40):
        throttle.fail("ana", f"client-{i}")
    assert 0 < throttle.wait("ana", "b") <= 10.0
    # one client guessing across many names backs off whatever name it tries next
    for i in range(20):
        throttle.fail(f"user{i}", "sprayer")
    assert throttle.wait("someone-else", "sprayer") > 0
    # failures older than the window are forgotten
    now[0] += 3600
    assert throttle.wait("ana", "a") == 0 and throttle.wait("x", "sprayer") == 0


def _token(client) -> str:
    text = client.get("/login").get_data(as_text=True)
    return text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_an_analyst_calling_an_admin_callback_is_refused_on_the_server(app, ana, root):
    with pytest.raises(PermissionError, match="403"):
        ana.call(data.delete_log, 1, [{"name": "mails"}])
    with pytest.raises(PermissionError, match="403"):
        ana.call(data.confirm_delete, 1, [{"name": "mails"}])
    names = {row["name"] for row in ana.call(overview.list_logs, SALES)["overview-logs.rowData"]}
    assert "mails" in names
    shown = root.call(data.confirm_delete, 1, [{"name": "mails"}])
    assert shown["data-confirm.displayed"] is True


def test_every_server_callback_checks_the_role(app, ana):
    from dashboard._client import _unwrapped

    ours = {k: e for k, e in app.callback_map.items() if "_pages_" not in k and "callback" in e}
    assert len(ours) > 40
    unguarded = [
        k for k, e in ours.items() if not any(hasattr(f, "role") for f in _unwrapped(e["callback"]))
    ]
    assert not unguarded


# -- process map --------------------------------------------------------------------------
def test_map_toggle_slider_and_click_to_filter(app, ana, monkeypatch):
    frequency = ana.call(process_map.draw_map, SALES, "frequency", 1.0, 1.0)["map-graph.elements"]
    nodes = {e["data"]["id"] for e in frequency if "source" not in e["data"]}
    assert "a:Demo held" in nodes
    performance = ana.call(process_map.draw_map, SALES, "performance", 1.0, 1.0)[
        "map-graph.elements"
    ]
    labels = [e["data"]["label"] for e in performance if e["data"].get("kind") == "path"]
    assert any(label.endswith((" d", " h")) for label in labels)
    sparse = ana.call(process_map.draw_map, SALES, "frequency", 1.0, 0.1)["map-graph.elements"]
    assert sum("source" in e["data"] for e in sparse) < sum(
        "source" in e["data"] for e in frequency
    )

    assert ana.call(process_map.count_cases, SALES)["map-cases.children"] == "278 cases"
    node = next(e["data"] for e in frequency if e["data"]["id"] == "a:Demo held")
    view = ana.call(process_map.filter_by_activity, node, SALES)["app-view.data"]
    assert view["filters"] == [
        {"kind": "case_attribute", "column": "activity", "values": ["Demo held"], "keep": True}
    ]
    assert ana.call(process_map.count_cases, view)["map-cases.children"] == "132 cases"
    edge = next(e["data"] for e in frequency if e["data"].get("kind") == "path")
    both = ana.call(process_map.filter_by_path, edge, view, 1.0, 1.0)["app-view.data"]
    assert [f["kind"] for f in both["filters"]] == ["case_attribute", "follows"]


def test_map_path_ids_name_their_ends_and_a_simplified_maps_path_filters_its_cases(ana):
    full = ana.call(process_map.draw_map, SALES, "frequency", 1.0, 1.0)["map-graph.elements"]
    simple = ana.call(process_map.draw_map, SALES, "frequency", 0.5, 1.0)["map-graph.elements"]

    def paths(elements) -> dict[str, dict]:
        return {e["data"]["id"]: e["data"] for e in elements if "source" in e["data"]}

    for drawn in (paths(full), paths(simple)):
        # one id per pair of ends, so a redrawn map never gives an old id to another path
        assert len(drawn) == len({(d["source"], d["target"]) for d in drawn.values()})
        assert all(i == f"p:{d['from']}->{d['to']}" for i, d in drawn.items())
    # a path only the simplified map draws (an activity between its ends is hidden)
    bridged = [d for i, d in paths(simple).items() if i not in paths(full) and d["kind"] == "path"]
    assert bridged
    view = ana.call(process_map.filter_by_path, bridged[0], SALES, 0.5, 1.0)["app-view.data"]
    follows = view["filters"][-1]
    assert follows["kind"] == "follows" and len(follows["among"]) < len(
        [e for e in full if e["data"].get("kind") == "activity"]
    )
    shown = ana.call(process_map.count_cases, view)["map-cases.children"]
    print("DBG", bridged[0]["id"], follows, shown)
    assert shown != "0 cases"
    direct = ana.call(process_map.filter_by_path, bridged[0], SALES, 1.0, 1.0)["app-view.data"]
    assert ana.call(process_map.count_cases, direct)["map-cases.children"] == "0 cases"


def test_the_filter_stack_is_shown_as_code_that_reproduces_it(app, ana, monkeypatch):
    from dashboard import _shell

    view = {
        "log": "sales_activities",
        "filters": [
            {"kind": "case_attribute", "column": "activity", "values": ["Demo held"], "keep": True}
        ],
    }
    shown = ana.call(_shell.show_filters, view)
    assert shown["app-filter-count.children"] == "132 of 278 cases"
    assert "cases with activity in Demo held" in str(shown["app-filter-lines.children"])
    assert "--filters" in shown["app-filter-cli.children"]
    monkeypatch.setenv("MEJORA_STORE", str(app.folder / "store.duckdb"))
    scope: dict = {}
    exec(shown["app-filter-code.children"], scope)  # the code the page shows, run as is
    assert scope["view"].n_cases == 132
    # a user runs it in a process of their own: it reads while the dashboard runs; here, in
    # the dashboard's process, its connection is closed so the dashboard can write again
    scope["log"].connection.close()


# -- the other pages ----------------------------------------------------------------------
def test_overview_kpis_against_target_computed_in_the_background(ana):
    first = ana.call(overview.show_kpis, SALES)
    if first["overview-poll.disabled"] is False:  # not cached yet: a job was started
        first = wait_for(ana, overview.poll_kpis, first["overview-job.data"], SALES)
    text = json.dumps(first["overview-cards.children"])
    assert "Win rate" in text and "met" in text and "Rework rate" in text and "missed" in text
    # one box per drifting KPI, named, each signal once with the period it came in
    alerts = json.dumps(first["overview-alerts.children"], ensure_ascii=False)
    assert alerts.count('"Cycle time"') == 1 and "week of 2025-12-15" in alerts
    for box in first["overview-alerts.children"]:
        lines = [json.dumps(i) for i in box["props"]["children"][1]["props"]["children"]]
        assert len(lines) == len(set(lines))
    again = ana.call(overview.show_kpis, SALES)  # now from the cache, in the same request
    assert again["overview-poll.disabled"] is True and again["overview-cards.children"]
    assert ana.call(overview.count_cases, SALES)["overview-cases.children"] == "278 cases"
    rows = ana.call(overview.list_logs, SALES)["overview-logs.rowData"]
    assert {"name", "events", "cases"} <= set(rows[0]) and "source" not in rows[0]


def test_variants_keep_coverage_and_case_timeline(ana):
    out = ana.call(variants.show_variants, SALES, 10)
    assert out["variants-grid.rowData"][0]["rank"] == 1
    assert "of 278 cases" in str(out["variants-figure.figure"]["layout"]["title"])
    text = ana.call(variants.coverage_text, SALES, 0.8)["variants-coverage-text.children"]
    assert text.endswith("of the 278 cases.")
    kept = ana.call(variants.keep_variants, 1, 0.8, SALES)["app-view.data"]
    assert kept["filters"] == [{"kind": "variants", "top": None, "coverage": 0.8}]
    cases = ana.call(variants.list_cases, SALES)["cases-grid.rowData"]
    assert len(cases) == 278 and cases[0]["days"] >= cases[-1]["days"]
    timeline = ana.call(variants.case_timeline, [cases[0]], SALES)["cases-timeline.figure"]
    assert "1 of 1 cases" in str(timeline["layout"]["title"])


def test_the_workflow_and_email_log_are_chosen_by_what_the_logs_contain(app, ana):
    """No table of sample names: the design sharing most activities with the log is offered,
    and the email log is the one whose vocabulary names sends and reactions."""
    chosen = ana.call(conformance.suggest_workflow, SALES, None)["conf-workflow.value"]
    assert chosen == "bundled:sales_pipeline"
    with app.server.app_context():
        assert app.server.extensions["mejora.dashboard"].email_logs() == ["mails"]


def test_conformance_runs_in_the_background(ana):
    started = ana.call(conformance.run_check, 1, SALES, "bundled:sales_pipeline", "alignments")
    assert started["conf-poll.disabled"] is False
    out = wait_for(ana, conformance.show_check, started["conf-job.data"])
    deviations = out["conf-deviations.rowData"]
    assert {"kind": "skipped", "activity": "Demo held"}.items() <= deviations[0].items()
    branches = out["conf-branches.rowData"]
    assert {"Fit and budget?", "Outcome"} <= {row["node_name"] for row in branches}
    assert any("skipped" in e["data"].get("label", "") for e in out["conf-graph.elements"])
    # the summary names what was checked against what
    assert "'sales_activities' against 'Lead to deal'" in str(out["conf-summary.children"])
    # another log (or filter): the old results go, and the running job is no longer awaited
    cleared = ana.call(conformance.clear_results, MAILS)
    assert cleared["conf-deviations.rowData"] == [] and cleared["conf-summary.children"] is None
    assert cleared["conf-job.data"] is None and cleared["conf-poll.disabled"] is True
    with pytest.raises(RuntimeError, match="500"):
        ana.call(conformance.run_check, 1, SALES, "bundled:../../etc/passwd", "alignments")


def test_a_case_of_another_process_is_left_out_and_said(ana):
    view = {"log": "mixed", "filters": []}
    started = ana.call(conformance.run_check, 1, view, "bundled:sales_pipeline", "token_replay")
    out = wait_for(ana, conformance.show_check, started["conf-job.data"])
    summary = str(out["conf-summary.children"])
    assert "of 2 cases follow the design" in summary
    assert "1 of 3 cases (33.3%) share no step with the design" in summary


def test_another_users_job_is_not_shown(app, ana, root):
    started = ana.call(conformance.run_check, 1, SALES, "bundled:sales_pipeline", "token_replay")
    out = root.call(conformance.show_check, 1, started["conf-job.data"])
    assert "no longer available" in str(out["conf-status.children"])


def test_consent_violations(ana):
    assert ana.call(conformance.contact_columns, MAILS)["consent-contact.value"] == "recipient"
    out = ana.call(conformance.check_consent, 1, MAILS, "recipient")
    assert "1 emails went to 1 contacts" in str(out["consent-text.children"])
    assert out["consent-grid.rowData"][0]["contact"] == "ana@example.com"


def test_improvement_chart_pareto_and_root_cause(ana):
    chart = ana.call(improvement.control_chart, SALES, "throughput", None, "W", None)
    assert "Individuals chart" in chart["imp-explain.children"]
    started = ana.call(improvement.run_pareto, 1, SALES, "loss_reason", "", "")
    out = wait_for(ana, improvement.show_pareto, started["pareto-job.data"])
    assert "not ready, no follow-up" in str(out["pareto-status.children"])
    started = ana.call(improvement.run_root_cause, 1, SALES, "slow")
    out = wait_for(ana, improvement.show_root_cause, started["cause-job.data"])
    assert out["cause-grid.rowData"][0]["rank"] == 1
    bad = ana.call(improvement.run_root_cause, 1, SALES, "duration > 20")
    out = wait_for(ana, improvement.show_root_cause, bad["cause-job.data"])
    assert "give a unit" in str(out["cause-status.children"])


# -- data ---------------------------------------------------------------------------------
def _upload(text: bytes) -> str:
    import base64

    return "data:application/octet-stream;base64," + base64.b64encode(text).decode()


def test_upload_imports_with_a_summary_and_refuses_hostile_files(app, ana, tmp_path):
    good = _upload(b"case_id,activity,timestamp\n1,a,2025-01-01\n1,b,2025-01-02\n2,a,bad\n")
    started = ana.call(
        data.start_upload, good, "../../up load.csv", "", "auto", None, None, None, None, False
    )
    out = wait_for(ana, data.show_import, started["data-job.data"], SALES)
    summary = str(out["data-summary.children"])
    assert "3 rows read: 2 events, 1 cases" in summary and "1 rows set aside" in summary
    assert "up_load" in out["app-log.options"]

    again = ana.call(
        data.start_upload, good, "up load.csv", "up_load", "auto", None, None, None, None, False
    )
    assert "exists" in str(again["data-status.children"])

    bomb = _upload(b'<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "x">]><log/>')
    started = ana.call(
        data.start_upload, bomb, "bomb.xes", "", "auto", None, None, None, None, False
    )
    out = wait_for(ana, data.show_import, started["data-job.data"], SALES)
    message = str(out["data-status.children"])
    assert "DTD" in message and "mejora-upload" not in message and "/tmp" not in message

    wrong = ana.call(
        data.start_upload, _upload(b"MZ"), "tool.exe", "", "auto", None, None, None, None, False
    )
    assert "not a log file type" in str(wrong["data-status.children"])
    binary = ana.call(
        data.start_upload, _upload(b"a\x00b"), "x.csv", "", "auto", None, None, None, None, False
    )
    assert "binary" in str(binary["data-status.children"])


def test_quarantine_download_and_admin_delete(app, ana, root):
    download = ana.call(data.download_quarantine, 1, [{"name": "sales_activities"}])
    assert download["data-download.data"]["filename"] == "sales_activities-quarantine.csv"
    root.call(
        data.start_upload,
        _upload(b"case_id,activity,timestamp\n1,a,2025-01-01\n"),
        "gone.csv",
        "",
        "auto",
        None,
        None,
        None,
        None,
        False,
    )
    deadline = time.time() + 20
    while "gone" not in {
        r["name"] for r in root.call(overview.list_logs, SALES)["overview-logs.rowData"]
    }:
        assert time.time() < deadline
        time.sleep(0.05)
    out = root.call(data.delete_log, 1, [{"name": "gone"}])
    assert "gone" not in out["app-log.options"]
    assert "Deleted gone" in str(out["data-message.children"])


def test_a_click_inserted_by_the_page_is_not_a_click(ana):
    response = ana.post(variants.keep_variants, None, 0.8, SALES)
    assert response.status_code == 204  # Dash fires it with no value when the page appears


def test_open_cases_of_a_view_cut_at_a_date_in_both_languages(app, ana):
    cut = {"kind": "time_range", "start": None, "end": "2025-11-15", "mode": "events"}
    view = {"log": "sales_activities", "filters": [cut]}
    out = ana.call(open_cases.show_open_cases, view)
    rows = out["open-grid.rowData"]
    stuck = [r for r in rows if r["stuck"]]
    assert rows and stuck and rows[: len(stuck)] == stuck  # stuck first
    assert rows[0]["why"].startswith(f"In “{rows[0]['step']}” for ")
    bars = out["open-figure.figure"]["data"]
    assert sum(sum(b["x"]) for b in bars) == len(rows)  # every open case is in the picture
    assert "open cases at 2025-11-14" in str(out["open-figure.figure"]["layout"]["title"])
    everything = ana.call(open_cases.show_open_cases, SALES)
    assert everything["open-grid.rowData"] == []
    assert "every case is closed" in str(everything["open-message.children"])
    client = app.server.test_client()
    sign_in(client, "ana", PASSWORD)
    client.get("/lang/es", headers={"Referer": "http://localhost/open"})
    spanish = CallbackClient(app, client).call(open_cases.show_open_cases, view)
    assert spanish["open-grid.rowData"][0]["why"].startswith("En «")
    assert "casos abiertos a 2025-11-14" in str(spanish["open-figure.figure"]["layout"]["title"])


def test_the_language_switch(app):
    client = app.server.test_client()
    sign_in(client, "ana", PASSWORD)
    calls = CallbackClient(app, client)
    client.get("/lang/es", headers={"Referer": "http://localhost/map"})
    assert calls.call(process_map.count_cases, SALES)["map-cases.children"] == "278 casos"
    assert (
        client.get("/lang/en", headers={"Referer": "http://evil.example/x"}).headers["Location"]
        == "/"
    )


def test_filter_lines_and_deviation_kinds_follow_the_session_language(app):
    from dashboard import _shell

    client = app.server.test_client()
    sign_in(client, "ana", PASSWORD)
    calls = CallbackClient(app, client)
    client.get("/lang/es")
    view = {"log": "sales_activities", "filters": [Follows("Qualified", "Demo held").to_dict()]}
    lines = json.dumps(calls.call(_shell.show_filters, view), ensure_ascii=False)
    assert "casos en que Demo held viene justo después de Qualified" in lines
    started = calls.call(conformance.run_check, 1, SALES, "bundled:sales_pipeline", "alignments")
    out = wait_for(calls, conformance.show_check, started["conf-job.data"])
    kinds = {row["kind"] for row in out["conf-deviations.rowData"]}
    assert "omitido" in kinds and kinds <= {"omitido", "inesperado", "fuera de orden"}
    client.get("/lang/en")


def test_the_store_file_is_never_named_in_the_page(app, ana):
    layout = json.dumps(ana.client.get("/_dash-layout").get_json())
    assert "sales_activities" in layout and str(Path(app.folder)) not in layout


def test_figures_follow_the_session_language(app):
    client = app.server.test_client()
    sign_in(client, "ana", PASSWORD)
    calls = CallbackClient(app, client)
    client.get("/lang/es")
    figure = calls.call(variants.show_variants, SALES, 10)["variants-figure.figure"]
    assert figure["layout"]["title"]["text"] == (
        "Las 10 principales de 23 variantes cubren el 95,0\u00a0% de 278 casos"
    )
    assert figure["layout"]["xaxis"]["title"]["text"] == "casos"
    dotted = calls.call(variants.dotted_chart, SALES, "relative")["cases-dotted.figure"]
    assert dotted["layout"]["yaxis"]["title"]["text"] == "casos (por inicio)"
    chart = calls.call(improvement.control_chart, SALES, "throughput", None, "W", None)
    title = chart["imp-chart.figure"]["layout"]["title"]["text"]
    heading = "Gráfico de individuos (I-MR) de mediana del tiempo de ciclo por semana<br>"
    assert title.startswith(heading)
    client.get("/lang/en")  # the same view in English is not served from the Spanish cache
    dotted = calls.call(variants.dotted_chart, SALES, "relative")["cases-dotted.figure"]
    assert dotted["layout"]["yaxis"]["title"]["text"] == "cases (by start)"
    figure = calls.call(variants.show_variants, SALES, 10)["variants-figure.figure"]
    assert figure["layout"]["title"]["text"] == "Top 10 of 23 variants cover 95.0% of 278 cases"


# -- suggestions (admins) and reports (managers) ---------------------------------------------
def test_only_admins_see_and_use_suggestions(app, ana, marta):
    menu = json.dumps(ana.client.get("/_dash-layout").get_json())
    assert '"/map"' in menu and "/suggestions" not in menu and "/reports" not in menu
    menu = json.dumps(marta.client.get("/_dash-layout").get_json())
    assert '"/reports"' in menu and "/suggestions" not in menu
    for who in (ana, marta):
        with pytest.raises(PermissionError, match="403"):
            who.call(suggestions.apply, 1, [{"id": "s-0123456789"}], 0)
        with pytest.raises(PermissionError, match="403"):
            who.call(suggestions.import_bundled, 1, 0)
    with pytest.raises(PermissionError, match="403"):
        ana.call(reports.run_report, 1, SALES, "", "es")


def test_an_admin_uploads_a_platforms_workflow_and_reads_how_it_mapped(app, ana, root):
    fixtures = Path(__file__).parent / "fixtures"
    campaign = _upload((fixtures / "mautic" / "campaign_3_bienvenida.json").read_bytes())
    with pytest.raises(PermissionError, match="403"):
        ana.call(suggestions.upload_workflow, campaign, "bienvenida.json", 0)
    out = root.call(suggestions.upload_workflow, campaign, "bienvenida.json", 0)
    shown = str(out["sugg-message.children"])
    assert "bienvenida.json: stored as 'mautic-3' revision 1 (exported from Mautic" in shown
    assert "Every part mapped exactly" in shown and out["sugg-refresh.data"] == 1
    flow = _upload((fixtures / "hubspot" / "lead_nurturing.json").read_bytes())
    shown = str(
        root.call(suggestions.upload_workflow, flow, "flow.json", 1)["sugg-message.children"]
    )
    assert "exported from HubSpot" in shown and "Not mapped exactly" in shown
    assert "time zone" in shown  # each line of the mapping report is listed
    bad = _upload(b'<?xml version="1.0"?><!DOCTYPE Flow [<!ENTITY a "x">]><Flow/>')
    shown = str(
        root.call(suggestions.upload_workflow, bad, "X.flow-meta.xml", 2)["sugg-message.children"]
    )
    assert "X.flow-meta.xml: cannot be stored" in shown and "DTD" in shown
    assert "mejora-workflow" not in shown and "/tmp" not in shown
    wrong = root.call(suggestions.upload_workflow, _upload(b"MZ"), "tool.exe", 2)
    assert "expected a .flow-meta.xml" in str(wrong["sugg-message.children"])


def test_an_empty_store_offers_the_samples(tmp_path):
    users = UserStore(tmp_path / "users.json")
    users.add("ana", PASSWORD, role="analyst")
    only_one = Examples(lambda: ["crm_pipeline"], load_sample)
    app = create_app(
        tmp_path / "empty.duckdb", secret="e" * 64, users_file=users.path, examples=only_one
    )
    calls = client_for(app, "ana")
    empty = {"log": None, "filters": []}
    listed = calls.call(data.list_logs, empty)
    assert listed["data-logs.rowData"] == [] and "No logs yet" in str(
        listed["data-message.children"]
    )
    assert "empty" in str(calls.call(overview.show_kpis, empty)["overview-alerts.children"])
    started = calls.call(data.start_samples, 1)
    out = wait_for(calls, data.show_import, started["data-job.data"], empty)
    assert out["app-log.options"] == ["crm_pipeline"] and out["app-log.value"] == "crm_pipeline"
    again = wait_for(
        calls, data.show_import, calls.call(data.start_samples, 1)["data-job.data"], empty
    )
    assert "stored already" in str(again["data-summary.children"])


def test_the_fatigue_what_if_is_replayed_on_the_suggestions_log(tmp_path):
    """What the simulator cannot represent (a suppression across workflows) the Suggestions page
    estimates by replaying the log the suggestion came from, as `mejora whatif` does."""

    from automation import (
        Analysis,
        WorkflowStore,
        fit_behaviour,
        read_workflow,
        save_suggestions,
        suggest_from,
    )
    from sample_logs import workflow_path

    welcome = read_workflow(workflow_path("welcome_nurture"))
    overlapping_campaigns(tmp_path / "campaigns.csv")
    log = read_log(tmp_path / "campaigns.csv", format="mautic-campaign-events", name="overlap")
    with EventStore(tmp_path / "store.duckdb") as store:
        store.save(log, "overlap")
    workflows = WorkflowStore(tmp_path / "workflows")
    workflows.save(welcome, base=None, author="root")
    with EventStore(tmp_path / "store.duckdb", read_only=True) as store:
        analysis = Analysis(welcome, store.load("overlap"), revision=1)
        [found] = suggest_from(analysis, rules=["fatigue-across-workflows"]).suggestions
        fit = fit_behaviour(welcome, analysis=analysis)
    save_suggestions(workflows, [found], welcome, fit=fit.to_dict(), log="overlap")
    users = UserStore(tmp_path / "users.json")
    users.add("root", PASSWORD, role="admin")
    app = create_app(
        tmp_path / "store.duckdb",
        secret="f" * 64,
        users_file=users.path,
        workflows=tmp_path / "workflows",
    )
    admin = client_for(app, "root")
    job = admin.call(suggestions.run_what_if, 1, [{"id": found.id}])["sugg-whatif-job.data"]
    shown = str(wait_for(admin, suggestions.show_what_if, job))
    assert "contact_weeks_over_limit: 1440 → 1209" in shown and "replay of the log" in shown


def test_suggestions_revert_a_newer_revision_that_made_things_worse(tmp_path):
    """The Suggestions page analyses the newest revision with the one before it as the design
    it replaced, so a worse newer version gets a revert (as `mejora suggest` does)."""

    from automation import WorkflowStore

    v1, v2, events = two_versions()
    events.to_csv(tmp_path / "versions.csv", index=False)
    with EventStore(tmp_path / "store.duckdb") as store:
        store.save(read_log(tmp_path / "versions.csv"), "versions")
    workflows = WorkflowStore(tmp_path / "workflows")
    workflows.save(v1, base=None, author="root")
    workflows.save(v2, base=1, author="root")
    users = UserStore(tmp_path / "users.json")
    users.add("root", PASSWORD, role="admin")
    app = create_app(
        tmp_path / "store.duckdb",
        secret="v" * 64,
        users_file=users.path,
        workflows=tmp_path / "workflows",
    )
    admin = client_for(app, "root")
    view = {"log": "versions", "filters": []}
    job = admin.call(suggestions.run_suggestions, 1, view, "welcome-nurture", None)
    rows = wait_for(admin, suggestions.show_suggestions, job["sugg-job.data"])["sugg-grid.rowData"]
    [revert] = [r for r in rows if r["rule"] == "behaviour-changed-between-versions"]
    saved = json.loads(
        (
            tmp_path / "workflows" / "welcome-nurture" / "suggestions" / f"{revert['id']}.json"
        ).read_text(encoding="utf-8")
    )
    assert saved["suggestion"]["changes"]["ops"] == [
        {"op": "set_wait_duration", "node": "nurture_1_click", "duration": "P7D"}
    ]


def test_the_data_page_shows_and_corrects_the_vocabulary(tmp_path):
    """A withdrawal in words no pattern knows ("No molestar") is named on the Data page; the
    choice is stored with the log and every analysis reads it."""
    users = UserStore(tmp_path / "users.json")
    users.add("ana", PASSWORD, role="analyst")
    (tmp_path / "es.csv").write_text(
        "case_id,activity,timestamp,correo\n"
        "m1,Envío boletín,2025-01-01 09:00,ana@x.es\n"
        "m2,No molestar,2025-01-02 09:00,ana@x.es\n"
        "m3,Envío boletín,2025-01-03 09:00,ana@x.es\n"
    )
    with EventStore(tmp_path / "store.duckdb") as store:
        store.save(read_log(tmp_path / "es.csv"), "es")
    app = create_app(tmp_path / "store.duckdb", secret="v" * 64, users_file=users.path)
    calls = client_for(app, "ana")
    chosen = [{"name": "es"}]
    rows = calls.call(data.show_vocabulary, chosen)["data-vocab-grid.rowData"]
    assert {"meaning": "kind:sent", "value": "Envío boletín", "given": False} in rows
    assert {"meaning": "role:contact", "value": "correo", "given": False} in rows
    assert not any(r["meaning"] == "kind:unsubscribed" for r in rows)
    options = calls.call(data.vocabulary_choices, "kind:unsubscribed", chosen)
    assert options["data-vocab-value.options"] == ["Envío boletín", "No molestar"]
    assert options["data-vocab-value.value"] == [] and options["data-vocab-value.multi"] is True
    role = calls.call(data.vocabulary_choices, "role:contact", chosen)
    assert role["data-vocab-value.value"] == "correo"
    assert "correo" in role["data-vocab-value.options"]
    refused = calls.call(data.save_vocabulary, 1, chosen, "kind:unsubscribed", ["Baja"])
    assert "Baja" in str(refused["data-vocab-message.children"])
    saved = calls.call(data.save_vocabulary, 1, chosen, "kind:unsubscribed", ["No molestar"])
    assert "Saved the vocabulary of es" in str(saved["data-vocab-message.children"])
    rows = saved["data-vocab-grid.rowData"]
    assert {"meaning": "kind:unsubscribed", "value": "No molestar", "given": True} in rows
    with app.server.extensions["mejora.dashboard"].store() as store:  # what every page reads
        found = mining.consent_violations(store.load("es"))
    assert found["case_id"].tolist() == ["m3"]
    assert calls.call(data.save_vocabulary, 1, None, "kind:sent", [])["data-vocab-message.children"]

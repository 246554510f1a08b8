"""End to end in a real browser: sign in, the process map's slider and click-to-filter, a bad
upload's message, the login wall, and a screenshot of every page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser

BOMB = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<log><trace><string key="concept:name" value="&b;"/>
<event><string key="concept:name" value="x"/><date key="time:timestamp" value="2024-01-01"/></event>
</trace></log>
"""


def node_centre(page, node_id: str) -> tuple[float, float]:
    """Where on the page a Cytoscape node is drawn."""
    box = page.locator("#map-graph").bounding_box()
    point = page.evaluate(
        """(id) => {
            const root = document.getElementById('map-graph');
            const holder = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
            return holder._cyreg.cy.getElementById(id).renderedPosition();
        }""",
        node_id,
    )
    return box["x"] + point["x"], box["y"] + point["y"]


def test_pages_need_a_login(page):
    page.goto("/map")
    assert "/login" in page.url
    response = page.request.post("/_dash-update-component", data="{}")
    assert response.status == 401


def test_analyst_filters_the_map_by_clicking_an_activity(page):
    sign_in(page, "ana", "/map")
    cases = page.locator("#map-cases")
    cases.filter(has_text="278 cases").wait_for()
    coverage = page.locator("#map-coverage")
    coverage.filter(has_text="transitions").wait_for()
    before = coverage.inner_text()
    thumb = page.locator("#map-paths [role=slider]")
    thumb.focus()
    for _ in range(4):
        thumb.press("ArrowLeft")
    page.wait_for_function(
        "(text) => document.getElementById('map-coverage').innerText !== text", arg=before
    )
    assert page.locator("#map-paths [role=slider]").get_attribute("aria-valuenow") == "0.4"
    shoot(page, "map-slider")
    page.wait_for_function(
        """() => { const root = document.getElementById('map-graph');
                   const h = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
                   return h && h._cyreg.cy.getElementById('a:Demo held').length > 0; }"""
    )
    page.wait_for_timeout(500)  # the layout settles
    x, y = node_centre(page, "a:Demo held")
    page.mouse.click(x, y)
    cases.filter(has_text="132 cases").wait_for()
    assert "cases with activity in Demo held" in page.locator("#app-filter-lines").inner_text()
    assert (
        "CaseAttribute(column='activity', values=('Demo held',)"
        in page.locator("#app-filter-code").inner_text()
    )
    shoot(page, "map-filtered")
    page.click("#app-filter-clear")
    cases.filter(has_text="278 cases").wait_for()


def test_bad_uploads_show_the_validation_message(page, tmp_path):
    sign_in(page, "ana", "/data")
    page.locator("#data-logs").wait_for()
    upload = page.locator("#data-upload input[type=file]")
    wrong = tmp_path / "notes.exe"
    wrong.write_bytes(b"MZ\x00\x00")
    upload.set_input_files(str(wrong))
    page.locator("#data-status").filter(has_text="not a log file type").wait_for()
    bomb = tmp_path / "bomb.xes"
    bomb.write_text(BOMB)
    upload.set_input_files(str(bomb))
    status = page.locator("#data-status")
    status.filter(has_text="DTD").wait_for()
    assert str(tmp_path) not in status.inner_text()
    assert "mejora-upload" not in status.inner_text()  # no server path in the message
    shoot(page, "data-refused-upload")


def test_a_file_over_the_limit_is_named_not_silently_dropped(page, tmp_path):
    """The browser refuses a file over the limit before sending it; the page says so."""
    sign_in(page, "ana", "/data")
    page.locator("#data-logs").wait_for()
    big = tmp_path / "export.csv"
    with big.open("wb") as out:
        out.truncate(51 * 2**20)  # 51 MB (sparse): over the 50 MB limit
    page.locator("#data-upload input[type=file]").set_input_files(str(big))
    note = page.locator("#data-upload-refused")
    note.filter(has_text="export.csv").wait_for()
    assert "51.0 MB" in note.inner_text() and "50 MB" in note.inner_text()
    assert "mejora import" in note.inner_text()
    # a file within the limit hides it again
    small = tmp_path / "small.csv"
    small.write_text("case,activity,timestamp\nA,x,2025-01-01 09:00\n")
    page.locator("#data-upload input[type=file]").set_input_files(str(small))
    note.wait_for(state="hidden")


def test_a_good_upload_shows_its_validation_summary(page, tmp_path):
    sign_in(page, "ana", "/data")
    log = tmp_path / "small deals.csv"
    log.write_text(
        "case_id,activity,timestamp\n1,Lead,2025-01-01 09:00\n1,Won,2025-01-03 10:00\n"
        "2,Lead,2025-01-02 09:00\n2,Lost,not a date\n"
    )
    page.locator("#data-upload input[type=file]").set_input_files(str(log))
    summary = page.locator("#data-summary")
    summary.filter(has_text="rows read").wait_for()
    text = summary.inner_text()
    assert re.search(r"4 rows read: 3 events, 2 cases", text)
    assert "1 rows set aside" in text
    page.locator("#data-logs").filter(has_text="small_deals").wait_for()
    shoot(page, "data-upload-summary")


def test_the_data_page_shows_a_logs_vocabulary(page):
    sign_in(page, "ana", "/data")
    page.locator("#data-logs .ag-row", has_text="email_events").first.click()
    grid = page.locator("#data-vocab-grid")
    grid.filter(has_text="kind:unsubscribed").wait_for()
    assert "UNSUBSCRIBE" in grid.inner_text() and "recipient" in grid.inner_text()
    page.select_option("#data-vocab-what", "kind:unsubscribed")
    page.locator("#data-vocab-value").filter(has_text="UNSUBSCRIBE").wait_for()
    page.locator("#data-vocab-grid").scroll_into_view_if_needed()
    assert page.locator("#data-status").inner_text() == ""  # no stale "no longer available"
    shoot(page, "data-vocabulary")


def test_analyst_sees_no_delete_button_and_the_server_refuses_it(page, server):
    sign_in(page, "ana", "/data")
    assert not page.locator("#data-delete").is_visible()
    deps = page.request.get("/_dash-dependencies").json()
    delete = next(d for d in deps if d["inputs"][0]["id"] == "data-confirm")
    body = {
        "output": delete["output"],
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1]}
            for o in delete["output"].strip(".").split("...")
        ],
        "inputs": [{"id": "data-confirm", "property": "submit_n_clicks", "value": 1}],
        "state": [
            {"id": "data-logs", "property": "selectedRows", "value": [{"name": "email_events"}]}
        ],
        "changedPropIds": ["data-confirm.submit_n_clicks"],
    }
    response = page.request.post("/_dash-update-component", data=body)
    assert response.status == 403


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/", "#overview-cards .kpi-value"),
        ("/variants", "#variants-grid .ag-row"),
        ("/conformance", "#conf-workflow"),
        ("/improvement", "#imp-explain:has-text('chart')"),
    ],
)
def test_every_page_renders(page, path, ready):
    sign_in(page, "root", path)
    page.locator(ready).first.wait_for()
    page.wait_for_timeout(500)  # a button the page inserts must not count as a click
    assert "no filters" in page.locator("#app-filter-lines").inner_text()
    shoot(page, "page" + (path.replace("/", "-") if path != "/" else "-overview"))


def test_language_switch_translates_the_interface(page):
    sign_in(page, "ana", "/map")
    page.locator("#map-cases").filter(has_text="cases").wait_for()
    page.click("a.lang:has-text('ES')")
    page.locator("#map-cases").filter(has_text="278 casos").wait_for()
    assert "Mapa del proceso" in page.locator("h2").first.inner_text()
    shoot(page, "map-es")


def test_analyst_cannot_apply_a_suggestion_even_with_a_forged_request(page):
    sign_in(page, "ana", "/suggestions")
    page.locator("text=This page is for admins.").wait_for()
    assert page.locator("a.nav-link", has_text="Suggestions").count() == 0
    deps = page.request.get("/_dash-dependencies").json()
    apply = next(d for d in deps if d["inputs"][0]["id"] == "sugg-apply-confirm")
    outputs = [o.split("@")[0].split(".") for o in apply["output"].strip(".").split("...")]
    body = {
        "output": apply["output"],
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": "sugg-apply-confirm", "property": "submit_n_clicks", "value": 1}],
        "state": [
            {"id": "sugg-grid", "property": "selectedRows", "value": [{"id": "s-0123456789"}]},
            {"id": "sugg-refresh", "property": "data", "value": 0},
        ],
        "changedPropIds": ["sugg-apply-confirm.submit_n_clicks"],
    }
    assert page.request.post("/_dash-update-component", data=body).status == 403
    shoot(page, "suggestions-analyst")


def test_admin_uploads_a_mautic_campaign_and_sees_it_stored_and_selectable(page):
    from pathlib import Path

    campaign = Path(__file__).parents[1] / "fixtures" / "mautic" / "campaign_3_bienvenida.json"
    sign_in(page, "root", "/suggestions")
    page.locator("#sugg-upload input[type=file]").set_input_files(str(campaign))
    page.locator("#sugg-message").filter(has_text="stored as 'mautic-3'").wait_for()
    assert "exported from Mautic" in page.locator("#sugg-message").inner_text()
    page.locator("#sugg-workflow option[value='mautic-3']").wait_for(state="attached")
    shoot(page, "suggestions-uploaded-mautic")


def test_admin_applies_a_suggestion_sees_the_draft_and_rolls_it_back(page):
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations
    sign_in(page, "root", "/suggestions")
    page.click("#sugg-import")
    page.locator("#sugg-message").filter(has_text="Stored:").wait_for()
    page.select_option("#sugg-workflow", "sales-pipeline")
    page.locator("#sugg-status-line").filter(has_text="Newest revision 1").wait_for()
    page.click("#sugg-run")
    page.locator("#sugg-grid .ag-row").first.wait_for(timeout=90_000)
    page.locator("#sugg-grid .ag-row", has_text="Demo held").first.click()
    page.locator("#sugg-diff").filter(has_text="demo").wait_for()
    page.click("#sugg-apply")
    page.locator("#sugg-message").filter(has_text="draft revision 2").wait_for()
    first_row = page.locator("#sugg-history .ag-row[row-index='0']")
    first_row.filter(has_text="never live").wait_for()  # the draft: live, was live, never live
    shoot(page, "suggestions-draft")
    page.locator("#sugg-history .ag-row", has_text="example workflow").click()
    page.click("#sugg-rollback")
    page.locator("#sugg-message").filter(has_text="Revision 1 restored as revision 3").wait_for()
    page.locator("#sugg-audit .ag-row", has_text="rollback").first.wait_for()
    shoot(page, "suggestions-rolled-back")


def test_manager_downloads_a_spanish_report(page):
    sign_in(page, "marta", "/reports")
    page.check("#report-lang input[value='es']")
    page.click("#report-run")
    page.locator("#report-status").filter(has_text="ready").wait_for(timeout=90_000)
    frame = page.frame_locator("#report-preview")
    assert frame.locator("html").get_attribute("lang") == "es"
    with page.expect_download() as html_download:
        page.click("#report-html")
    assert html_download.value.suggested_filename.startswith("informe-sales_activities-")
    with page.expect_download(timeout=120_000) as pdf_download:
        page.click("#report-pdf")
    path = pdf_download.value.path()
    assert path.read_bytes()[:5] == b"%PDF-"
    shoot(page, "reports-manager")


def test_no_page_breaks_the_content_security_policy(page):
    """Every page renders under the policy (Dash's inline start-up by hash, no other inline
    script, no eval): the browser reports no violation, and the headers are there."""
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e =>"
        " window.__csp.push([e.violatedDirective, e.blockedURI, e.sample, e.lineNumber]"
        ".join(' ')));"
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, "root", "/")
    page.locator("#overview-cards .kpi-value").first.wait_for()
    headers = page.request.get("/").headers
    assert "'sha256-" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    for path in ("/map", "/variants", "/conformance", "/improvement", "/suggestions", "/data"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        assert page.evaluate("window.__csp") == [], path
    assert errors == []


def _drawn_paths(page) -> list[str]:
    return page.evaluate(
        """() => { const root = document.getElementById('map-graph');
                   const h = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
                   return h._cyreg.cy.edges().map(
                       e => e.source().id() + '->' + e.target().id()); }"""
    )


def test_every_path_the_server_sends_is_drawn_after_slider_moves(page):
    """Moving the activity slider down and up again redraws maps with other paths: each one
    is drawn between the right activities (ids once reused between maps lost arrows)."""
    import mining
    from dashboard._graph import map_elements
    from sample_logs import load_sample

    log = load_sample("sales_activities")
    sign_in(page, "ana", "/map")
    page.locator("#map-coverage").filter(has_text="transitions").wait_for()
    thumb = page.locator("#map-activities [role=slider]")
    paths = float(page.locator("#map-paths [role=slider]").get_attribute("aria-valuenow"))
    moves = [("ArrowLeft", 0.9), ("ArrowLeft", 0.8), ("ArrowLeft", 0.7)]
    moves += [("ArrowRight", 0.8), ("ArrowRight", 0.9), ("ArrowRight", 1.0)]
    for key, value in moves:
        sent = map_elements(mining.process_map(log, activities=value, paths=paths), "frequency")
        expected = sorted(
            f"{e['data']['source']}->{e['data']['target']}" for e in sent if "source" in e["data"]
        )
        thumb.focus()
        thumb.press(key)
        page.wait_for_function(
            """(n) => { const root = document.getElementById('map-graph');
                        const h = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
                        return h && h._cyreg.cy.edges().length === n; }""",
            arg=len(expected),
        )
        page.wait_for_timeout(300)
        assert sorted(_drawn_paths(page)) == expected, value


def test_map_labels_are_drawn_at_a_readable_size(page):
    """The map is drawn top to bottom at full size in a box that grows with it, not shrunk
    into a fixed box (a 14-activity map's labels came out 5 px high)."""
    sign_in(page, "ana", "/map")
    page.locator("#map-coverage").filter(has_text="transitions").wait_for()
    page.wait_for_function(
        """() => { const root = document.getElementById('map-graph');
                   const h = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
                   return h && h._cyreg.cy.nodes().length > 3; }"""
    )
    page.wait_for_timeout(500)
    pixels = page.evaluate(
        """() => { const root = document.getElementById('map-graph');
                   const cy = [root, ...root.querySelectorAll('div')].find(el => el._cyreg)
                       ._cyreg.cy;
                   const node = cy.nodes('[kind = "activity"]')[0];
                   return cy.zoom() * parseFloat(node.style('font-size')); }"""
    )
    assert pixels >= 10


def test_the_designed_waits_chart_stays_inside_its_card(page):
    """The chart sets a height of one row per path; its card grows with it (it spilled over
    the next card), and the workflow drawing is drawn at full size."""
    sign_in(page, "ana", "/conformance")
    page.locator("#conf-workflow").wait_for()
    page.wait_for_timeout(1000)
    page.click("#conf-run")
    page.locator("#conf-summary").filter(has_text="fitness").wait_for(timeout=60_000)
    page.locator("#conf-waits .main-svg").first.wait_for()
    page.wait_for_timeout(500)
    chart = page.locator("#conf-waits .main-svg").first.bounding_box()
    card = page.locator(".card", has=page.locator("#conf-waits")).last.bounding_box()
    assert chart["y"] + chart["height"] <= card["y"] + card["height"] + 1
    zoom = page.evaluate(
        """() => { const root = document.getElementById('conf-graph');
                   return [root, ...root.querySelectorAll('div')].find(el => el._cyreg)
                       ._cyreg.cy.zoom(); }"""
    )
    assert zoom >= 0.9


def test_a_manager_sees_the_open_cases_stuck_first(page):
    sign_in(page, "marta", "/open")
    page.click("#app-log")
    page.fill(".dash-dropdown-search", "sales_in_flight")
    page.locator(".dash-dropdown-options").get_by_text("sales_in_flight", exact=True).click()
    page.locator("#open-grid .ag-row").first.wait_for()
    page.wait_for_function(
        """() => [...document.querySelectorAll('#open-figure .bars path')]
                 .some(p => p.getBoundingClientRect().width > 0)"""
    )
    first = page.locator("#open-grid .ag-row[row-index='0'] [col-id='stuck']").inner_text()
    assert first == "stuck"
    close = page.locator("#open-grid .ag-row[row-index='0'] [col-id='close']").inner_text()
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", close)  # each open deal has a predicted close
    figure = page.locator("#open-figure").bounding_box()
    card = page.locator("#open-figure").locator("xpath=ancestor::div[contains(@class,'card')]")
    assert figure["width"] <= card.first.bounding_box()["width"]
    shoot(page, "page-open")

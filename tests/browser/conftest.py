"""A dashboard served on 127.0.0.1 from a thread, and headless Chromium (Debian's package)
driven by Playwright. Screenshots go to tests/artifacts/ for reviewers."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "browser-test-pw"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the sales samples, with an analyst, a manager and an admin; yields its URL."""
    from werkzeug.serving import make_server

    from dashboard import UserStore
    from dashboard.app import create_app
    from mejora.cli import bundled_examples
    from mining import EventStore, FilterStack, TimeRange
    from sample_logs import load_sample

    folder = tmp_path_factory.mktemp("dashboard")
    with EventStore(folder / "store.duckdb") as store:
        for name in ("sales_activities", "email_events"):
            store.save(load_sample(name), name)
        # the pipeline as it stood mid-November: deals still open (the samples are finished)
        cut = TimeRange(None, "2025-11-15", mode="events")
        store.save(FilterStack([cut]).apply(load_sample("sales_activities")), "sales_in_flight")
    users = UserStore(folder / "users.json")
    for name, role in (("ana", "analyst"), ("marta", "manager"), ("root", "admin")):
        users.add(name, PASSWORD, role=role)
    app = create_app(
        folder / "store.duckdb",
        secret="b" * 64,
        users_file=users.path,
        workflows=folder / "workflows",
        examples=bundled_examples(),
    )
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium; the tests skip when the browser or Playwright is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context (no cookies) with a large window."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=server)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, name: str, path: str = "/") -> None:
    """Go to ``path`` through the login form."""
    page.goto(path)
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"**{path}")


def shoot(page, name: str) -> None:
    """Save a full-page screenshot as tests/artifacts/<name>.png."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

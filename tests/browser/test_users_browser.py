"""The Users page in a real browser: an admin adds an analyst, who then signs in with the
password shown once."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


def test_admin_adds_an_analyst_who_can_then_sign_in(page, browser, server):
    sign_in(page, "root", "/users")
    page.locator("#users-grid .ag-row", has_text="marta").wait_for()
    page.fill("#users-name", "nuria")
    page.select_option("#users-new-role", "analyst")
    page.click("#users-add")
    added = page.locator("#users-message").filter(has_text="Added nuria (analyst)")
    added.wait_for()
    password = re.search(r"Password: (\S+) —", added.inner_text()).group(1)
    page.locator("#users-grid .ag-row", has_text="nuria").wait_for()
    shoot(page, "users-added")

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=server)
    other = context.new_page()
    other.goto("/")
    other.fill("#username", "nuria")
    other.fill("#password", password)
    other.click("#login-submit")
    other.wait_for_url("**/")
    other.locator(".user", has_text="nuria").wait_for()
    assert other.locator("a[href='/users']").count() == 0  # not an admin: no menu entry
    context.close()

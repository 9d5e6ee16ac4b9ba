"""The administration pages in a real browser, as an administrator uses them: create a user and
see them listed, reset their password (generated, shown once) and sign in with it; create an
ingest token and see its secret once; filter the audit trail and export it. No console errors."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_an_admin_manages_users_tokens_and_reads_the_audit_trail(demo_server, new_tab, tmp_path):
    tab = new_tab(1366, 768)
    page = tab.page
    sign_in(tab, demo_server.url, "admin", landing="/admin/users", language="en")
    page.wait_for_selector("#admin-users-list tr[data-username='admin']")

    # a new account, listed
    page.click("#admin-user-new")
    page.wait_for_selector("#admin-user-username", state="visible")
    page.fill("#admin-user-username", "wall-browser")
    page.fill("#admin-user-display", "Browser wall")
    page.select_option("#admin-user-role", "screen")
    page.fill("#admin-user-password", "short")
    page.click("#admin-user-create")
    page.wait_for_selector("#admin-user-form-feedback >> text=A password has 8 to 200 characters")
    page.fill("#admin-user-password", "wall-browser-pw")
    page.click("#admin-user-create")
    page.wait_for_selector("#admin-users-list tr[data-username='wall-browser']")
    page.select_option("#admin-users-role-filter", "screen")
    # the filtered list replaces the whole one: the duty officer's row goes, the wall's stays
    page.wait_for_selector("#admin-users-list tr[data-username='duty']", state="detached")
    assert page.locator("#admin-users-list tr[data-username='wall-browser']").count() == 1

    # a generated password, shown once, signs in
    page.click("tr[data-username='wall-browser'] button")
    page.wait_for_selector("#admin-user-reset", state="visible")
    page.click("#admin-user-generate")
    page.click("#admin-user-reset")
    shown = page.wait_for_selector("#admin-generated-password")
    password = shown.inner_text().strip()
    assert len(password) >= 8

    # a token's secret, shown once, with a copy button
    page.goto(f"{demo_server.url}/admin/tokens")
    page.fill("#admin-token-source", "browser-src")
    page.click("#admin-token-types")
    page.keyboard.type("team.position")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.click("#admin-token-create")
    secret = page.wait_for_selector("#admin-token-secret-text").inner_text().strip()
    assert len(secret) >= 40
    page.wait_for_selector("#admin-tokens-list td >> text=browser-src")
    page.reload()
    page.wait_for_selector("#admin-tokens-list td >> text=browser-src")
    assert secret not in page.content()  # never again

    # the audit trail: the admin's own actions, filtered by object, exported
    page.goto(f"{demo_server.url}/admin/audit")
    page.wait_for_selector("#admin-audit-list tr[data-seq]")
    page.fill("#admin-audit-subject", "wall-browser")
    page.click("#admin-audit-search")
    # A function, not a bare expression: Playwright polls an expression with eval, which the
    # app's Content-Security-Policy refuses whenever the first check is not already true.
    page.wait_for_function(
        "() => document.querySelectorAll('#admin-audit-list tr[data-type]').length === 2"
    )
    kinds = page.locator("#admin-audit-list tr[data-type]").evaluate_all(
        "rows => rows.map(r => r.dataset.type)"
    )
    assert kinds == ["user.password_reset", "user.created"]
    with page.expect_download() as download:
        page.click("#admin-audit-csv")
    target = tmp_path / "audit.csv"
    download.value.save_as(target)
    lines = target.read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(lines) == 3 and "user.password_reset" in lines[1]
    page.wait_for_selector("#admin-audit-export-status >> text=2 rows exported")
    assert tab.console_errors == []

    # and the new password works
    other = new_tab()
    sign_in(other, demo_server.url, "wall-browser", password, landing="/screen")
    other.page.wait_for_url("**/screen")

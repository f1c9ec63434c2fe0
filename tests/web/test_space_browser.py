"""The space and agreement pages in Chromium: the space map draws, a unit opens from the list,
an agreement shows its assessed commitments, the profile's tab loads, a phone fits
(YUANQU_SCREENSHOTS=DIR keeps screenshots)."""

# ruff: noqa: F811  (pytest fixtures imported from test_browser are parameters of the same name)

from __future__ import annotations

import pytest

from tests.web.test_browser import (  # noqa: F401  (fixtures used by name)
    PHONE,
    Served,
    browser,
    log_in,
    page,
    served,
    snap,
)

pytestmark = pytest.mark.browser


def _api(page, path: str):
    response = page.request.get(path)
    assert response.ok, path
    return response.json()


def test_space_map_and_a_units_history(page, served: Served) -> None:
    log_in(page, served, "analyst")
    page.click("nav a:has-text('载体与用地')")
    page.wait_for_selector("[data-chart='map'] svg")
    page.wait_for_selector("[data-chart='supply'] svg")
    assert page.locator("h1").inner_text() == "载体与用地"
    assert "万平方米" in page.locator("[data-chart='map']").inner_text()  # the axis names its unit
    snap(page, "space-desktop")
    page.click("a:has-text('全部单元')")
    page.wait_for_selector("table tbody a")
    link = page.locator("table tbody a").first
    code = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert code in page.locator("h1").inner_text()
    assert page.locator("h2:has-text('入驻记录')").is_visible()


def test_an_agreement_page_with_its_assessment(page, served: Served) -> None:
    log_in(page, served, "project")
    page.goto("/agreements?as_of=2024-06-30")
    page.wait_for_selector("table tbody a")
    listed = _api(page, "/api/v1/agreements?as_of=2024-06-30&page_size=500")
    assert page.locator("main p strong").first.inner_text() == f"{listed['total']:,}"
    page.locator("table tbody td:first-child a").first.click()
    page.wait_for_load_state()
    assert page.locator("h2:has-text('承诺事项与履约考核')").is_visible()
    statuses = page.locator("td .tag").all_inner_texts()
    assert statuses and set(statuses) <= {"达标", "未达标", "未到考核期", "无数据"}
    snap(page, "agreement-desktop")


def test_the_profile_tab_lists_the_firms_agreements(page, served: Served) -> None:
    log_in(page, served, "admin")
    item = _api(page, "/api/v1/agreements?page_size=1")["items"][0]
    page.goto(f"/enterprises/{item['uscc']}")
    page.wait_for_selector(f"#space >> text={item['number']}")
    snap(page, "profile-space-desktop")


def test_space_pages_fit_a_phone(browser, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, served, "analyst")
        for path in ("/space", "/agreements"):
            phone.goto(path)
            phone.wait_for_load_state()
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, (
                path
            )
            snap(phone, path.strip("/") + "-phone")
    finally:
        context.close()

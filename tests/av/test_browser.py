"""The test zone in Chromium: the annual report's charts with their units, the expiring permits
and a vehicle's history (YUANQU_SCREENSHOTS=DIR keeps screenshots)."""

# ruff: noqa: F811  (pytest fixtures imported from test_browser are parameters of the same name)

from __future__ import annotations

import pytest

# The served demo zone, the browser and the page come from the registry's browser tests.
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


def test_the_report_draws_its_charts_with_units(page, served: Served) -> None:
    log_in(page, served, "analyst")
    page.goto("/av")
    page.wait_for_selector("[data-chart='trend'] svg")
    page.wait_for_selector("[data-chart='firms'] svg")
    assert "年度道路测试报告" in page.inner_text("h1")
    cards = page.inner_text(".cards")
    assert "测试主体" in cards and "28" in cards
    assert "万公里" in page.inner_text("[data-chart='trend']")
    assert "公里/次" in page.inner_text("[data-chart='firms']")
    snap(page, "av-report-desktop")
    page.set_viewport_size(PHONE)
    snap(page, "av-report-phone")


def test_a_vehicle_page_from_the_expiring_permits(page, served: Served) -> None:
    log_in(page, served, "analyst")
    page.goto("/av/permits?within=90")
    assert "即将到期的牌照" in page.inner_text("h1")
    page.click("tbody a[href^='/av/vehicles/']")
    page.wait_for_selector("[data-chart='mileage'] svg")
    assert "测试车辆" in page.inner_text("h1")
    assert "公里" in page.inner_text("[data-chart='mileage']")
    permits = page.inner_text("#permits-title + .table-wrap")
    assert "道路测试" in permits and "road_test" not in permits
    snap(page, "av-vehicle-desktop")


def test_a_firm_user_sees_only_its_own_part(page, served: Served) -> None:
    log_in(page, served, "enterprise")
    page.goto("/av")
    assert "仅显示本企业的车辆和记录" in page.inner_text("main")

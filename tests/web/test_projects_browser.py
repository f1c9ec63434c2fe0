"""The project pages in Chromium: the board, close-out, the seven batches, the lead pipeline
of a task-force member, the profile's projects tab (YUANQU_SCREENSHOTS=DIR keeps screenshots)."""

# ruff: noqa: F811  (pytest fixtures imported from test_browser are parameters of the same name)

from __future__ import annotations

import pytest

# The served site, the browser and the page come from the registry's browser tests (one server).
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


def test_project_officer_moves_a_project_on_the_board(page, served: Served) -> None:
    log_in(page, served, "project")
    page.goto("/projects")
    board = _api(page, "/api/v1/projects/board")
    stages = board["stages"]
    column = next(c for c in board["columns"][1:-3] if c["items"])
    project = column["items"][0]
    nxt = stages[stages.index(column["stage"]) + 1]
    snap(page, "projects-board-desktop")
    page.click(f"#project-{project['id']} button:has-text('推进')")
    page.wait_for_selector(f"#col-{nxt} ~ ul #project-{project['id']}")
    assert _api(page, f"/api/v1/projects/{project['id']}")["project"]["stage"] == nxt
    # back: the browser asks why; cancelling sends nothing, answering moves it back
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(f"#project-{project['id']} button:has-text('退回')")
    page.wait_for_timeout(300)
    assert _api(page, f"/api/v1/projects/{project['id']}")["project"]["stage"] == nxt
    page.once("dialog", lambda dialog: dialog.accept("投资方调整方案"))
    page.click(f"#project-{project['id']} button:has-text('退回')")
    page.wait_for_selector(f"#col-{column['stage']} ~ ul #project-{project['id']}")
    assert _api(page, f"/api/v1/projects/{project['id']}")["project"]["stage"] == column["stage"]


def test_project_officer_closes_a_list_item(page, served: Served) -> None:
    log_in(page, served, "project")
    board = _api(page, "/api/v1/projects/board")
    project = next(p for c in board["columns"][1:-3] for p in c["items"])
    page.goto(f"/projects/{project['id']}")
    page.wait_for_selector("[data-chart='timeline'] svg")
    page.click("summary:has-text('添加清单事项')")
    page.fill("#items-title ~ details input[name=title]", "电力接入方案批复")
    page.fill("#items-title ~ details input[name=owner]", "供电局")
    page.click("#items-title ~ details button:has-text('添加')")
    row = page.locator("#items tr", has_text="电力接入方案批复")
    row.wait_for()
    row.locator("button:has-text('销号')").click()  # without a resolution: refused, says why
    page.wait_for_selector("#items [role=alert]")
    assert "办理结果" in page.locator("#items [role=alert]").inner_text()
    row = page.locator("#items tr", has_text="电力接入方案批复")
    row.locator("input[name=resolution]").fill("方案已批复")
    row.locator("button:has-text('销号')").click()
    page.wait_for_selector("#items tr:has-text('方案已批复') .tag.ok")
    snap(page, "project-desktop")


def test_seven_batches_page_draws_its_charts(page, served: Served) -> None:
    log_in(page, served, "project")
    page.goto("/projects/batches?span=2023")
    page.wait_for_selector("[data-chart='projects'] svg")
    page.wait_for_selector("[data-chart='investment'] svg")
    assert page.locator("table tbody tr").count() == 7
    snap(page, "projects-batches-desktop")


def test_task_force_member_sees_only_its_leads(page, served: Served) -> None:
    forces = set(served.accounts["taskforce"].task_forces)
    log_in(page, served, "taskforce")
    page.goto("/leads?span=2023")
    rows = page.locator("table.leads tbody tr[data-task-force]")
    assert rows.count() > 0
    seen = {rows.nth(i).get_attribute("data-task-force") for i in range(rows.count())}
    assert seen <= forces
    page.wait_for_selector(".funnels [data-chart] svg")
    snap(page, "leads-taskforce-desktop")


def test_profile_projects_tab(page, served: Served) -> None:
    log_in(page, served, "analyst")
    project = next(p for p in _api(page, "/api/v1/projects")["items"] if p["investor_uscc"])
    page.goto(f"/enterprises/{project['investor_uscc']}")
    page.wait_for_selector(f"#projects table >> text={project['name']}")
    snap(page, "profile-projects-desktop")


def test_project_pages_fit_a_phone(browser, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, served, "project")
        for path, name in (
            ("/projects", "projects-board-phone"),
            ("/projects/batches?span=2023", "projects-batches-phone"),
            ("/leads?span=2023", "leads-phone"),
        ):
            phone.goto(path)
            phone.wait_for_load_state()
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, (
                path
            )
            snap(phone, name)
        project = _api(phone, "/api/v1/projects")["items"][0]
        phone.goto(f"/projects/{project['id']}")
        phone.wait_for_selector("[data-chart='timeline'] svg")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        snap(phone, "project-phone")
    finally:
        context.close()

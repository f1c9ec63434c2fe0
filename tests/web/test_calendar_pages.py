"""Deadlines counted in a year no holiday calendar knows carry a visible warning on every page
that shows them (grants queues, case, public notice; project items and overdue lists)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import delete, select

from tests.factories.grants import COMMITTEE, make_budget, make_case
from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.core.holidays import work_calendar
from yuanqu.grants import transitions
from yuanqu.grants.models import CaseStatus
from yuanqu.grants.workflow import decision_due
from yuanqu.projects import ledger
from yuanqu.projects.models import Project, ProjectItem
from yuanqu.projects.permissions import Actor
from yuanqu.registry.models import Enterprise

POLICY = "calendar_page_policy"
ZH_2027 = "2027年法定节假日安排尚未导入，期限按仅排除周末计算"
ZH_2028 = "2028年法定节假日安排尚未导入，期限按仅排除周末计算"
EN_2027 = "No official holiday notice is loaded for 2027; this deadline counts weekends only"


@pytest.fixture(scope="module")
def blind(site: Site) -> Iterator[dict[str, int]]:
    """A case awaiting a decision due across 2027/2028, one on public notice in 2028, one due
    in 2025 (a year the library knows), and a project item opened in December 2027."""
    engine = make_engine(site.url)
    taken = {site.account(Role.enterprise).uscc, site.other_uscc}
    try:
        with session_scope(engine) as session:
            firms = [
                f
                for f in session.scalars(select(Enterprise).order_by(Enterprise.id).limit(20))
                if f.uscc not in taken
            ]
            make_budget(session, 90_000_000, policy=POLICY)
            pending = make_case(session, firm=firms[0], policy=POLICY)
            pending.submitted_on = date(2027, 11, 22)
            pending.due_on = decision_due(work_calendar(session), pending.submitted_on)
            known = make_case(session, firm=firms[1], policy=POLICY)
            known.submitted_on = date(2025, 3, 3)
            known.due_on = decision_due(work_calendar(session), known.submitted_on)
            notice = make_case(
                session, firm=firms[2], policy=POLICY, status=CaseStatus.committee_review
            )
            transitions.approve(session, case_id=notice.id, actor=COMMITTEE, today=date(2028, 3, 6))
            project = session.scalars(select(Project).order_by(Project.id).limit(1)).one()
            item = ledger.open_item(
                session,
                project,
                actor=Actor.system("test:calendar"),
                kind="task",
                title="跨年办理的事项",
                owner="日历测试",
                opened_on=date(2027, 12, 20),
                workdays=10,
            )
            ids = {
                "pending": pending.id,
                "known": known.id,
                "notice": notice.id,
                "project": project.id,
                "item": item.id,
            }
        yield ids
        with session_scope(engine) as session:
            session.execute(delete(ProjectItem).where(ProjectItem.id == ids["item"]))
    finally:
        engine.dispose()


def banner(html: str) -> str:
    """The warning block of a page ('' when the page has none)."""
    start = html.find('data-testid="calendar-warnings"')
    return "" if start < 0 else html[start : html.find("</div>", start)]


class TestGrantsPages:
    def test_review_queue_warns_of_the_blind_years(self, site: Site, blind) -> None:
        page = site.client(Role.policy_officer).get("/grants", params={"policy": POLICY})
        assert page.status_code == 200
        assert ZH_2027 in banner(page.text) and ZH_2028 in banner(page.text)
        assert "仅排除周末" in page.text.split("<tbody>")[1]  # beside the deadline itself

    def test_the_warning_speaks_english_too(self, site: Site, blind) -> None:
        page = site.client(Role.policy_officer).get(
            "/grants", params={"policy": POLICY, "lang": "en"}
        )
        assert EN_2027 in banner(page.text)
        assert "weekends only" in page.text.split("<tbody>")[1]

    def test_case_page_warns_and_a_known_year_does_not(self, site: Site, blind) -> None:
        client = site.client(Role.admin)
        pending = client.get(f"/grants/cases/{blind['pending']}")
        assert pending.status_code == 200 and ZH_2027 in banner(pending.text)
        known = client.get(f"/grants/cases/{blind['known']}")
        assert known.status_code == 200 and banner(known.text) == ""
        assert "仅排除周末" not in known.text

    def test_public_notice_list_warns(self, site: Site, blind) -> None:
        page = site.client(Role.enterprise).get("/grants/notice")
        assert page.status_code == 200 and ZH_2028 in banner(page.text)
        twin = site.client(Role.enterprise).get("/api/v1/grants/notice").json()
        row = next(r for r in twin if r["id"] == blind["notice"])
        assert row["unknown_years"] == [2028] and row["calendar_warnings"] == [ZH_2028]

    def test_the_json_twin_says_the_same(self, site: Site, blind) -> None:
        client = site.client(Role.policy_officer)
        case = client.get(f"/api/v1/grants/cases/{blind['pending']}?lang=en").json()
        assert case["unknown_years"] == [2027, 2028] and case["calendar_warnings"][0] == EN_2027
        known = client.get(f"/api/v1/grants/cases/{blind['known']}").json()
        assert known["unknown_years"] == [] and known["calendar_warnings"] == []


class TestProjectPages:
    def test_overdue_list_warns(self, site: Site, blind) -> None:
        page = site.client(Role.analyst).get("/projects/overdue", params={"as_of": "2028-06-01"})
        assert page.status_code == 200
        assert ZH_2027 in banner(page.text) and ZH_2028 in banner(page.text)
        assert "跨年办理的事项" in page.text

    def test_project_items_warn(self, site: Site, blind) -> None:
        page = site.client(Role.analyst).get(f"/projects/{blind['project']}")
        assert page.status_code == 200, page.text[:300]
        assert ZH_2027 in banner(page.text)

    def test_no_warning_where_every_year_is_known(self, site: Site, blind) -> None:
        page = site.client(Role.analyst).get("/projects/overdue", params={"as_of": "2024-06-01"})
        assert page.status_code == 200 and banner(page.text) == ""

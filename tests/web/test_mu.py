"""The 亩均效益评价 pages and API on the served zone: the year opens with names and units, every
reader sees only its firms (a task force its own, a firm only its own result), and the xlsx is a
report a person reads."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from tests.factories.grants import person
from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.mu import service
from yuanqu.mu.models import MuEvaluation, MuResult
from yuanqu.registry.firms import Enterprise

YEAR = 2023


@pytest.fixture(scope="module")
def graded(site: Site) -> Iterator[int]:
    """The site's 2023 grading: the demo grades and publishes it; built here if it did not."""
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            ev = session.scalar(select(MuEvaluation).where(MuEvaluation.year == YEAR))
            if ev is None:
                ev = service.evaluate(session, year=YEAR, actor=person(Role.analyst, "analyst"))
                service.start_notice(session, evaluation_id=ev.id, actor=person(Role.analyst, "a"))
            total = session.scalar(
                select(func.count(MuResult.id)).where(MuResult.evaluation_id == ev.id)
            )
        assert total, "the test zone grades some manufacturers"
        yield total
    finally:
        engine.dispose()


class TestPages:
    def test_the_year_opens_with_names_and_units(self, site: Site, graded) -> None:
        # the year this module graded (other tests may grade later years on the shared site)
        page = site.client(Role.analyst).get(f"/mu?year={YEAR}")
        assert page.status_code == 200, page.text
        text = page.text
        assert "亩均效益评价" in text and "万元/亩" in text
        assert "公示中" in text or "已发布" in text
        assert "tax_per_mu" not in text and "above_scale" not in text
        english = site.client(Role.analyst).get("/mu", params={"lang": "en"})
        assert english.status_code == 200 and "Yield-per-mu grading" in english.text
        assert "10k yuan/mu" in english.text

    def test_the_results_page_to_the_last_row(self, site: Site, graded) -> None:
        client = site.client(Role.analyst)
        first = client.get(f"/api/v1/mu/{YEAR}/results", params={"page_size": 7}).json()
        seen = []
        for page in range(1, -(-first["total"] // 7) + 1):
            body = client.get(
                f"/api/v1/mu/{YEAR}/results", params={"page_size": 7, "page": page}
            ).json()
            seen += [item["uscc"] for item in body["items"]]
        assert len(seen) == len(set(seen)) == first["total"] == graded

    def test_the_xlsx_is_a_report_with_every_firm(self, site: Site, graded) -> None:
        response = site.client(Role.analyst).get(f"/mu/{YEAR}/results.xlsx")
        assert response.status_code == 200
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
        rows = sheet.to_python()
        assert rows[0][0] == "统一社会信用代码" and "亩均税收（万元/亩）" in rows[0]
        assert len(rows) - 1 == graded


class TestScope:
    def test_a_task_force_sees_only_its_firms(self, site: Site, graded) -> None:
        client = site.client(Role.task_force)
        forces = set(site.account(Role.task_force).task_forces)
        body = client.get(f"/api/v1/mu/{YEAR}/results", params={"page_size": 500}).json()
        engine = make_engine(site.url)
        with session_scope(engine) as session:
            theirs = {
                u
                for (u,) in session.execute(
                    select(Enterprise.uscc).where(Enterprise.task_force.in_(forces))
                )
            }
        engine.dispose()
        assert {item["uscc"] for item in body["items"]} <= theirs
        sheet = client.get(f"/mu/{YEAR}/results.xlsx")
        rows = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0)
        assert {r[0] for r in rows.to_python()[1:]} <= theirs

    def test_a_firm_sees_only_its_own_result(self, site: Site, graded) -> None:
        client = site.client(Role.enterprise)
        assert client.get("/mu").status_code == 403
        assert client.get(f"/api/v1/mu/{YEAR}/results").status_code == 403
        assert client.get(f"/api/v1/enterprises/{site.other_uscc}/mu").status_code == 403
        own = site.account(Role.enterprise).uscc
        assert client.get(f"/api/v1/enterprises/{own}/mu").status_code in (200, 404)
        assert client.get(f"/enterprises/{own}/mu").status_code == 200

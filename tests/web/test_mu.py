"""The 亩均效益评价 pages and API on the served zone: the year opens with names and units, every
reader sees only its firms (a task force its own, a firm only its own result), and the xlsx is a
report a person reads."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from tests.factories.grants import person
from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.mu import inputs, service
from yuanqu.registry.firms import Enterprise

YEAR = 2023


@pytest.fixture(scope="module")
def graded(site: Site) -> Iterator[dict[int, Decimal]]:
    """Every manufacturing firm of the site holds land; half report their resource use; the year
    is graded and put on notice."""
    engine = make_engine(site.url)
    held: dict[int, Decimal] = {}
    saved = list(inputs._land_readers)
    inputs.read_land_with(lambda session, year: dict(held))
    try:
        with session_scope(engine) as session:
            makers = session.execute(
                select(Enterprise.id, Enterprise.uscc).where(Enterprise.industry_section == "C")
            ).all()
            lines = ["uscc,year,energy_tce,emissions_t,electricity_kwh"]
            for n, (firm_id, uscc) in enumerate(makers):
                held[firm_id] = Decimal(2000 + 137 * (n % 29))
                if n % 2 == 0:
                    lines.append(f"{uscc},{YEAR},{40 + n % 17},{1 + n % 5}.5,{90000 + 1000 * n}")
            inputs.import_resources(
                session, source="\n".join(lines).encode(), filename="resources.csv"
            )
            ev = service.evaluate(session, year=YEAR, actor=person(Role.analyst, "analyst"))
            service.start_notice(session, evaluation_id=ev.id, actor=person(Role.analyst, "a"))
        yield held
    finally:
        inputs._land_readers[:] = saved
        engine.dispose()


class TestPages:
    def test_the_year_opens_with_names_and_units(self, site: Site, graded) -> None:
        page = site.client(Role.analyst).get("/mu")
        assert page.status_code == 200, page.text
        text = page.text
        assert "亩均效益评价" in text and "万元/亩" in text and "公示中" in text
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
        assert len(seen) == len(set(seen)) == first["total"] == len(graded)

    def test_the_xlsx_is_a_report_with_every_firm(self, site: Site, graded) -> None:
        response = site.client(Role.analyst).get(f"/mu/{YEAR}/results.xlsx")
        assert response.status_code == 200
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
        rows = sheet.to_python()
        assert rows[0][0] == "统一社会信用代码" and "亩均税收（万元/亩）" in rows[0]
        assert len(rows) - 1 == len(graded)


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

"""The space and agreement pages and their JSON twins, as each role sees them (the demo site)."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select

from tests.web.conftest import Site
from yuanqu.agreements.models import Agreement
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.registry.models import Enterprise
from yuanqu.space.models import Unit

KEYS = [
    "agreement",
    "uscc",
    "commitment",
    "indicator",
    "target",
    "actual",
    "unit",
    "status",
    "shortfall",
]


def first(site: Site, stmt):
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            return session.execute(stmt).first()
    finally:
        engine.dispose()


class TestSpace:
    def test_vacancy_page_and_json_twin_agree(self, site: Site) -> None:
        client = site.client(Role.analyst)
        data = client.get("/api/v1/space/vacancy").json()
        assert data["total"]["area_sqm"] > 200_000
        page = client.get("/space")
        assert page.status_code == 200
        assert "各片区载体分布" in page.text
        chart = json.loads(re.search(r'id="chart-map">(.*?)</script>', page.text).group(1))
        assert [axis["name"] for axis in chart["yAxis"]] == ["万平方米", "亩"]  # units on both axes
        assert f"{data['total']['area_sqm']:,}" in page.text

    def test_the_2024_standard_factories_are_200_thousand_square_metres(self, site: Site) -> None:
        supply = site.client(Role.analyst).get("/api/v1/space/supply").json()
        row = next(r for r in supply if r["year"] == 2024)
        assert (row["delivered_sqm"], row["planned_sqm"]) == (200_000, 200_000)

    def test_units_list_pages_with_the_true_total(self, site: Site) -> None:
        client = site.client(Role.analyst)
        result = client.get("/api/v1/space/units", params={"page_size": 10}).json()
        assert result["total"] > 10 and len(result["items"]) == 10 and result["pages"] > 1
        page = client.get("/space/units", params={"page": 2})
        assert "下一页" in page.text or "Next" in page.text or page.status_code == 200

    def test_a_units_history_opens(self, site: Site) -> None:
        (unit_id,) = first(site, select(Unit.id).where(Unit.status == "reserved").limit(1))
        page = site.client(Role.project_officer).get(f"/space/units/{unit_id}")
        assert page.status_code == 200 and "预留记录" in page.text and "已预留" in page.text

    def test_an_enterprise_may_not_read_the_zones_space(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        assert client.get("/api/v1/space/vacancy").status_code == 403
        assert client.get("/space").status_code == 403

    def test_the_vacancy_xlsx_is_for_people(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/space/vacancy.xlsx")
        assert response.status_code == 200
        book = zipfile.ZipFile(io.BytesIO(response.content))
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
        assert 'state="frozen"' in sheet and "<autoFilter" in sheet
        assert "空置面积(m²)" in strings and "空置率(占面积%)" in strings

    def test_english_is_available(self, site: Site) -> None:
        page = site.client(Role.analyst).get("/space", params={"lang": "en"})
        assert "Space map by sub-area" in page.text and "10k m" in page.text


class TestAgreements:
    def test_the_assessment_api_has_exactly_the_documented_keys(self, site: Site) -> None:
        rows = (
            site.client(Role.admin)
            .get("/api/v1/agreements/assessment", params={"as_of": "2024-06-30"})
            .json()
        )
        assert rows and all(list(r) == KEYS for r in rows)
        statuses = {r["status"] for r in rows}
        assert "met" in statuses and statuses <= {"met", "not met", "not yet due", "no data"}

    def test_the_agreement_page_shows_commitments_in_words(self, site: Site) -> None:
        (number,) = first(site, select(Agreement.number).order_by(Agreement.id).limit(1))
        page = site.client(Role.project_officer).get(
            f"/agreements/{number}", params={"as_of": "2024-06-30"}
        )
        assert page.status_code == 200
        assert "承诺事项与履约考核" in page.text and "版本与变更" in page.text
        assert "not met" not in page.text and "fixed_asset_investment" not in page.text

    def test_an_amended_agreement_shows_both_versions(self, site: Site) -> None:
        data = site.client(Role.admin).get("/api/v1/agreements", params={"page_size": 500}).json()
        amended = [a for a in data["items"] if a["version"] > 1]
        assert amended
        detail = site.client(Role.admin).get(f"/api/v1/agreements/{amended[0]['number']}").json()
        change = next(c for c in detail["versions"][1]["changes"] if c["commitment"] == "C1")
        assert change["eased"] and change["new_target"] < change["old_target"]

    def test_an_enterprise_sees_only_its_own(self, site: Site) -> None:
        data = site.client(Role.enterprise).get("/api/v1/agreements").json()
        own = site.account(Role.enterprise).uscc
        assert all(a["uscc"] == own for a in data["items"])
        row = first(
            site,
            select(Agreement.number)
            .join(Enterprise, Enterprise.id == Agreement.enterprise_id)
            .where(Enterprise.uscc != own)
            .limit(1),
        )
        assert site.client(Role.enterprise).get(f"/api/v1/agreements/{row[0]}").status_code == 403

    def test_a_task_force_sees_its_firms_commitments(self, site: Site) -> None:
        forces = site.account(Role.task_force).task_forces
        data = (
            site.client(Role.task_force).get("/api/v1/agreements", params={"page_size": 500}).json()
        )
        everyone = (
            site.client(Role.admin).get("/api/v1/agreements", params={"page_size": 500}).json()
        )
        assert data["total"] < everyone["total"]
        usccs = {a["uscc"] for a in data["items"]}
        engine = make_engine(site.url)
        try:
            with session_scope(engine) as session:
                tf = dict(
                    session.execute(
                        select(Enterprise.uscc, Enterprise.task_force).where(
                            Enterprise.uscc.in_(usccs)
                        )
                    ).all()
                )
        finally:
            engine.dispose()
        assert set(tf.values()) <= set(forces)

    def test_the_profile_tab_and_the_assessment_xlsx(self, site: Site) -> None:
        (uscc,) = first(
            site,
            select(Enterprise.uscc)
            .join(Agreement, Agreement.enterprise_id == Enterprise.id)
            .limit(1),
        )
        client = site.client(Role.admin)
        tab = client.get(f"/enterprises/{uscc}/space", headers={"hx-request": "true"})
        assert tab.status_code == 200 and "地块" in tab.text and "<html" not in tab.text
        response = client.get("/agreements/assessment.xlsx", params={"as_of": "2024-06-30"})
        strings = (
            zipfile.ZipFile(io.BytesIO(response.content)).read("xl/sharedStrings.xml").decode()
        )
        assert "考核结果" in strings and "达标" in strings


class TestWrites:
    def test_a_project_officer_holds_a_unit_and_an_analyst_may_not(self, site: Site) -> None:
        from datetime import date, timedelta

        (unit_id,) = first(
            site, select(Unit.id).where(Unit.status == "vacant").order_by(Unit.id).limit(1)
        )
        project = site.client(Role.project_officer).get("/api/v1/projects").json()["items"][0]
        body = {
            "holder": project["name"],
            "until": str(date.today() + timedelta(days=30)),
            "project_id": project["id"],
        }
        refused = site.client(Role.analyst).post(
            f"/api/v1/space/units/{unit_id}/reserve", json=body
        )
        assert refused.status_code == 403
        held = site.client(Role.project_officer).post(
            f"/api/v1/space/units/{unit_id}/reserve", json=body
        )
        assert held.status_code == 200 and held.json()["status"] == "held"
        again = site.client(Role.project_officer).post(
            f"/api/v1/space/units/{unit_id}/reserve", json=body
        )
        assert again.status_code == 409 and again.json()["code"] == "unit_not_vacant"
        card = site.client(Role.analyst).get(f"/api/v1/space/units/{unit_id}").json()
        assert (
            card["unit"]["status"] == "reserved"
            and card["reservations"][-1]["holder"] == project["name"]
        )

    def test_a_requirement_is_recorded_and_matched(self, site: Site) -> None:
        project = site.client(Role.project_officer).get("/api/v1/projects").json()["items"][1]
        body = {
            "project_id": project["id"],
            "min_area_sqm": 1000,
            "max_area_sqm": 8000,
            "use": "production",
        }
        result = (
            site.client(Role.project_officer).post("/api/v1/space/requirements", json=body).json()
        )
        assert result["matches"] and all(1000 <= m["area_sqm"] <= 8000 for m in result["matches"])
        bad = site.client(Role.project_officer).post(
            "/api/v1/space/requirements", json={**body, "use": "dance"}
        )
        assert bad.status_code == 422 and "未知的用途" in bad.json()["message"]

    def test_recoveries_are_for_the_policy_office(self, site: Site) -> None:
        assert site.client(Role.analyst).get("/api/v1/recoveries").status_code == 403
        assert site.client(Role.policy_officer).get("/api/v1/recoveries").status_code == 200
        refused = site.client(Role.project_officer).post(
            "/api/v1/recoveries", json={"case_id": 1, "source": "x", "reason": "y"}
        )
        assert refused.status_code == 403

    def test_an_amendment_through_the_api_keeps_the_old_terms(self, site: Site) -> None:
        (number,) = first(
            site,
            select(Agreement.number)
            .where(Agreement.number.like("YZ-BZD-%"))
            .order_by(Agreement.id.desc())
            .limit(1),
        )
        body = {
            "made_on": "2024-04-01",
            "reason": "企业申请，经管委会同意",
            "changes": {
                "C2": {
                    "indicator": "税收",
                    "target": "1",
                    "test_on": "2024-05-31",
                    "period_year": 2023,
                }
            },
        }
        path = f"/api/v1/agreements/{number}/amend"
        assert site.client(Role.analyst).post(path, json=body).status_code == 403
        bad = {**body, "changes": {"C2": {**body["changes"]["C2"], "target": "很多"}}}
        assert site.client(Role.project_officer).post(path, json=bad).status_code == 422
        result = site.client(Role.project_officer).post(path, json=body).json()
        last = result["versions"][-1]
        assert last["reason"] == "企业申请，经管委会同意"
        [change] = last["changes"]
        assert change["new_target"] == 1 and change["eased"] and change["old_target"] > 1
        assert len(result["versions"][0]["changes"]) >= 3  # version 1 untouched


class TestEmptyAgreements:
    def test_a_firm_without_agreements_is_told_who_records_them(self, site: Site) -> None:
        """Not an administrator's command: a firm cannot run it."""
        client = site.client(Role.enterprise)
        assert client.get("/api/v1/agreements").json()["total"] == 0
        page = client.get("/agreements").text
        assert "yuanqu agreements import" not in page
        assert "协议签订后由园区管理部门登记" in page and 'href="/service/new"' in page
        english = client.get("/agreements?lang=en").text
        assert "records an agreement when it is signed" in english

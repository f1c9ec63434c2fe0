"""The service desk on the served demo zone: the firm's portal, filing and rating, every role's
scope (pages, API, export), the desk's moves, the report and the pages in both languages."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from tests.web.conftest import Site
from yuanqu.core.auth import Role


def file_request(site: Site, content: str = "厂房消防验收预约时间咨询") -> dict:
    response = site.client(Role.enterprise).post(
        "/api/v1/service/requests",
        json={"type": "permits", "urgency": "general", "content": content},
    )
    assert response.status_code == 201, response.text
    return response.json()


def move(site: Site, role: Role, ident: int, action: str, **body) -> dict:
    response = site.client(role).post(f"/api/v1/service/requests/{ident}/moves/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


class TestPortal:
    def test_the_firms_home_is_its_portal(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        home = client.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/portal"
        portal = client.get("/portal")
        assert portal.status_code == 200
        assert site.account(Role.enterprise).uscc in portal.text
        assert "提交诉求" in portal.text and "我能享受哪些政策？" in portal.text
        assert f'href="/enterprises/{site.account(Role.enterprise).uscc}/policies"' in portal.text

    def test_staff_do_not_get_the_portal(self, site: Site) -> None:
        assert site.client(Role.analyst).get("/portal").status_code == 403


class TestFileAnswerRate:
    def test_a_firm_files_the_desk_dispatches_the_unit_answers_the_firm_rates(self, site) -> None:
        filed = file_request(site)
        assert (filed["channel"], filed["status"], filed["status_name"]) == (
            "portal",
            "received",
            "待派单",
        )
        ident = filed["id"]
        move(site, Role.admin, ident, "dispatch", unit="ic", assist_units=["planning"])
        move(site, Role.task_force, ident, "sign")
        move(site, Role.task_force, ident, "reply", text="已联系消防部门，预计下周现场验收")
        closed = move(site, Role.task_force, ident, "close", result="已预约本周四现场验收")
        assert closed["status"] == "closed"
        seen = site.client(Role.enterprise).get(f"/api/v1/service/requests/{ident}").json()
        assert seen["result"] == "已预约本周四现场验收" and "follow_up" in seen["moves"]
        # the firm reads units, never the staff who worked its request
        assert all("actor" not in step for step in seen["timeline"])
        assert "created_by" not in seen and "taskforce" not in str(seen)
        rated = move(site, Role.enterprise, ident, "follow_up", solved=True, satisfaction="满意")
        assert (rated["status"], rated["satisfaction_name"]) == ("followed_up", "满意")

    def test_a_refused_move_is_a_clear_error(self, site: Site) -> None:
        ident = file_request(site, "人才公寓申请")["id"]
        response = site.client(Role.task_force).post(
            f"/api/v1/service/requests/{ident}/moves/sign", json={}
        )
        assert response.status_code == 403  # not given to the unit yet: it does not see it
        move(site, Role.admin, ident, "dispatch", unit="talent")
        again = site.client(Role.admin).post(
            f"/api/v1/service/requests/{ident}/moves/dispatch", json={"unit": "ic"}
        )
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
        assert "待签收" in again.json()["message"]


class TestScope:
    def test_a_firm_never_sees_another_firms_request(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        file_request(site, "本企业的诉求")
        client = site.client(Role.enterprise)
        listed = client.get("/api/v1/service/requests", params={"page_size": 500}).json()
        assert listed["total"] >= 1 and {r["uscc"] for r in listed["items"]} == {own}
        for params in ({"uscc": site.other_uscc}, {"q": site.other_name}):
            body = client.get("/api/v1/service/requests", params=params).json()
            assert {r["uscc"] for r in body["items"]} <= {own}
        others = (
            site.client(Role.admin)
            .get("/api/v1/service/requests", params={"page_size": 500})
            .json()["items"]
        )
        foreign = next(r for r in others if r["uscc"] != own)
        for path in (
            f"/api/v1/service/requests/{foreign['id']}",
            f"/service/requests/{foreign['id']}",
        ):
            assert client.get(path).status_code == 403
        export = client.get("/service/export.xlsx")
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0)
        rows = sheet.to_python()
        assert rows[0][0] == "工单编号" and len(rows) == listed["total"] + 1
        assert {row[6] for row in rows[1:]} == {own}

    def test_a_unit_sees_what_it_owns_and_assists(self, site: Site) -> None:
        ident = file_request(site, "协办测试")["id"]
        move(site, Role.admin, ident, "dispatch", unit="talent", assist_units=["policy_office"])
        policy = site.client(Role.policy_officer)  # the demo's policy account works for it
        assert policy.get(f"/api/v1/service/requests/{ident}").status_code == 200
        units = {
            (r["owner_unit"], tuple(r["assist_units"]))
            for r in policy.get("/api/v1/service/requests", params={"page_size": 500}).json()[
                "items"
            ]
        }
        assert all(o == "policy_office" or "policy_office" in a for o, a in units)
        project = site.client(Role.project_officer)
        assert project.get(f"/api/v1/service/requests/{ident}").status_code == 403


class TestPages:
    @pytest.mark.parametrize("role", [Role.admin, Role.analyst, Role.task_force])
    def test_staff_pages_open_in_chinese_and_english(self, site: Site, role: Role) -> None:
        client = site.client(role)
        for path in ("/service", "/service/overdue", "/service/report", "/service/visits"):
            page = client.get(path)
            assert page.status_code == 200, path
            english = client.get(path, params={"lang": "en"})
            assert english.status_code == 200
        listing = client.get("/service").text
        assert "企业诉求" in listing and "received</td>" not in listing
        report = client.get("/service/report").text
        assert "受理诉求（件）" in report and "响应率" in report and "data-chart" in report
        assert "Service report" in client.get("/service/report", params={"lang": "en"}).text
        closed = re.search(r'id="closed-pct">([^<]+)<', report)
        assert closed and re.fullmatch(r"\d{1,3}(\.\d)?%", closed.group(1)), closed

    def test_the_filter_form_sent_empty_is_no_filter(self, site: Site) -> None:
        client = site.client(Role.admin)
        empty = {"q": "", "status": "", "type": "", "unit": "", "year": ""}
        assert client.get("/service", params=empty).status_code == 200
        assert client.get("/service", params={"year": "2023"}).status_code == 200
        assert client.get("/service", params={"year": "twenty"}).status_code == 422

    def test_the_list_says_its_true_total_and_pages(self, site: Site) -> None:
        client = site.client(Role.admin)
        total = client.get("/api/v1/service/requests").json()["total"]
        page = client.get("/service", params={"page_size": 5}).text
        assert "共" in page or "Total" in page
        assert f"{total:,}" in page or str(total) in page
        assert "下一页" in page or "Next" in page

    def test_the_request_page_shows_its_timeline_and_moves(self, site: Site) -> None:
        ident = file_request(site, "页面测试")["id"]
        page = site.client(Role.admin).get(f"/service/requests/{ident}").text
        assert "办理过程" in page and "受理" in page and "派单" in page
        assert 'name="action" value="dispatch"' in page

    def test_the_export_is_a_report_for_people(self, site: Site) -> None:
        response = site.client(Role.admin).get("/service/export.xlsx")
        assert response.status_code == 200
        sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
        assert b'ySplit="1"' in sheet and b"<autoFilter" in sheet and b"<cols>" in sheet
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        header = rows.get_sheet_by_index(0).to_python()[0]
        assert "受理时间（北京时间）" in header and "承办单位" in header
        report = site.client(Role.admin).get("/service/report.xlsx", params={"year": 2023})
        assert report.status_code == 200

    def test_a_visit_issue_becomes_a_request_in_one_step(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        client = site.client(Role.task_force)
        visit = client.post(
            "/api/v1/service/visits",
            json={
                "uscc": own,
                "visited_on": "2024-05-06",
                "unit": "ic",
                "people_met": "总经理",
                "topics": "扩产计划",
                "issues": "需要新增 2000 平方米洁净厂房",
            },
        )
        assert visit.status_code == 201, visit.text
        raised = client.post(
            f"/api/v1/service/visits/{visit.json()['id']}/requests",
            json={"issue": "需要新增 2000 平方米洁净厂房", "type": "land_space"},
        )
        assert raised.status_code == 201, raised.text
        body = raised.json()
        assert (body["channel"], body["owner_unit"], body["status"]) == (
            "visit",
            "ic",
            "dispatched",
        )
        assert "sign" in body["moves"]

"""The project pages and their htmx fragments: each renders for its readers, a refused change
re-renders its fragment with the reason and changes nothing, exports are real xlsx files."""

from __future__ import annotations

import io
from datetime import date

from python_calamine import CalamineWorkbook

from tests.web.conftest import Site
from yuanqu.core.auth import Role

TODAY = date.today().isoformat()
HTMX = {"HX-Request": "true"}


def _middle_project(site: Site, *, task_forces: set[str] | None = None) -> tuple[dict, list[str]]:
    board = site.client(Role.analyst).get("/api/v1/projects/board").json()
    for column in board["columns"][1:-3]:
        for project in column["items"]:
            if task_forces is None or project["task_force"] in task_forces:
                return project, board["stages"]
    raise AssertionError("no project in a middle stage")


class TestPagesRender:
    def test_reader_pages_link_their_json_twin(self, site: Site) -> None:
        project, _ = _middle_project(site)
        client = site.client(Role.analyst)
        for path, twin in (
            ("/projects", "/api/v1/projects/board"),
            (f"/projects/{project['id']}", f"/api/v1/projects/{project['id']}"),
            ("/projects/batches?span=2023", "/api/v1/projects/batches?span=2023"),
            ("/projects/overdue?by=task_force", "/api/v1/projects/overdue?by=task_force"),
            ("/leads?span=2023", "/api/v1/leads"),
        ):
            page = client.get(path)
            assert page.status_code == 200, f"{path}: {page.text[:300]}"
            assert twin in page.text, path
        assert 'data-chart="timeline"' in client.get(f"/projects/{project['id']}").text

    def test_analyst_sees_no_edit_buttons(self, site: Site) -> None:
        assert "hx-post" not in site.client(Role.analyst).get("/projects").text
        assert "hx-post" in site.client(Role.project_officer).get("/projects").text

    def test_exports_are_xlsx_scoped_to_the_reader(self, site: Site) -> None:
        codes = set(site.account(Role.task_force).task_forces)
        every = site.client(Role.analyst).get("/api/v1/task-forces").json()
        forces = {f["name_zh"] for f in every if f["code"] in codes}
        for role in (Role.analyst, Role.task_force):
            response = site.client(role).get("/projects/export.xlsx")
            assert response.status_code == 200
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
            rows = sheet.get_sheet_by_index(0).to_python()
            assert len(rows) > 1
            if role == Role.task_force:
                header = rows[0]
                column = next(
                    i for i, h in enumerate(header) if "专班" in str(h) or h == "task_force"
                )
                assert {r[column] for r in rows[1:]} <= forces
        canonical = site.client(Role.analyst).get("/projects/export.xlsx?format=canonical")
        rows = CalamineWorkbook.from_filelike(io.BytesIO(canonical.content))
        assert "行业代码" in rows.get_sheet_by_index(0).to_python()[0]  # the import layout
        english = site.client(Role.analyst).get("/projects/export.xlsx?lang=en")
        header = CalamineWorkbook.from_filelike(io.BytesIO(english.content))
        assert "Planned investment (CNY 10k)" in header.get_sheet_by_index(0).to_python()[0]
        weekly = site.client(Role.project_officer).get("/projects/weekly.xlsx")
        assert weekly.status_code == 200 and weekly.content[:2] == b"PK"

    def test_profile_tab_lists_the_firms_projects(self, site: Site) -> None:
        listed = site.client(Role.analyst).get("/api/v1/projects").json()["items"]
        project = next(p for p in listed if p["investor_uscc"])
        tab = site.client(Role.analyst).get(f"/enterprises/{project['investor_uscc']}/projects")
        assert tab.status_code == 200
        assert project["name"] in tab.text
        profile = site.client(Role.analyst).get(f"/enterprises/{project['investor_uscc']}")
        assert f"/enterprises/{project['investor_uscc']}/projects" in profile.text


class TestHtmxChanges:
    def test_board_move_back_needs_a_reason_and_a_refusal_changes_nothing(self, site: Site) -> None:
        project, stages = _middle_project(site)
        client = site.client(Role.project_officer)
        back = stages[stages.index(project["stage"]) - 1]
        url = f"/projects/{project['id']}/stage"
        refused = client.post(url, data={"to": back, "on": TODAY}, headers=HTMX)
        assert refused.status_code == 422
        assert "须说明理由" in refused.text and 'class="board"' in refused.text
        api = f"/api/v1/projects/{project['id']}"
        assert client.get(api).json()["project"]["stage"] == project["stage"]
        moved = client.post(
            url, data={"to": back, "on": TODAY, "reason": "施工许可撤回"}, headers=HTMX
        )
        assert moved.status_code == 200, moved.text
        assert client.get(api).json()["project"]["stage"] == back
        restored = client.post(url, data={"to": project["stage"], "on": TODAY}, headers=HTMX)
        assert restored.status_code == 200
        assert client.get(api).json()["project"]["stage"] == project["stage"]

    def test_close_item_form_requires_resolution(self, site: Site) -> None:
        project, _ = _middle_project(site)
        client = site.client(Role.project_officer)
        added = client.post(
            f"/projects/{project['id']}/items",
            data={"kind": "task", "title": "办理施工许可", "owner": "住建局",
                  "opened_on": TODAY, "workdays": 15},
            headers=HTMX,
        )  # fmt: skip
        assert added.status_code == 200 and "办理施工许可" in added.text
        items = client.get(f"/api/v1/projects/{project['id']}").json()["items"]
        item = next(i for i in items if i["title"] == "办理施工许可" and i["status"] != "closed")
        url = f"/projects/items/{item['id']}/close"
        refused = client.post(url, data={"resolution": "", "closed_on": TODAY}, headers=HTMX)
        assert refused.status_code == 422 and "办理结果" in refused.text
        no_date = client.post(url, data={"resolution": "已核发"}, headers=HTMX)
        assert no_date.status_code == 422 and "办结日期" in no_date.text
        closed = client.post(
            url, data={"resolution": "许可证已核发", "closed_on": TODAY}, headers=HTMX
        )
        assert closed.status_code == 200 and "许可证已核发" in closed.text
        items = client.get(f"/api/v1/projects/{project['id']}").json()["items"]
        assert next(i for i in items if i["id"] == item["id"])["status"] == "closed"

    def test_lead_sign_form_redirects_to_the_new_project(self, site: Site) -> None:
        client = site.client(Role.task_force)
        lead = next(
            x for x in client.get("/api/v1/leads").json() if x["stage"] not in ("signed", "lost")
        )
        response = client.post(
            f"/leads/{lead['id']}/sign", data={"signed_on": TODAY, "planned_investment_wan": 5000}
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/projects/")
        page = client.get(response.headers["location"])
        assert page.status_code == 200 and f"#{lead['id']}" in page.text

    def test_bad_project_file_writes_nothing_and_lists_rows(self, site: Site) -> None:
        client = site.client(Role.project_officer)
        before = client.get("/api/v1/projects").json()["total"]
        bad = "项目名称,投资方,计划总投资(万元),阶段\n好项目,某公司,1000,谋划\n,某公司,abc,不存在\n"
        response = client.post(
            "/projects/import",
            data={"kind": "projects"},
            files={"file": ("projects.csv", bad.encode(), "text/csv")},
        )
        assert response.status_code == 422
        assert "<td>3</td>" in response.text
        assert client.get("/api/v1/projects").json()["total"] == before

"""The calendar API through the app on a real database: reading a year, loading a notice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from tests.web.conftest import Site
from yuanqu.core.audit import AuditRecord
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.core.holidays import HolidayNoticeDay

# Years nothing else in the site loads: loaded here, removed again after each test.
LOADED, REJECTED = 2031, 2032
NOTICE_2031 = (
    "# an example for tests, not a State Council notice\n"
    "date,kind,name\n"
    "2031-01-01,holiday,元旦\n"
    "2031-09-28,workday,国庆节\n"
    "2031-10-01,holiday,国庆节\n"
    "2031-10-02,holiday,国庆节\n"
    "2031-10-03,holiday,国庆节\n"
)


def upload(site: Site, text: str | bytes, role: Role = Role.admin, **form: str):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return site.client(role).post(
        "/api/v1/calendar/notices",
        files={"file": ("notice-2031.csv", data, "text/csv")},
        data=form,
    )


@pytest.fixture
def clean_years(site: Site) -> Iterator[None]:
    def drop() -> None:
        engine = make_engine(site.url)
        try:
            with session_scope(engine) as session:
                session.execute(
                    delete(HolidayNoticeDay).where(HolidayNoticeDay.year.in_((LOADED, REJECTED)))
                )
        finally:
            engine.dispose()

    drop()
    yield
    drop()


def audit_actions(site: Site, year: int) -> list[tuple[str, str]]:
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            rows = session.execute(
                select(AuditRecord.action, AuditRecord.actor)
                .where(
                    AuditRecord.entity_type == "holiday_notice",
                    AuditRecord.entity_id == str(year),
                )
                .order_by(AuditRecord.seq)
            ).all()
            return [(a, b) for a, b in rows]
    finally:
        engine.dispose()


class TestReadYear:
    def test_a_library_year_lists_its_days(self, site: Site) -> None:
        body = site.client(Role.enterprise).get("/api/v1/calendar/2024").json()
        assert body["known"] is True and body["origin"] == "library" and body["warning"] is None
        days = {d["date"]: (d["kind"], d["name"]) for d in body["days"]}
        assert days["2024-02-10"] == ("holiday", "春节")
        assert days["2024-02-04"] == ("workday", "春节")  # a Sunday worked before the festival

    def test_an_unknown_year_says_weekends_only(self, site: Site, clean_years) -> None:
        body = site.client(Role.task_force).get(f"/api/v1/calendar/{REJECTED}").json()
        assert body["known"] is False and body["origin"] == "none" and body["days"] == []
        assert body["warning"]["zh"] == f"{REJECTED}年法定节假日安排尚未导入，期限按仅排除周末计算"
        assert "weekends only" in body["warning"]["en"]

    def test_anonymous_is_refused(self, site: Site) -> None:
        assert site.client(None).get("/api/v1/calendar/2024").status_code == 401

    def test_a_year_out_of_range_is_a_clean_error(self, site: Site) -> None:
        response = site.client(Role.admin).get("/api/v1/calendar/1776")
        assert response.status_code == 422
        assert set(response.json()) == {"code", "message", "details"}


class TestLoadNotice:
    def test_admin_loads_a_year_and_it_is_audited(self, site: Site, clean_years) -> None:
        before = audit_actions(site, LOADED)
        response = upload(site, NOTICE_2031, source="国办发明电〔2030〕示例号")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["year"] == LOADED and body["known"] and body["origin"] == "notice"
        assert set(body["recounted"]) == {"grants", "projects", "service"}
        assert body["source"] == "国办发明电〔2030〕示例号"
        assert body["loaded_by"] == site.account(Role.admin).username
        assert [(d["date"], d["kind"]) for d in body["days"]][:2] == [
            ("2031-01-01", "holiday"),
            ("2031-09-28", "workday"),
        ]
        shown = site.client(Role.enterprise).get(f"/api/v1/calendar/{LOADED}").json()
        assert shown["known"] and shown["warning"] is None and len(shown["days"]) == 5
        after = audit_actions(site, LOADED)
        assert after[len(before) :] == [("load", site.account(Role.admin).username)]

    def test_a_loaded_year_needs_replace(self, site: Site, clean_years) -> None:
        assert upload(site, NOTICE_2031).status_code == 201
        again = upload(site, "date,kind\n2031-01-01,holiday\n")
        assert again.status_code == 409
        assert again.json()["code"] == "notice_loaded"
        assert len(site.client(Role.admin).get(f"/api/v1/calendar/{LOADED}").json()["days"]) == 5
        replaced = upload(site, "date,kind\n2031-01-01,holiday\n", replace="true")
        assert replaced.status_code == 201, replaced.text
        assert len(replaced.json()["days"]) == 1
        assert audit_actions(site, LOADED)[-1][0] == "replace"

    def test_bad_rows_are_named_and_nothing_is_written(self, site: Site, clean_years) -> None:
        before = audit_actions(site, REJECTED)
        text = (
            "date,kind,name\n"
            "2032-01-01,holiday,元旦\n"
            "2032-02-30,holiday,春节\n"  # row 3: no such date
            "2032-02-11,workday,春节\n"  # row 4: a Wednesday is no make-up workday
            "2032-10-01,vacation,国庆节\n"  # row 5: unknown kind
        )
        response = upload(site, text, year=str(REJECTED))
        assert response.status_code == 422
        body = response.json()
        assert set(body) == {"code", "message", "details"} and body["code"] == "validation_error"
        named = {(d["row"], d["field"]) for d in body["details"]}
        assert named == {(3, "date"), (4, "date"), (5, "kind")}
        assert all(d["zh"].startswith(f"第{d['row']}行") for d in body["details"])
        assert "第3行" in body["message"]
        shown = site.client(Role.admin).get(f"/api/v1/calendar/{REJECTED}").json()
        assert shown["origin"] == "none" and shown["days"] == []
        assert audit_actions(site, REJECTED) == before

    def test_messages_follow_the_language(self, site: Site, clean_years) -> None:
        response = site.client(Role.admin).post(
            "/api/v1/calendar/notices?lang=en",
            files={"file": ("n.csv", b"day,type\n2032-01-01,holiday\n", "text/csv")},
        )
        assert response.status_code == 422
        assert "header row date,kind" in response.json()["message"]
        assert response.json()["details"][0]["field"] == "header"

    def test_a_file_not_in_utf8_is_refused(self, site: Site, clean_years) -> None:
        response = upload(site, "date,kind\n2031-01-01,假日\n".encode("gb18030"))
        assert response.status_code == 422
        assert response.json()["details"][0]["field"] == "file"
        assert site.client(Role.admin).get(f"/api/v1/calendar/{LOADED}").json()["days"] == []

    @pytest.mark.parametrize("role", [Role.policy_officer, Role.enterprise, Role.task_force])
    def test_only_an_administrator_loads(self, site: Site, clean_years, role: Role) -> None:
        response = upload(site, NOTICE_2031, role=role)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        assert site.client(Role.admin).get(f"/api/v1/calendar/{LOADED}").json()["days"] == []

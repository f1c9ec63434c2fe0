"""The watch list over HTTP on the served demo zone: the firms it names have the signals it names,
a task force sees only its firms, cases and outcomes feed precision, the page in both languages."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import text

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine

AS_OF = "2023-12"


def _listing(site: Site, role: Role = Role.analyst, **params) -> dict:
    response = site.client(role).get("/api/v1/watch", params={"as_of": AS_OF, **params})
    assert response.status_code == 200, response.text
    return response.json()


class TestWatchList:
    def test_the_demo_firms_have_the_signals_the_list_names(self, site: Site) -> None:
        listing = _listing(site, limit=500)
        assert listing["total"] == len(listing["items"]) > 0
        scores = [e["score"] for e in listing["items"]]
        assert scores == sorted(scores, reverse=True)
        named = {s for e in listing["items"] for s in e["signals"]}
        assert {"output_decline", "certificate_expiring"} <= named
        relocation = next(r for r in listing["rules"] if r["rule"] == "relocation_signal")
        # the service desk feeds the relocation rule: flagged firms are counted, never guessed
        assert relocation["source"] is True and relocation["flagged"] >= 0
        engine = make_engine(site.url)
        try:
            with engine.connect() as conn:
                for entry in listing["items"]:
                    firm = conn.execute(
                        text("SELECT id FROM enterprises WHERE uscc = :u"), {"u": entry["uscc"]}
                    ).scalar_one()
                    if "output_decline" in entry["signals"]:
                        rows = dict(
                            conn.execute(
                                text(
                                    "SELECT period, gross_output_fen FROM monthly_reports "
                                    "WHERE enterprise_id = :f AND gross_output_fen IS NOT NULL"
                                ),
                                {"f": firm},
                            ).all()
                        )
                        last = sorted(p for p in rows if p <= AS_OF)[-3:]
                        for p in last:
                            before = f"{int(p[:4]) - 1}{p[4:]}"
                            assert rows[p] * 5 < rows[before] * 4, (entry, p)
                    if "certificate_expiring" in entry["signals"]:
                        ends = conn.execute(
                            text(
                                "SELECT valid_to FROM enterprise_labels WHERE enterprise_id = :f "
                                "AND label = 'high_tech' ORDER BY valid_from DESC"
                            ),
                            {"f": firm},
                        ).scalars()
                        end = date.fromisoformat(str(next(iter(ends))))
                        assert date(2023, 12, 31) <= end <= date(2023, 12, 31) + timedelta(90)
        finally:
            engine.dispose()

    def test_paging_keeps_the_true_total(self, site: Site) -> None:
        whole = _listing(site, limit=500)
        page = _listing(site, limit=2, offset=1)
        assert page["total"] == whole["total"]
        assert [e["uscc"] for e in page["items"]] == [e["uscc"] for e in whole["items"][1:3]]

    def test_task_force_sees_only_its_firms(self, site: Site) -> None:
        forces = set(site.account(Role.task_force).task_forces)
        mine = _listing(site, Role.task_force, limit=500)
        everyone = _listing(site, limit=500)
        assert {e["task_force"] for e in mine["items"]} <= forces
        expected = [e["uscc"] for e in everyone["items"] if e["task_force"] in forces]
        assert [e["uscc"] for e in mine["items"]] == expected

    def test_enterprise_and_policy_officer_are_refused(self, site: Site) -> None:
        for role in (Role.enterprise, Role.policy_officer):
            assert site.client(role).get("/api/v1/watch").status_code == 403

    def test_bad_period_is_a_clear_error(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/api/v1/watch", params={"as_of": "2023-13"})
        assert response.status_code == 422
        assert "2023-13" in response.json()["message"]


class TestCases:
    def test_a_case_is_opened_closed_and_counted_in_precision(self, site: Site) -> None:
        client = site.client(Role.analyst)
        entry = _listing(site, limit=500)["items"][-1]
        opened = client.post(
            "/api/v1/watch/cases",
            json={
                "uscc": entry["uscc"],
                "as_of": AS_OF,
                "follow_up": "visit",
                "follow_up_on": "2024-01-05",
            },
        )
        assert opened.status_code == 201, opened.text
        case = opened.json()
        assert case["signals"] == entry["signals"] and case["score"] == entry["score"]
        again = client.post(
            "/api/v1/watch/cases",
            json={
                "uscc": entry["uscc"],
                "as_of": AS_OF,
                "follow_up": "request",
                "follow_up_on": "2024-01-06",
            },
        )
        assert again.status_code == 409
        before = client.get("/api/v1/watch/precision").json()[0]
        closed = client.post(
            f"/api/v1/watch/cases/{case['id']}/outcome", json={"outcome": "false_alarm"}
        )
        assert closed.status_code == 200 and closed.json()["outcome_name"] == "误报"
        after = client.get("/api/v1/watch/precision").json()[0]
        assert after["decided"] == before["decided"] + 1
        assert after["false_alarms"] == before["false_alarms"] + 1
        assert (
            client.post(
                f"/api/v1/watch/cases/{case['id']}/outcome", json={"outcome": "lost"}
            ).status_code
            == 409
        )

    def test_a_firm_not_on_the_list_cannot_get_a_case(self, site: Site) -> None:
        response = site.client(Role.analyst).post(
            "/api/v1/watch/cases",
            json={
                "uscc": site.other_uscc,
                "as_of": "2019-03",
                "follow_up": "visit",
                "follow_up_on": "2019-04-01",
            },
        )
        assert response.status_code == 422
        assert site.other_uscc in response.json()["message"]


class TestPage:
    def test_page_in_chinese_and_english_with_names(self, site: Site) -> None:
        client = site.client()
        account = site.account(Role.analyst)
        login(client, account.username, account.password)
        page = client.get(f"/watch?as_of={AS_OF}")
        assert page.status_code == 200
        assert "监测预警" in page.text and "产值连续下滑" in page.text
        total = _listing(site)["total"]
        assert f"共 {total} 家" in page.text
        unsourced = [r for r in _listing(site)["rules"] if not r["source"]]
        assert ("无数据来源" in page.text) == bool(unsourced)
        english = client.get(f"/watch?as_of={AS_OF}&lang=en")
        assert "Output falling year on year" in english.text

    def test_xlsx_export(self, site: Site) -> None:
        client = site.client()
        account = site.account(Role.task_force)
        login(client, account.username, account.password)
        response = client.get(f"/watch/export.xlsx?as_of={AS_OF}")
        assert response.status_code == 200
        assert response.content[:2] == b"PK"
        assert re.search(r"watch-2023-12\.xlsx", response.headers["content-disposition"])

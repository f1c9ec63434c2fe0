"""The test zone's pages in both languages, and what a test subject's user may open."""

from __future__ import annotations

import re

from tests.av.conftest import Zone


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


class TestReportPage:
    def test_opens_on_the_latest_year_in_chinese(self, zone: Zone) -> None:
        page = zone.client("analyst").get("/av")
        assert page.status_code == 200
        assert "年度道路测试报告" in page.text and "2023" in page.text
        assert "测试主体" in page.text and "累计测试里程" in page.text
        assert "road_test" not in text(page.text) and "driverless_remote" not in text(page.text)
        assert "道路测试" in page.text and "系统" in page.text
        assert '"name": "\\u4e07\\u516c\\u91cc"' in page.text  # the axis states 万公里

    def test_english(self, zone: Zone) -> None:
        page = zone.client("analyst").get("/av?lang=en")
        assert "Annual road-test report" in page.text and "road test" in page.text
        assert "10,000 km" in page.text

    def test_print_page(self, zone: Zone) -> None:
        page = zone.client("analyst").get("/av/print?year=2023")
        assert page.status_code == 200 and "data-print" in page.text
        assert "各月测试里程与脱离次数" in page.text

    def test_a_test_subject_sees_its_own_figures(self, zone: Zone) -> None:
        page = zone.client("subject").get("/av")
        assert "仅显示本企业的车辆和记录" in page.text
        assert f"/enterprises/{zone.own_uscc}#av" in page.text
        assert f"/enterprises/{zone.other_uscc}#av" not in page.text


class TestPermitPages:
    def test_expiring_windows(self, zone: Zone) -> None:
        client = zone.client("analyst")
        for days in (30, 60, 90):
            page = client.get(f"/av/permits?within={days}")
            assert page.status_code == 200 and f"未来 {days} 天" in page.text
        page = client.get("/av/permits?within=90")
        assert re.search(r"<strong>\d[\d,]*</strong>", page.text)

    def test_a_test_subject_lists_its_own(self, zone: Zone) -> None:
        page = zone.client("subject").get("/av/permits?within=90")
        assert zone.other_vin not in page.text


class TestVehiclePage:
    def test_history_in_words(self, zone: Zone) -> None:
        page = zone.client("subject").get(f"/av/vehicles/{zone.own_vin}")
        assert page.status_code == 200
        assert "无人巡逻" in page.text and "远程安全员" in page.text
        assert "各月测试里程" in page.text

    def test_history_in_english(self, zone: Zone) -> None:
        page = zone.client("subject").get(f"/av/vehicles/{zone.own_vin}?lang=en")
        assert "road test" in page.text and "with a safety driver" in page.text
        assert "Kilometres by month" in page.text and "道路测试" not in page.text

    def test_another_firms_vehicle_is_refused(self, zone: Zone) -> None:
        page = zone.client("subject").get(f"/av/vehicles/{zone.other_vin}")
        assert page.status_code == 403


class TestProfileTab:
    def test_the_tab_as_a_fragment_and_a_page(self, zone: Zone) -> None:
        client = zone.client("analyst")
        fragment = client.get(f"/enterprises/{zone.own_uscc}/av", headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "/av/vehicles/" in fragment.text
        page = client.get(f"/enterprises/{zone.own_uscc}/av")
        assert "<html" in page.text and "自动驾驶示范区" in page.text

    def test_the_profile_offers_the_tab(self, zone: Zone) -> None:
        page = zone.client("analyst").get(f"/enterprises/{zone.own_uscc}")
        assert f'hx-get="/enterprises/{zone.own_uscc}/av"' in page.text

    def test_a_firm_without_vehicles_is_told_so(self, zone: Zone) -> None:
        page = zone.client("outsider").get("/av/permits?within=90")
        assert "该期限内没有到期的有效牌照" in page.text

    def test_the_menu_offers_the_zone(self, zone: Zone) -> None:
        assert 'href="/av"' in zone.client("subject").get("/av").text


class TestPermitForm:
    def test_the_office_suspends_from_the_vehicle_page(self, zone: Zone) -> None:
        from tests.web.conftest import login

        client = zone.client()
        csrf = login(client, "office", "grey-heron-at-dusk-42")
        page = client.get(f"/av/vehicles/{zone.other_vin}")
        number = re.search(r'action="/av/permits/([^/]+)/move"', page.text)
        assert number, "the office sees the decision form"
        refused = client.post(
            f"/av/permits/{number.group(1)}/move",
            data={"move": "suspend", "reason": "", "csrf_token": csrf},
        )
        assert refused.status_code == 422 and "须写明理由" in refused.text
        moved = client.post(
            f"/av/permits/{number.group(1)}/move",
            data={"move": "suspend", "reason": "事故调查", "csrf_token": csrf},
        )
        assert moved.status_code == 303
        page = client.get(moved.headers["location"])
        assert "事故调查" in page.text and '<option value="reinstate">' in page.text
        back = client.post(
            f"/av/permits/{number.group(1)}/move",
            data={"move": "reinstate", "reason": "已整改", "csrf_token": csrf},
        )
        assert back.status_code == 303

    def test_a_firm_sees_no_form_and_may_not_post(self, zone: Zone) -> None:
        page = zone.client("subject").get(f"/av/vehicles/{zone.own_vin}")
        assert "/move" not in page.text
        refused = zone.client("subject").post(
            "/av/permits/X/move", data={"move": "revoke", "reason": "x"}
        )
        assert refused.status_code == 403

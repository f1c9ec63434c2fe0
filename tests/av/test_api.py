"""/api/v1/av: the report, permits and their moves, vehicles, imports; who sees what."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tests.av.conftest import Zone
from yuanqu.av.models import STAGE_NAMES


def workbook(body: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


class TestReport:
    def test_the_demo_reads_as_the_seed(self, zone: Zone) -> None:
        body = zone.client("analyst").get("/api/v1/av/report?year=2023").json()
        assert body["test_subjects"] == 28
        assert body["cumulative_km"] > 20_000_000
        years = [y["km"] for y in body["years"]]
        assert years == sorted(years) and next(y["year"] for y in body["years"]) == 2020
        rates = [y["km_per_disengagement"] for y in body["years"]]
        assert rates == sorted(rates), "disengagements per km fall year by year"
        per_firm = {s["km_per_disengagement"] for s in body["by_subject"]}
        assert len(per_firm) == 28, "rates differ by firm"
        assert {r["stage"] for r in body["by_stage"]} >= {"road_test", "driverless_remote"}

    def test_a_test_subject_sees_its_own_part_only(self, zone: Zone) -> None:
        body = zone.client("subject").get("/api/v1/av/report?year=2023").json()
        assert [s["uscc"] for s in body["by_subject"]] == [zone.own_uscc]
        everyone = zone.client("analyst").get("/api/v1/av/report?year=2023").json()
        assert 0 < body["km"] < everyone["km"]

    def test_a_firm_without_vehicles_sees_an_empty_report(self, zone: Zone) -> None:
        body = zone.client("outsider").get("/api/v1/av/report?year=2023").json()
        assert (body["vehicles"], body["km"], body["by_subject"]) == (0, 0, [])

    def test_xlsx_for_people(self, zone: Zone) -> None:
        response = zone.client("analyst").get("/api/v1/av/report.xlsx?year=2023")
        assert response.status_code == 200
        sheets = workbook(response.content)
        firms = sheets["按测试主体"]
        assert firms[0][:4] == ["测试主体", "统一社会信用代码", "车辆数（辆）", "测试里程（公里）"]
        assert len(firms) == 29
        english = workbook(
            zone.client("analyst").get("/api/v1/av/report.xlsx?year=2023&lang=en").content
        )
        assert english["By test subject"][0][3] == "Kilometres (km)"

    def test_a_test_subjects_xlsx_holds_its_own_rows_only(self, zone: Zone) -> None:
        sheets = workbook(zone.client("subject").get("/api/v1/av/report.xlsx?year=2023").content)
        assert [row[1] for row in sheets["按测试主体"][1:]] == [zone.own_uscc]


class TestPermits:
    def test_expiring_lists_have_their_true_total_and_pages(self, zone: Zone) -> None:
        client = zone.client("analyst")
        totals = []
        for days in (30, 60, 90):
            body = client.get(f"/api/v1/av/permits?expiring={days}&page_size=5").json()
            totals.append(body["total"])
            assert len(body["items"]) == min(5, body["total"])
            assert all(0 <= i["days_left"] <= days for i in body["items"])
        assert totals == sorted(totals) and totals[-1] > 0
        everything = client.get("/api/v1/av/permits?page_size=1000").json()
        assert everything["total"] > 571
        item = everything["items"][0]
        assert item["stage_name"] in {zh for zh, _en in STAGE_NAMES.values()}

    def test_a_window_other_than_30_60_90_is_refused(self, zone: Zone) -> None:
        assert zone.client("analyst").get("/api/v1/av/permits?expiring=45").status_code == 422

    def test_a_test_subject_lists_its_own_permits_only(self, zone: Zone) -> None:
        body = zone.client("subject").get("/api/v1/av/permits?page_size=1000").json()
        assert body["total"] > 0 and {i["uscc"] for i in body["items"]} == {zone.own_uscc}
        sheet = workbook(zone.client("subject").get("/api/v1/av/permits.xlsx").content)
        assert {row[2] for row in sheet["测试牌照"][1:]} == {zone.own_uscc}

    def test_the_patrol_permit_is_on_record(self, zone: Zone) -> None:
        body = zone.client("subject").get("/api/v1/av/permits?page_size=1000").json()
        patrol = [i for i in body["items"] if i["stage"] == "driverless_remote"]
        assert [p["scenario_name"] for p in patrol] == ["无人巡逻"]

    def test_the_office_moves_a_permit_and_a_firm_may_not(self, zone: Zone) -> None:
        office = zone.client("office")
        vehicle = {
            "uscc": zone.other_uscc,
            "vin": "LNEWAV00000000002",
            "plate": "京A·D9998",
            "model": "示例 L4",
            "automation_level": "L4",
            "scenarios": ["robotaxi"],
            "supervision": "both",
            "cover_fen": 5_000_000_00,
        }
        assert office.post("/api/v1/av/vehicles", json=vehicle).status_code == 201
        issued = office.post(
            "/api/v1/av/permits",
            json={"vin": vehicle["vin"], "stage": "road_test", "on": "2023-12-01"},
        )
        assert issued.status_code == 201, issued.text
        number = issued.json()["permit_no"]
        refused = zone.client("subject").post(
            f"/api/v1/av/permits/{number}/suspend", json={"reason": "x"}
        )
        assert refused.status_code == 403
        no_reason = office.post(f"/api/v1/av/permits/{number}/suspend", json={"reason": ""})
        assert no_reason.status_code == 422
        suspended = office.post(f"/api/v1/av/permits/{number}/suspend", json={"reason": "事故调查"})
        assert suspended.json()["status"] == "suspended"
        again = office.post(f"/api/v1/av/permits/{number}/suspend", json={"reason": "再次"})
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
        revoked = office.post(f"/api/v1/av/permits/{number}/revoke", json={"reason": "违规"})
        assert revoked.json()["status_name"] == "已撤销"

    def test_an_unmet_prerequisite_is_named(self, zone: Zone) -> None:
        body = zone.client("office").post(
            "/api/v1/av/permits",
            json={"vin": zone.own_vin, "stage": "commercial_pilot", "on": "2023-12-01"},
        )
        assert body.status_code == 409
        assert "示范应用" in body.json()["message"]


class TestVehicles:
    def test_a_vehicles_history(self, zone: Zone) -> None:
        body = zone.client("subject").get(f"/api/v1/av/vehicles/{zone.own_vin}").json()
        assert body["km_total"] > 1000 and body["permits"]
        assert body["disengagements_total"] >= len(body["disengagements"])

    def test_another_firms_vehicle_is_refused(self, zone: Zone) -> None:
        response = zone.client("subject").get(f"/api/v1/av/vehicles/{zone.other_vin}")
        assert response.status_code == 403

    def test_the_vehicle_list_is_scoped_and_counted(self, zone: Zone) -> None:
        everyone = zone.client("analyst").get("/api/v1/av/vehicles?page_size=10").json()
        assert everyone["total"] >= 571 and len(everyone["items"]) == 10
        own = zone.client("subject").get("/api/v1/av/vehicles?page_size=1000").json()
        assert 0 < own["total"] < 100 and {v["uscc"] for v in own["items"]} == {zone.own_uscc}

    def test_the_profile_tab_of_another_firm_is_refused(self, zone: Zone) -> None:
        assert (
            zone.client("subject").get(f"/api/v1/enterprises/{zone.other_uscc}/av").status_code
            == 403
        )
        own = zone.client("subject").get(f"/api/v1/enterprises/{zone.own_uscc}/av").json()
        assert own["vehicles_total"] == len(own["vehicles"]) > 0


class TestImport:
    def test_a_bad_file_is_refused_with_every_row_named(self, zone: Zone) -> None:
        data = (
            "permit_no,vin,date,initiated_by,road_type,description\n"
            f"NOPE,{zone.own_vin},2023-03-02,system,urban,x\n"
            f"NOPE,{zone.own_vin},2023-03-02,cat,urban,x\n"
        ).encode()
        response = zone.client("office").post(
            "/api/v1/av/import",
            files={"file": ("d.csv", data, "text/csv")},
            data={"kind": "disengagements"},
        )
        assert response.status_code == 422
        assert [(d["row"], d["column"]) for d in response.json()["details"]] == [
            (2, "permit_no"),
            (3, "initiated_by"),
        ]

    def test_a_firm_may_not_import(self, zone: Zone) -> None:
        response = zone.client("subject").post(
            "/api/v1/av/import",
            files={"file": ("d.csv", b"a\n1\n", "text/csv")},
            data={"kind": "mileage"},
        )
        assert response.status_code == 403


class TestOffice:
    def test_register_a_vehicle_then_grant_its_road_test(self, zone: Zone) -> None:
        office = zone.client("office")
        body = {
            "uscc": zone.other_uscc,
            "vin": "LNEWAV00000000001",
            "plate": "京A·D9999",
            "model": "示例 L4",
            "automation_level": "L4",
            "scenarios": ["robotaxi"],
            "supervision": "both",
            "cover_fen": 4_000_000_00,
        }
        created = office.post("/api/v1/av/vehicles", json=body)
        assert created.status_code == 201, created.text
        again = office.post("/api/v1/av/vehicles", json=body)
        assert again.status_code == 409
        refused = office.post("/api/v1/av/permits", json={"vin": body["vin"], "stage": "road_test"})
        assert refused.status_code == 409 and "500 万元" in refused.json()["message"]
        assert zone.client("subject").post("/api/v1/av/vehicles", json=body).status_code == 403

    def test_an_incident_blocks_later_stages_until_closed(self, zone: Zone) -> None:
        office = zone.client("office")
        reported = office.post(
            "/api/v1/av/incidents",
            json={"vin": zone.other_vin, "occurred_on": "2023-11-01", "description": "剐蹭"},
        )
        assert reported.status_code == 201 and reported.json()["status_name"] == "已报告"
        number = reported.json()["id"]
        blocked = office.post(
            "/api/v1/av/permits",
            json={"vin": zone.other_vin, "stage": "highway", "on": "2023-12-01"},
        )
        assert blocked.status_code == 409 and "调查" in blocked.json()["message"]
        office.post(f"/api/v1/av/incidents/{number}/investigate")
        closed = office.post(
            f"/api/v1/av/incidents/{number}/close",
            json={"responsible": False, "finding": "对方全责", "on": "2023-11-10"},
        )
        assert closed.json()["status_name"] == "已结案"
        granted = office.post(
            "/api/v1/av/permits",
            json={"vin": zone.other_vin, "stage": "highway", "on": "2023-12-01"},
        )
        assert granted.status_code == 201, granted.text

    def test_roads(self, zone: Zone) -> None:
        roads = zone.client("subject").get("/api/v1/av/roads").json()
        assert len(roads) >= 64 and roads[0]["road_type_name"] in ("城市道路", "快速路", "高速公路")
        opened = zone.client("office").post(
            "/api/v1/av/roads",
            json={
                "code": "T-1",
                "name": "测试路",
                "road_type": "urban",
                "km": 3.5,
                "opened_on": "2023-05-01",
                "scenarios": ["delivery"],
            },
        )
        assert opened.status_code == 201 and opened.json()["scenario_names"] == ["无人配送"]

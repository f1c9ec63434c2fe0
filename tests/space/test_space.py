"""Space: all-or-nothing imports, 亩 from m², vacancy by hand, reservations that lapse, matching."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories.grants import person
from tests.factories.registry import make_firm
from tests.factories.space import (
    PARCEL_HEAD,
    UNIT_HEAD,
    add_parcels,
    add_units,
    csv_bytes,
    unit_row,
)
from yuanqu.core.audit import verify_chain
from yuanqu.core.auth import Role
from yuanqu.core.errors import Conflict, ValidationError
from yuanqu.core.tabular import ImportRejected
from yuanqu.space import holds as space_holds
from yuanqu.space import matching, service
from yuanqu.space.importer import SpaceImportKind, import_space
from yuanqu.space.models import Parcel, Unit, sqm_to_mu

OFFICER = person(Role.project_officer, "po-1")
TODAY = date(2024, 7, 1)


def units_by_code(session) -> dict[str, Unit]:
    return {u.code: u for u in session.scalars(select(Unit))}


class TestImport:
    def test_units_import_creates_parks_buildings_and_units(self, session) -> None:
        add_units(
            session,
            [
                unit_row("101", 800),
                unit_row("102", 1200, status="已出租"),
                unit_row("201", 2500, building="JH3-2", kind="研发楼", use="研发"),
            ],
        )
        units = units_by_code(session)
        assert units["101"].height_cm == 800 and units["101"].load_kg_sqm == 1500
        assert units["101"].rent_fen_sqm_day == 180 and units["102"].status == "let"

    def test_a_bad_file_names_row_column_and_reason_and_writes_nothing(self, session) -> None:
        rows = [
            unit_row("101", 800),
            unit_row("102", -5, height="高", use="跳舞"),
            unit_row("101", 900),
        ]
        with pytest.raises(ImportRejected) as rejected:
            import_space(
                session,
                source=csv_bytes(UNIT_HEAD, rows),
                filename="u.csv",
                kind=SpaceImportKind.units,
                actor="test",
            )
        found = {(e.row, e.column) for e in rejected.value.errors}
        assert {(3, "建筑面积(平方米)"), (3, "层高(米)"), (3, "用途"), (4, "单元编号")} <= found
        assert (
            "未知的用途" in next(e for e in rejected.value.errors if e.column == "用途").reason_zh
        )
        assert session.scalar(select(func.count(Unit.id))) == 0

    def test_parcel_mu_is_derived_from_square_metres(self, session) -> None:
        firm = make_firm(session)
        add_parcels(
            session, [["YZ-01", "路东区", 66_667, "工业用地", "2021-03-01", "12000", firm.uscc, ""]]
        )
        parcel = session.scalars(select(Parcel)).one()
        assert parcel.area_sqm == 66_667 and parcel.price_fen == 12_000 * 10_000 * 100
        assert round(sqm_to_mu(parcel.area_sqm), 2) == 100.0  # 66,667 m² × 15 / 10000
        space = service.firm_space(session, enterprise_id=firm.id)
        assert space["parcel_mu"] == 100.0

    def test_an_unknown_firm_rejects_the_parcel_file(self, session) -> None:
        bad = csv_bytes(
            PARCEL_HEAD, [["YZ-02", "路东区", 1000, "工业用地", "", "", "91110302MA00000000", ""]]
        )
        with pytest.raises(ImportRejected) as rejected:
            import_space(
                session, source=bad, filename="p.csv", kind=SpaceImportKind.parcels, actor="test"
            )
        assert rejected.value.errors[0].column == "统一社会信用代码"


class TestVacancy:
    def test_vacancy_by_sub_area_kind_and_band(self, session) -> None:
        add_units(
            session,
            [
                unit_row("101", 400),
                unit_row("102", 800, status="已出租"),
                unit_row("103", 1500, status="已预留"),
                unit_row("201", 3000, building="B2", park="P2", sub_area="路东区", kind="研发楼"),
            ],
        )
        result = service.vacancy(session)
        core = next(r for r in result["by_sub_area"] if r["key"] == "核心区")
        assert (core["units"], core["area_sqm"], core["vacant_sqm"], core["reserved_sqm"]) == (
            3,
            2700,
            400,
            1500,
        )
        assert core["vacancy_rate"] == pytest.approx(400 / 2700)
        assert result["total"]["area_sqm"] == 5700 and result["total"]["vacant_sqm"] == 3400
        bands = {r["key"]: r["units"] for r in result["by_band"]}
        assert bands == {"lt500": 1, "500_1000": 1, "1000_3000": 1, "3000_10000": 1}

    def test_supply_counts_delivered_square_metres_against_the_plan(self, session) -> None:
        add_units(session, [unit_row("101", 1000), unit_row("102", 2000)])
        service.set_supply_plan(
            session, year=2024, kind="standard_factory", planned_sqm=6000, actor=OFFICER
        )
        [row] = service.supply(session)
        assert (row["year"], row["delivered_sqm"], row["planned_sqm"]) == (2024, 3000, 6000)
        assert row["done_share"] == 0.5


class TestReservations:
    def test_a_hold_names_its_lead_or_project(self, session) -> None:
        add_units(session, [unit_row("101", 800)])
        unit = units_by_code(session)["101"]
        with pytest.raises(ValidationError, match="lead or project"):
            space_holds.reserve(
                session,
                unit_id=unit.id,
                holder="意向企业A",
                until=date(2024, 7, 31),
                actor=OFFICER,
                today=TODAY,
            )

    def test_reserve_then_lapse(self, session) -> None:
        from tests.factories.projects import make_project

        add_units(session, [unit_row("101", 800)])
        unit = units_by_code(session)["101"]
        project = make_project(session)
        hold = space_holds.reserve(
            session,
            unit_id=unit.id,
            holder=project.name,
            until=date(2024, 7, 31),
            actor=OFFICER,
            today=TODAY,
            project_id=project.id,
        )
        assert unit.status == "reserved" and hold.status == "held"
        with pytest.raises(Conflict):
            space_holds.reserve(
                session,
                unit_id=unit.id,
                holder="x",
                until=date(2024, 7, 31),
                actor=OFFICER,
                today=TODAY,
                project_id=project.id,
            )
        assert space_holds.lapse_reservations(session, today=date(2024, 7, 31)) == 0
        assert space_holds.lapse_reservations(session, today=date(2024, 8, 1)) == 1
        assert hold.status == "lapsed" and unit.status == "vacant"
        history = service.unit_history(session, unit_id=unit.id)
        assert [h["action"] for h in history["history"]] == [
            "reserve",
            "reserve",
            "lapsed",
            "lapsed",
        ]
        assert verify_chain(session).intact


class TestMatching:
    def test_units_that_fit_are_ranked_by_area_closeness(self, session) -> None:
        add_units(
            session,
            [
                unit_row("A", 1000),
                unit_row("B", 1450),
                unit_row("C", 1900),
                unit_row("D", 1500, height="4.5"),  # too low
                unit_row("E", 1500, use="研发"),  # wrong use
                unit_row("F", 1500, status="已出租"),  # not free
                unit_row("G", 1500, sub_area="路东区", park="P2", building="B2"),  # wrong sub-area
            ],
        )
        need = {
            "requirement_id": 7,
            "min_area_sqm": 1000,
            "max_area_sqm": 2000,
            "min_height_cm": 600,
            "min_load_kg_sqm": 1000,
            "use": "production",
            "sub_area": "核心区",
            "needed_on": date(2024, 9, 1),
        }
        [result] = matching.match(session, requirements=[need], today=TODAY, top=5)
        assert [m["code"] for m in result["matches"]] == ["B", "C", "A"]
        assert [m["rank"] for m in result["matches"]] == [1, 2, 3]

    def test_an_unknown_use_is_refused(self, session) -> None:
        need = {"requirement_id": 1, "min_area_sqm": 10, "max_area_sqm": 20, "use": "dance"}
        with pytest.raises(ValidationError) as refused:
            matching.match(session, requirements=[need], today=TODAY)
        assert "未知的用途" in refused.value.zh


class TestBuildingEconomy:
    def test_a_firm_in_two_buildings_is_shared_by_its_square_metres(self, session) -> None:
        from tests.factories.space import csv_bytes
        from tests.factories.stats import add_reports, report_row
        from yuanqu.space.economy import building_economy

        a, b = make_firm(session), make_firm(session)
        add_units(
            session,
            [unit_row("101", 1000), unit_row("102", 500), unit_row("201", 1000, building="JH3-2")],
        )
        head = ["楼栋编号", "单元编号", "统一社会信用代码", "使用方式", "起始日期", "终止日期"]
        rows = [
            ["JH3-1", "101", a.uscc, "已出租", "2022-01-01", ""],
            ["JH3-2", "201", a.uscc, "已出租", "2022-01-01", ""],
            ["JH3-1", "102", b.uscc, "已出售", "2023-07-01", ""],
        ]
        import_space(
            session,
            source=csv_bytes(head, rows),
            filename="o.csv",
            kind=SpaceImportKind.occupancy,
            actor="test",
            today=TODAY,
        )
        add_reports(
            session,
            [
                report_row(a.id, f"2023-{m:02d}", tax=1_000_000, gross_output=5_000_000)
                for m in range(1, 13)
            ],
        )
        add_reports(session, [report_row(b.id, "2023-12", tax=3_000_000)])
        rows = {r["code"]: r for r in building_economy(session, year=2023)}
        # building 1: half of A's 1,200 万元 (1,000 of its 2,000 m²) + B's 300 万元, over 1,500 m²
        one = rows["JH3-1"]
        assert (one["firms"], one["area_sqm"], one["tax_fen"]) == (2, 1500, 9_000_000_00)
        assert one["tax_yuan_sqm"] == 6000.0 and one["output_yuan_sqm"] == 20000.0
        assert rows["JH3-2"]["tax_fen"] == 6_000_000_00 and not one["yi_yuan"]
        assert units_by_code(session)["102"].status == "sold"


def test_english_headers_are_canonical_too(session) -> None:
    firm = make_firm(session)
    head = ["number", "sub_area", "area_sqm", "land_use", "granted_on", "price", "uscc"]
    add = csv_bytes(
        head, [["YZ-EN-1", "核心区", 15_000, "R&D", "2020-02-02", "1000000", firm.uscc]]
    )
    import_space(session, source=add, filename="p.csv", kind=SpaceImportKind.parcels, actor="t")
    parcel = session.scalars(select(Parcel)).one()
    assert (parcel.land_use, parcel.area_sqm, parcel.price_fen) == ("rd", 15_000, 100_000_000)

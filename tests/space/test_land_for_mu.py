"""The land the 亩均效益评价 grades a firm by: its parcels, and the space it rents or bought counted
at the building's plot ratio (容积率) where the zone configured one. Worked by hand for 2023 (365
days):

* P holds a 10,000 m² parcel and no space: 10,000 m², with or without plot ratios;
* R rents unit 101 (1,000 m², standard factory JH3-1, ratio 2 by its kind) all year: 500 m²;
* S rents unit 201 (730 m², R&D building JH3-2, ratio 2.5 by its code; R&D buildings have no kind
  ratio) from 3 July, 182 days: 730 x 182 / (365 x 2.5) = 145.6 m²; and rented unit 103 (730 m²,
  JH3-1) to 31 March, 90 days: 730 x 90 / (365 x 2) = 90 m²; 235.6 m² from space;
* T self-uses unit 104 (its own building on its own parcel): not counted;
* U rents an office (JH9-1, kind office, no ratio configured): not counted;
* V's lease of unit 105 ended on 31 December 2022: not counted in 2023.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories.registry import make_firm
from tests.factories.space import add_parcels, add_units, csv_bytes, unit_row
from yuanqu.core.datafile import DataFileError
from yuanqu.core.land import LandHeld
from yuanqu.space import land as service
from yuanqu.space.importer import SpaceImportKind, import_space
from yuanqu.space.zone import ZoneSpaceSettings, parse_zone_settings

YEAR = 2023
RATIOS = ZoneSpaceSettings(
    plot_ratio_kinds={"standard_factory": Decimal(2)},
    plot_ratio_buildings={"JH3-2": Decimal("2.5")},
)
OCCUPANCY_HEAD = ["楼栋编号", "单元编号", "统一社会信用代码", "使用方式", "起始日期", "终止日期"]


@pytest.fixture
def zone(session) -> dict[str, int]:
    firms = {key: make_firm(session) for key in "PRSTUV"}
    add_parcels(
        session,
        [
            ["YZ-P", "核心区", 10_000, "工业用地", "2020-01-01", "", firms["P"].uscc, ""],
            ["YZ-T", "核心区", 5_000, "工业用地", "2019-01-01", "", firms["T"].uscc, ""],
        ],
    )
    add_units(
        session,
        [
            unit_row("101", 1000),
            unit_row("103", 730),
            unit_row("104", 2000),
            unit_row("105", 600),
            unit_row("201", 730, building="JH3-2", kind="研发楼", use="研发"),
            unit_row("301", 400, park="JH9", building="JH9-1", kind="办公楼", use="办公"),
        ],
    )
    rows = [
        ["JH3-1", "101", firms["R"].uscc, "已出租", "2022-01-01", ""],
        ["JH3-2", "201", firms["S"].uscc, "已出租", "2023-07-03", ""],
        ["JH3-1", "103", firms["S"].uscc, "已出租", "2021-01-01", "2023-03-31"],
        ["JH3-1", "104", firms["T"].uscc, "自用", "2019-01-01", ""],
        ["JH9-1", "301", firms["U"].uscc, "已出租", "2023-01-01", ""],
        ["JH3-1", "105", firms["V"].uscc, "已出租", "2020-01-01", "2022-12-31"],
    ]
    import_space(
        session,
        source=csv_bytes(OCCUPANCY_HEAD, rows),
        filename="o.csv",
        kind=SpaceImportKind.occupancy,
        actor="test",
        today=date(2024, 1, 15),
    )
    return {key: firm.id for key, firm in firms.items()}


class TestLandByFirm:
    def test_space_counts_at_the_plot_ratio_by_hand(self, session, zone) -> None:
        land = service.land_by_firm(session, YEAR, settings=RATIOS)
        assert land[zone["P"]] == LandHeld(Decimal(10_000), Decimal(0))
        assert land[zone["R"]] == LandHeld(Decimal(0), Decimal(500))
        assert land[zone["S"]] == LandHeld(Decimal(0), Decimal("235.6"))
        assert land[zone["T"]] == LandHeld(Decimal(5_000), Decimal(0))  # self-use: not again
        assert zone["U"] not in land and zone["V"] not in land

    def test_without_plot_ratios_only_parcels_count_as_before(self, session, zone) -> None:
        land = service.land_by_firm(session, YEAR, settings=ZoneSpaceSettings())
        assert land == {
            zone["P"]: LandHeld(Decimal(10_000), Decimal(0)),
            zone["T"]: LandHeld(Decimal(5_000), Decimal(0)),
        }

    def test_the_shipped_settings_configure_no_ratio(self, session, zone) -> None:
        shipped = service.land_by_firm(session, YEAR)
        assert all(held.space_sqm == 0 for held in shipped.values())


class TestSettingsFile:
    def test_ratios_and_the_switch_are_read(self) -> None:
        settings = parse_zone_settings(
            "plot_ratio:\n  kinds: {standard_factory: 1.8}\n  buildings: {JH3-2: 3}\n"
            "matching:\n  mu_grade_first: true\n",
            file="zone.yaml",
        )
        assert settings.plot_ratio(building_code="JH3-2", kind="standard_factory") == 3
        assert settings.plot_ratio(building_code="X", kind="standard_factory") == Decimal("1.8")
        assert settings.plot_ratio(building_code="X", kind="office") is None
        assert settings.mu_grade_first is True

    def test_every_mistake_is_named_by_line(self) -> None:
        text = (
            "plot_ratio:\n  kinds: {factory: 2, office: 0}\n  buildings: {JH3-2: abc}\n"
            "matching:\n  mu_grade_first: maybe\ncolour: red\n"
        )
        with pytest.raises(DataFileError) as error:
            parse_zone_settings(text, file="zone.yaml")
        lines = sorted(line for _f, line, _z, _e in error.value.problems)
        assert lines == [2, 2, 3, 5, 6]
        assert "unknown kind factory" in error.value.en

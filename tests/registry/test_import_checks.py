"""What the registry import refuses and what it flags: an unknown 片区 is refused (unless asked
to create it), a credit code issued outside the zone's divisions is imported with a warning."""

from __future__ import annotations

import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from tests.factories.registry import make_firm, new_uscc
from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.tabular import ImportRejected
from yuanqu.registry.importer import COLUMNS, import_enterprises
from yuanqu.registry.models import Enterprise
from yuanqu.registry.template import GUIDE, column_guide, template_xlsx

HEADER = "uscc,name,industry_code,sub_area"
TODAY = date(2026, 11, 27)


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


class TestSubArea:
    def test_unknown_sub_area_is_refused_naming_row_and_known_ones(self, session):
        make_firm(session, sub_area="核心区")
        make_firm(session, sub_area="路东区")
        source = csv_bytes(f"{new_uscc()},甲公司,3973,核心区", f"{new_uscc()},乙公司,3973,火星片区")
        with pytest.raises(ImportRejected) as rejected:
            import_enterprises(session, source=source, filename="f.csv", today=TODAY)
        (error,) = rejected.value.errors
        assert (error.row, error.column, error.value) == (3, "sub_area", "火星片区")
        assert "核心区、路东区" in error.reason_zh and "--create-sub-area" in error.reason_en
        names = session.scalars(select(Enterprise.name)).all()
        assert "甲公司" not in names  # all or nothing

    def test_create_sub_area_accepts_it(self, session):
        make_firm(session, sub_area="核心区")
        source = csv_bytes(f"{new_uscc()},乙公司,3973,火星片区")
        result = import_enterprises(
            session, source=source, filename="f.csv", today=TODAY, create_sub_areas=True
        )
        assert result.created == 1
        assert session.scalar(select(Enterprise.sub_area).where(Enterprise.name == "乙公司")) == (
            "火星片区"
        )

    def test_the_first_file_of_an_empty_registry_sets_the_sub_areas_up(self, session):
        source = csv_bytes(f"{new_uscc()},甲公司,3973,核心区", f"{new_uscc()},乙公司,3973,河西区")
        assert import_enterprises(session, source=source, filename="f.csv").created == 2


class TestDivision:
    def test_code_from_outside_the_zone_is_a_warning_with_row_and_field(self, session):
        for _ in range(3):
            make_firm(session)  # the zone's firms: registered in 110302
        outside = new_uscc(division="440300")  # 深圳市
        source = csv_bytes(f"{new_uscc()},本地公司,3973,", f"{outside},外地公司,3973,")
        result = import_enterprises(session, source=source, filename="f.csv", today=TODAY)
        assert result.created == 2  # written: a warning is not an error
        (warning,) = result.warnings
        assert (warning.row, warning.column, warning.value) == (3, "uscc", outside)
        assert "深圳" in warning.reason_zh and "110302" in warning.reason_zh
        assert "outside the zone's divisions" in warning.reason_en

    def test_configured_divisions_win(self, session):
        make_firm(session)
        saved = get_settings()
        configure(zone_divisions="110302, 440300")
        try:
            source = csv_bytes(f"{new_uscc(division='440300')},深圳公司,3973,")
            result = import_enterprises(session, source=source, filename="f.csv", today=TODAY)
        finally:
            restore_settings(saved)
        assert result.warnings == []

    def test_an_empty_registry_has_nothing_to_compare_with(self, session):
        source = csv_bytes(f"{new_uscc(division='440300')},深圳公司,3973,")
        assert import_enterprises(session, source=source, filename="f.csv").warnings == []


class TestTemplate:
    def test_guide_follows_the_importer(self):
        assert [g.column for g in GUIDE] == [c.field for c in COLUMNS]
        guide = column_guide("zh")
        assert guide[0]["required"] and "文本格式" in guide[0]["description"]
        assert "片区" in guide[8]["aliases"]

    def test_template_has_headers_sample_and_guide_and_imports_as_is(self, session):
        data = template_xlsx("zh")
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        assert book.sheet_names == ["企业", "列说明"]
        rows = book.get_sheet_by_index(0).to_python()
        assert rows[0] == [c.field for c in COLUMNS] and len(rows) == 2
        guide = book.get_sheet_by_index(1).to_python()
        assert guide[0] == ["列名", "必填", "说明", "示例"] and len(guide) == len(COLUMNS) + 1
        # The sample row is a valid row: the template teaches by an example that works.
        result = import_enterprises(session, source=data, filename="template.xlsx", today=TODAY)
        assert result.created == 1

"""The directory export: a report for people by default, the import layout on request."""

from __future__ import annotations

import zipfile
from datetime import date

from python_calamine import CalamineWorkbook

from tests.factories.registry import make_firm, make_task_force
from yuanqu.registry.export import export_enterprises
from yuanqu.registry.schemas import EnterpriseFilter

ON = date(2023, 12, 31)


def _sheet(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def _firms(session):
    make_task_force(session, "ic", name_zh="集成电路产业专班", name_en="IC task force")
    chip = make_firm(
        session,
        name="北京芯材有限公司",
        industry_code="3985",
        registered_capital_fen=52_000_000_00,  # 5,200 万元
        employees=120,
        sub_area="核心区",
        task_force="ic",
        labels=[
            ("high_tech", date(2022, 1, 1), date(2024, 12, 31)),
            ("specialized", date(2019, 1, 1), date(2021, 12, 31)),  # lapsed on the date
        ],
    )
    plain = make_firm(session, name="北京小店有限公司", registered_capital_fen=None)
    return chip, plain


class TestReportForPeople:
    def test_headers_units_names_beside_codes(self, session, tmp_path):
        chip, plain = _firms(session)
        path = tmp_path / "firms.xlsx"
        written = export_enterprises(
            session, filters=EnterpriseFilter(as_of=ON), path=path, lang="zh"
        )
        assert written == 2
        rows = _sheet(path)
        head = rows[0]
        assert head[:7] == [
            "统一社会信用代码",
            "企业名称",
            "所属行业（国民经济行业分类）",
            "行业门类",
            "成立日期",
            "注册资本（万元）",
            "从业人员（人）",
        ]
        assert head[7] == "标签（截至 2023-12-31）" and head[9] == "产业专班"
        row = next(r for r in rows[1:] if r[0] == chip.uscc)
        assert row[2] == "3985 电子专用材料制造" and row[3] == "C 制造业"
        assert row[4] == date(2015, 1, 1)
        assert row[5] == 5200.0 and row[6] == 120
        assert row[7] == "国家高新技术企业"  # the lapsed 专精特新 is not held on the date
        assert row[8] == "核心区" and row[9] == "集成电路产业专班"
        empty = next(r for r in rows[1:] if r[0] == plain.uscc)
        assert empty[5] == "" and empty[9] == ""

    def test_frozen_header_autofilter_and_widths(self, session, tmp_path):
        _firms(session)
        path = tmp_path / "firms.xlsx"
        export_enterprises(session, filters=EnterpriseFilter(as_of=ON), path=path)
        with zipfile.ZipFile(path) as archive:
            sheet = archive.read("xl/worksheets/sheet1.xml").decode()
            workbook = archive.read("xl/workbook.xml").decode()
        assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet
        assert '<autoFilter ref="A1:L3"/>' in sheet
        assert '<col min="2" max="2" width="36" customWidth="1"/>' in sheet
        assert "_xlnm._FilterDatabase" in workbook and "$A$1:$L$3" in workbook

    def test_english_report(self, session, tmp_path):
        _firms(session)
        path = tmp_path / "firms.csv"
        export_enterprises(session, filters=EnterpriseFilter(as_of=ON), path=path, lang="en")
        text = path.read_text(encoding="utf-8-sig")
        assert text.startswith("Unified social credit code,Name,Industry (GB/T 4754)")
        assert "Registered capital (CNY 10k)" in text and "IC task force" in text
        assert "National high-tech enterprise" in text

    def test_text_is_escaped_and_control_characters_dropped(self, session, tmp_path):
        make_firm(session, name="A&B <Tech> \x01Co")
        path = tmp_path / "firms.xlsx"
        export_enterprises(session, filters=EnterpriseFilter(), path=path)
        assert _sheet(path)[1][1] == "A&B <Tech> Co"


class TestCanonicalLayout:
    def test_machine_headers_yuan_and_import_syntax(self, session, tmp_path):
        chip, _ = _firms(session)
        path = tmp_path / "firms.xlsx"
        export_enterprises(
            session, filters=EnterpriseFilter(as_of=ON), path=path, layout="canonical"
        )
        rows = _sheet(path)
        assert rows[0][:5] == ["uscc", "name", "industry_code", "established", "registered_capital"]
        row = next(r for r in rows[1:] if r[0] == chip.uscc)
        assert row[2] == "C3985" and row[4] == 52_000_000.0 and row[9] == "ic"
        assert row[6] == ("high_tech@2022-01-01..2024-12-31;specialized@2019-01-01..2021-12-31")

from __future__ import annotations

import zipfile
from datetime import date

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.factories.projects import OFFICER, TODAY, make_project, member
from tests.factories.registry import make_task_force, new_uscc
from yuanqu.attraction import importer as lead_importer
from yuanqu.attraction import service as attraction
from yuanqu.core.tabular import ImportRejected, read_table
from yuanqu.projects import export, importer, ledger, service, stages

HEADER = [
    "项目编号",
    "项目名称",
    "投资方",
    "投资方信用代码",
    "行业代码",
    "专班",
    "计划总投资(万元)",
    "当前阶段",
    "签约日期",
    "开工日期",
    "计划投产日期",
    "本年计划投资(万元)",
]


def _xlsx(path, header, rows):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    workbook.close()
    return path


class TestProjectImport:
    def test_good_file_creates_projects_plans_and_registers_investors(self, session, tmp_path):
        make_task_force(session, "ic")
        code = new_uscc()
        path = _xlsx(
            tmp_path / "p.xlsx",
            HEADER,
            [
                [
                    "2023-001",
                    "12英寸晶圆产线",
                    "芯联",
                    code,
                    "3973",
                    "ic",
                    2_500_000,
                    "开工",
                    "2023-03-01",
                    "2023-06-15",
                    "2025-06-30",
                    500_000,
                ],
                [
                    "2023-002",
                    "小型配套",
                    "配套公司",
                    "",
                    "",
                    "",
                    300,
                    "签约",
                    "2023-05-01",
                    "",
                    "",
                    "",
                ],
            ],
        )
        result = importer.import_projects(
            session, actor=OFFICER, source=path, plan_year=2023, today=TODAY
        )
        assert (result.rows, result.created) == (2, 2)
        page = {p.code: p for p in service.list_projects(session).items}
        big = service.project_detail(session, project_id=page["2023-001"].id)
        assert big.planned_investment_fen == 25_000_000_000_00
        assert big.stage == "started" and big.investor_uscc == code
        assert big.annual_plans == {2023: 5_000_000_000_00}
        assert {s.stage: s.planned_on for s in big.stages}["production"] == date(2025, 6, 30)
        assert page["2023-002"].below_fai_threshold

    def test_bad_rows_are_all_reported_and_nothing_is_written(self, session, tmp_path):
        make_task_force(session, "ic")
        path = _xlsx(
            tmp_path / "bad.xlsx",
            HEADER,
            [
                ["A", "好项目", "甲", "", "", "ic", 1000, "签约", "2023-03-01", "", "", ""],
                ["B", "", "乙", "", "", "ic", 1000, "签约", "2023-03-01", "", "", ""],
                ["C", "未签先开", "丙", "", "", "ic", 1000, "开工", "", "2023-03-01", "", ""],
                ["D", "未知阶段", "丁", "", "", "ic", 1000, "试产", "2023-03-01", "", "", ""],
                ["E", "坏日期", "戊", "", "", "ic", "很多", "签约", "2023-02-30", "", "", ""],
                ["A", "重复编号", "己", "", "", "nope", 1000, "签约", "2023-03-01", "", "", ""],
            ],
        )
        with pytest.raises(ImportRejected) as err:
            importer.import_projects(session, actor=OFFICER, source=path, today=TODAY)
        rows = {e.row for e in err.value.errors}
        assert rows == {3, 4, 5, 6, 7}
        assert service.list_projects(session).total == 0

    def test_service_rules_reject_rows_after_parsing(self, session, tmp_path):
        make_task_force(session, "ic")
        path = _xlsx(
            tmp_path / "rule.xlsx",
            HEADER,
            [
                ["A", "好项目", "甲", "", "", "ic", 1000, "签约", "2023-03-01", "", "", ""],
                ["B", "未知专班", "乙", "", "", "nope", 1000, "签约", "2023-03-01", "", "", ""],
            ],
        )
        with pytest.raises(ImportRejected) as err:
            importer.import_projects(session, actor=OFFICER, source=path, today=TODAY)
        assert [e.row for e in err.value.errors] == [3]
        assert service.list_projects(session).total == 0

    def test_members_import_only_their_own_task_force(self, session, tmp_path):
        make_task_force(session, "ic")
        make_task_force(session, "biotech")
        path = _xlsx(
            tmp_path / "m.xlsx",
            HEADER,
            [["A", "别人的", "甲", "", "", "biotech", 1000, "签约", "2023-03-01", "", "", ""]],
        )
        with pytest.raises(ImportRejected):
            importer.import_projects(session, actor=member("ic"), source=path, today=TODAY)


class TestExport:
    def test_project_list_round_trips(self, session, tmp_path):
        project = make_project(session, stage="started")
        stages.set_annual_plan(session, project, actor=OFFICER, year=2023, planned_fen=12_345_600)
        path = tmp_path / "list.xlsx"
        assert export.export_projects(session, path=path, plan_year=2023, layout="canonical") == 1
        table = read_table(path)
        assert "当前阶段" in table.header and table.rows[0][0] == project.code
        session.delete(project)
        session.flush()
        result = importer.import_projects(
            session, actor=OFFICER, source=path, plan_year=2023, today=TODAY
        )
        assert result.created == 1
        again = service.find_project(session, ref=project.code)
        detail = service.project_detail(session, project_id=again.id)
        assert detail.stage == "started" and detail.annual_plans == {2023: 12_345_600}
        assert detail.planned_investment_fen == project.planned_investment_fen

    @pytest.mark.parametrize(
        ("lang", "headers", "stage", "force"),
        [
            (
                "zh",
                ("计划总投资（万元）", "2023年计划投资（万元）", "所属行业（国民经济行业分类）"),
                "开工",
                "专班ic",
            ),
            (
                "en",
                ("Planned investment (CNY 10k)", "Planned investment 2023 (CNY 10k)"),
                "Started",
                "Task force ic",
            ),
        ],
    )
    def test_the_default_is_a_report_for_people(
        self, session, tmp_path, lang, headers, stage, force
    ):
        make_task_force(session, "ic", name_zh="专班ic", name_en="Task force ic")
        project = make_project(session, stage="started", planned_investment_fen=12_345_678_900)
        stages.set_annual_plan(session, project, actor=OFFICER, year=2023, planned_fen=12_345_600)
        path = tmp_path / "report.xlsx"
        assert export.export_projects(session, path=path, plan_year=2023, lang=lang) == 1
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
        assert set(headers) <= set(header)
        assert row[headers[0]] == pytest.approx(12_345.6789)  # 万元, not fen nor yuan
        assert row[headers[1]] == pytest.approx(12.3456)
        assert stage in row.values() and force in row.values()  # names, not "started" or "ic"
        assert "ic" not in row.values() and "started" not in row.values()
        industry = next(v for v in row.values() if str(v).startswith("3973 "))
        assert len(industry) > len("3973 ")  # the code with its name
        sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
        assert 'state="frozen"' in sheet and "<autoFilter" in sheet and "<cols>" in sheet

    def test_weekly_report(self, session, tmp_path):
        project = make_project(session, stage="signed")
        ledger.open_item(
            session,
            project,
            actor=OFFICER,
            kind="problem",
            title="缺电",
            owner="供电",
            opened_on=date(2024, 2, 1),
            workdays=5,
        )
        path = tmp_path / "weekly.xlsx"
        assert export.export_weekly(session, path=path, week_end=date(2024, 3, 8)) == 1
        assert path.stat().st_size > 0


LEAD_HEADER = [
    "专班",
    "意向企业",
    "线索来源",
    "行业代码",
    "补链环节",
    "预计投资(万元)",
    "阶段",
    "首次接触日期",
    "洽谈日期",
    "签约日期",
    "流失原因",
]


class TestLeadImport:
    def test_leads_at_their_stages_and_a_signed_one_becomes_a_project(self, session, tmp_path):
        make_task_force(session, "ic")
        path = _xlsx(
            tmp_path / "leads.xlsx",
            LEAD_HEADER,
            [
                [
                    "ic",
                    "甲公司",
                    "展会",
                    "3973",
                    "wafer",
                    50_000,
                    "洽谈中",
                    "2023-01-05",
                    "2023-02-01",
                    "",
                    "",
                ],
                [
                    "ic",
                    "乙公司",
                    "以商招商",
                    "",
                    "",
                    1_000,
                    "已流失",
                    "2023-01-05",
                    "",
                    "",
                    "去了外省",
                ],
                [
                    "ic",
                    "丙公司",
                    "visit",
                    "3973",
                    "",
                    200_000,
                    "已签约",
                    "2023-01-05",
                    "2023-02-01",
                    "2023-04-01",
                    "",
                ],
            ],
        )
        result = lead_importer.import_leads(session, actor=member("ic"), source=path, today=TODAY)
        assert (result.created, result.signed) == (3, 1)
        stages = {lead.prospect_name: lead.stage for lead in attraction.list_leads(session)}
        assert stages == {"甲公司": "negotiating", "乙公司": "lost", "丙公司": "signed"}
        (project,) = service.list_projects(session).items
        assert project.stage == "signed" and project.planned_investment_fen == 200_000_000_000

    def test_bad_lead_rows(self, session, tmp_path):
        make_task_force(session, "ic")
        path = _xlsx(
            tmp_path / "leads.xlsx",
            LEAD_HEADER,
            [
                ["ic", "甲公司", "展会", "", "", 1, "洽谈中", "2023-01-05", "2023-02-01", "", ""],
                ["ic", "乙公司", "天上掉的", "", "", 1, "", "2023-01-05", "", "", ""],
                ["ic", "丙公司", "展会", "", "", 1, "已流失", "2023-01-05", "", "", ""],
            ],
        )
        with pytest.raises(ImportRejected) as err:
            lead_importer.import_leads(session, actor=member("ic"), source=path, today=TODAY)
        # row 3: unknown source (a cell); row 4: lost without a reason (a service rule)
        assert [e.row for e in err.value.errors] == [3, 4]
        assert attraction.list_leads(session) == []

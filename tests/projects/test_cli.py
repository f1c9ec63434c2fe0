from __future__ import annotations

import json
import re

import xlsxwriter

from yuanqu.core.db import session_scope
from yuanqu.core.tabular import read_table
from yuanqu.registry import service as registry


def _file(path, header, rows):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    workbook.close()
    return path


def test_project_and_lead_workflow_end_to_end(committed_db, cli, tmp_path):
    with session_scope() as session:
        registry.upsert_task_force(session, code="ic", name_zh="集成电路", name_en="IC")
    path = _file(
        tmp_path / "p.xlsx",
        ["项目编号", "项目名称", "投资方", "专班", "计划总投资(万元)", "当前阶段", "签约日期"],
        [["2023-001", "晶圆厂", "芯联", "ic", 100_000, "签约", "2023-03-01"]],
    )
    assert cli("projects", "import", path).exit_code == 0
    bad = cli("projects", "stage", "2023-001", "建设", "--on", "2023-06-01")
    assert bad.exit_code == 1 and "开工" in bad.stderr
    ok = cli("projects", "stage", "2023-001", "开工", "--on", "2023-06-01")
    assert ok.exit_code == 0, ok.stderr
    # 2023: 29 Sep to 6 Oct off, Saturday 7 and Sunday 8 Oct worked.
    args = ["--owner", "住建局", "--workdays", "5", "--opened", "2023-09-28"]
    item = cli("projects", "item", "2023-001", "办理施工许可", *args)
    assert item.exit_code == 0 and "2023-10-11" in item.stdout
    overdue = cli("projects", "overdue", "--as-of", "2023-11-01", "--format", "json")
    assert json.loads(overdue.stdout)[0]["overdue_workdays"] > 0
    batches = cli("projects", "batches", "2023", "--format", "json")
    signed = next(b for b in json.loads(batches.stdout)["batches"] if b["stage"] == "signed")
    assert signed["projects"] == 1 and signed["investment_fen"] == 100_000 * 10_000 * 100
    args = ["--source", "visit", "--investment", "5000", "--contacted", "2023-01-05"]
    added = cli("leads", "add", "ic", "甲公司", *args)
    assert added.exit_code == 0
    lead = re.search(r"#(\d+)", added.stdout).group(1)  # ids are not reused on PostgreSQL
    assert cli("leads", "move", lead, "lost", "--on", "2023-02-01").exit_code == 2
    signed_lead = cli("leads", "sign", lead, "--on", "2023-04-01")
    assert signed_lead.exit_code == 0, signed_lead.stderr
    funnel = json.loads(cli("leads", "funnel", "2023", "--format", "json").stdout)
    assert funnel[0]["signed"] == 1
    export = cli("projects", "export", tmp_path / "out.xlsx")
    assert export.exit_code == 0 and "2" in export.stdout
    assert "投资方统一社会信用代码" in read_table(tmp_path / "out.xlsx").header  # for people
    canonical = cli("projects", "export", tmp_path / "in.xlsx", "--format", "canonical")
    assert canonical.exit_code == 0 and "行业代码" in read_table(tmp_path / "in.xlsx").header
    weekly = cli("projects", "export", tmp_path / "w.xlsx", "--weekly", "2023-06-02")
    assert weekly.exit_code == 0
    assert cli("audit", "verify").exit_code == 0
    history = json.loads(cli("projects", "history", "2023-001", "--format", "json").stdout)
    assert [h["action"] for h in history][:2] == ["create", "stage_forward"]


def test_bad_import_exits_2_and_writes_the_error_report(committed_db, cli, tmp_path):
    path = _file(tmp_path / "bad.xlsx", ["项目名称", "投资方", "当前阶段"], [["x", "y", "飞升"]])
    report = tmp_path / "errors.xlsx"
    result = cli("projects", "import", path, "--errors", report)
    assert result.exit_code == 2 and report.exists()

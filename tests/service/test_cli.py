"""`yuanqu service ...` end to end on a committed database: import, list, report, mistakes."""

from __future__ import annotations

import json

from tests.factories.registry import make_firm, make_task_force
from tests.service.test_import import csv
from yuanqu.core.db import session_scope
from yuanqu.service.units import sync_units


def seed(tmp_path) -> str:
    with session_scope() as session:
        make_task_force(session, "ic")
        sync_units(session)
        uscc = make_firm(session, task_force="ic").uscc
    rows = [
        f"C1,2024-09-30T10:00,12345,{uscc},审批许可,一般,施工许可,ic,2024-09-30T11:00,,"
        "2024-10-10T10:00,是,满意",
        f"C2,2024-02-08T09:30,portal,{uscc},融资金融,一般,贷款贴息,ic,,,,,",
    ]
    path = tmp_path / "12345.csv"
    path.write_bytes(csv(*rows))
    return str(path)


def test_import_list_and_report_as_json(committed_db, cli, tmp_path):
    path = seed(tmp_path)
    imported = cli("service", "import", path)
    assert imported.exit_code == 0, imported.stderr
    assert "已导入 2 条诉求" in imported.stdout
    listed = cli("service", "list", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    rows = {r["ticket_no"]: r for r in json.loads(listed.stdout)}
    assert rows["C2"] == {
        "ticket_no": "C2",
        "status": "dispatched",
        "type": "finance",
        "urgency": "general",
        "received_at": "2024-02-08T09:30:00",
        "due_at": "2024-02-23T23:59:59",
        "overdue": True,
    }
    assert rows["C1"]["due_at"] == "2024-10-15T23:59:59" and rows["C1"]["overdue"] is False
    overdue = json.loads(cli("service", "list", "--overdue", "-f", "json").stdout)
    assert [r["ticket_no"] for r in overdue] == ["C2"]
    by_state = json.loads(cli("service", "list", "--status", "已回访", "-f", "json").stdout)
    assert [r["ticket_no"] for r in by_state] == ["C1"]
    by_unit = json.loads(cli("service", "list", "--unit", "经济发展局", "-f", "json").stdout)
    assert by_unit == []
    report = cli("service", "report", "--year", "2024", "--format", "json")
    assert report.exit_code == 0, report.stderr
    body = json.loads(report.stdout)
    assert list(body) == [
        "year",
        "tickets",
        "closed",
        "closed_pct",
        "response_rate_pct",
        "resolution_rate_pct",
        "satisfaction_rate_pct",
        "overdue",
        "by_unit",
        "by_type",
    ]
    assert (body["year"], body["tickets"], body["closed"], body["closed_pct"]) == (2024, 2, 1, 50.0)
    assert body["satisfaction_rate_pct"] == 100.0 and body["overdue"] == 1
    assert body["by_unit"][0]["unit"] == "ic" and body["by_type"][0]["tickets"] == 1
    table = cli("service", "report", "--year", "2024")
    assert "响应率" in table.stdout and "按承办单位" in table.stdout
    assert cli("audit", "verify").exit_code == 0
    joined = cli("service", "member", "planner-9", "规划和自然资源分局", "--head")
    assert joined.exit_code == 0 and "规划和自然资源分局" in joined.stdout
    assert cli("service", "member", "planner-9", "外星局").exit_code == 2


def test_a_bad_file_exits_2_and_writes_nothing(committed_db, cli, tmp_path):
    seed(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv("X1,yesterday,12345,,审批许可,一般,无时间,,,,,,"))
    report = tmp_path / "errors.xlsx"
    result = cli("service", "import", bad, "--errors", report)
    assert result.exit_code == 2 and report.exists()
    assert json.loads(cli("service", "list", "-f", "json").stdout) == []


def test_usage_mistakes_are_one_line_and_exit_2(committed_db, cli, tmp_path):
    seed(tmp_path)
    for args in (
        ("service", "list", "--status", "飞走了"),
        ("service", "report", "--year", "twenty"),
        ("service", "report", "--year", "1999"),
        ("service", "list", "--unit", "外星局"),
        ("service", "list", "--bogus"),  # Click's own mistakes too, never a traceback
        ("service", "report"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr

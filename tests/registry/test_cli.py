"""The registry commands through the real `yuanqu` entry point, on the test database."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from tests.factories.registry import new_uscc

HUAWEI = "914403001922038216"
XIAOMI = "91110108551385082Q"


class TestCheckCode:
    def test_valid_codes_exit_zero(self, cli):
        result = cli("registry", "check-code", HUAWEI, f"  {XIAOMI.lower()} ")
        assert result.exit_code == 0, result.stderr

    def test_json_verdicts_and_exit_one(self, cli):
        bad = XIAOMI[:-1] + "1"
        result = cli("--lang", "en", "registry", "check-code", "--format", "json", XIAOMI, bad)
        assert result.exit_code == 1
        verdicts = json.loads(result.stdout)
        assert [v["valid"] for v in verdicts] == [True, False]
        assert set(verdicts[0]) == {"code", "valid", "reason", "division"}
        assert verdicts[1]["reason"] == "check digit should be Q, found 1"
        assert "Beijing" in verdicts[0]["division"]


def write_csv(path, *rows):
    header = "uscc,name,industry_code,established,registered_capital,employees,labels"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


class TestImportAndQuery:
    def test_import_count_list_show_export_roundtrip(self, cli, committed_db, tmp_path):
        assert cli("init").exit_code == 0
        a, b, c = new_uscc(), new_uscc(), new_uscc()
        source = write_csv(
            tmp_path / "firms.csv",
            f"{a},北京芯片有限公司,C3973,2015-03-01,1000000,120,high_tech@2022-01-01..2024-12-31",
            f"{b},北京软件有限公司,6513,2019-05-06,500000,8,high_tech@2019-01-01..2021-12-31",
            f"{c},北京医药有限公司,2761,2010-01-01,,300,listed{{exchange=SSE}}@2020-01-01..",
        )
        result = cli("registry", "import", source)
        assert result.exit_code == 0, result.stderr
        assert "3" in result.stdout

        counted = cli(
            "registry", "count", "--by", "label", "--as-of", "2023-12-31", "--format", "json"
        )
        assert json.loads(counted.stdout) == [
            {"group": "high_tech", "count": 1},
            {"group": "listed", "count": 1},
        ]
        total = cli("registry", "count", "--format", "json", "--industry", "C")
        assert json.loads(total.stdout) == [{"group": "total", "count": 2}]

        listed = cli("registry", "list", "--format", "json", "-q", "软件")
        assert [f["uscc"] for f in json.loads(listed.stdout)["items"]] == [b]
        shown = cli("registry", "show", a, "--format", "json")
        card = json.loads(shown.stdout)
        assert card["industry_levels"][-1]["code"] == "3973"

        for suffix in ("xlsx", "csv", "parquet"):
            out = tmp_path / f"export.{suffix}"
            assert cli("registry", "export", out).exit_code == 0
        assert pq.read_table(tmp_path / "export.parquet").num_rows == 3
        sheet = CalamineWorkbook.from_path(str(tmp_path / "export.xlsx")).get_sheet_by_index(0)
        report = sheet.to_python()
        assert len(report) == 4 and report[0][0] == "统一社会信用代码"
        assert cli("registry", "export", "-f", "canonical", tmp_path / "import.xlsx").exit_code == 0

        # The canonical export re-imports as it is: an upsert of the whole file changes nothing.
        again = cli("registry", "import", "--upsert", tmp_path / "import.xlsx")
        assert again.exit_code == 0, again.stderr
        recount = cli(
            "registry", "count", "--by", "label", "--as-of", "2023-12-31", "--format", "json"
        )
        assert recount.stdout == counted.stdout

    def test_bad_file_exits_2_writes_report_and_nothing(self, cli, committed_db, tmp_path):
        cli("init")
        source = write_csv(
            tmp_path / "bad.csv", f"{new_uscc()},好,3973,,,,", f"{new_uscc()[:-1]}I,坏,3973,,,,"
        )
        report = tmp_path / "errors.xlsx"
        result = cli("--lang", "en", "registry", "import", source, "--errors", report)
        assert result.exit_code == 2
        assert "import rejected" in result.stderr
        rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
        assert rows[0] == ["row", "column", "value", "reason"]
        assert rows[1][0] == 3
        total = cli("registry", "count", "--format", "json")
        assert json.loads(total.stdout) == [{"group": "total", "count": 0}]


class TestDatabaseState:
    def test_uninitialised_database_is_a_clear_error(self, cli, tmp_path):
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        result = cli("--db", url, "registry", "count")
        assert result.exit_code == 1
        assert "yuanqu init" in result.stderr

    def test_backup_and_restore_embedded_database(self, cli, tmp_path):
        url = f"sqlite:///{tmp_path / 'live.db'}"
        assert cli("--db", url, "init").exit_code == 0
        source = write_csv(tmp_path / "one.csv", f"{new_uscc()},甲,3973,,,,")
        assert cli("--db", url, "registry", "import", source).exit_code == 0
        copy = tmp_path / "copy.db"
        assert cli("--db", url, "backup", copy).exit_code == 0
        assert (
            cli(
                "--db",
                url,
                "registry",
                "import",
                write_csv(tmp_path / "two.csv", f"{new_uscc()},乙,3973,,,,"),
            ).exit_code
            == 0
        )
        assert cli("--db", url, "restore", copy).exit_code == 0
        total = cli("--db", url, "registry", "count", "--format", "json")
        assert json.loads(total.stdout) == [{"group": "total", "count": 1}]

    def test_restore_refuses_a_file_that_is_not_a_backup(self, cli, tmp_path):
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"not sqlite at all")
        result = cli("--db", f"sqlite:///{tmp_path / 'x.db'}", "restore", junk)
        assert result.exit_code == 2

    def test_backup_refuses_postgresql(self, cli, tmp_path):
        result = cli("--db", "postgresql+psycopg://u@127.0.0.1/x", "backup", tmp_path / "b")
        assert result.exit_code == 2
        assert "pg_dump" in result.stderr


class TestCountForPeople:
    def test_task_force_names_and_the_unassigned(self, cli, committed_db):
        from tests.factories.registry import make_firm, make_task_force
        from yuanqu.core.db import session_scope

        with session_scope(committed_db.engine) as session:
            make_task_force(session, "ic", name_zh="集成电路产业专班", name_en="IC task force")
            make_firm(session, task_force="ic")
            make_firm(session)
            make_firm(session)
        table = cli("registry", "count", "--by", "task_force")
        assert table.exit_code == 0, table.stderr
        assert "集成电路产业专班" in table.stdout and "未分配专班" in table.stdout
        assert "合计" in table.stdout and " ic " not in table.stdout
        english = cli("--lang", "en", "registry", "count", "--by", "task_force")
        assert "IC task force" in english.stdout and "no task force" in english.stdout
        machine = cli("registry", "count", "--by", "task_force", "--format", "json")
        assert json.loads(machine.stdout) == [
            {"group": "", "count": 2},
            {"group": "ic", "count": 1},
        ]
        total = cli("registry", "count")
        assert "全部企业" in total.stdout and "total" not in total.stdout

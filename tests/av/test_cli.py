"""`yuanqu av import|permits|permit|report` through the real entry point."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.factories.av import make_vehicle
from tests.factories.registry import make_firm
from yuanqu.av import permits
from yuanqu.core.db import session_scope


def test_import_permits_and_report(committed_db, cli, tmp_path) -> None:
    today = date.today()
    with session_scope(committed_db.engine) as session:
        firm = make_firm(session, name="示例智行科技有限公司")
        vehicle = make_vehicle(session, uscc=firm.uscc)
        permits.issue(
            session,
            vin=vehicle.vin,
            stage="road_test",
            on=date(2023, 1, 1),
            actor="o",
            permit_no="BJ-1",
        )
        soon = make_vehicle(session, uscc=firm.uscc)
        permits.issue(
            session,
            vin=soon.vin,
            stage="road_test",
            on=today - timedelta(days=10),
            actor="o",
            permit_no="BJ-2",
            valid_until=today + timedelta(days=20),
        )
        vin = vehicle.vin
    mileage = tmp_path / "里程.csv"
    mileage.write_text(
        f"牌照编号,车辆识别代号,月份,测试模式,里程(公里)\nBJ-1,{vin},2023-03,无人化,1500\n"
        f"BJ-1,{vin},2023-04,有安全员,500\n",
        encoding="utf-8",
    )
    events = tmp_path / "脱离.csv"
    events.write_text(
        f"permit_no,vin,date,initiated_by,road_type,description\nBJ-1,{vin},2023-03-05,system,"
        "urban,x\n",
        encoding="utf-8",
    )
    assert cli("av", "import", mileage, "--kind", "mileage").exit_code == 0
    assert cli("av", "import", events, "--kind", "disengagements").exit_code == 0

    body = json.loads(cli("av", "report", "--year", "2023", "--format", "json").stdout)
    assert body == {
        "year": 2023,
        "test_subjects": 1,
        "vehicles": 1,
        "km": 2000.0,
        "driverless_km": 1500.0,
        "disengagements": 1,
        "km_per_disengagement": 2000.0,
        "cumulative_km": 2000.0,
        "by_subject": [
            {
                "uscc": firm.uscc,
                "vehicles": 1,
                "km": 2000.0,
                "disengagements": 1,
                "km_per_disengagement": 2000.0,
            }
        ],
    }
    table = cli("av", "report", "--year", "2023")
    assert "累计测试里程 2,000 公里" in table.stdout
    rows = cli("--lang", "en", "av", "report", "--year", "2023", "-f", "csv").stdout
    assert '示例智行科技有限公司,1,"2,000",1,"2,000.0"' in rows

    listed = json.loads(cli("av", "permits", "--expiring", "30", "-f", "json").stdout)
    assert listed["total"] == 1 and listed["items"][0]["permit_no"] == "BJ-2"
    assert listed["items"][0]["stage_name"] == "道路测试"

    english = cli("--lang", "en", "av", "permits", "--expiring", "30", "-f", "csv").stdout
    assert english.splitlines()[0] == "permit,firm,VIN,stage,status,valid until,days left"
    assert ",road test,in force," in english

    moved = cli("av", "permit", "suspend", "BJ-2", "--reason", "事故调查")
    assert moved.exit_code == 0 and "暂停" in moved.stdout
    refused = cli("av", "permit", "suspend", "BJ-2", "--reason", "again")
    assert refused.exit_code == 1 and "不能暂停" in refused.stderr


def test_a_bad_import_writes_nothing_and_exits_2(committed_db, cli, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("permit_no,vin,month,mode,km\nX,NOTAVIN,2023-13,fly,-1\n", encoding="utf-8")
    result = cli("av", "import", bad, "--kind", "mileage", "--errors", tmp_path / "e.csv")
    assert result.exit_code == 2
    assert "未写入任何数据" in result.stderr
    report = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert report.count("\n") == 5  # the header and four bad cells of row 2


def test_usage_mistakes_are_one_line_and_exit_2(committed_db, cli) -> None:
    for args in (
        ("av", "permits", "--expiring", "45"),
        ("av", "permits", "--status", "lost"),
        ("av", "report", "--year", "1800"),
        ("av", "permit", "fly", "BJ-1"),
        ("av", "permit", "issue", "LTESTAV0100000001", "--stage", "moon"),
        ("av", "permit", "renew", "BJ-1", "--until", "tomorrow"),
        ("av", "import", "x.csv"),  # --kind missing: Click's own usage errors are one line too
        ("av", "permits", "--bogus"),
        ("av", "report", "--year", "abc"),
        ("av", "nothing"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr

"""The registry import: all or nothing, every bad cell named, the database unchanged on error."""

from __future__ import annotations

import io
from datetime import date

import pytest
import xlsxwriter
from sqlalchemy import func, select

from tests.factories.registry import make_firm, make_task_force, new_uscc
from yuanqu.core.errors import ValidationError
from yuanqu.core.tabular import ImportRejected
from yuanqu.registry.importer import import_enterprises
from yuanqu.registry.models import Enterprise, EnterpriseLabel

HEADER = "uscc,name,industry_code,established,registered_capital,employees,labels"
TODAY = date(2026, 11, 27)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, workbook.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def firm_count(session) -> int:
    return session.scalar(select(func.count(Enterprise.id)))


def run(session, data: bytes, filename: str = "firms.csv", **kwargs):
    return import_enterprises(session, source=data, filename=filename, today=TODAY, **kwargs)


def rejected(session, data: bytes, filename: str = "firms.csv", **kwargs) -> ImportRejected:
    before = firm_count(session)
    with pytest.raises(ImportRejected) as err:
        run(session, data, filename, **kwargs)
    assert firm_count(session) == before, "a rejected import must write nothing"
    return err.value


class TestGoodFiles:
    def test_canonical_csv_with_labels_and_dates(self, session):
        a, b = new_uscc(), new_uscc()
        data = csv_bytes(
            f"{a},北京芯片有限公司,C3973,2015-03-01,10000000.50,120,"
            '"high_tech{certificate=GR202311001234}@2023-11-01..2026-10-31;listed{exchange=SSE,'
            'ticker=688981}@2020-07-16.."',
            f" {b.lower()} ,北京软件有限公司,6513,2019/5/6,,8,",
        )
        result = run(session, data)
        assert (result.created, result.updated, result.labels) == (2, 0, 2)
        firm = session.scalar(select(Enterprise).where(Enterprise.uscc == a))
        assert firm.industry_code == "3973" and firm.industry_section == "C"
        assert firm.registered_capital_fen == 10_000_000_50
        labels = session.scalars(
            select(EnterpriseLabel)
            .where(EnterpriseLabel.enterprise_id == firm.id)
            .order_by(EnterpriseLabel.label)
        ).all()
        assert [(x.label, x.valid_from, x.valid_to, x.certificate, x.ticker) for x in labels] == [
            ("high_tech", date(2023, 11, 1), date(2026, 10, 31), "GR202311001234", None),
            ("listed", date(2020, 7, 16), None, None, "688981"),
        ]
        assert (
            session.scalar(select(Enterprise.uscc).where(Enterprise.name == "北京软件有限公司"))
            == b
        )

    def test_gbk_csv_with_chinese_headers_and_capital_in_wan(self, session):
        header = "统一社会信用代码,企业名称,行业代码,成立日期,注册资本（万元）,从业人员,标签"
        code = new_uscc()
        data = csv_bytes(
            f"{code},北京生物医药有限公司,2761,2018-01-01,500,30,高新技术企业",
            header=header,
            encoding="gbk",
        )
        run(session, data)
        firm = session.scalar(select(Enterprise).where(Enterprise.uscc == code))
        assert firm.registered_capital_fen == 500 * 10_000 * 100

    def test_xlsx_with_typed_cells(self, session):
        code = new_uscc()
        data = xlsx_bytes(
            [
                HEADER.split(","),
                [
                    code,
                    "北京航天科技有限公司",
                    "3742",
                    date(2016, 6, 1),
                    30000000,
                    200,
                    "fortune_global_500",
                ],
            ]
        )
        result = run(session, data, "firms.xlsx")
        assert result.created == 1
        firm = session.scalar(select(Enterprise).where(Enterprise.uscc == code))
        assert firm.established == date(2016, 6, 1) and firm.employees == 200

    def test_upsert_updates_fields_and_replaces_labels(self, session):
        firm = make_firm(session, name="旧名称", labels=[("high_tech", None, None)])
        data = csv_bytes(f"{firm.uscc},新名称,3973,2015-01-01,1,60,specialized@2022-07-01..")
        result = run(session, data, upsert=True)
        assert (result.created, result.updated) == (0, 1)
        session.expire_all()
        assert session.get(Enterprise, firm.id).name == "新名称"
        labels = session.scalars(
            select(EnterpriseLabel.label).where(EnterpriseLabel.enterprise_id == firm.id)
        ).all()
        assert labels == ["specialized"]

    def test_task_force_must_exist(self, session):
        make_task_force(session, "ic")
        header = HEADER + ",task_force"
        good = csv_bytes(f"{new_uscc()},甲公司,3973,,,,,ic", header=header)
        assert run(session, good).created == 1
        error = rejected(session, csv_bytes(f"{new_uscc()},乙公司,3973,,,,,bio", header=header))
        assert "bio" in error.errors[0].reason_zh


class TestBadFiles:
    def test_not_a_spreadsheet(self, session):
        with pytest.raises(ValidationError) as err:
            run(session, b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "logo.csv")
        assert err.value.code == "not_a_spreadsheet"

    def test_fake_xlsx(self, session):
        with pytest.raises(ValidationError) as err:
            run(session, b"uscc,name\n", "firms.xlsx")
        assert err.value.code == "not_a_spreadsheet"

    def test_empty_file_and_header_only(self, session):
        for data in (b"", b"   \n", HEADER.encode() + b"\n"):
            with pytest.raises(ValidationError) as err:
                run(session, data)
            assert err.value.code == "empty_file"

    def test_missing_and_unknown_columns(self, session):
        error = rejected(session, csv_bytes("x,y", header="uscc,nickname"))
        reasons = [e.reason_en for e in error.errors]
        assert "unknown column 'nickname'" in reasons
        assert any("missing required column 'name" in r for r in reasons)
        assert any("missing required column 'industry_code" in r for r in reasons)

    def test_every_bad_row_is_reported_and_nothing_written(self, session):
        good, dup = new_uscc(), new_uscc()
        bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
        rows = [
            f"{good},好公司,3973,2015-01-01,100,10,",
            f"{bad_check},校验位错,3973,2015-01-01,100,10,",
            f"{dup},行业错,9999,2015-01-01,100,10,",
            f"{dup},重复,3973,2015-01-01,100,10,",
            f"{new_uscc()},将来,3973,2031-01-01,100,10,",
            f"{new_uscc()},不存在的日期,3973,2023-02-30,100,10,",
            f"{new_uscc()},负资本,3973,2015-01-01,-5,10,",
            f"{new_uscc()},倒置,3973,2015-01-01,100,10,high_tech@2024-01-01..2023-01-01",
            f"{new_uscc()},未知标签,3973,2015-01-01,100,10,famous",
            f"{new_uscc()},,3973,2015-01-01,100,10,",
            f"{new_uscc()},人数,3973,2015-01-01,100,1.5,",
        ]
        error = rejected(session, csv_bytes(*rows))
        by_row = {(e.row, e.column): e for e in error.errors}
        assert "check digit should be" in by_row[(3, "uscc")].reason_en
        assert "unknown industry code" in by_row[(4, "industry_code")].reason_en
        assert by_row[(5, "uscc")].reason_en == "duplicates the credit code of row 4"
        assert "future" in by_row[(6, "established")].reason_en
        assert "no such date" in by_row[(7, "established")].reason_en
        assert by_row[(8, "registered_capital")].reason_en == "must not be negative"
        assert "before it starts" in by_row[(9, "labels")].reason_en
        assert "unknown label 'famous'" in by_row[(10, "labels")].reason_en
        assert by_row[(11, "name")].reason_en == "required value is empty"
        assert by_row[(12, "employees")].reason_en == "must be a whole number"
        assert 2 not in {e.row for e in error.errors}
        assert error.details[0]["row"] == 3

    def test_firm_already_present_without_upsert(self, session):
        firm = make_firm(session)
        error = rejected(session, csv_bytes(f"{firm.uscc},同一家,3973,,,,"))
        assert "--upsert" in error.errors[0].reason_en

    def test_code_stored_as_number_in_excel(self, session):
        data = xlsx_bytes(
            [HEADER.split(","), [914403001922038216, "华为", "3921", None, None, None, None]]
        )
        error = rejected(session, data, "firms.xlsx")
        assert "number" in error.errors[0].reason_en

    def test_section_only_industry_and_section_mismatch(self, session):
        error = rejected(session, csv_bytes(f"{new_uscc()},甲,C,,,,", f"{new_uscc()},乙,A3973,,,,"))
        assert "only a section" in error.errors[0].reason_en
        assert "C" in error.errors[1].reason_en

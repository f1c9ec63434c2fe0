"""Importing 12345 exports: canonical and Chinese headers, every bad cell named, all or nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
import xlsxwriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories.service import DESK, desk_setup
from yuanqu.core import audit
from yuanqu.core.tabular import ImportRejected
from yuanqu.service.importer import import_requests
from yuanqu.service.models import ServiceRequest

CANONICAL = (
    "ticket_no,received_at,channel,uscc,type,urgency,content,unit,signed_at,first_contact_at,"
    "closed_at,solved,satisfaction"
)
NOW = datetime(2024, 12, 31, 12, 0)


@pytest.fixture
def desk(session: Session):
    return desk_setup(session)


def csv(*lines: str, header: str = CANONICAL) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode("utf-8")


def count(session: Session) -> int:
    return session.scalar(select(func.count(ServiceRequest.id))) or 0


def test_canonical_file_gives_each_row_its_state(session, desk):
    uscc = desk["own"].uscc
    data = csv(
        f"T1,2024-09-30T10:00,12345,{uscc},审批许可,一般,施工许可咨询,,,,,,",
        f"T2,2024-09-30 10:05,hotline,{uscc},policy,urgent,政策咨询,ic,,,,,",
        f"T3,2024-09-30T10:10,服务港,{uscc},融资金融,复杂,贷款贴息,ic,2024-09-30T11:00,,,,",
        f"T4,2024-02-08T09:30,portal,{uscc},land_space,general,厂房扩租,planning,"
        "2024-02-08T10:00,2024-02-09T09:00,2024-02-26T17:00,否,不满意",
    )
    result = import_requests(session, actor=DESK, source=data, filename="12345.csv", now=NOW)
    assert result.created == 4
    assert result.by_status == {"received": 1, "dispatched": 1, "in_progress": 1, "followed_up": 1}
    t4 = session.scalar(select(ServiceRequest).where(ServiceRequest.ticket_no == "T4"))
    assert t4.due_at == datetime(2024, 2, 23, 23, 59, 59)  # closed on the 26th: late
    assert (t4.solved, t4.satisfaction, t4.task_force) == (False, "unsatisfied", "ic")
    t2 = session.scalar(select(ServiceRequest).where(ServiceRequest.ticket_no == "T2"))
    assert t2.due_at == datetime(2024, 9, 30, 12, 5) and t2.owner_unit == "ic"
    assert audit.verify_chain(session).intact


def test_chinese_headers_and_an_xlsx(session, desk, tmp_path):
    path = tmp_path / "12345导出.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(
        0,
        0,
        [
            "工单编号",
            "受理时间",
            "渠道",
            "统一社会信用代码",
            "诉求类型",
            "紧急程度",
            "诉求内容",
            "承办单位",
            "办结时间",
            "是否解决",
            "满意度",
        ],
    )
    sheet.write_row(
        1,
        0,
        [
            "GD-1",
            "2024-09-30 10:00",
            "12345企业服务热线",
            desk["own"].uscc,
            "人才住房",
            "一般",
            "人才公寓申请",
            "人才工作局",
            "2024-10-08 16:00",
            "是",
            "满意",
        ],
    )
    book.close()
    result = import_requests(session, actor=DESK, source=path, now=NOW)
    req = session.scalar(select(ServiceRequest).where(ServiceRequest.ticket_no == "GD-1"))
    assert result.created == 1 and req.owner_unit == "talent" and req.status == "followed_up"
    assert req.signed_at == datetime(2024, 10, 8, 16, 0)  # closed without a signature time


def test_bad_rows_are_all_named_and_nothing_is_written(session, desk):
    uscc = desk["own"].uscc
    before = count(session)
    data = csv(
        f"B1,2024-09-30T10:00,12345,{uscc},审批许可,一般,好的一行,,,,,,",
        f"B2,2024-09-30,12345,{uscc},审批许可,一般,只有日期,,,,,,",
        f"B3,2024-09-30T10:00,飞鸽,{uscc},风水,极急,坏词,,,,,,",
        f"B1,2024-09-30T10:00,12345,{uscc[:-1]}I,policy,general,重复且代码错,,,,,,",
        f"B5,2024-09-30T10:00,12345,{uscc},policy,general,签收早于受理,ic,2024-09-29T10:00,,,,",
        f"B6,2024-09-30T10:00,12345,{uscc},policy,general,无单位办结,,,,2024-10-01T10:00,是,满意",
        f"B7,2024-09-30T10:00,12345,{uscc},policy,general,未办结有评价,外星局,,,,,满意",
        f"B8,2025-09-30T10:00,12345,{uscc},policy,general,将来,,,,,,",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_requests(session, actor=DESK, source=data, filename="bad.csv", now=NOW)
    found = {(e.row, e.column) for e in rejected.value.errors}
    assert {
        (3, "received_at"),
        (4, "channel"),
        (4, "type"),
        (4, "urgency"),
        (5, "ticket_no"),
        (5, "uscc"),
        (6, "signed_at"),
        (7, "unit"),
        (8, "unit"),
        (8, "satisfaction"),
        (8, "solved"),
        (9, "received_at"),
    } <= found
    assert (2, "ticket_no") not in found
    reasons = {e.row: e.reason_zh for e in rejected.value.errors if e.column == "ticket_no"}
    assert "第 2 行" in reasons[5]
    assert count(session) == before


def test_a_ticket_already_in_the_database_is_refused(session, desk):
    row = f"D1,2024-09-30T10:00,12345,{desk['own'].uscc},policy,general,咨询,,,,,,"
    import_requests(session, actor=DESK, source=csv(row), filename="a.csv", now=NOW)
    with pytest.raises(ImportRejected) as rejected:
        import_requests(session, actor=DESK, source=csv(row), filename="b.csv", now=NOW)
    assert [(e.row, e.column) for e in rejected.value.errors] == [(2, "ticket_no")]


def test_missing_and_unknown_columns_are_row_one(session, desk):
    data = b"ticket_no,received_at,colour\nX,2024-09-30T10:00,red\n"
    with pytest.raises(ImportRejected) as rejected:
        import_requests(session, actor=DESK, source=data, filename="c.csv", now=NOW)
    assert {e.row for e in rejected.value.errors} == {1}
    assert {"colour", "channel", "uscc", "content"} <= {e.column for e in rejected.value.errors}

"""Builders for space and agreement test data: units and parcels written through the importers."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.space.importer import SpaceImportKind, import_space

UNIT_HEAD = [
    "园区编号",
    "园区名称",
    "运营主体",
    "片区",
    "楼栋编号",
    "楼栋名称",
    "载体类型",
    "楼层数",
    "交付日期",
    "单元编号",
    "所在楼层",
    "建筑面积(平方米)",
    "层高(米)",
    "楼面荷载(吨/平方米)",
    "用途",
    "租金(元/平方米/天)",
    "状态",
]


def csv_bytes(head: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def unit_row(
    unit: str,
    area: int,
    *,
    park: str = "JH3",
    building: str = "JH3-1",
    sub_area: str = "核心区",
    kind: str = "标准厂房",
    height: str = "8",
    load: str = "1.5",
    use: str = "生产",
    status: str = "空置",
    floor: int = 1,
    delivered: str = "2024-06-30",
) -> list[Any]:
    return [
        park,
        f"园区{park}",
        "经开区开发公司",
        sub_area,
        building,
        f"{building}号楼",
        kind,
        4,
        delivered,
        unit,
        floor,
        area,
        height,
        load,
        use,
        "1.8",
        status,
    ]


def add_units(session: Session, rows: list[list[Any]]) -> None:
    import_space(
        session,
        source=csv_bytes(UNIT_HEAD, rows),
        filename="units.csv",
        kind=SpaceImportKind.units,
        actor="test",
    )


PARCEL_HEAD = [
    "地块编号",
    "片区",
    "用地面积(平方米)",
    "用地性质",
    "出让日期",
    "出让价款(万元)",
    "统一社会信用代码",
    "项目编号",
]


def add_parcels(session: Session, rows: list[list[Any]]) -> None:
    import_space(
        session,
        source=csv_bytes(PARCEL_HEAD, rows),
        filename="parcels.csv",
        kind=SpaceImportKind.parcels,
        actor="test",
    )

"""The space files, column by column: headers accepted (English or Chinese, units in the header)
and how each cell is read. Shared by :mod:`yuanqu.space.importer` and the agreements import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from yuanqu.core.tabular import CellError, Column, parse_date_cell, parse_text
from yuanqu.core.uscc import normalize_uscc
from yuanqu.space.models import (
    BUILDING_KIND_NAMES,
    LAND_USE_NAMES,
    UNIT_STATUS_NAMES,
    UNIT_USE_NAMES,
)

CHUNK = 500
EARLIEST = date(1980, 1, 1)
LATEST = date(2100, 12, 31)

PARCEL_COLUMNS = (
    Column("number", ("地块编号", "宗地编号"), required=True),
    Column("sub_area", ("片区",), required=True),
    Column(
        "area_sqm", ("用地面积(平方米)", "用地面积(m²)", "面积(平方米)", "area(m2)"), required=True
    ),
    Column("land_use", ("用地性质", "土地用途"), required=True),
    Column("granted_on", ("出让日期", "供地日期")),
    Column("price", ("出让价款(元)", "出让价款"), unit_aliases={"出让价款(万元)": 10_000}),
    Column("uscc", ("统一社会信用代码", "信用代码", "土地使用权人信用代码")),
    Column("project_code", ("项目编号",)),
)

UNIT_COLUMNS = (
    Column("park_code", ("园区编号",), required=True),
    Column("park_name", ("园区名称", "园区"), required=True),
    Column("owner", ("运营主体", "产权单位"), required=True),
    Column("sub_area", ("片区",), required=True),
    Column("quarter", ("街区", "主题街区")),
    Column("building_code", ("楼栋编号",), required=True),
    Column("building_name", ("楼栋名称", "楼栋"), required=True),
    Column("building_kind", ("载体类型", "楼宇类型"), required=True),
    Column("address", ("地址",)),
    Column("floors", ("楼层数", "层数"), required=True),
    Column("delivered_on", ("交付日期", "竣工交付日期")),
    Column("unit_code", ("单元编号", "房号"), required=True),
    Column("floor", ("所在楼层", "楼层"), required=True),
    Column(
        "area_sqm", ("建筑面积(平方米)", "建筑面积(m²)", "面积(平方米)", "area(m2)"), required=True
    ),
    Column("height_m", ("层高(米)", "层高(m)", "height(m)"), required=True),
    Column("load_t", ("楼面荷载(吨/平方米)", "荷载(t/m²)", "load(t/m2)"), required=True),
    Column("power_kva", ("配电容量(kVA)", "电力(kVA)")),
    Column("use", ("用途",), required=True),
    Column("rent", ("租金(元/平方米/天)", "租金(元/m²/天)", "rent(yuan/m2/day)")),
    Column("sale_price", ("售价(元/平方米)", "售价(元/m²)", "sale_price(yuan/m2)")),
    Column("status", ("状态", "使用状态"), required=True),
)

OCCUPANCY_COLUMNS = (
    Column("building_code", ("楼栋编号",), required=True),
    Column("unit_code", ("单元编号", "房号"), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码", "入驻企业信用代码"), required=True),
    Column("kind", ("使用方式", "方式"), required=True),
    Column("start_on", ("起始日期", "入驻日期"), required=True),
    Column("end_on", ("终止日期", "退租日期")),
    Column("rent", ("租金(元/平方米/天)", "租金(元/m²/天)", "rent(yuan/m2/day)")),
    Column("project_code", ("项目编号",)),
)


def choice(names: dict[str, tuple[str, str]], what_zh: str, what_en: str) -> Callable[[Any], str]:
    """A parser of a word from a fixed list: its key, its Chinese or its English name."""
    lookup = {k: k for k in names}
    for key, (zh, en) in names.items():
        lookup[zh] = key
        lookup[en.lower()] = key

    def parse(value: Any) -> str:
        text = str(value).strip()
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            known = "、".join(zh for zh, _en in names.values())
            raise CellError(
                f"未知的{what_zh}“{text[:40]}”（可用：{known}）",
                f"unknown {what_en} '{text[:40]}' (known: {', '.join(names)})",
            )
        return found

    return parse


parse_land_use = choice(LAND_USE_NAMES, "用地性质", "land use")
parse_building_kind = choice(BUILDING_KIND_NAMES, "载体类型", "building kind")
parse_unit_use = choice(UNIT_USE_NAMES, "用途", "use")
parse_unit_status = choice(UNIT_STATUS_NAMES, "状态", "status")
OCCUPANCY_KINDS = {k: UNIT_STATUS_NAMES[k] for k in ("let", "sold", "self_used")}
parse_occupancy_kind = choice(OCCUPANCY_KINDS, "使用方式", "occupancy kind")


def parse_uscc(value: Any) -> str:
    code = normalize_uscc(str(value))
    if len(code) != 18:
        raise CellError("信用代码应为18位", "a credit code has 18 characters")
    return code


def parse_date(value: Any) -> date:
    return parse_date_cell(value, earliest=EARLIEST, latest=LATEST)


def parse_code(value: Any) -> str:
    return parse_text(value, max_length=40)


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字", "must be a number")
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("应为数字", "must be a number") from None
    if not number.is_finite():
        raise CellError("应为数字", "must be a number")
    return number


def scaled(factor: int, *, positive: bool = True, what: str = "") -> Callable[[Any], int]:
    """A number times ``factor`` as an exact integer (m → cm: 100; t/m² → kg/m²: 1000)."""

    def parse(value: Any) -> int:
        number = parse_decimal(value) * factor
        if number != number.to_integral_value():
            raise CellError("小数位过多", "too many decimals")
        if number < 0 or (positive and number == 0):
            raise CellError("应大于零", "must be positive")
        if number >= 2**31:
            raise CellError("数值过大", "too large")
        return int(number)

    return parse


parse_area = scaled(1)
parse_height = scaled(100)
parse_load = scaled(1000)
parse_rent = scaled(100, positive=False)  # 元/m²/天 → fen
parse_count = scaled(1)

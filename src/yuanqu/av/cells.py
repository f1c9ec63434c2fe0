"""The cells and columns of the test zone's imports: header names (English, Chinese and the
California DMV's) and typed parsers with bilingual reasons."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from yuanqu.av.models import (
    INITIATOR_NAMES,
    MODE_NAMES,
    ROAD_TYPE_NAMES,
    Initiator,
    Mode,
    RoadType,
)
from yuanqu.core.tabular import CellError, Column, parse_date_cell

# --- columns -------------------------------------------------------------------------------------

PERMIT_COLUMN = Column("permit_no", ("牌照编号", "测试牌照编号", "permit number", "permit"), True)
VIN_COLUMN = Column("vin", ("车辆识别代号", "车架号", "VIN NUMBER", "VIN号"), True)
MANUFACTURER_COLUMN = Column("manufacturer", ("Manufacturer", "测试主体"))

MILEAGE_COLUMNS = (
    PERMIT_COLUMN,
    VIN_COLUMN,
    Column("month", ("月份", "统计月份"), True),
    Column("mode", ("测试模式", "模式"), True),
    Column(
        "km",
        ("里程", "测试里程", "kilometres"),
        True,
        unit_aliases={"里程(公里)": 1, "测试里程(公里)": 1, "km(公里)": 1},
    ),
    Column("hours", ("测试时长", "时长"), unit_aliases={"测试时长(小时)": 1, "时长(小时)": 1}),
)

_DMV_INITIATOR = "DISENGAGEMENT INITIATED BY(AV System, Test Driver, Remote Operator, or Passenger)"
_DMV_LOCATION = (
    "DISENGAGEMENT LOCATION(Interstate, Freeway, Highway, Rural Road, Street, or Parking Facility)"
)
DISENGAGEMENT_COLUMNS = (
    PERMIT_COLUMN,
    VIN_COLUMN,
    MANUFACTURER_COLUMN,
    Column("date", ("日期", "脱离日期", "DATE"), True),
    Column(
        "initiated_by", ("发起方", "脱离发起方", "DISENGAGEMENT INITIATED BY", _DMV_INITIATOR), True
    ),
    Column("road_type", ("道路类型", "DISENGAGEMENT LOCATION", _DMV_LOCATION), True),
    Column("description", ("描述", "情况说明", "DESCRIPTION OF FACTS CAUSING DISENGAGEMENT")),
    # The DMV's two yes/no columns: read as they are, not kept (the mode lives in the mileage).
    Column(
        "capable_without_driver",
        (
            "VEHICLE IS CAPABLE OF OPERATING WITHOUT A DRIVER",
            "VEHICLE IS CAPABLE OF OPERATING WITHOUT A DRIVER(Yes or No)",
        ),
    ),
    Column("driver_present", ("DRIVER PRESENT", "DRIVER PRESENT(Yes or No)")),
)

# --- cells ---------------------------------------------------------------------------------------


def _words(names: dict[str, tuple[str, str]], extra: dict[str, str]) -> dict[str, str]:
    lookup = {key.lower(): key for key in names}
    for key, (zh, en) in names.items():
        lookup[zh.lower()] = key
        lookup[en.lower()] = key
    lookup.update({k.lower(): v for k, v in extra.items()})
    return lookup


_MODES = _words(MODE_NAMES, {"安全员": Mode.safety_driver, "无人": Mode.driverless})
_INITIATORS = _words(
    INITIATOR_NAMES,
    {
        "av system": Initiator.system,
        "自动驾驶系统": Initiator.system,
        "test driver": Initiator.driver,
        "safety driver": Initiator.driver,
        "driver": Initiator.driver,
        "安全员": Initiator.driver,
        "remote operator": Initiator.remote,
        "远程安全员": Initiator.remote,
    },
)
_ROAD_TYPES = _words(
    ROAD_TYPE_NAMES,
    {
        "street": RoadType.urban,
        "城市": RoadType.urban,
        "interstate": RoadType.highway,
        "freeway": RoadType.expressway,
        "rural road": RoadType.rural,
        "parking facility": RoadType.parking,
        "高速": RoadType.highway,
    },
)


def _choice(lookup: dict[str, str], names: dict[str, tuple[str, str]]) -> Callable[[Any], str]:
    allowed_zh = "、".join(zh for zh, _en in names.values())
    allowed_en = ", ".join(en for _zh, en in names.values())

    def parse(value: Any) -> str:
        found = lookup.get(str(value).strip().lower())
        if found is None:
            raise CellError(f"应为以下之一：{allowed_zh}", f"must be one of: {allowed_en}")
        return str(found)

    return parse


parse_mode = _choice(_MODES, MODE_NAMES)
parse_initiator = _choice(_INITIATORS, INITIATOR_NAMES)
parse_road_type = _choice(_ROAD_TYPES, ROAD_TYPE_NAMES)


def parse_vin_cell(value: Any) -> str:
    vin = str(value).strip().upper()
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise CellError(
            "车辆识别代号应为 17 位字母和数字（不含 I、O、Q）",
            "a VIN is 17 letters and digits (no I, O or Q)",
        )
    return vin


def parse_month(value: Any, *, latest: date) -> str:
    if isinstance(value, datetime | date):
        text = f"{value.year:04d}-{value.month:02d}"
    else:
        raw = str(value).strip()
        match = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?", raw)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise CellError("月份格式应为 YYYY-MM", "a month is written YYYY-MM")
        text = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    if text > f"{latest.year:04d}-{latest.month:02d}":
        raise CellError(f"月份 {text} 在将来", f"month {text} is in the future")
    if text < "2010-01":
        raise CellError(f"月份 {text} 早于 2010 年，不合理", f"month {text} is before 2010")
    return text


def parse_distance(value: Any, *, factor: int = 1) -> float:
    if isinstance(value, bool):
        raise CellError("应为数字", "must be a number")
    try:
        number = (
            float(str(value).strip().replace(",", ""))
            if not isinstance(value, int | float)
            else float(value)
        )
    except ValueError:
        raise CellError("应为数字", "must be a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError("应为数字", "must be a number")
    if number < 0:
        raise CellError("不能为负数", "must not be negative")
    if number > 100_000:
        raise CellError("一辆车一个月超过 10 万，不合理", "over 100,000 for one vehicle in a month")
    return number * factor


def parse_day(value: Any, *, latest: date) -> date:
    """An ISO date, or the DMV's MM/DD/YYYY."""
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
        if match:
            month, day, year = (int(g) for g in match.groups())
            try:
                value = date(year, month, day)
            except ValueError:
                raise CellError(f"日期不存在：{value}", f"no such date: {value}") from None
    return parse_date_cell(value, earliest=date(2010, 1, 1), latest=latest)

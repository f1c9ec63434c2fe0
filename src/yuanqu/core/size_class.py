"""The statistical enterprise size class (统计上大中小微型企业划分办法(2017)), by industry."""

from __future__ import annotations

from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import Industry, industry_catalog

# ---------------------------------------------------------------------------------------------
# Enterprise size class (统计上大中小微型企业划分办法(2017))
# ---------------------------------------------------------------------------------------------

SIZE_CLASS_NAMES: dict[str, tuple[str, str]] = {
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}

_WAN = 10_000  # the standard states money in 万元 (10,000 yuan)

# sector -> {indicator: (large, medium, small) lower bounds}; money bounds in yuan.
_SIZE_BOUNDS: dict[str, dict[str, tuple[int, int, int]]] = {
    "agriculture": {"revenue": (20000 * _WAN, 500 * _WAN, 50 * _WAN)},
    "industry": {"employees": (1000, 300, 20), "revenue": (40000 * _WAN, 2000 * _WAN, 300 * _WAN)},
    "construction": {
        "revenue": (80000 * _WAN, 6000 * _WAN, 300 * _WAN),
        "assets": (80000 * _WAN, 5000 * _WAN, 300 * _WAN),
    },
    "wholesale": {"employees": (200, 20, 5), "revenue": (40000 * _WAN, 5000 * _WAN, 1000 * _WAN)},
    "retail": {"employees": (300, 50, 10), "revenue": (20000 * _WAN, 500 * _WAN, 100 * _WAN)},
    "transport": {
        "employees": (1000, 300, 20),
        "revenue": (30000 * _WAN, 3000 * _WAN, 200 * _WAN),
    },
    "warehousing": {
        "employees": (200, 100, 20),
        "revenue": (30000 * _WAN, 1000 * _WAN, 100 * _WAN),
    },
    "postal": {"employees": (1000, 300, 20), "revenue": (30000 * _WAN, 2000 * _WAN, 100 * _WAN)},
    "accommodation": {
        "employees": (300, 100, 10),
        "revenue": (10000 * _WAN, 2000 * _WAN, 100 * _WAN),
    },
    "catering": {"employees": (300, 100, 10), "revenue": (10000 * _WAN, 2000 * _WAN, 100 * _WAN)},
    "information_transmission": {
        "employees": (2000, 100, 10),
        "revenue": (100000 * _WAN, 1000 * _WAN, 100 * _WAN),
    },
    "software": {"employees": (300, 100, 10), "revenue": (10000 * _WAN, 1000 * _WAN, 50 * _WAN)},
    "real_estate_development": {
        "revenue": (200000 * _WAN, 1000 * _WAN, 100 * _WAN),
        "assets": (10000 * _WAN, 5000 * _WAN, 2000 * _WAN),
    },
    "property_management": {
        "employees": (1000, 300, 100),
        "revenue": (5000 * _WAN, 1000 * _WAN, 500 * _WAN),
    },
    "leasing_business": {
        "employees": (300, 100, 10),
        "assets": (120000 * _WAN, 8000 * _WAN, 100 * _WAN),
    },
    "other": {"employees": (300, 100, 10)},
}

_SECTOR_BY_DIVISION = {
    "51": "wholesale",
    "52": "retail",
    **dict.fromkeys(("53", "54", "55", "56", "57", "58"), "transport"),
    "59": "warehousing",
    "60": "postal",
    "61": "accommodation",
    "62": "catering",
    "63": "information_transmission",
    "64": "information_transmission",
    "65": "software",
    "71": "leasing_business",
    "72": "leasing_business",
}


def _size_sector(item: Industry) -> str:
    """The standard's industry row for a class (or a node whose classes all share one row)."""
    # The standard moves the support activities (05, 11) and repair (43) out of agriculture and
    # industry into 其他未列明行业.
    if item.division in {"05", "11", "43"}:
        return "other"
    if item.section == "A":
        return "agriculture"
    if item.section in {"B", "C", "D"}:
        return "industry"
    if item.section == "E":
        return "construction"
    if item.group == "701":
        return "real_estate_development"
    if item.group == "702":
        return "property_management"
    return _SECTOR_BY_DIVISION.get(item.division or "", "other")


def size_class(
    industry_code: str,
    *,
    employees: int | None,
    revenue_yuan: int | float | None,
    total_assets_yuan: int | float | None = None,
) -> str | None:
    """The statistical size class ('large', 'medium', 'small', 'micro') of an enterprise.

    Implements the table of 统计上大中小微型企业划分办法(2017) (NBS, 国统字〔2017〕213号) for
    every row: 农林牧渔业 (revenue), 工业 (B, C, D without 11 and 43; employees and revenue),
    建筑业 (revenue and total assets), 批发业, 零售业, 交通运输业 (53-58), 仓储业 (59),
    邮政业 (60), 住宿业, 餐饮业, 信息传输业 (63, 64), 软件和信息技术服务业 (65),
    房地产开发经营 (701; revenue and total assets), 物业管理 (702), 租赁和商务服务业 (71, 72;
    employees and total assets) and 其他未列明行业 (employees only). Large, medium and small
    require every listed indicator to reach the band's lower bound ("须同时满足", otherwise one
    band lower); micro needs only one indicator below the small bounds. Bounds are inclusive.
    A code coarser than a class is accepted when all its classes fall in one row. Returns None
    when an indicator the industry's row uses is missing. Employees is 从业人员
    (average headcount), revenue 营业收入 and assets 资产总额, both in yuan.
    """
    catalog = industry_catalog()
    item = catalog.get(industry_code)
    if item.level == 4:
        sector = _size_sector(item)
    else:
        sectors = {_size_sector(catalog.get(c)) for c in catalog.classes_under(item.code)}
        if len(sectors) != 1:
            raise ValidationError(
                f"行业代码 '{item.code}' 跨越多个规模划分行业，请给出更细的代码",
                f"industry code '{item.code}' spans several size-class industries, "
                "give a finer code",
                details={"code": industry_code},
            )
        sector = sectors.pop()
    inputs = {"employees": employees, "revenue": revenue_yuan, "assets": total_assets_yuan}
    bounds = _SIZE_BOUNDS[sector]
    measured: dict[str, int | float] = {}
    for indicator in bounds:
        value = inputs[indicator]
        if value is None:
            return None
        measured[indicator] = value
    for band, name in enumerate(("large", "medium", "small")):
        if all(measured[indicator] >= limits[band] for indicator, limits in bounds.items()):
            return name
    return "micro"

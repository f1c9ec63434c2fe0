"""Builders for chains test data: a small hand-made zone on the integrated-circuits chain."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tests.factories.registry import make_firm
from yuanqu.registry.models import Enterprise

AS_OF = date(2023, 12, 31)
CURRENT = (date(2022, 1, 1), date(2024, 12, 31))
LAPSED = (date(2019, 1, 1), date(2021, 12, 31))


def make_ic_zone(session: Session) -> dict[str, Enterprise]:
    """Three designers (two of them high-tech on AS_OF), a listed fab, a packager, a materials firm
    and a trading firm; EDA/IP and equipment are left empty on purpose."""
    return {
        "designer_big": make_firm(
            session,
            name="北京芯一设计有限公司",
            industry_code="6520",
            employees=100,
            labels=[("high_tech", *CURRENT)],
        ),
        "designer_a": make_firm(
            session,
            name="北京芯二科技有限公司",
            industry_code="6520",
            employees=50,
            labels=[("high_tech", *CURRENT)],
        ),
        "designer_b": make_firm(
            session,
            name="北京芯三科技有限公司",
            industry_code="6520",
            employees=50,
            labels=[("high_tech", *LAPSED)],
        ),
        "fab": make_firm(
            session,
            name="北京晶圆制造有限公司",
            industry_code="3973",
            employees=1000,
            labels=[("listed", date(2020, 7, 16), None)],
        ),
        "packager": make_firm(
            session,
            name="北京封测有限公司",
            industry_code="3973",
            employees=300,
            business_scope="集成电路封装测试",
        ),
        "materials": make_firm(session, name="北京电子材料有限公司", industry_code="3985"),
        "trader": make_firm(session, name="北京商贸有限公司", industry_code="5179"),
    }

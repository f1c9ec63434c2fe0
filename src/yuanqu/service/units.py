"""The desk's units (承办单位) and who works for them.

The list is data (``data/service/units.yaml``) synced into ``service_units``; the registry's task
forces join it as units under their own codes. A task-force member works for the units of its task
forces; any other staff account works for the units it is a member of (``service_unit_members``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import txcache
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import ValidationError
from yuanqu.data import read_text
from yuanqu.service.models import ServiceUnit, ServiceUnitMember, UnitKind

_UNITS = "yuanqu.service.units"


@cache
def shipped_units() -> tuple[dict[str, Any], ...]:
    """The units listed in ``data/service/units.yaml``."""
    data = yaml.safe_load(read_text("service/units.yaml")) or {}
    units = []
    for position, item in enumerate(data.get("units") or [], start=1):
        if item.get("kind") not in {k.value for k in UnitKind}:
            raise ValidationError(
                f"units.yaml 第 {position} 个单位的类型 {item.get('kind')!r} 无效",
                f"units.yaml unit {position}: kind {item.get('kind')!r} is not valid",
            )
        units.append({**item, "position": position})
    return tuple(units)


def sync_units(session: Session) -> int:
    """Write the shipped units and the registry's task forces; returns how many there are."""
    from yuanqu.registry.service import list_task_forces

    wanted = [
        {
            "code": u["code"],
            "name_zh": u["zh"],
            "name_en": u["en"],
            "kind": u["kind"],
            "head": u.get("head"),
            "position": u["position"],
        }
        for u in shipped_units()
    ]
    for offset, force in enumerate(list_task_forces(session), start=100):
        wanted.append(
            {
                "code": force.code,
                "name_zh": force.name_zh,
                "name_en": force.name_en,
                "kind": UnitKind.task_force.value,
                "head": f"{force.name_zh}负责人",
                "position": offset,
            }
        )
    existing = {u.code: u for u in session.scalars(select(ServiceUnit))}
    for values in wanted:
        unit = existing.get(values["code"])
        if unit is None:
            session.add(ServiceUnit(active=True, **values))
        else:
            for key, value in values.items():
                setattr(unit, key, value)
    session.flush()  # requests written next refer to the units
    txcache.forget(session, _UNITS)
    return len(wanted)


def all_units(session: Session) -> dict[str, ServiceUnit]:
    """Every unit by code, read once per unit of work."""
    kept = txcache.get(session, _UNITS)
    if kept is not None:
        return kept
    units = {
        u.code: u
        for u in session.scalars(
            select(ServiceUnit).order_by(ServiceUnit.position, ServiceUnit.code)
        )
    }
    txcache.put(session, _UNITS, units)
    return units


def unit_name(session: Session, code: str | None, lang: str = "zh") -> str:
    if code is None:
        return "—"
    unit = all_units(session).get(code)
    return unit.name(lang) if unit else code


def get_unit(session: Session, code: str) -> ServiceUnit:
    unit = all_units(session).get(code)
    if unit is None or not unit.active:
        raise ValidationError(
            f"没有代码为 {code} 的承办单位",
            f"no unit with code {code}",
            details={"field": "unit", "value": code},
        )
    return unit


def find_unit(session: Session, text: str) -> str:
    """A unit by its code or its Chinese or English name."""
    wanted = text.strip()
    for unit in all_units(session).values():
        if wanted in (unit.code, unit.name_zh, unit.name_en):
            return unit.code
    raise ValidationError(
        f"没有名为“{wanted}”的承办单位",
        f"no unit named {wanted!r}",
        details={"field": "unit", "value": wanted},
    )


def add_member(session: Session, *, unit: str, username: str, is_head: bool = False) -> None:
    get_unit(session, unit)
    found = session.scalar(
        select(ServiceUnitMember).where(
            ServiceUnitMember.unit_code == unit, ServiceUnitMember.username == username
        )
    )
    if found is None:
        session.add(ServiceUnitMember(unit_code=unit, username=username, is_head=is_head))
    else:
        found.is_head = is_head
    session.flush()  # the next scope check reads it


def units_of(session: Session, principal: Principal) -> frozenset[str]:
    """The units this account works for."""
    if principal.role == Role.enterprise:
        return frozenset()
    codes = set(
        session.scalars(
            select(ServiceUnitMember.unit_code).where(
                ServiceUnitMember.username == principal.username
            )
        )
    )
    if principal.role == Role.task_force:
        codes.update(principal.task_forces)
    return frozenset(codes)


def head_of(session: Session, code: str) -> str:
    """Whom a late request of the unit goes to: a member marked head, else the unit's title."""
    head = session.scalar(
        select(ServiceUnitMember.username)
        .where(ServiceUnitMember.unit_code == code, ServiceUnitMember.is_head.is_(True))
        .order_by(ServiceUnitMember.username)
        .limit(1)
    )
    return head or get_unit(session, code).head or code

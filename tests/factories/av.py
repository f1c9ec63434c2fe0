"""Builders for the test zone: a vehicle of a registry firm, its road-test record."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tests.factories.registry import make_firm
from yuanqu.av import service
from yuanqu.av.models import AvMileage, AvVehicle

_serials = itertools.count(1)
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def new_vin() -> str:
    n = next(_serials)
    tail = ""
    for _ in range(8):
        n, digit = divmod(n, len(_VIN_CHARS))
        tail = _VIN_CHARS[digit] + tail
    return "LTESTAV01" + tail


def make_vehicle(session: Session, *, uscc: str | None = None, **overrides: Any) -> AvVehicle:
    """A vehicle insured for 5 million yuan, with a safety driver and a remote operator."""
    if uscc is None:
        uscc = make_firm(session).uscc
    values: dict[str, Any] = {
        "vin": new_vin(),
        "plate": "京A·T0001",
        "model": "测试车型",
        "automation_level": "L4",
        "scenarios": ["robotaxi", "passenger", "patrol"],
        "supervision": "both",
        "cover_fen": 5_000_000_00,
        "on": date(2023, 1, 1),
        "actor": "tester",
    }
    values.update(overrides)
    return service.register_vehicle(session, uscc=uscc, **values)


def drive(
    session: Session,
    vehicle: AvVehicle,
    *,
    month: str,
    km: float,
    mode: str = "safety_driver",
    hours: float | None = None,
) -> None:
    session.add(AvMileage(vehicle_id=vehicle.id, month=month, mode=mode, km=km, hours=hours))
    session.flush()

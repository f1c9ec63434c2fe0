"""Shaping the test zone's data for people: words for keys, page contexts, charts, xlsx.

Every figure a person reads comes from the services; this module only names things in the
reader's language (a stage is 道路测试, never ``road_test``), states units, and lays out exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.av import service
from yuanqu.av.models import (
    INCIDENT_STATUS_NAMES,
    INITIATOR_NAMES,
    MODE_NAMES,
    PERMIT_STATUS_NAMES,
    ROAD_TYPE_NAMES,
    SCENARIO_NAMES,
    STAGE_NAMES,
    SUPERVISION_NAMES,
    name_of,
)
from yuanqu.av.permits import status_key
from yuanqu.av.service import PermitRow, VehicleHistory
from yuanqu.registry.firms import firms_by_code
from yuanqu.web import charts

STAGE_KEYS = tuple(STAGE_NAMES)
WINDOWS = (30, 60, 90)


def status_word(status: str, lang: str) -> str:
    return name_of(PERMIT_STATUS_NAMES, status, lang)


def firm_names(session: Session, usccs: Iterable[str]) -> dict[str, str]:
    return {code: firm.name for code, firm in firms_by_code(session, set(usccs)).items()}


def permit_item(row: PermitRow, lang: str, names: dict[str, str]) -> dict[str, Any]:
    """A permit as JSON and pages show it: words beside keys."""
    return {
        **asdict(row),
        "firm": names.get(row.uscc, row.uscc),
        "stage_name": name_of(STAGE_NAMES, row.stage, lang),
        "scenario_name": name_of(SCENARIO_NAMES, row.scenario, lang) if row.scenario else None,
        "status_name": status_word(row.status, lang),
    }


def permit_cells(item: dict[str, Any], lang: str) -> dict[str, Any]:
    """A permit as a CLI table row: headers in the reader's language."""
    en = lang == "en"
    return {
        ("permit" if en else "牌照编号"): item["permit_no"],
        ("firm" if en else "测试主体"): item["firm"],
        ("VIN" if en else "车辆识别代号"): item["vin"],
        ("stage" if en else "阶段"): item["stage_name"],
        ("status" if en else "状态"): item["status_name"],
        ("valid until" if en else "有效期至"): item["valid_until"],
        ("days left" if en else "剩余天数"): item["days_left"],
    }


def page_note(total: int, page: int, page_size: int, shown: int, lang: str) -> str:
    pages = max((total + page_size - 1) // page_size, 1)
    if lang == "en":
        return f"{total:,} in all · page {page} of {pages} · {shown} shown"
    return f"共 {total:,} 条 · 第 {page}/{pages} 页 · 本页 {shown} 条"


def subject_cells(subject: dict[str, Any], lang: str) -> dict[str, Any]:
    en = lang == "en"
    kpd = subject["km_per_disengagement"]
    return {
        ("firm" if en else "测试主体"): subject["name"],
        ("vehicles" if en else "车辆数"): subject["vehicles"],
        ("km" if en else "里程（公里）"): f"{subject['km']:,.0f}",
        ("disengagements" if en else "脱离次数"): subject["disengagements"],
        ("km per disengagement" if en else "平均脱离间隔（公里/次）"): (
            "—" if kpd is None else f"{kpd:,.1f}"
        ),
    }


def headline(report: dict[str, Any], lang: str) -> str:
    kpd = report["km_per_disengagement"]
    kpd_text = "—" if kpd is None else f"{kpd:,.1f}"
    if lang == "en":
        return (
            f"{report['year']}: {report['test_subjects']} test subjects, {report['vehicles']} "
            f"vehicles, {report['km']:,.0f} km ({report['driverless_km']:,.0f} driverless), "
            f"{report['disengagements']:,} disengagements, {kpd_text} km per disengagement; "
            f"{report['cumulative_km']:,.0f} km since testing began"
        )
    return (
        f"{report['year']} 年：测试主体 {report['test_subjects']} 家，"
        f"车辆 {report['vehicles']} 辆，"
        f"测试里程 {report['km']:,.0f} 公里（无人化 {report['driverless_km']:,.0f} 公里），"
        f"脱离 {report['disengagements']:,} 次，平均 {kpd_text} 公里/次；"
        f"累计测试里程 {report['cumulative_km']:,.0f} 公里"
    )


# --- the report page -----------------------------------------------------------------------------


def _axis_units(option: dict[str, Any], *, value_unit: str, horizontal: bool = False) -> None:
    axis = option["xAxis"] if horizontal else option["yAxis"]
    axis["name"] = value_unit
    if horizontal:  # under the axis, centred: at its end the name runs off a phone's screen
        axis.update(nameLocation="middle", nameGap=26)
        option["grid"]["bottom"] = 32


def report_context(report: dict[str, Any], lang: str) -> dict[str, Any]:
    """Words for every key of the report, and the charts (each value axis states its unit)."""
    en = lang == "en"
    wan_km = "10,000 km" if en else "万公里"
    times = "times" if en else "次"
    months = report["months"]
    trend = charts.lines_and_bars(
        [m["month"] for m in months],
        {
            ("Kilometres" if en else "测试里程"): [round(m["km"] / 10_000, 2) for m in months],
            ("Driverless kilometres" if en else "无人化里程"): [
                round(m["driverless_km"] / 10_000, 2) for m in months
            ],
        },
        {("Disengagements" if en else "脱离次数"): [m["disengagements"] for m in months]},
        line_unit=wan_km,
        bar_unit=times,
    )
    years = report["years"]
    cumulative: list[float] = []
    running = 0.0
    for item in years:  # a running sum of at most a few dozen years, for the chart only
        running += item["km"]
        cumulative.append(round(running / 10_000, 1))
    growth = charts.bar(
        [str(y["year"]) for y in years],
        cumulative,
        name="Cumulative kilometres" if en else "累计测试里程",
        unit=wan_km,
    )
    _axis_units(growth, value_unit=wan_km)
    subjects = [s for s in report["by_subject"] if s["km_per_disengagement"] is not None]
    per_firm = charts.bar(
        [s["name"] for s in subjects],
        [s["km_per_disengagement"] for s in subjects],
        name="Km per disengagement" if en else "平均脱离间隔",
        horizontal=True,
        unit="km per disengagement" if en else "公里/次",
    )
    _axis_units(per_firm, value_unit="km per disengagement" if en else "公里/次", horizontal=True)
    initiators = [
        {**r, "name": name_of(INITIATOR_NAMES, r["initiated_by"], lang)}
        for r in report["by_initiator"]
    ]
    roads = [
        {**r, "name": name_of(ROAD_TYPE_NAMES, r["road_type"], lang)}
        for r in report["by_road_type"]
    ]
    by_initiator = charts.bar(
        [r["name"] for r in initiators],
        [r["disengagements"] for r in initiators],
        name="Disengagements" if en else "脱离次数",
        unit=times,
    )
    _axis_units(by_initiator, value_unit=times)
    return {
        "report": report,
        "stages": [
            {**r, "name": name_of(STAGE_NAMES, r["stage"], lang)} for r in report["by_stage"]
        ],
        "initiators": initiators,
        "road_types": roads,
        "roads": [
            {**r, "name": name_of(ROAD_TYPE_NAMES, r["road_type"], lang)} for r in report["roads"]
        ],
        "trend_chart": trend,
        "growth_chart": growth,
        "firm_chart": per_firm,
        "initiator_chart": by_initiator,
        "firm_chart_height": max(240, 24 * len(subjects) + 60),
    }


# --- a vehicle's history -------------------------------------------------------------------------


def vehicle_context(history: VehicleHistory, firm_name: str, lang: str, today: date) -> dict:
    vehicle = history.vehicle
    by_month: dict[str, dict[str, float]] = {}
    for month, mode, km in history.mileage:  # at most a few hundred rows of one vehicle
        by_month.setdefault(month, {})[mode] = km
    modes = list(MODE_NAMES)
    mileage_chart = charts.lines(
        list(by_month),
        {
            name_of(MODE_NAMES, mode, lang): [
                round(by_month[m].get(mode, 0.0), 1) for m in by_month
            ]
            for mode in modes
        },
        unit="km" if lang == "en" else "公里",
    )
    return {
        "vehicle": vehicle,
        "uscc": history.uscc,
        "firm_name": firm_name,
        "scenarios": [name_of(SCENARIO_NAMES, s, lang) for s in vehicle.scenarios or []],
        "supervision": name_of(SUPERVISION_NAMES, vehicle.supervision, lang),
        "permits": [
            {
                "permit_no": p.permit_no,
                "stage": name_of(STAGE_NAMES, p.stage, lang),
                "scenario": name_of(SCENARIO_NAMES, p.scenario, lang) if p.scenario else "—",
                "status": status_word(status_key(p, today), lang),
                "status_key": status_key(p, today),
                "valid_from": p.valid_from,
                "valid_until": p.valid_until,
                "renewals": p.renewals,
                "reason": p.reason,
            }
            for p in history.permits
        ],
        "events": [
            {
                "at": e.occurred_at,
                "actor": e.actor,
                "action": e.action,
                "permit_no": (e.after or e.before or {}).get("permit_no"),
                "reason": e.reason,
            }
            for e in history.events
        ],
        "months": [
            {
                "month": m,
                "cells": [round(by_month[m].get(mode, 0.0), 1) for mode in modes],
                "total": round(sum(by_month[m].values()), 1),
            }
            for m in by_month
        ],
        "mode_names": [name_of(MODE_NAMES, mode, lang) for mode in modes],
        "km_total": round(sum(km for _m, _mode, km in history.mileage), 1),
        "disengagements": [
            {
                "occurred_on": d.occurred_on,
                "initiated_by": name_of(INITIATOR_NAMES, d.initiated_by, lang),
                "road_type": name_of(ROAD_TYPE_NAMES, d.road_type, lang),
                "description": d.description,
            }
            for d in history.disengagements
        ],
        "disengagements_total": history.disengagements_total,
        "incidents": [
            {
                "id": i.id,
                "occurred_on": i.occurred_on,
                "description": i.description,
                "status": name_of(INCIDENT_STATUS_NAMES, i.status, lang),
                "responsible": i.responsible,
                "finding": i.finding,
            }
            for i in history.incidents
        ],
        "mileage_chart": mileage_chart,
        "policy": history.policy,
    }


def vehicle_json(history: VehicleHistory, lang: str, today: date) -> dict[str, Any]:
    context = vehicle_context(history, "", lang, today)
    vehicle = history.vehicle
    return {
        "vin": vehicle.vin,
        "uscc": history.uscc,
        "plate": vehicle.plate,
        "temporary_plate": vehicle.temporary_plate,
        "model": vehicle.model,
        "notice_no": vehicle.notice_no,
        "automation_level": vehicle.automation_level,
        "scenarios": vehicle.scenarios,
        "supervision": vehicle.supervision,
        "insurer": vehicle.insurer,
        "insurance_policy_no": vehicle.insurance_policy_no,
        "cover_fen": vehicle.cover_fen,
        "permits": context["permits"],
        "events": context["events"],
        "mileage": [{"month": m, "mode": mode, "km": km} for m, mode, km in history.mileage],
        "km_total": context["km_total"],
        "disengagements_total": history.disengagements_total,
        "disengagements": context["disengagements"],
        "incidents": context["incidents"],
        "insurance_policy": None
        if history.policy is None
        else {k: v for k, v in history.policy.items() if k != "enterprise_id"},
    }


def firm_tab(session: Session, *, enterprise_id: int, lang: str) -> dict[str, Any]:
    """A test subject's vehicles (every one, with their kilometres) and permits, for its
    profile tab: a firm holds a few dozen vehicles at most, so the lists are whole."""
    total, vehicles = service.list_vehicles(session, enterprise_id=enterprise_id, page_size=1000)
    km = service.km_by_vehicle(session, [v.id for v in vehicles])
    permit_total, rows = service.list_permits(
        session, today=date.today(), enterprise_id=enterprise_id, page_size=1000
    )
    names = firm_names(session, {r.uscc for r in rows})
    return {
        "vehicles_total": total,
        "vehicles": [
            {
                "vin": v.vin,
                "plate": v.plate,
                "model": v.model,
                "automation_level": v.automation_level,
                "scenarios": [name_of(SCENARIO_NAMES, s, lang) for s in v.scenarios or []],
                "km": round(km.get(v.id, 0.0), 1),
            }
            for v in vehicles
        ],
        "permits_total": permit_total,
        "permits": [permit_item(r, lang, names) for r in rows],
    }


def incident_item(session: Session, incident: Any, lang: str) -> dict[str, Any]:
    vin = service.vehicle_vin(session, vehicle_id=incident.vehicle_id)
    return {
        "id": incident.id,
        "vin": vin,
        "occurred_on": incident.occurred_on,
        "description": incident.description,
        "status": incident.status,
        "status_name": name_of(INCIDENT_STATUS_NAMES, incident.status, lang),
        "responsible": incident.responsible,
        "finding": incident.finding,
    }


def road_item(road: Any, lang: str) -> dict[str, Any]:
    return {
        "code": road.code,
        "name": road.name,
        "road_type": road.road_type,
        "road_type_name": name_of(ROAD_TYPE_NAMES, road.road_type, lang),
        "km": road.km,
        "opened_on": road.opened_on,
        "scenarios": list(road.scenarios or []),
        "scenario_names": [name_of(SCENARIO_NAMES, s, lang) for s in road.scenarios or []],
    }

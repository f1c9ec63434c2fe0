"""The demo's autonomous-driving test zone: 28 test subjects, several hundred vehicles, more than
20 million km by the end of 2023 (growing each year since the zone opened in 2020), the first
unmanned patrol permit, and disengagement rates that differ by firm and fall year by year.

Written in bulk (a few tens of thousands of rows, about a second); the patrol permit alone goes
through the permit workflow, so its prerequisites are checked and its issue is audited. Firms'
names are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yuanqu.av import permits
from yuanqu.av.models import (
    DATASET,
    AvDisengagement,
    AvIncident,
    AvMileage,
    AvPermit,
    AvRoad,
    AvVehicle,
    IncidentStatus,
    PermitStatus,
)
from yuanqu.core.audit import record
from yuanqu.core.db import bump_data_version
from yuanqu.core.uscc import make_usccs
from yuanqu.registry.firms import ensure_firm

#: (name, industry code, vehicles, scenarios, disengagements per 1,000 km in 2020)
SUBJECTS: tuple[tuple[str, str, int, tuple[str, ...], float], ...] = (
    ("京驰智行科技有限公司", "6513", 96, ("robotaxi", "passenger"), 0.08),
    ("亦庄小马智驾科技有限公司", "6513", 72, ("robotaxi", "passenger"), 0.10),
    ("北辰自动驾驶技术有限公司", "6513", 60, ("robotaxi", "bus"), 0.15),
    ("轻舟领航科技有限公司", "6513", 40, ("bus", "passenger"), 0.25),
    ("新曜慧通无人车科技有限公司", "3612", 38, ("patrol", "delivery", "retail"), 0.40),
    ("美途无人配送科技有限公司", "6513", 30, ("delivery",), 0.35),
    ("京东方达物流科技有限公司", "6513", 24, ("delivery", "trunk_logistics"), 0.30),
    ("主线干线物流科技有限公司", "6513", 20, ("trunk_logistics",), 0.20),
    ("智行者清洁科技有限公司", "3612", 18, ("sanitation",), 0.60),
    ("驭势出行科技有限公司", "6513", 18, ("bus", "passenger"), 0.35),
    ("宸安智能网联汽车有限公司", "3670", 16, ("passenger",), 0.70),
    ("星途智驾科技有限公司", "6513", 14, ("robotaxi",), 0.50),
    ("蘑菇路网科技有限公司", "6519", 12, ("bus",), 0.80),
    ("元戎启航科技有限公司", "6513", 12, ("passenger",), 0.45),
    ("千挂干线科技有限公司", "6513", 10, ("trunk_logistics",), 0.55),
    ("酷驰智能驾驶有限公司", "6513", 10, ("robotaxi",), 0.90),
    ("九曜网联科技有限公司", "6519", 9, ("passenger",), 1.10),
    ("白犀零售无人车有限公司", "3612", 9, ("retail", "delivery"), 0.75),
    ("易航智驾科技有限公司", "6513", 8, ("passenger",), 1.20),
    ("图森远达物流科技有限公司", "6513", 8, ("trunk_logistics",), 0.65),
    ("赛目智测科技有限公司", "6519", 7, ("passenger",), 1.40),
    ("宏景智驾科技有限公司", "3670", 7, ("passenger",), 1.00),
    ("万集感知科技有限公司", "3670", 6, ("bus",), 1.30),
    ("云骥出行科技有限公司", "6513", 6, ("robotaxi",), 0.95),
    ("福田智卡科技有限公司", "3612", 6, ("trunk_logistics",), 1.50),
    ("长风智驾科技有限公司", "6513", 5, ("passenger",), 1.60),
    ("金龙智巴科技有限公司", "3612", 5, ("bus",), 1.25),
    ("清研车联科技有限公司", "6519", 5, ("passenger",), 1.80),
)
PATROL_FIRM = "新曜慧通无人车科技有限公司"
#: The day the country's first unmanned patrol permit was granted (in the demo).
PATROL_DAY = date(2021, 10, 28)
#: Kilometres per vehicle-month (all modes), by year: fleets drive more as they mature.
KM_PER_MONTH = {2020: 1150, 2021: 1450, 2022: 1700, 2023: 1900}
#: The share of each mode by year: driverless and passenger testing grow.
MODE_SHARE = {
    2020: {"safety_driver": 0.88, "driverless": 0.02, "passenger": 0.05, "night": 0.05},
    2021: {"safety_driver": 0.78, "driverless": 0.06, "passenger": 0.10, "night": 0.06},
    2022: {"safety_driver": 0.64, "driverless": 0.12, "passenger": 0.16, "night": 0.08},
    2023: {"safety_driver": 0.50, "driverless": 0.20, "passenger": 0.21, "night": 0.09},
}
#: Disengagement rates fall by this factor each year after 2020.
YEARLY_IMPROVEMENT = 0.55
INITIATORS = (("system", 0.46), ("driver", 0.44), ("remote", 0.07), ("passenger", 0.03))
ROADS = (
    ("urban", 0.68),
    ("expressway", 0.16),
    ("highway", 0.05),
    ("parking", 0.08),
    ("rural", 0.03),
)
DESCRIPTIONS = (
    "施工区域车道变窄，规划未能及时绕行",
    "前方车辆加塞，安全员主动接管",
    "感知系统对逆行电动自行车识别延迟",
    "定位信号短时漂移，系统请求接管",
    "路口信号灯识别失败",
    "行人横穿马路，安全员谨慎接管",
    "车辆软件异常告警",
    "雨天传感器被遮挡",
    "远程安全员因道路临时管制介入",
    "乘客要求临时停车",
)
FIRST_MONTH = date(2020, 9, 1)  # the zone opened its roads in September 2020
LAST_MONTH = date(2023, 12, 1)
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class TestZoneSummary:
    subjects: int
    vehicles: int
    km: float
    disengagements: int
    patrol_permit: str


def _months(start: date) -> list[date]:
    months, day = [], date(start.year, start.month, 1)
    while day <= LAST_MONTH:
        months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _vin(serial: int) -> str:
    tail = ""
    for _ in range(8):
        serial, digit = divmod(serial, len(_VIN_CHARS))
        tail = _VIN_CHARS[digit] + tail
    return "LYZAV23D0" + tail


def build_test_zone(session: Session, *, seed: int = 2023) -> TestZoneSummary:
    """Write the demo test zone; the session's owner commits."""
    rng = np.random.default_rng(seed + 22)
    codes = make_usccs(list(range(880_000, 880_000 + len(SUBJECTS))), division="110115")
    firm_ids = [
        ensure_firm(session, uscc=code, name=name, industry_code=industry)
        for code, (name, industry, *_rest) in zip(codes, SUBJECTS, strict=True)
    ]
    vehicles: list[dict] = []
    starts: list[date] = []
    firm_of: list[int] = []
    for firm_index, (_name, _industry, count, scenarios, _rate) in enumerate(SUBJECTS):
        # Fleets grow: a firm's vehicles join month by month from its first in 2020-2021.
        first = 0 if firm_index < 10 else int(rng.integers(0, 4))
        joins = np.sort(rng.integers(first, 36, size=count))
        for join in joins:
            start = _months(FIRST_MONTH)[int(join)]
            patrol = "patrol" in scenarios
            vehicles.append(
                {
                    "enterprise_id": firm_ids[firm_index],
                    "vin": _vin(len(vehicles) + 1 + seed * 1000),
                    "plate": f"京A{len(vehicles) + 1:04d}试",
                    "temporary_plate": True,
                    "model": ("无人巡逻车 X3" if patrol else "L4 测试车型"),
                    "notice_no": None,
                    "automation_level": "L4",
                    "scenarios": list(scenarios),
                    "supervision": "remote_operator" if patrol else "both",
                    "insurer": "示例财产保险股份有限公司",
                    "insurance_policy_no": f"AV{seed}{len(vehicles) + 1:06d}",
                    "cover_fen": int(rng.choice([5_000_000_00, 10_000_000_00])),
                    "registered_on": start,
                }
            )
            starts.append(start)
            firm_of.append(firm_index)
    session.execute(insert(AvVehicle.__table__), vehicles)
    ids = dict(session.execute(select(AvVehicle.vin, AvVehicle.id)).all())
    vehicle_ids = [ids[v["vin"]] for v in vehicles]

    # Permits: a road test from the vehicle's first month, and later stages for some. Each is
    # renewed at its end while the firm keeps testing (a few lapse), so none runs more than 18
    # months past its last renewal and the expiring lists have their rows today.
    today = date.today()
    permit_rows = []
    #: vehicle index -> stage -> the first month its kilometres may be driven in that mode
    allowed: list[dict[str, date]] = []

    def permit(index: int, stage: str, code: str, issued: date) -> None:
        valid_until, renewals = permits.longest_until(issued), 0
        lapses = rng.random() < 0.06
        while valid_until < today and not (lapses and valid_until.year >= 2023):
            valid_until = permits.longest_until(valid_until + timedelta(days=1))
            renewals += 1
        permit_rows.append(
            {
                "permit_no": f"京自驾{code}{issued.year}{index + 1:05d}",
                "vehicle_id": vehicle_ids[index],
                "stage": stage,
                "scenario": None,
                "status": PermitStatus.active,
                "issued_on": issued,
                "valid_from": issued,
                "valid_until": valid_until,
                "renewals": renewals,
            }
        )

    for index, start in enumerate(starts):
        scenarios = set(vehicles[index]["scenarios"])
        permit(index, "road_test", "测", start)
        stages: dict[str, date] = {}
        carries = bool(scenarios & {"robotaxi", "passenger", "bus"})
        for stage, code, mode, chance in (
            ("passenger", "载", "passenger", 0.7 if carries else 0.0),
            ("driverless_onboard", "无", "driverless", 0.0 if "patrol" in scenarios else 0.5),
            ("night", "夜", "night", 0.45),
            ("demonstration", "示", None, 0.35 if carries else 0.0),
        ):
            issued = start + timedelta(days=int(rng.integers(60, 300)))
            if issued <= date(2023, 6, 30) and rng.random() < chance:
                permit(index, stage, code, issued)
                if mode is not None:
                    stages[mode] = date(issued.year, issued.month, 1)
        allowed.append(stages)
    session.execute(insert(AvPermit.__table__), permit_rows)
    road_test = dict(
        session.execute(
            select(AvPermit.vehicle_id, AvPermit.id).where(AvPermit.stage == "road_test")
        ).all()
    )

    # Kilometres: vehicle x month x mode, and the disengagements they produced (numpy).
    months = _months(FIRST_MONTH)
    month_index = {m: i for i, m in enumerate(months)}
    pairs = np.array(
        [
            (v, month_index[start] + k)
            for v, start in enumerate(starts)
            for k in range(len(months) - month_index[start])
        ],
        dtype=np.int64,
    )
    vehicle_of, month_of = pairs[:, 0], pairs[:, 1]
    years = np.array([m.year for m in months])[month_of]
    km_month = np.array([KM_PER_MONTH[y] for y in years]) * rng.uniform(0.6, 1.4, len(pairs))
    rates = np.array([SUBJECTS[f][4] for f in firm_of])[vehicle_of]
    # A vehicle's first three months on the zone's roads disengage twice as often (new roads).
    first_months = month_of - np.array([month_index[s] for s in starts])[vehicle_of] < 3
    learning = np.where(first_months, 2.0, 1.0)
    counts = rng.poisson(rates * learning * YEARLY_IMPROVEMENT ** (years - 2020) * km_month / 1000)
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    ids_of = np.array(vehicle_ids)[vehicle_of].tolist()
    permit_of = [road_test[v] for v in ids_of]
    # A mode's kilometres only from the month its permit was issued; until then (or for a
    # vehicle without that permit) they are driven with a safety driver.
    patrol_index = next(
        i for i, f in enumerate(firm_of) if SUBJECTS[f][0] == PATROL_FIRM and starts[i].year == 2020
    )
    allowed[patrol_index]["driverless"] = PATROL_DAY.replace(day=1) + timedelta(days=31)
    month_dates = np.array([m.toordinal() for m in months])[month_of]
    share_of: dict[str, np.ndarray] = {}
    for mode in ("driverless", "passenger", "night"):
        first = np.array([allowed[v].get(mode, date.max).toordinal() for v in range(len(starts))])[
            vehicle_of
        ]
        share_of[mode] = np.where(
            month_dates >= first, np.array([MODE_SHARE[y][mode] for y in years]), 0.0
        )
    share_of["safety_driver"] = 1.0 - sum(share_of.values())
    mileage = []
    for mode in MODE_SHARE[2020]:
        shares = share_of[mode]
        km = np.round(km_month * shares, 1).tolist()
        hours = np.round(km_month * shares / 22, 1).tolist()
        mileage += [
            {"vehicle_id": v, "permit_id": p, "month": labels[m], "mode": mode, "km": k, "hours": h}
            for v, p, m, k, h in zip(ids_of, permit_of, month_of.tolist(), km, hours, strict=True)
        ]
    event_pair = np.repeat(np.arange(len(pairs)), counts)
    n = len(event_pair)
    event_days = rng.integers(1, 29, n)
    who = rng.choice(len(INITIATORS), n, p=[p for _k, p in INITIATORS])
    where = rng.choice(len(ROADS), n, p=[p for _k, p in ROADS])
    text = rng.integers(0, len(DESCRIPTIONS), n)
    events = [
        {
            "vehicle_id": ids_of[i],
            "permit_id": permit_of[i],
            "occurred_on": months[int(month_of[i])].replace(day=int(d)),
            "initiated_by": INITIATORS[w][0],
            "road_type": ROADS[r][0],
            "description": DESCRIPTIONS[t],
        }
        for i, d, w, r, t in zip(
            event_pair.tolist(),
            event_days.tolist(),
            who.tolist(),
            where.tolist(),
            text.tolist(),
            strict=True,
        )
    ]
    for begin in range(0, len(mileage), 20_000):
        session.execute(insert(AvMileage.__table__), mileage[begin : begin + 20_000])
    for begin in range(0, len(events), 20_000):
        session.execute(insert(AvDisengagement.__table__), events[begin : begin + 20_000])

    # No incident touches the patrol vehicle: its permit below is checked by the workflow.
    _roads_and_incidents(session, rng, [v for i, v in enumerate(vehicle_ids) if i != patrol_index])
    bump_data_version(session, DATASET)

    # The country's first permit for unmanned patrol vehicles: through the workflow.
    patrol = permits.issue(
        session,
        vin=vehicles[patrol_index]["vin"],
        stage="driverless_remote",
        scenario="patrol",
        on=PATROL_DAY,
        actor="system:demo",
        permit_no="京自驾无人巡2021001",
    )
    while patrol.valid_until < today:  # renewed at each end, through the workflow too
        permits.renew(
            session, permit_no=patrol.permit_no, on=patrol.valid_until, actor="system:demo"
        )
    record(
        session,
        actor="system:demo",
        entity_type="av_zone",
        entity_id="demo",
        action="build",
        after={"vehicles": len(vehicles), "permits": len(permit_rows) + 1},
    )
    return TestZoneSummary(
        subjects=len(SUBJECTS),
        vehicles=len(vehicles),
        km=round(sum(m["km"] for m in mileage), 1),
        disengagements=len(events),
        patrol_permit=patrol.permit_no,
    )


def _roads_and_incidents(session: Session, rng: np.random.Generator, vehicle_ids: list[int]):
    names = (
        "荣华南路",
        "科创十三街",
        "经海路",
        "宏达北路",
        "博兴八路",
        "凉水河一街",
        "地盛北街",
        "同济南路",
        "京台高速（示范段）",
        "五环路（亦庄段）",
        "兴亦路",
        "康定街",
    )
    roads = []
    for index in range(64):
        year_days = int(rng.integers(0, 3 * 365 + 120))
        kind = "highway" if index % 16 == 8 else ("expressway" if index % 8 == 3 else "urban")
        roads.append(
            {
                "code": f"YZ-{index + 1:03d}",
                "name": f"{names[index % len(names)]}（第 {index // len(names) + 1} 段）",
                "road_type": kind,
                "km": round(float(rng.uniform(2.0, 14.0)), 1),
                "opened_on": FIRST_MONTH + timedelta(days=year_days),
                "scenarios": ["robotaxi", "passenger", "bus", "delivery", "patrol"]
                if kind == "urban"
                else ["trunk_logistics", "passenger"],
            }
        )
    session.execute(insert(AvRoad.__table__), roads)
    incidents = []
    for index in range(14):
        day = date(2021, 1, 1) + timedelta(days=int(rng.integers(0, 3 * 365)))
        responsible = index in (3, 9)
        incidents.append(
            {
                "vehicle_id": int(rng.choice(vehicle_ids)),
                "occurred_on": day,
                "description": "低速剐蹭" if index % 2 else "被后车追尾",
                "status": IncidentStatus.closed,
                "responsible": responsible,
                "finding": "测试车辆变道时未充分让行，负次要责任"
                if responsible
                else "对方车辆全责",
                "closed_on": day + timedelta(days=int(rng.integers(5, 30))),
            }
        )
    session.execute(insert(AvIncident.__table__), incidents)

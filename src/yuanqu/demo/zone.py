"""A deterministic synthetic zone calibrated to Beijing Yizhuang's published 2023 figures.

Published figures it is calibrated to (Beijing Economic-Technological Development Area, 2023):
about 90,000 enterprises; more than 100 subsidiaries of Fortune Global 500 firms; 50+ listed
firms; 2,100+ national high-tech enterprises; 4,200+ biotech and health firms; four leading
industries (integrated circuits, new-generation IT, biotech and health, automotive and intelligent
manufacturing), each with a task force; commercial aerospace (50+ firms) and robotics.

Everything is drawn from one seeded generator, so the same seed gives the same zone. Distributions
follow what registries look like: most firms are young, small service firms; a few are large.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from yuanqu.core.industry import industry_catalog
from yuanqu.core.uscc import make_usccs
from yuanqu.registry.importer import EnterpriseRecord, LabelRecord
from yuanqu.registry.models import Label

AS_OF = date(2023, 12, 31)
# label -> probability that a holder renews at expiry (three-year certificates).
RENEWAL = {Label.high_tech: 0.88, Label.specialized: 0.88, Label.little_giant: 0.9}
# Labels are carried on (renewals, new certifications) from the day after the calibrated year; the
# last one starts on LAST_START, so a dashboard of today shows a live registry and no label starts
# in the future (the registry import refuses one: the canonical export must re-import). Fixed, so
# a seed always builds the same zone.
AFTER_CALIBRATION = date(2024, 1, 1)
LAST_START = date(2026, 12, 1)
LATEST_ESTABLISHED = date(2024, 12, 31)


@dataclass(frozen=True)
class TaskForceSpec:
    code: str
    name_zh: str
    name_en: str


TASK_FORCES = (
    TaskForceSpec("ic", "集成电路产业专班", "Integrated circuits task force"),
    TaskForceSpec("ngit", "新一代信息技术产业专班", "New-generation IT task force"),
    TaskForceSpec("biotech", "生物技术和大健康产业专班", "Biotech and health task force"),
    TaskForceSpec(
        "auto", "汽车和智能制造产业专班", "Automotive and intelligent manufacturing task force"
    ),
)

# (industry prefix, number of firms, task force or None, name nouns). A prefix at division or
# group level spreads its firms over the classes below it.
SECTORS: tuple[tuple[str, int, str | None, tuple[str, ...]], ...] = (
    # integrated circuits
    ("6520", 700, "ic", ("微电子", "芯片设计", "集成电路设计")),
    ("3973", 120, "ic", ("半导体", "集成电路", "微电子")),
    ("3562", 60, "ic", ("半导体设备", "精密装备")),
    ("3985", 80, "ic", ("电子材料", "新材料")),
    ("3976", 60, "ic", ("光电子", "光电")),
    ("3979", 40, "ic", ("电子器件",)),
    # new-generation IT
    ("391", 150, "ngit", ("计算机", "信息技术")),
    ("392", 300, "ngit", ("通信技术", "通信设备")),
    ("396", 140, "ngit", ("智能科技", "智能设备")),
    ("6511", 1200, "ngit", ("软件", "数据科技")),
    ("6513", 4500, "ngit", ("软件", "网络科技", "信息技术")),
    ("6531", 2500, "ngit", ("信息系统", "数据科技", "信息技术")),
    ("64", 2000, "ngit", ("网络科技", "互联网科技", "数字科技")),
    ("63", 600, "ngit", ("通信", "信息服务")),
    # biotech and health
    ("2710", 60, "biotech", ("制药", "医药化工")),
    ("2720", 130, "biotech", ("制药", "医药")),
    ("2761", 160, "biotech", ("生物制药", "生物技术")),
    ("2762", 90, "biotech", ("生物医药", "疫苗")),
    ("358", 750, "biotech", ("医疗器械", "医疗科技")),
    ("7340", 950, "biotech", ("医药科技", "生物科技", "医学检验")),
    ("5151", 1250, "biotech", ("医药", "医药商贸")),
    ("84", 420, "biotech", ("医疗", "健康管理", "门诊部")),
    ("5251", 500, "biotech", ("大药房", "医药连锁")),
    # automotive and intelligent manufacturing (robotics included)
    ("36", 650, "auto", ("汽车科技", "汽车零部件", "新能源汽车")),
    ("34", 900, "auto", ("智能装备", "机械设备", "精密机械")),
    ("3491", 90, "auto", ("机器人", "智能机器人")),
    ("3492", 40, "auto", ("特种机器人",)),
    ("3964", 60, "auto", ("服务机器人",)),
    ("38", 600, "auto", ("电气", "电力设备", "新能源科技")),
    ("40", 300, "auto", ("仪器仪表", "测控技术")),
    # commercial aerospace
    ("3742", 45, None, ("航天科技", "宇航", "火箭科技")),
    ("3743", 22, None, ("航天设备", "卫星科技")),
    ("3749", 6, None, ("空天科技",)),
    # the rest of the zone
    ("51", 15500, None, ("商贸", "贸易", "科贸")),
    ("52", 3500, None, ("商贸", "商店", "零售")),
    ("72", 12000, None, ("企业管理咨询", "商务服务", "文化传播")),
    ("75", 11000, None, ("科技发展", "技术服务", "科技")),
    ("74", 3300, None, ("工程技术", "检测技术", "设计")),
    ("7320", 1300, None, ("工程技术研究", "科技研究")),
    ("71", 800, None, ("租赁",)),
    ("70", 1500, None, ("房地产开发", "物业管理", "置业")),
    ("47", 800, None, ("建设工程", "建筑")),
    ("48", 700, None, ("建设工程", "市政工程")),
    ("49", 600, None, ("安装工程",)),
    ("50", 500, None, ("装饰工程",)),
    ("54", 1200, None, ("物流", "运输")),
    ("59", 1100, None, ("仓储", "供应链管理")),
    ("61", 500, None, ("酒店",)),
    ("62", 1100, None, ("餐饮管理", "餐饮")),
    ("66", 200, None, ("投资管理",)),
    ("67", 400, None, ("资本管理",)),
    ("69", 400, None, ("金融信息服务",)),
    ("80", 700, None, ("家政服务", "生活服务")),
    ("81", 600, None, ("维修服务",)),
    ("86", 250, None, ("文化传媒",)),
    ("87", 250, None, ("影视文化",)),
    ("89", 300, None, ("体育文化",)),
    ("44", 180, None, ("能源", "电力")),
    ("77", 500, None, ("环保科技", "环境工程")),
    ("83", 200, None, ("教育科技", "培训")),
    ("26", 300, None, ("化工", "新材料")),
    ("29", 250, None, ("塑料制品", "橡胶制品")),
    ("33", 400, None, ("金属制品",)),
    ("35", 500, None, ("专用设备", "装备")),
    ("14", 200, None, ("食品",)),
    ("23", 250, None, ("印刷", "包装")),
    ("30", 150, None, ("建材",)),
    ("39", 250, "ngit", ("电子科技", "电子")),
)

# What registrations say in 经营范围, per sector: one specific activity is drawn per firm (an empty
# entry means "generic only"), so the chain keyword rules have real wording to match.
SCOPE_GENERIC = "技术开发、技术咨询、技术服务、技术转让；销售机械设备、电子产品"
SCOPES: dict[str, tuple[str, ...]] = {
    "6520": ("集成电路设计",) * 8 + ("芯片设计", "SoC设计", "EDA工具软件开发", "IP核授权"),
    "3973": ("集成电路制造", "晶圆制造", "集成电路封装测试", "先进封装", "晶圆代工"),
    "3562": ("半导体设备制造", "刻蚀设备研发", "薄膜沉积设备制造", "清洗设备制造"),
    "3985": ("电子专用材料制造", "光刻胶研发", "电子特气生产", "靶材制造"),
    "3976": ("光电子器件制造", "激光雷达研发", "激光器制造"),
    "3979": ("电子器件制造", "功率半导体器件制造"),
    "392": ("通信设备制造",) * 6 + ("V2X通信设备", "路侧单元研发", "卫星通信终端"),
    "396": ("智能车载设备制造", "可穿戴设备", "服务机器人研发", "智能无人飞行器制造"),
    "6511": ("",) * 20 + ("基础软件开发", "车载操作系统开发"),
    "6513": ("",) * 60 + ("智能座舱软件", "自动驾驶算法研发", "机器视觉软件"),
    "6531": ("",) * 60 + ("车联网平台", "遥感数据处理", "卫星导航应用"),
    "64": ("",) * 60 + ("车联网平台运营", "北斗位置服务"),
    "63": ("",) * 10 + ("卫星互联网服务",),
    "2710": ("化学原料药生产", "医药中间体生产"),
    "2720": ("化学药品制剂生产", "创新药研发", "抗体药物研发"),
    "2761": ("生物药品制造", "细胞治疗产品研发", "CAR-T细胞治疗", "基因治疗载体", "单克隆抗体"),
    "2762": ("疫苗研发生产", "基因工程药物", "mRNA疫苗"),
    "358": ("医疗器械生产", "体外诊断试剂", "医学影像设备", "手术机器人研发"),
    "7340": ("医学研究和试验发展",) * 4
    + (
        "CRO临床试验服务",
        "临床前研究服务",
        "CDMO合同研发生产",
        "医学检验实验室",
        "干细胞技术研究",
        "基因编辑技术研发",
        "生命科学试剂研发",
    ),
    "36": ("汽车零部件制造",) * 4
    + (
        "新能源汽车整车制造",
        "动力电池系统集成",
        "驱动电机制造",
        "电机控制器研发",
        "域控制器研发",
        "氢燃料电池汽车",
    ),
    "34": ("",) * 20 + ("自动化生产线集成", "谐波减速器", "电解槽制造", "储氢瓶制造"),
    "3491": ("工业机器人制造", "机器人本体制造", "伺服系统"),
    "3492": ("特种机器人制造", "巡检机器人"),
    "3964": ("服务机器人制造", "人形机器人研发", "配送机器人"),
    "38": ("",) * 20 + ("充电桩制造", "伺服电机", "燃料电池电堆", "膜电极", "锂离子电池"),
    "40": ("",) * 20 + ("运动控制器", "力矩传感器", "航天测控设备"),
    "3742": ("运载火箭研制", "卫星研制", "液体火箭发动机", "微小卫星研制", "可回收火箭"),
    "3743": ("航天相关设备", "卫星地面站设备", "星载电子设备", "商业发射服务"),
    "3749": ("空天飞行器研制",),
    "75": ("",) * 400
    + (
        "氢能技术研发",
        "自动驾驶测试服务",
        "车路协同技术",
        "人形机器人研发",
        "卫星应用技术",
        "燃料电池检测",
        "商业发射服务",
    ),
    "7320": ("",) * 60 + ("航天测控技术", "氢安全研究", "具身智能研究", "卫星测控"),
    "74": ("",) * 60 + ("汽车检测", "芯片测试服务"),
    "54": ("",) * 40 + ("无人配送", "Robotaxi运营", "氢气运输"),
    "44": ("",) * 6 + ("光伏发电", "氢能发电"),
    "26": ("",) * 20 + ("电子化学品", "工业副产氢提纯", "质子交换膜"),
    "33": ("",) * 20 + ("储氢容器",),
    "35": ("",) * 20 + ("制药专用设备", "半导体设备零部件", "加氢站设备"),
    "52": ("",) * 100 + ("加氢站运营",),
}

SUB_AREAS = (
    ("核心区", 0.30),
    ("路东区", 0.18),
    ("河西区", 0.14),
    ("路南区", 0.10),
    ("台湖片区", 0.08),
    ("马驹桥片区", 0.08),
    ("瀛海片区", 0.06),
    ("长子营片区", 0.06),
)

BRAND_CHARS = (
    "华京中创天瑞泰新辰宇博恒达远航星源智汇启明盛鼎信诚嘉禾安康联合通宏科海峰云图微众亿兴"
    "卓越锐思睿景昊晟翔鸿铭诺朗逸致研捷凯立德润佳融汉唐正元和隆昌益丰隆弘毅君合众望东方北"
    "方同仁九州四维三元万通中科金石银河长城光大普惠博雅清源格物致知蓝天青松翠柏紫金玉龙凤"
)

EXCHANGES = (("SSE", "688", 0.45), ("SZSE", "300", 0.25), ("HKEX", "0", 0.15), ("NASDAQ", "", 0.15))


@dataclass
class DemoZone:
    """What the generator built: the firms with their labels, and the task forces."""

    records: list[EnterpriseRecord]
    task_forces: tuple[TaskForceSpec, ...] = TASK_FORCES
    facts: dict[str, int] = field(default_factory=dict)


def _rand_date(rng: np.random.Generator, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=int(rng.integers(0, span + 1)))


def _industry_assignment(rng: np.random.Generator, scale: float) -> tuple[list[str], list[int]]:
    """The class code of every firm and the index of its sector in SECTORS."""
    catalog = industry_catalog()
    codes: list[str] = []
    sectors: list[int] = []
    for index, (prefix, count, _tf, _nouns) in enumerate(SECTORS):
        n = max(1, round(count * scale))
        classes = catalog.classes_under(prefix) if len(prefix) < 4 else [prefix]
        codes.extend(classes[i] for i in rng.integers(0, len(classes), n))
        sectors.extend([index] * n)
    return codes, sectors


def _names(rng: np.random.Generator, sectors: list[int]) -> list[str]:
    chars = BRAND_CHARS
    names: list[str] = []
    used: set[str] = set()
    for sector in sectors:
        nouns = SECTORS[sector][3]
        for _attempt in range(20):
            brand = chars[rng.integers(len(chars))] + chars[rng.integers(len(chars))]
            noun = nouns[rng.integers(len(nouns))]
            name = f"北京{brand}{noun}有限公司"
            if name not in used:
                break
        else:
            name = f"北京{brand}{noun}{len(used)}有限公司"
        used.add(name)
        names.append(name)
    return names


def build_zone(
    *,
    seed: int = 2023,
    firms: int = 90_000,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoZone:
    """Generate the demo zone's registry (no database access)."""
    rng = np.random.default_rng(seed)
    base_total = sum(count for _p, count, _t, _n in SECTORS)
    codes, sectors = _industry_assignment(rng, firms / base_total)
    n = len(codes)
    order = rng.permutation(n)
    codes = [codes[i] for i in order]
    sectors = [sectors[i] for i in order]
    catalog = industry_catalog()
    section_of = {c: catalog.section_of(c) for c in set(codes)}
    industrial = np.array([section_of[c] in "BCD" for c in codes])

    # Firm births grow about 12% a year since the zone opened in 1992.
    years = np.arange(1992, LATEST_ESTABLISHED.year + 1)
    weights = np.exp(0.12 * (years - 1992))
    birth_years = rng.choice(years, size=n, p=weights / weights.sum())
    birth_days = rng.integers(0, 365, size=n)
    established = [
        min(date(int(y), 1, 1) + timedelta(days=int(d)), LATEST_ESTABLISHED)
        for y, d in zip(birth_years, birth_days, strict=True)
    ]

    # Heavy tails: most firms have a handful of staff, a few thousands.
    employees = np.exp(rng.normal(np.log(6), 1.35, size=n))
    employees = np.where(industrial, employees * 4, employees)
    employees = np.clip(np.rint(employees), 0, 25_000).astype(int)
    capital_yuan = np.exp(rng.normal(np.log(1_000_000), 1.6, size=n))
    capital_yuan = np.where(industrial, capital_yuan * 5, capital_yuan)
    capital_fen = (np.clip(np.rint(capital_yuan / 10_000), 1, 5_000_000) * 10_000 * 100).astype(int)

    names = _names(rng, sectors)
    serials = rng.choice(np.arange(10_000, 60_000_000), size=n, replace=False)
    local = rng.random(n) < 0.9
    usccs_local = make_usccs(serials[local].tolist(), division="110302")
    usccs_other = make_usccs(serials[~local].tolist(), division="110115")
    usccs = np.empty(n, dtype=object)
    usccs[local] = usccs_local
    usccs[~local] = usccs_other

    area_names = [a for a, _w in SUB_AREAS]
    area_weights = np.array([w for _a, w in SUB_AREAS])
    areas = rng.choice(len(area_names), size=n, p=area_weights / area_weights.sum())

    scopes = _business_scopes(seed, sectors)
    records = [
        EnterpriseRecord(
            uscc=usccs[i],
            name=names[i],
            industry_code=codes[i],
            industry_section=section_of[codes[i]],
            established=established[i],
            registered_capital_fen=int(capital_fen[i]),
            employees=int(employees[i]),
            address=f"北京市北京经济技术开发区{area_names[areas[i]]}{int(rng.integers(1, 300))}号",
            sub_area=area_names[areas[i]],
            task_force=SECTORS[sectors[i]][2],
            business_scope=scopes[i],
            labels=[],
            row=i + 2,
        )
        for i in range(n)
    ]
    if progress:
        progress("firms", n, n)
    facts = _assign_labels(rng, records, sectors, employees, industrial)
    # Its own generator, so the 2023 calibration above draws exactly the same numbers.
    _renew_to_present(np.random.default_rng(seed + 2026), records)
    if progress:
        progress("labels", n, n)
    return DemoZone(records=records, facts=facts)


def _business_scopes(seed: int, sectors: list[int]) -> list[str]:
    """A 经营范围 per firm, from its own generator so the rest of the zone stays as it was."""
    rng = np.random.default_rng(seed + 7919)
    draws = rng.random(len(sectors))
    scopes: list[str] = []
    for sector, draw in zip(sectors, draws, strict=True):
        pool = SCOPES.get(SECTORS[sector][0], ("",))
        specific = pool[int(draw * len(pool))]
        scopes.append(f"{specific}；{SCOPE_GENERIC}" if specific else SCOPE_GENERIC)
    return scopes


def _pick(
    rng: np.random.Generator, candidates: np.ndarray, k: int, weights: np.ndarray | None = None
) -> np.ndarray:
    k = min(k, len(candidates))
    p = None
    if weights is not None:
        p = weights[candidates].astype(float)
        p = p / p.sum()
    return rng.choice(candidates, size=k, replace=False, p=p)


def _assign_labels(
    rng: np.random.Generator,
    records: list[EnterpriseRecord],
    sectors: list[int],
    employees: np.ndarray,
    industrial: np.ndarray,
) -> dict[str, int]:
    n = len(records)
    est_year = np.array([r.established.year if r.established else 2000 for r in records])
    tech_sector = np.array(
        [
            SECTORS[s][2] is not None
            or SECTORS[s][0] in ("75", "7320", "74", "3742", "3743", "3749")
            for s in sectors
        ]
    )
    size_weight = np.sqrt(employees + 1.0)
    facts: dict[str, int] = {}

    def add(i: int, label: str, start: date | None, end: date | None, **attrs: str) -> None:
        assert records[i].labels is not None
        records[i].labels.append(LabelRecord(label, start, end, **attrs))

    # High-tech certificates last three years and are renewed (or not) at expiry.
    candidates = np.flatnonzero(tech_sector & (employees >= 5) & (est_year <= 2021))
    chosen = _pick(rng, candidates, 2_650, size_weight)
    cert_serial = 1000
    for i in chosen:
        first = int(max(est_year[i] + 1, 2012 + rng.integers(0, 10)))
        year = first
        while year <= 2024:
            issued = date(year, 10, 1) + timedelta(days=int(rng.integers(0, 75)))
            cert_serial += 1
            add(
                int(i),
                Label.high_tech,
                issued,
                issued.replace(year=year + 3) - timedelta(days=1),
                certificate=f"GR{year}11{cert_serial:06d}",
            )
            if rng.random() > 0.85:
                break
            year += 3
    # 专精特新 SMEs: SMEs in tech sectors; little giants are the best of them (3-year validity).
    sme = np.flatnonzero(tech_sector & (employees >= 15) & (employees <= 1000) & (est_year <= 2021))
    specialized = _pick(rng, sme, 960, size_weight)
    for i in specialized:
        start = date(int(rng.integers(2021, 2024)), 7, 1)
        add(
            int(i), Label.specialized, start, start.replace(year=start.year + 3) - timedelta(days=1)
        )
    for i in specialized[:115]:
        start = date(int(rng.integers(2021, 2024)), 8, 1)
        add(
            int(i),
            Label.little_giant,
            start,
            start.replace(year=start.year + 3) - timedelta(days=1),
        )
    large = np.flatnonzero((employees >= 150) & (est_year <= 2020))
    listed = _pick(rng, large, 64, size_weight)
    for k, i in enumerate(listed):
        names = [e[0] for e in EXCHANGES]
        probs = np.array([e[2] for e in EXCHANGES])
        exchange = names[rng.choice(len(names), p=probs / probs.sum())]
        prefix = dict((e[0], e[1]) for e in EXCHANGES)[exchange]
        ticker = (
            f"{prefix}{100 + k:03d}"
            if exchange in ("SSE", "SZSE")
            else f"{prefix}{1000 + 17 * k}"
            if exchange == "HKEX"
            else f"YZ{k:02d}"
        )
        start = _rand_date(rng, date(max(int(est_year[i]) + 3, 2005), 1, 1), date(2023, 11, 30))
        add(int(i), Label.listed, start, None, exchange=exchange, ticker=ticker)
    remaining = np.setdiff1d(np.flatnonzero(employees >= 80), listed)
    for i in _pick(rng, remaining, 128, size_weight):
        add(int(i), Label.fortune_global_500, records[i].established, None)
    young_tech = np.flatnonzero(
        tech_sector & (est_year >= 2014) & (est_year <= 2020) & (employees >= 100)
    )
    for i in _pick(rng, young_tech, 12):
        add(int(i), Label.unicorn, date(int(rng.integers(2020, 2024)), 1, 1), None)
    # Above-scale industrial firms: the largest industrial firms, from the year after founding.
    industrial_firms = np.flatnonzero(industrial)
    by_size = industrial_firms[np.argsort(-employees[industrial_firms], kind="stable")]
    for i in by_size[:820]:
        start = date(max(int(est_year[i]) + 1, 2012), 1, 1)
        add(int(i), Label.above_scale, start, None)
    # Strategic emerging industries: most firms of the leading industries and aerospace.
    sei = np.flatnonzero(tech_sector & (rng.random(n) < 0.3))
    for i in sei:
        if records[i].industry_section in "CIM":
            add(int(i), Label.strategic_emerging, records[i].established, None)
    facts["firms"] = n
    return facts


def _renew_to_present(rng: np.random.Generator, records: list[EnterpriseRecord]) -> None:
    """Carry the three-year labels on after 2023 as real firms do: most holders re-certify at
    expiry (``RENEWAL``) and new firms are certified every year (``NEWCOMERS``, a share of the
    holders), up to ``LAST_START``, so a dashboard dated today shows a plausible zone, not one
    whose certificates all ran out after the calibrated year. Only labels starting after 2023 are
    added: the 2023 calibration is untouched."""
    for record in records:
        latest: dict[str, LabelRecord] = {}
        for lab in record.labels or ():
            if lab.label in RENEWAL and (
                lab.label not in latest or lab.valid_from > latest[lab.label].valid_from
            ):
                latest[lab.label] = lab
        for last in latest.values():
            if last.valid_to and last.valid_to >= AFTER_CALIBRATION:
                _renew(rng, record, last)
    holders = {
        label: {i for i, r in enumerate(records) for lab in r.labels or () if lab.label == label}
        for label in NEWCOMERS
    }
    for year in range(AFTER_CALIBRATION.year, LAST_START.year + 1):
        on = date(year, 1, 1)
        for label, (rate, eligible) in NEWCOMERS.items():
            active = sum(
                1
                for i in holders[label]
                for lab in records[i].labels or ()
                if lab.label == label and lab.valid_from <= on <= (lab.valid_to or on)
            )
            pool = [
                i
                for i, r in enumerate(records)
                if i not in holders[label] and eligible(r, year, holders)
            ]
            wanted = min(len(pool), round(active * rate))
            if date(year, *NEWCOMER_DAY[label]) > LAST_START:
                wanted = 0
            for i in rng.choice(len(pool), size=wanted, replace=False) if wanted else ():
                index = pool[int(i)]
                start = date(year, *NEWCOMER_DAY[label])
                first = LabelRecord(
                    label,
                    start,
                    start.replace(year=year + 3) - timedelta(days=1),
                    certificate=_certificate(rng, label, start),
                )
                assert records[index].labels is not None
                records[index].labels.append(first)
                holders[label].add(index)
                _renew(rng, records[index], first)


def _certificate(rng: np.random.Generator, label: str, start: date) -> str | None:
    if label != Label.high_tech:
        return None
    return f"GR{start.year}11{int(rng.integers(0, 10**6)):06d}"


def _renew(rng: np.random.Generator, record: EnterpriseRecord, last: LabelRecord) -> None:
    """Renew ``last`` at each expiry while the firm re-certifies, up to ``LAST_START``."""
    while last.valid_to and last.valid_to < LAST_START:
        start = last.valid_to + timedelta(days=1)
        if rng.random() > RENEWAL[last.label]:
            return
        last = LabelRecord(
            last.label,
            start,
            start.replace(year=start.year + 3) - timedelta(days=1),
            certificate=_certificate(rng, last.label, start),
        )
        assert record.labels is not None
        record.labels.append(last)


def _tech_sme(record: EnterpriseRecord, year: int, holders: dict[str, set[int]]) -> bool:
    return (
        record.industry_section in "CIM"
        and 15 <= (record.employees or 0) <= 1000
        and record.established is not None
        and record.established.year <= year - 2
    )


def _tech_firm(record: EnterpriseRecord, year: int, holders: dict[str, set[int]]) -> bool:
    return (
        record.industry_section in "CIM"
        and (record.employees or 0) >= 5
        and record.established is not None
        and record.established.year <= year - 1
    )


# label -> (new certifications a year, as a share of the holders on 1 January; who may apply)
NEWCOMERS: dict[str, tuple[float, Callable[[EnterpriseRecord, int, dict[str, set[int]]], bool]]] = {
    Label.high_tech: (0.13, _tech_firm),
    Label.specialized: (0.12, _tech_sme),
}
NEWCOMER_DAY = {Label.high_tech: (11, 15), Label.specialized: (7, 1)}

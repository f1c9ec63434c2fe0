"""Demo project portfolios, written through the project and attraction services (so audited).

Fangchenggang (防城港) 2023, as its government reported it: 175 projects tracked in the seven
batches (七个一批); 24 key projects signed in the year totalling 33.13 billion yuan (331.3亿元). The
generator draws everything else from one seeded generator and then fixes those two figures
exactly: the 24 signings split 33.13 billion yuan with :meth:`Money.allocate`, and every other
project reaches at least one stage in 2023 without signing in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.attraction import service as attraction
from yuanqu.core import audit
from yuanqu.core.money import Money
from yuanqu.core.uscc import make_usccs
from yuanqu.projects import ledger, reports, service, stages
from yuanqu.projects.permissions import Actor
from yuanqu.registry import service as registry
from yuanqu.registry.models import Enterprise

YEAR = 2023
AS_OF = date(YEAR, 12, 31)
ACTOR = Actor.system("system:demo")

FANGCHENGGANG_TASK_FORCES = (
    (
        "metals",
        "钢铁和有色金属产业专班",
        "Steel and non-ferrous metals task force",
        ("3120", "3216"),
    ),
    ("energy", "能源产业专班", "Energy task force", ("4411", "4413", "2511")),
    ("grain_oil", "粮油食品产业专班", "Grain, oil and food task force", ("1331", "1391")),
    ("chemicals", "化工新材料产业专班", "Chemicals and new materials task force", ("2614", "2653")),
    ("logistics", "港口物流产业专班", "Port logistics task force", ("5532", "5990")),
)

SIGNED_COUNT = 24
SIGNED_TOTAL = Money.from_yuan(33_130_000_000)
TRACKED = 175


@dataclass
class PortfolioSummary:
    zone: str
    projects: int
    tracked_in_year: int
    signed_in_year: int
    signed_investment_fen: int
    leads: int
    open_items: int
    overdue_items: int
    batches: dict[str, int] = field(default_factory=dict)


def _day(rng: np.random.Generator, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _stages_after(pipeline, first_key: str, n: int) -> list[str]:
    keys = [s.key for s in pipeline.stages]
    i = keys.index(first_key)
    return keys[i : i + n]


def _dated(rng, keys: list[str], start: date, end: date) -> dict[str, date]:
    days = sorted(_day(rng, start, end) for _ in keys)
    return dict(zip(keys, days, strict=True))


def _planned(rng: np.random.Generator, pipeline, dates: dict[str, date]) -> dict[str, date]:
    """Planned dates for the timeline: most stages planned before they happened (late), a few
    after (early), and the next stage planned ahead. A generator of its own keeps the rest of the
    portfolio (and its calibrated figures) exactly as before."""
    planned = {k: v - timedelta(days=int(rng.integers(-20, 90))) for k, v in dates.items()}
    last = max(dates, key=pipeline.index)
    if pipeline.index(last) + 1 < len(pipeline.stages):
        following = pipeline.stages[pipeline.index(last) + 1].key
        planned[following] = dates[last] + timedelta(days=int(rng.integers(60, 300)))
    return planned


def build_fangchenggang_portfolio(session: Session, *, seed: int = 2023) -> PortfolioSummary:
    """The Fangchenggang 2023 portfolio: task forces, 175 projects, 24 signings, leads, lists."""
    rng = np.random.default_rng(seed)
    plans = np.random.default_rng(seed + 101)
    for code, zh, en, industries in FANGCHENGGANG_TASK_FORCES:
        registry.upsert_task_force(session, code=code, name_zh=zh, name_en=en)
        session.flush()  # the task force must exist before members and industries refer to it
        for industry in industries:
            attraction.cover_industry(session, actor=ACTOR, task_force=code, industry_code=industry)
    pipeline = service.active_pipeline(session)
    signed = pipeline.signed.key
    usccs = iter(make_usccs(list(range(500_000, 500_000 + TRACKED + 50)), division="450600"))
    amounts = SIGNED_TOTAL.allocate([int(w) for w in rng.integers(20, 400, SIGNED_COUNT)])
    nouns = ("项目", "扩建项目", "一期项目", "基地项目", "产业园项目")
    for i in range(TRACKED):
        force, _zh, _en, industries = FANGCHENGGANG_TASK_FORCES[i % len(FANGCHENGGANG_TASK_FORCES)]
        industry = industries[int(rng.integers(0, len(industries)))]
        if i < SIGNED_COUNT:
            # signed in 2023; some started within the year too
            reached = 3 + int(rng.integers(0, 2))
            keys = _stages_after(pipeline, pipeline.stages[0].key, reached)
            dates = _dated(rng, keys[:2], date(2022, 3, 1), date(2022, 12, 31))
            dates.update(_dated(rng, keys[2:], date(YEAR, 1, 5), AS_OF - timedelta(days=20)))
            fen = amounts[i].fen
        else:
            kind = i % 3
            if kind == 0:  # pre-signing work in 2023
                keys = _stages_after(pipeline, pipeline.stages[0].key, 1 + int(rng.integers(0, 2)))
                dates = _dated(rng, keys, date(YEAR, 1, 3), AS_OF - timedelta(days=5))
            else:  # signed before 2023, moved on in 2023
                extra = 1 + int(rng.integers(0, 4))
                keys = _stages_after(pipeline, signed, 1 + extra)
                dates = {signed: _day(rng, date(2020, 6, 1), date(2022, 12, 20))}
                dates.update(_dated(rng, keys[1:], date(YEAR, 1, 3), AS_OF - timedelta(days=5)))
            fen = int(rng.lognormal(np.log(3e8), 1.2)) * 100
            if i % 17 == 0:
                fen = int(rng.integers(100, 499)) * 10_000 * 100  # below the 5-million threshold
        stage = keys[-1]
        project = service.create_project(
            session,
            actor=ACTOR,
            code=f"FCG-{YEAR}-{i + 1:03d}",
            name=f"防城港{_zh[:-4]}{nouns[i % len(nouns)]}{i + 1:03d}",
            investor_name=f"防城港{_zh[:2]}投资有限公司{i + 1:03d}",
            uscc=next(usccs),
            industry_code=industry,
            task_force=force,
            sub_area=("港口区", "防城区", "东兴市", "上思县")[i % 4],
            planned_investment_fen=fen,
            stage=stage,
            stage_dates=dates,
            planned_dates=_planned(plans, pipeline, dates),
            today=AS_OF,
        )
        stages.set_annual_plan(session, project, actor=ACTOR, year=YEAR, planned_fen=fen // 3)
        if i % 5 == 0:
            opened = _day(rng, date(YEAR, 6, 1), date(YEAR, 11, 30))
            item = ledger.open_item(
                session,
                project,
                actor=ACTOR,
                kind=("problem", "task")[i % 2],
                category=("land", "permit", "power", "financing")[i % 4],
                title=("用地报批", "环评批复", "110千伏线路接入", "银团贷款")[i % 4],
                owner=("自然资源局", "生态环境局", "供电局", "金融办")[i % 4],
                opened_on=opened,
                workdays=int(rng.integers(5, 30)),
            )
            if i % 10 == 0 and item.due_on < AS_OF:
                ledger.close_item(
                    session, item, project, actor=ACTOR, resolution="已办结",
                    closed_on=item.due_on, today=AS_OF,
                )  # fmt: skip
    for stage_key, count in ((signed, SIGNED_COUNT), (pipeline.started.key, 40)):
        reports.set_batch_target(
            session,
            actor=ACTOR,
            year=YEAR,
            stage=stage_key,
            projects=count,
            investment_fen=SIGNED_TOTAL.fen if stage_key == signed else SIGNED_TOTAL.fen // 2,
        )
    leads = _leads(session, rng, [f[0] for f in FANGCHENGGANG_TASK_FORCES])
    return summarize(session, zone="fangchenggang", leads=leads)


_CITIES = ("深圳", "上海", "苏州", "杭州", "合肥", "成都", "武汉", "西安", "南京", "广州", "无锡")
_WORDS = ("星河", "华芯", "启明", "云图", "微纳", "博瑞", "天擎", "长风", "智源", "海川", "灵犀")
_TRADES = ("半导体", "生物医药", "智能装备", "新能源", "信息技术", "新材料", "精密仪器", "机器人")
_FORMS = ("科技有限公司", "股份有限公司", "技术有限公司")


def prospect_name(rng: np.random.Generator, used: set[str]) -> str:
    """A plausible firm name for a lead (意向企业), unique within the demo."""
    while True:
        name = (
            f"{_CITIES[int(rng.integers(len(_CITIES)))]}{_WORDS[int(rng.integers(len(_WORDS)))]}"
            f"{_TRADES[int(rng.integers(len(_TRADES)))]}{_FORMS[int(rng.integers(len(_FORMS)))]}"
        )
        if name not in used:
            used.add(name)
            return name


def project_name(firm_name: str, kind: str) -> str:
    """``北京科朗新能源科技有限公司`` + 研发中心 -> ``北京科朗新能源科技研发中心项目``: the legal
    form dropped whole, never a name cut mid-word."""
    for form in ("股份有限公司", "有限责任公司", "有限公司", "集团"):
        if firm_name.endswith(form):
            firm_name = firm_name.removesuffix(form)
            break
    return f"{firm_name}{kind}项目"


def _leads(
    session: Session,
    rng: np.random.Generator,
    forces: list[str],
    *,
    names: np.random.Generator | None = None,
    sign_every: int | None = None,
) -> int:
    """60 leads over the year. With ``sign_every``, every n-th lead is signed: it becomes a key
    project, so the funnel's conversion rates are not all 0%. ``names`` draws the prospects'
    names (a generator of its own, so the leads' dates stay as they were)."""
    sources = ("exhibition", "referral", "chain", "visit", "agency")
    names = names or np.random.default_rng(17)
    used: set[str] = set()
    n = 0
    for i in range(60):
        force = forces[i % len(forces)]
        contacted = _day(rng, date(YEAR, 1, 3), date(YEAR, 10, 31))
        with audit.recorded_at(contacted):
            lead = attraction.create_lead(
                session,
                actor=ACTOR,
                task_force=force,
                prospect_name=prospect_name(names, used),
                source=sources[i % len(sources)],
                contacted_on=contacted,
                expected_investment_fen=int(rng.integers(5, 500)) * 10**6 * 100,
                next_action="回访洽谈",
                next_action_on=contacted + timedelta(days=30),
            )
        # Stages vary within each task force too (with four task forces, i % 4 alone would give
        # each task force one stage).
        step = (i + i // len(forces)) % 4
        signs = sign_every is not None and i % sign_every == sign_every - 1
        if step >= 1 or signs:
            on = contacted + timedelta(days=10)
            with audit.recorded_at(on):
                attraction.move_lead(
                    session, lead, actor=ACTOR, to="negotiating", on=on, today=AS_OF
                )
        if step == 2 or signs:
            on = contacted + timedelta(days=25)
            with audit.recorded_at(on):
                attraction.move_lead(session, lead, actor=ACTOR, to="intent", on=on, today=AS_OF)
        if signs:
            on = min(contacted + timedelta(days=int(names.integers(40, 90))), AS_OF)
            with audit.recorded_at(on):
                attraction.sign_lead(
                    session,
                    lead,
                    actor=ACTOR,
                    signed_on=on,
                    planned_investment_fen=lead.expected_investment_fen,
                    project_name=project_name(lead.prospect_name, "华北总部"),
                    today=AS_OF,
                )
        elif step == 3:
            on = contacted + timedelta(days=40)
            with audit.recorded_at(on):
                attraction.move_lead(
                    session, lead, actor=ACTOR, to="lost", on=on, reason="选址其他地区",
                    today=AS_OF,
                )  # fmt: skip
        n += 1
    return n


def _invest(
    session: Session, project, pipeline, dates: dict[str, date], rng: np.random.Generator
) -> None:
    """Monthly completed investment from the start of works (开工) to production (投产) or the
    end of 2023: most of the planned investment, spread over those months (at most 36)."""
    started = pipeline.started.key
    if started not in dates:
        return
    production = pipeline.marker("production")
    begin = dates[started]
    end = dates.get(production.key, AS_OF) if production else AS_OF
    months: list[str] = []
    day = date(begin.year, begin.month, 1)
    while day <= end and len(months) < 36:
        months.append(f"{day.year}-{day.month:02d}")
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    done = project.planned_investment_fen * float(rng.uniform(0.55, 0.95))
    weights = rng.uniform(0.5, 1.5, len(months))
    for month, weight in zip(months, weights / weights.sum(), strict=True):
        moment = date(int(month[:4]), int(month[5:]), 28)
        with audit.recorded_at(min(moment, AS_OF)):
            stages.record_investment(
                session,
                project,
                actor=ACTOR,
                period=month,
                actual_fen=int(done * weight) // 100 * 100,
                today=AS_OF,
            )


def _yizhuang_targets(session: Session) -> None:
    """The year's 七个一批 targets, set in January: a little above what the year then brought."""
    report = reports.seven_batches(session, start=date(YEAR, 1, 1), end=AS_OF)
    with audit.recorded_at(date(YEAR, 1, 10)):
        for i, batch in enumerate(report.batches):
            stretch = (1.10, 1.05, 0.95, 1.15, 1.00, 1.08, 1.12)[i % 7]
            reports.set_batch_target(
                session,
                actor=ACTOR,
                year=YEAR,
                stage=batch.stage,
                projects=max(1, round(batch.projects * stretch)),
                investment_fen=round(batch.investment_fen * stretch) // 1_000_000 * 1_000_000,
            )


def build_yizhuang_portfolio(
    session: Session, *, seed: int = 2023, projects: int = 240
) -> PortfolioSummary:
    """A key-project portfolio for the Yizhuang demo zone, investors drawn from its registry."""
    rng = np.random.default_rng(seed + 7)
    plans = np.random.default_rng(seed + 107)
    extra = np.random.default_rng(seed + 207)  # investments, names: the rest draws as before
    pipeline = service.active_pipeline(session)
    forces = [f.code for f in registry.list_task_forces(session)]
    for i in range(projects):
        force = forces[i % len(forces)]
        firm = session.execute(
            select(Enterprise.uscc, Enterprise.name, Enterprise.industry_code)
            .where(Enterprise.task_force == force)
            .order_by(Enterprise.id)
            .offset(int(rng.integers(0, 500)))
            .limit(1)
        ).first()
        if firm is None:
            continue
        reached = 1 + int(rng.integers(0, len(pipeline.stages)))
        keys = _stages_after(pipeline, pipeline.stages[0].key, reached)
        dates = _dated(rng, keys, date(2020, 1, 6), AS_OF - timedelta(days=3))
        with audit.recorded_at(dates[keys[0]]):
            project = service.create_project(
                session,
                actor=ACTOR,
                code=f"YZ-{i + 1:04d}",
                name=project_name(firm[1], ("研发中心", "生产基地", "扩产", "总部")[i % 4]),
                investor_name=firm[1],
                uscc=firm[0],
                industry_code=firm[2],
                task_force=force,
                planned_investment_fen=int(rng.lognormal(np.log(8e8), 1.0)) * 100,
                stage=keys[-1],
                stage_dates=dates,
                planned_dates=_planned(plans, pipeline, dates),
                today=AS_OF,
            )
        _invest(session, project, pipeline, dates, extra)
    leads = _leads(session, rng, forces, names=extra, sign_every=5)
    _yizhuang_targets(session)
    return summarize(session, zone="yizhuang", leads=leads)


def summarize(session: Session, *, zone: str, leads: int) -> PortfolioSummary:
    report = reports.seven_batches(session, start=date(YEAR, 1, 1), end=AS_OF)
    signed = next(
        b for b in report.batches if b.stage == service.active_pipeline(session).signed.key
    )
    items = ledger.list_items(session, status="unclosed")
    return PortfolioSummary(
        zone=zone,
        projects=service.list_projects(session).total,
        tracked_in_year=report.tracked_projects,
        signed_in_year=signed.projects,
        signed_investment_fen=signed.investment_fen,
        leads=leads,
        open_items=len(items),
        overdue_items=len(ledger.overdue_items(session, as_of=AS_OF)),
        batches={b.name: b.projects for b in report.batches},
    )

"""Progress is computed, never typed: actual, completion, the trend forecast at the deadline and
the status at their boundaries (on track at exactly the target, at risk down to 90%), on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.projects import TODAY, make_project, member
from tests.factories.registry import make_firm, make_task_force
from tests.factories.stats import add_reports, report_row
from yuanqu.attraction import service as attraction
from yuanqu.core.db import bump_data_version, session_scope
from yuanqu.plans import service

PLAN = """\
key: test_plan
title: 测试计划
title_en: Test plan
issuer: 管委会
period: [2021, 2025]
owner: task_force:ic
targets:
{targets}
"""


def target(key: str, indicator: str, value: int, deadline: str, **extra: str) -> str:
    lines = [
        f"  - key: {key}",
        f"    name_zh: {key}",
        f"    name_en: {key}",
        f"    indicator: {indicator}",
        f"    value: {value}",
        f"    deadline: {deadline}",
    ]
    lines += [f"    {k}: {v}" for k, v in extra.items()]
    return "\n".join(lines)


def _revenue_zone(engine, *, through_2024: int = 0) -> None:
    """One ic firm with revenue of 1200, 1800 and 2400 yuan in 2021-2023 (100, 150, 200 a month)
    and ``through_2024`` months of 250 in 2024."""
    with session_scope(engine) as session:
        make_task_force(session, "ic")
        firm = make_firm(session, task_force="ic")
        other = make_firm(session)  # outside the scope: never counted
        rows = []
        for year, monthly in ((2021, 100), (2022, 150), (2023, 200)):
            rows += [report_row(firm.id, f"{year}-{m:02d}", revenue=monthly) for m in range(1, 13)]
            rows += [report_row(other.id, f"{year}-{m:02d}", revenue=9999) for m in range(1, 13)]
        rows += [
            report_row(firm.id, f"2024-{m:02d}", revenue=250) for m in range(1, through_2024 + 1)
        ]
        add_reports(session, rows)


def _progress(engine, *targets: str):
    with session_scope(engine) as session:
        service.save_plan(
            session, text=PLAN.format(targets="\n".join(targets)), file="t.yaml", by="test"
        )
    with session_scope(engine) as session:
        return {t.key: t for t in service.plan_progress(session, key="test_plan").targets}


def test_yearly_amount_trend_and_status_boundaries(committed_db) -> None:
    _revenue_zone(committed_db.engine)
    scope = {"scope": "task_force:ic"}
    found = _progress(
        committed_db.engine,
        target("exact", "revenue", 3000, "2024-12-31", **scope),
        target("risk", "revenue", 3333, "2024-12-31", **scope),
        target("below_edge", "revenue", 3334, "2024-12-31", **scope),
        target("done", "revenue", 2400, "2023-06-30", **scope),
        target("missed", "revenue", 2401, "2023-06-30", **scope),
        target(
            "steps", "revenue", 5000, "2025-12-31", milestones="{2022: 1800, 2023: 2500}", **scope
        ),
    )
    exact = found["exact"]
    assert (exact.actual, exact.actual_label, exact.unit) == (240_000, "2023", "fen")
    assert exact.forecast == 300_000  # the line through 1200, 1800, 2400 reaches 3000 in 2024
    assert exact.completion == pytest.approx(0.8)
    assert [p.value for p in exact.series] == [120_000, 180_000, 240_000]
    assert (exact.status, exact.status_name) == ("on_track", "进度正常")
    assert found["risk"].status == "at_risk"  # 3000 >= 90% of 3333
    assert found["below_edge"].status == "off_track"  # 3000 < 90% of 3334
    assert found["done"].status == "achieved" and found["missed"].status == "missed"
    steps = found["steps"]
    assert [(m.year, m.met) for m in steps.milestones] == [(2022, True), (2023, False)]
    # 2600 more over the two years left: about 1300 a year, growth about 44% a year
    assert steps.needed_per_year == pytest.approx(130_000, rel=0.01)
    assert steps.needed_growth == pytest.approx((5000 / 2400) ** 0.5 - 1, rel=0.01)


def test_within_the_deadline_year_the_year_to_date_is_annualised(committed_db) -> None:
    _revenue_zone(committed_db.engine, through_2024=6)
    found = _progress(
        committed_db.engine,
        target("year", "revenue", 3000, "2024-12-31", scope="task_force:ic"),
        target("last_year", "revenue", 2400, "2023-12-31", scope="task_force:ic"),
    )
    year = found["year"]
    assert (year.actual, year.actual_label) == (150_000, "2024年1–6月")
    assert year.forecast == 300_000 and year.status == "on_track"
    # past its deadline, a target is judged on its own year, not on 2024's months
    last_year = found["last_year"]
    assert (last_year.actual, last_year.actual_label) == (240_000, "2023")
    assert last_year.status == "achieved"


def test_firms_with_a_label_counted_at_year_ends(committed_db) -> None:
    with session_scope(committed_db.engine) as session:
        make_task_force(session, "ic")
        for start in (date(2021, 1, 1), date(2022, 6, 1), date(2023, 3, 1)):
            make_firm(session, task_force="ic", labels=[("high_tech", start, None)])
        make_firm(session, labels=[("high_tech", date(2020, 1, 1), None)])  # another scope
        lapsed = make_firm(session, task_force="ic")
        lapsed_label = [("high_tech", date(2019, 1, 1), date(2021, 6, 30))]
        make_firm(session, task_force="ic", labels=lapsed_label)
        add_reports(session, [report_row(lapsed.id, "2023-12", revenue=1)])
        bump_data_version(session, "registry")
    found = _progress(
        committed_db.engine,
        target("ht", "firms", 5, "2025-12-31", scope="task_force:ic", label="high_tech"),
        target("ht_low", "firms", 4, "2025-12-31", scope="task_force:ic", label="high_tech"),
    )
    ht = found["ht"]
    assert [(p.label, p.value) for p in ht.series] == [
        ("2020-12-31", 1),
        ("2021-12-31", 1),
        ("2022-12-31", 2),
        ("2023-12-31", 3),
    ]
    assert ht.actual == 3 and ht.completion == pytest.approx(0.6)
    # the line through (2020, 1), (2021, 1), (2022, 2), (2023, 3) reads 4.375 at the end of 2025
    assert ht.forecast == 4 and ht.status == "off_track"  # 4 < 90% of 5
    assert found["ht_low"].status == "on_track"


def test_firms_attracted_are_the_task_forces_signed_leads(session) -> None:
    make_task_force(session, "ic")
    make_task_force(session, "auto")
    firm = make_firm(session)
    add_reports(session, [report_row(firm.id, "2024-06", revenue=1)])  # data up to 2024-06
    ic, auto = member("ic"), member("auto", user="auto-member")
    signings = [
        (ic, "ic", date(2023, 12, 31)),
        (ic, "ic", date(2024, 1, 1)),
        (ic, "ic", date(2024, 6, 30)),
        (ic, "ic", date(2024, 7, 1)),
        (auto, "auto", date(2024, 2, 1)),
    ]
    for index, (actor, force, day) in enumerate(signings):
        lead = attraction.create_lead(
            session,
            actor=actor,
            task_force=force,
            prospect_name=f"招商企业{index}",
            source="exhibition",
            contacted_on=date(2023, 1, 1),
        )
        attraction.sign_lead(session, lead, actor=actor, signed_on=day, today=TODAY)
    plan = PLAN.replace("period: [2021, 2025]", "period: [2024, 2024]").format(
        targets=target(
            "attracted",
            "leads_signed",
            4,
            "2024-12-31",
            scope="task_force:ic",
            milestones="{2024: 4}",
        )
    )
    service.save_plan(session, text=plan, file="t.yaml", by="test")
    found = {t.key: t for t in service.plan_progress(session, key="test_plan").targets}
    attracted = found["attracted"]
    # signed in 2024 up to 2024-06-30 by ic: two (the 2023 one, the July one and auto's are out)
    assert (attracted.actual, attracted.unit) == (2, "firms")
    assert attracted.forecast == 4 and attracted.status == "on_track"  # half the year, half done
    assert [(m.year, m.actual, m.met) for m in attracted.milestones] == [(2024, 2, False)]


YI = 100_000_000  # yuan


def test_investment_attracted_sums_the_projects_signed_in_scope(session) -> None:
    """The honest source is the key projects reaching the signed stage: their planned total
    investment, by the actual signing date, within the task force (2024, data up to June)."""
    firm = make_firm(session)
    add_reports(session, [report_row(firm.id, "2024-06", revenue=1)])
    signings = [
        ("ic", date(2023, 12, 31), 100),  # before the plan: out (万元)
        ("ic", date(2024, 1, 1), 2_000),  # first day: in
        ("ic", date(2024, 6, 30), 3_000),  # as-of day: in
        ("ic", date(2024, 7, 1), 4_000),  # after the data's month: out
        ("auto", date(2024, 2, 1), 5_000),  # another task force: out
    ]
    for force, day, wan in signings:
        make_project(
            session,
            task_force=force,
            dates={"signed": day},
            planned_investment_fen=wan * 1_000_000,
        )
    plan = PLAN.replace("period: [2021, 2025]", "period: [2024, 2024]").format(
        targets="\n".join(
            [
                # 1 亿元 in yuan: the first two signings are half of it
                target("invest", "investment_attracted", YI, "2024-12-31", scope="task_force:ic"),
                target("zone", "investment_attracted", YI, "2024-12-31", scope="all"),
                # the first quarter is over: only what was signed by 2024-03-31 counts
                target("q1", "investment_attracted", YI // 5, "2024-03-31", scope="task_force:ic"),
            ]
        )
    )
    service.save_plan(session, text=plan, file="t.yaml", by="test")
    found = {t.key: t for t in service.plan_progress(session, key="test_plan").targets}
    invest = found["invest"]
    assert (invest.actual, invest.unit, invest.target) == (5_000 * 1_000_000, "fen", 10**10)
    assert invest.completion == pytest.approx(0.5)
    assert invest.forecast == pytest.approx(10**10, rel=0.01) and invest.status == "on_track"
    assert [(p.label, p.value) for p in invest.series] == [("2024", 5_000 * 1_000_000)]
    assert invest.indicator_name == "招商引资签约额"
    assert found["zone"].actual == 10_000 * 1_000_000  # auto's signing counts zone-wide
    q1 = found["q1"]
    assert (q1.actual, q1.actual_label, q1.status) == (
        2_000 * 1_000_000,
        "2024-01-01..2024-03-31",
        "achieved",
    )


def test_space_delivered_sums_the_units_handed_over_in_scope(committed_db) -> None:
    """m² of the units whose occupancy starts within the plan and the scope; the sub-area scope
    reads the park's sub-area."""
    from sqlalchemy import select

    from tests.factories.grants import person
    from tests.factories.space import add_units, unit_row
    from yuanqu.core.auth import Role
    from yuanqu.space import holds
    from yuanqu.space.models import Unit

    officer = person(Role.project_officer, "po-1")
    with session_scope(committed_db.engine) as session:
        make_task_force(session, "ic")
        ic_firm = make_firm(session, task_force="ic")
        other = make_firm(session)
        add_reports(session, [report_row(ic_firm.id, "2024-06", revenue=1)])
        add_units(
            session,
            [
                unit_row("101", 800),
                unit_row("102", 1200),
                unit_row("103", 1500),
                unit_row("104", 700),
                unit_row("901", 5000, park="NB1", building="NB1-1", sub_area="南部新区"),
            ],
        )
        units = {u.code: u.id for u in session.scalars(select(Unit))}
        moves = [
            ("101", ic_firm.id, date(2024, 1, 1)),
            ("102", ic_firm.id, date(2024, 6, 30)),
            ("103", ic_firm.id, date(2024, 7, 1)),  # after the data's month: out
            ("104", other.id, date(2024, 3, 1)),  # another task force's firm
            ("901", other.id, date(2024, 2, 1)),
        ]
        for code, firm_id, day in moves:
            holds.occupy(
                session,
                unit_id=units[code],
                enterprise_id=firm_id,
                kind="let",
                start_on=day,
                actor=officer,
            )
        bump_data_version(session, "registry")
    plan = PLAN.replace("period: [2021, 2025]", "period: [2024, 2024]").format(
        targets="\n".join(
            [
                target("ic_space", "space_delivered", 4000, "2024-12-31", scope="task_force:ic"),
                target("south", "space_delivered", 5000, "2024-12-31", scope="sub_area:南部新区"),
                target("zone", "space_delivered", 7700, "2024-12-31", scope="all"),
            ]
        )
    )
    with session_scope(committed_db.engine) as session:
        service.save_plan(session, text=plan, file="t.yaml", by="test")
    with session_scope(committed_db.engine) as session:
        found = {t.key: t for t in service.plan_progress(session, key="test_plan").targets}
    ic_space = found["ic_space"]
    assert (ic_space.actual, ic_space.unit, ic_space.target) == (2000, "sqm", 4000)
    assert ic_space.completion == pytest.approx(0.5) and ic_space.status == "on_track"
    assert ic_space.indicator_name == "交付载体面积"
    assert found["south"].actual == 5000 and found["south"].status == "on_track"
    assert found["zone"].actual == 800 + 1200 + 700 + 5000


def test_every_plan_at_once_is_each_plan_on_its_own_and_an_edit_is_read(committed_db) -> None:
    """The briefing and the tracks read every plan in one pass (each plan parsed once per text
    and measured once): the same figures as one plan at a time, and an edited plan is read anew."""
    _revenue_zone(committed_db.engine, through_2024=6)
    _progress(committed_db.engine, target("year", "revenue", 3000, "2024-12-31"))
    with session_scope(committed_db.engine) as session:
        service.load_shipped(session, by="test")
    with session_scope(committed_db.engine) as session:
        every = service.plans_progress(session, lang="en")
        keys = [p.key for p in service.list_plans(session, lang="en").items]
        assert [p.key for p in every] == keys and "test_plan" in keys
        assert every == [service.plan_progress(session, key=k, lang="en") for k in keys]
        edited = PLAN.format(targets=target("year", "revenue", 6000, "2024-12-31"))
        service.save_plan(session, text=edited.replace("Test plan", "Edited"), file="t", by="t")
    with session_scope(committed_db.engine) as session:
        plan = next(p for p in service.plans_progress(session, lang="en") if p.key == "test_plan")
        assert plan.title == "Edited" and plan.targets[0].target == 600_000

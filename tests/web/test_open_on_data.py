"""Pages open on the latest period that has data and say so; a missed milestone is overdue."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from tests.web.conftest import Site
from yuanqu.attraction.models import Lead
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.projects.models import Project, ProjectStageDate
from yuanqu.projects.service import active_pipeline


def scalar(site: Site, query):
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            return session.scalar(query)
    finally:
        engine.dispose()


def test_seven_batches_open_on_the_last_year_a_stage_was_reached(site: Site) -> None:
    last = scalar(site, select(func.max(ProjectStageDate.actual_on)))
    assert last is not None, "the test zone has projects"
    page = site.client(Role.project_officer).get("/projects/batches").text
    assert f"{last.year}-01-01 – {last.year}-12-31" in page
    assert f"显示 {last.year} 年：最近有数据的年份" in page
    asked = site.client(Role.project_officer).get("/projects/batches?span=2019").text
    assert "最近有数据的年份" not in asked  # a period the reader chose is not announced


def test_the_lead_pipeline_opens_on_the_last_year_a_lead_was_contacted(site: Site) -> None:
    last = scalar(site, select(func.max(Lead.contacted_on)))
    assert last is not None, "the test zone has leads"
    page = site.client(Role.analyst).get("/leads").text
    assert f"显示 {last.year} 年：最近有数据的年份" in page
    funnel = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert funnel and '<th scope="row">' in funnel.group(1), "the funnel has rows"


def test_the_economy_page_says_its_month_is_the_latest_with_data(site: Site) -> None:
    page = site.client(Role.analyst).get("/stats/economy").text
    assert "最近有数据的月份" in page


def test_a_missed_milestone_is_listed_as_overdue(site: Site) -> None:
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            order = [s.key for s in active_pipeline(session).stages]
            late = [
                (project.name, stage.stage)
                for project, stage in session.execute(
                    select(Project, ProjectStageDate)
                    .join(ProjectStageDate, ProjectStageDate.project_id == Project.id)
                    .where(
                        ProjectStageDate.planned_on < date.today(),
                        ProjectStageDate.actual_on.is_(None),
                    )
                )
                if stage.stage in order and order.index(project.stage) < order.index(stage.stage)
            ]
    finally:
        engine.dispose()
    assert late, "the test zone has a project behind its plan"
    page = site.client(Role.project_officer).get("/projects/overdue").text
    section = re.search(r'data-testid="late-stages">(.*?)</section>', page, re.S)
    assert section
    assert f"逾期阶段 <small>{len(late):,}</small>" in section.group(1)
    for name, _stage in late[:5]:
        assert name in section.group(1)
    assert "没有逾期阶段" not in page


def test_a_policy_says_why_firms_cannot_be_decided(site: Site) -> None:
    from yuanqu.policies.views import default_year

    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            year = default_year(session)
    finally:
        engine.dispose()
    client = site.client(Role.policy_officer)
    stats = client.get(f"/api/v1/policies/rd_investment_reward/statistics?year={year}").json()
    missing = stats["totals"]["missing"]
    assert missing > 0, "the test zone has firms the policy cannot decide"
    counts = [m["firms"] for m in stats["missing_inputs"]]
    assert counts and max(counts) <= missing <= sum(counts)  # each lacks one input at least
    assert all(m["label"] and m["supply"] for m in stats["missing_inputs"])
    page = client.get("/policies/rd_investment_reward").text
    section = re.search(r'data-testid="missing-inputs">(.*?)</section>', page, re.S)
    assert section and f"为什么 {missing:,} 家企业无法判断" in section.group(1)
    for m in stats["missing_inputs"]:
        assert m["label"] in section.group(1) and f"{m['firms']:,}" in section.group(1)
    assert "最近一个数据年度" in page  # opened on the latest award year with data, and says so
    conditions = re.search(r'<ol class="conditions">(.*?)</ol>', page, re.S)
    assert conditions and "rd_expense" not in re.sub(
        r"<details.*?</details>", "", conditions.group(1), flags=re.S
    )  # the formula only behind its 规则 disclosure

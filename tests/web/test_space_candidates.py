"""A unit's page lists the requirements it fits with each firm's 亩均 grade, class A first only
where the zone's settings say so (the served demo zone, its 2023 grading published)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.db import make_engine, session_scope
from yuanqu.mu.models import EvaluationStatus, MuEvaluation, MuResult
from yuanqu.projects.models import Project
from yuanqu.space.models import Requirement, Unit


@pytest.fixture(scope="module")
def needs(site: Site) -> Iterator[dict]:
    """Two requirements a vacant unit fits: a class C or D firm's project closest in area, a
    class A firm's project further; removed afterwards (the site is shared)."""
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            unit = session.scalars(
                select(Unit).where(Unit.status == "vacant").order_by(Unit.id).limit(1)
            ).one()
            graded = dict(
                session.execute(
                    select(Project.id, MuResult.grade)
                    .join(MuResult, MuResult.enterprise_id == Project.enterprise_id)
                    .join(MuEvaluation, MuEvaluation.id == MuResult.evaluation_id)
                    .where(MuEvaluation.status == EvaluationStatus.final)
                    .order_by(Project.id)
                ).all()
            )
            best = next(p for p, g in graded.items() if g == "A")
            low = next(p for p, g in graded.items() if g in ("C", "D"))
            area = unit.area_sqm
            rows = [
                Requirement(project_id=low, min_area_sqm=area, max_area_sqm=area, use=unit.use),
                Requirement(project_id=best, min_area_sqm=1, max_area_sqm=area, use=unit.use),
            ]
            session.add_all(rows)
            session.flush()
            found = {
                "unit": unit.id,
                "low": rows[0].id,
                "best": rows[1].id,
                "low_grade": graded[low],
            }
        yield found
        with session_scope(engine) as session:
            session.execute(
                delete(Requirement).where(Requirement.id.in_([found["low"], found["best"]]))
            )
    finally:
        engine.dispose()


def _mine(rows: list[dict], needs: dict) -> list[int]:
    return [
        r["requirement_id"] for r in rows if r["requirement_id"] in (needs["low"], needs["best"])
    ]


def test_grades_shown_and_the_closest_first_by_default(site: Site, needs: dict) -> None:
    client = site.client(Role.analyst)
    data = client.get(f"/api/v1/space/units/{needs['unit']}/candidates").json()
    assert data["grade_first"] is False and data["grade_year"] == 2023
    assert _mine(data["candidates"], needs) == [needs["low"], needs["best"]]
    page = client.get(f"/space/units/{needs['unit']}")
    assert page.status_code == 200
    assert "可匹配的载体需求" in page.text and "亩均效益评价等级" in page.text
    assert "<strong>A</strong> 类" in page.text
    assert f"<strong>{needs['low_grade']}</strong> 类" in page.text
    assert f"共 {data['total']} 个" in page.text


def test_class_a_first_where_the_zone_says_so(site: Site, needs: dict, tmp_path) -> None:
    settings = tmp_path / "zone.yaml"
    settings.write_text("matching:\n  mu_grade_first: true\n")
    saved = get_settings()
    configure(space_settings=settings)
    try:
        client = site.client(Role.analyst)
        data = client.get(f"/api/v1/space/units/{needs['unit']}/candidates").json()
        page = client.get(f"/space/units/{needs['unit']}?lang=en")
    finally:
        restore_settings(saved)
    assert data["grade_first"] is True
    assert _mine(data["candidates"], needs) == [needs["best"], needs["low"]]
    assert "firms graded A in the latest yield-per-mu grading come first" in page.text


def test_who_sees_the_candidates(site: Site, needs: dict) -> None:
    url = f"/space/units/{needs['unit']}"
    policy = site.client(Role.policy_officer).get(url)
    assert policy.status_code == 200 and "可匹配的载体需求" not in policy.text
    refused = site.client(Role.policy_officer).get(f"/api/v1{url}/candidates")
    assert refused.status_code == 403
    assert site.client(Role.enterprise).get(f"/api/v1{url}/candidates").status_code == 403

"""Who could take a unit: the leads' and projects' requirements it fits, with the firm's grade in
the latest published 亩均效益评价, and class A then B first where the zone says so.

Unit 101 (1,000 m², production, vacant). Four requirements fit it, by area distance
|2 x 1000 - min - max|: the C-graded firm's project (900-1,100: 0), a lead with no credit code
(800-1,400: 200), the A-graded firm's project (1,000-2,000: 1,000) and the B-graded firm's lead
(600-1,000: 400). A fifth (2,000-3,000) does not fit. Without the setting: C, lead, B, A. With it:
A, B, then C and the lead as before. The 2022 grading published (final) says A/B/C; a 2023
grading still on notice is not read.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.grants import person
from tests.factories.projects import make_project
from tests.factories.registry import make_firm, make_task_force
from tests.factories.space import add_units, unit_row
from yuanqu.attraction import service as attraction
from yuanqu.core.auth import Role
from yuanqu.core.errors import NotFound
from yuanqu.mu.models import EvaluationStatus, MuEvaluation, MuResult
from yuanqu.projects.permissions import Actor
from yuanqu.projects.permissions import Role as ActorRole
from yuanqu.space import holds as space_holds
from yuanqu.space.candidates import candidates
from yuanqu.space.models import Unit
from yuanqu.space.zone import ZoneSpaceSettings

TODAY = date(2023, 6, 1)
OFFICER = person(Role.project_officer, "po-1")
ANALYST = person(Role.analyst, "an-1")
LEAD_ACTOR = Actor("tf", frozenset({ActorRole.task_force_member}), frozenset({"ic"}))
ON, OFF = ZoneSpaceSettings(mu_grade_first=True), ZoneSpaceSettings(mu_grade_first=False)


def _published(session, year: int, grades: dict[int, str], status: str) -> None:
    """A grading of ``year`` as publication leaves it (the rows mu's workflow writes)."""
    ev = MuEvaluation(
        year=year, method_id="default", method_from=2020, status=status, computed_by="t"
    )
    session.add(ev)
    session.flush()
    for firm_id, grade in grades.items():
        session.add(
            MuResult(
                evaluation_id=ev.id, enterprise_id=firm_id, group_id="above_scale", rank=1,
                of=3, grade=grade, indicators="{}", inputs="{}",
            )
        )  # fmt: skip
    session.flush()


@pytest.fixture
def zone(session) -> dict[str, int]:
    make_task_force(session, "ic")
    add_units(session, [unit_row("101", 1000)])
    a, b, c = make_firm(session), make_firm(session), make_firm(session)
    _published(session, 2022, {a.id: "A", b.id: "B", c.id: "C"}, EvaluationStatus.final)
    _published(session, 2023, {c.id: "A"}, EvaluationStatus.notice)  # not yet published
    project_a = make_project(session, uscc=a.uscc, investor_name=a.name, name="A的项目")
    project_c = make_project(session, uscc=c.uscc, investor_name=c.name, name="C的项目")
    lead_b = attraction.create_lead(
        session, actor=LEAD_ACTOR, task_force="ic", prospect_name=b.name, source="visit",
        contacted_on=TODAY, uscc=b.uscc,
    )  # fmt: skip
    lead_new = attraction.create_lead(
        session, actor=LEAD_ACTOR, task_force="ic", prospect_name="意向企业甲", source="visit",
        contacted_on=TODAY,
    )  # fmt: skip
    ids = {}
    for key, low, high, owner in [
        ("C", 900, 1100, {"project_id": project_c.id}),
        ("new", 800, 1400, {"lead_id": lead_new.id}),
        ("A", 1000, 2000, {"project_id": project_a.id}),
        ("B", 600, 1000, {"lead_id": lead_b.id}),
        ("too_big", 2000, 3000, {"project_id": project_a.id}),
    ]:
        row = space_holds.add_requirement(
            session, actor=OFFICER, min_area_sqm=low, max_area_sqm=high, use="production", **owner
        )
        ids[key] = row.id
    unit = session.query(Unit).one()
    return {"unit": unit.id, **ids, "firm_a": a.id}


def _order(found: dict, zone: dict) -> list[str]:
    names = {v: k for k, v in zone.items() if k not in ("unit", "firm_a")}
    return [names[c["requirement_id"]] for c in found["candidates"]]


class TestCandidates:
    def test_without_the_setting_the_closest_area_comes_first(self, session, zone) -> None:
        found = candidates(
            session, unit_id=zone["unit"], today=TODAY, principal=ANALYST, settings=OFF
        )
        assert _order(found, zone) == ["C", "new", "B", "A"]
        assert [c["rank"] for c in found["candidates"]] == [1, 2, 3, 4]
        assert found["total"] == 4 and found["grade_year"] == 2022
        assert [c["grade"] for c in found["candidates"]] == ["C", None, "B", "A"]

    def test_with_the_setting_class_a_then_b_come_first(self, session, zone) -> None:
        found = candidates(
            session, unit_id=zone["unit"], today=TODAY, principal=ANALYST, settings=ON
        )
        assert _order(found, zone) == ["A", "B", "C", "new"]
        first = found["candidates"][0]
        assert (first["holder"], first["grade"], first["rank"]) == ("A的项目", "A", 1)
        assert found["candidates"][3]["firm"] is None  # a prospect not yet registered

    def test_a_task_force_sees_only_its_own_candidates(self, session, zone) -> None:
        other = person(Role.task_force, "tf-2", task_forces=("bio",))
        found = candidates(session, unit_id=zone["unit"], today=TODAY, principal=other)
        assert found["candidates"] == [] and found["total"] == 0

    def test_an_unknown_unit_is_a_404(self, session, zone) -> None:
        with pytest.raises(NotFound):
            candidates(session, unit_id=10**12, today=TODAY, principal=ANALYST)

"""The leads-and-projects hook goes through the attraction and projects domains' real services:
open leads and the projects written for a segment (``chain.segment``) are listed on its gap."""

from __future__ import annotations

from datetime import date

from tests.factories.projects import make_project, member
from tests.factories.registry import make_task_force
from yuanqu.attraction import service as attraction
from yuanqu.chains.links import open_links

TODAY = date(2024, 12, 31)


def lead(session, *, name: str, chain_gap: str):
    return attraction.create_lead(
        session,
        actor=member("ic"),
        task_force="ic",
        prospect_name=name,
        source="exhibition",
        contacted_on=date(2024, 2, 1),
        industry_code="4430",
        chain_gap=chain_gap,
    )


def test_no_links_for_a_segment_nobody_works_on(session):
    assert open_links(session, segment_key="hydrogen.refuelling") == []


def test_open_leads_and_projects_of_the_segment(session):
    make_task_force(session, "ic")
    wanted = lead(session, name="某氢能公司", chain_gap="hydrogen.refuelling")
    lost = lead(session, name="已流失的氢能公司", chain_gap="hydrogen.refuelling")
    attraction.move_lead(
        session,
        lost,
        actor=member("ic"),
        to="lost",
        on=date(2024, 3, 1),
        reason="落户外省",
        today=TODAY,
    )
    lead(session, name="别的环节", chain_gap="ic.design")
    project = make_project(session, name="加氢站项目", chain_segment="hydrogen.refuelling")
    make_project(session, name="别的项目", chain_segment="ic.design")
    links = open_links(session, segment_key="hydrogen.refuelling")
    assert [(link["kind"], link["id"]) for link in links] == [
        ("lead", wanted.id),
        ("project", project.id),
    ]
    assert links[0]["name"] == "某氢能公司" and links[1]["name"] == "加氢站项目"
    assert links[1]["stage"] == "signed"

"""The leads-and-projects hook goes through the other domains' services, when they exist."""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace

from yuanqu.chains.links import open_links


def test_no_links_without_the_projects_domains(session):
    assert open_links(session, segment_key="hydrogen.refuelling") == []


def test_open_leads_and_projects_of_the_segment(session, monkeypatch):
    attraction = ModuleType("yuanqu.attraction.service")
    leads = [
        SimpleNamespace(
            id=1,
            chain_gap="hydrogen.refuelling",
            stage="negotiating",
            prospect_name="某氢能公司",
            owner="王",
            task_force="auto",
        ),
        SimpleNamespace(
            id=2,
            chain_gap="hydrogen.refuelling",
            stage="lost",
            prospect_name="已流失",
            owner="王",
            task_force="auto",
        ),
        SimpleNamespace(
            id=3,
            chain_gap="ic.design",
            stage="intent",
            prospect_name="别的环节",
            owner="李",
            task_force="ic",
        ),
    ]
    attraction.list_leads = lambda session: leads  # type: ignore[attr-defined]
    projects = ModuleType("yuanqu.projects.service")
    page = SimpleNamespace(
        items=[
            SimpleNamespace(
                id=9,
                name="加氢站项目",
                stage="在建",
                chain_segment="hydrogen.refuelling",
                officer="赵",
                task_force="auto",
            )
        ]
    )
    projects.list_projects = lambda session: page  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yuanqu.attraction.service", attraction)
    monkeypatch.setitem(sys.modules, "yuanqu.projects.service", projects)
    links = open_links(session, segment_key="hydrogen.refuelling")
    assert [(link["kind"], link["id"]) for link in links] == [("lead", 1), ("project", 9)]

"""The hook to leads and projects (issue 7, branch ``projects``) that would fill a gap.

Leads (``attraction``: ``Lead.chain_gap``) and key projects (``projects``:
``Project.chain_segment``) carry a nullable segment key written ``chain.segment`` (e.g.
``hydrogen.refuelling``, see ``definitions.segment_key``). This module finds the open ones through
those domains' own service functions (``attraction.service.list_leads``,
``projects.service.list_projects``), never their tables; while a domain is not installed (it lives
on its branch until merged) it contributes nothing, so a gap simply lists no links.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

CLOSED_LEAD_STAGES = frozenset({"signed", "lost"})


def _service(domain: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"yuanqu.{domain}.service")
    except ImportError:
        return None


def open_links(session: Session, *, segment_key: str) -> list[dict[str, Any]]:
    """Open leads and the projects linked to a segment, JSON-ready; empty without those domains."""
    return links_by_segment(session).get(segment_key, [])


def links_by_segment(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every segment's open leads and projects, read once (a gap list asks for many segments)."""
    links: dict[str, list[dict[str, Any]]] = {}
    attraction = _service("attraction")
    if attraction is not None and hasattr(attraction, "list_leads"):
        for lead in attraction.list_leads(session):
            key = getattr(lead, "chain_gap", None)
            if key and lead.stage not in CLOSED_LEAD_STAGES:
                links.setdefault(key, []).append(
                    {
                        "kind": "lead",
                        "id": lead.id,
                        "name": lead.prospect_name,
                        "stage": lead.stage,
                        "owner": lead.owner,
                        "task_force": lead.task_force,
                    }
                )
    projects = _service("projects")
    if projects is not None and hasattr(projects, "list_projects"):
        for project in projects.list_projects(session).items:
            key = getattr(project, "chain_segment", None)
            if key:
                links.setdefault(key, []).append(
                    {
                        "kind": "project",
                        "id": project.id,
                        "name": project.name,
                        "stage": project.stage,
                        "owner": getattr(project, "officer", None),
                        "task_force": getattr(project, "task_force", None),
                    }
                )
    return links

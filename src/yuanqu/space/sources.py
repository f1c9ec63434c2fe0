"""What the space and agreements domains read from the registry and the projects: ids for credit
codes and project codes. One place, so these look-ups follow the registry's and the projects'
public faces (``registry.firms.ids_for_codes`` on main) without hunting through the importers."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.projects.models import Project
from yuanqu.registry.models import Enterprise

CHUNK = 500


def firm_ids(session: Session, usccs: Iterable[str]) -> dict[str, int]:
    """The registry ids of the firms holding these (normalised) credit codes."""
    codes = sorted(set(usccs))
    found: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        stmt = select(Enterprise.uscc, Enterprise.id).where(
            Enterprise.uscc.in_(codes[start : start + CHUNK])
        )
        found.update(session.execute(stmt).all())
    return found


def project_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """The ids of the key projects with these codes (项目编号)."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(Project.code, Project.id).where(
            Project.code.in_(wanted[start : start + CHUNK])
        )
        found.update(session.execute(stmt).all())
    return found

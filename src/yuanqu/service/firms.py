"""What the desk needs of the registry: a firm's name and task force by credit code.

The one place the service domain reads registry firms (issue #16 gives the registry a public face
for it, ``registry/firms.py``; this module is where to switch to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Firm:
    uscc: str
    name: str
    task_force: str | None
    sub_area: str | None


def firms_by_uscc(session: Session, usccs: Iterable[str]) -> dict[str, Firm]:
    """The registered firms among ``usccs`` (in chunks: an import names thousands)."""
    from yuanqu.registry.firms import Enterprise

    wanted = sorted(set(usccs))
    found: dict[str, Firm] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        rows = session.execute(
            select(
                Enterprise.uscc, Enterprise.name, Enterprise.task_force, Enterprise.sub_area
            ).where(Enterprise.uscc.in_(chunk))
        )
        for uscc, name, task_force, sub_area in rows:
            found[uscc] = Firm(uscc, name, task_force, sub_area)
    return found


def find_firm(session: Session, uscc: str) -> Firm | None:
    return firms_by_uscc(session, [uscc]).get(uscc)

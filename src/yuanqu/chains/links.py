"""The hook to leads and projects (issue 7, branch ``projects``) that would fill a gap.

Leads and projects carry a nullable segment key ``chain.segment`` (e.g. ``hydrogen.refuelling``,
see ``definitions.segment_key``). When the projects domain lands, it exposes
``yuanqu.projects.service.open_for_segment(session, *, segment_key) -> list[dict]`` (open leads and
projects, JSON-ready: kind, id, name, stage, owner, due); until then a gap lists no links. The
chains domain calls that service function and never reads the projects' tables itself.
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy.orm import Session


def open_links(session: Session, *, segment_key: str) -> list[dict[str, Any]]:
    """Open leads and projects linked to a segment; empty while the projects domain is absent."""
    try:
        projects = importlib.import_module("yuanqu.projects.service")
    except ImportError:
        return []
    finder = getattr(projects, "open_for_segment", None)
    if finder is None:
        return []
    return list(finder(session, segment_key=segment_key))

"""One track's page: its plan and targets' progress, chain map, policy set, projects, fund,
platform and spaces, each from the domain that owns it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from yuanqu.chains.definitions import get_chain
from yuanqu.funds.service import register
from yuanqu.plans import service as plans
from yuanqu.policies.service import shipped_policies
from yuanqu.projects.service import list_projects
from yuanqu.tracks.definitions import Track, get_track


def track_view(session: Session, *, key: str, lang: str = "zh") -> dict[str, Any]:
    """Everything a track ties together, as plain data for the page and the JSON."""
    track: Track = get_track(key)
    owned = [p for p in plans.plans_progress(session, lang=lang) if p.owner == f"track:{key}"]
    chain = get_chain(track.chain) if track.chain else None
    titles = {p.id: p.title(lang) for p in shipped_policies()}
    projects = [
        p
        for p in list_projects(session, lang=lang).items
        if p.industry_code and p.industry_code.startswith(track.industries)
    ]
    funds = register(session, track=key)
    return {
        "key": track.key,
        "name": track.name(lang),
        "plans": [p.model_dump(mode="json") for p in owned],
        "chain": {"key": chain.key, "name": chain.name(lang)} if chain else None,
        "policies": [{"id": pid, "title": titles.get(pid, pid)} for pid in track.policies],
        "projects": [p.model_dump(mode="json") for p in projects],
        "funds": funds.model_dump(mode="json"),
        "platform": track.platform,
        "spaces": track.spaces,
        "source": track.source,
    }

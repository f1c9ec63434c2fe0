"""The enterprise portal: what a firm's account opens on (its firm, what it is entitled to, its
grant cases, its requests, who looks after it), each with a link to the page it may open."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal
from yuanqu.core.errors import Forbidden
from yuanqu.service import units
from yuanqu.service.models import RequestStatus
from yuanqu.service.queries import list_requests, request_dict
from yuanqu.service.requests import local_now
from yuanqu.service.visits import advisers_of


def portal_context(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    """Everything the portal shows, for the firm the account is bound to."""
    from yuanqu.grants import queries as grants
    from yuanqu.grants.workflow import status_name
    from yuanqu.registry.service import get_enterprise, list_task_forces

    if not principal.uscc:
        raise Forbidden("该企业账号未绑定企业", "this enterprise account has no firm")
    firm = get_enterprise(session, uscc=principal.uscc)
    forces = {f.code: (f.name_en if lang == "en" else f.name_zh) for f in list_task_forces(session)}
    cases = grants.list_cases(session, principal=principal)
    by_status = Counter(status_name(c.status, lang) for c in cases)
    page = list_requests(session, principal=principal, page_size=10)
    now = local_now()
    requests = [request_dict(session, r, lang, now=now, for_firm=True) for r in page.items]
    to_rate = sum(1 for r in page.items if r.status == RequestStatus.closed)
    # Advisers are shown by their unit: a firm reads units, never staff names.
    adviser_units = sorted(
        {units.unit_name(session, a.unit_code, lang) for a in advisers_of(session, firm.uscc)}
    )
    return {
        "firm": {
            "uscc": firm.uscc,
            "name": firm.name,
            "industry_code": firm.industry_code,
            "sub_area": firm.sub_area,
            "address": firm.address,
            "task_force": forces.get(firm.task_force or ""),
        },
        "cases": {"total": len(cases), "by_status": sorted(by_status.items())},
        "requests": requests,
        "requests_total": page.total,
        "to_rate": to_rate,
        "adviser_units": adviser_units,
        "links": {
            "profile": f"/enterprises/{firm.uscc}",
            "entitlements": f"/enterprises/{firm.uscc}/policies",
            "grants": "/grants",
            "apply": "/grants/apply",
            "requests": "/service",
            "new_request": "/service/new",
        },
        "json_url": "/api/v1/service/requests",
    }

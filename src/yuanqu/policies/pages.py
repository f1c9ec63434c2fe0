"""The policy pages: the catalogue, a policy's text and its figures for a year, a firm's
entitlements (the profile's tab) and the simulation page with its sliders.

Each page makes the same service call as its JSON twin in ``api.py`` and links to it; chart
options and sliders are built in :mod:`yuanqu.policies.charts`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import ValidationError
from yuanqu.policies import charts, service, views
from yuanqu.policies.api import READERS, SIMULATORS, PolicyId
from yuanqu.policies.language.definition import parse_number
from yuanqu.policies.load import cache_key
from yuanqu.registry.service import visible_firm
from yuanqu.web.pagecache import render_cached
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
PageYear = Annotated[int | None, Query(ge=2000, le=2100, description="award year")]
MAX_SLIDERS = 20


def _fragment(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.get("/policies", response_class=HTMLResponse)
def catalogue_page(request: Request, principal: Principal = allow(EVERYONE)) -> HTMLResponse:
    lang = request_lang(request)
    context = {
        "policies": [service.policy_summary(p, lang) for p in service.shipped_policies()],
        "may_simulate": principal.role in SIMULATORS,
        "json_url": f"/api/v1/policies?lang={lang}",
    }
    return render(request, "policies/catalogue.html", context)


@router.get("/policies/simulate", response_class=HTMLResponse)
def simulation_page(
    request: Request,
    policy: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = None,
    year: PageYear = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(SIMULATORS),
) -> HTMLResponse:
    """Sliders for the policy's numbers; every move re-runs the simulation (htmx)."""
    lang = request_lang(request)
    chosen = service.get_policy(policy or "rd_investment_reward")
    year = year or views.default_year(session)
    slider_list = charts.sliders(chosen, year, _asked(request), lang)
    changed = charts.overrides(slider_list)
    result = service.simulate(session, policy_id=chosen.id, year=year, overrides=changed, top=20)
    body = {"year": year, "overrides": changed, "top": 20}
    context = {
        "policy": chosen,
        "policies": service.shipped_policies(),
        "year": year,
        "sliders": slider_list,
        "result": result,
        "charts": charts.simulation_charts(result, lang),
        "api_url": f"/api/v1/policies/{chosen.id}/simulate",
        "api_body": json.dumps(body, ensure_ascii=False),
        "section_name": views.section_name,
    }
    template = "policies/_simulation.html" if _fragment(request) else "policies/simulate.html"
    return render(request, template, context)


def _asked(request: Request) -> dict[str, Decimal]:
    """The sliders' values from the query string (``set.NAME=VALUE``), checked."""
    asked = {}
    for key, raw in request.query_params.multi_items():
        if not key.startswith("set."):
            continue
        if len(asked) >= MAX_SLIDERS or len(key) > 70 or len(raw) > 40:
            raise ValidationError("模拟参数过多或过长", "too many or too long simulation values")
        try:
            asked[key[4:]] = parse_number(raw)
        except ValueError as error:
            raise ValidationError(
                f"{key[4:]} 的值不是数：{raw}", f"{key[4:]}: {error}", details={"field": key}
            ) from None
    return asked


@router.get("/policies/{policy_id}", response_class=HTMLResponse)
def policy_page(
    request: Request,
    policy_id: PolicyId,
    year: PageYear = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The policy's text; its figures for a year below it for the roles that read aggregates."""
    lang = request_lang(request)
    context: dict[str, Any] = {
        "policy": views.policy_text(policy_id, lang),
        "json_url": f"/api/v1/policies/{policy_id}?lang={lang}",
        "may_simulate": principal.role in SIMULATORS,
        "stats": None,
    }
    if principal.role in READERS:
        context.update(_statistics_context(session, policy_id, year, lang))
    return render(request, "policies/policy.html", context)


@router.get("/policies/{policy_id}/statistics", response_class=HTMLResponse)
def statistics_fragment(
    request: Request,
    policy_id: PolicyId,
    year: PageYear = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    """A policy's figures for another year (the htmx fragment of the policy page's picker)."""
    lang = request_lang(request)
    context = {"policy": views.policy_text(policy_id, lang)}
    context.update(_statistics_context(session, policy_id, year, lang))
    return render(request, "policies/_statistics.html", context)


def _statistics_context(session: Session, policy_id: str, year: int | None, lang: str) -> dict:
    asked = year
    year = year or views.default_year(session)
    stats = views.policy_statistics(session, policy_id=policy_id, year=year, lang=lang)
    return {
        "stats": stats,
        "year": year,
        "year_is_default": asked is None,
        "years": list(range(year - 3, year + 2)),
        "industry_chart": charts.statistics_chart(stats, lang),
        "stats_json_url": f"/api/v1/policies/{policy_id}/statistics?year={year}&lang={lang}",
    }


@router.get("/enterprises/{uscc}/policies", response_class=HTMLResponse)
def entitlements_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    year: PageYear = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The profile's tab: what the firm is entitled to and why not the rest (a fragment for
    htmx, a page when opened directly); only a firm its reader may see."""
    lang = request_lang(request)
    firm = visible_firm(session, uscc=uscc, principal=principal)

    def context() -> dict:
        chosen = year or views.default_year(session)
        tab_json_url = f"/api/v1/enterprises/{firm.uscc}/policies?year={chosen}&lang={lang}"
        return {
            "view": views.firm_entitlements(session, uscc=firm.uscc, year=chosen, lang=lang),
            "firm_name": firm.name,
            "years": list(range(chosen - 3, chosen + 2)),
            "tab_json_url": tab_json_url,
            "json_url": tab_json_url,
        }

    # Kept per version of the registry, statistics and facts (what the batch and the default
    # year read), per reader scope and language: the firm's tab opens from memory the next time.
    return render_cached(
        request,
        "policies/_entitlements.html" if _fragment(request) else "policies/entitlements.html",
        key=cache_key(session),
        context=context,
    )

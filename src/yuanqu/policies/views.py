"""What the policy pages show, as JSON-ready dicts: a policy's full text, its statistics for a
year, and a firm's entitlements under every policy in effect (each explained).

Built on the verbs of :mod:`yuanqu.policies.service` and :func:`yuanqu.policies.explain.explain`,
so a page and its JSON twin in ``api.py`` make the same call and agree with ``evaluate``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core.cache import LruCache
from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.money import Money
from yuanqu.core.uscc import normalize_uscc
from yuanqu.policies import service
from yuanqu.policies.explain import ALLOCATIONS, explain
from yuanqu.policies.language.definition import Parameter, Policy, parse_number
from yuanqu.policies.language.expressions import Band
from yuanqu.policies.language.variables import VARIABLES
from yuanqu.policies.load import cache_key
from yuanqu.stats.service import latest_period

STATUS_ORDER = {"eligible": 0, "missing": 1, "excluded": 2, "ineligible": 3}


def default_year(session: Session) -> int:
    """The award year the pages open on: the latest one whose data year has data, that is a
    complete year of monthly statistics and the firms' policy facts (R&D, patents...). A page
    that opened on a year nobody has reported would show every firm as undecided."""
    from datetime import date

    from sqlalchemy import func, select

    from yuanqu.policies.models import PolicyFact

    complete: list[int] = []
    latest = latest_period(session)
    if latest:
        year, month = int(latest[:4]), int(latest[5:7])
        complete.append(year if month == 12 else year - 1)
    facts = session.scalar(select(func.max(PolicyFact.year)))
    if facts is not None:
        complete.append(int(facts))
    if not complete:
        return date.today().year
    return min(complete) + 1


def section_name(code: str | None, lang: str) -> str:
    if not code:
        return "未分类" if lang == "zh" else "unclassified"
    try:
        return f"{code} {industry_catalog().get(code).label(lang)}"
    except (KeyError, ValidationError):
        return code


# --- a policy's text -----------------------------------------------------------------------------


def band_inputs(policy: Policy) -> dict[str, str]:
    """Band table -> the catalogue variable it is looked up with (for the unit of its bounds)."""
    nodes = [c.node for c in policy.conditions] + [n for _, n in policy.derived.values()]
    nodes += [n for n in (policy.amount, policy.cap_per_firm, policy.allocation.order_by) if n]
    found: dict[str, str] = {}
    for root in nodes:
        for node in root.walk():
            if node.kind == "band" and node.args and node.args[0].kind == "var":
                found.setdefault(node.value, node.args[0].value)
    return found


def format_value(value: Decimal | None, unit: str, lang: str) -> str:
    """A parameter's value or a band's bound as its author means it: 5%, 5,000万元, 20 points."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{(value * 100).normalize():f}%"
    if unit == "yuan":
        return Money.from_yuan(value).format(lang)
    text = f"{value.normalize():,f}"
    return text


def _band_row(band: Band, bound_unit: str, value_unit: str, lang: str) -> dict[str, Any]:
    return {
        "range": band.label(),
        "lower": None if band.lower is None else str(band.lower),
        "lower_inclusive": band.lower_inclusive,
        "upper": None if band.upper is None else str(band.upper),
        "upper_inclusive": band.upper_inclusive,
        "lower_text": "-∞" if band.lower is None else format_value(band.lower, bound_unit, lang),
        "upper_text": "+∞" if band.upper is None else format_value(band.upper, bound_unit, lang),
        "value": str(band.value),
        "value_text": format_value(band.value, value_unit, lang),
    }


def parameter_label(parameter: Parameter, lang: str) -> str:
    """The parameter's label without the unit a file wrote in it ("研发费用门槛（元）"): its
    values are shown with their own unit (500.00万元), and a label saying 元 beside them lies."""
    import re

    text = parameter.zh if lang == "zh" else parameter.en
    return re.sub(r"\s*[（(](?:元|yuan|万元)[）)]\s*$", "", text)


def _parameter(parameter: Parameter, bound_var: str | None, lang: str) -> dict[str, Any]:
    bound_unit = VARIABLES[bound_var].unit if bound_var in VARIABLES else "number"
    return {
        "name": parameter.name,
        "label": parameter_label(parameter, lang),
        "kind": parameter.kind,
        "unit": parameter.unit,
        "mid_year": parameter.mid_year,
        "band_input": bound_var,
        "band_input_label": None
        if bound_var not in VARIABLES
        else (VARIABLES[bound_var].zh if lang == "zh" else VARIABLES[bound_var].en),
        "versions": [
            {
                "from": v.start,
                "value": None if v.value is None else str(v.value),
                "value_text": None
                if v.value is None
                else format_value(v.value, parameter.unit, lang),
                "bands": [_band_row(b, bound_unit, parameter.unit, lang) for b in v.bands],
            }
            for v in parameter.versions
        ],
    }


def policy_text(policy_id: str, lang: str = "zh") -> dict[str, Any]:
    """Everything a policy file says, for its page: the catalogue entry, each parameter with its
    effective-dated versions and band tables (bounds inclusive or exclusive as written), derived
    values, conditions with their labels, the amount, cap, budget, allocation and group."""
    policy = service.get_policy(policy_id)
    summary = service.policy_summary(policy, lang)
    bands = band_inputs(policy)
    zh, en = ALLOCATIONS[policy.allocation.method]
    summary.update(
        title_zh=policy.title_zh,
        title_en=policy.title_en,
        description=policy.description.get(lang) or policy.description.get("zh"),
        parameters=[_parameter(p, bands.get(p.name), lang) for p in policy.parameters.values()],
        derived=[{"name": n, "expression": text} for n, (text, _node) in policy.derived.items()],
        allocation={
            "method": policy.allocation.method,
            "explained": zh if lang == "zh" else en,
            "order_by": policy.allocation.order_text,
        },
        budget_text=None if policy.budget is None else Money.from_yuan(policy.budget).format(lang),
        cap_text=_cap_text(policy.cap_text, lang),
        other_in_group=[{"id": p.id, "title": p.title(lang)} for p in service.group_mates(policy)],
    )
    return summary


def _cap_text(text: str | None, lang: str) -> str | None:
    """A cap written as a plain amount reads as money (5000万 -> 5,000.00万元); a formula stays."""
    if text is None:
        return None
    try:
        return Money.from_yuan(parse_number(text)).format(lang)
    except ValueError:
        return None


# --- a policy's figures for a year ------------------------------------------------------------


def policy_statistics(
    session: Session, *, policy_id: str, year: int, lang: str = "zh"
) -> dict[str, Any]:
    """One policy's award year in aggregate: firms by status, claims, the allocation after the
    budget and the exclusive group, by industry section and task force (no per-firm amounts)."""
    policy = service.get_policy(policy_id)
    if not policy.in_effect(year):
        return {"policy": policy_id, "year": year, "in_effect": False, "totals": None}
    figures = service.policy_figures(session, policy_id=policy_id, year=year)
    return {
        "policy": policy_id,
        "year": year,
        "data_year": policy.data_year(year),
        "in_effect": True,
        "totals": figures["totals"],
        "by_industry": [
            {**g, "name": section_name(g["group"], lang)} for g in figures["by_industry"]
        ],
        "by_task_force": figures["by_task_force"],
        "missing_inputs": [
            missing_input(name, firms, policy.data_year(year), lang)
            for name, firms in figures.get("missing_inputs", {}).items()
        ],
    }


#: Where each source of a policy's inputs comes from, and how an official fills a gap (zh, en).
SUPPLY = {
    "facts": (
        "企业申报数据（研发费用、专利等）：由政策办导入（yuanqu policy import-facts）",
        "the firms' declared figures (R&D, patents...): the policy office imports them"
        " (yuanqu policy import-facts)",
    ),
    "stats": (
        "统计月报：由经发局导入该年全部月报（yuanqu stats import，或“导入”页）",
        "the monthly statistics: the economic bureau imports the year's reports"
        " (yuanqu stats import, or the Import page)",
    ),
    "registry": (
        "企业登记信息：在企业名录导入中补齐（yuanqu registry import）",
        "the registry: complete the firms' records by an import (yuanqu registry import)",
    ),
    "label": (
        "资质认定：导入企业的资质标签（yuanqu registry import）",
        "the firms' labels: import them (yuanqu registry import)",
    ),
    "derived": (
        "由其他数据计算（如同比增长需要上一年的数据）：补齐上一年的数据",
        "computed from other data (a growth needs the year before): supply the year before",
    ),
}


def missing_input(name: str, firms: int, data_year: int, lang: str) -> dict[str, Any]:
    """One input the undecided firms lack, in words: its label, how many lack it for the data
    year, and how to supply it."""
    from yuanqu.policies.language.variables import VARIABLES

    variable = VARIABLES.get(name)
    label = (variable.en if lang == "en" else variable.zh) if variable else name
    source = variable.source if variable else ""
    supply = SUPPLY.get(source)
    how = supply[lang == "en"] if supply else ""
    return {"name": name, "label": label, "firms": firms, "year": data_year, "supply": how}


# --- a firm's entitlements ---------------------------------------------------------------------


#: A firm's entitlements per data version (as the kept batch), firm, year and language: every
#: reader of one firm's tab after the first reads them here (a few KB each). Read-only.
_ENTITLEMENTS: LruCache[dict[str, Any]] = LruCache(256)


def firm_entitlements(
    session: Session, *, uscc: str, year: int, lang: str = "zh"
) -> dict[str, Any]:
    """What the firm is entitled to in ``year`` and why not the rest: every policy in effect,
    explained condition by condition from one batch evaluation (so it agrees with ``evaluate``;
    budgets and exclusive groups depend on every other firm). The result is shared: read only."""
    code = normalize_uscc(uscc)
    key = cache_key(session)
    if key is None:
        return _firm_entitlements(session, code, year, lang)
    return _ENTITLEMENTS.get_or_compute(
        (key, code, year, lang), lambda: _firm_entitlements(session, code, year, lang)
    )


def clear_cache() -> None:
    """Forget the kept entitlements (tests)."""
    _ENTITLEMENTS.clear()


def _firm_entitlements(session: Session, code: str, year: int, lang: str) -> dict[str, Any]:
    with service.in_effect_batch(session, year=year) as result:
        read = service.firm_reads(result, code)
    items = []
    for compiled, variables, batch_row in read:
        policy = compiled.policy
        explained = explain(
            compiled, variables, uscc=code, lang=lang, batch_row=batch_row
        ).to_dict()
        for condition in explained["conditions"]:
            condition["parameters_used"] = _parameters_used(compiled, condition, lang)
        explained.update(
            basis=policy.basis,
            auto_entitlement=policy.auto_entitlement,
            evidence=list(policy.evidence),
            exclusive_group=policy.exclusive_group,
        )
        items.append(explained)
    items.sort(key=lambda e: (STATUS_ORDER[e["status"]], -(e["allocated_fen"] or 0), e["policy"]))
    return {
        "uscc": code,
        "year": year,
        "entitled": sum(1 for e in items if e["status"] == "eligible"),
        "allocated_fen": sum(e["allocated_fen"] or 0 for e in items),
        "policies": items,
        "not_in_effect": [
            {"id": p.id, "title": p.title(lang)}
            for p in service.shipped_policies()
            if not p.in_effect(year)
        ],
    }


def range_text(band: Band, unit: str, lang: str) -> str:
    lo = "-∞" if band.lower is None else format_value(band.lower, unit, lang)
    hi = "+∞" if band.upper is None else format_value(band.upper, unit, lang)
    return f"{'[' if band.lower_inclusive else '('}{lo}, {hi}{']' if band.upper_inclusive else ')'}"


def _parameters_used(compiled, condition: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The parameters a condition read, each with its value, the band it fell in and the
    version(s) in force for the period, worded for the reader."""
    policy = compiled.policy
    bound_vars = band_inputs(policy)
    used = []
    for name in [*condition["parameters"], *condition["bands"]]:
        parameter, resolved = policy.parameters[name], compiled.parameters[name]
        entry = {
            "name": name,
            "label": parameter_label(parameter, lang),
            "versions": [v.isoformat() for v in resolved.versions],
            "how": resolved.how,
            "band": None,
        }
        if name in condition["bands"]:
            info = condition["bands"][name]
            band = next((b for b in resolved.bands if b.label() == info["range"]), None)
            unit = VARIABLES[bound_vars[name]].unit if bound_vars.get(name) in VARIABLES else ""
            entry["band"] = None if band is None else range_text(band, unit, lang)
            entry["value_text"] = (
                None if band is None else format_value(band.value, parameter.unit, lang)
            )
        else:
            entry["value_text"] = format_value(resolved.value, parameter.unit, lang)
        used.append(entry)
    return used

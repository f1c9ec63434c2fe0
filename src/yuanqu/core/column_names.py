"""What a person reads above a CLI table column whose command gave no header of its own.

The keys are the field names the JSON output keeps (``--format json`` is for machines and does
not change); the table shows these words instead, in the reader's language.
"""

from __future__ import annotations

COLUMN_NAMES: dict[str, tuple[str, str]] = {
    "action": ("操作", "action"),
    "active": ("启用", "active"),
    "allocation": ("分配方式", "allocation"),
    "amount": ("金额", "amount"),
    "anchors": ("龙头企业", "anchor firms"),
    "auto_entitlement": ("免申即享", "auto-entitlement"),
    "batch": ("批次", "batch"),
    "budget": ("预算", "budget"),
    "chain": ("产业链", "chain"),
    "code": ("代码", "code"),
    "count": ("数量", "count"),
    "cumulative": ("累计", "YTD"),
    "cumulative_yoy": ("累计同比%", "YTD YoY %"),
    "date": ("日期", "date"),
    "deadline": ("期限", "deadline"),
    "detail": ("说明", "details"),
    "division": ("行业大类", "industry division"),
    "due_on": ("到期日", "due on"),
    "edges": ("供应关系", "links"),
    "established": ("成立日期", "established"),
    "firm": ("企业", "firm"),
    "firms": ("企业数", "firms"),
    "grade": ("评级", "grade"),
    "group": ("分组", "group"),
    "hhi": ("集中度（HHI）", "concentration (HHI)"),
    "high_tech_share": ("高新技术企业占比%", "high-tech share %"),
    "id": ("编号", "id"),
    "industry": ("行业", "industry"),
    "industry_code": ("行业代码", "industry code"),
    "investment": ("投资", "investment"),
    "investor": ("投资方", "investor"),
    "kind": ("类型", "kind"),
    "late_days": ("延误天数", "days late"),
    "label": ("标签", "label"),
    "labels": ("标签", "labels"),
    "last_login_at": ("最近登录", "last login"),
    "library": ("程序库", "library"),
    "links": ("关联", "links"),
    "missing": ("缺失", "missing"),
    "month": ("当月", "month"),
    "month_yoy": ("当月同比%", "month YoY %"),
    "name": ("名称", "name"),
    "none": ("无", "none"),
    "notice": ("通知", "notice"),
    "output_growth": ("产值增速%", "output growth %"),
    "overdue": ("逾期", "overdue"),
    "actual_on": ("实际日期", "actual date"),
    "planned_on": ("计划日期", "planned date"),
    "owner": ("责任人", "owner"),
    "period": ("期间", "period"),
    "policies": ("保单数", "policies"),
    "policy": ("政策", "policy"),
    "position": ("位置", "position"),
    "premium": ("保费", "premium"),
    "priority": ("优先级", "priority"),
    "projects": ("项目数", "projects"),
    "rank": ("名次", "rank"),
    "rate": ("比率", "rate"),
    "role": ("角色", "role"),
    "rows": ("行数", "rows"),
    "score": ("得分", "score"),
    "section": ("行业门类", "industry section"),
    "segment": ("环节", "segment"),
    "segments": ("环节", "segments"),
    "since": ("起始", "since"),
    "source": ("来源", "source"),
    "stage": ("阶段", "stage"),
    "status": ("状态", "status"),
    "status_name": ("状态", "status"),
    "strong_dependents": ("强依赖下游", "strong dependents"),
    "sub_area": ("片区", "sub-area"),
    "sum_insured": ("保额", "sum insured"),
    "supplied_by": ("上游", "supplied by"),
    "supplies": ("供应", "supplies"),
    "table": ("表", "table"),
    "target": ("目标", "target"),
    "targets": ("目标", "targets"),
    "task_force": ("产业专班", "task force"),
    "task_forces": ("产业专班", "task forces"),
    "title": ("名称", "title"),
    "top_firm": ("首位企业", "top firm"),
    "username": ("用户名", "username"),
    "uscc": ("统一社会信用代码", "credit code"),
    "value": ("数值", "value"),
    "value_added": ("增加值", "value added"),
    "year": ("年度", "year"),
    "ytd": ("本年累计", "YTD"),
}


def column_name(key: str, lang: str) -> str:
    """The header of column ``key``: its name, or for an amount in fen, its name in 元."""
    if key.endswith("_fen"):
        base = column_name(key.removesuffix("_fen"), lang)
        return f"{base} (CNY)" if lang == "en" else f"{base}（元）"
    names = COLUMN_NAMES.get(key)
    if names is None:
        return key
    return names[1] if lang == "en" else names[0]

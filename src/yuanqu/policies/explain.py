"""Explaining one firm's decision under one policy, step by step, with exact decimals.

The firm's variables are read through the same SQL as the batch (so the inputs are identical);
then every condition, the amount and the cap are evaluated in Python (:func:`expressions.evaluate`),
independently of the compiled SQL. The allocation after budget and exclusive groups depends on
every other firm, so it is taken from the batch result, with the totals that explain it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from yuanqu.core.money import Money
from yuanqu.policies.language.expressions import Node, Trace, Value, evaluate
from yuanqu.policies.language.sqlgen import FLIPPED
from yuanqu.policies.language.variables import VARIABLES
from yuanqu.policies.plan import Compiled

#: The allocation methods, in words.
ALLOCATIONS = {
    "pro_rata": ("预算不足时按申报额同比例核减", "pro rata when claims exceed the budget"),
    "first_come": ("预算内按申请先后顺序兑现", "first come, first served within the budget"),
    "ranked": ("预算内按排序表达式从高到低兑现", "ranked by an expression within the budget"),
}


@dataclass
class ConditionVerdict:
    id: str
    label: str
    expression: str
    verdict: str  # pass, fail, missing
    inputs: dict[str, Any]
    parameters: dict[str, Any]
    bands: dict[str, Any]
    derived: dict[str, Any]
    message: str
    to_pass: str | None = None


@dataclass
class Explanation:
    policy: str
    title: str
    uscc: str
    award_year: int
    data_year: int
    status: str
    failed: int | None
    conditions: list[ConditionVerdict]
    amount_fen: int | None
    capped_fen: int | None
    allocated_fen: int | None = None
    steps: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _fmt(name: str, value: Value, lang: str) -> str:
    if value is None:
        return "缺失" if lang == "zh" else "missing"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, str):
        return value
    unit = VARIABLES[name].unit if name in VARIABLES else ""
    return _fmt_number(value, unit, lang)


def _fmt_number(value: Decimal, unit: str, lang: str) -> str:
    if unit == "yuan":
        return Money.from_yuan(value.quantize(Decimal("0.01"), ROUND_HALF_UP)).format(lang)
    if unit == "share":
        return f"{(value * 100).quantize(Decimal('0.01'), ROUND_HALF_UP).normalize():f}%"
    text = f"{value.normalize():f}"
    return text


def _label(name: str, lang: str) -> str:
    v = VARIABLES.get(name)
    if v is None:
        return name
    return v.zh if lang == "zh" else v.en


def _jsonable(value: Value) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _to_fen(value: Value) -> int | None:
    if value is None:
        return None
    assert isinstance(value, Decimal)
    if value < 0:
        return 0
    return int((value * 100).quantize(Decimal(1), ROUND_HALF_UP))


def explain(
    compiled: Compiled,
    variables: dict[str, Value],
    *,
    uscc: str,
    lang: str = "zh",
    batch_row: dict | None = None,
) -> Explanation:
    """Explain ``compiled`` for the firm whose catalogue variables are ``variables``."""
    policy = compiled.policy
    scalars = {
        n: r.value for n, r in compiled.parameters.items() if policy.parameters[n].kind == "scalar"
    }
    bands = {
        n: r.bands for n, r in compiled.parameters.items() if policy.parameters[n].kind == "band"
    }
    industry = (variables.get("industry_section"), variables.get("industry_code"))

    def run(node: Node, trace: Trace) -> Value:
        return evaluate(
            node, variables, scalars=scalars, bands=bands, trace=trace, industry=industry
        )

    verdicts: list[ConditionVerdict] = []
    for cond in policy.conditions:
        trace = Trace()
        value = run(cond.node, trace)
        verdict = "pass" if value is True else "fail" if value is False else "missing"
        verdicts.append(_verdict(cond, verdict, trace, compiled, lang, variables))
    failed = next((i for i, v in enumerate(verdicts) if v.verdict == "fail"), None)
    if failed is None:
        failed = next((i for i, v in enumerate(verdicts) if v.verdict == "missing"), None)
    any_false = any(v.verdict == "fail" for v in verdicts)
    any_missing = any(v.verdict == "missing" for v in verdicts)
    steps: list[str] = []
    amount_fen = capped_fen = None
    if not any_false:
        amount = run(policy.amount, Trace()) if policy.amount is not None else Decimal(0)
        amount_fen = _to_fen(amount)
        if policy.amount is not None:
            steps.append(
                # the formula is the policy's rule (shown behind its 规则 disclosure); a person
                # reads the amount it gave
                f"按政策规则计算的金额 {_fmt_amount(amount_fen, lang)}"
                if lang == "zh"
                else f"amount by the policy's rule {_fmt_amount(amount_fen, lang)}"
            )
        capped_fen = amount_fen
        if policy.cap_per_firm is not None:
            cap_fen = _to_fen(run(policy.cap_per_firm, Trace()))
            capped_fen = None if amount_fen is None or cap_fen is None else min(amount_fen, cap_fen)
            steps.append(
                f"单户上限 {_fmt_amount(cap_fen, lang)}，封顶后 {_fmt_amount(capped_fen, lang)}"
                if lang == "zh"
                else f"cap per firm {_fmt_amount(cap_fen, lang)}; "
                f"after the cap {_fmt_amount(capped_fen, lang)}"
            )
        if any_missing:
            capped_fen = None
    status = (
        "ineligible"
        if any_false
        else "missing"
        if any_missing or capped_fen is None
        else "eligible"
    )
    missing = [n for n in compiled.used if variables.get(n) is None] if status == "missing" else []
    explanation = Explanation(
        policy=policy.id,
        title=policy.title(lang),
        uscc=uscc,
        award_year=compiled.award_year,
        data_year=policy.data_year(compiled.award_year),
        status=status,
        failed=failed,
        conditions=verdicts,
        amount_fen=None if any_false else amount_fen,
        capped_fen=None if any_false or any_missing else capped_fen,
        steps=steps,
        missing=missing,
    )
    if batch_row is not None:
        _allocation_steps(explanation, batch_row, compiled, lang)
    return explanation


def _fmt_amount(fen: int | None, lang: str) -> str:
    if fen is None:
        return "缺失" if lang == "zh" else "missing"
    return Money(fen).format(lang)


def _allocation_steps(ex: Explanation, row: dict, compiled: Compiled, lang: str) -> None:
    ex.allocated_fen = row["allocated_fen"]
    if row["status"] == "excluded":
        ex.status = "excluded"
        ex.steps.append(
            "与同组其他政策不可兼得，已按较高者享受，本项不予安排"
            if lang == "zh"
            else "not cumulable with the other policies of its group: a larger award was kept"
        )
        return
    if ex.status == "eligible" and compiled.policy.budget is not None:
        budget = Money(int(compiled.policy.budget * 100))
        method = ALLOCATIONS.get(compiled.policy.allocation.method)
        how = method[lang != "zh"] if method else compiled.policy.allocation.method
        ex.steps.append(
            f"预算 {budget.format(lang)}（{how}），实际安排 {_fmt_amount(ex.allocated_fen, lang)}"
            if lang == "zh"
            else f"budget {budget.format(lang)} ({how}); allocated "
            f"{_fmt_amount(ex.allocated_fen, lang)}"
        )


def _verdict(
    cond, verdict: str, trace: Trace, compiled: Compiled, lang: str, variables
) -> ConditionVerdict:
    label = cond.zh if lang == "zh" else cond.en
    inputs = {n: _jsonable(v) for n, v in trace.variables.items()}
    params = {n: _jsonable(v) for n, v in trace.parameters.items()}
    band_info = {}
    for name, (x, band) in trace.bands.items():
        resolved = compiled.parameters[name]
        band_info[name] = {
            "input": str(x),
            "range": None if band is None else band.label(),
            "value": None if band is None else str(band.value),
            "version": [v.isoformat() for v in resolved.versions],
        }
    shown = "，".join(f"{_label(n, lang)} {_fmt(n, v, lang)}" for n, v in trace.variables.items())
    if lang != "zh":
        shown = ", ".join(
            f"{_label(n, lang)} {_fmt(n, v, lang)}" for n, v in trace.variables.items()
        )
    band_text = ""
    for name, info in band_info.items():
        p = compiled.policy.parameters[name]
        pname = p.zh if lang == "zh" else p.en
        band_text += (
            f"（{pname}：{info['range']} 档 → {info['value']}）"
            if lang == "zh"
            else f" ({pname}: band {info['range']} -> {info['value']})"
        )
    word = {
        "pass": ("符合", "met"),
        "fail": ("不符合", "not met"),
        "missing": ("无法判断：缺少数据", "cannot decide: data missing"),
    }[verdict]
    message = (
        f"{label}：{shown}{band_text}，{word[0]}"
        if lang == "zh"
        else f"{label}: {shown}{band_text}; {word[1]}"
    )
    to_pass = (
        _what_it_takes(cond.node, variables, trace, compiled, lang) if verdict == "fail" else None
    )
    return ConditionVerdict(
        id=cond.id,
        label=label,
        expression=cond.text,
        verdict=verdict,
        inputs=inputs,
        parameters=params,
        bands=band_info,
        derived={n: _jsonable(v) for n, v in trace.derived.items()},
        message=message,
        to_pass=to_pass,
    )


def _what_it_takes(
    node: Node, variables, trace: Trace, compiled: Compiled, lang: str
) -> str | None:
    """For ``var OP rhs`` (or ``lhs OP var``) with a number: the value the variable would need."""
    if node.kind != "compare" or node.value not in (">", ">=", "<", "<="):
        return None
    left, right = node.args
    scalars = {
        n: r.value
        for n, r in compiled.parameters.items()
        if compiled.policy.parameters[n].kind == "scalar"
    }
    bands = {
        n: r.bands
        for n, r in compiled.parameters.items()
        if compiled.policy.parameters[n].kind == "band"
    }
    op = node.value
    if left.kind != "var" and right.kind == "var":
        left, right = right, left
        op = FLIPPED[op]
    if left.kind != "var":
        return None
    name = left.value
    current = variables.get(name)
    target = evaluate(right, variables, scalars=scalars, bands=bands, industry=(None, None))
    if not isinstance(current, Decimal) or not isinstance(target, Decimal):
        return None
    unit = VARIABLES[name].unit if name in VARIABLES else ""
    # Special case: a ratio of R&D expense to revenue -> say how much R&D expense is needed.
    if name == "rd_ratio" and isinstance(variables.get("revenue"), Decimal) and op in (">", ">="):
        revenue = variables["revenue"]
        need = (target * revenue).quantize(Decimal("0.01"), ROUND_CEILING)
        if op == ">" and need == target * revenue:
            need += Decimal("0.01")
        have = variables.get("rd_expense") or Decimal(0)
        target_text = _fmt_number(need, "yuan", lang)
        gap_text = _fmt_number(need - have, "yuan", lang)
        if lang == "zh":
            return f"研发费用需达到 {target_text}，还差 {gap_text}"
        return f"R&D expense would need to reach {target_text}, {gap_text} more"
    step = (
        Decimal("0.01")
        if unit == "yuan"
        else Decimal(1)
        if unit in ("count", "persons", "years")
        else Decimal("0.0001")
    )
    if op == ">=":
        need = target.quantize(step, ROUND_CEILING)
    elif op == ">":
        need = target.quantize(step, ROUND_FLOOR) + step
    elif op == "<=":
        need = target.quantize(step, ROUND_FLOOR)
    else:
        need = target.quantize(step, ROUND_CEILING) - step
    gap = abs(need - current)
    lbl = _label(name, lang)
    if lang == "zh":
        more = "还差" if op in (">", ">=") else "需减少"
        verb = "达到" if op in (">", ">=") else "不超过"
        need_text, gap_text = _fmt_number(need, unit, lang), _fmt_number(gap, unit, lang)
        return f"{lbl}需{verb} {need_text}，{more} {gap_text}"
    more = "more" if op in (">", ">=") else "less"
    bound = "at least" if op in (">", ">=") else "at most"
    return (
        f"{lbl} would need to be {bound} {_fmt_number(need, unit, lang)}, "
        f"{_fmt_number(gap, unit, lang)} {more}"
    )

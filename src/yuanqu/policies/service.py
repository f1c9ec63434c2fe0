"""Policy verbs: the catalogue, check, evaluate, explain and simulate, with JSON-ready results."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from yuanqu.analytics.choice import DUCKDB, EngineChoice
from yuanqu.core.cache import LruCache
from yuanqu.core.config import get_settings
from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.core.size_class import size_class
from yuanqu.core.uscc import normalize_uscc
from yuanqu.policies import engine, plan
from yuanqu.policies.engine import BatchResult
from yuanqu.policies.explain import explain as _explain
from yuanqu.policies.language.definition import (
    Issue,
    Parameter,
    ParameterVersion,
    Policy,
    load_policy,
)
from yuanqu.policies.language.definition import read_policy as _read
from yuanqu.policies.language.expressions import sql_text
from yuanqu.policies.language.variables import catalogue
from yuanqu.policies.load import bases, cache_key, load_base


def shipped_dir() -> Path:
    return Path(str(resources.files("yuanqu") / "data" / "policies"))


@lru_cache(maxsize=1)
def shipped_policies() -> tuple[Policy, ...]:
    """The policies shipped under ``yuanqu/data/policies``, sorted by id."""
    return tuple(sorted((load_policy(p) for p in shipped_dir().glob("*.yaml")), key=lambda p: p.id))


def get_policy(policy_id: str) -> Policy:
    for policy in shipped_policies():
        if policy.id == policy_id:
            return policy
    known = ", ".join(p.id for p in shipped_policies())
    raise NotFound(
        f"没有政策 {policy_id}（可用：{known}）", f"no policy {policy_id} (known: {known})"
    )


def select_policies(ids: list[str] | None) -> list[Policy]:
    return [get_policy(i) for i in ids] if ids else list(shipped_policies())


def in_effect_policies(year: int) -> list[Policy]:
    """The shipped policies in effect in award year ``year``."""
    return [p for p in shipped_policies() if p.in_effect(year)]


def group_mates(policy: Policy, *, year: int | None = None) -> list[Policy]:
    """The other shipped policies of ``policy``'s exclusive group (those in effect in ``year``
    when given): a firm is paid by at most one of them, so its allocation depends on theirs."""
    if not policy.exclusive_group:
        return []
    candidates = shipped_policies() if year is None else in_effect_policies(year)
    return [
        p for p in candidates if p.exclusive_group == policy.exclusive_group and p.id != policy.id
    ]


def check_files(paths: list[Path]) -> list[Issue]:
    """Every issue of every file (an empty list: all files are valid)."""
    issues: list[Issue] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            issues.append(
                Issue(str(path), 0, f"无法读取：{error.strerror}", f"cannot read: {error.strerror}")
            )
            continue
        issues.extend(_read(data, file=str(path))[1])
    return issues


def variable_catalogue() -> list[dict[str, str]]:
    return [v.to_dict() for v in catalogue()]


def policy_summary(policy: Policy, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": policy.id,
        "title": policy.title(lang),
        "basis": policy.basis,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
        "period": policy.period,
        "auto_entitlement": policy.auto_entitlement,
        "evidence": list(policy.evidence),
        "conditions": [
            {"id": c.id, "label": c.zh if lang == "zh" else c.en, "when": c.text}
            for c in policy.conditions
        ],
        "amount": policy.amount_text,
        "cap_per_firm": policy.cap_text,
        "budget_fen": None if policy.budget is None else int(policy.budget * 100),
        "allocation": policy.allocation.method,
        "exclusive_group": policy.exclusive_group,
        "parameters": [
            {
                "name": p.name,
                "label": p.zh if lang == "zh" else p.en,
                "unit": p.unit,
                "versions": [
                    {
                        "from": v.start,
                        "value": None if v.value is None else str(v.value),
                        "bands": [{"range": b.label(), "value": str(b.value)} for b in v.bands],
                    }
                    for v in p.versions
                ],
            }
            for p in policy.parameters.values()
        ],
    }


# --- evaluation ----------------------------------------------------------------------------------


def _bases(session: Session, policies: list[Policy], year: int, uscc: str | None = None):
    years = {p.data_year(year) for p in policies}
    if uscc is not None:
        return {y: load_base(session, y, uscc=uscc) for y in years}
    return bases(session, years)


def run(
    session: Session, *, year: int, policies: list[Policy], engine: EngineChoice = DUCKDB
) -> BatchResult:
    """Evaluate ``policies`` for award year ``year`` over every firm in the registry (on Spark:
    every firm of the exported dataset, by the same statements)."""
    if engine.is_spark:
        from yuanqu.policies import spark_runner

        assert engine.source is not None  # checked by EngineChoice.resolve
        return spark_runner.evaluate(policies, year, source=engine.source, master=engine.master)
    return _run_locally(session, year, policies)


def _run_locally(session: Session, year: int, policies: list[Policy]) -> BatchResult:
    return engine.evaluate(plan.connect(), policies, year, _bases(session, policies, year))


@dataclasses.dataclass
class _Held:
    """A batch kept for the pages, and the lock its readers take (a DuckDB connection serves
    one thread at a time)."""

    result: BatchResult
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


#: The batch of every policy in effect, per database, award year and data versions: each
#: policy page and each firm's tab reads it instead of evaluating again. About 150 MB each at
#: 1,000,000 firms (the variables of each data year and the claims); how many are kept is the
#: setting ``policy_batches_kept`` (least recently used dropped first).
_BATCHES: LruCache[_Held] = LruCache(lambda: get_settings().policy_batches_kept)


@contextmanager
def in_effect_batch(session: Session, *, year: int) -> Iterator[BatchResult]:
    """The evaluation of every shipped policy in effect in ``year`` over every firm, for the
    caller to read inside the ``with`` block: computed once per data version (and kept for the
    next page) when the inputs are cacheable, else computed for this call.

    A policy's figures in it are those of evaluating it with its exclusive group alone: an
    allocation depends only on the policy's budget and on the other members of its group."""
    policies = in_effect_policies(year)
    key = cache_key(session)
    if key is None:
        yield _run_locally(session, year, policies)
        return
    ids = tuple(p.id for p in policies)
    held = _BATCHES.get_or_compute(
        (key, year, ids), lambda: _Held(_run_locally(session, year, policies))
    )
    with held.lock:
        yield held.result


def clear_cache() -> None:
    """Forget the batches and bases kept for the pages (benchmarks' cold runs; tests)."""
    from yuanqu.policies.load import clear_cache as clear_bases

    _BATCHES.clear()
    _BEFORE.clear()
    clear_bases()


def evaluate_year(
    session: Session,
    *,
    year: int,
    policy_ids: list[str] | None = None,
    only_eligible: bool = False,
    engine: EngineChoice = DUCKDB,
) -> dict[str, Any]:
    """Every (firm, policy) decision plus totals by policy, industry section and task force."""
    policies = select_policies(policy_ids)
    result = run(session, year=year, policies=policies, engine=engine)
    try:
        return report(result, only_eligible=only_eligible)
    finally:
        if engine.is_spark:  # free the evaluation's cached tables on the cluster
            result.con.close()  # type: ignore[attr-defined]  # SparkRunner.close


def report(result: BatchResult, *, only_eligible: bool = False) -> dict[str, Any]:
    """A batch's decisions and totals as :func:`evaluate_year` returns them (either engine)."""
    rows = result.rows(only_eligible=only_eligible).to_pylist()
    names = {c.policy.id: [x.id for x in c.policy.conditions] for c in result.compiled}
    for row in rows:
        failed = row.pop("failed")
        row["failed_condition"] = None if failed is None else names[row["policy"]][failed]
        row["missing"] = [m for m in (row.pop("missing_vars") or "").split(",") if m]
    return {
        "year": result.award_year,
        "rows": rows,
        "totals": result.totals(),
        "by_industry": _grouped(result, "industry_section"),
        "by_task_force": _grouped(result, "task_force"),
    }


def _grouped(result: engine.BatchResult, column: str) -> list[dict[str, Any]]:
    sources = [
        f"SELECT firm_id, {column} FROM inputs_{y}"
        for y in {c.policy.data_year(result.award_year) for c in result.compiled}
    ]
    if not sources:
        return []
    ids = ", ".join(f"({i}, {sql_text(c.policy.id)})" for i, c in enumerate(result.compiled))
    ids = ids or "(-1, '')"  # no policy in effect that year
    rows = result.con.execute(
        f"""SELECT p.policy, g.{column} AS grp,
                   count(*) FILTER (WHERE r.allocated_fen > 0) AS firms,
                   coalesce(sum(r.allocated_fen), 0) AS allocated_fen
            FROM policy_results r JOIN (VALUES {ids}) p(idx, policy) ON p.idx = r.policy_idx
            JOIN (SELECT DISTINCT * FROM ({" UNION ALL ".join(sources)})) g USING (firm_id)
            WHERE r.status = 0 GROUP BY ALL ORDER BY 1, 4 DESC, 2 NULLS LAST"""
    ).fetchall()
    return [{"policy": p, "group": g, "firms": n, "allocated_fen": int(a)} for p, g, n, a in rows]


def explain_firm(
    session: Session, *, uscc: str, policy_id: str, year: int, lang: str = "zh"
) -> dict[str, Any]:
    """Why this firm is or is not entitled, step by step; agrees with :func:`evaluate_year`."""
    code = normalize_uscc(uscc)
    policy = get_policy(policy_id)
    if not policy.in_effect(year):
        raise ValidationError(
            f"政策 {policy_id} 在 {year} 年不在有效期内",
            f"policy {policy_id} is not in effect in {year}",
        )
    if policy.exclusive_group or policy.budget is not None:
        # The allocation depends on every other firm (and the group's other policies): the
        # batch of every policy in effect has it, kept for the next call.
        with in_effect_batch(session, year=year) as result:
            return _explained(result, policy, code, lang)
    base = _bases(session, [policy], year, uscc=code)
    if base[policy.data_year(year)].num_rows == 0:
        raise NotFound(
            f"企业库中没有信用代码为 {code} 的企业", f"no enterprise with credit code {code}"
        )
    return _explained(engine.evaluate(plan.connect(), [policy], year, base), policy, code, lang)


def firm_inputs(session: Session, *, uscc: str, policy_id: str, year: int) -> dict[str, Any]:
    """The firm's variables for ``policy_id`` in award year ``year``, read from its own inputs
    only (its registry row, labels, statistics and facts, through the session: what a case
    keeps as the engine's inputs); the same values the batch read for it."""
    code = normalize_uscc(uscc)
    policy = get_policy(policy_id)
    base = _bases(session, [policy], year, uscc=code)
    result = engine.evaluate(plan.connect(), [policy], year, base)
    try:
        return firm_variables(result, policy, code)
    finally:
        result.con.close()  # type: ignore[attr-defined]  # a DuckDB connection of its own


def _explained(result: BatchResult, policy: Policy, code: str, lang: str) -> dict[str, Any]:
    (compiled,) = [c for c in result.compiled if c.policy.id == policy.id]
    variables = firm_variables(result, policy, code)
    return _explain(
        compiled, variables, uscc=code, lang=lang, batch_row=result.one(policy.id, code)
    ).to_dict()


def policy_figures(session: Session, *, policy_id: str, year: int) -> dict[str, Any]:
    """One policy's year in aggregate (its exclusive group applied): its totals and its firms
    paid and amounts by industry section and task force, from :func:`in_effect_batch`."""
    with in_effect_batch(session, year=year) as result:
        (totals,) = [t for t in result.totals() if t["policy"] == policy_id]
        return {
            "totals": totals,
            "missing_inputs": result.missing_inputs(policy_id) if totals["missing"] else {},
            **{
                key: [g for g in _grouped(result, column) if g["policy"] == policy_id]
                for key, column in (
                    ("by_industry", "industry_section"),
                    ("by_task_force", "task_force"),
                )
            },
        }


def firm_reads(
    result: engine.BatchResult, uscc: str
) -> list[tuple[plan.Compiled, dict[str, Any], dict | None]]:
    """What explaining every policy of the batch for one firm reads: per policy, its compiled
    form, the firm's variables and the firm's row of the batch. The variables are read once per
    data year (they do not depend on the policy), the rows in one pass: one firm's reads, never
    the zone's."""
    by_year: dict[int, dict[str, Any]] = {}
    rows = result.firm_rows(uscc)
    read = []
    for compiled in result.compiled:
        year = compiled.policy.data_year(result.award_year)
        if year not in by_year:
            by_year[year] = firm_variables(result, compiled.policy, uscc)
        read.append((compiled, dict(by_year[year]), rows.get(compiled.policy.id)))
    return read


def firm_variables(result: engine.BatchResult, policy: Policy, uscc: str) -> dict[str, Any]:
    """The firm's catalogue variables as the batch read them (same SQL, one row)."""
    variables = result.variables(policy, uscc)
    if variables is None:
        raise NotFound(
            f"企业库中没有信用代码为 {uscc} 的企业", f"no enterprise with credit code {uscc}"
        )
    return variables


# --- simulation ----------------------------------------------------------------------------------


def with_overrides(policy: Policy, overrides: dict[str, str]) -> Policy:
    """The policy with scalar parameters (or ``budget``) set to new values for every date."""
    from yuanqu.policies.language.definition import check_override, parse_number

    parameters = dict(policy.parameters)
    budget = policy.budget
    for name, raw in overrides.items():
        try:
            value = parse_number(raw)
        except ValueError as error:
            raise ValidationError(
                f"{name} 的值不是数：{raw}",
                f"{name}: {error}",
                details={"field": name, "value": raw},
            ) from None
        if name == "budget":
            check_override(name, value, "budget")
            budget = value
            continue
        band = _BAND_OVERRIDE.match(name)
        if band is not None:
            table = parameters.get(band[1])
            if table is not None:
                check_override(name, value, table.unit)
            parameters[band[1]] = _with_band_value(table, int(band[2]), value)
            continue
        parameter = parameters.get(name)
        if parameter is None or parameter.kind != "scalar":
            known = ", ".join(n for n, p in parameters.items() if p.kind == "scalar")
            raise ValidationError(
                f"{name} 不是本政策的数值参数（可用：{known}、budget）",
                f"{name} is not a scalar parameter of this policy (known: {known}, budget)",
            )
        check_override(name, value, parameter.unit)
        parameters[name] = Parameter(
            parameter.name,
            "scalar",
            parameter.unit,
            parameter.zh,
            parameter.en,
            "by_date",
            (ParameterVersion(date(1900, 1, 1), value=value),),
        )
    return dataclasses.replace(policy, parameters=parameters, budget=budget)


_BAND_OVERRIDE = re.compile(r"^([a-z][a-z0-9_]{0,62})\[([1-9][0-9]{0,2})\]$")


def _with_band_value(parameter: Parameter | None, index: int, value) -> Parameter:
    """``name[i]``: the value of the i-th band (1-based, in the table's order) of every version."""
    if parameter is None or parameter.kind != "band":
        raise ValidationError(
            "只有分档表参数可以写作 名称[档次]",
            "only a band table parameter can be written name[band]",
        )
    if any(len(v.bands) < index for v in parameter.versions):
        raise ValidationError(
            f"{parameter.name} 没有第 {index} 档", f"{parameter.name} has no band {index}"
        )
    versions = tuple(
        dataclasses.replace(
            v,
            bands=tuple(
                dataclasses.replace(b, value=value) if i == index - 1 else b
                for i, b in enumerate(v.bands)
            ),
        )
        for v in parameter.versions
    )
    return dataclasses.replace(parameter, versions=versions)


def simulate(
    session: Session,
    *,
    policy_id: str,
    year: int,
    overrides: dict[str, str],
    top: int = 20,
    engine: EngineChoice = DUCKDB,
) -> dict[str, Any]:
    """The policy as it stands against the policy with ``overrides``: cost, beneficiaries,
    distribution by industry section and task force, and the firms that gain or lose.

    Both sides evaluate the policy with the other policies of its exclusive group in effect
    (as they stand), as the batch does: a firm a larger award of the group pays is not paid by
    this one, and gains it when the overrides make this one the larger. Only this policy's
    figures are reported.

    On Spark (``engine``) both sides are evaluated on the cluster over the exported dataset, by
    the batch's own statements; what comes back to this process is each side's paid firms
    (what the distributions and the list of changes are computed from), not every firm."""
    current = get_policy(policy_id)
    if not current.in_effect(year):
        raise ValidationError(
            f"政策 {policy_id} 在 {year} 年不在有效期内",
            f"policy {policy_id} is not in effect in {year}",
            details={"policy": policy_id, "year": year},
        )
    variant = with_overrides(current, overrides)
    mates = group_mates(current, year=year)
    # The policy as it stands is the same for every move of a slider: kept per database and
    # data versions (a dataset on Spark is read anew: an export carries no data version).
    key = None if engine.is_spark else cache_key(session)
    if key is None:
        before = _simulated(session, current, mates, year, engine)
    else:
        before = _BEFORE.get_or_compute(
            (key, current.id, tuple(p.id for p in mates), year),
            lambda: _simulated(session, current, mates, year, engine),
        )
    after = before if not overrides else _simulated(session, variant, mates, year, engine)
    total_before, total_after = before.totals, after.totals
    con = plan.connect()
    con.register("a", before.awards)
    con.register("b", after.awards)
    # Only the firms paid on either side: a firm paid on neither changes nothing, and counts in
    # no distribution.
    attributes = "".join(
        f", coalesce(b.{c}, a.{c}) AS {c}"
        for c in ("name", "industry_section", "task_force", "industry_code", "revenue", "employees")
    )
    con.execute(
        "CREATE TEMP TABLE ab AS SELECT coalesce(b.uscc, a.uscc) AS uscc, "
        "coalesce(b.allocated_fen, 0) AS allocated_fen, "
        f"coalesce(a.allocated_fen, 0) AS before_fen{attributes} "
        "FROM b FULL JOIN a ON a.uscc = b.uscc"
    )
    gainers, losers = con.execute(
        "SELECT count(*) FILTER (WHERE allocated_fen > before_fen), "
        "count(*) FILTER (WHERE allocated_fen < before_fen) FROM ab"
    ).fetchone()
    changes = con.execute(
        """SELECT uscc, before_fen, allocated_fen AS after_fen,
                  allocated_fen - before_fen AS change_fen, name, industry_section
           FROM ab WHERE allocated_fen <> before_fen
           ORDER BY abs(allocated_fen - before_fen) DESC, uscc LIMIT ?""",
        [max(0, int(top))],
    ).fetchall()
    _size_classes(con)
    dist = {}
    for column in ("industry_section", "task_force", "size_class"):
        dist[column] = [
            {
                "group": g,
                "firms": n,
                "allocated_fen": int(s),
                "before_firms": m,
                "before_fen": int(t),
            }
            for g, n, s, m, t in con.execute(
                f"""SELECT {column}, count(*) FILTER (WHERE allocated_fen > 0),
                           coalesce(sum(allocated_fen), 0),
                           count(*) FILTER (WHERE before_fen > 0), coalesce(sum(before_fen), 0)
                    FROM ab GROUP BY 1 HAVING sum(allocated_fen) > 0 OR sum(before_fen) > 0
                    ORDER BY 3 DESC, 5 DESC, 1 NULLS LAST"""
            ).fetchall()
        ]
    return {
        "policy": policy_id,
        "year": year,
        "overrides": overrides,
        "exclusive_group": current.exclusive_group,
        "group_policies": [p.id for p in mates],
        "before": _side(total_before),
        "after": _side(total_after),
        "distribution": dist,
        "gainers": int(gainers),
        "losers": int(losers),
        "changes": [
            {
                "uscc": u,
                "name": name,
                "industry_section": section,
                "before_fen": int(x),
                "after_fen": int(y),
                "change_fen": int(z),
            }
            for u, x, y, z, name, section in changes
        ],
    }


def _side(totals: dict[str, Any]) -> dict[str, int]:
    """One side's figures; ``excluded``: eligible, but a larger award of the group pays them."""
    return {
        "eligible": totals["eligible"],
        "excluded": totals["excluded"],
        "beneficiaries": totals["beneficiaries"],
        "cost_fen": totals["allocated_fen"],
    }


@dataclasses.dataclass(frozen=True)
class _Simulated:
    """One side of a simulation: the allocation of every firm paid, with what the distributions
    group by, and the policy's totals."""

    awards: pa.Table
    totals: dict[str, Any]


#: The policy as it stands, per database, data versions, policy, its group mates and year (a
#: few MB each).
_BEFORE: LruCache[_Simulated] = LruCache(8)


def _simulated(
    session: Session, policy: Policy, mates: list[Policy], year: int, on: EngineChoice
) -> _Simulated:
    """``policy`` (index 0) evaluated with its group ``mates`` on engine ``on``; only its own
    figures kept."""
    result = run(session, year=year, policies=[policy, *mates], engine=on)
    try:
        awards = result.con.sql(
            "SELECT r.uscc, r.allocated_fen, i.name, i.industry_section, i.task_force, "
            "i.industry_code, i.revenue, i.employees FROM policy_results r "
            f"JOIN inputs_{policy.data_year(year)} i USING (firm_id) "
            "WHERE r.policy_idx = 0 AND r.allocated_fen > 0"
        ).to_arrow_table()
        (totals,) = [t for t in result.totals() if t["policy"] == policy.id]
    finally:
        if on.is_spark:  # free the evaluation's cached tables on the cluster
            result.con.close()  # type: ignore[attr-defined]  # SparkRunner.close
    return _Simulated(awards, totals)


def _size_classes(con) -> None:
    """Add each firm's statistical size class (统计上大中小微型企业划分办法) to table ``ab``, for
    the firms paid before or after (the size bounds are by industry, in core.size_class)."""
    found = con.sql(
        "SELECT DISTINCT industry_code, revenue, employees FROM ab "
        "WHERE (allocated_fen > 0 OR before_fen > 0) AND industry_code IS NOT NULL"
    ).to_arrow_table()
    classes = []
    for code, revenue, employees in zip(*(c.to_pylist() for c in found.columns), strict=True):
        try:
            size = size_class(
                code,
                employees=None if employees is None else int(employees),
                # The variables hold money in fen; the bounds are whole yuan, so the floor
                # compares exactly.
                revenue_yuan=None if revenue is None else int(revenue) // 100,
            )
        except (KeyError, ValidationError):  # a code too coarse to classify
            size = None
        classes.append(size)
    # Registered as Arrow with the columns' own types (not inserted row by row: DuckDB's
    # executemany costs a statement per row).
    con.register("sizes", found.append_column("size_class", pa.array(classes, pa.string())))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ab AS SELECT ab.*, s.size_class FROM ab LEFT JOIN sizes s "
        "ON s.industry_code = ab.industry_code AND s.revenue IS NOT DISTINCT FROM ab.revenue "
        "AND s.employees IS NOT DISTINCT FROM ab.employees"
    )

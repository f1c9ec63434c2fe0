"""The early-warning rules evaluated over the statistics snapshot in DuckDB.

Each rule kind is one SQL statement over the snapshot's ``reports`` (year, month, measures per
firm) and ``labels`` tables and returns the ids of the firms it flags. Thresholds are exact
fractions compared in integers (``value * 5 < before * 4`` for "below 80%"), so a firm at exactly
80% is never flagged by a float rounding. Periods are month numbers (``year * 12 + month - 1``).

The requests a ``request_mentions`` rule reads belong to the service desk, which this domain does
not import: it reads them through a reader wired at start-up (:func:`read_requests_with`); with
no reader wired the rule reports that it has no source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import LoadedData
from yuanqu.core.periods import Period
from yuanqu.stats.frames import lit, snapshot
from yuanqu.watch.rules import Rule

#: ``reader(session, since=, until=)`` -> the firms' requests made from ``since`` to ``until``
#: inclusive, each ``(enterprise id, day made, its text)``; the rule matches the words itself.
RequestReader = Callable[..., Iterable[tuple[int, date, str]]]
_request_reader: list[RequestReader] = []


def read_requests_with(reader: RequestReader | None) -> None:
    """Wire the service desk's reader of firms' requests (``wiring.wire``); None unwires it."""
    _request_reader.clear()
    if reader is not None:
        _request_reader.append(reader)


def request_source() -> RequestReader | None:
    return _request_reader[0] if _request_reader else None


#: ``reader(session, enterprise_ids)`` -> {enterprise id: its adviser (服务管家)}.
AdviserReader = Callable[..., Mapping[int, str]]
_adviser_reader: list[AdviserReader] = []


def read_advisers_with(reader: AdviserReader | None) -> None:
    """Wire the service desk's advisers (``wiring.wire``): a flagged firm's owner is its adviser
    when it has one, else its task force. None unwires it."""
    _adviser_reader.clear()
    if reader is not None:
        _adviser_reader.append(reader)


def advisers(session: Session, enterprise_ids: Sequence[int]) -> Mapping[int, str]:
    if not _adviser_reader or not enterprise_ids:
        return {}
    return _adviser_reader[0](session, list(enterprise_ids))


@dataclass
class RuleResult:
    """The firms one rule flags at one as-of period; ``source`` is False when the rule has no
    data to read (a request rule before the service desk exists)."""

    rule: Rule
    firm_ids: frozenset[int]
    source: bool = True
    evidence: dict[int, list[str]] = field(default_factory=dict)


def years_needed(as_of: Period) -> list[int]:
    """The years of reports the shipped kinds read: the as-of year and the two before it (the
    last reported months and their year-before, the twelve-month look-back)."""
    return [as_of.year - 2, as_of.year - 1, as_of.year]


def _p(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return f"({prefix}year * 12 + {prefix}month - 1)"


def yoy_below_sql(rule: Rule, as_of: Period) -> str:
    measure = f"{rule.params['measure']}_fen"
    ratio = rule.ratio("below")
    months = rule.count("months")
    # The firm's last `months` reported months up to the as-of period (max(p, n): the n largest,
    # one pass without sorting every report), each with the value of the same month a year
    # before; every one must be strictly below the ratio.
    return f"""
WITH r AS (
  SELECT enterprise_id, {_p()} AS p, {measure} AS v FROM reports
  WHERE {measure} IS NOT NULL AND year >= {as_of.year - 2} AND {_p()} <= {as_of.index}
), top AS (
  SELECT enterprise_id, unnest(max(p, {months})) AS p FROM r GROUP BY enterprise_id
), c AS (
  SELECT t.enterprise_id, t.p, r.v FROM top t JOIN r USING (enterprise_id, p)
)
SELECT c.enterprise_id FROM c LEFT JOIN r b ON b.enterprise_id = c.enterprise_id
  AND b.p = c.p - 12
GROUP BY c.enterprise_id
HAVING count(*) = {months} AND bool_and(
  b.v IS NOT NULL AND b.v > 0
  AND CAST(c.v AS HUGEINT) * {ratio.denominator} < CAST(b.v AS HUGEINT) * {ratio.numerator})
"""


def stopped_reporting_sql(rule: Rule, as_of: Period) -> str:
    silent = rule.count("silent_months")
    lookback = rule.count("lookback_months")
    first_silent = as_of.index - silent + 1
    return f"""
SELECT enterprise_id FROM reports
WHERE {_p()} BETWEEN {first_silent - lookback} AND {as_of.index}
GROUP BY enterprise_id
HAVING count(*) FILTER (WHERE {_p()} < {first_silent}) > 0
   AND count(*) FILTER (WHERE {_p()} >= {first_silent}) = 0
"""


def label_expiring_sql(rule: Rule, as_of: Period) -> str:
    day = as_of.last_day
    until = day + timedelta(days=rule.count("within_days"))
    label = lit(str(rule.params["label"]))
    return f"""
SELECT DISTINCT l.enterprise_id FROM labels l
WHERE l.label = {label} AND l.valid_to <> ''
  AND l.valid_to >= {lit(day.isoformat())} AND l.valid_to <= {lit(until.isoformat())}
  AND NOT EXISTS (
    SELECT 1 FROM labels n WHERE n.enterprise_id = l.enterprise_id AND n.label = l.label
      AND n.valid_from > l.valid_from)
"""


def headcount_at_most_sql(rule: Rule, as_of: Period) -> str:
    ratio = rule.ratio("at_most")
    before = as_of - 12
    return f"""
SELECT c.enterprise_id FROM reports c JOIN reports b ON b.enterprise_id = c.enterprise_id
WHERE c.year = {as_of.year} AND c.month = {as_of.month}
  AND b.year = {before.year} AND b.month = {before.month}
  AND c.employees IS NOT NULL AND b.employees >= {rule.count("minimum_before")}
  AND CAST(c.employees AS HUGEINT) * {ratio.denominator}
      <= CAST(b.employees AS HUGEINT) * {ratio.numerator}
"""


SQL_KINDS: dict[str, Callable[[Rule, Period], str]] = {
    "yoy_below": yoy_below_sql,
    "stopped_reporting": stopped_reporting_sql,
    "label_expiring": label_expiring_sql,
    "headcount_at_most": headcount_at_most_sql,
}


def _request_rule(session: Session, rule: Rule, as_of: Period) -> RuleResult:
    reader = request_source()
    if reader is None:
        return RuleResult(rule, frozenset(), source=False)
    since: date = (as_of - (rule.count("months") - 1)).first_day
    until = as_of.last_day
    words = rule.words()
    evidence: dict[int, list[str]] = {}
    for firm, day, text in reader(session, since=since, until=until):
        if since <= day <= until and any(word in text for word in words):
            evidence.setdefault(int(firm), []).append(f"{day.isoformat()} {text[:80]}")
    return RuleResult(rule, frozenset(evidence), evidence=evidence)


def evaluate_on(data: LoadedData, rule: Rule, as_of: Period) -> frozenset[int]:
    """The ids of the firms a statistics or registry rule flags (not memoised)."""
    table = data.query(SQL_KINDS[rule.kind](rule, as_of))
    return frozenset(table.column(0).to_pylist())


HITS = pa.schema([("enterprise_id", pa.int64()), ("rule", pa.int32())])


def _statistics_hits(data: LoadedData, rules: Sequence[Rule], as_of: Period) -> pa.Table:
    """(enterprise id, rule's position) for every SQL rule, in one statement."""
    parts = [
        f"SELECT enterprise_id, {index} AS rule FROM ({SQL_KINDS[rule.kind](rule, as_of)})"
        for index, rule in enumerate(rules)
        if rule.kind in SQL_KINDS
    ]
    if not parts:
        return HITS.empty_table()
    return data.query(" UNION ALL ".join(parts)).cast(HITS)


@dataclass
class Evaluation:
    """The rules' results at one as-of period: every hit, ranked per firm in DuckDB."""

    rules: list[Rule]
    results: list[RuleResult]
    #: one row per flagged firm: id, uscc, name, task_force, score, signals (rule positions),
    #: highest score first, ties by credit code
    ranked: pa.Table


def evaluate(session: Session, rules: Sequence[Rule], as_of: Period) -> Evaluation:
    """Every rule at ``as_of``. The SQL rules run on the cached snapshot in one statement, memoised
    on it (a new import makes a new snapshot); request rules ask the wired reader."""
    rules = list(rules)
    data = snapshot(session, years_needed(as_of))
    key = ("watch", tuple((r.kind, tuple(sorted(r.params.items()))) for r in rules), str(as_of))
    hits = data.memoised(key, lambda: _statistics_hits(data, rules, as_of), large=True)
    results: list[RuleResult] = []
    extra: list[tuple[int, int]] = []
    for index, rule in enumerate(rules):
        if rule.kind == "request_mentions":
            result = _request_rule(session, rule, as_of)
            extra += [(firm, index) for firm in result.firm_ids]
        else:
            mask = pc.equal(hits.column("rule"), index)
            result = RuleResult(rule, frozenset(hits.filter(mask).column(0).to_pylist()))
        results.append(result)
    if extra:
        firms, positions = zip(*extra, strict=True)
        more = pa.table([pa.array(firms, pa.int64()), pa.array(positions, pa.int32())], schema=HITS)
        hits = pa.concat_tables([hits, more])
    weights = pa.table(
        {
            "rule": pa.array(range(len(rules)), pa.int32()),
            "weight": pa.array([r.weight for r in rules], pa.int64()),
        }
    )
    ranked = data.query(
        "SELECT f.id, f.uscc, f.name, f.task_force, CAST(sum(w.weight) AS BIGINT) AS score, "
        "list(h.rule ORDER BY h.rule) AS signals FROM hits h JOIN weights w USING (rule) "
        "JOIN firms f ON f.id = h.enterprise_id GROUP BY f.id, f.uscc, f.name, f.task_force "
        "ORDER BY score DESC, f.uscc",
        tables={"hits": hits, "weights": weights},
    )
    return Evaluation(rules, results, ranked)

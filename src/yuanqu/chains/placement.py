"""Placing firms on chain segments, vectorised: the rules compile to one DuckDB query over Arrow.

A firm sits on a segment when any of the segment's rules matches (industry code under one of the
rule's codes, at any level, AND a keyword in its name or business scope) and no ``exclude``
keyword appears. Manual overrides win: the latest override of a (firm, chain, segment) decides,
``include`` puts the firm there whatever the rules say, ``exclude`` takes it off, ``clear`` hands
the decision back to the rules. A firm may sit on several segments, in several chains.

Keywords match case-insensitively as literal text (RE2 alternation with escaped metacharacters).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from yuanqu.analytics.tables import duck
from yuanqu.chains.definitions import Chain, Rule, Segment
from yuanqu.core.industry import industry_catalog

FIRM_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("name", pa.string()),
        ("industry_code", pa.string()),
        ("industry_section", pa.string()),
        ("business_scope", pa.string()),
    ]
)

OVERRIDE_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("enterprise_id", pa.int64()),
        ("chain_key", pa.string()),
        ("segment_key", pa.string()),
        ("action", pa.string()),
    ]
)

PLACEMENT_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("chain", pa.string()),
        ("segment", pa.string()),
        ("source", pa.string()),
        ("matched", pa.string()),
    ]
)

UNPLACED_SCHEMA = pa.schema([("enterprise_id", pa.int64()), ("chain", pa.string())])

_RE2_SPECIAL = set("\\.^$|?*+()[]{}-/")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _regex(keywords: Sequence[str]) -> str:
    """A case-insensitive RE2 alternation matching any keyword literally (longest first)."""
    escaped = (
        "".join("\\" + ch if ch in _RE2_SPECIAL else ch for ch in kw)
        for kw in sorted(keywords, key=len, reverse=True)
    )
    return "(?i)(" + "|".join(escaped) + ")"


def _code_condition(codes: Sequence[str]) -> str:
    catalog = industry_catalog()
    parts = []
    for code in codes:
        if catalog.get(code).level == 1:
            parts.append(f"industry_section = {_sql_text(code)}")
        else:
            parts.append(f"starts_with(industry_code, {_sql_text(code)})")
    return "(" + " OR ".join(parts) + ")"


def _rule_condition(rule: Rule) -> str:
    parts = []
    if rule.codes:
        parts.append(_code_condition(rule.codes))
    if rule.keywords:
        parts.append(f"regexp_matches(scan_text, {_sql_text(_regex(rule.keywords))})")
    return "(" + " AND ".join(parts) + ")"


def _rule_explanation(rule: Rule) -> str:
    """SQL for why the rule matched: the firm's code and/or the keyword found."""
    parts = []
    if rule.codes:
        parts.append("'code ' || industry_code")
    if rule.keywords:
        parts.append(
            f"'keyword ' || regexp_extract(scan_text, {_sql_text(_regex(rule.keywords))}, 1)"
        )
    return " || '; ' || ".join(parts)


def _segment_select(chain: Chain, segment: Segment) -> str:
    conditions = [_rule_condition(rule) for rule in segment.rules]
    cases = " ".join(
        f"WHEN {cond} THEN {_rule_explanation(rule)}"
        for cond, rule in zip(conditions, segment.rules, strict=True)
    )
    where = "(" + " OR ".join(conditions) + ")"
    if segment.exclude:
        where += f" AND NOT regexp_matches(scan_text, {_sql_text(_regex(segment.exclude))})"
    return (
        f"SELECT id AS enterprise_id, {_sql_text(chain.key)} AS chain, "
        f"{_sql_text(segment.key)} AS segment, CASE {cases} END AS matched "
        f"FROM firms_scan WHERE {where}"
    )


def rules_sql(chains: Sequence[Chain]) -> str:
    """The query placing every firm of ``firms_scan`` on every segment of ``chains`` by rule."""
    selects = [_segment_select(chain, seg) for chain in chains for seg in chain.segments]
    return "\nUNION ALL\n".join(selects)


def _empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def place(
    firms: pa.Table,
    chains: Sequence[Chain],
    *,
    overrides: pa.Table | None = None,
) -> pa.Table:
    """Every (firm, chain, segment) placement, with its source ('rule' or 'override') and why."""
    if not chains or firms.num_rows == 0:
        return _empty(PLACEMENT_SCHEMA)
    overrides = overrides if overrides is not None else _empty(OVERRIDE_SCHEMA)
    known = pa.table(
        {
            "chain": [c.key for c in chains for _s in c.segments],
            "segment": [s.key for c in chains for s in c.segments],
        }
    )
    conn = duck()
    try:
        conn.register("firms", firms.select(FIRM_SCHEMA.names).cast(FIRM_SCHEMA))
        conn.register("override_rows", overrides.cast(OVERRIDE_SCHEMA))
        conn.register("known_segments", known)
        sql = f"""
        WITH firms_scan AS (
            SELECT id, industry_code, industry_section,
                   coalesce(name, '') || ' ' || coalesce(business_scope, '') AS scan_text
            FROM firms
        ),
        by_rule AS ({rules_sql(chains)}),
        decided AS (
            SELECT o.enterprise_id, o.chain_key AS chain, o.segment_key AS segment, o.action
            FROM override_rows o
            JOIN known_segments k ON k.chain = o.chain_key AND k.segment = o.segment_key
            WHERE o.enterprise_id IN (SELECT id FROM firms)
            QUALIFY row_number() OVER (
                PARTITION BY o.enterprise_id, o.chain_key, o.segment_key ORDER BY o.id DESC
            ) = 1
        )
        SELECT r.enterprise_id, r.chain, r.segment, 'rule' AS source, r.matched
        FROM by_rule r
        ANTI JOIN (SELECT * FROM decided WHERE action <> 'clear') d
            ON d.enterprise_id = r.enterprise_id AND d.chain = r.chain AND d.segment = r.segment
        UNION ALL
        SELECT enterprise_id, chain, segment, 'override' AS source, 'manual' AS matched
        FROM decided WHERE action = 'include'
        ORDER BY chain, segment, enterprise_id
        """
        return conn.sql(sql).to_arrow_table().cast(PLACEMENT_SCHEMA)
    finally:
        conn.close()


def unplaced(firms: pa.Table, placements: pa.Table, chains: Sequence[Chain]) -> pa.Table:
    """Firms in a chain's industries that sit on none of its segments: the review list."""
    selects = [
        f"SELECT id AS enterprise_id, {_sql_text(c.key)} AS chain FROM firms "
        f"WHERE {_code_condition(c.industries)} AND id NOT IN "
        f"(SELECT enterprise_id FROM placements WHERE chain = {_sql_text(c.key)})"
        for c in chains
        if c.industries
    ]
    if not selects or firms.num_rows == 0:
        return _empty(UNPLACED_SCHEMA)
    conn = duck()
    try:
        conn.register("firms", firms.select(FIRM_SCHEMA.names).cast(FIRM_SCHEMA))
        conn.register("placements", placements.cast(PLACEMENT_SCHEMA))
        sql = " UNION ALL ".join(selects) + " ORDER BY chain, enterprise_id"
        return conn.sql(sql).to_arrow_table().cast(UNPLACED_SCHEMA)
    finally:
        conn.close()


def place_naively(firms: pa.Table, chains: Sequence[Chain]) -> list[tuple[int, str, str]]:
    """The same rules, one firm at a time in Python: the benchmark's baseline (no overrides)."""
    catalog = industry_catalog()
    found: list[tuple[int, str, str]] = []
    for row in firms.to_pylist():
        text = f"{row['name'] or ''} {row['business_scope'] or ''}".lower()
        code = row["industry_code"]
        for chain in chains:
            for seg in chain.segments:
                if any(kw.lower() in text for kw in seg.exclude):
                    continue
                for rule in seg.rules:
                    if rule.codes and not any(
                        (row["industry_section"] == c)
                        if catalog.get(c).level == 1
                        else code.startswith(c)
                        for c in rule.codes
                    ):
                        continue
                    if rule.keywords and not any(kw.lower() in text for kw in rule.keywords):
                        continue
                    found.append((row["id"], chain.key, seg.key))
                    break
    return found

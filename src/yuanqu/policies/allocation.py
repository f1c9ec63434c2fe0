"""Exclusive groups and budgets over the claims of a batch, decided by a few small queries.

The claims (``policy_claims``) are never rewritten. What the allocation needs is computed only
where it matters and kept in small tables:

* ``policy_excluded``: the eligible claims a larger claim of the same exclusive group beat (only
  when a group has two policies or more in the batch);
* the per-policy totals of eligible claims, for the budgeted policies only: a policy whose claims
  fit its budget pays them in full;
* ``policy_rationing``: one row per policy whose claims exceed its budget, with its *cut-off*.
  Pro rata pays ``floor(claim x budget / total)`` plus one fen to the ``leftover`` largest
  remainders (ties by credit code): the cut-off is the last of those (remainder, credit-code
  rank). First come / ranked pay claims in order until the budget runs out: the cut-off is the
  claim that crosses the budget (its order key, credit-code rank and what it receives).

``policy_results`` is then a view: every claim's allocation is a projection of its own figures
and its policy's cut-off. Everything is plain SQL (DuckDB, and Spark through sqlglot).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from yuanqu.policies.language.expressions import sql_text
from yuanqu.policies.language.sqlgen import typed_values
from yuanqu.policies.plan import Compiled, Runner, arrow, fetch, missing_names_sql

PRO_RATA, FIRST_COME, RANKED = 1, 2, 3
_METHOD = {"pro_rata": PRO_RATA, "first_come": FIRST_COME, "ranked": RANKED}


def _values(rows: list[tuple], columns: str, doubles: int = 0) -> str:
    """A VALUES relation: the first column a policy index (joined with the claims' SMALLINT),
    then integers (amounts, ranks, keys: HUGEINT), then the last ``doubles`` columns DOUBLE."""
    names = [c.strip() for c in columns.split(",")]
    width = len(names)
    kinds = [
        "SMALLINT" if k == 0 else "DOUBLE" if k >= width - doubles else "HUGEINT"
        for k in range(width)
    ]
    return typed_values(rows, list(zip(names, kinds, strict=True)))


def with_shares(source: str, claim: str, budget: str, total: str) -> str:
    """``source`` with ``pr_share`` = ``claim x budget // total`` and ``pr_remainder`` =
    ``claim x budget % total`` (non-negative integers; NULL where ``claim`` is), exact.

    128-bit division costs about 200 ns a row, so the quotient is first estimated in double
    precision and then checked with 128-bit products only: the estimate is kept when the
    remainder it leaves lies in [0, total), moved by one when it lies one ``total`` outside,
    and otherwise (never seen: the estimate is off by far less than one for claims below 2^50
    fen) the exact 128-bit division is done. So the result is exact whatever the estimate.
    Each step is its own projection, so nothing is computed twice."""
    t = total
    guess = (
        f"CAST(floor(CAST({claim} AS DOUBLE) * CAST({budget} AS DOUBLE) "
        f"/ CAST({t} AS DOUBLE)) AS HUGEINT)"
    )
    return f"""SELECT *, pr_product - pr_share * {t} AS pr_remainder FROM (
      SELECT *, CASE WHEN pr_left >= 0 AND pr_left < {t} THEN pr_guess
          WHEN pr_left < 0 AND pr_left + {t} >= 0 THEN pr_guess - 1
          WHEN pr_left >= {t} AND pr_left - {t} < {t} THEN pr_guess + 1
          ELSE pr_product // {t} END AS pr_share FROM (
        SELECT *, pr_product - pr_guess * {t} AS pr_left FROM (
          SELECT *, {claim} * {budget} AS pr_product, {guess} AS pr_guess
          FROM ({source}) pr0) pr1) pr2) pr3"""


#: How far, at most, the double-precision quotient ``claim x (budget / total)`` may lie from the
#: exact one, as a multiple of the budget (the quotient never exceeds it): three roundings of
#: 2^-53 each, with a margin of five.
ERROR_BOUND = 2.0**-49


def fast_shares(source: str, claim: str) -> str:
    """``source`` (with ``budget``, ``total``: HUGEINT; ``ratio`` = budget / total and
    ``delta``, the error bound: DOUBLE) with, per claim:

    * ``pr_share`` = ``floor(claim x budget / total)``, exact;
    * ``pr_frac``: the fraction ``claim x budget / total - pr_share`` in double precision,
      within ``delta`` of the exact one;
    * ``pr_pos``: whether the exact remainder is positive (only those can receive a fen).

    The quotient is computed in double precision (``pr_x``): when it lies more than ``delta``
    from every integer its floor is the exact share (and the remainder is positive). Only the
    others, rare, take the exact 128-bit product and division: 128-bit arithmetic costs ten
    times as much a row, and a budget binding for a hundred policies reads tens of millions of
    claims in each pass."""
    return f"""SELECT *,
        CAST(CASE WHEN pr_sure THEN pr_floor ELSE pr_q END AS BIGINT) AS pr_share,
        CASE WHEN pr_sure THEN pr_x - pr_floor
             ELSE CAST(pr_p - pr_q * total AS DOUBLE) / CAST(total AS DOUBLE) END AS pr_frac,
        CASE WHEN pr_sure THEN TRUE ELSE pr_p - pr_q * total > 0 END AS pr_pos
      FROM (SELECT *, CASE WHEN NOT pr_sure THEN pr_p // total END AS pr_q FROM (
        SELECT *, CASE WHEN NOT pr_sure THEN CAST({claim} AS HUGEINT) * budget END AS pr_p
        FROM (SELECT *, (pr_x - pr_floor > delta AND pr_floor + 1 - pr_x > delta) AS pr_sure
          FROM (SELECT *, floor(pr_x) AS pr_floor FROM (
            SELECT *, CAST({claim} AS DOUBLE) * ratio AS pr_x
            FROM ({source}) f0) f1) f2) f3) f4) f5"""


def pro_rata_figures(budget: int, total: int) -> tuple[float, float]:
    """``ratio`` and ``delta`` for :func:`fast_shares` (``ratio`` correctly rounded)."""
    return budget / total, budget * ERROR_BOUND


def _bracket(value: Fraction) -> tuple[float, float]:
    """The doubles just below and above an exact fraction."""
    near = float(value)
    low = near if Fraction(near) <= value else math.nextafter(near, -math.inf)
    high = near if Fraction(near) >= value else math.nextafter(near, math.inf)
    return low, high


@dataclass
class Allocation:
    """What :func:`allocate` found besides the views: per rationed policy, the branch of
    ``policy_alloc`` that pays it (the others are in ``policy_alloc_0``: a look-up of one claim
    reads only that one), and per policy with claims its :data:`FIGURES`."""

    paid_by: dict[int, str]
    totals: dict[int, dict[str, int]]


#: The figures counted per policy (over its rows: a policy with none has no entry).
FIGURES = ("eligible", "missing", "excluded", "beneficiaries", "claimed_fen", "allocated_fen")


def allocate(con: Runner, compiled: list[Compiled], create: Callable[..., None]) -> Allocation:
    """Create ``policy_alloc`` and ``policy_results`` (views) over ``policy_claims`` and
    ``policy_firms``, and count each policy's figures on the way: its claims by status and
    their sum in one pass, and for a rationed policy what it pays and to how many firms in the
    passes that find its cut-off (so reading the totals costs no pass over the claims)."""
    ordered = any(c.order_by is not None for c in compiled)
    order_key = "c.order_key" if ordered else "CAST(NULL AS HUGEINT) AS order_key"
    excluded = _exclusive_groups(con, compiled, create)
    status = (
        "CASE WHEN x.uscc_rank IS NOT NULL THEN 3 ELSE c.status END" if excluded else "c.status"
    )
    join_x = (
        " LEFT JOIN policy_excluded x ON x.policy_idx = c.policy_idx AND x.uscc_rank = c.uscc_rank"
        if excluded
        else ""
    )
    create(
        con,
        "policy_claims_x",
        "SELECT c.policy_idx, c.uscc_rank, "
        f"CAST({status} AS TINYINT) AS status, "
        f"c.failed, c.amount_fen, c.capped_fen, {order_key}, c.missing_mask "
        f"FROM policy_claims c{join_x}",
        view=True,
    )
    rationing, totals = _rationing(con, compiled, create)
    columns = "policy_idx, uscc_rank, status, failed, amount_fen, capped_fen"
    plain = "CASE WHEN status <> 0 THEN 0 ELSE capped_fen END"
    if rationing:
        create(
            con,
            "policy_rationing",
            _values(
                rationing,
                "policy_idx, method, budget, total, cut_remainder, cut_rank, cut_key, cut_paid, "
                "ratio, delta, cut_low, cut_high",
                doubles=4,
            ),
        )
        # One branch per kind of policy, so each row runs only its own arithmetic: the claims
        # of policies paid in full, the pro-rata shares, the claims paid in order.
        by_method: dict[int, list[int]] = {}
        for row in rationing:
            by_method.setdefault(int(row[1]), []).append(int(row[0]))
        rationed = [i for listed in by_method.values() for i in listed]
        branches = [
            f"SELECT {columns}, CAST({plain} AS BIGINT) AS allocated_fen, missing_mask "
            f"FROM policy_claims_x WHERE policy_idx NOT IN ({', '.join(map(str, rationed))})"
        ]
        members: list[list[int]] = [[]]
        joined = (
            "SELECT c.*, b.budget, b.total, b.cut_remainder, b.cut_rank, b.cut_key, b.cut_paid, "
            "b.ratio, b.delta, b.cut_low, b.cut_high "
            "FROM policy_claims_x c JOIN policy_rationing b ON b.policy_idx = c.policy_idx "
            "WHERE c.policy_idx IN ({})"
        )
        if PRO_RATA in by_method:
            source = fast_shares(
                joined.format(", ".join(map(str, by_method[PRO_RATA]))),
                "CASE WHEN status = 0 THEN capped_fen END",
            )
            # One more fen to the claims at or above the cut-off (remainder descending, ties by
            # credit code): decided in double precision where the fraction lies more than the
            # error bound from the cut-off's, else by the exact remainder.
            remainder = "(CAST(capped_fen AS HUGEINT) * budget - pr_share * total)"
            extra = f"""CASE WHEN cut_remainder IS NULL OR NOT pr_pos THEN 0
                WHEN pr_frac - delta > cut_high THEN 1 WHEN pr_frac + delta < cut_low THEN 0
                WHEN {remainder} > cut_remainder
                  OR ({remainder} = cut_remainder AND uscc_rank <= cut_rank) THEN 1 ELSE 0 END"""
            branches.append(
                f"SELECT {columns}, CAST(coalesce(pr_share + {extra}, 0) AS BIGINT) "
                f"AS allocated_fen, missing_mask FROM ({source}) s"
            )
            members.append(by_method[PRO_RATA])
        before = (
            "(uscc_rank < cut_rank AND ((order_key IS NULL AND cut_key IS NULL) "
            "OR order_key = cut_key))"
        )
        at = (
            "(uscc_rank = cut_rank AND ((order_key IS NULL AND cut_key IS NULL) "
            "OR order_key = cut_key))"
        )
        for method, op in ((FIRST_COME, "<"), (RANKED, ">")):
            if method not in by_method:
                continue
            ahead = f"(order_key IS NOT NULL AND (cut_key IS NULL OR order_key {op} cut_key))"
            allocated = f"""CASE WHEN status <> 0 THEN 0
                WHEN {ahead} OR {before} THEN capped_fen WHEN {at} THEN cut_paid ELSE 0 END"""
            branches.append(
                f"SELECT {columns}, CAST({allocated} AS BIGINT) AS allocated_fen, missing_mask "
                f"FROM ({joined.format(', '.join(map(str, by_method[method])))}) s"
            )
            members.append(by_method[method])
    else:
        branches = [
            f"SELECT {columns}, CAST({plain} AS BIGINT) AS allocated_fen, missing_mask "
            "FROM policy_claims_x"
        ]
        members = [[]]
    names = []
    for k, branch in enumerate(branches):
        names.append(f"policy_alloc_{k}")
        create(con, names[-1], branch, view=True)
    create(con, "policy_alloc", " UNION ALL ".join(f"SELECT * FROM {n}" for n in names), view=True)
    missing = missing_names_sql(compiled, "a.missing_mask", "a.policy_idx")
    create(
        con,
        "policy_results",
        "SELECT a.policy_idx, f.firm_id, f.uscc, a.status, a.failed, a.amount_fen, "
        f"a.capped_fen, a.allocated_fen, {missing} AS missing_vars "
        "FROM policy_alloc a JOIN policy_firms f ON f.uscc_rank = a.uscc_rank",
        view=True,
    )
    paid_by = {i: names[k] for k, listed in enumerate(members) if k > 0 for i in listed}
    recount = [i for i, figures in totals.items() if figures["beneficiaries"] is None]
    if recount:  # rationed by the exact fallback: counted on the allocations themselves
        found = dict(
            fetch(
                con,
                "SELECT policy_idx, count(*) FROM policy_alloc WHERE allocated_fen > 0 "
                f"AND policy_idx IN ({', '.join(map(str, recount))}) GROUP BY policy_idx",
            )
        )
        for i in recount:
            totals[i]["beneficiaries"] = int(found.get(i, 0))
    if getattr(con, "create", None) is None:
        con.execute(f"DROP TABLE IF EXISTS {BUDGETED}")  # no view reads it
    return Allocation(paid_by, totals)


def _exclusive_groups(con: Runner, compiled: list[Compiled], create: Callable[..., None]) -> bool:
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(compiled):
        if c.policy.exclusive_group:
            groups.setdefault(c.policy.exclusive_group, []).append(i)
    groups = {g: m for g, m in groups.items() if len(m) > 1}
    if not groups:
        return False
    # A firm keeps, within a group, its largest eligible claim; ties go to the smaller policy id.
    group_of = " ".join(
        f"WHEN c.policy_idx IN ({', '.join(map(str, m))}) THEN {m[0]}" for m in groups.values()
    )
    members = [i for m in groups.values() for i in m]
    order = " ".join(f"WHEN {i} THEN {sql_text(compiled[i].policy.id)}" for i in members)
    create(
        con,
        "policy_excluded",
        f"""SELECT policy_idx, uscc_rank FROM (
              SELECT c.policy_idx, c.uscc_rank, row_number() OVER (
                  PARTITION BY CASE {group_of} END, c.uscc_rank
                  ORDER BY c.capped_fen DESC, CASE c.policy_idx {order} END) AS rn
              FROM policy_claims c
              WHERE c.status = 0 AND c.policy_idx IN ({", ".join(map(str, members))})) r
            WHERE rn > 1""",
    )
    return True


#: The budgeted policies' claims, lean (policy, rank, status, capped claim, order key): the
#: cut-offs are found on this table, read two or three times, instead of computing the claims
#: again each time.
BUDGETED = "policy_budgeted"


def _counts(con: Runner, source: str) -> dict[int, dict[str, int]]:
    """Per policy with rows in ``source``: its :data:`FIGURES`, every claim paid in full."""
    out: dict[int, dict[str, int]] = {}
    for i, status, n, claimed, positive in fetch(
        con,
        "SELECT policy_idx, status, count(*), sum(capped_fen), "
        f"count(*) FILTER (WHERE capped_fen > 0) FROM ({source}) c GROUP BY policy_idx, status",
    ):
        figures = out.setdefault(int(i), dict.fromkeys(FIGURES, 0))
        if status == 0:
            figures["eligible"] = int(n)
            figures["claimed_fen"] = figures["allocated_fen"] = int(claimed or 0)
            figures["beneficiaries"] = int(positive)
        elif status in (2, 3):
            figures["missing" if status == 2 else "excluded"] = int(n)
    return out


def _rationing(
    con: Runner, compiled: list[Compiled], create: Callable[..., None]
) -> tuple[list[tuple], dict[int, dict[str, int]]]:
    """The policies whose eligible claims exceed their budget, each with its cut-off, and every
    policy's figures (a rationed policy pays its budget exactly: the floor shares and the fen
    handed out add up to it, and so do the claims paid in order and the part of the one that
    crosses it). A rationed policy's beneficiaries are counted where its cut-off is found; a
    policy whose count is still to be made (the exact fallback) has ``None``."""
    budgets = {
        i: (int(c.policy.budget * 100), _METHOD[c.policy.allocation.method])
        for i, c in enumerate(compiled)
        if c.policy.budget is not None
    }
    listed = ", ".join(map(str, budgets))
    sources = []
    if budgets:
        key = ", order_key" if any(c.order_by is not None for c in compiled) else ""
        create(
            con,
            BUDGETED,
            f"SELECT policy_idx, uscc_rank, status, capped_fen{key} FROM policy_claims_x "
            f"WHERE policy_idx IN ({listed})",
        )
        sources.append(f"SELECT policy_idx, status, capped_fen FROM {BUDGETED}")
    if compiled and len(budgets) < len(compiled):
        where = f" WHERE policy_idx NOT IN ({listed})" if budgets else ""
        sources.append(f"SELECT policy_idx, status, capped_fen FROM policy_claims_x{where}")
    totals = _counts(con, " UNION ALL ".join(sources)) if sources else {}
    rationed = {
        i: (budget, totals[i]["claimed_fen"], method)
        for i, (budget, method) in budgets.items()
        if i in totals and totals[i]["claimed_fen"] > budget
    }
    if not rationed:
        return [], totals
    for i, (budget, _, _) in rationed.items():
        totals[i]["allocated_fen"] = budget
        totals[i]["beneficiaries"] = None  # type: ignore[assignment]  # counted below
    params = _values(
        [(i, budget, total) for i, (budget, total, _) in rationed.items()],
        "policy_idx, budget, total",
    )
    rows: list[tuple] = []
    pro_rata = [i for i, (_, _, m) in rationed.items() if m == PRO_RATA]
    if pro_rata:
        found, unsettled, paid = _pro_rata_cuts_fast(con, rationed, pro_rata)
        for i, n in paid.items():
            totals[i]["beneficiaries"] = n
        if unsettled:  # the error bound too wide for the fast selection: the exact one
            found.update(_pro_rata_cuts(con, params, unsettled))
        for i in pro_rata:
            budget, total, _ = rationed[i]
            rem, rank = found.get(i, (None, None))
            low, high = (None, None) if rem is None else _bracket(Fraction(rem, total))
            rows.append(
                (
                    i,
                    PRO_RATA,
                    budget,
                    total,
                    rem,
                    rank,
                    None,
                    None,
                    *pro_rata_figures(budget, total),
                    low,
                    high,
                )
            )
    ordered = [i for i, (_, _, m) in rationed.items() if m != PRO_RATA]
    for method, direction in ((FIRST_COME, "ASC"), (RANKED, "DESC")):
        members = [i for i in ordered if rationed[i][2] == method]
        if not members:
            continue
        # The claim that crosses the budget, and how many claims before it (and it) pay.
        cut = fetch(
            con,
            f"""SELECT policy_idx, order_key, uscc_rank, budget - (running - claim),
                       paying - CASE WHEN claim > 0 THEN 1 ELSE 0 END FROM (
                  SELECT c.policy_idx, c.order_key, c.uscc_rank, b.budget,
                    CAST(c.capped_fen AS HUGEINT) AS claim,
                    sum(CAST(c.capped_fen AS HUGEINT)) OVER w AS running,
                    sum(CASE WHEN c.capped_fen > 0 THEN 1 ELSE 0 END) OVER w AS paying
                  FROM {BUDGETED} c JOIN ({params}) b ON b.policy_idx = c.policy_idx
                  WHERE c.status = 0 AND c.policy_idx IN ({", ".join(map(str, members))})
                  WINDOW w AS (PARTITION BY c.policy_idx
                      ORDER BY c.order_key {direction} NULLS LAST, c.uscc_rank
                      ROWS UNBOUNDED PRECEDING)) r
                WHERE running > budget AND running - claim <= budget""",
        )
        found = {int(i): (key, rank, paid, ahead) for i, key, rank, paid, ahead in cut}
        for i in members:
            budget, total, _ = rationed[i]
            key, rank, paid, ahead = found[i]
            totals[i]["beneficiaries"] = int(ahead) + (1 if int(paid) > 0 else 0)
            rows.append((i, method, budget, total, None, rank, key, paid, None, None, None, None))
    return rows, totals


#: Remainders are sorted into this many buckets to find the cut-off without sorting them all.
BUCKETS = 512


def _pro_rata_cuts_fast(
    con: Runner, rationed: dict[int, tuple[int, int, int]], members: list[int]
) -> tuple[dict[int, tuple[int, int]], list[int], dict[int, int]]:
    """The cut-offs of :func:`_pro_rata_cuts`, found in double precision but exact.

    The claims are counted per bucket of their approximate fraction (``pr_frac``, within
    ``delta`` of the exact one) and the floor shares summed exactly; the bucket holding the
    ``leftover``-th fraction, widened by enough buckets on each side to hold every claim whose
    exact fraction could lie on the other side of that one, is then ranked by exact remainders.
    The claims of the buckets above (below) have larger (smaller) exact fractions than the
    cut-off, which is checked with exact fractions; a policy where the check fails (a budget
    so large that ``delta`` spans many buckets) is returned as unsettled.

    Also returns, for the settled policies, how many claims receive something: those with a
    positive floor share, those of the buckets above the window and those ranked within it
    that receive only the fen."""
    figures = {i: pro_rata_figures(rationed[i][0], rationed[i][1]) for i in members}
    margins = {i: 1 + math.ceil(2 * figures[i][1] * BUCKETS) for i in members}
    # A budget so large that the error bound spans many buckets (above some 3e13 fen) is left to
    # the exact selection; below it, every sum of floor shares fits 64 bits.
    unsettled = [i for i in members if margins[i] > BUCKETS // 8]
    members = [i for i in members if margins[i] <= BUCKETS // 8]
    found: dict[int, tuple[int, int]] = {}
    if not members:
        return found, unsettled, {}
    params = _values(
        [(i, rationed[i][0], rationed[i][1], *figures[i]) for i in members],
        "policy_idx, budget, total, ratio, delta",
        doubles=2,
    )
    claims = f"""SELECT c.policy_idx, c.uscc_rank, b.budget, b.total, b.ratio, b.delta,
            c.capped_fen AS claim
          FROM {BUDGETED} c JOIN ({params}) b ON b.policy_idx = c.policy_idx
          WHERE c.status = 0"""
    shares = fast_shares(claims, "claim")
    bucket = f"CAST(floor(pr_frac * {BUCKETS}) AS BIGINT)"
    # Per policy and bucket (descending; -1: no remainder, last): the claims, the sum of their
    # floor shares and how many of those are positive, as columns (a hundred thousand rows).
    histogram = arrow(
        con,
        f"""SELECT policy_idx, CASE WHEN pr_pos THEN {bucket} ELSE -1 END AS bucket,
               count(*) AS n, CAST(coalesce(sum(pr_share), 0) AS BIGINT) AS shares,
               count(*) FILTER (WHERE pr_share > 0) AS positive
             FROM ({shares}) s GROUP BY 1, 2 ORDER BY 1, 2 DESC""",
    )
    policy, buckets, counts, sums, positive = (
        np.asarray(histogram.column(k).to_numpy(), dtype=np.int64)
        for k in ("policy_idx", "bucket", "n", "shares", "positive")
    )
    cuts = [int(k) + 1 for k in np.flatnonzero(policy[1:] != policy[:-1])]
    runs = list(zip([0, *cuts], [*cuts, len(policy)], strict=True)) if len(policy) else []
    paid: dict[int, int] = dict.fromkeys(members, 0)
    wanted: list[tuple[int, int, int, int]] = []
    windows: dict[int, tuple[int, int]] = {}
    for start, end in runs:  # each policy's rows
        i = int(policy[start])
        b, n, pos = buckets[start:end], counts[start:end], positive[start:end]
        paid[i] = int(pos.sum())
        leftover = rationed[i][0] - int(sums[start:end].sum())
        if leftover <= 0:
            continue  # the floor shares spend the budget: no cut-off
        # the bucket holding the leftover-th largest fraction (buckets are descending)
        upto = np.cumsum(np.where(b >= 0, n, 0))
        k = int(np.searchsorted(upto, leftover))
        if k >= len(b) or b[k] < 0:
            unsettled.append(i)
            continue
        low, high = int(b[k]) - margins[i], int(b[k]) + margins[i]
        above = b > high
        paid[i] += int((n - pos)[above].sum())  # a zero share and one fen
        windows[i] = (low, high)
        wanted.append((i, low, high, leftover - int(n[above].sum())))
    if wanted:
        # Only the claims of the windows are ranked, and only they need their exact share: the
        # others are left out first by the same double-precision quotient, one bucket wider
        # on each side (those near an integer, whose fraction is exact, all stay).
        near = "NOT (w_x - w_floor > delta AND w_floor + 1 - w_x > delta)"
        approximate = f"CAST(floor((w_x - w_floor) * {BUCKETS}) AS BIGINT)"
        windowed = _values(
            [(i, rationed[i][0], rationed[i][1], *w, *figures[i]) for i, *w in wanted],
            "policy_idx, budget, total, lo, hi, wanted, ratio, delta",
            doubles=2,
        )
        in_windows = f"""SELECT * FROM (SELECT *, floor(w_x) AS w_floor FROM (
              SELECT c.policy_idx, c.uscc_rank, b.budget, b.total, b.ratio, b.delta,
                c.capped_fen AS claim, b.lo, b.hi, b.wanted,
                CAST(c.capped_fen AS DOUBLE) * b.ratio AS w_x
              FROM {BUDGETED} c JOIN ({windowed}) b ON b.policy_idx = c.policy_idx
              WHERE c.status = 0) k0) k
            WHERE {near} OR {approximate} BETWEEN lo - 1 AND hi + 1"""
        rows = fetch(
            con,
            f"""SELECT policy_idx, max(remainder) FILTER (WHERE rn = wanted),
                   max(uscc_rank) FILTER (WHERE rn = wanted),
                   count(*) FILTER (WHERE rn <= wanted AND pr_share = 0) FROM (
                  SELECT policy_idx, remainder, uscc_rank, pr_share, wanted, row_number() OVER (
                      PARTITION BY policy_idx ORDER BY remainder DESC, uscc_rank) AS rn
                  FROM (SELECT s.policy_idx, s.uscc_rank, s.pr_share, s.wanted,
                          CAST(s.claim AS HUGEINT) * s.budget - s.pr_share * s.total
                            AS remainder
                        FROM ({fast_shares(in_windows, "claim")}) s
                        WHERE s.pr_pos AND {bucket} BETWEEN s.lo AND s.hi) c) r
                GROUP BY policy_idx""",
        )
        for i, remainder, rank, fen_only in rows:
            i = int(i)
            if remainder is None:
                continue
            low, high = windows[i]
            value, delta = Fraction(int(remainder), rationed[i][1]), Fraction(figures[i][1])
            if Fraction(low, BUCKETS) + delta <= value < Fraction(high + 1, BUCKETS) - delta:
                found[i] = (int(remainder), int(rank))
                paid[i] += int(fen_only)
        unsettled += [i for i in windows if i not in found]
    return found, unsettled, {i: n for i, n in paid.items() if i not in unsettled}


def _pro_rata_cuts(con: Runner, params: str, members: list[int]) -> dict[int, tuple[int, int]]:
    """Per pro-rata policy, the cut-off: the (remainder, credit-code rank) of the ``leftover``-th
    claim by remainder (descending, ties by credit code), ``leftover`` being the fen the floor
    shares leave of the budget (none: no cut-off).

    An exact selection in two passes instead of ranking every claim: the first counts the
    claims per remainder bucket (a range of remainders) and sums the floor shares, and picks
    the bucket holding the cut-off; the second ranks only the claims of that bucket. Claims with
    no remainder never receive a fen (``leftover`` is the sum of the fractions, so fewer than
    the claims that have one) and are left out of both."""
    claims = f"""SELECT c.policy_idx, c.uscc_rank, b.budget, b.total,
            CAST(c.capped_fen AS HUGEINT) AS claim
          FROM {BUDGETED} c JOIN ({params}) b ON b.policy_idx = c.policy_idx
          WHERE c.status = 0 AND c.policy_idx IN ({", ".join(map(str, members))})"""
    shares = (
        "SELECT policy_idx, uscc_rank, budget, total, pr_share AS share, "
        f"pr_remainder AS remainder FROM ({with_shares(claims, 'claim', 'budget', 'total')}) s"
    )
    # Any function of the remainder that never decreases will do for the buckets (the claims of
    # a higher bucket have larger remainders): a double-precision one, no 128-bit division.
    bucket = f"CAST(floor(CAST(remainder AS DOUBLE) / CAST(total AS DOUBLE) * {BUCKETS}) AS BIGINT)"
    cuts = fetch(
        con,
        f"""WITH h AS (
              SELECT policy_idx, {bucket} AS bucket, count(*) FILTER (WHERE remainder > 0) AS n,
                     sum(share) AS shares, max(budget) AS budget
              FROM ({shares}) s GROUP BY policy_idx, {bucket}),
            l AS (SELECT policy_idx, max(budget) - sum(shares) AS leftover FROM h
                  GROUP BY policy_idx),
            u AS (SELECT h.policy_idx, h.bucket, h.n, l.leftover,
                    sum(h.n) OVER (PARTITION BY h.policy_idx ORDER BY h.bucket DESC
                                   ROWS UNBOUNDED PRECEDING) AS upto
                  FROM h JOIN l ON l.policy_idx = h.policy_idx)
            SELECT policy_idx, bucket, leftover - (upto - n) FROM u
            WHERE leftover > 0 AND upto >= leftover AND upto - n < leftover""",
    )
    if not cuts:
        return {}
    wanted = _values(cuts, "policy_idx, bucket, rn")
    found = fetch(
        con,
        f"""SELECT r.policy_idx, r.remainder, r.uscc_rank FROM (
              SELECT s.policy_idx, s.remainder, s.uscc_rank, w.rn AS wanted,
                row_number() OVER (PARTITION BY s.policy_idx
                                   ORDER BY s.remainder DESC, s.uscc_rank) AS rn
              FROM ({shares}) s JOIN ({wanted}) w
                ON w.policy_idx = s.policy_idx
                AND w.bucket = CAST(floor(CAST(s.remainder AS DOUBLE) / CAST(s.total AS DOUBLE)
                  * {BUCKETS}) AS BIGINT)
              WHERE s.remainder > 0) r
            WHERE r.rn = r.wanted""",
    )
    return {int(i): (int(rem), int(rank)) for i, rem, rank in found}

"""The demo's headline: the published figure its 2023 awards are calibrated to.

*29 firms received more than 100 million yuan in 2023*. No shipped policy pays more than 100
million yuan on its own (the clinical-trial reward stops at 100 million, the R&D reward and the
aerospace support at 50 million and exclude each other), so a firm passes the line only by
stacking the clinical-trial reward on the others. :func:`calibrate_headline` evaluates every other
auto-entitlement policy through the real engine, takes the drug developers with the largest other
awards (the R&D leaders first) and gives each the fewest approved trials that take its award
year's total past 100 million yuan (three to five: the larger its R&D reward, the fewer), and
keeps every other developer's total at or below the line and its trial reward below the cap.
The clinical-trial reward has no budget and no exclusive group (checked), so these counts move no
other firm's award: the count is exact by construction, and the demo's payouts report reads it
back from the ledger.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from yuanqu.policies import service as policies
from yuanqu.policies.language.parameters import resolve_all

#: The published figure: firms that received more than 100 million yuan for 2023.
HEADLINE_FIRMS = 29
#: 100 million yuan (1 亿元) in fen.
YI_FEN = 10**8 * 100
DRUG_POLICY = "new_drug_clinical_trial"
#: Industries of the clinical-trial reward: pharmaceuticals, medical research, medical devices.
DRUG_PREFIXES = ("27", "7340", "3581", "3584")
#: Nobody gets more approved trials in a year than this (a large developer's handful).
MAX_TRIALS = 6


def starts(codes: np.ndarray, prefixes: tuple[str, ...]) -> np.ndarray:
    """Per industry code: whether it starts with one of ``prefixes``."""
    return np.array([str(c).startswith(prefixes) for c in codes], dtype=bool)


def other_awards(session: Session, *, award_year: int) -> dict[int, int]:
    """Each firm's award-year total (fen, after caps, budgets and exclusive groups) from every
    auto-entitlement policy but the clinical-trial reward, computed by the real engine."""
    chosen = [
        p
        for p in policies.shipped_policies()
        if p.auto_entitlement and p.in_effect(award_year) and p.id != DRUG_POLICY
    ]
    if not chosen:
        return {}
    result = policies.run(session, year=award_year, policies=chosen)
    return {
        int(firm): int(total)
        for firm, total in result.con.execute(
            "SELECT firm_id, sum(allocated_fen) FROM policy_results "
            "WHERE allocated_fen > 0 GROUP BY firm_id"
        ).fetchall()
    }


def _drug_terms(award_year: int) -> tuple[int, int]:
    """(reward per trial, cap per firm) of the clinical-trial reward, in fen, as shipped."""
    policy = policies.get_policy(DRUG_POLICY)
    cap = policy.cap_per_firm
    if (
        policy.budget is not None
        or policy.exclusive_group
        or cap is None
        or cap.kind != "num"
        or not policy.in_effect(award_year)
    ):
        raise RuntimeError(
            f"the demo's calibration assumes {DRUG_POLICY} is in effect in {award_year} with a "
            "numeric cap, no budget and no exclusive group"
        )
    per_trial = resolve_all(policy, award_year)["per_trial"].value
    return int(Decimal(per_trial) * 100), int(Decimal(cap.value) * 100)


def calibrate_headline(
    session: Session,
    trials: dict[int, int],
    firms: dict[str, np.ndarray],
    *,
    award_year: int,
    headline: int = HEADLINE_FIRMS,
) -> tuple[dict[int, int], list[tuple[int, int, int]]]:
    """Trial counts for the data year such that exactly ``headline`` firms' award-year totals
    exceed 100 million yuan (as many as a small zone allows).

    Returns (counts, [(firm, trials, other awards in fen)]) for the headline firms."""
    per_trial, cap = _drug_terms(award_year)
    other = other_awards(session, award_year=award_year)
    drug = set(firms["id"][starts(firms["code"], DRUG_PREFIXES)].tolist())
    over = sum(1 for total in other.values() if total > YI_FEN)
    if over > headline:
        raise RuntimeError(f"{over} firms pass 100 million yuan without the trial reward")
    most = min(cap, MAX_TRIALS * per_trial)
    # The drug developers that can pass the line with a handful of trials (the reward alone
    # stops at its cap, so they need another award too), the largest other awards first (the
    # R&D leaders), then the largest firms.
    capital = dict(zip(firms["id"].tolist(), firms["capital"].tolist(), strict=True))
    candidates = sorted(
        (f for f in drug if 0 < other.get(f, 0) <= YI_FEN < most + other.get(f, 0)),
        key=lambda f: (-other.get(f, 0), -capital.get(f, 0.0), f),
    )
    # A zone built smaller than the real one (tests build a few hundred firms) has fewer large
    # drug developers: it gets as many headline firms as it has.
    need = min(headline - over, len(candidates))
    counts = dict(trials)
    chosen = []
    for firm in candidates[:need]:
        rest = other[firm]
        # the fewest trials that take the firm's total past the line
        fewest = min((YI_FEN - rest) // per_trial + 1, -(-cap // per_trial))
        counts[firm] = min(MAX_TRIALS, max(counts.get(firm, 0), int(fewest)))
        chosen.append((firm, counts[firm], rest))
    # Every other developer stays at or below the line, and below the reward's cap (a firm at
    # the cap with nothing else would sit exactly on the line).
    below_cap = (cap - 1) // per_trial
    picked = {f for f, _, _ in chosen}
    for firm in drug - picked:
        count, rest = counts.get(firm, 0), other.get(firm, 0)
        if count * per_trial + rest > YI_FEN or count > below_cap:
            counts[firm] = max(0, min(below_cap, (YI_FEN - rest) // per_trial))
    return {f: c for f, c in counts.items() if c > 0}, chosen

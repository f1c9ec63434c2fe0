"""Synthetic tech-insurance books: a small one for the demo zone, a city-scale one for Shanghai.

The city book is calibrated to Shanghai's published 2023 tech-insurance figures: more than
400,000 policies for tech firms and 3.1 trillion yuan (3.1万亿元) of total cover. The city of
firms it insures is synthetic too (valid credit codes, tech industries, high-tech and
specialized labels in Shanghai's 2023 proportions: about 24,000 valid high-tech enterprises).
Everything is drawn with numpy from one seed, so the same seed gives the same book, and written
in bulk inside the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import ValidationError
from yuanqu.core.uscc import make_usccs
from yuanqu.insurance.models import DATASET, InsuranceClaim, InsurancePolicy, Product
from yuanqu.registry.firms import Enterprise, EnterpriseLabel

#: Product mix (share of policies) and premium rate (premium / sum insured) per product.
PRODUCTS: tuple[tuple[str, float, float], ...] = (
    (Product.key_staff, 0.30, 0.0020),
    (Product.product_liability, 0.18, 0.0030),
    (Product.key_rd_equipment, 0.14, 0.0015),
    (Product.ip_infringement, 0.10, 0.0120),
    (Product.rd_expense_loss, 0.08, 0.0100),
    (Product.rd_interruption, 0.06, 0.0080),
    (Product.cyber_security, 0.05, 0.0060),
    (Product.first_unit_equipment, 0.04, 0.0090),
    (Product.first_batch_materials, 0.03, 0.0080),
    (Product.clinical_trial, 0.02, 0.0050),
)
INSURERS: tuple[tuple[str, float], ...] = (
    ("中国人民财产保险股份有限公司", 0.24),
    ("中国太平洋财产保险股份有限公司", 0.21),
    ("中国平安财产保险股份有限公司", 0.18),
    ("中国人寿财产保险股份有限公司", 0.09),
    ("中华联合财产保险股份有限公司", 0.07),
    ("太平科技保险股份有限公司", 0.07),
    ("东海航运保险股份有限公司", 0.04),
    ("安盛天平财产保险有限公司", 0.05),
    ("华泰财产保险有限公司", 0.05),
)
#: Days from report to settlement: a lognormal per product (median days, spread).
CYCLE = {
    Product.key_staff: (12, 0.6),
    Product.product_liability: (45, 0.7),
    Product.ip_infringement: (120, 0.6),
    Product.first_unit_equipment: (75, 0.6),
    Product.first_batch_materials: (70, 0.6),
}
CLAIM_RATE = 0.025


@dataclass(frozen=True)
class BookSummary:
    firms: int
    policies: int
    claims: int
    sum_insured_fen: int
    premium_fen: int


def _draw_policies(
    rng: np.random.Generator,
    firm_ids: np.ndarray,
    weights: np.ndarray,
    *,
    year: int,
    policies: int,
    total_cover_fen: int,
) -> dict[str, np.ndarray]:
    """Policies starting in ``year``: firm (by weight), product, insurer, cover and dates."""
    holder = rng.choice(firm_ids, size=policies, p=weights / weights.sum())
    shares = np.array([s for _p, s, _r in PRODUCTS])
    product = rng.choice(len(PRODUCTS), size=policies, p=shares / shares.sum())
    insurer_shares = np.array([s for _n, s in INSURERS])
    insurer = rng.choice(len(INSURERS), size=policies, p=insurer_shares / insurer_shares.sum())
    # A heavy tail: most policies cover a few million yuan, equipment and liability far more.
    raw = rng.lognormal(mean=0.0, sigma=1.3, size=policies)
    raw *= np.where(np.isin(product, [1, 2, 7]), 3.0, 1.0)
    cover = np.floor(raw / raw.sum() * total_cover_fen / 100_000) * 100_000  # whole thousands
    cover = np.maximum(cover, 1_000_000).astype(np.int64)  # at least 10,000 yuan
    cover[int(np.argmax(cover))] += total_cover_fen - int(cover.sum())  # the total, exactly
    rate = np.array([r for _p, _s, r in PRODUCTS])[product] * rng.uniform(0.6, 1.4, policies)
    premium = np.round(cover * rate / 100).astype(np.int64) * 100  # whole yuan
    start_day = rng.integers(0, 365, size=policies)
    return {
        "holder": holder,
        "product": product,
        "insurer": insurer,
        "cover": cover,
        "premium": premium,
        "start_day": start_day,
    }


def _year_later(start: date) -> date:
    """The last day of one year's cover starting on ``start``."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(start.year + 1, 2, 28)


def _write_book(
    session: Session,
    rng: np.random.Generator,
    drawn: dict[str, np.ndarray],
    *,
    year: int,
    prefix: str,
) -> BookSummary:
    n = len(drawn["holder"])
    first = date(year, 1, 1)
    days = [first + timedelta(days=int(d)) for d in range(366)]
    products = [p for p, _s, _r in PRODUCTS]
    rows = [
        {
            "insurer": INSURERS[int(drawn["insurer"][i])][0],
            "policy_no": f"{prefix}{year}{i:08d}",
            "product": products[int(drawn["product"][i])],
            "enterprise_id": int(drawn["holder"][i]),
            "sum_insured_fen": int(drawn["cover"][i]),
            "premium_fen": int(drawn["premium"][i]),
            "start_date": days[int(drawn["start_day"][i])],
            "end_date": _year_later(days[int(drawn["start_day"][i])]),
            "status": "in_force",
        }
        for i in range(n)
    ]
    for start in range(0, n, 50_000):
        session.execute(insert(InsurancePolicy), rows[start : start + 50_000])
    ids = {
        no: id_
        for no, id_ in session.execute(
            select(InsurancePolicy.policy_no, InsurancePolicy.id).where(
                InsurancePolicy.policy_no.like(f"{prefix}{year}%")
            )
        )
    }
    claims = _claims(rng, rows, ids, year=year)
    for start in range(0, len(claims), 50_000):
        session.execute(insert(InsuranceClaim), claims[start : start + 50_000])
    bump_data_version(session, DATASET)
    return BookSummary(
        len(set(drawn["holder"].tolist())),
        n,
        len(claims),
        int(drawn["cover"].sum()),
        int(drawn["premium"].sum()),
    )


def _claims(
    rng: np.random.Generator, rows: list[dict], ids: dict[str, int], *, year: int
) -> list[dict]:
    """About 2.5% of policies claim; most settle, some are declined, recent ones stay open."""
    n = len(rows)
    chosen = np.flatnonzero(rng.random(n) < CLAIM_RATE)
    horizon = date(year + 1, 6, 30)  # the book as the insurers reported it
    out = []
    for i, k in enumerate(chosen.tolist()):
        policy = rows[k]
        span = (policy["end_date"] - policy["start_date"]).days
        reported = policy["start_date"] + timedelta(days=int(rng.integers(10, max(11, span))))
        median, spread = CYCLE.get(policy["product"], (40, 0.65))
        cycle = max(1, int(rng.lognormal(np.log(median), spread)))
        assessed = reported + timedelta(days=max(1, cycle // 2))
        closed = reported + timedelta(days=cycle)
        declined = rng.random() < 0.08
        if closed > horizon:
            status, closed_on, paid = (
                ("assessed" if assessed <= horizon else "reported"),
                None,
                None,
            )
            assessed_on = assessed if assessed <= horizon else None
        else:
            status, closed_on, assessed_on = (
                ("declined" if declined else "settled"),
                closed,
                assessed,
            )
            paid = None
        claimed = int(policy["sum_insured_fen"] * rng.uniform(0.01, 0.25)) // 100 * 100
        assessed_fen = claimed * int(rng.integers(50, 101)) // 100 // 100 * 100
        if status == "settled":
            paid = max(100, assessed_fen)
        out.append(
            {
                "policy_id": ids[policy["policy_no"]],
                "claim_no": f"C{i:08d}",
                "status": status,
                "reported_on": reported,
                "assessed_on": assessed_on,
                "closed_on": closed_on,
                "claimed_fen": claimed,
                "assessed_fen": assessed_fen if assessed_on else None,
                "paid_fen": paid,
            }
        )
    return out


# --- the demo zone's small book ------------------------------------------------------------------


def build_zone_book(session: Session, *, seed: int = 2023, year: int = 2023) -> BookSummary:
    """A small book for the demo zone: its high-tech and specialized firms hold about one
    policy in four (about 3,000 policies), written through the same path as the city book."""
    rng = np.random.default_rng(seed + 9)
    day = date(year, 12, 31)
    rows = session.execute(
        select(EnterpriseLabel.enterprise_id).where(
            EnterpriseLabel.label.in_(("high_tech", "specialized", "little_giant")),
            (EnterpriseLabel.valid_from.is_(None)) | (EnterpriseLabel.valid_from <= day),
            (EnterpriseLabel.valid_to.is_(None)) | (EnterpriseLabel.valid_to >= day),
        )
    ).scalars()
    firms = np.array(sorted(set(rows)), dtype=np.int64)
    if firms.size == 0:
        return BookSummary(0, 0, 0, 0, 0)
    insured = rng.choice(firms, size=max(1, firms.size // 3), replace=False)
    policies = int(insured.size * 1.6)
    # Two years, so the claims of the earlier one are settled within the later one.
    summaries = [
        _write_book(
            session,
            rng,
            _draw_policies(
                rng,
                insured,
                np.ones(insured.size),
                year=written,
                policies=policies,
                total_cover_fen=policies * 6_000_000 * 100,
            ),
            year=written,
            prefix="YZ",
        )
        for written in (year - 1, year)
    ]
    return BookSummary(
        len(set(insured.tolist())),
        *(
            sum(getattr(s, f) for s in summaries)
            for f in ("policies", "claims", "sum_insured_fen", "premium_fen")
        ),
    )


# --- the city-scale book -------------------------------------------------------------------------

SHANGHAI_2023 = {
    "policies": 412_000,  # "more than 400,000 policies for tech firms"
    "total_cover_fen": 3_100_000_000_000 * 100,  # 3.1万亿元
    "firms": 60_000,
    "high_tech": 24_000,
    "specialized": 12_000,
}
_TECH_CLASSES = (
    ("C", "3973"),
    ("C", "3974"),
    ("C", "3979"),
    ("C", "3562"),
    ("C", "2761"),
    ("C", "2770"),
    ("C", "3841"),
    ("C", "3670"),
    ("I", "6513"),
    ("I", "6520"),
    ("I", "6531"),
    ("M", "7320"),
    ("M", "7330"),
    ("M", "7340"),
    ("M", "7517"),
)


def build_city(session: Session, *, city: str = "shanghai", seed: int = 2023) -> BookSummary:
    """A city of tech firms and its 2023 book (Shanghai: 412,000 policies, 3.1万亿元 cover)."""
    if city != "shanghai":
        raise ValidationError(
            f"未知的城市 '{city}'（可用：shanghai）", f"unknown city '{city}' (known: shanghai)"
        )
    spec = SHANGHAI_2023
    rng = np.random.default_rng(seed)
    n = spec["firms"]
    serials = rng.choice(31**6, size=n, replace=False) + 31**7
    codes = make_usccs(serials.tolist(), division="310115")
    classes = rng.integers(0, len(_TECH_CLASSES), size=n)
    firms = [
        {
            "uscc": codes[i],
            "name": f"上海示例科技{i:05d}有限公司",
            "industry_code": _TECH_CLASSES[int(classes[i])][1],
            "industry_section": _TECH_CLASSES[int(classes[i])][0],
            "employees": int(rng.integers(10, 2000)),
        }
        for i in range(n)
    ]
    for start in range(0, n, 20_000):
        session.execute(insert(Enterprise), firms[start : start + 20_000])
    ids = dict(session.execute(select(Enterprise.uscc, Enterprise.id)).all())
    firm_ids = np.array([ids[c] for c in codes], dtype=np.int64)
    high_tech = rng.choice(n, size=spec["high_tech"], replace=False)
    specialized = rng.choice(n, size=spec["specialized"], replace=False)
    labels = [
        {
            "enterprise_id": int(firm_ids[i]),
            "label": "high_tech",
            "valid_from": date(2021 + int(i % 3), 11, 1),
            "valid_to": date(2024 + int(i % 3), 10, 31),
        }
        for i in high_tech.tolist()
    ] + [
        {
            "enterprise_id": int(firm_ids[i]),
            "label": "specialized",
            "valid_from": date(2022, 7, 1),
            "valid_to": date(2025, 6, 30),
        }
        for i in specialized.tolist()
    ]
    session.execute(insert(EnterpriseLabel), labels)
    bump_data_version(session, "registry")
    # Labelled and larger firms buy more cover: weight by size and label.
    weights = np.log1p(np.array([f["employees"] for f in firms], dtype=float))
    weights[high_tech] *= 3.0
    weights[specialized] *= 2.0
    # Not every firm buys: about two in three high-tech firms, one in three of the others.
    buys = rng.random(n) < 0.33
    buys[high_tech] = rng.random(high_tech.size) < 0.68
    buys[specialized] |= rng.random(specialized.size) < 0.5
    weights[~buys] = 0.0
    drawn = _draw_policies(
        rng,
        firm_ids,
        weights,
        year=2023,
        policies=spec["policies"],
        total_cover_fen=spec["total_cover_fen"],
    )
    return _write_book(session, rng, drawn, year=2023, prefix="SH")

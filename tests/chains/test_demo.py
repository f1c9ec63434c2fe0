"""The demo zone gives the chain rules real names and business scopes to match."""

from __future__ import annotations

import pyarrow as pa

from yuanqu.chains.definitions import shipped_chains
from yuanqu.chains.placement import FIRM_SCHEMA, place
from yuanqu.demo.zone import build_zone


def test_demo_firms_land_on_every_chain_and_scopes_are_deterministic():
    zone = build_zone(seed=5, firms=6000)
    again = build_zone(seed=5, firms=6000)
    assert [r.business_scope for r in zone.records] == [r.business_scope for r in again.records]
    table = pa.table(
        {
            "id": list(range(len(zone.records))),
            "name": [r.name for r in zone.records],
            "industry_code": [r.industry_code for r in zone.records],
            "industry_section": [r.industry_section for r in zone.records],
            "business_scope": [r.business_scope for r in zone.records],
        },
        schema=FIRM_SCHEMA,
    )
    placed = place(table, shipped_chains())
    chains = set(placed.column("chain").to_pylist())
    assert chains == {c.key for c in shipped_chains()}
    assert "keyword" in " ".join(placed.column("matched").to_pylist())

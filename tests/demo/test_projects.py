from __future__ import annotations

from yuanqu.core import audit
from yuanqu.demo.projects import build_fangchenggang_portfolio


def test_fangchenggang_2023_figures(session):
    summary = build_fangchenggang_portfolio(session, seed=2023)
    assert summary.tracked_in_year == 175
    assert summary.signed_in_year == 24
    assert summary.signed_investment_fen == 33_130_000_000 * 100
    assert audit.verify_chain(session).intact

"""The fund register: funds and sub-funds, investments in registry firms or outside, exits, the
share in the zone and the reinvestment ratio, per track; refusals change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.registry import make_firm
from yuanqu.core.errors import Conflict, NotFound, ValidationError
from yuanqu.funds import service

WAN = service.WAN


def _fund(session, name="引导基金", **extra):
    values = dict(
        name=name,
        size_fen=100_000 * WAN,
        zone_share_fen=40_000 * WAN,
        manager="管理人",
        start_year=2021,
        end_year=2030,
    )
    values.update(extra)
    return service.create_fund(session, **values)


def test_shares_in_the_zone_reinvestment_and_tracks(session) -> None:
    inside, other = make_firm(session), make_firm(session)
    _fund(session)
    _fund(
        session,
        name="航天子基金",
        parent="引导基金",
        size_fen=20_000 * WAN,
        zone_share_fen=8_000 * WAN,
        track="commercial_aerospace",
    )
    common = dict(invested_on=date(2023, 3, 1), round="A轮", stake_bp=500)
    service.invest(
        session,
        fund="引导基金",
        uscc=inside.uscc,
        investee_name=None,
        amount_fen=6_000 * WAN,
        **common,
    )
    outside = service.invest(
        session,
        fund="引导基金",
        uscc=None,
        investee_name="区外公司",
        amount_fen=4_000 * WAN,
        **common,
    )
    service.invest(
        session,
        fund="航天子基金",
        uscc=other.uscc.lower(),
        investee_name=None,
        amount_fen=2_000 * WAN,
        **common,
    )
    service.record_exit(
        session, investment_id=outside.id, exited_on=date(2024, 1, 2), exit_amount_fen=5_000 * WAN
    )
    reg = service.register(session)
    main, sub = reg.funds
    assert (main.invested_fen, main.in_zone_fen) == (10_000 * WAN, 6_000 * WAN)
    assert main.in_zone_share == pytest.approx(0.6)
    assert main.reinvestment_ratio == pytest.approx(6_000 / 40_000)
    assert main.exits == 1 and sub.parent == "引导基金"
    assert reg.in_zone_share == pytest.approx(8_000 / 12_000)
    tracks = {t.track: (t.invested_fen, t.in_zone_fen) for t in reg.tracks}
    assert tracks == {None: (10_000 * WAN, 6_000 * WAN), "commercial_aerospace": (2_000 * WAN,) * 2}
    profile = service.firm_funds(session, uscc=other.uscc)
    assert [(i.fund, i.stake_pct, i.in_zone) for i in profile] == [("航天子基金", 5.0, True)]


def test_refusals(session) -> None:
    _fund(session)
    with pytest.raises(Conflict):
        _fund(session)
    with pytest.raises(ValidationError):
        _fund(session, name="大于规模", zone_share_fen=200_000 * WAN)
    with pytest.raises(NotFound):
        _fund(session, name="子基金", parent="不存在的基金")
    with pytest.raises(NotFound):
        service.invest(
            session,
            fund="引导基金",
            uscc="91110302000000000X",
            investee_name=None,
            invested_on=date(2023, 1, 1),
            amount_fen=WAN,
            round="A",
            stake_bp=1,
        )
    row = service.invest(
        session,
        fund="引导基金",
        uscc=None,
        investee_name="区外",
        invested_on=date(2023, 1, 1),
        amount_fen=WAN,
        round="A",
        stake_bp=1,
    )
    with pytest.raises(ValidationError):
        service.record_exit(
            session, investment_id=row.id, exited_on=date(2022, 1, 1), exit_amount_fen=0
        )
    assert service.register(session).funds[0].exits == 0

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


class TestUpdateFund:
    def test_an_edit_changes_the_terms_and_keeps_the_rules(self, session) -> None:
        main = _fund(session)
        sub = _fund(session, name="子基金", parent=main.name)
        service.update_fund(
            session,
            fund_id=sub.id,
            name="航天子基金",
            size_fen=30_000 * WAN,
            zone_share_fen=10_000 * WAN,
            manager="新管理人",
            start_year=2022,
            end_year=2031,
            parent=main.name,
            track=None,
        )
        read = next(f for f in service.register(session).funds if f.id == sub.id)
        assert (read.name, read.parent, read.manager, read.period) == (
            "航天子基金",
            main.name,
            "新管理人",
            "2022–2031",
        )
        assert read.size_fen == 30_000 * WAN

    def test_a_fund_is_never_below_itself_and_a_bad_edit_changes_nothing(self, session) -> None:
        main = _fund(session)
        sub = _fund(session, name="子基金", parent=main.name)
        terms = dict(
            size_fen=100_000 * WAN,
            zone_share_fen=40_000 * WAN,
            manager="管理人",
            start_year=2021,
            end_year=2030,
        )
        with pytest.raises(ValidationError) as cycle:
            service.update_fund(session, fund_id=main.id, name=main.name, parent=sub.name, **terms)
        assert cycle.value.details == {"field": "parent"}
        with pytest.raises(Conflict) as taken:
            service.update_fund(session, fund_id=sub.id, name=main.name, parent=None, **terms)
        assert taken.value.details == {"field": "name"}
        over = {**terms, "zone_share_fen": 200_000 * WAN}
        with pytest.raises(ValidationError) as share:
            service.update_fund(session, fund_id=main.id, name=main.name, **over)
        assert share.value.details == {"field": "zone_share_wan"}
        assert session.get(type(main), main.id).parent_id is None
        assert service.get_fund(session, fund_id=main.id).zone_share_fen == 40_000 * WAN
        with pytest.raises(NotFound):
            service.get_fund(session, fund_id=main.id + sub.id + 100)

    def test_a_track_must_be_one_the_tracks_domain_knows(self, session) -> None:
        from yuanqu.wiring import wire

        wire()
        assert "commercial_aerospace" in service.track_names()
        with pytest.raises(ValidationError) as unknown:
            _fund(session, track="deep_sea_mining")
        assert unknown.value.details == {"field": "track"} and "商业航天" in unknown.value.zh
        assert _fund(session, track="commercial_aerospace").track == "commercial_aerospace"

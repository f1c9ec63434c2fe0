"""The fund register's verbs: funds and sub-funds, investments in registry firms (or outside the
zone), exits, and the shares: invested in the zone, the reinvestment ratio (返投), per track."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core.errors import Conflict, NotFound, ValidationError
from yuanqu.funds.models import Fund, FundInvestment
from yuanqu.funds.schemas import FundRead, InvestmentRead, Register, TrackShare
from yuanqu.registry.firms import codes_for_ids, firm_id, get_enterprise

WAN = 1_000_000

# The tracks (赛道) a fund may serve, key -> name in a language: the tracks domain sits above this
# one (a track shows its funds), so it hands its names down at start-up (``yuanqu.wiring``).
_track_names: Callable[[str], dict[str, str]] = lambda lang: {}  # noqa: E731  # none until wired


def read_track_names_with(reader: Callable[[str], dict[str, str]]) -> None:
    global _track_names
    _track_names = reader


def track_names(lang: str = "zh") -> dict[str, str]:
    """key -> name of every track a fund may serve."""
    return _track_names(lang)


def fund_by_name(session: Session, name: str) -> Fund:
    fund = session.scalar(select(Fund).where(Fund.name == name))
    if fund is None:
        raise NotFound(f"找不到基金 {name}", f"no fund {name}")
    return fund


def get_fund(session: Session, *, fund_id: int) -> Fund:
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(f"找不到基金 {fund_id}", f"no fund {fund_id}")
    return fund


def get_investment(session: Session, *, investment_id: int) -> FundInvestment:
    row = session.get(FundInvestment, investment_id)
    if row is None:
        raise NotFound(f"找不到投资 {investment_id}", f"no investment {investment_id}")
    return row


def _check_fund(
    session: Session,
    *,
    name: str,
    size_fen: int,
    zone_share_fen: int,
    start_year: int,
    end_year: int,
    track: str | None,
    fund_id: int | None = None,
) -> None:
    """The rules a fund keeps, on creation and on every edit."""
    same = session.scalar(select(Fund.id).where(Fund.name == name))
    if same is not None and same != fund_id:
        raise Conflict(
            f"基金 {name} 已存在", f"fund {name} exists already", details={"field": "name"}
        )
    if zone_share_fen > size_fen:
        raise ValidationError(
            "园区出资不能超过基金规模",
            "the zone's share exceeds the fund's size",
            details={"field": "zone_share_wan"},
        )
    if end_year < start_year:
        raise ValidationError(
            "存续期终止年早于起始年",
            "the fund's period ends before it starts",
            details={"field": "end_year"},
        )
    known = track_names()
    if track is not None and known and track not in known:
        raise ValidationError(
            f"未知的赛道 {track}（可用：{'、'.join(known.values())}）",
            f"unknown track {track} (known: {', '.join(known)})",
            details={"field": "track"},
        )


def create_fund(
    session: Session,
    *,
    name: str,
    size_fen: int,
    zone_share_fen: int,
    manager: str,
    start_year: int,
    end_year: int,
    parent: str | None = None,
    track: str | None = None,
) -> Fund:
    _check_fund(
        session,
        name=name,
        size_fen=size_fen,
        zone_share_fen=zone_share_fen,
        start_year=start_year,
        end_year=end_year,
        track=track,
    )
    parent_id = fund_by_name(session, parent).id if parent else None
    fund = Fund(
        name=name,
        parent_id=parent_id,
        size_fen=size_fen,
        zone_share_fen=zone_share_fen,
        manager=manager,
        start_year=start_year,
        end_year=end_year,
        track=track,
    )
    session.add(fund)
    session.flush()  # the id is read by the caller
    return fund


def update_fund(
    session: Session,
    *,
    fund_id: int,
    name: str,
    size_fen: int,
    zone_share_fen: int,
    manager: str,
    start_year: int,
    end_year: int,
    parent: str | None = None,
    track: str | None = None,
) -> Fund:
    """Correct a fund's terms; the same rules as a new fund, and a fund is never its own parent
    nor a sub-fund of its own sub-fund."""
    fund = get_fund(session, fund_id=fund_id)
    _check_fund(
        session,
        name=name,
        size_fen=size_fen,
        zone_share_fen=zone_share_fen,
        start_year=start_year,
        end_year=end_year,
        track=track,
        fund_id=fund.id,
    )
    parent_id = fund_by_name(session, parent).id if parent else None
    if parent_id is not None:
        above: int | None = parent_id
        while above is not None:
            if above == fund.id:
                raise ValidationError(
                    "基金不能成为自身或其子基金的子基金",
                    "a fund cannot be a sub-fund of itself or of its own sub-fund",
                    details={"field": "parent"},
                )
            above = session.scalar(select(Fund.parent_id).where(Fund.id == above))
    fund.name, fund.parent_id, fund.manager, fund.track = name, parent_id, manager, track
    fund.size_fen, fund.zone_share_fen = size_fen, zone_share_fen
    fund.start_year, fund.end_year = start_year, end_year
    session.flush()  # the register read next sees the change
    return fund


def invest(
    session: Session,
    *,
    fund: str,
    uscc: str | None,
    investee_name: str | None,
    invested_on: date,
    amount_fen: int,
    round: str,
    stake_bp: int,
) -> FundInvestment:
    """Record an investment: in a registry firm by its credit code, or an outside firm by name."""
    owner = fund_by_name(session, fund)
    if uscc:
        enterprise = get_enterprise(session, uscc=uscc)
        enterprise_id: int | None = enterprise.id
        name = enterprise.name
    elif investee_name:
        enterprise_id, name = None, investee_name
    else:
        raise ValidationError(
            "需要被投企业的信用代码或名称",
            "the investee's credit code or name",
            details={"field": "uscc"},
        )
    if not 0 < stake_bp <= 10_000:
        raise ValidationError(
            "持股比例应在 0 至 100% 之间",
            "stake: between 0 and 100%",
            details={"field": "stake_pct"},
        )
    row = FundInvestment(
        fund_id=owner.id,
        enterprise_id=enterprise_id,
        investee_name=name,
        invested_on=invested_on,
        amount_fen=amount_fen,
        round=round,
        stake_bp=stake_bp,
    )
    session.add(row)
    session.flush()
    return row


def record_exit(
    session: Session, *, investment_id: int, exited_on: date, exit_amount_fen: int
) -> FundInvestment:
    row = get_investment(session, investment_id=investment_id)
    if row.exited_on is not None:
        raise Conflict("该投资已退出", "this investment has exited already")
    if exited_on < row.invested_on:
        raise ValidationError(
            f"退出日期早于投资日期 {row.invested_on}",
            f"the exit is before the investment on {row.invested_on}",
            details={"field": "exited_on"},
        )
    row.exited_on, row.exit_amount_fen = exited_on, exit_amount_fen
    return row


def _investment_read(row: FundInvestment, fund: str, codes: dict[int, str]) -> InvestmentRead:
    return InvestmentRead(
        id=row.id,
        fund=fund,
        investee_name=row.investee_name,
        uscc=codes.get(row.enterprise_id) if row.enterprise_id else None,
        in_zone=row.enterprise_id is not None,
        invested_on=row.invested_on,
        amount_fen=row.amount_fen,
        round=row.round,
        stake_pct=row.stake_bp / 100,
        exited_on=row.exited_on,
        exit_amount_fen=row.exit_amount_fen,
    )


def register(session: Session, *, track: str | None = None) -> Register:
    """Every fund with its investments and shares, and the shares per track."""
    funds = list(session.scalars(select(Fund).order_by(Fund.parent_id.is_not(None), Fund.id)))
    if track is not None:
        funds = [f for f in funds if f.track == track]
    names = {f.id: f.name for f in session.scalars(select(Fund))}
    rows = list(
        session.scalars(
            select(FundInvestment)
            .where(FundInvestment.fund_id.in_([f.id for f in funds]))
            .order_by(FundInvestment.invested_on, FundInvestment.id)
        )
    )
    codes = codes_for_ids(session, {r.enterprise_id for r in rows if r.enterprise_id})
    by_fund: dict[int, list[FundInvestment]] = defaultdict(list)
    for row in rows:
        by_fund[row.fund_id].append(row)
    reads = []
    per_track: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for fund in funds:
        items = by_fund[fund.id]
        invested = sum(r.amount_fen for r in items)
        in_zone = sum(r.amount_fen for r in items if r.enterprise_id is not None)
        per_track[fund.track][0] += invested
        per_track[fund.track][1] += in_zone
        reads.append(
            FundRead(
                id=fund.id,
                name=fund.name,
                parent=names.get(fund.parent_id) if fund.parent_id else None,
                size_fen=fund.size_fen,
                zone_share_fen=fund.zone_share_fen,
                manager=fund.manager,
                period=f"{fund.start_year}–{fund.end_year}",
                track=fund.track,
                invested_fen=invested,
                in_zone_fen=in_zone,
                in_zone_share=in_zone / invested if invested else None,
                reinvestment_ratio=in_zone / fund.zone_share_fen if fund.zone_share_fen else None,
                exits=sum(r.exited_on is not None for r in items),
                investments=[_investment_read(r, fund.name, codes) for r in items],
            )
        )
    invested = sum(f.invested_fen for f in reads)
    in_zone = sum(f.in_zone_fen for f in reads)
    return Register(
        total=len(reads),
        funds=reads,
        invested_fen=invested,
        in_zone_fen=in_zone,
        in_zone_share=in_zone / invested if invested else None,
        tracks=[
            TrackShare(track=k, invested_fen=v[0], in_zone_fen=v[1]) for k, v in per_track.items()
        ],
    )


def firm_funds(session: Session, *, uscc: str) -> list[InvestmentRead]:
    """The zone's funds in one firm (its profile tab)."""
    enterprise = firm_id(session, uscc=uscc)
    rows = list(
        session.scalars(
            select(FundInvestment)
            .where(FundInvestment.enterprise_id == enterprise)
            .order_by(FundInvestment.invested_on)
        )
    )
    names = {f.id: f.name for f in session.scalars(select(Fund))}
    codes = codes_for_ids(session, [enterprise])
    return [_investment_read(r, names[r.fund_id], codes) for r in rows]


def demo_funds(session: Session, *, firms: Sequence[str]) -> int:
    """A fund and a sub-fund with investments in the given registry firms and one outside."""
    main = create_fund(
        session,
        name="亦庄产业引导基金（示例）",
        size_fen=100 * 10_000 * WAN,
        zone_share_fen=40 * 10_000 * WAN,
        manager="示例基金管理有限公司",
        start_year=2021,
        end_year=2030,
    )
    sub = create_fund(
        session,
        name="商业航天子基金（示例）",
        parent=main.name,
        size_fen=20 * 10_000 * WAN,
        zone_share_fen=8 * 10_000 * WAN,
        manager="示例航天创投有限公司",
        start_year=2024,
        end_year=2031,
        track="commercial_aerospace",
    )
    rounds = ("天使轮", "A轮", "B轮", "C轮", "Pre-IPO")
    count = 0
    for index, uscc in enumerate(firms):
        invest(
            session,
            fund=sub.name if index % 2 else main.name,
            uscc=uscc,
            investee_name=None,
            invested_on=date(2022 + index % 2, 3 + index, 15),
            amount_fen=(5_000 + 2_500 * index) * WAN,
            round=rounds[index % len(rounds)],
            stake_bp=300 + 150 * index,
        )
        count += 1
    outside = invest(
        session,
        fund=main.name,
        uscc=None,
        investee_name="区外示例半导体有限公司",
        invested_on=date(2022, 9, 1),
        amount_fen=8_000 * WAN,
        round="B轮",
        stake_bp=500,
    )
    record_exit(
        session, investment_id=outside.id, exited_on=date(2024, 6, 30), exit_amount_fen=11_000 * WAN
    )
    return count + 1

"""Every move of a request, every refusal, and the audit chain behind them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.factories.service import (
    ANALYST,
    AUTO_MEMBER,
    DESK,
    IC_MEMBER,
    PLANNER,
    RECEIVED,
    desk_setup,
    new_request,
    request_in,
)
from yuanqu.core import audit
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.service import transitions as moves
from yuanqu.service.queries import timeline
from yuanqu.service.requests import NewRequest, receive
from yuanqu.service.workflow import TRANSITIONS

STATES = ("received", "dispatched", "returned", "in_progress", "closed", "followed_up")


@pytest.fixture
def desk(session: Session):
    return desk_setup(session)


def take(session: Session, name: str, req_id: int, actor, at: datetime):
    """Each move by name with the arguments it needs."""
    common = {"request_id": req_id, "actor": actor, "at": at}
    if name == "dispatch":
        return moves.dispatch(session, **common, unit="ic")
    if name == "send_back":
        return moves.send_back(session, **common, reason="非本单位职责")
    if name == "close":
        return moves.close(session, **common, result="已办理")
    if name == "reply":
        return moves.reply(session, **common, text="正在协调")
    if name == "follow_up":
        return moves.follow_up(session, **common, solved=True, satisfaction="满意")
    if name == "reopen":
        return moves.reopen(session, **common, reason="问题未解决")
    return getattr(moves, name)(session, **common)


ACTOR_FOR = {
    "dispatch": DESK,
    "sign": IC_MEMBER,
    "send_back": IC_MEMBER,
    "contact": IC_MEMBER,
    "reply": IC_MEMBER,
    "close": IC_MEMBER,
    "follow_up": DESK,
    "reopen": DESK,
    "escalate": DESK,
}


class TestHappyPath:
    def test_receive_to_follow_up_sets_every_time_and_audits_every_move(self, session, desk):
        req = new_request(session, desk["own"].uscc)
        assert req.status == "received" and req.task_force == "ic"
        assert req.due_at == datetime(2024, 10, 15, 23, 59, 59)
        moves.dispatch(
            session,
            request_id=req.id,
            actor=DESK,
            unit="ic",
            assist_units=["planning"],
            at=RECEIVED + timedelta(minutes=30),
        )
        assert req.status == "dispatched" and req.sign_due_at == datetime(2024, 9, 30, 12, 30)
        moves.sign(session, request_id=req.id, actor=IC_MEMBER, at=RECEIVED + timedelta(hours=1))
        # first contact within 1 working day of signing: 1-7 Oct are off in 2024
        assert req.contact_due_at == datetime(2024, 10, 8, 23, 59, 59)
        moves.contact(session, request_id=req.id, actor=IC_MEMBER, at=RECEIVED + timedelta(hours=2))
        moves.reply(
            session,
            request_id=req.id,
            actor=IC_MEMBER,
            text="已约住建部门现场踏勘",
            at=RECEIVED + timedelta(hours=3),
        )
        moves.close(
            session,
            request_id=req.id,
            actor=IC_MEMBER,
            result="许可证已核发",
            at=datetime(2024, 10, 9, 10, 0),
        )
        moves.follow_up(
            session,
            request_id=req.id,
            actor=DESK,
            solved=True,
            satisfaction="基本满意",
            at=datetime(2024, 10, 10, 9, 0),
        )
        assert (req.status, req.solved, req.satisfaction) == ("followed_up", True, "basically")
        assert req.first_contact_at == RECEIVED + timedelta(hours=2)
        assert req.interim_reply_at == RECEIVED + timedelta(hours=3)
        steps = timeline(session, req)
        assert [s["action"] for s in steps] == [
            "receive",
            "dispatch",
            "sign",
            "contact",
            "reply",
            "close",
            "follow_up",
        ]
        assert steps[5]["at"] == "2024-10-09T10:00:00" and steps[5]["text"] == "许可证已核发"
        assert audit.verify_chain(session).intact

    def test_a_firm_reads_units_never_staff(self, session, desk):
        req = request_in(session, desk["own"].uscc, "closed")
        steps = timeline(session, req, for_firm=True)
        assert all("actor" not in s for s in steps)
        assert steps[-1]["unit_name"] == "ic专班"
        assert "actor" in timeline(session, req)[-1]


class TestEveryMoveFromEveryState:
    @pytest.mark.parametrize("state", STATES)
    @pytest.mark.parametrize("name", sorted(TRANSITIONS))
    def test_move_is_allowed_exactly_from_its_sources(self, session, desk, state, name):
        req = request_in(session, desk["own"].uscc, state, at=datetime(2024, 3, 1, 9, 0))
        transition = TRANSITIONS[name]
        at = datetime(2024, 6, 1, 9, 0)  # late enough for escalate to be due
        if state not in transition.sources:
            # a unit does not even see a request nobody gave it
            unseen = transition.by_owner and state in ("received", "returned")
            with pytest.raises(Forbidden if unseen else Conflict) as refused:
                take(session, name, req.id, ACTOR_FOR[name], at)
            assert unseen or refused.value.code == "invalid_transition"
            assert req.status == state
            return
        take(session, name, req.id, ACTOR_FOR[name], at)
        assert req.status == (transition.target or state)


class TestRefusals:
    def test_only_the_owning_unit_signs_and_closes(self, session, desk):
        req = request_in(session, desk["own"].uscc, "dispatched")
        for stranger in (AUTO_MEMBER, PLANNER, DESK):
            with pytest.raises(Forbidden):
                moves.sign(session, request_id=req.id, actor=stranger)
        moves.sign(session, request_id=req.id, actor=IC_MEMBER)
        with pytest.raises(Forbidden):
            moves.close(session, request_id=req.id, actor=PLANNER, result="越权办结")

    def test_an_analyst_reads_but_never_moves(self, session, desk):
        req = request_in(session, desk["own"].uscc, "received")
        with pytest.raises(Forbidden):
            moves.dispatch(session, request_id=req.id, actor=ANALYST, unit="ic")

    def test_the_firm_rates_only_its_own(self, session, desk):
        req = request_in(session, desk["own"].uscc, "closed")
        with pytest.raises(Forbidden):
            moves.follow_up(
                session, request_id=req.id, actor=desk["rival"], solved=True, satisfaction="满意"
            )
        moves.follow_up(
            session, request_id=req.id, actor=desk["firm"], solved=True, satisfaction="满意"
        )
        assert req.satisfaction == "satisfied"

    def test_send_back_needs_a_reason_and_frees_the_unit(self, session, desk):
        req = request_in(session, desk["own"].uscc, "dispatched")
        with pytest.raises(ValidationError):
            moves.send_back(session, request_id=req.id, actor=IC_MEMBER, reason=" ")
        moves.send_back(session, request_id=req.id, actor=IC_MEMBER, reason="属规划分局职责")
        assert (req.status, req.owner_unit, req.returns) == ("returned", None, 1)
        moves.dispatch(session, request_id=req.id, actor=DESK, unit="planning")
        moves.sign(session, request_id=req.id, actor=PLANNER)
        assert req.status == "in_progress"

    def test_close_needs_a_result(self, session, desk):
        req = request_in(session, desk["own"].uscc, "in_progress")
        with pytest.raises(ValidationError):
            moves.close(session, request_id=req.id, actor=IC_MEMBER, result="")

    def test_a_satisfied_firm_is_not_reopened(self, session, desk):
        req = request_in(session, desk["own"].uscc, "closed")
        moves.follow_up(session, request_id=req.id, actor=DESK, solved=True, satisfaction="满意")
        with pytest.raises(Conflict) as refused:
            moves.reopen(session, request_id=req.id, actor=DESK, reason="再看看")
        assert refused.value.code == "nothing_to_reopen"

    def test_reopen_counts_and_gives_a_new_deadline(self, session, desk):
        req = request_in(session, desk["own"].uscc, "followed_up")
        moves.reopen(
            session,
            request_id=req.id,
            actor=desk["firm"],
            reason="问题仍未解决",
            at=datetime(2024, 10, 8, 9, 0),
        )
        assert (req.status, req.reopens, req.satisfaction, req.closed_at) == (
            "in_progress",
            1,
            None,
            None,
        )
        assert req.due_at == datetime(2024, 10, 16, 23, 59, 59)  # Sat 12 Oct is worked

    def test_escalate_only_when_late_and_to_the_unit_head(self, session, desk):
        req = request_in(session, desk["own"].uscc, "in_progress")
        with pytest.raises(Conflict) as refused:
            moves.escalate(session, request_id=req.id, actor=DESK, at=datetime(2024, 10, 15, 20, 0))
        assert refused.value.code == "not_late"
        moves.escalate(session, request_id=req.id, actor=DESK, at=datetime(2024, 10, 16, 8, 0))
        assert req.escalated_to == "ic专班负责人" and req.status == "in_progress"

    def test_a_move_dated_before_the_last_is_refused(self, session, desk):
        req = request_in(session, desk["own"].uscc, "dispatched")
        with pytest.raises(ValidationError):
            moves.sign(
                session, request_id=req.id, actor=IC_MEMBER, at=RECEIVED - timedelta(hours=1)
            )

    def test_unknown_words_name_the_field_and_the_choices(self, session, desk):
        bad = NewRequest(
            channel="hotline", type="风水", urgency="general", content="咨询", uscc=desk["own"].uscc
        )
        with pytest.raises(ValidationError) as refused:
            receive(session, actor=DESK, data=bad)
        assert refused.value.details["field"] == "type" and "政策咨询" in refused.value.zh

    def test_a_person_without_a_firm_is_received(self, session, desk):
        data = NewRequest(
            channel="letter",
            type="other",
            urgency="general",
            content="咨询园区人才公寓申请条件",
            contact_name="张先生",
            received_at=RECEIVED,
        )
        req = receive(session, actor=DESK, data=data)
        assert req.uscc is None and req.ticket_no == "QY20240930-0001"
        with pytest.raises(ValidationError):
            receive(
                session,
                actor=DESK,
                data=NewRequest(channel="letter", type="other", urgency="general", content="无名"),
            )

    def test_a_firm_files_only_for_itself_through_the_portal(self, session, desk):
        data = NewRequest(
            channel="hotline",
            type="finance",
            urgency="general",
            content="申请贷款贴息",
            uscc=desk["other"].uscc,
        )
        req = receive(session, actor=desk["firm"], data=data)
        assert (req.uscc, req.channel, req.origin) == (desk["own"].uscc, "portal", "portal")

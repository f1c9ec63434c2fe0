"""Who sees which request: a firm its own, a unit what it owns or assists, the desk everything."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories.service import (
    ANALYST,
    AUTO_MEMBER,
    DESK,
    IC_MEMBER,
    PLANNER,
    desk_setup,
    request_in,
)
from yuanqu.core.errors import Forbidden, NotFound
from yuanqu.service import transitions as moves
from yuanqu.service.queries import RequestFilter, list_requests
from yuanqu.service.requests import get_request


@pytest.fixture
def desk(session: Session):
    found = desk_setup(session)
    found["mine"] = request_in(session, found["own"].uscc, "in_progress")
    found["theirs"] = request_in(session, found["other"].uscc, "dispatched", unit="auto")
    return found


def tickets(session, principal, **filters) -> set[str]:
    page = list_requests(session, principal=principal, filters=RequestFilter(**filters))
    assert page.total == len(page.items)
    return {r.ticket_no for r in page.items}


def test_a_firm_never_sees_another_firms_request(session, desk):
    mine, theirs = desk["mine"], desk["theirs"]
    assert tickets(session, desk["firm"]) == {mine.ticket_no}
    assert tickets(session, desk["firm"], uscc=desk["other"].uscc) == set()
    assert tickets(session, desk["firm"], q=theirs.ticket_no) == set()
    with pytest.raises(Forbidden):
        get_request(session, request_id=theirs.id, principal=desk["firm"])
    # a request that does not exist reads the same as another firm's
    with pytest.raises(Forbidden):
        get_request(session, request_id=theirs.id + 1000, principal=desk["firm"])


def test_a_unit_sees_what_it_owns_and_what_it_assists(session, desk):
    mine, theirs = desk["mine"], desk["theirs"]
    assert tickets(session, IC_MEMBER) == {mine.ticket_no}
    assert tickets(session, AUTO_MEMBER) == {theirs.ticket_no}
    assert tickets(session, PLANNER) == set()
    # the desk sends a fresh one to auto with planning assisting
    fresh = request_in(session, desk["other"].uscc, "received")
    moves.dispatch(session, request_id=fresh.id, actor=DESK, unit="auto", assist_units=["planning"])
    assert tickets(session, PLANNER) == {fresh.ticket_no}
    assert tickets(session, PLANNER, unit="planning") == {fresh.ticket_no}
    with pytest.raises(Forbidden):
        get_request(session, request_id=mine.id, principal=PLANNER)


def test_the_desk_and_analysts_see_all(session, desk):
    both = {desk["mine"].ticket_no, desk["theirs"].ticket_no}
    assert tickets(session, DESK) == both and tickets(session, ANALYST) == both
    with pytest.raises(NotFound):
        get_request(session, request_id=10**9, principal=DESK)

"""The work a page would otherwise make its first reader wait for, done when the server starts
and again whenever the data changes.

The heavy results behind the pages are already kept in memory, keyed by the data versions they
were computed from (``data_versions``: every import bumps the version of what it changed), so an
import makes them stale by itself. What was missing is who computes them: the first reader after
a start or an import waited seconds for the zone's policy batch, the chains' placement or the
economy's statistics. :class:`Warmer` computes them on a background thread instead: once at
``yuanqu serve``, then each time it sees a version change (it reads the small versions table
every ``YUANQU_WARMUP_SECONDS``). A reader arriving while it runs waits for the same computation
instead of repeating it (the caches compute one key once), never for a second one.

Only shared figures are warmed, never a reader's page: the same service calls the pages make,
with the arguments a page opens on (today, the latest period, the default award year), for the
whole zone. What each reader may see is still cut by the pages from these shared results.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Hashable
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import all_data_versions

log = logging.getLogger("yuanqu.warmup")

#: The reader the shared figures are computed for: the whole zone, as an analyst reads it.
ZONE = Principal(user_id=0, username="warm-up", role=Role.analyst)


def data_versions(session: Session) -> Hashable:
    """Every dataset's version: what the warmed results are keyed by."""
    return all_data_versions(session)


def steps() -> list[tuple[str, Callable[[Session], object]]]:
    """What is warmed, in the order a reader is most likely to need it."""
    from yuanqu.chains import views as chains
    from yuanqu.policies import service as policies
    from yuanqu.policies import views as policy_views
    from yuanqu.registry import views as registry
    from yuanqu.stats import views as stats

    def dashboard(session: Session) -> None:
        registry.zone_summary(session, as_of=None)

    def economy(session: Session) -> None:
        for lang in ("zh", "en"):
            stats.economy_dashboard(session, principal=ZONE, lang=lang)

    def placements_and_chains(session: Session) -> None:
        # The placement of every firm (the maps and every profile's chain tab read it), then
        # each map's coverage as it opens: today, the latest month reported.
        for chain in chains.list_chains():
            for lang in ("zh", "en"):
                chains.chain_overview(session, chain=chain.key, as_of=date.today(), lang=lang)

    def policy_batch(session: Session) -> None:
        year = policy_views.default_year(session)
        with policies.in_effect_batch(session, year=year):
            pass

    def plans_and_briefing(session: Session) -> None:
        # Their figures read more years of statistics than the economy page: the statistics
        # engine keeps what these first calls load (per data version).
        from yuanqu.briefing.compose import compose
        from yuanqu.plans import service as plans

        plans.list_plans(session, task_forces=None, lang="zh")
        compose(session, lang="zh")

    return [
        ("dashboard", dashboard),
        ("policy batch", policy_batch),
        ("chains", placements_and_chains),
        ("economy", economy),
        ("plans and briefing", plans_and_briefing),
    ]


def warm(session: Session) -> dict[str, float]:
    """Run every step once; seconds per step (a failing step is logged and skipped: a page
    then computes it for its reader as before)."""
    spent: dict[str, float] = {}
    for name, step in steps():
        started = time.perf_counter()
        try:
            step(session)
        except Exception:  # the warm-up must never take the server down
            log.exception("warm-up step %s failed", name)
            session.rollback()
            continue
        spent[name] = time.perf_counter() - started
    return spent


def settle_heap() -> float:
    """Collect the garbage once, then leave what is alive out of the collector's full passes.

    What the warm-up just computed lives until the data changes: hundreds of thousands of
    objects that each full collection walked, holding the interpreter for 130 ms in the middle of
    whoever was being answered (the slowest requests of ``benchmarks/pages.py``). ``gc.freeze``
    moves them out of those passes; the next warm-up first gives them back (``gc.unfreeze``), so
    what a data change made garbage is collected then. Returns the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


class Warmer:
    """A daemon thread that warms at start and after every change of a data version."""

    def __init__(self, sessions: sessionmaker[Session], *, interval: float) -> None:
        self.sessions = sessions
        self.interval = interval
        self.warmed: Hashable | None = None  # the versions last warmed
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="yuanqu-warmup", daemon=True)

    def start(self) -> Warmer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def check(self) -> bool:
        """Warm if the data changed since the last warm-up; True if it warmed."""
        with self.sessions() as session:
            versions = data_versions(session)
            if versions == self.warmed:
                return False
            started = time.perf_counter()
            spent = warm(session)
            session.rollback()  # read only
        spent["heap"] = settle_heap()
        self.warmed = versions
        self.runs += 1
        detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in spent.items())
        # The benchmark (benchmarks/pages.py) reads this line to know the warm-up is done.
        log.info("warm-up done in %.1f s (%s)", time.perf_counter() - started, detail)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:  # a database that went away: try again at the next tick
                log.exception("warm-up failed")
            self._stop.wait(self.interval)

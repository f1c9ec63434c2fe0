"""Start-up wiring: what the domains hand to each other through the extension points of the layers
below them, said once and explicitly instead of by importing a module for its side effects.

``create_app`` and the CLI call :func:`wire` before serving a request or running a command; a
program using yuanqu as a library calls it once too. Calling it again changes nothing.
"""

from __future__ import annotations

from yuanqu.attraction import service as attraction
from yuanqu.core import audit
from yuanqu.core.holidays import on_notice_loaded
from yuanqu.funds import service as funds
from yuanqu.grants import deadlines as grant_deadlines
from yuanqu.grants import integrity as grant_integrity
from yuanqu.models import import_all_models
from yuanqu.mu import inputs as mu_inputs
from yuanqu.mu import results as mu_results
from yuanqu.projects import ledger as project_ledger
from yuanqu.projects import service as projects
from yuanqu.service import signals as service_signals
from yuanqu.space import grades as space_grades
from yuanqu.space import land as space_land
from yuanqu.tracks import definitions as tracks
from yuanqu.watch import evaluate as watch_rules


def wire() -> None:
    """Connect the domains: every table known to the mappers (a foreign key may name another
    domain's table), deadlines counted again when a holiday notice loads, the money rows that
    ``audit verify`` compares with their audit trail, the lead a key project came from, and the
    service desk's requests and advisers the watch list reads, the land the 亩均效益评价
    grades firms by, the grades it published, which land and space matching reads, and the tracks
    a fund's forms name."""
    import_all_models()
    on_notice_loaded("grants", grant_deadlines.recount_deadlines)
    audit.on_verify("grants", grant_integrity.money_problems)
    on_notice_loaded("projects", project_ledger.recount_deadlines)
    projects.read_lead_links_with(attraction.lead_ids_for_projects)
    # The watch list's relocation rule reads the desk's requests; a flagged firm's owner is its
    # adviser (服务管家) when it has one, else its task force.
    watch_rules.read_requests_with(service_signals.requests_between)
    watch_rules.read_advisers_with(service_signals.advisers_by_firm)
    # The 亩均效益评价 reads the land each firm holds from the space domain: parcels, and space at
    # the building's plot ratio where the zone configured one.
    mu_inputs.read_land_with(space_land.land_by_firm)
    # Land and space matching ranks last year's class A and B firms first where the zone says so.
    space_grades.read_grades_with(mu_results.latest_published_grades)
    # A fund serves one of the tracks (赛道) the tracks domain defines; its forms name them.
    funds.read_track_names_with(tracks.track_names)

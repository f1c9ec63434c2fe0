"""Start-up wiring: what the domains hand to each other through the extension points of the layers
below them, said once and explicitly instead of by importing a module for its side effects.

``create_app`` and the CLI call :func:`wire` before serving a request or running a command; a
program using yuanqu as a library calls it once too. Calling it again changes nothing.
"""

from __future__ import annotations

from yuanqu.attraction import service as attraction
from yuanqu.core.holidays import on_notice_loaded
from yuanqu.grants import deadlines as grant_deadlines
from yuanqu.models import import_all_models
from yuanqu.projects import ledger as project_ledger
from yuanqu.projects import service as projects


def wire() -> None:
    """Connect the domains: every table known to the mappers (a foreign key may name another
    domain's table), deadlines counted again when a holiday notice loads, and the lead a key
    project came from."""
    import_all_models()
    on_notice_loaded("grants", grant_deadlines.recount_deadlines)
    on_notice_loaded("projects", project_ledger.recount_deadlines)
    projects.read_lead_links_with(attraction.lead_ids_for_projects)
    # The watch list's relocation_signal rule reads the service desk's requests through
    # watch.evaluate.read_requests_with(reader), reader(session, since=, until=) yielding
    # (enterprise id, day, text). No service desk exists in this tree yet, so nothing is wired
    # and the rule reports "no source"; the desk wires its reader here when it lands, and its
    # advisers (服务管家) through watch.evaluate.read_advisers_with(reader), reader(session, ids)
    # -> {id: adviser}: a flagged firm's owner is then its adviser, else its task force.

"""Rendered pages remembered while their data does not change.

A page that opts in renders its own blocks (``content``, ``scripts``...) once per key and keeps
them; the site's frame around them (``base.html``: the menu, the user's name) is rendered once
per reader and kept too, and every request writes only its session's CSRF token into it, so two
readers never share anything of each other.

The key is the caller's (the database, the data versions the page reads) plus what the blocks may
depend on: the template, the language, the reader's scope (role, own firm, task forces), the
path and query string, and today's date (pages default their as-of date to today). Blocks are
rendered without the reader's values: a cached block that used ``principal`` or ``csrf_token``
would fail to render (the environment's undefined is strict) rather than show one reader's name
to another; ``principal`` there holds only what the key holds (role, firm, task forces), and the
CSRF token is a mark each request replaces with its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role
from yuanqu.core.cache import LruCache
from yuanqu.core.db import data_key
from yuanqu.core.deps import csrf_token, request_lang
from yuanqu.web.templating import (
    environment,
    may_open,
    page_values,
    reader_values,
    render,
)

# Values of a page's context that its frame (base.html) reads, kept beside the blocks.
FRAME_VALUES = ("json_url",)
# A page's forms carry the session's CSRF token: its blocks are kept with this mark in its
# place, and each request writes its own token there (the mark is no value the data can hold).
CSRF_MARK = "yuanqu-csrf-token-of-the-reader"
MAX_ENTRIES = 512  # the default of YUANQU_PAGE_CACHE_ENTRIES; the app sets the bound
ENABLED = True  # off: every page is rendered afresh (the reference the tests compare with)


@dataclass(frozen=True)
class RenderedPage:
    blocks: dict[str, Markup]  # a full page's own blocks; empty for a fragment
    frame: dict[str, Any]
    fragment: Markup | None = None  # a partial (``_x.html``) rendered whole


PAGES: LruCache[RenderedPage] = LruCache(MAX_ENTRIES)
# The whole page, its frame rendered around the blocks, for one reader (the frame shows the
# reader's name): what most requests send, with the CSRF mark replaced.
FRAMED: LruCache[str] = LruCache(MAX_ENTRIES)


@dataclass(frozen=True)
class ScopeOnly:
    """What a kept page may read of its reader as ``principal``: exactly what its key holds.
    Anything else (the user's name, id) is not here, so a template reading it fails loudly."""

    role: Role
    uscc: str | None
    task_forces: tuple[str, ...]

    @property
    def is_enterprise(self) -> bool:
        return self.role == Role.enterprise


def reader_scope(principal: Principal | None) -> Hashable:
    """What a page's content may depend on about its reader: role, own firm, task forces."""
    if principal is None:
        return None
    return (str(principal.role), principal.uscc, tuple(sorted(principal.task_forces)))


def render_cached(
    request: Request,
    template: str,
    *,
    key: Hashable | None,
    context: Callable[[], dict[str, Any]],
    frame: str = "base.html",
) -> HTMLResponse:
    """``render`` with the page's blocks remembered under ``key`` (None: render, keep nothing).

    ``context`` builds the page's values; it is called only when the blocks are not cached, so
    the service calls behind it are skipped too. ``frame`` is the template the page extends.
    """
    if key is None or not ENABLED:
        return render(request, template, context())
    principal = getattr(request.state, "principal", None)
    full_key = (
        key,
        template,
        request_lang(request),
        reader_scope(principal),
        request.url.path,
        request.url.query,
        date.today(),
    )
    page = PAGES.get_or_compute(full_key, lambda: _render_blocks(request, template, context()))
    if page.fragment is not None:
        return HTMLResponse(_with_token(request, page.fragment))
    reader = None if principal is None else (principal.username, principal.display_name)
    html = FRAMED.get_or_compute(
        (full_key, frame, reader), lambda: _render_frame(request, frame, page)
    )
    return HTMLResponse(_with_token(request, html))


def render_kept(
    request: Request,
    template: str,
    session: Session,
    context: Callable[[], dict[str, Any]],
    *,
    also: Hashable = None,
) -> HTMLResponse:
    """``render_cached`` keyed by every dataset's version: for a page that reads many domains.

    Every unit of work that writes the zone's data bumps a version (``core.db``), so the page is
    kept until anything it could show changes, and never past that. ``also`` is what else the
    page depends on beyond the reader's scope (an account's own units, the minute of a clock)."""
    key = data_key(session)
    return render_cached(
        request, template, key=None if key is None else (key, also), context=context
    )


def render_tab(
    request: Request,
    session: Session,
    tab: str,
    firm: Any,
    json_url: str,
    context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """A profile tab of ``firm`` kept as ``render_kept`` keeps a page: the fragment
    ``x/_firm.html`` when htmx asks for it, the whole page ``x/firm.html`` when the tab is opened
    on its own; both get the firm's credit code and name and the tab's JSON twin."""
    folder, name = tab.rsplit("/", 1)
    fragment = f"{folder}/_{name}"
    template = fragment if request.headers.get("hx-request") else tab
    return render_kept(
        request,
        template,
        session,
        lambda: {"uscc": firm.uscc, "firm_name": firm.name, "json_url": json_url, **context()},
    )


def _with_token(request: Request, html: str) -> str:
    if CSRF_MARK not in html:
        return html
    token = csrf_token(request) if "session" in request.scope else ""
    return html.replace(CSRF_MARK, token)


def _render_blocks(request: Request, template: str, context: dict[str, Any]) -> RenderedPage:
    # No reader values (see the module docstring) but these two: what the role may open (the
    # scope in the key holds the role) and the CSRF mark, which each request replaces.
    values = {
        **page_values(request),
        "may_open": lambda path: may_open(request, path),
        "csrf_token": CSRF_MARK,
        "principal": _scope_only(getattr(request.state, "principal", None)),
        **context,
    }
    compiled = environment().get_template(template)
    frame = {name: values.get(name) for name in FRAME_VALUES}
    if template.rsplit("/", 1)[-1].startswith("_"):  # a partial: the htmx fragment, whole
        return RenderedPage(blocks={}, frame=frame, fragment=Markup(compiled.render(values)))
    ctx = compiled.new_context(values)
    blocks = {name: Markup("".join(block(ctx))) for name, block in compiled.blocks.items()}
    return RenderedPage(blocks=blocks, frame=frame)


def _render_frame(request: Request, frame: str, page: RenderedPage) -> str:
    compiled = environment().get_template(frame)
    values = {**page_values(request), **reader_values(request), **page.frame}
    values["csrf_token"] = CSRF_MARK  # kept for this reader; each request writes its token
    ctx: Context = compiled.new_context(values)
    for name, html in page.blocks.items():
        ctx.blocks[name] = [_constant(html)]
    return "".join(compiled.root_render_func(ctx))


def _constant(html: Markup) -> Callable[[Context], Iterator[str]]:
    def block(_context: Context) -> Iterator[str]:
        yield html

    return block


def _scope_only(principal: Principal | None) -> ScopeOnly | None:
    if principal is None:
        return None
    return ScopeOnly(principal.role, principal.uscc, tuple(sorted(principal.task_forces)))


def bound(entries: int) -> None:
    """Keep at most ``entries`` rendered pages (``YUANQU_PAGE_CACHE_ENTRIES``); 0 keeps none."""
    PAGES.resize(entries)
    FRAMED.resize(entries)


def clear() -> None:
    PAGES.clear()
    FRAMED.clear()

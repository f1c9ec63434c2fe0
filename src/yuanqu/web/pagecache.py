"""Rendered pages remembered while their data does not change.

A page that opts in renders its own blocks (``content``, ``scripts``...) once per key and keeps
them; every request then renders only the site's frame around them (``base.html``: the menu,
the user's name, the session's CSRF token), so two readers never share anything of each other.

The key is the caller's (the database, the data versions the page reads) plus what the blocks may
depend on: the template, the language, the reader's scope (role, own firm, task forces), the
path and query string, and today's date (pages default their as-of date to today). Blocks are
rendered without the reader's values: a cached block that used ``principal`` or ``csrf_token``
would fail to render (the environment's undefined is strict) rather than show one reader's name
to another.
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

from yuanqu.core.auth import Principal
from yuanqu.core.cache import LruCache
from yuanqu.core.deps import request_lang
from yuanqu.web.templating import environment, page_values, reader_values, render

# Values of a page's context that its frame (base.html) reads, kept beside the blocks.
FRAME_VALUES = ("json_url",)
MAX_ENTRIES = 512  # the default of YUANQU_PAGE_CACHE_ENTRIES; the app sets the bound
ENABLED = True  # off: every page is rendered afresh (the reference the tests compare with)


@dataclass(frozen=True)
class RenderedPage:
    blocks: dict[str, Markup]  # a full page's own blocks; empty for a fragment
    frame: dict[str, Any]
    fragment: Markup | None = None  # a partial (``_x.html``) rendered whole


PAGES: LruCache[RenderedPage] = LruCache(MAX_ENTRIES)


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
        return HTMLResponse(page.fragment)
    return HTMLResponse(_render_frame(request, frame, page))


def _render_blocks(request: Request, template: str, context: dict[str, Any]) -> RenderedPage:
    values = {**page_values(request), **context}  # no reader values: see the module docstring
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
    ctx: Context = compiled.new_context(values)
    for name, html in page.blocks.items():
        ctx.blocks[name] = [_constant(html)]
    return "".join(compiled.root_render_func(ctx))


def _constant(html: Markup) -> Callable[[Context], Iterator[str]]:
    def block(_context: Context) -> Iterator[str]:
        yield html

    return block


def bound(entries: int) -> None:
    """Keep at most ``entries`` rendered pages (``YUANQU_PAGE_CACHE_ENTRIES``); 0 keeps none."""
    PAGES.resize(entries)


def clear() -> None:
    PAGES.clear()

"""Every message of the pages has its Chinese translation in the gettext catalog, and one only."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from importlib import resources
from typing import IO

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileParser

from yuanqu.app import NAVIGATION
from yuanqu.core.i18n import LOCALES, catalog_path, gettext, pgettext
from yuanqu.registry.pages import PROFILE_SLOTS

TEMPLATES = resources.files("yuanqu") / "web" / "templates"
GETTEXT = re.compile(r"""_\((["'])(.+?)\1\)""")
PGETTEXT = re.compile(r"""pgettext\((["'])(.+?)\1,\s*(["'])(.+?)\3\)""")


def template_sources() -> list[str]:
    return [path.read_text() for path in TEMPLATES.rglob("*.html")]  # type: ignore[attr-defined]


def template_messages() -> set[str]:
    found: set[str] = set()
    for source in template_sources():
        found.update(m[1] for m in GETTEXT.findall(source))
    return found


def template_messages_in_context() -> set[tuple[str, str]]:
    """Every ``pgettext(context, message)`` of the templates."""
    found: set[tuple[str, str]] = set()
    for source in template_sources():
        found.update((m[1], m[3]) for m in PGETTEXT.findall(source))
    return found


class _EveryEntry(Catalog):
    """A catalog that remembers every entry it is given: Babel merges a repeated message id
    silently (the first translation wins), which is how one English word came to show the wrong
    Chinese on a page."""

    def __init__(self, locale: str) -> None:
        super().__init__(locale=locale)
        self.entries: list[Message] = []

    def __setitem__(self, id: str | tuple[str, ...], message: Message) -> None:
        self.entries.append(message)
        super().__setitem__(id, message)


def repeated_messages(po: IO[bytes], locale: str) -> dict[tuple[str | None, str], list[str]]:
    """Each (context, message id) given more than once, with its translations."""
    catalog = _EveryEntry(locale)
    PoFileParser(catalog, ignore_obsolete=True, abort_invalid=True).parse(po)
    translations: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for message in catalog.entries:
        if message.id:
            translations[(message.context, str(message.id))].append(str(message.string))
    return {key: strings for key, strings in translations.items() if len(strings) > 1}


def test_every_message_is_translated_to_chinese() -> None:
    messages = template_messages() | {label for _h, label, _r in NAVIGATION}
    messages |= {title for _k, title, _path in PROFILE_SLOTS}
    assert len(messages) > 50
    missing = sorted(m for m in messages if gettext("zh", m) == m)
    assert not missing, f"add these to locale/zh/LC_MESSAGES/messages.po: {missing}"


def test_every_message_in_context_is_translated_to_chinese() -> None:
    messages = template_messages_in_context()
    assert len(messages) >= 10
    missing = sorted(m for m in messages if pgettext("zh", *m) == m[1])
    assert not missing, f"add these (msgctxt, msgid) to the zh messages.po: {missing}"


def test_a_message_appears_once_in_each_context() -> None:
    with catalog_path("zh").open("rb") as po:
        repeated = repeated_messages(po, LOCALES["zh"])
    assert not repeated, (
        "one entry per (msgctxt, msgid); where the Chinese differs by meaning, give each meaning "
        f"its own msgctxt and use pgettext: {repeated}"
    )


def test_a_conflicting_repeat_is_found() -> None:
    po = io.BytesIO(
        'msgid "Open"\nmsgstr "待支付"\n\n'
        'msgid "Open"\nmsgstr "未结案"\n\n'
        'msgctxt "share of target"\nmsgid "Done"\nmsgstr "完成率"\n\n'
        'msgctxt "cases processed"\nmsgid "Done"\nmsgstr "已处理"\n'.encode()
    )
    assert repeated_messages(po, LOCALES["zh"]) == {(None, "Open"): ["待支付", "未结案"]}


@pytest.mark.parametrize(
    ("context", "message", "chinese"),
    [
        ("share of target", "Done", "完成率"),
        ("cases processed", "Done", "已处理"),
        ("payment batch status", "Open", "待支付"),
        ("claims not closed", "Open", "未结案"),
        ("leading industry", "Group", "组别"),
        ("grouped by", "Group", "分组"),
        ("number of firms", "Firms", "企业数"),
        ("list of firms", "Firms", "企业"),
        ("projects this year", "Year to date", "年累计"),
        ("cumulative months", "Year to date", "累计"),
        ("person", "Name", "姓名"),
    ],
)
def test_one_english_word_is_told_apart_by_context(
    context: str, message: str, chinese: str
) -> None:
    assert pgettext("zh", context, message) == chinese
    assert pgettext("en", context, message) == message


def test_english_is_the_message_itself() -> None:
    assert gettext("en", "Zone dashboard") == "Zone dashboard"
    assert gettext("zh", "Zone dashboard") == "园区首页"

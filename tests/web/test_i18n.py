"""Every message of the pages has its Chinese translation in the gettext catalog."""

from __future__ import annotations

import re
from importlib import resources

from yuanqu.app import NAVIGATION
from yuanqu.core.i18n import gettext
from yuanqu.registry.pages import PROFILE_SLOTS

TEMPLATES = resources.files("yuanqu") / "web" / "templates"


def template_messages() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):  # type: ignore[attr-defined]
        found.update(m[1] for m in re.findall(r"""_\((["'])(.+?)\1\)""", path.read_text()))
    return found


def test_every_message_is_translated_to_chinese() -> None:
    messages = template_messages() | {label for _h, label, _r in NAVIGATION}
    messages |= {title for _k, title, _path in PROFILE_SLOTS}
    assert len(messages) > 50
    missing = sorted(m for m in messages if gettext("zh", m) == m)
    assert not missing, f"add these to locale/zh/LC_MESSAGES/messages.po: {missing}"


def test_english_is_the_message_itself() -> None:
    assert gettext("en", "Zone dashboard") == "Zone dashboard"
    assert gettext("zh", "Zone dashboard") == "园区首页"

"""Translations: gettext catalogs (Babel ``.po`` files shipped in ``yuanqu/locale/``).

Message ids are English; ``locale/zh/LC_MESSAGES/messages.po`` translates them to Simplified
Chinese. The catalogs are read with Babel and compiled in memory at first use, so a plain
``pip install -e .`` needs no build step. One English word may stand for several Chinese ones
("Open" is 待支付 for a payment batch, 未结案 for claims): each meaning then has its own entry with
a message context (``msgctxt``), looked up with ``pgettext``.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("zh", "en")
LOCALES = {"zh": "zh_Hans_CN", "en": "en_US"}


def catalog_path(lang: str) -> resources.abc.Traversable:
    return resources.files("yuanqu") / "locale" / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The compiled catalog of ``lang``; English (the message ids) needs none."""
    source = catalog_path(lang)
    if lang == "en" or not source.is_file():
        return gettext_module.NullTranslations()
    with source.open("rb") as po:
        catalog = read_po(po, locale=LOCALES.get(lang, lang))
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def pgettext(lang: str, context: str, message: str) -> str:
    """``message`` in the meaning ``context`` names (the catalog's ``msgctxt``)."""
    return translations(lang).pgettext(context, message)

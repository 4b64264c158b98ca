"""The bot's own words in the asker's language.

Translations are gettext PO files in `bot/locale/<lang>/LC_MESSAGES/deskbot.po` — the format every
translation tool and service reads and writes (Poedit, Weblate, Crowdin, Transifex), so a translator
never touches Python. Babel parses them at run time (no compiled .mo files to keep in step) and names
languages in any language ("Englisch" for a German reader) for the label on a quoted passage.

The message ids are the English text: a missing language or a missing message falls back to English.
So does a translation that would not format: one whose placeholders are not exactly its message's
(`{nummer}` for `{number}`), or reach into a value (`{number.__class__}`); a warning names it. A
placeholder is a plain name, nothing else. Emoji stay in the code, outside the messages.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from functools import cache
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import Ticket

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "deskbot"
DEFAULT = "en"
_lock = threading.Lock()
log = logging.getLogger(__name__)


@cache
def available() -> frozenset[str]:
    """Languages with a catalog, and English."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return frozenset(found | {DEFAULT})


@cache
def entries(lang: str) -> dict[str, str]:
    """The translated messages of `lang`'s catalog as written (msgid → msgstr), unchecked."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with _lock, path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


@cache
def placeholders(text: str) -> frozenset[str]:
    """The names `text` formats ("#{number}" → {"number"}). ValueError for anything but plain names: a
    field reaching into a value (`{score.__class__}`, `{a[0]}`), positional, converted (`!r`) or nested
    fields, stray braces: a translation must not be able to read what it is given."""
    found = set()
    for _, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or conversion or "{" in (spec or ""):
            raise ValueError(f"{{{name}}} is not a plain placeholder")
        found.add(name)
    return frozenset(found)


def _fits(msgid: str, msgstr: str) -> bool:
    try:
        return placeholders(msgstr) == placeholders(msgid)
    except ValueError:
        return False


@cache
def _catalog(lang: str) -> dict[str, str]:
    """`lang`'s translations that format like their message; the others are left out (English)."""
    usable = {}
    for msgid, msgstr in entries(lang).items():
        if _fits(msgid, msgstr):
            usable[msgid] = msgstr
        else:
            log.warning(
                "catalog %s: the translation of %r does not format like it; English is shown", lang, msgid
            )
    return usable


def normalize(lang: str | None) -> str:
    """'pt-BR', 'pt_br', 'PT' → 'pt'; None or an untranslated language → 'en'."""
    code = (lang or DEFAULT).replace("_", "-").split("-")[0].lower()
    return code if code in available() else DEFAULT


def t(lang: str | None, message: str, **values: object) -> str:
    """`message` (English, the msgid) in `lang` when translated, formatted with `values`; English when
    the translation does not format."""
    code = normalize(lang)
    text = _catalog(code).get(message, message) if code != DEFAULT else message
    if not values:
        return text
    placeholders(message)  # the code's own message: plain names only
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        if text is message:
            raise
        log.warning(
            "catalog %s: the translation of %r does not format (%s); English is shown", code, message, exc
        )
        return message.format(**values)


def requester_language(ticket: Ticket) -> str | None:
    """The language the requester wrote the ticket in (None when unclear: the bot's words stay English):
    the one detected from their words when it opened (`routing.triage.ticket_for`). A ticket opened
    before that was recorded: the title's, their own words, first (a ticket opened from an unanswered
    question has the bot's English note in its description, which made every such requester English)."""
    from knowledge import language

    if ticket.language:
        return ticket.language
    return language.detect(ticket.title) or language.detect(ticket.description)


@cache
def language_name(code: str, reader: str | None = None) -> str:
    """The name of language `code` as a `reader` of that language calls it ('en', 'de' → 'Englisch')."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(normalize(reader)).languages.get(code) or code)
    except (UnknownLocaleError, ValueError):
        return code


def weekday_time(when: datetime, lang: str | None) -> str:
    """ "Tue 09:00" in the reader's language ("Di. 09:00"); English without a catalog for it."""
    from babel.dates import format_datetime

    return format_datetime(when, "EEE HH:mm", tzinfo=when.tzinfo, locale=normalize(lang))

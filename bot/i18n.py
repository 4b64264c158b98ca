"""The bot's own words in the asker's language.

Translations are gettext PO files in `bot/locale/<lang>/LC_MESSAGES/deskbot.po` — the format every
translation tool and service reads and writes (Poedit, Weblate, Crowdin, Transifex), so a translator
never touches Python. Babel parses them at run time (no compiled .mo files to keep in step) and names
languages in any language ("Englisch" for a German reader) for the label on a quoted passage.

The message ids are the English text: a missing language or a missing message falls back to English.
Emoji stay in the code, outside the messages.
"""

from __future__ import annotations

import threading
from datetime import datetime
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "deskbot"
DEFAULT = "en"
_lock = threading.Lock()


@cache
def available() -> frozenset[str]:
    """Languages with a catalog, and English."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return frozenset(found | {DEFAULT})


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with _lock, path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def normalize(lang: str | None) -> str:
    """'pt-BR', 'pt_br', 'PT' → 'pt'; None or an untranslated language → 'en'."""
    code = (lang or DEFAULT).replace("_", "-").split("-")[0].lower()
    return code if code in available() else DEFAULT


def t(lang: str | None, message: str, **values: object) -> str:
    """`message` (English, the msgid) in `lang` when translated, formatted with `values`."""
    text = _catalog(normalize(lang)).get(message, message) if normalize(lang) != DEFAULT else message
    return text.format(**values) if values else text


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

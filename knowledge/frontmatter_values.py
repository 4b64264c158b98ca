"""The values of front matter, read strictly (`knowledge.frontmatter.parse`): each known key's type, and
no visibility hidden inside any other value."""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata

import yaml

KNOWN_KEYS = ("title", "url", "visibility", "tags", "owner", "source")
# What static-site generators and help-centre exports write (Jekyll, Hugo, Docusaurus, MkDocs, Zendesk
# and Intercom exports): read and ignored, never refused — a newcomer's whole export was refused for its
# `description:` and `date:` lines (a review). Nothing here says who may read the article: a key that
# might (`private`, `draft`, `audience`, `access`, `hidden`, `published`) stays unknown and refuses the
# file, since ignoring it could publish what its writer meant to keep in.
OTHER_TOOLS_KEYS = frozenset(
    [
        "description",
        "summary",
        "excerpt",
        "date",
        "created",
        "updated",
        "modified",
        "lastmod",
        "last_updated",
        "last_modified",
        "author",
        "authors",
        "slug",
        "id",
        "permalink",
        "aliases",
        "layout",
        "weight",
        "order",
        "sidebar_position",
        "sidebar_label",
        "nav_order",
        "keywords",
        "categories",
        "category",
        "section",
        "lang",
        "language",
        "locale",
        "toc",
        "image",
        "cover",
    ]
)


class FrontMatterError(ValueError):
    """The front matter cannot be trusted; the message says what is wrong and how to fix it."""


# "visibility" then a colon (or a look-alike: fullwidth, modifier, ratio) then public or internal, read
# after invisible characters are removed ("visi\u00adbility")
_SAYS_WHO_READS = re.compile(r"(?i)\bvisibility\s*[:\uff1a\ua789\u2236\ufe55]\s*['\"]?(?:public|internal)\b")
_PLAIN = (str, int, float, bool, datetime.date, type(None))  # for isinstance


def _swallowed(key: str, value: object) -> None:
    """Refuse a value that holds a visibility of its own. Indented under another key (`author:` then
    `  visibility: internal`), inside a block of text (`description: |`, `title: |`) or a list, a file's
    own `visibility: internal` was swallowed and a public folder rule published the article (two
    reviews). Values may be text, numbers, dates, yes/no, and lists or mappings of those (Docusaurus
    `authors`, Hugo `image`); YAML's other types (`!!set`, `!!binary`, `!!pairs`) are refused."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and _folded(k).strip().lower() == "visibility":
                raise FrontMatterError(
                    f"front matter key '{key}' holds a 'visibility' of its own; write visibility: on its "
                    "own line at the start of the front matter"
                )
            _swallowed(key, v)
        return
    if isinstance(value, list):
        for item in value:
            _swallowed(key, item)
        return
    if not isinstance(value, _PLAIN):
        raise FrontMatterError(f"front matter key '{key}' holds {_kind(value)}; write it as text")
    if isinstance(value, str) and (found := _SAYS_WHO_READS.search(_folded(value))):
        raise FrontMatterError(
            f"front matter key '{key}' holds '{found.group(0)}' in its text; write visibility: on its own "
            "line at the start of the front matter"
        )


def _folded(text: str) -> str:
    """Without invisible format characters (soft hyphens, zero-width spaces)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _as_written(block: str, key: str) -> str:
    """A top-level scalar's text as written in the YAML (`1.10`, `010`, `12:30`), not as YAML read it."""
    node = yaml.compose(block, Loader=yaml.SafeLoader)
    for k, v in getattr(node, "value", []):
        if getattr(k, "value", None) == key and isinstance(v, yaml.ScalarNode):
            return str(v.value)
    return ""


def _unknown_key(key: object) -> str:
    known = ", ".join(KNOWN_KEYS)
    by_case = [k for k in KNOWN_KEYS if isinstance(key, str) and k == key.strip().lower()]
    close = by_case or difflib.get_close_matches(str(key).lower(), KNOWN_KEYS, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else "remove it or fix its spelling. "
    return f"front matter key '{key}' is not known; {hint}Known keys: {known}"


def _text(data: dict, key: str, fix: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FrontMatterError(f"front matter key '{key}' must be text, not {_kind(value)}; {fix}")
    return value.strip() or None


def _url(data: dict) -> str | None:
    url = _text(data, "url", "write the article's address, e.g. url: https://help.example.com/article")
    if url is not None and not re.match(r"https?://[^\s/]+", url):
        raise FrontMatterError(
            f"front matter key 'url' must be an http(s) address, not '{url[:80]}'; "
            "write e.g. url: https://help.example.com/article"
        )
    return url


def _visibility(data: dict) -> str | None:
    fix = "write visibility: public (customers may see it) or visibility: internal (staff only)"
    if "visibility" not in data:
        return None
    value = data["visibility"]
    if not isinstance(value, str):
        raise FrontMatterError(f"front matter key 'visibility' must be text, not {_kind(value)}; {fix}")
    # Case and surrounding spaces are forgiven (the word is unambiguous); anything else is refused.
    word = value.strip().lower()
    if word not in ("public", "internal"):
        raise FrontMatterError(f"front matter key 'visibility' is '{value}'; {fix}")
    return word


def _tags(data: dict) -> tuple[str, ...]:
    value = data.get("tags")
    if value is None:
        return ()
    # "tags: billing, invoices" is one YAML string: the words the writer listed (it was one tag "billing,
    # invoices", which no category matches)
    items = value if isinstance(value, list) else value.split(",") if isinstance(value, str) else [value]
    items = [i.strip() if isinstance(i, str) else i for i in items]
    items = [i for i in items if i != ""]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise FrontMatterError(
                f"front matter key 'tags' must be a list of words, but holds {_kind(item)}; "
                "write e.g. tags: [billing, invoices] (quote a tag YAML reads as yes/no)"
            )
    return tuple(str(t) for t in items)


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return f"{type(value).__name__} ({value})"  # e.g. a date YAML read from 2024-01-31

"""The translation catalogues (bot/locale/*/LC_MESSAGES/deskbot.po) against the code that uses them:
every message the code asks for is translated in every catalogue, with exactly the msgid's placeholders,
and a catalogue that is wrong anyway (a renamed placeholder, a format reaching an attribute) shows the
English text with a warning instead of crashing: the CSAT prompt is built inside the resolve
transaction, so a KeyError there stopped staff resolving tickets."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from string import Formatter

import pytest

from bot import i18n
from bot.models import Priority

ROOT = Path(__file__).resolve().parents[2]
LOCALES = sorted(i18n.available() - {i18n.DEFAULT})
RESOLVED = "Ticket *#{number}* is resolved. How did we do?"


def _strings(node: ast.expr) -> Iterator[str]:
    """The message ids an argument can be: a literal, or either literal of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


# messages the code passes that are not literals, and what they can be
DYNAMIC = {"ticket.priority.value": {p.value for p in Priority}}


@cache
def code_calls() -> tuple[frozenset[str], frozenset[str]]:
    """Every message id the code passes to `t(lang, message, …)` (a literal, or the literal a variable
    passed there is assigned in the same function), and the source of any other message argument."""
    found: set[str] = set()
    other: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py"), *ROOT.glob("jobs/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            assigned = {
                target.id: node.value
                for node in ast.walk(func)
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(func):
                if not (isinstance(call, ast.Call) and len(call.args) >= 2):
                    continue
                name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
                if name != "t":
                    continue
                message = call.args[1]
                if isinstance(message, ast.Name) and message.id in assigned:
                    message = assigned[message.id]
                ids = list(_strings(message))
                found.update(ids)
                if not ids:
                    other.add(ast.unparse(message))
    return frozenset(found), frozenset(other)


def code_msgids() -> frozenset[str]:
    """Every message id the code can ask for."""
    found, other = code_calls()
    return found.union(*(DYNAMIC.get(source, ()) for source in other))


def names(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def test_the_code_asks_for_messages_this_test_can_read() -> None:
    found, other = code_calls()
    assert RESOLVED in found and "Add a comment" in found
    assert other <= set(DYNAMIC), f"say in DYNAMIC which messages {other - set(DYNAMIC)} can be"


@pytest.mark.parametrize("lang", LOCALES)
def test_every_message_the_code_uses_is_translated(lang: str) -> None:
    missing = sorted(code_msgids() - set(i18n.entries(lang)))
    assert not missing, missing


@pytest.mark.parametrize("lang", LOCALES)
def test_every_translation_has_exactly_its_messages_placeholders(lang: str) -> None:
    wrong = {msgid: msgstr for msgid, msgstr in i18n.entries(lang).items() if names(msgstr) != names(msgid)}
    assert not wrong, wrong
    for msgid in code_msgids():  # and the placeholders are plain names, nothing reaching into values
        assert i18n.placeholders(msgid) == names(msgid), msgid


@pytest.mark.parametrize(
    "text",
    [
        "{score.__class__}",
        "{score.__class__.__init__.__globals__}",
        "{values[0]}",
        "{0}",
        "{}",
        "{score!r}",
        "{score:{width}}",
        "{score",
        "score}",
    ],
)
def test_a_placeholder_reaching_into_a_value_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        i18n.placeholders(text)


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A German catalogue of our own in place of the project's (the caches cleared either side)."""
    po = tmp_path / "de" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    po.parent.mkdir(parents=True)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    for cached in (i18n.available, i18n.entries, i18n._catalog):
        cached.cache_clear()
    yield po
    monkeypatch.undo()
    for cached in (i18n.available, i18n.entries, i18n._catalog):
        cached.cache_clear()


def _write(po: Path, pairs: dict[str, str]) -> None:
    body = "".join(f'\nmsgid "{k}"\nmsgstr "{v}"\n' for k, v in pairs.items())
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n' + body, encoding="utf-8"
    )


@pytest.mark.parametrize(
    "msgstr",
    [
        "Ticket *#{nummer}* ist gelöst. Wie zufrieden sind Sie?",  # a renamed placeholder
        "Ticket *#{number.__class__}* ist gelöst.",  # reaching an attribute
        "Ticket *#{number}* ist gelöst, {score}?",  # one the message never gives
        "Ticket ist gelöst.",  # one dropped: the number would be lost
        "Ticket *#{number* ist gelöst.",  # not a format string at all
    ],
)
def test_a_translation_that_does_not_format_falls_back_to_english(
    catalogue: Path, caplog: pytest.LogCaptureFixture, msgstr: str
) -> None:
    _write(catalogue, {RESOLVED: msgstr, "Add a comment": "Kommentar hinzufügen"})
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert i18n.t("de", RESOLVED, number=5) == "Ticket *#5* is resolved. How did we do?"
    assert i18n.t("de", "Add a comment") == "Kommentar hinzufügen"  # the rest of the catalogue stays
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "de" in warning.getMessage() and RESOLVED in warning.getMessage()


def test_a_translation_whose_format_fails_on_its_value_falls_back_to_english(
    catalogue: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(catalogue, {RESOLVED: "Ticket *#{number:d}* ist gelöst."})
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert i18n.t("de", RESOLVED, number="5") == "Ticket *#5* is resolved. How did we do?"
    assert any("de" in r.getMessage() and RESOLVED in r.getMessage() for r in caplog.records)

"""Fuzzing the card thread's command parser: any text is a reply, an internal note, a verb, or refused
with help — never an error, and a message starting with `!` never reaches the requester."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.desk.relay import Relay
from bot.verbs import THREAD_VERBS


class Recorder:
    """Stands in for the desk's Slack I/O and ticket work: records what the relay asked for."""

    def __init__(self) -> None:
        self.told: list[dict[str, Any]] = []
        self.changed: list[str] = []

    def tell(self, **kw: Any) -> None:
        self.told.append(kw)

    def change(self, verb: str, **kw: Any) -> None:
        self.changed.append(verb)


WORDS = st.sampled_from([*THREAD_VERBS, "note", "notes", "Resolve", "NOTE:", "", "!", "@here"])
TEXT = st.one_of(st.text(max_size=80), st.builds(lambda w, r: f"!{w}{r}", WORDS, st.text(max_size=40)))


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_thread_commands_never_fail_and_never_leak(text: str) -> None:
    seen = Recorder()
    relay = Relay(ctx=None, slack=seen, work=seen)  # type: ignore[arg-type]
    internal, body = relay._command(1, user="U0AGENT001", text=text, where=("C0TRIAGE01", "1.1"))
    outcomes = [
        body is not None and not internal,
        body is not None and internal,
        bool(seen.changed),
        bool(seen.told),
    ]
    assert sum(outcomes) == 1, (text, internal, body, seen.changed, seen.told)
    if text.lstrip().startswith("!"):
        assert body is None or internal, "a !word reached the requester"
    if seen.told:
        assert "nothing was sent to the requester" in seen.told[0]["text"]

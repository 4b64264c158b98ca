"""Priority from configurable cues, the channel's customer tier and the category's default — with the reason.

Cues are phrases (whole words) or example requests, globally (`routing.priority_cues`) or per category
(`categories.*.priority_cues`). A cue is read in context, in its own sentence and the request's
language (`incident_words`):

- a request about an incident's aftermath ("Can we get an SLA credit for last week's outage?", "What
  caused the outage?") or one dated on the cue itself ("yesterday's outage") is not an incident, unless
  the sentence says it is happening now or again;
- a denied cue ("not an outage", "no data loss", "kein Ausfall") is not one;
- a requester who says it is not urgent gets no cue's priority;
- every occurrence counts: "… last week's outage? There is an outage again today." is urgent.

The reason says which cue applied, or why one did not ("'outage' refers to a past incident (last
week's)").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.routing.incident_words import dated, languages_of, negated, not_urgent, now, ongoing, past, whole
from bot.support import Priority, SupportConfig
from bot.support.models import PriorityCue

RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}

# A sentence: up to its end mark, or to a line break (a ticket's title and its description are two).
_SENTENCE = re.compile(r"[^.!?。！？؟\n]+[.!?。！？؟]?")


def past_reference(
    text: str, start: int, end: int, languages: list[str] | None = None, *, dates: bool = True
) -> str | None:
    """The words that put the cue at `text[start:end]` in the past, or None when it may be happening now:
    its sentence says the problem is there now ("right now", "is down") → None; it is about the
    incident's aftermath or end (a credit, a post-mortem, "was fixed") → those words; it goes on or is
    back ("still", "again", "continues") → None; a time attached to the cue ("last week's", "from
    yesterday") → that time, when `dates`: an outage dated last week is over, a double charge dated last
    month is not (its money is still gone). A cause asked for ("root cause", "what happened") or a date
    elsewhere in the sentence ("Production down after yesterday's deploy") dates nothing: live reports
    name them too (three reviews)."""
    languages = languages or languages_of(text)
    sentence = _sentence_at(text, start)
    if sentence is None or end > sentence.end():
        return None
    clause = sentence.group(0)
    if now(clause, languages):
        return None
    found = past(clause, languages)
    if found is not None:
        return found.group(0)
    if ongoing(clause, languages) or not dates:
        return None
    when = dated(text[sentence.start() : start], text[end : sentence.end()], languages)
    return when.group(0).strip() if when else None


def _sentence_at(text: str, at: int) -> re.Match[str] | None:
    """The sentence of `text` holding position `at` (the one rule every reading of a cue uses)."""
    return next((s for s in _SENTENCE.finditer(text) if s.start() <= at < s.end()), None)


def _denied(text: str, start: int, languages: list[str]) -> bool:
    """Whether the cue starting at `start` is denied right before it, within its sentence; a rhetorical
    "is this not …" is no denial ("How is this not an outage?", "Wieso ist das kein Ausfall?")."""
    sentence = _sentence_at(text, start)
    before = text[sentence.start() if sentence else 0 : start]
    return negated(before, languages) and not _RHETORICAL.search(before)


# "is this not a …", "isn't this an …", "ist das kein …", "n'est-ce pas une …": asks, does not deny
_RHETORICAL = re.compile(
    r"(?:\b(?:is|isn't|ist|wäre)\s+(?:this|that|it|das|es)\s+(?:not|kein\w*|nicht)|n'est-ce pas)"
    r"(?:\s+(?:an?|eine?n?|the|une?))?\s*$"
)


# Said in the same sentence as "not urgent", these take it back: "It is not urgent for us, it is
# critical: production down" (a second review); only a plain assertion ("not urgent or critical", "non-
# critical", "no es urgente ni crítico" take nothing back: a third review)
_URGENT_AFTER_ALL = re.compile(
    r"(?<![\w-])(?:it is|it's|this is|es ist|das ist|c'est|es|é) (?:critical|urgent|kritisch|dringend|"
    r"cr[ií]tico|urgente|critique)\b"
)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


@dataclass(frozen=True)
class ExampleMatch:
    priority: Priority
    example: str
    similarity: float


def cues_for(config: SupportConfig, category: str | None) -> list[PriorityCue]:
    spec = config.categories.get(category or "")
    return list(config.routing.priority_cues) + (list(spec.priority_cues) if spec is not None else [])


class ExampleCues:
    """Priority examples as a nearest-neighbour decision: a request gets a cue's priority when its nearest
    example (by the router's embedding) is one of that cue's examples rather than an ordinary category
    example — the configuration's own examples are the yardstick, no similarity threshold."""

    def __init__(
        self,
        *,
        cues: Sequence[tuple[str | None, PriorityCue]],  # (category or None for all, cue)
        ordinary: Sequence[str],
        embed: Callable[[list[str]], np.ndarray],
    ) -> None:
        self._rows = [(scope, cue.priority, ex) for scope, cue in cues for ex in cue.examples if ex.strip()]
        self._embed = embed
        texts = [ex for _, _, ex in self._rows]
        self._cue_vectors = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        ordinary = [t for t in ordinary if t.strip()]
        self._ordinary = embed(list(ordinary)) if ordinary and texts else np.zeros((0, 1), dtype=np.float32)

    @classmethod
    def from_config(cls, config: SupportConfig, embed: Callable[[list[str]], np.ndarray]) -> ExampleCues:
        cues: list[tuple[str | None, PriorityCue]] = [(None, c) for c in config.routing.priority_cues]
        for name, spec in config.categories.items():
            cues.extend((name, c) for c in spec.priority_cues)
        ordinary = [ex for spec in config.categories.values() for ex in spec.examples]
        return cls(cues=cues, ordinary=ordinary, embed=embed)

    def match(self, text: str, *, category: str | None) -> ExampleMatch | None:
        if not self._rows or not len(self._ordinary):
            return None
        vector = self._embed([text])[0]
        cue_sims = self._cue_vectors @ vector
        allowed = np.array([scope is None or scope == category for scope, _, _ in self._rows])
        if not allowed.any():
            return None
        cue_sims = np.where(allowed, cue_sims, -np.inf)
        best = int(np.argmax(cue_sims))
        if cue_sims[best] <= float(np.max(self._ordinary @ vector)):
            return None
        _, priority, example = self._rows[best]
        return ExampleMatch(priority, example, float(cue_sims[best]))


def priority_for(
    text: str,
    *,
    config: SupportConfig,
    category: str | None,
    tier: str | None,
    examples: ExampleCues | None = None,
) -> tuple[Priority, str]:
    """The highest priority any rule gives, and a reason a person can read ("matched 'production down'")."""
    candidates: list[tuple[Priority, str]] = [(Priority.NORMAL, "default")]
    notes: list[str] = []
    spec = config.categories.get(category or "")
    if spec is not None and spec.default_priority is not None:
        candidates.append(
            (spec.default_priority, f"category {category} defaults to {spec.default_priority.value}")
        )
    if tier and tier in config.routing.tier_priority:
        level = config.routing.tier_priority[tier]
        candidates.append((level, f"{tier} customers get at least {level.value}"))
    # spaces made single, line breaks kept: a title's last words and its description's first are two sentences
    lowered = "\n".join(" ".join(line.split()) for line in text.lower().splitlines())
    languages = languages_of(text)
    for cue in cues_for(config, category):
        for phrase in cue.phrases:
            # a date ends an incident (an urgent cue), not a problem (a double charge last month)
            reading = _cue_reading(lowered, phrase, languages, dates=cue.priority == Priority.URGENT)
            if reading is None:
                candidates.append((cue.priority, f"matched '{phrase}'"))
                break
            if reading:
                notes.append(f"'{phrase}' {reading}, not {cue.priority.value}")
    # said anywhere, "not urgent" holds off a cue matched by meaning, unless the problem is there now
    calm = not_urgent(lowered, languages) if not now(lowered, languages) else None
    if examples is not None:
        hit = examples.match(text, category=category) if calm is None else None
        if calm is not None:
            notes.append(f"the requester says '{calm.group(0)}'")
        if hit is not None:
            # the whole request: an aftermath, not a date somewhere in it ("Nobody can log in. Yesterday it worked.")
            earlier = past(lowered, languages) if not now(lowered, languages) else None
            if earlier is not None:
                notes.append(
                    f"like {_article(hit.priority.value)} {hit.priority.value} example but about a past "
                    f"incident ({earlier.group(0)})"
                )
            else:
                candidates.append(
                    (hit.priority, f"like the example '{hit.example[:60]}' ({hit.similarity:.2f})")
                )
    best = max(candidates, key=lambda c: RANK[c[0]])
    reasons = [r for p, r in candidates if p == best[0] and r != "default"]
    why = f"priority {best[0].value}: " + ("; ".join(reasons) if reasons else "default")
    return best[0], why + "".join(f"; {n}" for n in notes)


def _cue_reading(lowered: str, phrase: str, languages: list[str], *, dates: bool) -> str | None:
    """None when some occurrence of `phrase` applies; else why none does ("refers to a past incident
    (…)", "is denied", "…: the requester says 'not urgent'"), or "" when it does not occur. "Not urgent"
    holds off a cue in its own sentence only: "Not urgent. Production down for all users!" contradicts
    itself, and the desk errs towards the incident."""
    why = ""
    for found in re.finditer(whole(re.escape(phrase.lower())), lowered):
        if _denied(lowered, found.start(), languages):
            why = why or "is denied"
            continue
        held = _sentence_at(lowered, found.start())
        sentence = held.group(0) if held else ""
        calm = not_urgent(sentence, languages)
        rest = sentence[: calm.start()] + " " + sentence[calm.end() :] if calm is not None else ""
        if calm is not None and (_URGENT_AFTER_ALL.search(rest) or now(sentence, languages)):
            calm = None  # taken back, or the problem is there now ("…but production down right now")
        if calm is not None:
            why = why or f"stands where the requester says '{calm.group(0)}'"
            continue
        when = past_reference(lowered, found.start(), found.end(), languages, dates=dates)
        if when is None:
            return None
        why = f"refers to a past incident ({when})"
    return why

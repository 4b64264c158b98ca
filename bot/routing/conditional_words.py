"""The words that make a priority cue a question about what could happen, not a report of what does:
a condition ("What happens if there is an outage?", "In case of data loss, do you have backups?") or a
safeguard asked about ("How do you protect against data loss?", "What is your policy on a security
breach?"). `bot.routing.priority` reads them in the cue's clause, before the cue (and, in Chinese and
Japanese, where such words follow what they govern, after it: "障害が発生した場合").

A clause ends at a comma, a colon, a semicolon, a dash or a bracket, so "If you can, please look:
production down" and "Production down, what if we lose data?" stay live reports; so does a condition
that is only politeness ("if possible", "if you could") or a "whether" ("can you check if there is an
outage?" asks about now). Each entry is a regular-expression fragment, lower case, matched as whole
words like `incident_words`' lists (the same languages).
"""

from __future__ import annotations

import re

from bot.routing.incident_words import whole

BEFORE: dict[str, list[str]] = {
    "en": [
        "if",
        "in case",
        "in the event",
        "should there be",
        "whenever",
        r"when there(?: is|'s| are)",
        r"suppos(?:e|ing)",
        "assuming",
        r"what happens(?! is)",
        r"what (?:do|should|would|will) (?:we|i|you|they) do",
        r"prevent(?:s|ing|ion)?",
        r"avoid(?:s|ing)?",
        r"(?:protect(?:s|ion|ed)?|guard|safeguards?|insurance) against",
        r"recover(?:y|ing)? from",
        r"(?:policy|policies|procedure|procedures|plan|plans|process) (?:on|for|in case|about)",
        r"prepare(?:d)? for",
        r"guarantee(?:s|d)?",
        r"sla (?:for|on|during)",
        r"how (?:do|does|would|will|should) (?:you|we|it|they) (?:handle|deal with|respond to)",
    ],
    "de": [
        "wenn",
        "falls",
        r"im falle?",
        "für den fall",
        r"sollte(?:n)? es",
        "was passiert",
        r"verhinder\w*",
        r"vermeid\w*",
        r"(?:schutz|schützen|absicherung) (?:vor|gegen)",
        r"richtlinie\w* (?:für|bei|zu)",
    ],
    "es": [
        "si",
        r"en (?:el )?caso de",
        "cuando haya",
        r"qué (?:pasa|ocurre|sucede)",
        r"evitar\w*",
        r"prevenir\w*",
        r"proteger\w* (?:contra|de)",
        r"pol[ií]tica (?:de|para|ante)",
    ],
    "fr": [
        "si",
        "s'il y a",
        "en cas de",
        "au cas où",
        r"que se passe-t-il",
        r"éviter\w*",
        r"prévenir",
        r"protég\w* contre",
        r"politique (?:de|en cas)",
    ],
    "pt": [
        r"(?:em|no) caso de",
        r"caso (?:haja|ocorra|aconteça|tenha)",
        r"se (?:houver|ocorrer|acontecer|tiver|der)",
        "o que acontece",
        r"evitar\w*",
        r"prevenir\w*",
        r"proteger\w* contra",
    ],
    "zh": ["如果", "假如", "万一", "要是", "防止", "避免", "预防"],
    "ja": ["もし"],
    "ru": ["если", "в случае", r"предотвра\w*", r"избежа\w*", "что будет"],
    "ar": ["إذا", "في حالة", "لو", "منع", "تجنب"],
}

# Where a language puts the condition after what it governs: "宕机的话", "障害が発生した場合", "データ損失を防ぐ"
AFTER: dict[str, list[str]] = {
    "zh": ["的话"],
    "ja": ["場合", "際", "を防ぐ", "を防止"],
}

# A condition that asks about now or is politeness, in the words right before it: "check if …" asks
# whether there is an outage; "if you could" asks a favour.
_NOT_A_CONDITION = re.compile(
    r"(?:(?:check|see|confirm|verify|know|ask|wonder|investigate|find out|look into|tell (?:me|us))"
    r"(?: please)? (?:if|whether)|(?:comprobar|verificar|saber|ver) si|(?:vérifier|savoir|voir) si)$"
)
_POLITE = re.compile(
    r"^(?:if (?:you (?:can|could|would|don't mind|have time)|possible|needed|necessary)|si (?:es )?posible|"
    r"si (?:pueden|puede)|si possible|si vous (?:pouvez|pourriez)|wenn (?:möglich|sie können))"
)

# A clause ends at these (besides a sentence's end): a comma, a colon, a semicolon, a dash, a bracket
CLAUSE_END = re.compile(r"[,;:()\[\]，；：、]|\s[-–—]\s")


def _markers(fragments: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(whole(f) for f in fragments))


_BEFORE = {lang: _markers(f) for lang, f in BEFORE.items()}
_AFTER = {lang: _markers(f) for lang, f in AFTER.items()}


def condition(before: str, after: str, languages: list[str]) -> str | None:
    """The words that make a cue a hypothetical, or None: `before` is the cue's clause up to it, `after`
    the clause after it (both lower case)."""
    for lang in languages:
        for found in _BEFORE.get(lang, re.compile(r"(?!)")).finditer(before):
            if _NOT_A_CONDITION.search(before[: found.end()]) or _POLITE.match(before[found.start() :]):
                continue
            return found.group(0)
        if lang in _AFTER and (found := _AFTER[lang].search(after)):
            return found.group(0)
    return None

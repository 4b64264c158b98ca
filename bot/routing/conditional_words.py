"""The words that make a priority cue a question about what could happen, not a report of what does.

Only a question asks about a possibility (`question`: it ends in a question mark, or opens with a
question word); a statement with "if" in it is a report ("Not sure if this is the right channel but
production down", "When there are two editors we get data loss"). In a question, the cue is asked about
as a possibility when, in its clause (`CLAUSE_END`):

- a condition comes before it (`CONDITION`: "What happens if there is an outage?", "In case of data
  loss, do you have backups?", "Wenn es einen Ausfall gibt, …?", "如果宕机了，怎么办？"), or follows it
  where a language puts it there (`CONDITION_AFTER`: "宕机的话…", "障害が発生した場合…");
- a safeguard or a situation stands right before it, with at most two words between (`GOVERNS`: "How
  do you protect against data loss?", "your policy on a security breach", "Who do I contact during an
  outage?"), or a situation right after it (`GOVERNS_AFTER`: "宕机时", "障害時");
- it names a kind of thing rather than an event (`TOPIC`, English: "an outage plan", "outage
  notifications").

A condition that is politeness ("if you could", "if anyone can"), a "whether" ("can you check if there
is an outage?"), a concession ("even if", "auch wenn") or a manner ("as if") is none, and words saying
it goes on ("still", "again", "persists") make it live. Each entry is a regular-expression fragment,
lower case, matched as whole words like `incident_words`' lists (the same languages).
"""

from __future__ import annotations

import re

from bot.routing.incident_words import whole

CONDITION: dict[str, list[str]] = {
    "en": [
        "if",
        r"in case (?:of|there|the|we|our|your|it happens)",
        r"in the event (?:of|that)",
        "should there be",
        "whenever",
        r"when there(?: is|'s| are)",
        r"suppos(?:e|ing)",
        "assuming",
    ],
    "de": [
        "wenn",
        "falls",
        r"im falle? (?:eines|einer|von einem|von einer)",
        "für den fall",
        r"sollte(?:n)? es",
    ],
    "es": ["si", r"en (?:el )?caso de", "cuando haya"],
    "fr": ["si", "s'il y a", "au cas où"],
    "pt": [
        r"(?:em|no) caso de",
        r"caso (?:haja|ocorra|aconteça|tenha)",
        r"se (?:houver|ocorrer|acontecer|tiver|der|o|a)",
        "quando",
    ],
    "zh": ["如果", "假如", "万一", "要是"],
    "ja": [r"もし(?!かして)"],
    "ru": ["если", r"в случае(?! с)"],
    "ar": ["إذا", "في حالة", "لو"],
}

# Where a language puts the condition after what it governs: "宕机的话", "障害が発生した場合"
CONDITION_AFTER: dict[str, list[str]] = {"zh": ["的话"], "ja": ["場合", r"(?<=[たるの])際"]}

# Right before the cue, with at most two words between: a safeguard asked about, or a situation
GOVERNS: dict[str, list[str]] = {
    "en": [
        r"prevent(?:s|ing|ion of)?",
        r"avoid(?:s|ing)?",
        r"(?:protect(?:s|ion|ed)?|guard|safeguards?|insurance) (?:against|from)",
        r"mitigat(?:e|es|ing|ion of)",
        r"(?:policy|policies|procedures?|plans?|process) (?:on|for|in case of|about)",
        r"prepare(?:d)? for",
        r"guarantee(?:s|d)? (?:during|for|against|in)",
        r"sla (?:for|on|during|in)",
        r"(?:handle|deal with|respond to|notify (?:us|customers|you) (?:of|about)|notified (?:of|about))",
        r"(?:during|in|after|for|at) (?:an?|any)",
        r"(?:report|counts? as|cover|covers) (?:an?|any)",
        r"(?:would|could|will|might|can|does) (?:an?|any)",
    ],
    "de": [
        r"verhinder\w*",
        r"vermeid\w*",
        r"(?:schutz|schütz\w*|absicherung) (?:vor|gegen)",
        r"richtlinie\w* (?:für|bei|zu)",
        r"(?:bei|während|nach|vor) (?:einem|einer|eines)",
    ],
    "es": [
        r"evit\w*",
        r"prevenir\w*",
        r"proteger\w* (?:contra|de)",
        r"pol[ií]tica (?:de|para|ante)",
        r"(?:durante|en|ante|tras) (?:una?|alg[uú]na?)",
    ],
    "fr": [
        r"évit\w*",
        r"prévenir",
        r"protég\w* contre",
        r"politique (?:de|en cas)",
        r"en cas d'une?",
        "en cas de",
        r"lors d'une?",
        r"(?:pendant|après) une?",
    ],
    "pt": [
        r"evitar\w*",
        r"prevenir\w*",
        r"proteger\w* contra",
        r"(?:durante|em|após) (?:uma?|algum|alguma)",
        "numa",
    ],
    "zh": ["防止", "避免", "预防"],
    "ja": [],
    "ru": [r"предотвра\w*", r"избежа\w*", r"(?:во время|при)"],
    "ar": ["منع", "تجنب"],
}
GOVERNS_AFTER: dict[str, list[str]] = {
    "zh": [r"了?(?:时|的时候|的情况下)"],
    "ja": [r"(?:した|する|している|の|発生)?(?:時|際|場合)", "を防ぐ", "を防止"],
}

# A cue naming a kind of thing: "an outage plan", "outage notifications", "security breach reports"
TOPIC = re.compile(
    r"^\s*(?:plans?|notifications?|alerts?|history|page|reports?|polic(?:y|ies)|runbooks?|scenarios?|"
    r"situations?|process(?:es)?|procedures?|drills?|insurance|coverage|credits?|sla)\b"
)

# Not a condition: a "whether" ("check if", "not sure if"), a concession ("even if"), a manner ("as if")
_NOT_A_CONDITION = re.compile(
    r"(?:(?:check|see|confirm|verify|know|ask|wonder|wondering|investigate|find out|look into|sure|tested|"
    r"test|tell (?:me|us)|even|as|only|apologies|sorry)(?: please)? (?:if|whether)|"
    r"(?:comprobar|verificar|saber|ver|sé|sabemos|incluso|aun|aunque) si|"
    r"(?:vérifier|savoir|voir|sais pas|sait pas|même) si|(?:auch|selbst|sogar) wenn|não sei se|знаю если|即使)$"
)
# A condition that asks a favour: "if you could", "if anyone can", "si alguien puede", "如果可以"
_POLITE = re.compile(
    r"^(?:if (?:(?:you|u|you guys|anyone|someone|somebody) (?:can|could|would|don't mind|have time|is around|are around|need|want)|"
    r"(?:at all )?possible|needed|necessary)|si (?:es )?posible|si (?:pueden|puede|alguien)|si possible|"
    r"si (?:vous pouvez|vous pourriez|quelqu'un)|wenn (?:möglich|sie können|ihr könnt)|se (?:possível|tiver alguém)|"
    r"если (?:можно|возможно)|如果(?:可以|方便)|もし可能)"
)

# What opens a question (a question mark is not always typed in chat)
_QUESTION_START = re.compile(
    r"^\W*(?:what|how|who|whom|which|where|why|do|does|did|is|are|can|could|would|will|should|shall|"
    r"may|was|were|wie|was|wer|wen|wem|wann|wo|warum|welche\w*|gibt es|kann|können|soll|sollen|"
    r"qu[eé]|c[oó]mo|qui[eé]n|cu[aá]ndo|d[oó]nde|cu[aá]l|hay|qui|que|qu'|comment|quand|où|quel\w*|"
    r"est-ce|o que|qual|quem|quando|onde|há|как|что|кто|кому|когда|где|ماذا|كيف|هل|من)\b"
)
_QUESTION_END = re.compile(r"(?:[?？؟]|吗|呢|か|ですか)\W*$")
_QUESTION_INSIDE = re.compile(r"怎么办|怎么|如何|什么|どう|どうすれば|教えて")

# A clause ends at these (besides a sentence's end): a comma, a colon, a semicolon, a dash, a bracket
CLAUSE_END = re.compile(r"[,;:()\[\]，；：、]|\s[-–—]\s")

_NEVER = re.compile(r"(?!)")


def _markers(fragments: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(whole(f) for f in fragments)) if fragments else _NEVER


def _adjacent(fragments: list[str]) -> re.Pattern[str]:
    """The fragments, then at most two words, then the end (the cue)."""
    if not fragments:
        return _NEVER
    return re.compile(f"(?:{'|'.join(whole(f) for f in fragments)})\\S*(?:\\s+\\S+){{0,2}}\\s*$")


_CONDITION = {lang: _markers(f) for lang, f in CONDITION.items()}
_CONDITION_AFTER = {lang: _markers(f) for lang, f in CONDITION_AFTER.items()}
_GOVERNS = {lang: _adjacent(f) for lang, f in GOVERNS.items()}
_GOVERNS_AFTER = {lang: re.compile(f"^\\s*(?:{'|'.join(f)})") for lang, f in GOVERNS_AFTER.items()}


def question(sentence: str) -> bool:
    """Whether `sentence` (lower case) asks something: a question mark, or a question word first."""
    return bool(
        _QUESTION_END.search(sentence)
        or _QUESTION_START.search(sentence)
        or _QUESTION_INSIDE.search(sentence)
    )


def conditional(text: str, languages: list[str]) -> re.Match[str] | None:
    """The first condition in `text` that is one: not politeness, a "whether", a concession or a manner."""
    for lang in languages:
        for found in _CONDITION.get(lang, _NEVER).finditer(text):
            if _NOT_A_CONDITION.search(text[: found.end()]) or _POLITE.match(text[found.start() :]):
                continue
            return found
    return None


def condition(before: str, after: str, languages: list[str]) -> str | None:
    """The words that make a cue a possibility asked about, or None: `before` is the cue's clause up to
    it, `after` the clause after it (both lower case); the caller checked that the sentence asks."""
    found = conditional(before, languages)
    if found is not None:
        return found.group(0)
    for lang in languages:
        if (governing := _GOVERNS.get(lang, _NEVER).search(before)) is not None:
            return governing.group(0).strip()
        if lang in _CONDITION_AFTER and (later := _CONDITION_AFTER[lang].search(after)):
            return later.group(0)
        if lang in _GOVERNS_AFTER and (later := _GOVERNS_AFTER[lang].search(after)):
            return later.group(0)
    if "en" in languages and (kind := TOPIC.search(after)) is not None:
        return kind.group(0).strip()
    return None

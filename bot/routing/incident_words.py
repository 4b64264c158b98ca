"""The words that read a priority cue in context, in the languages a desk's requests come in
(`bot.routing.priority` reads them in the sentence of a cue): an incident's aftermath (`PAST`), a date
(`WHEN`, only attached to the cue), the problem there now (`NOW`) or going on (`ONGOING`), a denial
(`NEGATION`) and "not urgent" (`NOT_URGENT`).

Each entry is a regular-expression fragment, lower case. A fragment matches as whole words where words
are spaced; in a script written without spaces (Chinese, Japanese) it matches wherever it stands.
English is the original list; German, Spanish, French and Portuguese are the languages the bot's own
words come in; Chinese, Japanese, Russian and Arabic were asked for by a review ("上周生产环境对所有用户
都不可用，请问能获得SLA赔偿吗？" became urgent). A request is read with English, the language detected
for it and those of its scripts (`languages_of`), never with all of them: French "hier" (yesterday) is
German "here". A cue matched in a request in a language without a list keeps working; only its
past-incident reading is missing there.
"""

from __future__ import annotations

import re

from knowledge.terms import unspaced

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

# What makes a request about an incident's aftermath, or states that it is over: read in the cue's
# sentence. A credit, a post-mortem, a root cause: the incident is not happening (unless the sentence
# says it is, `NOW`).
PAST: dict[str, list[str]] = {
    "en": [
        r"post-?mortem",
        "incident report",
        "sla credit",
        "service credit",
        "credit for",
        "refund for",
        "compensation for",
        r"report (?:on|about)",
        "was resolved",
        "has been resolved",
        "was fixed",
        r"(?<!not )(?<!n't )(?<!been )resolved(?! yet)",
    ],
    "de": [
        r"gutschrift\w*",
        r"entschädigung\w*",
        "erstattung für",
        "vorfallbericht",
        r"post-?mortem",
        "wurde behoben",
        r"(?:war|waren) (?:ausgefallen|down|nicht erreichbar)",
    ],
    "es": [
        r"compensaci[oó]n",
        r"cr[eé]dito (?:por|de sla|sla)",  # not "tarjeta de crédito"
        "reembolso por",
        "informe del incidente",
        r"se resolvi[oó]",
        r"(?:estuvo|estuvieron) ca[ií]d[oa]s?",
    ],
    "fr": [
        "un avoir",  # a credit note; "avoir" alone is the verb "to have"
        "dédommagement",
        "compensation",
        "remboursement pour",
        "rapport d'incident",
        r"a été (?:résolu|corrigé)e?",
        r"(?:était|étaient) en panne",
    ],
    "pt": [
        r"compensaç[aã]o",
        r"crédito (?:por|de sla|sla)",
        "reembolso por",
        "relatório do incidente",
        r"foi resolvid[oa]",
        r"(?:esteve|estiveram) fora do ar",
    ],
    # no bare "cause" or "refund" words: "原因不明，生产环境宕机了" and "退款功能宕机了" are outages now
    "zh": ["补偿", "赔偿", "事故报告", "已解决", "已经解决"],
    "ja": ["補償", "障害報告", "解決済み"],
    "ru": [r"компенсаци\w*", r"возврат\w* (?:средств|денег)", r"(?:был|была|было|были) недоступ\w*"],
    "ar": [r"\w*تعويض\w*", "استرداد", r"كان\w* متوقف\w*"],
}

# When something happened. Only a time attached to the cue itself dates the incident ("last week's
# outage", "la panne d'hier", "上周的宕机"): elsewhere in the sentence it dates something else, and a
# review found "Production down since the deployment yesterday" and "Security breach: someone logged in
# yesterday" demoted to normal by it.
WHEN: dict[str, list[str]] = {
    "en": [
        rf"last (?:week|month|night|year|quarter|time|{_DAYS})",
        "yesterday",
        "the day before",
        r"earlier this (?:week|month)",
        r"(?:a|two|three|few|several|\d+) (?:days?|weeks?|months?) ago",
        rf"in (?:{_MONTHS})",
    ],
    "de": [
        r"(?:letzte|vergangene)[nrms]? (?:woche|monat|nacht|jahr|quartal|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)",
        r"(?:vor)?gestern",
        r"vor (?:\d+|einem|einer|zwei|drei|ein paar|einigen) (?:tag|tagen|woche|wochen|monat|monaten)",
    ],
    "es": [
        r"(?:la semana|el mes|el año|el trimestre) pasad[oa]",
        r"el (?:lunes|martes|miércoles|jueves|viernes|sábado|domingo) pasado",
        "anoche",
        "ayer",
        "anteayer",
        r"hace (?:\d+|un|una|unos|unas|dos|tres) (?:días?|semanas?|mes|meses)(?! que)",  # "hace 3 días que": ongoing
    ],
    "fr": [
        r"(?:la semaine|le mois|l'année|le trimestre) derni(?:er|ère)",
        r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) dernier",
        "hier",
        "avant-hier",
        r"il y a (?:\d+|un|une|quelques|deux|trois) (?:jours?|semaines?|mois)",
    ],
    "pt": [
        r"(?:semana|mês|ano) passad[oa]",
        "ontem",
        "anteontem",
        r"há (?:\d+|um|uma|uns|umas|dois|duas|três) (?:dias?|semanas?|mês|meses)(?! que)",
    ],
    "zh": ["上周", "上星期", "上个月", "昨天", "前天", "昨晚", "天前"],
    "ja": ["先週", "先月", "昨日", "昨夜", "日前"],
    "ru": [
        "на прошлой неделе",
        "в прошлом месяце",
        r"(?:поза)?вчера",
        r"\d+ (?:дн[ея]й?|недел[иьюя]|месяц\w*) назад",
    ],
    "ar": ["الأسبوع الماضي", "الشهر الماضي", "أمس", "البارحة"],
}

# The problem is there now: beats everything else in the sentence ("The outage is still going on and
# we want a credit").
NOW: dict[str, list[str]] = {
    "en": [
        "right now",
        "currently",
        "at the moment",
        "ongoing",
        "going on",
        "is down",
        "are down",
        "is not working",
        "isn't working",
        r"(?:still|again) (?:down|broken|failing|unavailable|happening|not working)",
        r"(?:down|broken|failing|unavailable|not working|happening) again",
        # back after it was fixed: beats "was fixed" (a third review)
        r"(?:came|is|it's|has come) back",
        r"(?:has )?returned",
        r"(?:is|isn't|is not|has not been|hasn't been) (?:still )?(?:not )?(?:fixed|resolved) yet",
    ],
    "de": [
        "gerade",
        "im moment",
        "aktuell",
        "derzeit",
        r"(?:ist|sind) (?:wieder |immer noch |noch )?(?:\w+ )?(?:ausgefallen|down|nicht erreichbar)",
        r"wieder da",
        r"(?:geht|gehen|funktioniert|funktionieren) (?:nicht|gar nicht|nichts)",
        "nichts geht",
    ],
    "es": [
        "ahora mismo",
        "actualmente",
        r"(?:está|están|sigue|siguen) (?:todavía )?ca[ií]d[oa]s?",
        "no funciona",
        r"volvi[oó]",
    ],
    "fr": [
        "en ce moment",
        "actuellement",
        r"(?:est|sont) (?:toujours |encore |de nouveau )?en panne",
        r"ne (?:fonctionne|marche) (?:pas|plus)",
        r"(?:est|sont) revenue?s?",
    ],
    "pt": [
        "agora mesmo",
        "neste momento",
        "atualmente",
        r"(?:está|estão|continua|continuam) (?:ainda )?fora do ar",
        "não funciona",
        "voltou",
    ],
    "zh": ["现在", "目前", "正在", "还没有解决", "还没解决", "又", "再次"],
    "ja": ["現在", "再発"],  # not 今 alone: 今回 is "this time"
    "ru": ["сейчас", r"не работа\w*"],
    "ar": ["الآن", "حاليا"],
}

# It goes on, or is back: beats a date on the cue ("The outage from yesterday is still there"), not an
# aftermath ("We are still waiting for the SLA credit for last week's outage").
# As in English, "since" is ongoing only with a recent start ("seit heute", "seit gestern"; not "seit
# letzter Woche", waiting for a credit), and "now" only as "right now".
ONGOING: dict[str, list[str]] = {
    "en": [
        "still",
        "again",
        "keeps",
        r"since (?:this|today|\d)",
        r"continu(?:es|ing)",
        "persists",
        r"(?:has not|hasn't) (?:ended|stopped|been fixed)",
        "not over",
    ],
    "de": [
        r"(?:immer|noch) noch",
        "noch immer",
        "schon wieder",
        r"seit (?:heute|gestern|diesem|dieser|\d)",
        r"(?:dauert|hält) (?:noch )?an",
    ],
    "es": [
        "todavía",
        "aún",
        "otra vez",
        "de nuevo",
        r"sigue[n]?",
        r"contin[uú]a[n]?",
        r"desde (?:hoy|esta|este|\d)",
        r"hace (?:\d+|un|una|unos|unas|dos|tres) (?:horas?|días?|semanas?) que",
    ],
    "fr": ["toujours", "de nouveau", "encore", r"depuis (?:ce|cette|aujourd'hui|\d)", r"continue(?:nt)?"],
    "pt": [
        "ainda",
        "de novo",
        "novamente",
        r"continua[m]?",
        r"desde (?:hoje|esta|este|\d)",
        r"há (?:\d+|um|uma|uns|umas|dois|duas|três) (?:horas?|dias?|semanas?) que",
    ],
    "zh": ["还在", "仍然", "一直", "以来", "又"],
    "ja": ["まだ", "今も", "再び"],
    "ru": ["до сих пор", r"вс[её] ещ[её]", "снова", "опять"],
    "ar": ["لا يزال", "ما زال", "مرة أخرى"],
}

# The requester says it can wait: no cue raises the priority (the tier and the category still do).
NOT_URGENT: dict[str, list[str]] = {
    "en": [r"(?:is )?not (?:urgent|an emergency)", r"no (?:rush|hurry)", r"(?:not|no) urgency"],
    "de": [r"nicht (?:dringend|eilig)", "keine eile", "eilt nicht"],
    "es": ["no es urgente", "sin prisa", "no corre prisa", "nada urgente"],
    "fr": [r"(?:pas|rien d')urgent", "pas pressé"],
    "pt": ["não é urgente", "sem pressa", "nada urgente"],
    "zh": ["不急", "不紧急", "不着急"],
    "ja": ["急ぎではありません", "急ぎません", "急ぎではない"],
    "ru": [r"не срочн\w*", "не горит"],
    "ar": [r"ليس\w* عاجل\w*", r"غير عاجل\w*"],
}

# Words that deny what follows them ("not an outage", "no data loss", "kein Ausfall", "没有宕机"), read
# right before a cue, with at most an article between.
NEGATION: dict[str, list[str]] = {
    "en": [
        "no",
        "not",
        "never",
        "without",
        r"(?:is|are|was|were)n't",
        r"(?:do|does|did)(?: not|n't) have",
        "there is no",
    ],
    "de": [r"kein\w*", "nicht", "ohne"],
    "es": ["sin", r"ning[uú]n\w*", "no hay", "no es", "no"],
    "fr": [r"pas (?:de|d'un|d'une|un|une)", "sans", r"aucun\w*", r"n'y a pas (?:de|d')"],
    "pt": ["sem", r"nenhum\w*", "não há", "não é", "não"],
    "zh": ["没有", "没", "不是", "无"],
    "ja": [],
    "ru": ["нет", "не", "без"],
    "ar": ["لا", "ليس", "بدون", "بلا"],
}
_ARTICLES = r"(?:\s+(?:a|an|any|the|un|une|una|um|uma|ein|eine|einen|el|la|le|les|o|a))?"


def whole(fragment: str) -> str:
    """A pattern as whole words: no letter may touch it, except on a side in a script written without
    spaces (Chinese, Japanese, Thai), where every word touches the next: "宕机" is in "生产环境全部宕机了"."""
    head = "" if unspaced(fragment[:1]) else r"(?<!\w)"
    tail = "" if unspaced(fragment[-1:]) else r"(?!\w)"
    return f"{head}(?:{fragment}){tail}"


def _markers(fragments: list[str]) -> re.Pattern[str]:
    """One pattern for a language's fragments, each as whole words."""
    return re.compile("|".join(whole(f) for f in fragments))


_PAST = {lang: _markers(f) for lang, f in PAST.items()}
_WHEN = {lang: _markers(f) for lang, f in WHEN.items()}
_NOW = {lang: _markers(f) for lang, f in NOW.items()}
_ONGOING = {lang: _markers(f) for lang, f in ONGOING.items()}
_NOT_URGENT = {lang: _markers(f) for lang, f in NOT_URGENT.items()}
# the denial must end where the cue begins: only an article (or the particle 的 / の) may stand between
_NEGATED = {
    lang: re.compile(f"(?:{_markers(f).pattern}){_ARTICLES}\\s*$") for lang, f in NEGATION.items() if f
}
_SCRIPTS = {
    "zh": "[\u4e00-\u9fff]",
    "ja": "[\u3040-\u30ff\u4e00-\u9fff]",
    "ru": "[\u0400-\u04ff]",
    "ar": "[\u0600-\u06ff]",
}


def languages_of(text: str) -> list[str]:
    """The lists a request is read with: English, the language detected for it, and those of the
    scripts it is written in. Only its own: French "hier" (yesterday) is German and Dutch "here"."""
    from knowledge.language import detect

    langs = ["en"] + [lang for lang, script in _SCRIPTS.items() if re.search(script, text)]
    found = detect(text)
    return langs + [found] if found in PAST and found not in langs else langs


def past(text: str, languages: list[str]) -> re.Match[str] | None:
    """The first words in `text` that put an incident in the past, in one of `languages`: its aftermath
    (a credit, a post-mortem) or its end ("was fixed", "war ausgefallen")."""
    found = [m for lang in languages if (m := _PAST[lang].search(text))]
    return min(found, key=lambda m: m.start()) if found else None


def now(text: str, languages: list[str]) -> bool:
    """Whether `text` says, in one of `languages`, that the problem is there now."""
    return any(_NOW[lang].search(text) for lang in languages)


def ongoing(text: str, languages: list[str]) -> bool:
    """Whether `text` says, in one of `languages`, that the problem goes on or is back ("still", "again")."""
    return any(_ONGOING[lang].search(text) for lang in languages)


def dated(before: str, after: str, languages: list[str]) -> re.Match[str] | None:
    """A time attached to a cue: in `before` (the sentence up to the cue) ending at it, with at most one
    word, "'s", 的 or の between ("last week's outage", "上周的宕机"); or in `after` (the sentence after the
    cue) starting it, after at most a preposition and an article ("the outage from yesterday", "la caída
    de ayer", "la panne d'hier", "der Ausfall letzte Woche")."""
    for lang in languages:
        when = _WHEN[lang].pattern
        ahead = re.search(f"(?:{when})(?:'s)?(?:\\s+[^\\s,;:]+)?\\s*(?:的|の)?\\s*$", before)
        if ahead:
            return ahead
        behind = re.match(
            f"\\s*(?:(?:from|of|on|in|von|vom|de|del|d'|du|des|da|do|di|della)\\s*)?"
            f"(?:(?:the|la|le|el|der|die|das|o|a)\\s+)?(?:{when})",
            after,
        )
        if behind:
            return behind
    return None


def not_urgent(text: str, languages: list[str]) -> re.Match[str] | None:
    """Where the requester says, in one of `languages`, that it is not urgent."""
    found = [m for lang in languages if (m := _NOT_URGENT[lang].search(text))]
    return min(found, key=lambda m: m.start()) if found else None


def negated(before: str, languages: list[str]) -> bool:
    """Whether the words right before a cue (`before`, its sentence up to it) deny it."""
    return any(lang in _NEGATED and _NEGATED[lang].search(before) for lang in languages)

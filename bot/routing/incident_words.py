"""The words that put an incident in the past, or say it is still going on, in the languages a desk's
requests come in (`bot.routing.priority` reads them in the sentence of a priority cue).

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

PAST: dict[str, list[str]] = {
    "en": [
        rf"last (?:week|month|night|year|quarter|time|{_DAYS})(?:'s)?",
        r"yesterday(?:'s)?",
        "the day before",
        "previous",
        "prior",
        r"earlier this (?:week|month)",
        r"(?:a|two|three|few|several|\d+) (?:days?|weeks?|months?) ago",
        r"back in \w+",
        rf"in (?:{_MONTHS})",
        r"post-?mortem",
        "root cause",
        "rca",
        "incident report",
        "sla credit",
        "service credit",
        "credit for",
        "refund for",
        "compensation for",
        r"report (?:on|about)",
        r"what (?:caused|happened)",
        r"why (?:was|were|did)",
        "was resolved",
        "has been resolved",
        "was fixed",
        "after the",
        "during the",
    ],
    "de": [
        r"letzte[nrm]? (?:woche|monat|nacht|jahr|quartal|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)",
        r"(?:vor)?gestern",
        r"vor (?:\d+|einem|einer|zwei|drei|ein paar|einigen) (?:tag|tagen|woche|wochen|monat|monaten)",
        r"gutschrift\w*",
        r"entschädigung\w*",
        "erstattung für",
        "vorfallbericht",
        r"post-?mortem",
        "wurde behoben",
        r"(?:war|waren) (?:ausgefallen|down|nicht erreichbar)",
    ],
    "es": [
        r"(?:la semana|el mes|el año|el trimestre) pasad[oa]",
        r"el (?:lunes|martes|miércoles|jueves|viernes|sábado|domingo) pasado",
        "anoche",
        "ayer",
        "anteayer",
        r"hace (?:\d+|un|una|unos|unas|dos|tres) (?:días?|semanas?|mes|meses)(?! que)",  # "hace 3 días que": ongoing
        r"compensaci[oó]n",
        r"cr[eé]dito (?:por|de sla|sla)",  # not "tarjeta de crédito"
        "reembolso por",
        r"causa ra[ií]z",
        "informe del incidente",
        r"se resolvi[oó]",
        r"(?:estuvo|estuvieron) ca[ií]d[oa]s?",
    ],
    "fr": [
        r"(?:la semaine|le mois|l'année|le trimestre) derni(?:er|ère)",
        r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) dernier",
        "hier",
        "avant-hier",
        r"il y a (?:\d+|un|une|quelques|deux|trois) (?:jours?|semaines?|mois)",
        "un avoir",  # a credit note; "avoir" alone is the verb "to have"
        "dédommagement",
        "compensation",
        "remboursement pour",
        "cause racine",
        "rapport d'incident",
        r"a été (?:résolu|corrigé)e?",
        r"(?:était|étaient) en panne",
    ],
    "pt": [
        r"(?:semana|mês|ano) passad[oa]",
        "ontem",
        "anteontem",
        r"há (?:\d+|um|uma|uns|umas|dois|duas|três) (?:dias?|semanas?|mês|meses)(?! que)",
        r"compensaç[aã]o",
        r"crédito (?:por|de sla|sla)",  # not "cartão de crédito"
        "reembolso por",
        "causa raiz",
        "relatório do incidente",
        r"foi resolvid[oa]",
        r"(?:esteve|estiveram) fora do ar",
    ],
    # no bare "cause" or "refund" words: "原因不明，生产环境宕机了" and "退款功能宕机了" are outages now
    "zh": [
        "上周",
        "上星期",
        "上个月",
        "昨天",
        "前天",
        "昨晚",
        "天前",
        "补偿",
        "赔偿",
        "事故报告",
        "根本原因",
        "已解决",
        "已经解决",
    ],
    "ja": ["先週", "先月", "昨日", "昨夜", "日前", "補償", "障害報告", "解決済み"],
    "ru": [
        "на прошлой неделе",
        "в прошлом месяце",
        r"(?:поза)?вчера",
        r"\d+ (?:дн[ея]й?|недел[иьюя]|месяц\w*) назад",
        r"компенсаци\w*",
        r"возврат\w* (?:средств|денег)",
        r"(?:был|была|было|были) недоступн\w*",
    ],
    "ar": ["الأسبوع الماضي", "الشهر الماضي", "أمس", "البارحة", r"\w*تعويض\w*", "استرداد", r"كان\w* متوقف\w*"],
}

ONGOING: dict[str, list[str]] = {
    "en": [
        "still",
        "again",
        "right now",
        "currently",
        "at the moment",
        "ongoing",
        r"since (?:this|today|\d)",
        "is down",
        "are down",
        "is not working",
        "isn't working",
        "keeps",
    ],
    # as in English, "since" is ongoing only with a recent start ("seit heute", "seit gestern"; not "seit
    # letzter Woche", waiting for a credit), and "now" only as "right now"
    "de": [
        r"(?:immer|noch) noch",
        "noch immer",
        "gerade",
        "im moment",
        "aktuell",
        "derzeit",
        "schon wieder",
        r"seit (?:heute|gestern|diesem|dieser|\d)",  # "seit gestern geht nichts": still down
        r"(?:ist|sind) (?:ausgefallen|down|nicht erreichbar)",
        r"(?:geht|gehen|funktioniert|funktionieren) (?:nicht|gar nicht|nichts)",
        "nichts geht",
    ],
    "es": [
        "todavía",
        "aún",
        "ahora mismo",
        "actualmente",
        "otra vez",
        "de nuevo",
        r"sigue[n]?",
        r"desde (?:hoy|esta|este|\d)",
        r"hace (?:\d+|un|una|unos|unas|dos|tres) (?:horas?|días?|semanas?) que",
        r"(?:está|están) ca[ií]d[oa]s?",
        "no funciona",
    ],
    "fr": [
        "toujours",
        "en ce moment",
        "actuellement",
        "de nouveau",
        r"depuis (?:ce|cette|aujourd'hui|\d)",
        r"(?:est|sont) en panne",
        r"ne (?:fonctionne|marche) (?:pas|plus)",
    ],
    "pt": [
        "ainda",
        "agora mesmo",
        "neste momento",
        "atualmente",
        "de novo",
        "novamente",
        r"desde (?:hoje|esta|este|\d)",
        r"há (?:\d+|um|uma|uns|umas|dois|duas|três) (?:horas?|dias?|semanas?) que",
        r"(?:está|estão) fora do ar",
        "não funciona",
    ],
    "zh": ["还在", "仍然", "现在", "目前", "正在", "一直", "以来"],
    "ja": ["まだ", "現在", "今も", "再び"],
    "ru": ["до сих пор", r"вс[её] ещ[её]", "сейчас", "снова", "опять", r"не работа\w*"],
    "ar": ["لا يزال", "ما زال", "الآن", "حاليا", "مرة أخرى"],
}


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
_ONGOING = {lang: _markers(f) for lang, f in ONGOING.items()}
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
    """The first words in `text` that put an incident in the past, in one of `languages`."""
    found = [m for lang in languages if (m := _PAST[lang].search(text))]
    return min(found, key=lambda m: m.start()) if found else None


def ongoing(text: str, languages: list[str]) -> bool:
    """Whether `text` says, in one of `languages`, that the problem is still there."""
    return any(_ONGOING[lang].search(text) for lang in languages)

"""The words that put an incident in the past, or say it is still going on, in the languages a desk's
requests come in (`bot.routing.priority` reads them in the sentence of a priority cue).

Each entry is a regular-expression fragment, lower case. A fragment matches as whole words where words
are spaced; in a script written without spaces (Chinese, Japanese) it matches wherever it stands.
English is the original list; German, Spanish, French and Portuguese are the languages the bot's own
words come in; Chinese, Japanese, Russian and Arabic were asked for by a review ("上周生产环境对所有用户
都不可用，请问能获得SLA赔偿吗？" became urgent). A cue matched in a request in another language keeps
working; only its past-incident reading is missing there.
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
        r"erstattung für",
        r"ursache\w*",
        "vorfallbericht",
        r"post-?mortem",
        r"wurde behoben",
        r"(?:war|waren) (?:ausgefallen|down|nicht erreichbar)",
    ],
    "es": [
        r"(?:la semana|el mes|el año|el trimestre) pasado?",
        r"el (?:lunes|martes|miércoles|jueves|viernes|sábado|domingo) pasado",
        "anoche",
        "ayer",
        "anteayer",
        r"hace (?:\d+|un|una|unos|unas|dos|tres) (?:días?|semanas?|mes|meses)",
        r"compensaci[oó]n",
        r"cr[eé]dito (?:por|de sla|sla)",  # not "tarjeta de crédito"
        "reembolso por",
        r"causa ra[ií]z",
        "informe del incidente",
        r"se resolvi[oó]",
        r"(?:estuvo|estuvieron) ca[ií]dos?",
    ],
    "fr": [
        r"(?:la semaine|le mois|l'année|le trimestre) derni(?:er|ère)",
        r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) dernier",
        "hier",
        "avant-hier",
        r"il y a (?:\d+|un|une|quelques|deux|trois) (?:jours?|semaines?|mois)",
        r"un avoir",  # a credit note; "avoir" alone is the verb "to have"
        "dédommagement",
        "compensation",
        "remboursement pour",
        "cause racine",
        "rapport d'incident",
        r"a été (?:résolu|corrigé)e?",
        r"(?:était|étaient) en panne",
    ],
    "pt": [
        r"(?:na )?(?:semana|mês|ano) passad[oa]",
        "ontem",
        "anteontem",
        r"há (?:\d+|um|uma|uns|umas|dois|duas|três) (?:dias?|semanas?|mês|meses)",
        r"compensaç[aã]o",
        r"crédito (?:por|de sla|sla)",  # not "cartão de crédito"
        "reembolso por",
        "causa raiz",
        "relatório do incidente",
        r"foi resolvid[oa]",
        r"(?:esteve|estiveram) fora do ar",
    ],
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
        "退款",
        "事故报告",
        "根本原因",
        "已解决",
        "已经解决",
    ],
    "ja": ["先週", "先月", "昨日", "昨夜", "日前", "補償", "返金", "障害報告", "原因", "解決済み"],
    "ru": [
        r"на прошлой неделе",
        r"в прошлом месяце",
        r"(?:поза)?вчера",
        r"\d+ (?:дн[ея]й?|недел[иьюя]|месяц\w*) назад",
        r"компенсаци\w*",
        r"возврат\w*",
        r"причин\w*",
        r"(?:был|была|было|были) недоступн\w*",
    ],
    "ar": [
        "الأسبوع الماضي",
        "الشهر الماضي",
        "أمس",
        "البارحة",
        r"\w*تعويض\w*",
        "استرداد",
        "سبب",
        r"كان\w* متوقف\w*",
    ],
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
    "de": [
        r"(?:immer|noch) noch",
        "noch immer",
        "gerade",
        "jetzt",
        "aktuell",
        "derzeit",
        "schon wieder",
        "seit",
    ],
    "es": ["todavía", "aún", "ahora", "actualmente", "otra vez", "de nuevo", "sigue", "siguen", "desde"],
    "fr": ["toujours", "encore", "en ce moment", "actuellement", "maintenant", "de nouveau", "depuis"],
    "pt": ["ainda", "agora", "neste momento", "atualmente", "de novo", "novamente", "desde"],
    "zh": ["还在", "仍然", "现在", "目前", "正在", "一直", "以来"],
    "ja": ["まだ", "現在", "今", "再び"],
    "ru": ["до сих пор", r"вс[её] ещ[её]", "сейчас", "снова", "опять"],
    "ar": ["لا يزال", "ما زال", "الآن", "حاليا", "مرة أخرى"],
}


def markers(by_language: dict[str, list[str]]) -> re.Pattern[str]:
    """One pattern for every language's fragments, each as whole words where words are spaced."""

    def whole(fragment: str) -> str:
        head = "" if unspaced(fragment[:1]) else r"(?<!\w)"
        tail = "" if unspaced(fragment[-1:]) else r"(?!\w)"
        return f"{head}(?:{fragment}){tail}"

    return re.compile("|".join(whole(f) for fragments in by_language.values() for f in fragments))

"""`deskbot config check --routing`: what the router learned, on a configuration with two overlapping
categories (billing and refunds share their wording), one distinct one and one with too few examples."""

from __future__ import annotations

from bot.routing.report import routing_report
from bot.support import SupportConfig
from bot.support.models import Category
from knowledge.embedding import get_engine

MONEY = ["charge", "payment", "invoice", "money", "card", "bill", "amount", "paid"]


def _overlapping(config: SupportConfig) -> SupportConfig:
    money = [f"question about the {a} and the {b} on my account" for a in MONEY for b in MONEY if a != b]
    billing, refunds = money[0:40:2], money[1:40:2]  # the same wording, split in two
    login = [f"cannot sign in, the {w} screen says password wrong" for w in MONEY[:4]] + [
        f"locked out of my login after {n} password attempts" for n in range(12)
    ]
    team = next(iter(config.teams))
    categories = {
        "billing": Category(team=team, examples=billing),
        "refunds": Category(team=team, examples=refunds),
        "login": Category(team=team, examples=login),
        "legal": Category(team=team, examples=["our lawyer has a question about a contract clause"]),
    }
    return config.model_copy(update={"categories": categories})


def test_report_names_the_confused_pair_and_thin_categories(config: SupportConfig) -> None:
    report = routing_report(_overlapping(config), engine=get_engine("hash"))
    assert report.counts == {"billing": 20, "refunds": 20, "login": 16, "legal": 1}
    assert report.too_few == ["legal"]
    assert report.accuracy["login"] == 1.0
    top = report.confusions[0]
    assert {top.a, top.b} == {"billing", "refunds"} and top.examples == 40 and top.mistaken >= 4
    assert top.line() == f"billing ↔ refunds: {top.mistaken} of 40 examples"
    warnings = report.warnings()
    assert warnings[0].startswith("billing ↔ refunds:") and any("legal has 1 examples" in w for w in warnings)
    assert 0 < report.threshold < 1 and report.calibration["unknown"] > 0

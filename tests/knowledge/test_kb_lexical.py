"""Lexical matching that tolerates typos and does not assume spaces between words."""

from __future__ import annotations

from knowledge.chunking import Chunk
from knowledge.lexical import Bm25, words

DOCS = {
    "slack-integration": "Connect Acme to Slack: install the Slack app from the integrations page.",
    "jira-integration": "Connect Acme to Jira: paste your Jira site URL on the integrations page.",
    "refund-policy": "Refunds go back to the original card within 5 days.",
    "zh-refund": "退款会在五个工作日内退回原来的银行卡。",
    "zh-password": "忘记密码时，请在登录页面点击重置密码链接。",
}


def index() -> Bm25:
    return Bm25([Chunk(f"{d}#0", d, d, "", text, None, "public", 0) for d, text in DOCS.items()])


def top(bm25: Bm25, question: str) -> str:
    return bm25.search(question, k=3, visibilities=["public"])[0][0].doc_id


def test_misspelled_words_still_reach_the_article() -> None:
    bm25 = index()
    assert top(bm25, "conect acme to slak") == "slack-integration"
    assert top(bm25, "refnud to my crad") == "refund-policy"


def test_text_without_spaces_is_matched_by_character_bigrams() -> None:
    bm25 = index()
    assert top(bm25, "怎么重置密码") == "zh-password"
    assert top(bm25, "退款多久到账") == "zh-refund"
    assert "密码" in words("重置密码")

"""Text cut for a surface with a limit keeps most of what fits, in any script (knowledge/clipping.py),
on every surface that cuts: Slack blocks, the LLM's answer, the quoted passage, a drafted title."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.common import mrkdwn, plain
from bot.drafts.build import TITLE_MAX, clean_title
from knowledge.chunking import Chunk
from knowledge.clipping import clip
from knowledge.compose import SECTION_LIMIT, LlmComposer, best_passage

# one space, near the start (a citation), then none: the LLM's answer the review saw cut to "根据…"
CHINESE = (
    "根据 [1]，"
    + "导出的文件会在服务器上保留七天，之后自动删除。您可以随时在设置页面重新导出全部数据。" * 100
)
# words of several scripts, separated by single spaces or CJK punctuation (no runs of whitespace)
PIECES = st.sampled_from(["word", "Wörter", "导出文件", "保留", "حذف", "пароль", " ", "，", "。", "x" * 40])


@settings(max_examples=300)
@given(st.lists(PIECES, max_size=80).map("".join), st.integers(min_value=1, max_value=400))
def test_a_clip_fits_keeps_a_prefix_and_at_least_half(text: str, limit: int) -> None:
    out = clip(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
        return
    assert out.endswith("…")
    kept = out[:-1]
    assert text.startswith(kept)
    if "  " not in text:
        assert len(kept) >= min(limit // 2, len(text[: limit - 1].rstrip())) - 1


class _Model:
    def __init__(self, reply: str) -> None:
        self.reply = reply

    def invoke(self, messages: object) -> str:
        return self.reply


def _chunk(text: str) -> Chunk:
    return Chunk("d#0", "d", "导出数据", "", text, None, "public", 0)


def test_a_long_chinese_answer_is_cut_near_the_limit_on_every_surface() -> None:
    """A reply with one space near its start was cut at that space: "根据…", three characters."""
    limit = SECTION_LIMIT - 200
    written = LlmComposer(_Model(CHINESE)).compose("导出文件保留几天", [_chunk("导出")]).text
    quoted = best_passage("导出文件保留几天", _chunk(CHINESE))
    for out in (written, quoted):
        assert limit // 2 <= len(out) <= limit
        kept = out[:-1]
        assert kept[-1] in "，。"  # cut at a boundary, not inside a word
    assert len(plain(CHINESE, 150)["text"]) >= 75
    assert len(mrkdwn(CHINESE)["text"]) >= 1500
    assert len(clean_title(CHINESE)) >= TITLE_MAX // 2


MARKUP = st.sampled_from(
    ["&amp;", "&lt;", "<@U0AGENT002>", "<https://x.example/a|facturas>", "<#C0SUPPORT1|support>",
     "Söhne", " ", "导出", "👨\u200d👩\u200d👧", "👍🏽", "e\u0301", "word", "x" * 30]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(MARKUP, max_size=60).map("".join), st.integers(min_value=1, max_value=300))
def test_peoples_text_cut_for_slack_reads_as_the_start_of_what_they_wrote(text: str, limit: int) -> None:
    """The digest cut stored markup mid-entity ("Bauer &amp" shown as "&amp;amp"), mid-word and
    mid-emoji (a dangling joiner); every surface cuts through `safe(text, limit)` now."""
    from bot.slack_text import display, safe, shorten

    cut = shorten(text, limit)
    assert len(cut) <= limit
    shown = display(safe(text, limit))
    whole = display(safe(text))
    assert whole.startswith(shown.removesuffix("…").rstrip()), (text, shown)
    assert not cut.removesuffix("…").endswith("\u200d")


def test_a_cut_never_splits_what_draws_as_one_character() -> None:
    family = "👨\u200d👩\u200d👧"
    assert clip(family * 10, 12) == family * 2 + "…"  # not "👨‍👩‍👧👨‍👩‍👧👨‍" (a dangling joiner)
    assert clip("👍🏽" * 10, 6) == "👍🏽" * 2 + "…"  # the skin tone stays with its hand
    assert clip("e\u0301" * 10, 6) == "e\u0301" * 2 + "…"  # the accent stays with its letter
    assert clip("🇩🇪🇫🇷🇮🇹🇪🇸", 4) == "🇩🇪…"  # a flag is two regional indicators


def test_a_literal_angle_bracket_or_ampersand_is_text_not_an_open_token() -> None:
    """Raw text (a modal, the CLI) lost everything after "<": "amount < 100 …" became "amount…"."""
    from bot.slack_text import safe

    long = "Filter with amount < 100 returns nothing in the export for invoices created after the migration"
    assert safe(long, 80).startswith("Filter with amount &lt; 100 returns nothing")
    assert safe("<3 love the product but the CSV export times out on 10k rows every single time", 60) != "…"
    assert safe("Bauer &amp; Söhne " * 10, 10) == "Bauer…"  # an entity is still never cut


class _Broken:
    def invoke(self, messages: object) -> str:
        raise TimeoutError("the provider did not answer")


def test_an_answer_says_whether_it_quotes_the_article_or_was_written_for_the_asker() -> None:
    """A review: when the model failed, the English passage reached a German asker with no word that it
    was English (an LLM composer was taken to have written every answer)."""
    passage = _chunk("Klicke auf Passwort vergessen.\n\nDer Link gilt eine Stunde.")
    written = LlmComposer(_Model("Du kannst es zurücksetzen [1].")).compose("Passwort?", [passage])
    fallen_back = LlmComposer(_Broken()).compose("Passwort?", [passage])
    assert (written.text, written.quoted) == ("Du kannst es zurücksetzen [1].", False)
    assert fallen_back.quoted and fallen_back.text == best_passage("Passwort?", passage)

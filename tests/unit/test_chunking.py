"""Long documents are cut where a reader would cut them, in scripts with and without spaces."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.chunking import CHUNK_CHARS, OVERLAP, split
from knowledge.documents import SourceDoc

CHINESE = "".join(
    f"第{i}步：打开设置页面，选择导出数据，然后等待系统通过电子邮件通知您。" for i in range(1, 80)
)
JAPANESE = "".join(
    f"手順{i}：設定を開き、データのエクスポートを選びます。完了するとメールでお知らせします！"
    for i in range(60)
)


@pytest.mark.parametrize("text", [CHINESE, JAPANESE, f"# 导出数据\n\n{CHINESE}\n\n## 保留期限\n\n{CHINESE}"])
@pytest.mark.parametrize("markdown", [True, False])
def test_text_without_spaces_is_cut_at_the_end_of_a_sentence(text: str, markdown: bool) -> None:
    """The splitter cut at any character: a Chinese answer began "件通知您。", the tail of 邮件."""
    chunks = split(SourceDoc("d", "d.md", "导出数据", text, markdown=markdown))
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk.text) <= CHUNK_CHARS
        assert chunk.text[0] not in "。！？；，、"  # never starts with the end of the previous sentence
        # ends a sentence, a clause or a line (a heading), not a word
        assert chunk.text[-1] in "。！？；，、" or f"{chunk.text}\n" in text


WORDS = st.sampled_from(["password", "reset", "the", "invoice.", "Wörter", "\n", "\n\n", "x" * 30, "#"])


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=600).map(" ".join))
def test_text_with_spaces_is_cut_as_before(text: str) -> None:
    """Only text with CJK punctuation takes the other separators: every other help centre keeps its chunks."""
    before = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP)
    expected = [p.strip() for p in before.split_text(text) if p.strip()]
    got = [c.text for c in split(SourceDoc("d", "d.txt", "T", text))]
    assert got == (expected or ["T"])

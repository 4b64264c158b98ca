"""The evaluation files of `deskbot eval kb` / `eval route`: read as the contract writes them, refused
with file:line and the fix when they cannot be, and figures that are undefined over nothing are null."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.route_eval import _warnings
from bot.routing.evaluate import read_labelled
from knowledge.evaluate import metrics, read_queries
from knowledge.results import Answer, Source


def write(path: Path, lines: list[str], *, bom: bool = False, newline: str = "\n") -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode())
    return path


def test_a_byte_order_mark_and_windows_line_ends_are_read(tmp_path: Path) -> None:
    """A review: a queries file saved by a Windows editor (BOM) failed at line 1."""
    rows = [json.dumps({"id": "a", "text": "Wie setze ich mein Passwort zurück?", "expected": "reset"}), ""]
    got = read_queries(write(tmp_path / "q.jsonl", rows, bom=True, newline="\r\n"))
    assert got == [{"id": "a", "text": "Wie setze ich mein Passwort zurück?", "expected": "reset"}]
    train = write(tmp_path / "t.jsonl", [json.dumps({"text": "hi", "label": " billing "})], bom=True)
    assert read_labelled(train) == [("hi", "billing")]


def test_ids_and_labels_given_as_numbers_are_their_text(tmp_path: Path) -> None:
    """`"expected": 404` never matched the document 404 (404.md): every such query was a miss."""
    got = read_queries(write(tmp_path / "q.jsonl", ['{"id": 7, "text": "x", "expected": 404}']))
    assert got == [{"id": "7", "text": "x", "expected": "404"}]
    assert read_labelled(write(tmp_path / "t.jsonl", ['{"text": "x", "label": 3}'])) == [("x", "3")]


def test_out_of_scope_is_one_label_whatever_its_case(tmp_path: Path) -> None:
    rows = [json.dumps({"text": "x", "label": label}) for label in ("OOS", "Oos", "oos ")]
    assert {label for _, label in read_labelled(write(tmp_path / "t.jsonl", rows))} == {"oos"}


@pytest.mark.parametrize(
    ("line", "reader", "said"),
    [
        ('{"id": "1", "text": null, "expected": null}', read_queries, "'text' must be text, not null"),
        ('{"id": "1", "text": ["a"], "expected": null}', read_queries, "'text' must be text"),
        ('{"id": "1", "text": "x", "expected": ["a"]}', read_queries, "'expected' must be a document id"),
        ('{"text": "x", "label": null}', read_labelled, "'label' must be text, not null"),
        ('{"text": true, "label": "a"}', read_labelled, "'text' must be text, not true"),
        ('{"id": "1", "text": NaN, "expected": null}', read_queries, "'text' must be text, not NaN"),
        ('{"id": "1", "text": "x", "expected": Infinity}', read_queries, "'expected' must be a document id"),
        ('{"text": "x", "label": "  "}', read_labelled, "'label' is empty"),
    ],
)
def test_a_value_that_is_not_text_is_refused_with_its_line(
    tmp_path: Path, line: str, reader, said: str
) -> None:  # type: ignore[no-untyped-def]
    """A review: `"text": null` crashed with a traceback deep in language detection, a list of words was
    scored as an abstention, and a null label became the category "None"."""
    path = write(tmp_path / "f.jsonl", ['{"text": "fine", "label": "a", "expected": null}', line])
    with pytest.raises(ValueError, match=rf"f\.jsonl:2: {said}"):
        reader(path)


def test_a_file_in_another_encoding_or_empty_is_refused_with_its_name(tmp_path: Path) -> None:
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"text": "ok", "label": "a"}\n{"text": "caf\xe9", "label": "a"}\n')
    with pytest.raises(ValueError, match=r"latin\.jsonl:2: not UTF-8 .*save the file as UTF-8"):
        read_labelled(latin)
    with pytest.raises(ValueError, match=r"empty\.jsonl: no rows"):
        read_queries(write(tmp_path / "empty.jsonl", ["", "  "]))


def answer(doc: str | None, ms: float = 1.0) -> Answer:
    sources = [Source(doc, doc, None, 0.9)] if doc else []
    return Answer(
        "text" if doc else "", sources, 0.9 if doc else 0.1, bool(doc), elapsed_ms=ms, ranking=[doc or "x"]
    )


def test_figures_over_no_queries_of_a_kind_are_null_not_zero() -> None:
    """Only unanswerable queries: hit@1 and coverage are undefined, and 0.0 read as a total failure."""
    figures = metrics([({"expected": None}, answer(None)), ({"expected": None}, answer("a"))])
    for key in ("hit_at_1", "hit_at_3", "mrr_at_10", "answerable_coverage"):
        assert figures[key] is None, key
    assert figures["unanswerable_abstain"] == 0.5 and figures["answered_precision"] == 0.0


def test_p95_is_the_nearest_rank() -> None:
    """Of 100 times 1..100 ms the 95th percentile is 95 (the 96th was reported)."""
    figures = metrics([({"expected": "a"}, answer("a", ms=float(ms))) for ms in range(100, 0, -1)])
    assert (figures["p50_ms"], figures["p95_ms"]) == (50.5, 95.0)
    assert metrics([({"expected": "a"}, answer("a", ms=7.0))])["p95_ms"] == 7.0


def test_route_figures_that_would_mislead_are_named() -> None:
    notes = _warnings({"billing": ["a"], "refunds": ["b"]}, [("x", "billing"), ("y", "sales"), ("z", "oos")])
    assert any("never seen in training" in n and "sales" in n for n in notes)
    assert any("2 categories" in n and "at least 3" in n for n in notes)
    assert _warnings({"a": ["1"], "b": ["2"], "c": ["3"]}, [("x", "a"), ("y", "oos")]) == []

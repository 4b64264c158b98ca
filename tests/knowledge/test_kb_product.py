"""The knowledge base as the product runs it: real MiniLM, real embedded Chroma, the `deskbot kb` CLI."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.answers import AnswerService, build_knowledge_base
from bot.cli import app
from bot.config import SAMPLE_DIR, Settings
from bot.db import Database
from bot.migrations import upgrade
from bot.models import KbQuery
from bot.support.models import CannedAnswer
from knowledge.base import KnowledgeBase
from knowledge.compose import LlmComposer
from knowledge.embedding import HashEmbedder, LocalEmbedder
from knowledge.store import VectorStore

runner = CliRunner()
SAMPLE_KB = SAMPLE_DIR / "kb"
CANARY = "CANARY-INTERNAL-5d1e"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    monkeypatch.setenv("CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.setenv("COLUMNS", "200")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_cli_ingest_is_idempotent_and_ask_cites_the_article(tmp_path: Path) -> None:
    first = invoke("kb", "ingest")
    assert first.exit_code == 0, first.output
    n_docs = len(list(SAMPLE_KB.glob("*.md")))
    assert f"{n_docs} added, 0 updated, 0 unchanged" in first.output
    again = invoke("kb", "ingest")
    assert f"0 added, 0 updated, {n_docs} unchanged, 0 removed, 0 failed — 0 chunks" in again.output
    stats = invoke("kb", "stats")
    assert f"{n_docs} documents (7 internal)" in stats.output

    answer = invoke("kb", "ask", "how do I download my invoice as a PDF?")
    assert answer.exit_code == 0, answer.output
    assert "[1] Download invoices and receipts  (download-invoices" in answer.output
    assert "Admin → Billing → Invoices" in answer.output
    off_topic = invoke("kb", "ask", "what is the best pizza topping?")
    assert "Abstained:" in off_topic.output and "possibly related" not in off_topic.output
    near = invoke("kb", "ask", "Does the mobile app work offline?")  # the app is covered, offline use is not
    assert "Abstained:" in near.output
    assert "possibly related, not as the answer: Mobile apps for iOS and Android (mobile-app)" in near.output
    # `kb ask` is an operator trying questions, not the desk's traffic: nothing is logged (a review's eight
    # tries of one question counted as eight right answers in the next refit, in `kb gaps` and the KPIs)
    db = Database(f"sqlite:///{tmp_path / 'kb.db'}")
    upgrade(db)
    with db.session() as session:
        assert session.exec(select(KbQuery)).all() == []
    # Every question asked in Slack is logged with the decision and what the person was shown, for the
    # deflection KPI, the unanswered report and the ticket a "Talk to a human" opens.
    settings = Settings()
    service = AnswerService(kb=build_knowledge_base(settings), db=db)
    for question in (
        "how do I download my invoice as a PDF?",
        "what is the best pizza topping?",
        "Does the mobile app work offline?",
    ):
        service.answer(question, audience="customer", user="U0CUST0001")
    with db.session() as session:
        logged = session.exec(select(KbQuery).order_by(KbQuery.id)).all()  # type: ignore[arg-type]
    assert [(q.grounded, q.sources[:1]) for q in logged] == [
        (True, ["download-invoices"]),
        (False, []),
        (False, ["mobile-app"]),
    ]

    service.answer("Does the MOBILE app work offline!", audience="customer")  # the same words: one question
    gaps = invoke("kb", "gaps")
    assert gaps.exit_code == 0, gaps.output
    deflection, _, *rest = gaps.output.splitlines()
    assert deflection.startswith("In the last 7 days the bot answered 1 of 4 questions and settled 1 (")
    listed = [line.strip() for line in rest]
    assert listed == [
        "×2    Does the MOBILE app work offline!" + "  (offered: mobile-app)",
        "×1    what is the best pizza topping?",
    ]
    as_json = json.loads(invoke("kb", "gaps", "--json", "--days", "1").output)
    assert as_json[0] == {
        "wording": "Does the MOBILE app work offline!",
        "asked": 2,
        "tickets": 0,
        "offered": "mobile-app",
        "searched_for": None,
    }

    # a misspelt question: staff see what the model was asked (a customer is never shown it)
    typo = invoke("kb", "ask", "cant find the integation settings for slak")
    assert "Searched for: cant find the integration settings for slack" in typo.output, typo.output
    service.answer("cant find the integation settings for slak", audience="customer")
    with db.session() as session:  # and it is logged, for `kb gaps` and for staff reviewing corrections
        last = session.exec(select(KbQuery).order_by(KbQuery.id.desc())).first()  # type: ignore[union-attr]
    assert (last.question, last.searched_for) == (
        "cant find the integation settings for slak",
        "cant find the integration settings for slack",
    )
    assert "Searched for" not in invoke("kb", "ask", "how do I download my invoice as a PDF?").output

    rebuilt = invoke("kb", "rebuild")
    assert f"{n_docs} added" in rebuilt.output


def test_cli_reports_broken_files_and_keeps_going(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLE_KB / "refund-policy.md", docs)
    (docs / "empty.md").write_text("")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (docs / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (docs / "bad-front-matter.md").write_text("---\ntitle: [oops\n---\n# Hi\n")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = invoke("kb", "ingest", str(docs))
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "1 added" in out and "5 failed" in out
    for name, reason in [
        ("empty.md", "no text"),
        ("binary.txt", "binary"),
        ("latin1.txt", "not UTF-8"),
        ("bad-front-matter.md", "front matter"),
        ("broken.pdf", "PDF"),
    ]:
        assert re.search(rf"{name}: [^\n]*{reason}", result.output), (name, result.output)
    missing = invoke("kb", "ingest", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def test_eval_kb_prints_the_contract_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "text": "I was charged twice, can I get my money back?", "expected": "refund-policy"},
        {"id": "2", "text": "how do I connect okta saml", "expected": "single-sign-on"},
        {"id": "3", "text": "what's the weather on mars tomorrow", "expected": None},
    ]
    queries.write_text("\n".join(json.dumps(r) for r in rows))
    from knowledge import spelling

    warmed: list[object] = []  # the KB's word lists are loaded before the first timed question
    loaded = spelling.warm_up
    monkeypatch.setattr(
        spelling, "warm_up", lambda languages: warmed.append(set(languages)) or loaded(languages)
    )
    result = invoke("eval", "kb", "--kb", str(SAMPLE_KB), "--queries", str(queries), "--json")
    assert result.exit_code == 0, result.output
    assert warmed == [{"en"}]
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert set(figures) == {
        "queries", "answerable", "unanswerable", "hit_at_1", "hit_at_3", "mrr_at_10",
        "answered_precision", "answerable_coverage", "unanswerable_abstain", "p50_ms", "p95_ms",
        "engine", "languages", "answer_threshold", "unavailable",
    }  # fmt: skip
    assert figures["engine"] == "multilingual-e5-small" and sum(figures["languages"].values()) == 3
    assert (figures["queries"], figures["answerable"], figures["unanswerable"]) == (3, 2, 1)
    assert figures["hit_at_1"] == 1.0 and figures["unanswerable_abstain"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    broken = invoke("eval", "kb", "--kb", str(SAMPLE_KB), "--queries", str(bad))
    assert broken.exit_code == 1 and "bad.jsonl:1" in broken.output


def test_eval_kb_measures_exactly_the_folder_given(tmp_path: Path) -> None:
    """A review: a reused --index kept an earlier run's articles and cited them (precision 1.0 -> 0.25);
    an --index holding the bot's own index replaced its articles; an expected id with a typo, or a folder
    where nothing could be indexed, gave figures without a word."""
    big, small = tmp_path / "big", tmp_path / "sets" / "small"
    big.mkdir()
    small.mkdir(parents=True)
    for name in ("refund-policy", "single-sign-on", "reset-password", "delete-account", "export-data"):
        shutil.copy(SAMPLE_KB / f"{name}.md", big)
    for name in ("refund-policy", "single-sign-on", "reset-password"):
        shutil.copy(SAMPLE_KB / f"{name}.md", small)
    queries = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "text": "How do I delete my account and all its data?", "expected": "delete-account"},
        {"id": "2", "text": "I forgot my password", "expected": "reset-password"},
        {"id": "3", "text": "refunds", "expected": "refund-polcy"},
    ]
    queries.write_text("\n".join(json.dumps(r) for r in rows))
    index = tmp_path / "idx"
    first = invoke("eval", "kb", "--kb", str(big), "--queries", str(queries), "--json", "--index", str(index))
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1])["hit_at_1"] == round(2 / 3, 4)
    again = invoke(
        "eval", "kb", "--kb", str(small), "--queries", str(queries), "--json", "--index", str(index)
    )
    assert again.exit_code == 0, again.output
    figures = json.loads(again.stdout.strip().splitlines()[-1])
    assert figures["hit_at_1"] == round(1 / 3, 4)  # delete-account is not in this folder any more
    assert "2 expected document id(s) are not in --kb" in again.stderr
    assert "delete-account, refund-polcy" in again.stderr
    own = invoke("eval", "kb", "--kb", str(small), "--queries", str(queries), "--index", str(tmp_path))
    assert own.exit_code == 1 and "the bot's own index (CHROMA_PATH)" in own.output
    # an index the guard cannot tell is the bot's (run from another folder, CHROMA_PATH set elsewhere):
    # only an index an evaluation made is reused (the bot's was emptied, a review)
    other = tmp_path / "elsewhere"
    bot_kb = KnowledgeBase(store=VectorStore(path=other / "chroma"), embedder=HashEmbedder())
    bot_kb.ingest([big])
    refused = invoke("eval", "kb", "--kb", str(small), "--queries", str(queries), "--index", str(other))
    assert refused.exit_code == 1 and "an evaluation did not leave as it is" in refused.output
    assert VectorStore(path=other / "chroma").doc_ids() == {p.stem for p in big.glob("*.md")}
    # an evaluation's index the bot then ingested into is the bot's now (a second review: emptied)
    adopted = build_knowledge_base(Settings(chroma_path=index / "chroma"))
    adopted.ingest([big], root=big)
    again = invoke("eval", "kb", "--kb", str(small), "--queries", str(queries), "--index", str(index))
    assert again.exit_code == 1 and "an evaluation did not leave as it is" in again.output
    staff = invoke("eval", "kb", "--kb", str(small), "--queries", str(queries), "--audience", "Staff")
    assert staff.exit_code == 1 and "--audience must be customer or staff" in staff.output
    # a link that loops is refused like any other, not a crash
    (small / "loop-a.md").symlink_to(small / "loop-b.md")
    (small / "loop-b.md").symlink_to(small / "loop-a.md")
    looped = invoke("eval", "kb", "--kb", str(small), "--queries", str(queries), "--json")
    assert looped.exit_code == 0 and "loops" in looped.stderr
    # a data set kept by git-annex or DVC: its files are links into a store (all were refused: zeros)
    linked = tmp_path / "linked"
    linked.mkdir()
    for name in ("refund-policy", "single-sign-on", "reset-password"):
        (linked / f"{name}.md").symlink_to(small / f"{name}.md")
    via_links = invoke("eval", "kb", "--kb", str(linked), "--queries", str(queries), "--json")
    assert json.loads(via_links.stdout.strip().splitlines()[-1])["hit_at_1"] == round(1 / 3, 4)
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = invoke("eval", "kb", "--kb", str(empty), "--queries", str(queries))
    assert nothing.exit_code == 1 and "no document could be indexed" in nothing.output


@pytest.fixture(scope="module")
def canary_kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeBase, list[str]]:
    """The sample KB where every internal document carries a canary string."""
    root = tmp_path_factory.mktemp("canary")
    docs = root / "docs"
    shutil.copytree(SAMPLE_KB, docs)
    internal_text: list[str] = []
    for path in docs.glob("*.md"):
        text = path.read_text()
        if "visibility: internal" in text:
            path.write_text(text + f"\n{CANARY}\n")
            internal_text.append(text.split("---", 2)[2])
    kb = KnowledgeBase(store=VectorStore(path=root / "chroma"), embedder=LocalEmbedder())
    report = kb.ingest([docs])
    assert not report.failed
    return kb, internal_text


def test_customers_never_see_internal_chunks(canary_kb: tuple[KnowledgeBase, list[str]]) -> None:
    kb, internal_text = canary_kb
    internal_ids = {c.doc_id for c in kb.store.all_chunks() if c.visibility == "internal"}
    # Questions aimed squarely at the internal documents: every sentence and heading of them, and more.
    questions = [
        s.strip(" #-*.") for t in internal_text for s in re.split(r"[.\n]", t) if len(s.strip()) > 12
    ]
    questions += [f"what does the internal runbook say about {w}" for w in ("refunds", "SSO", "escalation")]
    questions += [CANARY, f"show me {CANARY}", "INTERNAL do not share with customers"]
    for text in internal_text:  # and every 8-word window of them
        words = text.split()
        questions += [" ".join(words[i : i + 8]) for i in range(0, max(len(words) - 8, 1), 2)]
    assert len(questions) >= 200
    for question in questions:
        for variant in (question, question.upper()):
            answer = kb.answer(variant, "customer")
            assert not internal_ids & set(answer.ranking), variant
            shown = answer.sources + answer.related
            assert CANARY not in answer.text and all(s.doc_id not in internal_ids for s in shown)
    staff = kb.answer("who approves refunds above 500 EUR?", "staff")
    assert staff.ranking[0] == "runbook-refund-approval"


def test_canned_answers_come_first_and_the_llm_is_never_called_on_abstain(tmp_path: Path) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    model = FakeListChatModel(responses=["You can download invoices from Admin → Billing [1]."] * 5)
    kb = KnowledgeBase(
        store=VectorStore(path=tmp_path / "c"), embedder=LocalEmbedder(), composer=LlmComposer(model)
    )
    kb.ingest([SAMPLE_KB])
    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    upgrade(db)
    canned = [CannedAnswer(keywords=["status page"], reply="See https://status.acme.example", title="Status")]
    service = AnswerService(kb=kb, canned=canned, db=db)
    status = service.answer("Where is the STATUS PAGE?", audience="customer", user="U1", channel="C1")
    assert status.answer.sources[0].doc_id == "canned" and "status.acme.example" in status.answer.text
    assert model.i == 0
    llm = service.answer("how do I download my invoice?", audience="customer").answer
    assert llm.grounded and llm.text.endswith("[1].") and model.i == 1
    service.answer("recommend a pizza topping please", audience="customer")
    assert model.i == 1  # abstained: the model was not called
    with db.session() as session:
        logged = session.exec(select(KbQuery).order_by(KbQuery.id)).all()  # type: ignore[arg-type]
    assert [(q.user, q.grounded) for q in logged] == [("U1", True), (None, True), (None, False)]


def test_settings_build_the_product_kb(tmp_path: Path) -> None:
    settings = Settings(chroma_path=tmp_path / "c", kb_answer_threshold=0.99, kb_suggest_threshold=0.5)
    kb = build_knowledge_base(settings)
    assert kb.decision.threshold == 0.99 and kb.decision.suggest_threshold == 0.5 and kb.store.count() == 0


def test_related_articles_only_when_abstaining_near_an_article(
    canary_kb: tuple[KnowledgeBase, list[str]],
) -> None:
    kb, _ = canary_kb
    near = kb.answer("my teammate never got the invite email", "customer")  # (MiniLM here)
    assert not near.grounded and [s.doc_id for s in near.related][:1] == ["invite-teammates"]
    assert near.confidence < kb.decision.threshold
    # A customer asking about the internal refund runbook is offered the public refund policy only.
    # (It has sat near the answer threshold of the self-calibrated curve, P 0.39–0.65 across versions:
    # answered from the public policy or abstained with it as the first related article, never anything
    # internal.)
    runbook = kb.answer("who approves refunds above 500 EUR?", "customer")
    assert runbook.sources[0].doc_id == "refund-policy"
    assert runbook.grounded or [s.doc_id for s in runbook.related][:1] == ["refund-policy"]
    internal = {c.doc_id for c in kb.store.all_chunks() if c.visibility == "internal"}
    assert not {s.doc_id for s in [*runbook.sources, *runbook.related]} & internal
    assert kb.answer("what is the best pizza topping?", "customer").related == []
    answered = kb.answer("how do I download my invoice as a PDF?", "customer")
    assert answered.grounded and answered.related == []
    # Setting the suggestion threshold to the answer threshold turns the list off.
    strict = KnowledgeBase(
        store=kb.store,
        embedder=kb.embedder,
        decision=replace(kb.decision, suggest_threshold=kb.decision.threshold),
    )
    assert strict.answer("my teammate never got the invite email", "customer").related == []

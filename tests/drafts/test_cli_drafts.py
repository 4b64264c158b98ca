"""`deskbot ticket article N` and `deskbot kb drafts …`, run as an operator would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("KB_SOURCES", str(tmp_path / "kb"))
    monkeypatch.setenv("CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.setenv("COLUMNS", "200")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_drafts_from_the_command_line(tmp_path: Path) -> None:
    invoke(
        "ticket",
        "create",
        "--title",
        "hi, can I pay in CHF?",
        "--requester",
        "U0CUST",
        "--category",
        "billing",
    )
    invoke("ticket", "note", "1", "Yes: Billing → Currency → CHF.", "--public", "--as", "U0AGENT004")
    early = invoke("ticket", "article", "1", "--as", "U0AGENT004")
    assert early.exit_code == 1 and "resolve it first" in early.output
    assert invoke("ticket", "resolve", "1", "--as", "U0AGENT004").exit_code == 0
    refused = invoke("ticket", "article", "1", "--as", "U0CUST")
    assert refused.exit_code == 1 and "Only support agents can draft articles" in refused.output
    assert invoke("ticket", "article", "1", "--as", "U0AGENT004").exit_code == 0

    listed = invoke("kb", "drafts", "list")
    assert listed.exit_code == 0 and "#1" in listed.output and "Can I pay in CHF?" in listed.output
    [row] = json.loads(invoke("kb", "drafts", "list", "--json").output)
    assert "Currency → CHF" in row["body"] and row["tags"] == ["billing"]
    body = tmp_path / "body.md"
    body.write_text("Choose CHF under Billing → Currency.")
    edited = invoke(
        "kb", "drafts", "edit", str(row["id"]), "--body-file", str(body), "--tags", "billing,currency"
    )
    assert edited.exit_code == 0
    shown = invoke("kb", "drafts", "show", str(row["id"]))
    assert "Choose CHF under Billing" in shown.output and "billing, currency" in shown.output
    denied = invoke("kb", "drafts", "publish", str(row["id"]), "--as", "U0CUST")
    assert denied.exit_code == 1 and "Only support agents" in denied.output
    assert not (tmp_path / "kb").exists() or not list((tmp_path / "kb").rglob("*.md"))
    assert invoke("kb", "drafts", "discard", str(row["id"])).exit_code == 0
    again = invoke("kb", "drafts", "discard", str(row["id"]))
    assert again.exit_code == 1 and "already discarded" in again.output
    assert "No article drafts are waiting" in invoke("kb", "drafts", "list").output
    assert "article_discard" in invoke("ticket", "show", "1").output

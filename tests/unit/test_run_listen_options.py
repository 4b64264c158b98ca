"""`deskbot run`: the listening address is explicit and a blank signing secret stops the start."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from bot.fakes.slack import FakeSlack

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    for key in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "HTTP_HOST"):
        monkeypatch.delenv(key, raising=False)


def test_help_documents_host_and_its_loopback_default() -> None:
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "127.0.0.1" in result.output and "0.0.0.0" in result.output
    assert Settings().http_host == "127.0.0.1"


@pytest.mark.parametrize("blank", ["   ", "\t", " \n "])
def test_a_blank_signing_secret_is_refused_naming_the_setting_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", blank)
    result = runner.invoke(app, ["run", "--http"])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "SLACK_SIGNING_SECRET" in said and "blank" in said and "Basic Information" in said


def test_a_missing_signing_secret_is_refused_in_both_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    for args, env in ((["run", "--http"], {}), (["run"], {"SLACK_APP_TOKEN": "xapp-test"})):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "SLACK_SIGNING_SECRET" in result.output


def test_secrets_pasted_with_a_newline_are_trimmed() -> None:
    settings = Settings(slack_signing_secret="abc123\n", slack_bot_token=" xoxb-1 ")
    assert settings.slack_signing_secret is not None and settings.slack_bot_token is not None
    assert settings.slack_signing_secret.get_secret_value() == "abc123"
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"


@pytest.mark.parametrize("token", ["xoxb-from-another-workspace", "xoxb-test"])
def test_a_token_slack_refuses_stops_the_start_naming_the_setting_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    fake = FakeSlack(token="xoxb-test")
    if token == fake.token:  # the workspace's own token, since revoked
        fake.fail_next("auth.test", status=200, error="token_revoked", retry_after=None)
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    try:
        result = runner.invoke(app, ["run", "--http"])
    finally:
        fake.close()
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    error = "invalid_auth" if token != fake.token else "token_revoked"
    assert f"Slack refused SLACK_BOT_TOKEN ({error})" in said and "OAuth & Permissions" in said
    assert not fake.calls_to("chat.postMessage")

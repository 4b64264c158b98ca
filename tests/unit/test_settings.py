"""Settings: `.env.example` documents exactly the Settings keys, and bad values are refused clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_exactly_the_settings_keys() -> None:
    keys = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert keys == {name.upper() for name in Settings.model_fields}


def test_defaults_run_on_sqlite_with_the_sample_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.support_config.is_file()
    assert settings.slack_bot_token is None


def test_tokens_are_secret_and_empty_values_mean_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SUPPORT_CONFIG", "")
    settings = Settings()
    assert "very-secret" not in repr(settings)
    assert (
        settings.slack_bot_token is not None
        and settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"
    )
    assert settings.support_config.name == "support.yaml"


def test_unknown_database_scheme_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(ValidationError, match="sqlite:// or postgresql://"):
        Settings()


def test_suggest_threshold_above_the_answer_threshold_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", "0.5")
    monkeypatch.setenv("KB_SUGGEST_THRESHOLD", "0.7")
    with pytest.raises(
        ValidationError, match=r"above KB_ANSWER_THRESHOLD \(0.5\).*equal to KB_ANSWER_THRESHOLD"
    ):
        Settings()
    monkeypatch.setenv("KB_SUGGEST_THRESHOLD", "0.5")
    assert Settings().kb_suggest_threshold == 0.5  # equal: never offer related articles


def test_the_lexical_index_follows_the_vector_store_and_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.config import lexical_location

    monkeypatch.chdir(tmp_path)
    assert lexical_location(Settings(chroma_path=Path("kb/chroma"))) == (
        "sqlite",
        "kb/chroma-lexical.sqlite3",
    )
    shared = Settings(chroma_url="http://chroma:8000", database_url="postgresql://deskbot@db/deskbot")
    assert lexical_location(shared) == ("postgresql", "postgresql://deskbot@db/deskbot")
    one_machine = Settings(chroma_url="http://chroma:8000", database_url="sqlite:///data/deskbot.db")
    assert lexical_location(one_machine) == ("sqlite", "data/deskbot-kb-lexical.sqlite3")
    with pytest.raises(ValidationError, match="KB_LEXICAL=postgresql .* DATABASE_URL is not PostgreSQL"):
        Settings(kb_lexical="postgresql", database_url="sqlite:///deskbot.db")
    with pytest.raises(ValidationError, match="kb_lexical"):
        Settings(kb_lexical="elastic")

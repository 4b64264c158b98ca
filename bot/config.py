"""The one Settings object: every setting Deskbot reads, from the environment or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"


class Settings(BaseSettings):
    """Deskbot settings; `.env.example` lists exactly these keys."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    # Storage
    database_url: str = "sqlite:///deskbot.db"
    support_config: Path = SAMPLE_DIR / "support.yaml"

    # Knowledge base
    kb_sources: Path = SAMPLE_DIR / "kb"
    chroma_path: Path = Path(".deskbot/chroma")
    chroma_url: str | None = None
    kb_lexical: Literal["auto", "sqlite", "postgresql"] = "auto"  # the BM25 engine (knowledge/lexical.py)
    kb_lexical_path: Path | None = None  # the FTS5 file (default: next to CHROMA_PATH, see lexical_location)
    llm_model: str | None = None
    # embedding engine: minilm | e5-small | st:<model name or path> (knowledge/embedding.py); None = default
    kb_engine: str | None = None
    kb_answer_threshold: float = Field(default=0.65, ge=0.0, le=1.0)
    kb_suggest_threshold: float = Field(default=0.2, ge=0.0, le=1.0)

    # Runtime
    http_host: str = "127.0.0.1"  # loopback unless told: 0.0.0.0 is an explicit choice (containers, LBs)
    http_port: int = Field(default=3000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    run_scheduler: bool = True
    recover_events_after: int = Field(default=60, ge=0, le=3600)  # seconds; 0 turns recovery off

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _not_blank(cls, value: object, info: ValidationInfo) -> object:
        # A pasted secret often carries a newline; a blank one would verify signatures anyone can compute.
        if isinstance(value, str):
            if not value.strip():
                raise ValueError(
                    f"{(info.field_name or '').upper()} is blank (only spaces): copy it from your Slack app "
                    "(api.slack.com/apps → Basic Information / OAuth & Permissions) into .env, or remove the line"
                )
            return value.strip()
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError(
                "DATABASE_URL must start with sqlite:// or postgresql:// "
                "(e.g. sqlite:///deskbot.db or postgresql://user@host/db)"
            )
        return value

    @field_validator("kb_lexical")
    @classmethod
    def _lexical_needs_postgres(cls, value: str, info: ValidationInfo) -> str:
        url = str(info.data.get("database_url") or "")
        if value == "postgresql" and not url.startswith("postgresql"):
            raise ValueError(
                "KB_LEXICAL=postgresql keeps the lexical index in the database, but DATABASE_URL is not "
                "PostgreSQL: set DATABASE_URL=postgresql://user@host/db, or KB_LEXICAL=auto (an SQLite FTS5 file)"
            )
        return value

    @field_validator("kb_suggest_threshold")
    @classmethod
    def _suggest_below_answer(cls, value: float, info: ValidationInfo) -> float:
        answer = info.data.get("kb_answer_threshold")
        if answer is not None and value > answer:
            raise ValueError(
                f"{value} is above KB_ANSWER_THRESHOLD ({answer}); related articles are offered only when the "
                "bot abstains, so set it lower (default 0.2), or equal to KB_ANSWER_THRESHOLD to never offer them"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def lexical_location(settings: Settings) -> tuple[str, str]:
    """("sqlite", file) or ("postgresql", DATABASE_URL): where the KB's lexical index lives.

    auto follows the vector store: embedded Chroma gets an FTS5 file next to its folder; a Chroma
    server (several processes) gets the database every process already shares (PostgreSQL full-text
    search, or with an SQLite database a file next to it, shared by the processes of that machine)."""
    from knowledge.lexical import lexical_path

    if settings.kb_lexical == "postgresql" or (
        settings.kb_lexical == "auto"
        and settings.chroma_url
        and settings.database_url.startswith("postgresql")
    ):
        return "postgresql", settings.database_url
    if settings.kb_lexical_path:
        return "sqlite", str(settings.kb_lexical_path)
    if settings.chroma_url:
        database = Path(settings.database_url.split(":///", 1)[-1])
        return "sqlite", str(database.with_name(f"{database.stem}-kb-lexical.sqlite3"))
    return "sqlite", str(lexical_path(settings.chroma_path))


def load_settings(**overrides: object) -> Settings:
    """Build Settings once (environment, then .env, then explicit overrides)."""
    return Settings(**overrides)  # type: ignore[arg-type]

"""The `knowledge:` section of the support YAML: who may see files that do not state their visibility,
and who reviews the articles drafted from resolved tickets, and where they are published."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.visibility import VisibilityRules, pattern_problem


class VisibilityConfig(BaseModel):
    """Globs relative to KB_SOURCES; see `knowledge.visibility` for the order they apply in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Literal["public", "internal"] = Field(
        default="internal", description="for files that do not say and match no pattern"
    )
    public: list[str] = Field(default_factory=list, description="files here that do not say are public")
    internal: list[str] = Field(default_factory=list, description="always internal, whatever the file says")

    @field_validator("public", "internal")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            problem = pattern_problem(pattern)
            if problem:
                raise ValueError(f"{problem[0]}; {problem[1]}")
        return patterns

    @model_validator(mode="after")
    def _not_both(self) -> VisibilityConfig:
        both = sorted(set(self.public) & set(self.internal))
        if both:
            raise ValueError(
                f"{', '.join(repr(p) for p in both)} is listed under both public and internal; "
                "keep it in one list (internal would win)"
            )
        return self

    def rules(self) -> VisibilityRules:
        return VisibilityRules(self.default, tuple(self.public), tuple(self.internal))


class KnowledgeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    visibility: VisibilityConfig = Field(default_factory=VisibilityConfig)
    reviewers: list[str] = Field(
        default_factory=list, description="knowledge owners (Slack user ids) who review drafted articles"
    )
    review_channel: str | None = Field(default=None, description="a channel (C…) where drafts are reviewed")
    drafts_folder: str = Field(
        default="from-tickets", description="folder under KB_SOURCES where published drafts are written"
    )

    @field_validator("reviewers")
    @classmethod
    def _people(cls, users: list[str]) -> list[str]:
        for user in users:
            if not re.fullmatch(r"[UW][A-Z0-9]{2,30}", user):
                raise ValueError(
                    f"'{user}' is not a Slack user id; list user ids such as U0123ABCD "
                    "(profile → ⋮ → Copy member ID)"
                )
        return users

    @field_validator("review_channel")
    @classmethod
    def _channel(cls, channel: str | None) -> str | None:
        if channel is not None and not re.fullmatch(r"[CG][A-Z0-9]{2,30}", channel):
            raise ValueError(
                f"'{channel}' is not a Slack channel id; use the channel's id such as C0123ABCD "
                "(channel details → About → Channel ID)"
            )
        return channel

    @field_validator("drafts_folder")
    @classmethod
    def _folder(cls, folder: str) -> str:
        parts = PurePosixPath(folder.replace("\\", "/")).parts
        if not parts or folder.startswith(("/", "~")) or ".." in parts or ":" in folder:
            raise ValueError(
                f"'{folder}' is not a folder inside KB_SOURCES; write a relative folder such as "
                "from-tickets (no '..', no absolute path)"
            )
        return "/".join(parts)

    @model_validator(mode="after")
    def _drafts_can_be_public(self) -> KnowledgeConfig:
        if self.visibility.rules().decide(f"{self.drafts_folder}/article.md", "public") != "public":
            raise ValueError(
                f"drafts_folder '{self.drafts_folder}' matches a visibility.internal pattern, so an article "
                "published as public would stay internal; pick a folder no internal pattern covers"
            )
        return self

"""The `knowledge:` section of the support YAML: who may see files that do not state their visibility."""

from __future__ import annotations

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

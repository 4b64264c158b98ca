"""Load and validate the support YAML; every problem names the file, the line, the key and the fix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.support.models import SupportConfig

_FIXES = {
    "missing": "add this key",
    "extra_forbidden": "remove it, or check its spelling against the documented sample",
    "int_parsing": "write a whole number",
    "float_parsing": "write a number",
    "bool_parsing": "write true or false",
    "date_from_datetime_parsing": "write a date as YYYY-MM-DD",
    "date_parsing": "write a date as YYYY-MM-DD",
    "literal_error": "use one of the allowed values",
    "enum": "use one of the allowed values",
    "string_pattern_mismatch": "write a time as HH:MM",
    "dict_type": "write a mapping (key: value lines)",
    "list_type": "write a list (lines starting with '- ')",
    "string_type": "write text; put a number in quotes to keep it as text ('404')",
    "greater_than_equal": "use a larger number",
    "greater_than": "use a larger number",
    "less_than_equal": "use a smaller number (a share or probability is between 0 and 1: 0.33, not 33)",
    "less_than": "use a smaller number (a share or probability is between 0 and 1: 0.33, not 33)",
}


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in the file: where, what and how to fix it."""

    path: tuple[str | int, ...]
    message: str
    fix: str
    line: int | None = None

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        key = ".".join(str(p) for p in self.path) or "(top level)"
        return f"{where}: {key}: {self.message}. Fix: {self.fix}."


class ConfigError(Exception):
    """The support configuration is invalid; `issues` says where and how to fix each problem."""

    def __init__(self, file: str, issues: list[ConfigIssue]) -> None:
        self.file = file
        self.issues = issues
        super().__init__("\n".join(i.render(file) for i in issues))


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key and list item."""


def _duplicates(node: yaml.Node, path: tuple = ()) -> list[ConfigIssue]:
    """A key given twice in one mapping: YAML keeps the last silently (a second `billing:` category
    replaced the first, and `config check` said "valid, 5 categories")."""
    issues: list[ConfigIssue] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in seen:
                issues.append(
                    ConfigIssue(
                        (*path, key),
                        f"given twice (lines {seen[key]} and {line}); YAML would keep only the second",
                        "keep one: merge the two into a single entry",
                        line,
                    )
                )
            seen.setdefault(key, line)
            issues += _duplicates(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            issues += _duplicates(item, (*path, index))
    return issues


_YAML_FIXES = (  # what a YAML parser's complaint usually means in a hand-written file
    (
        "mapping values are not allowed",
        "a value holds ': ' (or starts a new key on the same line): put the value in quotes",
    ),
    ("found character '\\t'", "indent with spaces, not tabs"),
    ("could not find expected ':'", "end the key with ':' (and put a value with ': ' in quotes)"),
    (
        "found undefined alias",
        "write the value out instead of '*name' (or quote a value that starts with '*')",
    ),
    ("expected <block end>", "line the key up with its siblings (same number of spaces)"),
)


def _yaml_fix(problem: str) -> str:
    return next((fix for said, fix in _YAML_FIXES if said in problem), "check the indentation and quoting")


def _keys_at(text: str, line: int | None) -> tuple[str, ...]:
    """The keys enclosing `line` (1-based), from the indentation of the lines above: where a syntax error
    stands ("categories.billing"), not "(top level)"."""
    if not line:
        return ()
    path: list[tuple[int, str]] = []
    for raw in text.splitlines()[:line]:
        key = re.match(r"^( *)([A-Za-z0-9_.-]+):", raw)
        if key is None:
            continue
        indent = len(key.group(1))
        while path and path[-1][0] >= indent:
            path.pop()
        path.append((indent, key.group(2)))
    return tuple(k for _, k in path)


def _compose_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _compose_lines(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _compose_lines(item, (*path, index), lines)


def _line_for(path: tuple, lines: dict[tuple, int]) -> int | None:
    keys = tuple(str(p) if not isinstance(p, int) else p for p in path)
    while keys:
        if keys in lines:
            return lines[keys]
        keys = keys[:-1]
    return None


def parse_support_config(text: str, *, file: str = "<config>") -> SupportConfig:
    """Parse YAML text into a validated SupportConfig or raise ConfigError listing every problem."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            file, [ConfigIssue(_keys_at(text, line), f"not valid YAML ({problem})", _yaml_fix(problem), line)]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            file, [ConfigIssue((), "the file is empty or not a mapping", "start from the sample")]
        )
    twice = _duplicates(node)
    if twice:
        raise ConfigError(file, twice)
    lines: dict[tuple, int] = {}
    _compose_lines(node, (), lines)
    try:
        config = SupportConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(file, [_issue_from_error(e, lines) for e in exc.errors()]) from None
    problems = [
        ConfigIssue(path, msg, fix, _line_for(path, lines)) for path, msg, fix in _cross_references(config)
    ]
    if problems:
        raise ConfigError(file, problems)
    return config


def load_support_config(path: Path | str) -> SupportConfig:
    """Read and validate the support configuration file at `path`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            str(path),
            [
                ConfigIssue(
                    (), "the file does not exist", "set SUPPORT_CONFIG to the path of your support.yaml"
                )
            ],
        )
    return parse_support_config(path.read_text(encoding="utf-8"), file=str(path))


def _issue_from_error(error: Any, lines: dict[tuple, int]) -> ConfigIssue:
    path = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message: str = error["msg"]
    fix = _FIXES.get(error["type"], "see the documented sample configuration")
    if error["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        head, sep, tail = message.partition("; ")
        if sep:
            message, fix = head, tail
    elif error["type"] in ("literal_error", "enum"):
        fix = message.replace("Input should be", "use")
        message = f"{error.get('input')!r} is not allowed"
    return ConfigIssue(path, message, fix, _line_for(path, lines))


def _cross_references(config: SupportConfig) -> list[tuple[tuple, str, str]]:
    teams = set(config.teams)
    known = ", ".join(sorted(teams))
    out: list[tuple[tuple, str, str]] = []

    def team_ref(path: tuple, name: str | None) -> None:
        if name is not None and name not in teams:
            out.append(
                (path, f"unknown team '{name}'", f"use one of the teams defined under 'teams': {known}")
            )

    team_ref(("general_team",), config.general_team)
    for name, category in config.categories.items():
        team_ref(("categories", name, "team"), category.team)
    for level, team in config.escalation.items():
        team_ref(("escalation", level.value), team)
    for channel, settings in config.channels.items():
        team_ref(("channels", channel, "team"), settings.team)
    policies = set(config.sla.policies)
    if config.sla.default_policy not in policies:
        out.append(
            (
                ("sla", "default_policy"),
                f"unknown SLA policy '{config.sla.default_policy}'",
                f"use one of the policies under sla.policies: {', '.join(sorted(policies))}",
            )
        )
    for tier, policy in config.sla.policy_by_tier.items():
        if policy not in policies:
            out.append(
                (
                    ("sla", "policy_by_tier", tier),
                    f"unknown SLA policy '{policy}'",
                    f"use one of: {', '.join(sorted(policies))}",
                )
            )
    out += _customer_references(config)
    for name, team in config.teams.items():
        if not team.members and not team.user_group:
            out.append(
                (
                    ("teams", name),
                    "the team has neither members nor a user_group",
                    "list its agents' Slack user ids under members, or set user_group",
                )
            )
        if not any(team.working_hours.days.values()):
            out.append(
                (("teams", name, "working_hours"), "no working hours", "give e.g. 'mon-fri 09:00-17:00'")
            )
    return out


def _customer_references(config: SupportConfig) -> list[tuple[tuple, str, str]]:
    """A channel or a team id belongs to one account only."""
    out: list[tuple[tuple, str, str]] = []
    seen: dict[tuple[str, str], str] = {}
    for key, customer in config.customers.items():
        for field_, values in (("channels", customer.channels), ("team_ids", customer.team_ids)):
            for index, value in enumerate(values):
                other = seen.setdefault((field_, value), key)
                if other != key:
                    out.append(
                        (
                            ("customers", key, field_, index),
                            f"'{value}' already belongs to the account '{other}'",
                            "give it to one account only",
                        )
                    )
    return out

"""The README's command list is the product's: every command and option it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"


GROUPS = {"config", "db", "ticket", "kb", "eval", "jobs", "customers"}


def _documented() -> list[tuple[list[str], list[str]]]:
    """(command words, long options) for each `deskbot …` line of the README, alternatives expanded:
    `kb stats | rebuild`, `ticket claim|resolve N`, `ticket assign N … · priority N P`."""
    found: list[tuple[list[str], list[str]]] = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("deskbot "):
            continue
        usage = re.split(r"\s{3,}|#", line.removeprefix("deskbot "))[0].replace(" | ", "|")
        group = None
        for part in usage.split("·"):
            words = part.split()
            if words[0] in GROUPS or group is None:
                group, words = words[0], words[1:]
            options = re.findall(r"--[a-z][a-z-]*", part)
            if group in GROUPS and words and re.fullmatch(r"[a-z][a-z|-]*", words[0]):
                found += [([group, sub], options) for sub in words[0].split("|")]
            else:
                found.append(([group], options))
    return found


def test_every_command_and_option_in_the_readme_exists() -> None:
    documented = _documented()
    assert len(documented) >= 30
    runner = CliRunner()
    for words, options in documented:
        result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "300"})
        assert result.exit_code == 0, f"README shows `deskbot {' '.join(words)}`: {result.output}"
        for option in options:
            assert option in result.output, f"README shows `{option}` for `deskbot {' '.join(words)}`"

"""What people typed in Slack reaches an operator's terminal through the CLI (`kb gaps`, `ticket list`):
control characters in it are shown, never obeyed."""

from __future__ import annotations

import io

import pytest
from rich.table import Table

from bot.cli.context import SafeConsole

TYPED = [  # (what was typed, a word after the control characters that must still show)
    ("how do i reset my \x1b]0;PWNED\x07password", "password"),  # retitles the terminal
    ("refund\x1b[2J\x1b[Hplease", "please"),  # clears the screen
    ("line one\rOVERWRITTEN", "OVERWRITTEN"),  # a carriage return rewrites the line
    ("c1 \x9b31m control", "control"),  # an 8-bit CSI
]


@pytest.mark.parametrize(("text", "word"), TYPED)
@pytest.mark.parametrize("as_table", [False, True])
def test_control_characters_typed_by_people_are_shown_not_obeyed(
    text: str, word: str, as_table: bool
) -> None:
    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="standard", width=200)
    if as_table:
        table = Table("title", header_style="bold")
        table.add_row(text)
        console.print(table)
    else:
        console.print(text, style="bold", highlight=False, markup=False)
    printed = out.getvalue()
    assert "\x1b[1m" in printed  # the console's own styling still works
    assert not any(c in printed for c in "\x07\r\x9b") and "\x1b]" not in printed and "\x1b[2J" not in printed
    assert "\ufffd" in printed and word in printed

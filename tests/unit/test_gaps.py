"""`kb gaps` groups rephrasings of one unanswered question, misspelt ones by what the bot searched for."""

from __future__ import annotations

from knowledge.gaps import gaps


def test_misspellings_count_with_the_question_they_correct_to() -> None:
    rows = [  # newest first: (question, articles offered, ticket, searched for)
        ("pasword reset for SSO users", [], None, "password reset for SSO users"),
        ("Password reset for SSO users?", ["sso"], 7, None),
        ("pasword reset for SSO users", [], None, "password reset for SSO users"),
        ("what is the best pizza topping", [], None, None),
    ]
    found = gaps(rows, limit=None)
    assert [(g.wording, g.asked, g.tickets, g.offered) for g in found] == [
        ("pasword reset for SSO users", 3, 1, "sso"),
        ("what is the best pizza topping", 1, 0, None),
    ]
    # the group's commonest wording is misspelt: staff see what it was searched as
    assert found[0].searched_for == "password reset for SSO users"
    assert found[1].searched_for is None


def test_the_searched_form_is_not_repeated_when_the_wording_is_already_right() -> None:
    rows = [
        ("Password reset for SSO users?", [], None, None),
        ("password reset for SSO users", [], None, None),
        ("pasword reset for SSO users", [], None, "password reset for SSO users"),
    ]
    (only,) = gaps(rows, limit=None)
    assert only.asked == 3 and only.searched_for is None


def test_a_question_typed_the_same_way_is_one_whether_or_not_it_was_corrected() -> None:
    """Staff may see it corrected towards internal words and a customer not; a row logged before
    corrections were recorded has none: still one question, asked three times."""
    rows = [
        ("wher is the runbok", [], None, "wher is the runbook"),  # staff
        ("wher is the runbok", [], None, None),  # a customer: nothing public says "runbook"
        ("wher is the runbook", [], None, None),  # typed as it was corrected
        ("wher is the runbok", [], None, None),  # before migration 0010
    ]
    (only,) = gaps(rows, limit=None)
    assert (only.wording, only.asked) == ("wher is the runbok", 4)
    assert only.searched_for == "wher is the runbook"

"""Support configuration: the sample is valid; every kind of mistake names file, line, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SAMPLE_DIR
from bot.support import ConfigError, load_support_config, parse_support_config

SAMPLE = (SAMPLE_DIR / "support.yaml").read_text()


def test_sample_is_valid_and_complete() -> None:
    config = load_support_config(SAMPLE_DIR / "support.yaml")
    assert {"billing", "login_access", "bug", "integrations"} <= set(config.categories)
    assert all(len(c.examples) >= 3 for c in config.categories.values())
    assert config.policy_for("enterprise")[0] == "premium"
    assert config.policy_for("standard")[0] == "standard"
    assert config.role_of("U0MANAGER1") == "manager" and config.role_of("U0AGENT001") == "agent"
    assert config.role_of("U0STRANGER") == "requester"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_support_config(text, file="support.yaml")
    return [i.render("support.yaml") for i in info.value.issues]


def test_invalid_yaml_names_the_line() -> None:
    [message] = problems("teams:\n  a: [1,\n  b: 2\n")
    assert message.startswith("support.yaml:") and "not valid YAML" in message and "Fix:" in message


def test_unknown_team_in_a_category() -> None:
    text = SAMPLE.replace("  bug:\n    team: technical", "  bug:\n    team: tecnical")
    [message] = problems(text)
    line = text.splitlines().index("    team: tecnical") + 1
    assert message.startswith(f"support.yaml:{line}: categories.bug.team: unknown team 'tecnical'")
    assert "use one of the teams" in message and "technical" in message


def test_negative_target_and_bad_time_zone() -> None:
    text = SAMPLE.replace("urgent: {first_response: 30m", "urgent: {first_response: -30").replace(
        "timezone: America/New_York", "timezone: America/Nowhere"
    )
    messages = problems(text)
    assert any(
        "sla.policies.standard.targets.urgent.first_response: duration must be positive" in m
        for m in messages
    )
    assert any(
        "teams.technical.timezone: 'America/Nowhere' is not a known time zone" in m and "IANA" in m
        for m in messages
    )


def test_misspelt_key_and_bad_mode() -> None:
    text = SAMPLE.replace(
        "    mode: answer_all\n    audience: customer", "    mode: always\n    audiense: customer", 1
    )
    messages = problems(text)
    assert any("channels.C0SUPPORT1.mode" in m and "answer_all" in m for m in messages)
    assert any("channels.C0SUPPORT1.audiense" in m and "spelling" in m for m in messages)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist.*SUPPORT_CONFIG"):
        load_support_config(tmp_path / "nope.yaml")


def test_working_hours_forms() -> None:
    from bot.support.models import WeeklyHours

    assert WeeklyHours.parse("24x7").is_always()
    week = WeeklyHours.parse(["mon-fri 09:00-12:00,13:00-17:00", "sat 10:00-14:00"])
    assert week.days[0] == ((540, 720), (780, 1020)) and week.days[5] == ((600, 840),) and 6 not in week.days
    with pytest.raises(ValueError, match="ends before it starts"):
        WeeklyHours.parse("mon 18:00-09:00")


CUSTOMERS = """
customers:
  acme:
    name: Acme Corp
    owner: U0CSM00001
    channels: [C0ACME0001]
    team_ids: [T0ACMEORG1]
  globex:
    owner: U0CSM00002
    channels: [C0GLOBEX01]
"""


def test_customers_are_read_with_their_accounts() -> None:
    config = parse_support_config(SAMPLE + CUSTOMERS, file="support.yaml")
    assert config.customers["acme"].owner == "U0CSM00001" and config.customers["globex"].tier == "standard"
    assert config.health.warn_below == 60  # the defaults when `health:` is left out


def test_customer_mistakes_name_the_line_the_key_and_the_fix() -> None:
    text = (
        SAMPLE
        + CUSTOMERS.replace("owner: U0CSM00001", "owner: maria").replace(
            "channels: [C0GLOBEX01]", "channels: ['#globex']"
        )
        + "health:\n  warn_below: 80\n  recover_at: 70\n  colour: red\n"
    )
    messages = problems(text)
    lines = text.splitlines()
    assert (
        f"support.yaml:{lines.index('    owner: maria') + 1}: customers.acme.owner: 'maria' is not a Slack user id"
        in messages[0]
    ) and "Fix: write the person's member id (U…)" in messages[0]
    assert any(
        "customers.globex.channels: '#globex' is not a channel id. Fix: write the id" in m for m in messages
    )
    assert any("health.colour: " in m and "Fix: remove it" in m for m in messages)
    [message] = problems(SAMPLE + "health:\n  warn_below: 80\n  recover_at: 70\n")
    assert "health: recover_at (70) is below warn_below (80). Fix: set recover_at" in message


def test_a_channel_or_team_of_two_accounts_is_refused() -> None:
    text = SAMPLE + CUSTOMERS.replace("[C0GLOBEX01]", "[C0ACME0001]\n    team_ids: [T0ACMEORG1]")
    messages = problems(text)
    assert any(
        "customers.globex.channels.0: 'C0ACME0001' already belongs to the account 'acme'. Fix: give it to one"
        in m
        for m in messages
    )
    assert any(
        "customers.globex.team_ids.0: 'T0ACMEORG1' already belongs to the account 'acme'" in m
        for m in messages
    )

"""Teams defined by a Slack user group: its members are agents wherever membership counts (roles,
assignment candidates), listed with usergroups.users.list on the fake Slack, cached for a TTL, and
kept (and reported) when Slack cannot list the group."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot import tickets
from bot.app import build_client
from bot.config import SAMPLE_DIR, Settings
from bot.fakes.slack import FakeSlack
from bot.models import TicketCreate
from bot.routing import assign
from bot.support import SupportConfig, load_support_config
from bot.support.membership import SlackUserGroups, StaticGroups, health_check

GROUP = "S0BILLING1"
ALICE, BEN = "U0GROUP0A1", "U0GROUP0B2"
CUSTOMER = "U0CUSTOM01"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    slack.usergroups[GROUP] = [ALICE, BEN]
    yield slack
    slack.close()


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def group_config(tmp_path: Path, *, members: list[str] | None = None) -> Path:
    """The sample configuration with the billing team defined by a user group (round robin)."""
    data = yaml.safe_load((SAMPLE_DIR / "support.yaml").read_text())
    team = data["teams"]["billing"]
    team["members"] = members or []
    team["user_group"] = GROUP
    team["assignment"] = "round_robin"
    team["working_hours"] = "24x7"
    path = tmp_path / "support.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def slack_groups(fake: FakeSlack, ticks: Ticks | None = None, ttl: float = 300) -> SlackUserGroups:
    client = build_client(Settings(slack_bot_token="xoxb-test", slack_api_url=fake.url))
    return SlackUserGroups(client, ttl=ttl, monotonic=ticks or Ticks())


def test_group_members_are_agents_of_their_team(tmp_path: Path, fake: FakeSlack) -> None:
    plain = load_support_config(group_config(tmp_path))
    assert plain.role_of(ALICE) == "requester"  # nothing resolves the group: it counts for nothing
    config = plain.with_groups(slack_groups(fake))
    assert config.role_of(ALICE) == "agent" and config.role_of(BEN) == "agent"
    assert config.role_of(CUSTOMER) == "requester"
    assert config.members_of("billing") == [ALICE, BEN]
    assert config.teams_of(ALICE) == ["billing"]
    assert [c.args["usergroup"] for c in fake.calls_to("usergroups.users.list")] == [GROUP]  # cached


def test_group_members_are_assignment_candidates(tmp_path: Path, sqlite_db, clock) -> None:  # noqa: ANN001
    config = load_support_config(group_config(tmp_path)).with_groups(StaticGroups({GROUP: [ALICE, BEN]}))
    chosen = []
    for title in ("Charged twice", "Refund please", "Invoice wrong"):
        with sqlite_db.transaction() as s:
            number = tickets.create(
                s,
                data=TicketCreate(title=title, requester=CUSTOMER, category="billing"),
                actor=CUSTOMER,
                config=config,
                now=clock(),
            ).number
        ticket = assign.auto_assign(
            sqlite_db, number=number, config=config, now=clock(), presence=assign.EveryoneHere()
        )
        assert ticket is not None
        chosen.append(ticket.assignee)
    assert chosen == [ALICE, BEN, ALICE]  # round robin over the group's members


def test_listed_members_and_the_group_are_merged_without_duplicates(tmp_path: Path) -> None:
    path = group_config(tmp_path, members=["U0AGENT004", BEN])
    config = load_support_config(path).with_groups(StaticGroups({GROUP: [ALICE, BEN]}))
    assert config.members_of("billing") == ["U0AGENT004", BEN, ALICE]


def test_members_are_cached_for_the_ttl_then_refreshed(tmp_path: Path, fake: FakeSlack) -> None:
    ticks = Ticks()
    config = load_support_config(group_config(tmp_path)).with_groups(slack_groups(fake, ticks, ttl=300))
    assert config.role_of(ALICE) == "agent"
    fake.usergroups[GROUP] = [BEN]  # Alice leaves the group in Slack
    ticks.now += 299
    assert config.role_of(ALICE) == "agent" and len(fake.calls_to("usergroups.users.list")) == 1
    ticks.now += 2
    assert config.role_of(ALICE) == "requester" and config.members_of("billing") == [BEN]
    assert len(fake.calls_to("usergroups.users.list")) == 2


def test_a_failed_lookup_keeps_the_last_members_logs_and_is_reported(
    tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    ticks = Ticks()
    groups = slack_groups(fake, ticks, ttl=60)
    config = load_support_config(group_config(tmp_path)).with_groups(groups)
    assert config.members_of("billing") == [ALICE, BEN]
    fake.fail_next("usergroups.users.list", status=200, error="missing_scope")
    ticks.now += 61
    with caplog.at_level(logging.ERROR, logger="deskbot.membership"):
        assert config.members_of("billing") == [ALICE, BEN]  # not silently agent-less
    assert "missing_scope" in caplog.text and "usergroups:read" in caplog.text
    assert "keeping the 2 members last known" in caplog.text
    assert health_check(groups)() == f"stale: {GROUP} (last known members in use; see the log)"
    calls = len(fake.calls_to("usergroups.users.list"))
    config.role_of(ALICE)
    assert len(fake.calls_to("usergroups.users.list")) == calls  # not asked again on every role check
    ticks.now += 31  # asked again after a short back-off; Slack has recovered
    assert config.members_of("billing") == [ALICE, BEN] and health_check(groups)() == "ok"


def test_a_group_never_listed_leaves_only_the_listed_members(tmp_path: Path, fake: FakeSlack) -> None:
    del fake.usergroups[GROUP]
    groups = slack_groups(fake)
    config = load_support_config(group_config(tmp_path, members=["U0AGENT004"])).with_groups(groups)
    assert config.members_of("billing") == ["U0AGENT004"]
    assert groups.status()[GROUP].error == "no_such_subteam" and not groups.status()[GROUP].resolved


# ---- `deskbot config check` ---------------------------------------------------------------------------

runner = CliRunner()


def check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str):  # noqa: ANN201
    monkeypatch.chdir(tmp_path)
    for key in ("SLACK_BOT_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("COLUMNS", "250")
    from bot.cli import app

    return runner.invoke(app, ["config", "check", str(group_config(tmp_path))])


def test_config_check_lists_the_groups(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeSlack
) -> None:
    result = check(monkeypatch, tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake.url)
    assert result.exit_code == 0, result.output
    assert f"user group {GROUP} (team billing): 2 members" in result.output


def test_config_check_reports_a_group_it_cannot_list(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeSlack
) -> None:
    fake.fail_next("usergroups.users.list", status=200, error="missing_scope")
    result = check(monkeypatch, tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake.url)
    said = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"user group {GROUP} (team billing) cannot be listed: missing_scope" in said
    assert "usergroups:read" in said and "team(s) billing would have no agents" in said


def test_config_check_without_a_token_says_the_groups_are_not_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = check(monkeypatch, tmp_path)
    said = " ".join(result.output.split())
    assert result.exit_code == 0 and f"user groups {GROUP} not checked" in said


def test_the_sample_configuration_is_unchanged(config: SupportConfig) -> None:
    assert config.user_groups() == {}
    assert config.members_of("support") == list(config.teams["support"].members)

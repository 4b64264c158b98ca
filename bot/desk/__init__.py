"""The Slack desk: the flows behind every handler, one small part each.

`Desk` holds them: `answering` (questions and answers), `intake` (opening tickets), `work` (changing
them), `relay` (thread sync), `home` (App Home), `commands` (/ticket, /checkin), `drafts` (articles
from resolved tickets), `customers` (accounts) and `slack` (Slack I/O besides the outbox). Handlers
parse Slack's payload, ack, and call one of them. Who may do what is `bot.access`; every Slack string
and block is built in `bot.blocks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.desk.answering import Answering
from bot.desk.commands import Commands
from bot.desk.context import DeskContext
from bot.desk.customers import Customers
from bot.desk.drafts import Drafts
from bot.desk.home import Home
from bot.desk.intake import Intake, Request
from bot.desk.relay import Relay
from bot.desk.slack_io import SlackIO
from bot.desk.work import TicketWork

__all__ = ["Desk", "DeskContext", "Request"]


@dataclass
class Desk:
    ctx: DeskContext
    slack: SlackIO = field(init=False)
    intake: Intake = field(init=False)
    answering: Answering = field(init=False)
    work: TicketWork = field(init=False)
    relay: Relay = field(init=False)
    home: Home = field(init=False)
    commands: Commands = field(init=False)
    drafts: Drafts = field(init=False)
    customers: Customers = field(init=False)

    def __post_init__(self) -> None:
        self.slack = SlackIO(self.ctx.client)
        self.customers = Customers(self.ctx, self.slack)
        self.intake = Intake(self.ctx, self.slack, self.customers)
        self.answering = Answering(self.ctx, self.slack, self.intake)
        self.work = TicketWork(self.ctx)
        self.relay = Relay(self.ctx, self.slack, self.work)
        self.home = Home(self.ctx)
        self.drafts = Drafts(self.ctx, self.slack)
        self.commands = Commands(self.ctx, self.work, self.drafts)

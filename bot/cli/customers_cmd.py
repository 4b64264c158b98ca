"""`deskbot customers list|health [--json]`: the accounts and their health, each part explained."""

from __future__ import annotations

import json

import typer

from bot.cli.context import console, fail, parse_now, runtime

app = typer.Typer(help="Customer accounts and their health (from `customers:` in the support YAML).")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
NOW = typer.Option(None, "--now", help="Score as of this ISO time (e.g. to see last week's health).")


@app.command("list")
def list_accounts(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every account: configured ones and those found by themselves (another organisation's people)."""
    from rich.table import Table

    from bot import accounts

    rt = runtime(ctx)
    with rt.db.transaction() as s:
        rows = accounts.every(s, config=rt.config, now=rt.clock())
        data = [
            {
                "account": a.key,
                "name": a.name,
                "tier": a.tier,
                "owner": a.owner,
                "channels": rt.config.customers[a.key].channels if a.key in rt.config.customers else [],
                "team_id": a.team_id,
                "configured": a.configured,
                "last_contact": a.last_contact_at.isoformat() if a.last_contact_at else None,
            }
            for a in rows
        ]
    if as_json:
        console.print_json(json.dumps(data))
        return
    if not data:
        console.print("No accounts: add them under `customers:` in the support YAML.", highlight=False)
        return
    table = Table("account", "name", "tier", "owner", "channels", "team", "last contact")
    for d in data:
        found = "" if d["configured"] else " (found)"
        table.add_row(
            d["account"] + found,
            d["name"],
            d["tier"],
            d["owner"] or "—",
            ", ".join(d["channels"]) or "—",
            d["team_id"] or "—",
            (d["last_contact"] or "never")[:16].replace("T", " "),
        )
    console.print(table)


@app.command("health")
def health_cmd(
    ctx: typer.Context,
    account: str | None = typer.Argument(None, help="One account's key (default: every account)."),
    as_json: bool = JSON,
    now: str | None = NOW,
) -> None:
    """Each account's health (0–100), lowest first, with every part's value and the points it cost."""
    from bot import accounts, health

    rt = runtime(ctx)
    settings, at = rt.config.health, parse_now(now) or rt.clock()
    with rt.db.transaction() as s:
        accounts.sync(s, config=rt.config, now=at)
        keys = [account] if account else None
        scores = health.compute(s, settings=settings, now=at, keys=keys)
    if account and not scores:
        fail(f"no account {account!r}; `deskbot customers list` shows them")
    if as_json:
        console.print_json(json.dumps([h.as_dict(settings) for h in scores]))
        return
    if not scores:
        console.print("No accounts: add them under `customers:` in the support YAML.", highlight=False)
        return
    for h in scores:
        console.print(
            f"{h.name} ({h.account}) {h.score}/100 · {h.band(settings)} · owner {h.owner or '—'}",
            highlight=False,
            markup=False,
        )
        for p in h.parts:
            console.print(f"  {p.label:<26} {p.value:<44} {p.points:>6g}", highlight=False, markup=False)

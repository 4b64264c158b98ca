"""What the simulator's HTTP API accepts: same-site JSON posts of a bounded size, with the fields each
route needs as strings. Another site open in the same browser cannot drive the demo: a cross-site form
cannot send `application/json`, a cross-site `fetch` is refused by `Origin` / `Sec-Fetch-Site`, and a
DNS-rebound name is refused by the `Host` check."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.demo.web import Simulator

# The page runs only its own script and talks only to its own server (a second line of defence: the
# page already builds every node from text).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
MAX_BODY = 256 * 1024  # a 40,000-character message is at most 160 KB of UTF-8
SAME_SITE = ("same-origin", "none")  # Sec-Fetch-Site values a page of the demo itself sends

# route -> (required string fields, optional string fields)
ROUTES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "/api/message": (("user", "channel"), ("text", "thread_ts")),
    "/api/action": (("user", "action_id"), ("where", "channel", "ts", "selected_user", "selected_option")),
    "/api/submit": (("user", "view_id"), ()),
    "/api/close": (("view_id",), ("user",)),
    "/api/react": (("user", "channel", "ts", "name"), ()),
    "/api/shortcut": (("user", "channel", "ts"), ()),
    "/api/home": (("user",), ()),
}


class Refused(Exception):
    """A request the API refuses: a status and a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_host(headers: Mapping[str, str], bound: tuple[str, int]) -> None:
    """The Host header names this server (127.0.0.1, localhost or the bound address): no DNS rebinding."""
    host = (headers.get("Host") or "").strip().lower()
    allowed = {f"{name}:{bound[1]}" for name in ("127.0.0.1", "localhost", "[::1]", str(bound[0]).lower())}
    if host not in allowed:
        raise Refused(403, "This demo only answers at its own address (http://127.0.0.1:PORT/).")


def check_same_site(headers: Mapping[str, str]) -> None:
    """A state-changing request comes from the demo's own page, as JSON."""
    site = (headers.get("Sec-Fetch-Site") or "").strip().lower()
    if site and site not in SAME_SITE:
        raise Refused(403, "Cross-site requests are refused.")
    origin = (headers.get("Origin") or "").strip().lower()
    if origin and origin != f"http://{(headers.get('Host') or '').strip().lower()}":
        raise Refused(403, "Cross-site requests are refused.")
    kind = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise Refused(415, "Send JSON (Content-Type: application/json).")


def content_length(headers: Mapping[str, str]) -> int:
    """The declared body length, refused when missing, malformed or over the limit (before reading)."""
    if headers.get("Transfer-Encoding"):
        raise Refused(411, "Send a Content-Length (chunked bodies are not accepted).")
    declared = (headers.get("Content-Length") or "").strip()
    if not declared.isdigit():
        raise Refused(411 if not declared else 400, "A valid Content-Length is required.")
    length = int(declared)
    if length > MAX_BODY:
        raise Refused(413, f"The request is over {MAX_BODY // 1024} KB.")
    return length


def parse_body(route: str, raw: bytes) -> dict[str, Any]:
    """The JSON object a route needs, with its fields as strings (`values` as a string map)."""
    if route not in ROUTES:
        raise Refused(404, "not found")
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "Bad request: the body is not JSON.") from None
    if not isinstance(body, dict):
        raise Refused(400, "Bad request: the body is not a JSON object.")
    required, optional = ROUTES[route]
    for name in required:
        if not isinstance(body.get(name), str):
            raise Refused(400, f"Bad request: `{name}` is required (a string).")
    for name in optional:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise Refused(400, f"Bad request: `{name}` must be a string.")
    values = body.get("values")
    if values is not None and not (
        isinstance(values, dict) and all(isinstance(v, str | None) for v in values.values())
    ):
        raise Refused(400, "Bad request: `values` must map fields to strings.")
    return body


def dispatch(simulator: Simulator, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """One checked API request (`api.parse_body` vouched for the fields) to the simulator."""
    user = body.get("user", "")
    if route == "/api/message":
        return simulator.post(
            user=user, channel=body["channel"], text=body.get("text") or "", thread_ts=body.get("thread_ts")
        )
    if route == "/api/action":
        return simulator.action(user=user, body=body)
    if route == "/api/submit":
        return simulator.submit(user=user, view_id=body["view_id"], values=body.get("values") or {})
    if route == "/api/close":
        return simulator.close(view_id=body["view_id"])
    if route == "/api/react":
        return simulator.react(user=user, channel=body["channel"], ts=body["ts"], name=body["name"])
    if route == "/api/shortcut":
        return simulator.shortcut(user=user, channel=body["channel"], ts=body["ts"])
    return simulator.open_home(user=user)

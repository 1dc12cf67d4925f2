"""``notionhub send-test PROVIDER [TYPE]``: a signed example delivery to the running hub.

Signs the provider's example (``example_events``) with the configured secret, the provider's
way (``webhook_signing``), posts it to ``/hooks/{provider}``, then follows the event through the
event API until it is finished and shows what it became (docs/doctor.md).
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console

FINISHED = ("processed", "failed", "ignored")
MISCONFIGURED = 2
FAILED = 1


def register_send_test_command(app: typer.Typer, console: Console) -> None:
    """Add ``send-test`` to ``app``; errors are one line on ``console``."""

    def refuse(message: str, code: int) -> typer.Exit:
        console.print(f"[red]error:[/red] {message}", soft_wrap=True, highlight=False)
        return typer.Exit(code)

    @app.command("send-test")
    def send_test(
        provider: Annotated[str, typer.Argument(help="stripe, calcom, zoom, typeform …")],
        type: Annotated[str | None, typer.Argument(help="Event type; default the first.")] = None,
        url: Annotated[
            str | None, typer.Option(help="The hub; default NOTIONHUB_PUBLIC_URL or :SERVER_PORT.")
        ] = None,
        wait: Annotated[float, typer.Option(help="Seconds to wait for the outcome.")] = 30.0,
        as_json: Annotated[bool, typer.Option("--json", help="Print the event as JSON.")] = False,
    ) -> None:
        """Sign and post an example event of PROVIDER to the running hub; show what it became."""
        import httpx

        from notionhub.doctor import public_url
        from notionhub.example_events import EXAMPLES
        from notionhub.ingest.registry import get_provider
        from notionhub.settings import Settings
        from notionhub.webhook_signing import signed_example

        settings = Settings()
        if provider not in EXAMPLES:
            raise refuse(
                f"unknown provider {provider!r}: known providers are {', '.join(EXAMPLES)}",
                MISCONFIGURED,
            )
        types = EXAMPLES[provider][1]
        if type is not None and type not in types:
            raise refuse(
                f"no example of {provider} type {type!r}: use one of {', '.join(types)}",
                MISCONFIGURED,
            )
        variable = get_provider(provider).secret_env
        secret = settings.secret(variable)
        if secret is None:
            raise refuse(
                f"{variable} is not set: set it (in .env or the environment) to the secret the"
                f" hub verifies {provider} deliveries with",
                MISCONFIGURED,
            )
        base = (url or public_url(settings)).rstrip("/")
        now = datetime.now(UTC)
        example = signed_example(provider, type, secret, base, now, secrets.token_hex(4))
        hook = example.url
        key = settings.internal_api_key
        auth = {"Authorization": f"Bearer {key.get_secret_value()}"} if key is not None else {}
        with httpx.Client(timeout=30) as http:
            try:
                answer = http.post(hook, content=example.body, headers=example.headers)
            except httpx.TransportError as error:
                raise refuse(
                    f"no hub answers at {hook} ({type_name(error)}): start it with"
                    " `notionhub serve`, or pass --url",
                    FAILED,
                ) from error
            if answer.status_code != 202:
                hint = (
                    f" (does the hub have the same {variable}? a hub subscribed to its embedded"
                    " Notion verifies Notion deliveries with that subscription's token)"
                    if answer.status_code == 401
                    else ""
                )
                said = " ".join(answer.text[:300].split())
                raise refuse(f"{hook} answered {answer.status_code}: {said}{hint}", FAILED)
            event_id = str(answer.json()["event_id"])
            event = _follow(http, f"{base}/api/events/{quote(event_id, safe='')}", auth, wait)
        if event is None:
            raise refuse(f"event {event_id} could not be read from {base}/api/events", FAILED)
        from notionhub.cli_events import notion_pages

        real = settings.notion_token is not None
        event["notion_pages"] = notion_pages(event.get("history", []), real_notion=real)
        if as_json:
            typer.echo(json.dumps(event, indent=2))
        else:
            _render(Console(), event_id, example.type, event)
        if event.get("status") not in ("processed", "ignored"):
            raise typer.Exit(FAILED)

    del send_test


def type_name(error: BaseException) -> str:
    return type(error).__name__


def _follow(http: Any, event_url: str, auth: dict[str, str], wait: float) -> dict[str, Any] | None:
    """The event as the event API shows it, once finished (or as it is after ``wait`` s)."""
    deadline = time.monotonic() + wait
    event: dict[str, Any] | None = None
    while True:
        answer = http.get(event_url, headers=auth)
        if answer.status_code == 200:
            event = answer.json()
            if event is not None and event.get("status") in FINISHED:
                return event
        if time.monotonic() >= deadline:
            return event
        time.sleep(0.2)


def _render(out: Console, event_id: str, type: str, event: dict[str, Any]) -> None:
    status = str(event.get("status"))
    colour = {"processed": "green", "ignored": "yellow"}.get(status, "red")
    out.print(f"event   {event_id}", highlight=False, soft_wrap=True)
    out.print(f"type    {type}", highlight=False)
    out.print(f"outcome [{colour}]{status}[/{colour}]", highlight=False)
    if event.get("last_error"):
        out.print(f"error   {event['last_error']}", highlight=False, soft_wrap=True)
    out.print("history:")
    for entry in event.get("history", []):
        detail = entry.get("detail") or {}
        shown = json.dumps(detail, separators=(",", ":")) if detail else ""
        out.print(f"  {entry.get('at')}  {entry.get('kind')}  {shown}", highlight=False)
    pages = [page.get("url", page["id"]) for page in event["notion_pages"]]
    out.print("Notion pages: " + (", ".join(pages) if pages else "none"), highlight=False)

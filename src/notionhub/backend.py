"""The choice of Notion backend, made once at the top of the program.

With no ``NOTION_TOKEN`` and no ``NOTION_BASE_URL`` of its own, the hub embeds the local Notion
server: one app over the data folder, which the hub mounts at ``/notion`` for people and other
clients, and which the gateway calls in-process through the same app. Everything below talks to
Notion through ``notion/`` and never imports ``localnotion/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from starlette.applications import Starlette

from notionhub.localnotion.app import LocalNotionConfig, create_app
from notionhub.localnotion.in_process import InProcessTransport
from notionhub.localnotion.workspace import ROOT_PAGE_TITLE
from notionhub.notion.connection import NotionBackend
from notionhub.settings import Settings

IN_PROCESS_BASE_URL = "http://local-notion.invalid"


NOTION_HOOK_PATH = "/hooks/notion"


@dataclass(frozen=True)
class EmbeddedNotion:
    """The embedded local Notion: its ASGI app (to mount) and the backend over that same app."""

    app: Starlette
    backend: NotionBackend

    def subscribe_hub(self, hub_url: str) -> str:
        """Subscribe the hub at ``hub_url`` to this Notion's webhooks; the verification token.

        One subscription of the hub's own: those of the hub at another address (an earlier
        run on another port) are removed, so nothing is sent where nobody listens.
        """
        notifier = self.app.state.notion.webhooks
        hook = hook_url(hub_url)
        for old in notifier.subscriptions():
            if old.url != hook and old.url.endswith(NOTION_HOOK_PATH):
                notifier.unsubscribe(old.id)
        subscription, _ = notifier.subscribe(hook)
        notifier.start()
        token: str = subscription.verification_token
        return token

    def hub_listening(self, hub_url: str) -> None:
        """The hub at ``hub_url`` now takes requests: verify and deliver to it at once (what
        was sent while it started, or while it was down, waits on no backoff)."""
        notifier = self.app.state.notion.webhooks
        found = notifier.store.subscription_by_url(hook_url(hub_url))
        if found is not None:
            notifier.retry_now(found.id)

    def close(self) -> None:
        """Stop sending webhooks (mounted, the server's own lifespan never runs)."""
        self.app.state.notion.webhooks.close()


def hook_url(hub_url: str) -> str:
    """Where the hub takes Notion's webhooks, reachable from this machine (an address the
    hub listens on everywhere is reached on loopback)."""
    parts = urlsplit(hub_url.rstrip("/"))
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts) + NOTION_HOOK_PATH


def open_backend(settings: Settings, public_url: str | None = None) -> EmbeddedNotion | None:
    """The embedded local Notion when the settings call for it, else None (Notion over HTTP).

    ``public_url``: where people reach it (the hub's URL + ``/notion``), used in page URLs.
    """
    if not settings.embeds_local_notion:
        return None
    token = settings.local_notion_token.get_secret_value()
    person = settings.local_notion_person_token
    app = create_app(
        LocalNotionConfig(
            data_dir=settings.local_notion_dir,
            # The packs' own tokens (NOTION_TOKEN_<PACK>) are integrations of this Notion too.
            tokens=(token, *settings.pack_notion_tokens()),
            public_url=public_url or IN_PROCESS_BASE_URL,
            person_tokens=(person.get_secret_value(),) if person is not None else (),
            webhook_urls=settings.local_notion_webhooks,
            webhook_aggregation_seconds=settings.local_notion_webhook_aggregation_seconds,
        )
    )
    transport = InProcessTransport(app)
    return EmbeddedNotion(app, NotionBackend(transport, IN_PROCESS_BASE_URL, ROOT_PAGE_TITLE))

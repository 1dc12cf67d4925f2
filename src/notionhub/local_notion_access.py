"""The local Notion token in force for a process, chosen once at the top (``cli.py``).

On loopback the published default token is harmless and keeps the first run simple. A hub or
a local Notion server that listens beyond loopback with no token of the user's gets the token
generated for its data folder instead (``localnotion.exposure.generated_token``): never the
default. ``notionhub notion-token`` prints it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from notionhub.localnotion.exposure import TOKEN_FILE, generated_token, listens_beyond_loopback
from notionhub.localnotion.tokens import DEFAULT_TOKEN
from notionhub.settings import Settings


def uses_default_token(settings: Settings) -> bool:
    return settings.local_notion_token.get_secret_value() in ("", DEFAULT_TOKEN)


def settings_for_listening(settings: Settings, host: str) -> Settings:
    """``settings``, with the generated token of the embedded Notion's data folder when the hub
    listens beyond loopback and ``LOCAL_NOTION_TOKEN`` is not set to a token of the user's."""
    if not (
        settings.embeds_local_notion
        and listens_beyond_loopback(host)
        and uses_default_token(settings)
    ):
        return settings
    token = SecretStr(generated_token(settings.local_notion_dir))
    return settings.model_copy(update={"local_notion_token": token})


def token_in_force(settings: Settings, data_dir: Path) -> tuple[str, str]:
    """The token a local Notion over ``data_dir`` accepts from other machines, and where it
    comes from: ``LOCAL_NOTION_TOKEN`` when set to the user's own, else the generated one."""
    if not uses_default_token(settings):
        return settings.local_notion_token.get_secret_value(), "LOCAL_NOTION_TOKEN"
    return generated_token(data_dir), str(data_dir / TOKEN_FILE)

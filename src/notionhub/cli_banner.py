"""What ``notionhub serve`` says once it listens: where it is, what runs, what is configured.

Pure functions of what they are given (settings, names, addresses), so tests check the lines
without starting a hub. Secrets appear by variable name only, never by value.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from notionhub.settings import Settings

ALL_ADDRESSES = ("0.0.0.0", "::", "")


def reachable_urls(host: str, port: int, names: Sequence[str]) -> list[str]:
    """The URLs to print: ``host``'s, or for every address (0.0.0.0) loopback first, then the
    machine's ``names`` (hostname, LAN address) as other machines reach it."""
    if host not in ALL_ADDRESSES:
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}"]
    found = [f"http://127.0.0.1:{port}"]
    for name in names:
        url = f"http://{name}:{port}"
        if name and url not in found:
            found.append(url)
    return found


def machine_names() -> list[str]:
    """This machine's hostname and its LAN address (the source address of a route outwards;
    a UDP connect sends nothing), whichever can be found."""
    names = [socket.gethostname()]
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet leaves
            address = str(probe.getsockname()[0])
    except OSError:
        address = ""
    if address and not address.startswith("127."):
        names.append(address)
    return names


def secrets_line(settings: Settings, variables: Sequence[str]) -> str:
    """Which provider secrets are set (names only); the others' /hooks answer 503."""
    set_ = [name for name in variables if settings.secret(name) is not None]
    unset = len(variables) - len(set_)
    shown = ", ".join(set_) if set_ else "none"
    rest = f"; {unset} unset (their /hooks/… answer 503)" if unset else ""
    return f"Provider secrets: {shown}{rest}"


def packs_line(packs: Sequence[str]) -> str:
    return f"Packs: {', '.join(packs) if packs else 'none'}"


def notion_token_line(settings: Settings, uses_default_token: bool) -> str:
    """The token a local Notion client sends to the embedded Notion."""
    if uses_default_token:
        return "Notion token: local-notion-token (this machine only)"
    if settings.local_notion_token.get_secret_value() and not _generated(settings):
        return "Notion token: LOCAL_NOTION_TOKEN (yours)"
    return "Notion token: generated; `notionhub notion-token` prints it"


def _generated(settings: Settings) -> bool:
    from notionhub.localnotion.exposure import TOKEN_FILE

    token_file = settings.local_notion_dir / TOKEN_FILE
    if not token_file.is_file():
        return False
    return token_file.read_text().strip() == settings.local_notion_token.get_secret_value()

"""The start banner of ``serve``: reachable URLs, packs, provider secrets by name, the token."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from notionhub.cli_banner import notion_token_line, packs_line, reachable_urls, secrets_line
from notionhub.localnotion.exposure import TOKEN_FILE
from notionhub.settings import Settings

VARIABLES = ["STRIPE_WEBHOOK_SECRET", "CALCOM_WEBHOOK_SECRET", "ZOOM_WEBHOOK_SECRET_TOKEN"]


def test_all_addresses_print_loopback_then_the_machines_names() -> None:
    assert reachable_urls("0.0.0.0", 8000, ["vm", "192.168.1.20", "vm"]) == [
        "http://127.0.0.1:8000",
        "http://vm:8000",
        "http://192.168.1.20:8000",
    ]
    assert reachable_urls("127.0.0.1", 8000, ["vm"]) == ["http://127.0.0.1:8000"]
    assert reachable_urls("::1", 8000, []) == ["http://[::1]:8000"]


def test_secrets_are_named_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_do_not_print")
    line = secrets_line(Settings(), VARIABLES)
    assert line == "Provider secrets: STRIPE_WEBHOOK_SECRET; 2 unset (their /hooks/… answer 503)"
    assert "whsec_do_not_print" not in line


def test_no_secret_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert secrets_line(Settings(), VARIABLES[:1]).startswith("Provider secrets: none; 1 unset")


def test_packs_line() -> None:
    assert packs_line(["echo", "coaching"]) == "Packs: echo, coaching"
    assert packs_line([]) == "Packs: none"


def test_the_token_line_names_the_token_to_use(tmp_path: Path) -> None:
    home = tmp_path
    settings = Settings(notionhub_home=home)
    assert "local-notion-token" in notion_token_line(settings, uses_default_token=True)
    (home / "notion").mkdir()
    (home / "notion" / TOKEN_FILE).write_text("lntok_generated\n")
    generated = settings.model_copy(update={"local_notion_token": SecretStr("lntok_generated")})
    assert notion_token_line(generated, uses_default_token=False) == (
        "Notion token: generated; `notionhub notion-token` prints it"
    )
    own = settings.model_copy(update={"local_notion_token": SecretStr("mine")})
    assert notion_token_line(own, uses_default_token=False) == (
        "Notion token: LOCAL_NOTION_TOKEN (yours)"
    )

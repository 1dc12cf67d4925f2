"""Settings: fields and the NOTION_<NAME>_DB bindings come from the environment or ``.env``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notionhub.settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A working directory of its own, without the machine's NOTION_* variables."""
    for name in list(os.environ):
        if name.startswith("NOTION") or name in ("LOG_LEVEL", "LOCAL_NOTION_TOKEN"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_database_bindings_come_from_dotenv_and_the_environment_wins(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "NOTION_CLIENTS_DB=from-dotenv\nNOTION_SESSIONS_DB=overridden\nLOG_LEVEL=debug\n"
        "NOTION_TOKEN_DB_NOT=ignored\n"
    )
    clean_env.setenv("NOTION_SESSIONS_DB", "from-environment")
    clean_env.setenv("NOTION_DASHBOARD_METRICS_DB", "metrics")
    clean_env.setenv("NOTION_BASE_URL", "http://not-a-binding")
    settings = Settings()
    assert settings.database_variables() == {
        "NOTION_CLIENTS_DB": "from-dotenv",
        "NOTION_SESSIONS_DB": "from-environment",
        "NOTION_DASHBOARD_METRICS_DB": "metrics",
    }
    assert settings.log_level == "debug"


def test_without_dotenv_only_the_environment_binds(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings().database_variables() == {}
    clean_env.setenv("NOTION_CLIENTS_DB", "abc")
    assert Settings().database_variables() == {"NOTION_CLIENTS_DB": "abc"}


def test_a_pack_providers_secret_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("SNOVIO_WEBHOOK_SECRET", raising=False)
    assert settings.secret("SNOVIO_WEBHOOK_SECRET") is None
    monkeypatch.setenv("SNOVIO_WEBHOOK_SECRET", "s3cret")
    assert settings.secret("SNOVIO_WEBHOOK_SECRET") == "s3cret"
    monkeypatch.setenv("SNOVIO_WEBHOOK_SECRET", "")
    assert settings.secret("SNOVIO_WEBHOOK_SECRET") is None


def test_a_pack_reads_its_own_token_and_parent_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTION_TOKEN_MY_PACK", " token-of-my-pack ")
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID_MY_PACK", "page-1")
    monkeypatch.setenv("NOTION_TOKEN_OTHER", "")
    settings = Settings(_env_file=None, notionhub_packs="my-pack,other,echo")  # type: ignore[call-arg]

    token = settings.pack_notion_token("my-pack")
    assert token is not None and token.get_secret_value() == "token-of-my-pack"
    assert settings.pack_parent_page_id("my-pack") == "page-1"
    assert settings.pack_notion_token("other") is None  # blank: the deployment's token
    assert settings.pack_parent_page_id("echo") is None
    assert settings.pack_notion_tokens() == ["token-of-my-pack"]
    listed = Settings(_env_file=None, notionhub_packs=" echo, ,my-pack,echo")  # type: ignore[call-arg]
    assert listed.pack_names == ["echo", "my-pack"]
    assert "token-of-my-pack" not in repr(settings.pack_notion_token("my-pack"))

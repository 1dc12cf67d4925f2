"""The webhook settings (environment) and the ``notion-server`` options that use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from typer.testing import CliRunner

from notionhub import cli
from notionhub.localnotion import app as localnotion_app
from notionhub.localnotion.app import LocalNotionConfig, ServerState
from notionhub.settings import Settings

VARIABLES = (
    "LOCAL_NOTION_WEBHOOK_URLS",
    "LOCAL_NOTION_PERSON_TOKEN",
    "LOCAL_NOTION_WEBHOOK_AGGREGATION_SECONDS",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    return monkeypatch


def test_the_settings_read_the_webhook_variables(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings().local_notion_webhooks == ()
    assert Settings().local_notion_person_token is None
    assert Settings().local_notion_webhook_aggregation_seconds == 1.0
    clean_env.setenv("LOCAL_NOTION_WEBHOOK_URLS", " http://a.test/hook, ,http://b.test/x ")
    clean_env.setenv("LOCAL_NOTION_PERSON_TOKEN", "person")
    clean_env.setenv("LOCAL_NOTION_WEBHOOK_AGGREGATION_SECONDS", "0")
    settings = Settings()
    assert settings.local_notion_webhooks == ("http://a.test/hook", "http://b.test/x")
    assert settings.local_notion_person_token is not None
    assert settings.local_notion_person_token.get_secret_value() == "person"
    assert settings.local_notion_webhook_aggregation_seconds == 0.0


def _served(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, LocalNotionConfig]:
    """Run ``notion-server`` without serving: the output, and the config the app was made of."""
    made: list[LocalNotionConfig] = []
    create_app = localnotion_app.create_app

    def recording_create_app(config: LocalNotionConfig) -> Starlette:
        made.append(config)
        return create_app(config)

    def close(app: Any, host: str, port: int, settings: Settings, sock: Any = None) -> None:
        if sock is not None:
            sock.close()
        state: ServerState = app.state.notion
        assert state.webhooks is not None
        state.webhooks.close()

    # cli.py imports the server inside the command: patch it where it is looked up.
    monkeypatch.setattr(localnotion_app, "create_app", recording_create_app)
    monkeypatch.setattr(cli, "_serve", close)
    result = CliRunner().invoke(cli.app, ["notion-server", *args])
    assert result.exit_code == 0, result.output
    return result, made[0]


def test_notion_server_takes_webhook_urls_and_person_tokens_from_the_environment(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("LOCAL_NOTION_WEBHOOK_URLS", "http://127.0.0.1:9/a,http://127.0.0.1:9/b")
    clean_env.setenv("LOCAL_NOTION_PERSON_TOKEN", "the-person")
    result, config = _served(clean_env, "--data", str(tmp_path / "notion"))
    assert config.webhook_urls == ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b")
    assert config.person_tokens == ("the-person",)
    assert config.webhook_aggregation_seconds == 1.0
    assert "Webhooks: http://127.0.0.1:9/a  (pending_verification, subscription" in result.output
    assert "Webhooks: http://127.0.0.1:9/b" in result.output
    assert "secret_" not in result.output  # the verification token is not printed


def test_notion_server_options_win_over_the_environment(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("LOCAL_NOTION_WEBHOOK_URLS", "http://127.0.0.1:9/env")
    clean_env.setenv("LOCAL_NOTION_PERSON_TOKEN", "env-person")
    _, config = _served(
        clean_env,
        "--data",
        str(tmp_path / "notion"),
        "--webhook-url",
        "http://127.0.0.1:9/one",
        "--webhook-url",
        "http://127.0.0.1:9/two",
        "--person-token",
        "p1",
        "--person-token",
        "p2",
        "--webhook-aggregation-seconds",
        "0",
    )
    assert config.webhook_urls == ("http://127.0.0.1:9/one", "http://127.0.0.1:9/two")
    assert config.person_tokens == ("p1", "p2")
    assert config.webhook_aggregation_seconds == 0.0

"""``notionhub send-test`` against a real ``notionhub serve`` (embedded local Notion)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from notionhub.cli import app
from notionhub.example_events import EXAMPLES
from notionhub.settings import Settings
from tests.acceptance.hub_process import Process, base_env
from tests.conftest import free_port

SECRETS = {
    "STRIPE_WEBHOOK_SECRET": "whsec_send_test_stripe",
    "CALCOM_WEBHOOK_SECRET": "calcom-send-test",
    "ZOOM_WEBHOOK_SECRET_TOKEN": "zoom-send-test",
    "TYPEFORM_WEBHOOK_SECRET": "typeform-send-test",
    "WOOCOMMERCE_WEBHOOK_SECRET": "woo-send-test",
    "HUBSPOT_CLIENT_SECRET": "hubspot-send-test",
    "AMELIA_WEBHOOK_SECRET": "amelia-long-random-token",  # a token
    "BEEHIIV_WEBHOOK_SECRET": "whsec_YmVlaGlpdi1zaWduaW5nLWtleS0zMi1ieXRlcyEhISE=",  # Standard
    "CIRCLE_WEBHOOK_SECRET": "circle-long-random-token",
    "NOTION_WEBHOOK_VERIFICATION_TOKEN": "secret_notion_send_test",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """One hub for the module, every provider's secret set; Notion webhooks verified with
    NOTION_WEBHOOK_VERIFICATION_TOKEN (no subscription of its own to the embedded Notion)."""
    folder = tmp_path_factory.mktemp("send-test-hub")
    env = base_env(
        NOTIONHUB_HOME=str(folder / ".notionhub"),
        NOTIONHUB_NOTION_WEBHOOKS="false",
        **SECRETS,
    )
    process = Process(["serve"], folder, env)
    process.start("/health")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NOTIONHUB_HOME", str(tmp_path / ".notionhub"))
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def send(*args: str) -> Result:
    return CliRunner().invoke(app, ["send-test", *args])


@pytest.mark.parametrize("provider", list(EXAMPLES))
def test_each_provider_s_example_is_stored_and_finished(
    hub: Process, cli_env: pytest.MonkeyPatch, provider: str
) -> None:
    result = send(provider, "--url", hub.url, "--json")

    assert result.exit_code == 0, result.output
    event = json.loads(result.stdout)
    assert event["provider"] == provider
    assert event["status"] in ("processed", "ignored")
    assert event["history"][0]["kind"] == "received"
    if event["status"] == "processed":  # the echo pack wrote its Event Log row
        assert event["notion_pages"], event["history"]
        assert all(len(page["id"]) == 36 for page in event["notion_pages"])


@pytest.mark.parametrize("type", EXAMPLES["stripe"][1] + EXAMPLES["calcom"][1])
def test_stripe_and_calcom_types(hub: Process, cli_env: pytest.MonkeyPatch, type: str) -> None:
    provider = "stripe" if type in EXAMPLES["stripe"][1] else "calcom"

    result = send(provider, type, "--url", hub.url, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["type"] == type


def test_a_second_send_is_a_new_event_marked_as_test_data(
    hub: Process, cli_env: pytest.MonkeyPatch
) -> None:
    first = json.loads(send("stripe", "--url", hub.url, "--json").stdout)
    second = json.loads(send("stripe", "--url", hub.url, "--json").stdout)

    assert first["id"] != second["id"]
    assert second["status"] == "processed"
    email = second["data"]["data"]["object"]["customer_details"]["email"]
    assert email.startswith("test+") and email.endswith("@example.com")


def test_the_table_shows_id_outcome_and_history(hub: Process, cli_env: pytest.MonkeyPatch) -> None:
    result = send("calcom", "--url", hub.url)

    assert result.exit_code == 0, result.output
    assert "event   calcom:BOOKING_CREATED:test-" in result.stdout
    assert "outcome processed" in result.stdout
    assert "received" in result.stdout
    assert "Notion pages:" in result.stdout


def test_the_doctor_shows_the_last_delivery(hub: Process, cli_env: pytest.MonkeyPatch) -> None:
    assert send("zoom", "--url", hub.url).exit_code == 0
    cli_env.setenv("NOTIONHUB_HOME", str(hub.cwd / ".notionhub"))

    result = CliRunner().invoke(app, ["doctor", "--json"])

    providers = {p["name"]: p for p in json.loads(result.stdout)["providers"]}
    assert providers["zoom"]["last_delivery"] is not None


def test_an_unknown_provider_lists_the_known_ones(cli_env: pytest.MonkeyPatch) -> None:
    result = send("paypal")

    assert result.exit_code == 2
    assert "unknown provider 'paypal'" in result.output
    assert "stripe, calcom, zoom" in result.output


def test_an_unknown_type_lists_the_examples(cli_env: pytest.MonkeyPatch) -> None:
    result = send("stripe", "invoice.nope")

    assert result.exit_code == 2
    assert "checkout.session.completed" in result.output


def test_an_unset_secret_is_named(cli_env: pytest.MonkeyPatch) -> None:
    cli_env.delenv("TYPEFORM_WEBHOOK_SECRET")

    result = send("typeform")

    assert result.exit_code == 2
    assert "TYPEFORM_WEBHOOK_SECRET is not set" in result.output


def test_no_hub_running_names_the_url_tried(cli_env: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    result = send("stripe", "--url", url)

    assert result.exit_code == 1
    assert f"no hub answers at {url}/hooks/stripe" in result.output


def test_a_secret_the_hub_does_not_share_is_refused_clearly(
    hub: Process, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("CALCOM_WEBHOOK_SECRET", "not-the-hub-s")

    result = send("calcom", "--url", hub.url)

    assert result.exit_code == 1
    assert "answered 401" in result.output

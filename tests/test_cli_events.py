"""``notionhub events`` and ``replay``: readable at 80 columns, filters, ``show``, refusals in
one line, ids never read as Rich markup, and no data folder made where there is none."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from pydantic import ValidationError
from typer.testing import CliRunner

from notionhub.cli import app
from notionhub.cli_events import STATUSES as CLI_STATUSES
from notionhub.cli_events import notion_pages, parse_since, redact_payload
from notionhub.hubdb.engine import create_hub_engine
from notionhub.ingest.event import Event
from notionhub.queue.store import STATUSES, EventStore

LONG_ID = "stripe:evt_1QxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdef"
PAGE_ID = "0f3c2b1a-1111-4222-8333-944455556666"


def run(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str, home: Path | None) -> Result:
    monkeypatch.chdir(cwd)
    if home is None:
        monkeypatch.delenv("NOTIONHUB_HOME", raising=False)
    else:
        monkeypatch.setenv("NOTIONHUB_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    return CliRunner().invoke(app, list(args))


def _event(key: str, provider: str, type_: str, data: dict[str, object]) -> Event:
    return Event(
        provider=provider,
        type=type_,
        idempotency_key=key,
        entity_key=None,
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
        data=data,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data folder holding three events: a long Stripe id, a Cal.com one, and ``x:id:``."""
    folder = tmp_path / "hub"
    store = EventStore(create_hub_engine(f"sqlite:///{folder / 'hub.sqlite3'}"))
    store.insert_many(
        [
            _event(LONG_ID, "stripe", "checkout.session.completed", {"signature": "t=1,v1=abc"}),
            _event("calcom:booking-1", "calcom", "BOOKING_CREATED", {"api_key": "k"}),
            _event("x:id:", "calcom", "BOOKING_CANCELLED", {"note": ":id:"}),
        ]
    )
    store.finish(
        "calcom:booking-1",
        "processed",
        attempts=1,
        detail={"ok": True, "notion_requests": [f"pages.update ok /v1/pages/{PAGE_ID}"]},
    )
    return folder


def test_the_list_fits_80_columns_with_whole_ids(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "events", home=home)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert LONG_ID in "".join(line.split("│")[4].strip() for line in lines if "│" in line)
    assert "ago" in result.output


def test_filters_by_provider_type_status_and_since(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ids(*args: str) -> list[str]:
        result = run(tmp_path, monkeypatch, "events", "--json", *args, home=home)
        assert result.exit_code == 0, result.output
        return [event["id"] for event in json.loads(result.output)]

    assert ids("--provider", "stripe") == [LONG_ID]
    assert ids("--type", "BOOKING_CREATED") == ["calcom:booking-1"]
    assert ids("--status", "processed") == ["calcom:booking-1"]
    assert len(ids("--since", "1h")) == 3
    assert ids("--since", "2999-01-01") == []


def test_since_not_understood_is_one_line(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "events", "--since", "yesterday", home=home)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --since 'yesterday': use a duration (30m, 1h, 2d, 1w) or an ISO date (2026-12-01)"
    ]


@pytest.mark.parametrize("limit", ["0", "501"])
def test_limit_out_of_range_is_one_line(
    limit: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "events", "--limit", limit, home=home)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: --limit {limit}: use a number from 1 to 500"
    ]


def test_json_of_nothing_is_an_empty_array(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hub").mkdir()
    result = run(tmp_path, monkeypatch, "events", "--json", home=tmp_path / "hub")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_show_hides_secrets_and_lists_the_pages_touched(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "events", "show", "calcom:booking-1", home=home)
    assert result.exit_code == 0, result.output
    assert '"api_key": "•••"' in result.output
    assert "processed" in result.output and "received" in result.output
    assert PAGE_ID in result.output
    shown = run(tmp_path, monkeypatch, "events", "show", LONG_ID, "--json", home=home)
    assert json.loads(shown.output)["data"] == {"signature": "•••"}


def test_show_of_an_unknown_id_is_one_line(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "events", "show", "nope:id:", home=home)
    assert result.exit_code == 2
    assert result.output.strip() == "error: No event with id 'nope:id:'."


def test_ids_are_never_read_as_markup_or_emoji(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = run(tmp_path, monkeypatch, "events", "--provider", "calcom", home=home)
    assert "x:id:" in listed.output
    shown = run(tmp_path, monkeypatch, "events", "show", "x:id:", home=home)
    assert "x:id:" in shown.output and '":id:"' in shown.output
    replayed = run(tmp_path, monkeypatch, "replay", "x:id:", "[red]y[/red]", home=home)
    assert "x:id:: it is pending, not finished" in replayed.output
    assert "[red]y[/red]" in replayed.output
    assert "🆔" not in listed.output + shown.output + replayed.output


@pytest.mark.parametrize("command", [["events"], ["replay", "--failed"], ["events", "show", "a"]])
def test_no_data_folder_is_said_not_made(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(elsewhere, monkeypatch, *command, home=None)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: no notionhub data in {elsewhere / '.notionhub'} (NOTIONHUB_HOME); run from the"
        " folder you ran `make run` in, or set NOTIONHUB_HOME"
    )
    assert list(elsewhere.iterdir()) == []


def test_notionhub_home_finds_the_data_from_any_folder(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(elsewhere, monkeypatch, "events", "--json", home=home)
    assert len(json.loads(result.output)) == 3
    assert list(elsewhere.iterdir()) == []


def test_dotenv_of_the_home_is_read_when_the_working_folder_has_none(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / ".env").write_text("NOTIONHUB_HOME=/nowhere\nSERVER_PORT=abc\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(elsewhere, monkeypatch, "events", home=home)
    # SERVER_PORT=abc was read from $NOTIONHUB_HOME/.env (the program says it in one line)
    assert isinstance(result.exception, ValidationError)
    assert "server_port" in str(result.exception)
    (elsewhere / ".env").write_text("SERVER_PORT=8001\n")
    assert run(elsewhere, monkeypatch, "events", home=home).exit_code == 0


def test_parse_since() -> None:
    now = 1_000_000.0
    assert parse_since("90m", now) == now - 5400
    assert parse_since("2d", now) == now - 172800
    assert parse_since("2026-12-01", now) == datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    with pytest.raises(ValueError, match="--since 'soon'"):
        parse_since("soon", now)


def test_redaction_and_page_links() -> None:
    assert redact_payload({"a": [{"webhook_secret": "s", "x": 1}], "token": ""}) == {
        "a": [{"webhook_secret": "•••", "x": 1}],
        "token": "",
    }
    history = [{"kind": "processed", "notion_requests": [f"pages.update ok /v1/pages/{PAGE_ID}"]}]
    assert notion_pages(history, real_notion=True) == [
        {"id": PAGE_ID, "url": "https://www.notion.so/" + PAGE_ID.replace("-", "")}
    ]


def test_the_cli_knows_the_stores_statuses() -> None:
    assert CLI_STATUSES == STATUSES

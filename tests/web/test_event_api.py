"""The event API over HTTP never answers 500: whatever ingest accepts, it can show; what it could
not show is refused at ingest (400, logged); query values out of range are 422; a GET of
``…/replay`` is not an event lookup; rejections are logged under the provider's name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notionhub.ingest.payload_limits import MAX_NESTING
from notionhub.packs.coaching import PACK as COACHING
from notionhub.packs.echo import PACK as ECHO
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from tests.hub_server import Hub, serve_hub
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.signing import STRIPE_SECRET, stripe_headers

KEY = "internal-key"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor) -> Iterator[Hub]:
    """One hub for the module: tests use ids of their own, and none waits for processing."""
    settings = hub_settings(
        tmp_path_factory.mktemp("hub") / ".notionhub",
        stripe_webhook_secret=STRIPE_SECRET,
        internal_api_key=KEY,
    )
    runtime = Runtime(settings, processor, packs=[ECHO, COACHING], schedule=FAST_SCHEDULE)
    with serve_hub(runtime, bearer=KEY) as client:
        yield client


def stripe_body(event_id: str, data: Any) -> bytes:
    payload = {"id": event_id, "type": "x.y", "created": 1_764_000_000, "data": data}
    return json.dumps(payload).encode()


def post_stripe(hub: Hub, body: bytes) -> tuple[int, dict[str, Any]]:
    answer = hub.post("/hooks/stripe", content=body, headers=stripe_headers(body))
    return answer.status_code, answer.json()


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("surrogate", {"s": "A\ud800B"}, "lone UTF-16 surrogate"),
        ("deep", nested(800), f"more than {MAX_NESTING} levels"),
        ("deep65", nested(MAX_NESTING), f"more than {MAX_NESTING} levels"),
    ],
)
def test_what_the_event_api_could_not_show_is_refused_at_ingest(
    hub: Hub, name: str, data: Any, match: str
) -> None:
    body = stripe_body(f"evt_{name}", data)  # json.dumps writes the surrogate as \ud800
    with structlog.testing.capture_logs() as logs:
        status, answer = post_stripe(hub, body)
    assert status == 400
    assert answer["error"] == "payload_rejected"
    assert match in answer["message"]
    [line] = [entry for entry in logs if entry["event"] == "webhook_rejected"]
    assert (line["provider"], line["status"]) == ("stripe", 400)
    missing = hub.get(f"/api/events/stripe:evt_{name}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"


def test_the_deepest_accepted_body_is_shown(hub: Hub) -> None:
    data = {"deep": nested(MAX_NESTING - 2)}  # the event object and "data" are two levels more
    assert post_stripe(hub, stripe_body("evt_deepest", data))[0] == 202
    shown = hub.get("/api/events/stripe:evt_deepest")
    assert shown.status_code == 200
    assert shown.json()["data"]["data"] == data


# Any JSON a form's backend may post, lone surrogates included (as "\ud800" escapes).
_texts = st.text(
    st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=8
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=True)
    | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.dictionaries(_texts, _json, max_size=4), depth=st.integers(0, 300))
def test_any_json_ingest_accepts_is_shown_by_the_event_api(
    hub: Hub, fields: dict[str, Any], depth: int
) -> None:
    """Accepted (202) means the event API shows it back as posted; else a 400, never a 500."""
    body = json.dumps({"form": "property", "fields": {**fields, "deep": nested(depth)}})
    posted = hub.post("/api/forms/submit", content=body.encode())
    assert posted.status_code in (202, 400), posted.text
    if posted.status_code == 400:
        assert posted.json()["error"] == "payload_rejected"
        return
    shown = hub.get(f"/api/events/{posted.json()['event_id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["data"] == json.loads(body)


@pytest.mark.parametrize("before", ["9223372036854775808", "-1", "0", "1e3", "x"])
def test_a_page_mark_out_of_range_is_422(hub: Hub, before: str) -> None:
    answer = hub.get("/api/events", params={"before": before})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/json"


def test_the_largest_page_mark_pages_back_from_the_end(hub: Hub) -> None:
    answer = hub.get("/api/events", params={"before": str(2**63 - 1)})
    assert answer.status_code == 200


def test_a_get_of_replay_is_not_an_event_lookup(hub: Hub) -> None:
    assert post_stripe(hub, stripe_body("evt_replayed", {}))[0] == 202
    answer = hub.get("/api/events/stripe:evt_replayed/replay")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert "POST /api/events/stripe:evt_replayed/replay" in answer.json()["message"]
    assert hub.get("/api/events/x/replay").status_code == 405


def test_ids_with_slashes_still_work_even_one_ending_in_replay(hub: Hub) -> None:
    for submission in ("2026/12/05", "a/replay"):
        body = json.dumps({"form": "slash", "submission_id": submission, "fields": {}})
        posted = hub.post("/api/forms/submit", content=body.encode())
        assert posted.json() == {"event_id": f"forms:slash:{submission}", "duplicate": False}
        shown = hub.get(f"/api/events/forms:slash:{submission}")
        assert (shown.status_code, shown.json()["id"]) == (200, f"forms:slash:{submission}")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x85"])
def test_an_event_id_with_a_control_character_is_refused(hub: Hub, char: str) -> None:
    status, answer = post_stripe(hub, stripe_body(f"evt_ctl{char}", {}))
    assert status == 400
    assert f"U+{ord(char):04X}" in answer["message"]
    body = json.dumps({"form": "ctl", "submission_id": f"s{char}", "fields": {}})
    assert hub.post("/api/forms/submit", content=body.encode()).status_code == 400
    assert hub.get("/api/events/forms:ctl:s%00").status_code == 404


@pytest.mark.parametrize(
    ("path", "provider"),
    [
        ("/api/forms/submit", "forms"),
        ("/api/notion/notion-handler", "coaching-app"),
        ("/webhooks/typeform", "typeform"),
        ("/hooks/typeform", "typeform"),
        ("/hooks/no-such-provider", "unknown"),
    ],
)
def test_rejections_are_logged_under_the_provider_name(hub: Hub, path: str, provider: str) -> None:
    with structlog.testing.capture_logs() as logs:
        answer = hub.post(path, content=b"{}", headers={"Authorization": "Bearer wrong"})
    assert answer.status_code in (401, 404, 503)
    [line] = [entry for entry in logs if entry["event"] == "webhook_rejected"]
    assert line["provider"] == provider

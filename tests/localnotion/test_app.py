"""Auth, headers, error objects and the admin endpoints, over HTTP."""

from __future__ import annotations

import httpx
import pytest
from notion_client import APIResponseError, Client

from tests.conftest import RunningServer, start_server

HEADERS = {"Authorization": "Bearer local-notion-token", "Notion-Version": "2025-09-03"}


def test_missing_token_is_401_unauthorized(notion_server: RunningServer) -> None:
    answer = httpx.get(
        f"{notion_server.base_url}/v1/users/me", headers={"Notion-Version": "2025-09-03"}
    )
    assert answer.status_code == 401
    body = answer.json()
    assert body["object"] == "error"
    assert body["code"] == "unauthorized"
    assert body["status"] == 401
    assert body["message"]


def test_wrong_token_is_401_through_notion_client(notion_server: RunningServer) -> None:
    client = Client(auth="not-the-token", base_url=notion_server.base_url, retry=False)
    with pytest.raises(APIResponseError) as raised:
        client.users.me()
    client.close()
    assert raised.value.code == "unauthorized"
    assert raised.value.status == 401


def test_missing_version_is_400_missing_version(notion_server: RunningServer) -> None:
    answer = httpx.get(
        f"{notion_server.base_url}/v1/users/me",
        headers={"Authorization": "Bearer local-notion-token"},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "missing_version"


@pytest.mark.parametrize("version", ["2022-06-28", "2026-03-11", "latest", ""])
def test_a_version_this_server_does_not_speak_is_400(
    notion_server: RunningServer, version: str
) -> None:
    answer = httpx.get(
        f"{notion_server.base_url}/v1/users/me", headers={**HEADERS, "Notion-Version": version}
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "validation_error"
    assert "speaks `2025-09-03` only" in body["message"]
    assert f"instead was `{version}`" in body["message"]


def test_unknown_route_is_invalid_request_url(notion_server: RunningServer) -> None:
    answer = httpx.get(f"{notion_server.base_url}/v1/nothing-here", headers=HEADERS)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request_url"


def test_body_that_is_not_json_is_invalid_json(notion_server: RunningServer) -> None:
    answer = httpx.post(
        f"{notion_server.base_url}/v1/search", headers=HEADERS, content=b"{not json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_json"


def test_body_over_500_kb_is_refused(notion_server: RunningServer) -> None:
    big = b'{"query": "' + b"x" * (500 * 1024) + b'"}'
    answer = httpx.post(f"{notion_server.base_url}/v1/search", headers=HEADERS, content=big)
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert "too large" in answer.json()["message"]


def test_unknown_id_is_404_object_not_found(notion: Client) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.retrieve(page_id="00000000-0000-4000-8000-000000000000")
    assert raised.value.status == 404
    assert raised.value.code == "object_not_found"


def test_malformed_id_is_validation_error(notion: Client) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.retrieve(page_id="not-a-uuid")
    assert raised.value.code == "validation_error"
    assert "page_id" in str(raised.value)


def test_stats_count_requests_by_route(notion_server: RunningServer, notion: Client) -> None:
    notion_server.admin("POST", "/_admin/reset-stats")
    notion.users.me()
    notion.users.me()
    notion.search(query="x")
    stats = notion_server.admin("GET", "/_admin/stats").json()
    assert stats["by_route"] == {"GET /v1/users/me": 2, "POST /v1/search": 1}
    assert stats["total"] == 3
    assert stats["by_status"] == {"200": 3}
    logged = notion_server.admin("GET", "/_admin/stats?log=1").json()["requests"]
    assert [entry["route"] for entry in logged] == [
        "GET /v1/users/me",
        "GET /v1/users/me",
        "POST /v1/search",
    ]


def test_the_request_log_keeps_when_a_request_arrived_not_when_it_was_answered(
    notion_server: RunningServer,
) -> None:
    """A slow answer (the ``timeout`` fault waits before serving) is logged at its arrival: the
    request sent after it was answered arrived at least that wait later."""
    slow = 0.5
    notion_server.admin("POST", "/_admin/reset-stats")
    notion_server.admin("POST", "/_admin/faults", {"timeout": 1.0, "slow_seconds": slow})
    try:
        held = httpx.get(f"{notion_server.base_url}/v1/users/me", headers=HEADERS)
    finally:
        notion_server.admin("POST", "/_admin/faults", {})
    after = httpx.get(f"{notion_server.base_url}/v1/users/me", headers=HEADERS)
    assert held.status_code == after.status_code == 200
    first, second = notion_server.admin("GET", "/_admin/stats?log=1").json()["requests"]
    # Causal order, not a timing: the server held the first request ``slow`` seconds after it
    # arrived, and the second was sent once the first was answered.
    assert second["time"] - first["time"] >= slow


def test_injected_faults_follow_the_seed(notion_server: RunningServer, notion: Client) -> None:
    def run() -> list[int]:
        plan = {"rate_limited": 0.3, "server_error": 0.3, "seed": 7, "retry_after": 2}
        assert notion_server.admin("POST", "/_admin/faults", plan).status_code == 200
        statuses = []
        for _ in range(40):
            answer = httpx.get(f"{notion_server.base_url}/v1/users/me", headers=HEADERS)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert answer.headers["Retry-After"] == "2"
                assert answer.json()["code"] == "rate_limited"
        return statuses

    try:
        first, second = run(), run()
    finally:
        notion_server.admin("POST", "/_admin/faults", {})
    assert first == second
    assert {429, 200} <= set(first)
    assert set(first) <= {200, 429, 500, 503}
    assert 500 in first or 503 in first


def test_fault_shares_are_validated(notion_server: RunningServer) -> None:
    answer = notion_server.admin("POST", "/_admin/faults", {"rate_limited": 2})
    assert answer.status_code == 400
    assert "rate_limited" in answer.json()["message"]


@pytest.mark.parametrize(
    ("body", "named"),
    [({"rate": "fast"}, "rate"), ({"rate": 1, "burst": 1.5}, "burst"), ({"rate": -1}, "rate")],
)
def test_rate_limit_settings_are_validated(
    notion_server: RunningServer, body: dict[str, object], named: str
) -> None:
    answer = notion_server.admin("POST", "/_admin/rate-limit", body)
    assert answer.status_code == 400
    error = answer.json()
    assert (error["object"], error["status"], error["code"]) == ("error", 400, "validation_error")
    assert named in error["message"]
    assert error["request_id"]
    assert notion_server.admin("POST", "/_admin/rate-limit", {"rate": None}).status_code == 200


def test_rate_limit_answers_429_with_retry_after(tmp_path: object) -> None:
    from pathlib import Path

    server = start_server(Path(str(tmp_path)), rate_limit=0.1, rate_burst=2)
    try:
        statuses = [httpx.get(f"{server.base_url}/v1/users/me", headers=HEADERS) for _ in range(4)]
    finally:
        server.stop()
    assert [s.status_code for s in statuses[:2]] == [200, 200]
    limited = [s for s in statuses if s.status_code == 429]
    assert limited
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json()["additional_data"]["rate_limit_reason"] == "integration_rate_limit"

"""Fuzzing the local Notion server with schemathesis over Notion's own OpenAPI description.

Every operation of ``notion-openapi.json`` (see README.md here) is called with generated
requests, valid and invalid (schemathesis' positive and negative modes), over HTTP on a server of
its own. Half of them name objects that exist (a page, a block, a data source of every common
property type), so bodies reach the validation behind the ids, not only the 404.

The property: no 5xx and no hang (every request has a client timeout, a guard rather than a
measure); every refusal is Notion's error object with one of the statuses and codes Notion
documents; every success is a JSON object.

``NOTIONHUB_FUZZ_EXAMPLES`` sets the examples per operation (default a few, so the file runs in
well under a minute in the suite; ``make soak`` sets more).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.config import SchemathesisConfig

from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN
from tests.conftest import RunningServer, start_server
from tests.localnotion.conftest import CRM_PROPERTIES, title

SPEC = Path(__file__).with_name("notion-openapi.json")
EXAMPLES = int(os.environ.get("NOTIONHUB_FUZZ_EXAMPLES", "8"))
CALL_TIMEOUT = 30.0  # seconds; a guard against a hang, not a measure
HEADERS = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": API_VERSION}

DOCUMENTED_ERRORS = {
    400: {"invalid_json", "invalid_request_url", "invalid_request", "validation_error"}
    | {"missing_version"},
    401: {"unauthorized"},
    403: {"restricted_resource"},
    404: {"object_not_found"},
    409: {"conflict_error"},
    429: {"rate_limited"},
}
"""Notion's documented error statuses and codes (developers.notion.com/reference/status-codes),
5xx left out: none is an acceptable answer to anything a client sends."""


def _config() -> SchemathesisConfig:
    config = SchemathesisConfig()
    config.projects.default.generation.update(max_examples=EXAMPLES)
    # Fuzzing only: the coverage phase's boundary cases are unbounded per operation, and the
    # spec's few examples cannot be combined with drawing whether ids are real (``given``).
    config.projects.default.phases.update(phases=["fuzzing"])
    return config


_STRING_OPERATORS = ["equals", "does_not_equal", "contains", "does_not_contain"]
_TEXT_CONDITION = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        **{name: {"type": "string"} for name in [*_STRING_OPERATORS, "starts_with", "ends_with"]},
        "is_empty": {"const": True},
    },
}
_NUMBER_CONDITION = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        name: {"type": "number"}
        for name in ["equals", "does_not_equal", "greater_than", "less_than_or_equal_to"]
    },
}
_CHECKBOX_CONDITION = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {"equals": {"type": "boolean"}, "does_not_equal": {"type": "boolean"}},
}
_DATE_CONDITION = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        **{name: {"type": "string"} for name in ["equals", "before", "on_or_after"]},
        "past_week": {"type": "object", "maxProperties": 0},
        "is_empty": {"const": True},
    },
}


def _property_filter(names: list[str], kind: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["property", kind],
        "additionalProperties": False,
        "properties": {"property": {"enum": names}, kind: condition},
    }


_LEAF = {
    "anyOf": [
        _property_filter(["Name"], "title", _TEXT_CONDITION),
        _property_filter(["Notes"], "rich_text", _TEXT_CONDITION),
        _property_filter(["Email"], "email", _TEXT_CONDITION),
        _property_filter(["Price"], "number", _NUMBER_CONDITION),
        _property_filter(["Due"], "date", _DATE_CONDITION),
        _property_filter(["Done"], "checkbox", _CHECKBOX_CONDITION),
        _property_filter(["Stage"], "select", _TEXT_CONDITION),
        _property_filter(["Tags"], "multi_select", _TEXT_CONDITION),
        _property_filter(["Nope"], "title", _TEXT_CONDITION),
        {
            "type": "object",
            "required": ["timestamp", "created_time"],
            "properties": {
                "timestamp": {"const": "created_time"},
                "created_time": _DATE_CONDITION,
            },
        },
    ]
}


def _compound(items: dict[str, Any]) -> dict[str, Any]:
    return {
        "anyOf": [
            {
                "type": "object",
                "required": [key],
                "additionalProperties": False,
                "properties": {key: {"type": "array", "items": items}},
            }
            for key in ("and", "or")
        ]
    }


FILTER_SCHEMA = {"anyOf": [_LEAF, _compound({"anyOf": [_LEAF, _compound(_LEAF)]})]}
"""Notion's filter grammar (developers.notion.com/reference/filter-data-source-entries) over
the properties of the fuzzed data source (``CRM_PROPERTIES``), in place of the spec's bare
``{"type": "object"}``: generated filters then reach the planner and the filter engine."""


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC.read_text())
    query = spec["paths"]["/v1/data_sources/{data_source_id}/query"]["post"]
    body = query["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["filter"] = FILTER_SCHEMA
    return spec


schema = schemathesis.openapi.from_dict(_spec(), config=_config())


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own: fuzzed writes must not touch the session's shared workspace."""
    running = start_server(tmp_path_factory.mktemp("fuzzed-notion"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def real_ids(fuzzed_server: RunningServer) -> dict[str, str]:
    """Ids of existing objects, by the path parameter names of the spec."""
    with httpx.Client(base_url=fuzzed_server.base_url, headers=HEADERS, timeout=30) as client:
        found = client.post("/v1/search", json={"filter": {"property": "object", "value": "page"}})
        root = found.json()["results"][0]["id"]
        db = client.post(
            "/v1/databases",
            json={
                "parent": {"type": "page_id", "page_id": root},
                "title": title("Fuzzed"),
                "initial_data_source": {"properties": CRM_PROPERTIES},
            },
        ).json()
        data_source_id = db["data_sources"][0]["id"]
        page = client.post(
            "/v1/pages",
            json={
                "parent": {"type": "data_source_id", "data_source_id": data_source_id},
                "properties": {"Name": {"title": title("Ada")}, "Price": {"number": 3}},
            },
        ).json()
        block = client.patch(
            f"/v1/blocks/{page['id']}/children",
            json={"children": [{"paragraph": {"rich_text": title("hello")}}]},
        ).json()["results"][0]
        bot = client.get("/v1/users/me").json()
    return {
        "page_id": page["id"],
        "block_id": block["id"],
        "data_source_id": data_source_id,
        "database_id": db["id"],
        "user_id": bot["id"],
        "property_id": "title",
    }


@schema.parametrize()
@schema.given(use_real_ids=st.booleans())
@settings(
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_5xx_or_an_undocumented_error(
    case: Case, use_real_ids: bool, fuzzed_server: RunningServer, real_ids: dict[str, str]
) -> None:
    if use_real_ids and case.path_parameters:
        case.path_parameters = {
            name: real_ids.get(name, value) for name, value in case.path_parameters.items()
        }
    response = case.call(base_url=fuzzed_server.base_url, headers=HEADERS, timeout=CALL_TIMEOUT)
    shown = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    assert response.status_code < 500, shown
    body = _json(response.content, shown)
    assert isinstance(body, dict), shown
    if response.status_code == 200:
        return
    assert body.get("object") == "error", shown
    assert body.get("status") == response.status_code, shown
    assert body.get("code") in DOCUMENTED_ERRORS.get(response.status_code, ()), shown
    assert isinstance(body.get("message"), str) and body["message"], shown


def _json(content: bytes, shown: str) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        pytest.fail(f"not JSON: {shown}")

"""The hub's OpenAPI description tells the truth: schemathesis calls every operation it lists,
on a hub served on a port, with and without an operator key (INTERNAL_API_KEY), and checks that
no answer is a 5xx and that each answer's status code, content type and body are documented
(with a stored key of each role: ``test_openapi_fuzz_roles.py``).

Bounded so the file runs in seconds: ``NOTIONHUB_FUZZ_EXAMPLES`` (default 8) examples per
operation and phase; set it higher for a long run (``NOTIONHUB_FUZZ_EXAMPLES=500``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from notionhub.ingest.registry import HOOK_PROVIDERS
from notionhub.packs.echo import PACK as ECHO
from notionhub.packs.enterprise import PACK as ENTERPRISE
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from tests.hub_server import Hub, serve_hub
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.signing import STRIPE_SECRET, stripe_event, stripe_headers

KEY = "fuzz-internal-key"
EXAMPLES = int(os.environ.get("NOTIONHUB_FUZZ_EXAMPLES", "8"))
# Every provider's secret is set, so that a 503 can only mean a fault. (Without an operator key
# the forms endpoint answers 503 by contract: INTERNAL_API_KEY is its secret.)
SECRETS = {
    "stripe_webhook_secret": STRIPE_SECRET,
    "calcom_webhook_secret": "calcom-fuzz",
    "zoom_webhook_secret_token": "zoom-fuzz",
    "typeform_webhook_secret": "typeform-fuzz",
    "woocommerce_webhook_secret": "woo-fuzz",
    "hubspot_client_secret": "hubspot-fuzz",
    "amelia_webhook_secret": "amelia-fuzz",
    "beehiiv_webhook_secret": "beehiiv-fuzz",
    "circle_webhook_secret": "circle-fuzz",
}


def no_server_error(_ctx: object, response: Response, case: schemathesis.Case) -> bool | None:
    """No 5xx, except the documented 503 of a provider whose secret is deliberately unset."""
    if response.status_code < 500:
        return None
    unset = response.status_code == 503 and b"secret_not_configured" in response.content
    assert unset, f"{case.operation.label} answered {response.status_code}: {response.text}"
    return None


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", params=["operator key", "no key"])
def hub(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    processor: EventProcessor,
) -> Iterator[Hub]:
    """A hub with the echo and enterprise packs and Stripe configured; with INTERNAL_API_KEY, or
    without one (the event API then serves this machine only, the forms endpoint answers 503)."""
    key = KEY if request.param == "operator key" else None
    yield from served_hub(tmp_path_factory, processor, key)


def served_hub(
    tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor, key: str | None
) -> Iterator[Hub]:
    home: Path = tmp_path_factory.mktemp("fuzz") / ".notionhub"
    settings_ = hub_settings(home, internal_api_key=key, **SECRETS)
    packs = [ECHO, ENTERPRISE]
    runtime = Runtime(settings_, processor, packs=packs, schedule=FAST_SCHEDULE)
    with serve_hub(runtime, bearer=key) as client:
        yield client


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_is_documented_and_none_is_a_server_error(
    hub: Hub, mode: GenerationMode
) -> None:
    """Each operation of /openapi.json, ``EXAMPLES`` generated requests (valid ones, then ones
    that break the schema); every failing operation is reported, not only the first."""
    headers = {"Authorization": f"Bearer {KEY}"} if "Authorization" in hub.headers else {}
    fuzz(hub, mode, headers)


def fuzz(hub: Hub, mode: GenerationMode, headers: dict[str, str]) -> None:
    api = schemathesis.openapi.from_url(f"{hub.base_url}/openapi.json")
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 10
    seeded = _seed_events(hub)

    for operation in operations:
        # Random path values mostly name nothing (404): real providers and stored events too.
        known = {"provider": list(HOOK_PROVIDERS), "event_id": seeded}
        named = [
            operation.as_strategy(generation_mode=mode, path_parameters={name: value})
            for name, values in known.items()
            if "{" + name + "}" in operation.path
            for value in values
        ]

        @given(case=st.one_of(operation.as_strategy(generation_mode=mode), *named))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

        try:
            call()
        except Unsatisfiable:
            continue  # nothing in the operation can break its schema (no parameters, any body)
        except (Exception, BaseExceptionGroup) as error:  # collected, reported together below
            failures[operation.label] = _describe(error)
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def _describe(error: BaseException) -> str:
    """The failure's own text (a flaky-failure group wraps it: the hub's state moved on)."""
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}"[:3000]


def _seed_events(hub: Hub) -> list[str]:
    """Store two events (ids with ':' and '/'), for the event API's operations to find."""
    body = stripe_event(1, "fuzz@example.com").replace(b"evt_test_000001", b"evt_fuzz/1")
    stripe = hub.post("/hooks/stripe", content=body, headers=stripe_headers(body))
    assert stripe.status_code == 202, stripe.text
    ids = [stripe.json()["event_id"]]
    if "Authorization" in hub.headers:
        form = {"form": "fuzz", "submission_id": "2026/12/06", "fields": {}}
        submitted = hub.post("/api/forms/submit", json=form)
        assert submitted.status_code == 202, submitted.text
        ids.append(submitted.json()["event_id"])
    return ids

"""The hub's OpenAPI description with a stored key of each role (docs/roles.md): valid requests
to every operation; what a role may not do is a documented 403, never a 5xx or an undocumented
answer. (Its own module: the hub of ``test_openapi_fuzz.py`` is stopped before this one starts,
as one process runs one DBOS processor.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from schemathesis import GenerationMode

from notionhub.hubdb.api_keys import ApiKeys
from notionhub.queue.processor import EventProcessor
from notionhub.roles import Role
from tests.hub_server import Hub
from tests.web.test_openapi_fuzz import KEY, fuzz, served_hub


@pytest.fixture(scope="module")
def role_keys(
    tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor
) -> Iterator[tuple[Hub, dict[Role, str]]]:
    """A hub with INTERNAL_API_KEY and a stored key of each role."""
    for hub in served_hub(tmp_path_factory, processor, KEY):
        assert hub.runtime.store is not None
        keys = ApiKeys(hub.runtime.store.engine)
        yield hub, {role: keys.add(f"fuzz-{role.value}", role.value) for role in Role}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_s_answers_are_documented(
    role_keys: tuple[Hub, dict[Role, str]], role: Role
) -> None:
    hub, keys = role_keys
    fuzz(hub, GenerationMode.POSITIVE, {"Authorization": f"Bearer {keys[role]}"})

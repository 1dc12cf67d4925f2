"""Who a request acts as holds for that request alone, with many requests in flight at once."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from notionhub.localnotion.app import DEFAULT_TOKEN, LocalNotionConfig, ServerState, create_app
from notionhub.localnotion.in_process import InProcessTransport
from tests.localnotion.conftest import title
from tests.localnotion.webhooks.conftest import PERSON_TOKEN

HEADERS = {"Notion-Version": "2025-09-03"}
PAGES_EACH = 25


def test_person_and_bot_requests_in_flight_together_each_write_as_their_own_user(
    tmp_path: Path,
) -> None:
    app = create_app(LocalNotionConfig(data_dir=tmp_path, person_tokens=(PERSON_TOKEN,)))
    state: ServerState = app.state.notion
    ws = state.workspace
    # Threads sending through one in-process transport, as the hub's do: their requests
    # interleave on the transport's event loop.
    transport = InProcessTransport(app)
    clients = {
        token: httpx.Client(
            transport=transport,
            base_url="http://local",
            headers={**HEADERS, "Authorization": f"Bearer {token}"},
        )
        for token in (DEFAULT_TOKEN, PERSON_TOKEN)
    }
    expected = {DEFAULT_TOKEN: ws.bot_id, PERSON_TOKEN: ws.person_id}
    wrong: list[tuple[str, str]] = []

    def write(token: str) -> None:
        for n in range(PAGES_EACH):
            body = {"parent": {"page_id": ws.root_page_id}, "properties": {"title": title(str(n))}}
            answer = clients[token].post("/v1/pages", json=body)
            answer.raise_for_status()
            page = answer.json()
            if {page["created_by"]["id"], page["last_edited_by"]["id"]} != {expected[token]}:
                wrong.append((token, page["created_by"]["id"]))

    threads = [threading.Thread(target=write, args=(token,)) for token in [*clients] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    transport.close()
    assert state.webhooks is not None
    state.webhooks.close()
    assert wrong == []
    assert ws.person_id != ws.bot_id
    person = ws.user(ws.person_id)
    assert person is not None and person["name"] == "Workspace Owner"

"""The workflows page with the network pack enabled: instances listed, filtered, and one
shown with its history."""

from __future__ import annotations

import httpx

from tests.web.console.conftest import KEY, ConsoleHub


def test_network_workflows_are_listed_filtered_and_shown(console_hub: ConsoleHub) -> None:
    machines = console_hub.runtime.flow_context("network").state_machines
    first, second = sorted(machines.machines)[:2]
    machines.start(first, "console-wf-1", subject="ana@example.com")
    machines.start(second, "console-wf-2", subject="bo@example.com")
    key = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=console_hub.url, headers=key, timeout=30) as hub:
        both = hub.get("/console/workflows")
        assert both.status_code == 200
        assert "console-wf-1" in both.text and "console-wf-2" in both.text
        only = hub.get("/console/workflows", params={"workflow": first})
        assert "console-wf-1" in only.text and "console-wf-2" not in only.text
        by_contact = hub.get("/console/workflows", params={"subject": "BO@example.com"})
        assert "console-wf-2" in by_contact.text and "console-wf-1" not in by_contact.text
        one = hub.get("/console/workflows/console-wf-1")
        assert one.status_code == 200 and "started in state" in one.text
        assert hub.get("/console/workflows/no-such").status_code == 404

"""Revenue operations end to end: signed Stripe payment-intent events become Revenue Operations
rows with their client and agent, the agent's heartbeat completes the sale, the client hears of
each step through the outbox, a failed payment is Failed, and a sale waits for a free agent."""

from __future__ import annotations

from typing import Any

from tests.packs.coaching.test_hub_end_to_end import plain
from tests.packs.enterprise.conftest import EnterpriseHub


def intent(pi: str, cents: int, service: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": pi,
        "amount": cents,
        "amount_received": cents,
        "currency": "usd",
        "receipt_email": "Ana@Example.com",
        "metadata": {"service_type": service},
        **extra,
    }


def sale(hub: EnterpriseHub, pi: str) -> dict[str, Any]:
    return hub.rows("Revenue Operations", "Transaction ID")[pi]


def test_a_paid_sale_goes_to_an_agent_and_completes_with_its_heartbeat(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.beat("resume-1", status="Active", agent_type="Resume Generator", performance=0.9)
    enterprise.stripe(
        "payment_intent.succeeded", intent("pi_r1", 15000, "resume_generation"), event_id="evt_r1"
    )
    row = sale(enterprise, "pi_r1")
    assert plain(row, "Status") == "Processing"
    assert plain(row, "Service Type") == "Resume Generation"
    assert row["properties"]["Amount"]["number"] == 150.0
    [client_id] = plain(row, "Client")
    client = enterprise.person.pages.retrieve(client_id)
    assert client["properties"]["Email"]["email"] == "ana@example.com"
    [agent_id] = plain(row, "Processing Agent")
    agent = enterprise.person.pages.retrieve(agent_id)
    assert plain(agent, "Agent Name") == "resume-1"

    config = enterprise.client.get("/api/agents/resume-1/config").json()
    assert [(a["id"], a["kind"]) for a in config["assignments"]] == [("service:pi_r1", "service")]
    # A redelivery of the payment is the same event: no second assignment.
    enterprise.stripe(
        "payment_intent.succeeded", intent("pi_r1", 15000, "resume_generation"), event_id="evt_r1"
    )
    assert len(enterprise.client.get("/api/agents/resume-1/config").json()["assignments"]) == 1

    done = enterprise.beat("resume-1", status="Active", completed=["service:pi_r1", "nope"])
    assert done["completed"] == ["service:pi_r1"]
    enterprise.collect()
    row = sale(enterprise, "pi_r1")
    assert plain(row, "Status") == "Completed"
    assert row["properties"]["Completed"]["date"]["start"]
    assert enterprise.client.get("/api/agents/resume-1/config").json()["assignments"] == []
    outbox = enterprise.client.get("/api/enterprise/outbox").json()["notifications"]
    mine = {n["template"]: n for n in outbox if n["id"].endswith(":pi_r1")}
    assert set(mine) == {"payment_received", "service_delivered"}
    assert mine["service_delivered"]["to"] == "ana@example.com"
    assert "150.00 USD" in mine["payment_received"]["body"]


def test_a_failed_payment_is_failed_and_the_client_is_told(enterprise: EnterpriseHub) -> None:
    enterprise.stripe(
        "payment_intent.payment_failed",
        intent(
            "pi_r2",
            9900,
            "AI Consultation",
            last_payment_error={"message": "Your card was declined."},
        ),
        event_id="evt_r2",
    )
    row = sale(enterprise, "pi_r2")
    assert plain(row, "Status") == "Failed"
    assert plain(row, "Details") == "Your card was declined."
    assert plain(row, "Processing Agent") == []
    outbox = enterprise.client.get("/api/enterprise/outbox").json()["notifications"]
    [failed] = [n for n in outbox if n["id"] == "payment_failed:pi_r2"]
    assert "Your card was declined." in failed["body"]


def test_a_sale_no_agent_can_take_waits_until_one_is_active(enterprise: EnterpriseHub) -> None:
    enterprise.stripe(
        "payment_intent.succeeded",
        intent("pi_r3", 50000, "trading-signals", description="Signals, monthly"),
        event_id="evt_r3",
    )
    assert plain(sale(enterprise, "pi_r3"), "Processing Agent") == []
    enterprise.beat("trader-9", status="Active", agent_type="Trading Agent")
    enterprise.collect()
    [agent_id] = plain(sale(enterprise, "pi_r3"), "Processing Agent")
    assert plain(enterprise.person.pages.retrieve(agent_id), "Agent Name") == "trader-9"
    config = enterprise.client.get("/api/agents/trader-9/config").json()
    assert [a["reference"] for a in config["assignments"]] == ["pi_r3"]


def test_a_sale_without_a_service_type_says_why_no_agent_takes_it(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.stripe(
        "payment_intent.succeeded", intent("pi_r4", 1000, "gardening"), event_id="evt_r4"
    )
    row = sale(enterprise, "pi_r4")
    assert (plain(row, "Status"), plain(row, "Service Type")) == ("Processing", None)
    assert plain(row, "Details").startswith("No service type: set the payment intent's")
    assert plain(row, "Processing Agent") == []

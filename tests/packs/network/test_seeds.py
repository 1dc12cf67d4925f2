"""The libraries and registries the network pack writes at start: what is there, that a start
again writes nothing, and that people's edits to the libraries are kept."""

from __future__ import annotations

from notionhub.packs.network import AGENTS
from notionhub.packs.network import PACK as NETWORK
from notionhub.packs.network.machines import MACHINES
from notionhub.packs.network.models import (
    AgentEntry,
    BusinessEntity,
    CommunicationPattern,
    Integration,
    NotificationTemplate,
    Transformation,
    UseCase,
    WorkflowDefinition,
)
from tests.packs.network.conftest import Network


def test_the_libraries_and_registries_are_written(network: Network) -> None:
    workflows = {row.workflow_id: row for row in network.rows(WorkflowDefinition)}
    assert set(workflows) == {machine.name for machine in MACHINES}
    lead = workflows["lead-nurture"]
    assert lead.states.startswith("New (start), Contacted")
    assert "converted: New / Contacted / Qualified → Converted" in lead.transitions
    assert lead.task_templates.startswith("New | Follow up with {name} | Sales | 2 | contacted")

    agents = {row.agent: row for row in network.rows(AgentEntry)}
    assert set(agents) == {agent.name for agent in AGENTS}
    assert len(agents) == 7
    assert "typeform:form_response" in agents["lead-capture"].handles
    assert "Contacts & Profiles" in agents["lead-capture"].writes

    assert {row.name for row in network.rows(BusinessEntity)} == {
        "Wellness Retreats", "Art Shop", "Community", "Newsletter",
    }  # fmt: skip
    assert "retreat-booking.Confirmed" in {r.template for r in network.rows(NotificationTemplate)}
    assert "Snov.io" in {row.integration for row in network.rows(Integration)}
    assert network.rows(Transformation) and network.rows(CommunicationPattern)
    use_cases = {row.use_case: row for row in network.rows(UseCase)}
    assert use_cases["Sell art"].workflow == [workflows["art-sale"].page_id]


def test_starting_again_writes_nothing_and_keeps_what_people_wrote(network: Network) -> None:
    network.person_edits(
        WorkflowDefinition, "art-sale", task_templates="Paid | Wrap the painting | Studio | 1 |"
    )
    network.person_edits(NotificationTemplate, "art-sale.Paid", subject="Merci!")
    before = {
        model.__name__: network.pages(model.__database__.name)
        for model in (WorkflowDefinition, NotificationTemplate, AgentEntry, UseCase)
    }

    assert NETWORK.seed is not None
    note = NETWORK.seed(network.context())

    assert note == "0 of the libraries' rows written"
    after = {
        model.__name__: network.pages(model.__database__.name)
        for model in (WorkflowDefinition, NotificationTemplate, AgentEntry, UseCase)
    }
    assert after == before
    assert network.row(WorkflowDefinition, "art-sale").task_templates == (
        "Paid | Wrap the painting | Studio | 1 |"
    )
    assert network.row(NotificationTemplate, "art-sale.Paid").subject == "Merci!"

"""The network's workflows as declared: any sequence of events leaves an instance in a declared
state, refusals change nothing, and the task templates written in Notion are read strictly."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from notionhub.packs.network.machines import (
    MACHINES,
    WORKFLOW_TEXTS,
    describe,
    parse_task_templates,
)
from notionhub.packs.state_machine import MachineStore

EVENTS = sorted({event for machine in MACHINES for event in machine.events} | {"bogus"})
PAYLOADS = st.fixed_dictionaries(
    {},
    optional={
        "publish_at": st.sampled_from(["2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"]),
        "now": st.sampled_from(["2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z"]),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    machine_index=st.integers(0, len(MACHINES) - 1),
    steps=st.lists(st.tuples(st.sampled_from(EVENTS), PAYLOADS), max_size=12),
)
def test_random_events_never_leave_an_instance_in_an_undeclared_state(
    hub_engine: Engine,
    machine_index: int,
    steps: list[tuple[str, dict[str, str]]],
) -> None:
    machine = MACHINES[machine_index]
    store = MachineStore(hub_engine, MACHINES, clock=lambda: 0.0)
    instance_id = f"{machine.name}:{uuid.uuid4()}"  # one engine for every example
    store.start(machine.name, instance_id)
    state = machine.initial
    for number, (event, payload) in enumerate(steps):
        outcome = store.fire(instance_id, event, event_key=f"e{number}", payload=payload)
        assert outcome.to_state in machine.states
        if not outcome.accepted:
            assert outcome.to_state == state  # a refusal changes nothing
        assert outcome.from_state == state
        state = outcome.to_state
        if state in machine.final:
            assert machine.events_from(state) == ()
    stored = store.get(instance_id, with_history=True)
    assert stored is not None and stored.state == state
    assert len(stored.history) == len(steps) + 1


def test_every_default_template_names_a_state_and_event_of_its_workflow() -> None:
    machines = {machine.name: machine for machine in MACHINES}
    for text in WORKFLOW_TEXTS:
        machine = machines[text.workflow_id]
        templates, problems = parse_task_templates(text.task_templates)
        assert problems == []
        assert templates
        for template in templates:
            assert template.state in machine.states
            assert not template.on_done or template.on_done in machine.events


def test_a_template_line_that_cannot_be_read_is_named_not_guessed() -> None:
    templates, problems = parse_task_templates(
        "New | Call {name} | Sales | 2 | contacted\n"
        "just some words\n"
        "New | Email | Sales | soon |\n"
        "# a comment\n"
        "Qualified | Offer | Sales | 1 | | extra"
    )
    assert [t.title for t in templates] == ["Call {name}"]
    assert problems == [
        "line 2: write 'State | Task | Assignee | due in days | event when Done'",
        "line 3: due in days should be a whole number, not 'soon'",
        "line 5: write 'State | Task | Assignee | due in days | event when Done'",
    ]


@given(st.text(max_size=300))
def test_reading_templates_never_raises(text: str) -> None:
    templates, problems = parse_task_templates(text)
    assert all(t.state and t.title and t.due_in_days >= 0 for t in templates)
    assert all(problem.startswith("line ") for problem in problems)


def test_the_library_describes_each_workflow_from_its_declaration() -> None:
    states, transitions = describe(MACHINES[3])
    assert states == "Idea (start), Draft, Review, Scheduled, Published (end)"
    assert "scheduled: Review → Scheduled (refused when it has no Publish At date)" in transitions

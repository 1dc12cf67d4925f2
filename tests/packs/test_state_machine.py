"""Declared state machines with their instances in the hub database (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from notionhub.errors import StateMachineError
from notionhub.packs.state_machine import MachineStore, StateMachine, Transition


def merge(data: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, **payload}


def has_budget(_data: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    return "budget" in payload


ONBOARDING = StateMachine(
    name="onboarding",
    states=("new", "contacted", "qualified", "won", "lost"),
    initial="new",
    transitions=(
        Transition("contact", ("new",), "contacted", update=merge),
        Transition(
            "qualify",
            ("contacted",),
            "qualified",
            guard=has_budget,
            guard_description="qualify needs a budget in the payload",
            update=merge,
        ),
        Transition("win", ("qualified",), "won"),
        Transition("lose", ("*",), "lost", update=merge),
    ),
    final=("won", "lost"),
)


def ticking_clock() -> Callable[[], float]:
    ticks = itertools.count(1_000)
    return lambda: float(next(ticks))


@pytest.fixture
def store(any_hub_engine: Engine) -> MachineStore:
    return MachineStore(any_hub_engine, [ONBOARDING], clock=ticking_clock())


def test_accepted_path_is_recorded_in_order(store: MachineStore) -> None:
    started = store.start("onboarding", "jane", subject="email:jane@example.com", data={"n": 1})
    assert (started.state, started.data, started.created_at) == ("new", {"n": 1}, 1000.0)

    steps = [
        ("contact", {"channel": "email"}),
        ("qualify", {"budget": 5000}),
        ("win", {}),
    ]
    for number, (event, payload) in enumerate(steps):
        outcome = store.fire("jane", event, event_key=f"e{number}", payload=payload)
        assert outcome.accepted and not outcome.replayed, outcome.reason

    jane = store.get("jane", with_history=True)
    assert jane is not None
    assert jane.state == "won"
    assert jane.data == {"n": 1, "channel": "email", "budget": 5000}
    assert jane.updated_at > jane.created_at
    assert [(h.event_key, h.event, h.from_state, h.to_state, h.accepted) for h in jane.history] == [
        ("start", "start", None, "new", True),
        ("e0", "contact", "new", "contacted", True),
        ("e1", "qualify", "contacted", "qualified", True),
        ("e2", "win", "qualified", "won", True),
    ]
    assert [h.at for h in jane.history] == sorted(h.at for h in jane.history)
    assert store.history("jane") == list(jane.history)


def test_event_not_allowed_is_refused_and_changes_nothing(store: MachineStore) -> None:
    before = store.start("onboarding", "jane", data={"n": 1})
    outcome = store.fire("jane", "win", event_key="w", payload={"n": 2})

    assert not outcome.accepted
    assert (outcome.from_state, outcome.to_state) == ("new", "new")
    assert outcome.reason == "event 'win' is not allowed in state 'new' (allowed: contact, lose)"
    assert store.get("jane") == before
    last = store.history("jane")[-1]
    assert (last.event, last.accepted, last.reason) == ("win", False, outcome.reason)


def test_guard_refusal_gives_the_guards_description(store: MachineStore) -> None:
    store.start("onboarding", "jane")
    store.fire("jane", "contact", event_key="c")

    refused = store.fire("jane", "qualify", event_key="q1", payload={"note": "no budget"})
    assert not refused.accepted
    assert refused.reason == "refused by guard: qualify needs a budget in the payload"
    jane = store.get("jane")
    assert jane is not None and (jane.state, jane.data) == ("contacted", {})

    assert store.fire("jane", "qualify", event_key="q2", payload={"budget": 1}).accepted


def test_an_event_key_is_applied_once(store: MachineStore) -> None:
    store.start("onboarding", "jane")
    first = store.fire("jane", "contact", event_key="k", payload={"channel": "email"})
    again = store.fire("jane", "contact", event_key="k", payload={"channel": "phone"})

    assert first.accepted and not first.replayed
    assert again.replayed and again.accepted
    assert (again.from_state, again.to_state) == ("new", "contacted")
    jane = store.get("jane", with_history=True)
    assert jane is not None and jane.data == {"channel": "email"}
    assert [h.event_key for h in jane.history] == ["start", "k"]

    # A refusal is replayed as a refusal, even once the event would be allowed.
    store.fire("jane", "qualify", event_key="q", payload={})
    assert not store.fire("jane", "qualify", event_key="q", payload={"budget": 1}).accepted

    with pytest.raises(StateMachineError, match="event key 'k' was used for event 'contact'"):
        store.fire("jane", "lose", event_key="k")


def test_final_state_refuses_further_events(store: MachineStore) -> None:
    store.start("onboarding", "jane")
    assert store.fire("jane", "lose", event_key="l", payload={"why": "no reply"}).accepted
    refused = store.fire("jane", "contact", event_key="c")
    assert not refused.accepted
    assert refused.reason == (
        "event 'contact' is not allowed in state 'lost' (allowed: none; 'lost' is final)"
    )
    assert ONBOARDING.events_from("lost") == ()
    assert ONBOARDING.events_from("new") == ("contact", "lose")


def test_unknown_event_is_recorded_refused(store: MachineStore) -> None:
    store.start("onboarding", "jane")
    outcome = store.fire("jane", "teleport", event_key="t")
    assert not outcome.accepted
    assert outcome.reason == (
        "event 'teleport' is not declared by 'onboarding' (declared: contact, qualify, win, lose)"
    )
    assert store.history("jane")[-1].event == "teleport"


def test_unknown_instance_and_machine_raise(store: MachineStore) -> None:
    with pytest.raises(StateMachineError, match="no state machine instance 'ghost'"):
        store.fire("ghost", "contact", event_key="c")
    with pytest.raises(StateMachineError, match="no state machine named 'pipeline'"):
        store.start("pipeline", "p1")
    assert store.get("ghost") is None


def test_start_is_idempotent(store: MachineStore) -> None:
    first = store.start("onboarding", "jane", subject="email:jane@example.com", data={"n": 1})
    store.fire("jane", "contact", event_key="c")
    again = store.start("onboarding", "jane", subject="other", data={"n": 2})

    assert again.state == "contacted"
    assert (again.subject, again.data, again.created_at) == (first.subject, {"n": 1}, 1000.0)
    assert [h.event_key for h in store.history("jane")] == ["start", "c"]
    with pytest.raises(StateMachineError, match="reserved"):
        store.fire("jane", "contact", event_key="start")


def test_find_filters_newest_first(store: MachineStore) -> None:
    store.start("onboarding", "a", subject="email:a@example.com")
    store.start("onboarding", "b", subject="email:b@example.com")
    store.start("onboarding", "c", subject="email:a@example.com")
    store.fire("b", "contact", event_key="c")

    assert [i.instance_id for i in store.find(machine="onboarding")] == ["c", "b", "a"]
    assert [i.instance_id for i in store.find(state="new")] == ["c", "a"]
    assert [i.instance_id for i in store.find(subject="email:a@example.com")] == ["c", "a"]
    assert [i.instance_id for i in store.find(machine="onboarding", limit=1)] == ["c"]
    assert store.find(machine="pipeline") == []


def test_concurrent_events_of_one_instance_apply_one_at_a_time(store: MachineStore) -> None:
    store.start("onboarding", "jane")
    keys = [f"k{n % 4}" for n in range(8)]  # four keys, each offered by two threads
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda key: store.fire("jane", "contact", event_key=key), keys))

    fresh = [outcome for outcome in outcomes if not outcome.replayed]
    assert len(fresh) == 4  # each key applied once; its twin got the recorded outcome
    assert sum(outcome.accepted for outcome in fresh) == 1  # 'contact' leaves 'new' only once
    assert len(store.history("jane")) == 5


@pytest.mark.parametrize(
    ("transitions", "final", "message"),
    [
        (
            (Transition("go", ("a",), "nowhere"),),
            (),
            "state machine 'broken': event 'go' goes to undeclared state 'nowhere'",
        ),
        (
            (Transition("go", ("a",), "b"), Transition("go", ("a", "b"), "a")),
            (),
            "state machine 'broken': event 'go' is declared twice from state 'a'",
        ),
        (
            (Transition("stop", ("*",), "b"), Transition("stop", ("a",), "a")),
            (),
            "state machine 'broken': event 'stop' is declared twice from state 'a'",
        ),
        (
            (Transition("go", ("b",), "a"),),
            ("b",),
            "state machine 'broken': event 'go' leaves final state 'b'",
        ),
        (
            (Transition("go", ("zz",), "a"),),
            (),
            "state machine 'broken': event 'go' leaves undeclared state 'zz'",
        ),
    ],
)
def test_declaration_errors_name_the_machine_and_problem(
    transitions: tuple[Transition, ...], final: tuple[str, ...], message: str
) -> None:
    with pytest.raises(StateMachineError) as raised:
        StateMachine("broken", ("a", "b"), "a", transitions, final)
    assert str(raised.value) == message


def test_undeclared_initial_state_is_an_error() -> None:
    with pytest.raises(StateMachineError, match="initial state 'start' is not a declared state"):
        StateMachine("broken", ("a",), "start", ())


# -- property: the durable machine agrees with a pure replay of the declaration ----------------

# The declaration above written out as a table, independent of the module's own lookup.
TABLE = {
    ("new", "contact"): "contacted",
    ("contacted", "qualify"): "qualified",
    ("qualified", "win"): "won",
    **{(state, "lose"): "lost" for state in ("new", "contacted", "qualified")},
}
PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "contact": [{"channel": "email"}, {"channel": "phone"}],
    "qualify": [{}, {"budget": 100}, {"budget": 9000}],
    "win": [{}],
    "lose": [{"why": "silent"}],
    "teleport": [{}],
}
OFFERS = st.sampled_from(sorted(PAYLOADS)).flatmap(
    lambda event: st.tuples(st.just(event), st.sampled_from(PAYLOADS[event]), st.booleans())
)


def replay(offers: list[tuple[str, dict[str, Any], bool]]) -> tuple[str, dict[str, Any]]:
    state, data = "new", {}
    for event, payload, _twice in offers:
        target = TABLE.get((state, event))
        if target is None or (event == "qualify" and "budget" not in payload):
            continue
        state, data = target, data if event == "win" else {**data, **payload}
    return state, data


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offers=st.lists(OFFERS, max_size=10))
def test_durable_machine_matches_a_pure_replay(
    store: MachineStore, offers: list[tuple[str, dict[str, Any], bool]]
) -> None:
    instance_id = uuid.uuid4().hex  # the database outlives examples: a fresh instance for each
    store.start("onboarding", instance_id)
    for number, (event, payload, twice) in enumerate(offers):
        before = store.get(instance_id)
        assert before is not None
        outcome = store.fire(instance_id, event, event_key=f"k{number}", payload=payload)
        if twice:  # a step run again: the recorded outcome, nothing applied
            assert store.fire(instance_id, event, event_key=f"k{number}") == (
                replace(outcome, replayed=True)
            )
        after = store.get(instance_id)
        assert after is not None
        if not outcome.accepted:
            assert (after.state, after.data) == (before.state, before.data)
        assert after.state == outcome.to_state

    final = store.get(instance_id)
    assert final is not None
    assert (final.state, final.data) == replay(offers)
    assert len(store.history(instance_id)) == len(offers) + 1

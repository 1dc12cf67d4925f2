"""The DBOS floor of ``bench scale``: each measurement runs in its own process and reports."""

from __future__ import annotations

from bench.dbos_floor import measure_floors


def test_each_step_count_is_measured_in_a_fresh_process() -> None:
    floors = measure_floors((0, 2), 15)
    assert [(floor.steps, floor.workflows) for floor in floors] == [(0, 15), (2, 15)]
    for floor in floors:
        assert floor.workflows_per_s > 0
        assert floor.cpu_ms_per_workflow > 0

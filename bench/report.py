"""What every benchmark hands back, and how it is shown and saved.

A benchmark returns one ``Report``: its parameters, named tables of figures, the targets it is
judged by, and any raw data worth keeping. ``print_report`` draws the tables with rich;
``write_report`` saves ``<results_dir>/<name>.json``.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCHEMA_VERSION = 1


@dataclass
class Table:
    """One table of figures: a title, column names, and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def add(self, *values: Any) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"{self.title}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append(list(values))

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Target:
    """A figure the benchmark is held to, e.g. ``query p50 ≤ 20 ms``.

    ``applies`` is false when the run is too small for the target to mean anything (a quick
    run); such a target is reported but neither met nor missed.
    """

    name: str
    measured: float
    limit: float
    unit: str
    higher_is_better: bool = False
    applies: bool = True

    @property
    def met(self) -> bool | None:
        if not self.applies:
            return None
        if self.higher_is_better:
            return self.measured >= self.limit
        return self.measured <= self.limit

    def describe_limit(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.limit:g} {self.unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "measured": self.measured,
            "limit": self.limit,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "applies": self.applies,
            "met": self.met,
        }


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }


@dataclass
class Report:
    """The outcome of one benchmark run."""

    name: str
    parameters: dict[str, Any]
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    duration_s: float = 0.0
    machine: dict[str, Any] = field(default_factory=machine_info)

    @property
    def targets_met(self) -> bool:
        """No applicable target was missed."""
        return all(target.met is not False for target in self.targets)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "benchmark": self.name,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "machine": self.machine,
            "parameters": self.parameters,
            "targets": [target.to_json() for target in self.targets],
            "targets_met": self.targets_met,
            "tables": [table.to_json() for table in self.tables],
            "data": self.data,
            "notes": self.notes,
        }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if value is None:
        return "–"
    return str(value)


def print_report(report: Report, console: Console | None = None) -> None:
    """The report's tables, then its targets, on the console."""
    console = console or Console()
    console.rule(f"[bold]{report.name}[/bold]  ({report.duration_s:.1f} s)")
    params = ", ".join(f"{key}={value}" for key, value in report.parameters.items())
    console.print(f"[dim]{params}[/dim]")
    for table in report.tables:
        rich_table = RichTable(title=table.title, title_justify="left")
        for index, column in enumerate(table.columns):
            rich_table.add_column(column, justify="left" if index == 0 else "right")
        for row in table.rows:
            rich_table.add_row(*(_cell(value) for value in row))
        console.print(rich_table)
    if report.targets:
        targets = RichTable(title="Targets", title_justify="left")
        for column in ("target", "limit", "measured", "verdict"):
            targets.add_column(column, justify="left" if column == "target" else "right")
        for target in report.targets:
            verdict = {True: "[green]met[/green]", False: "[red]MISSED[/red]"}.get(
                target.met, "[dim]n/a (quick run)[/dim]"
            )
            targets.add_row(
                target.name,
                target.describe_limit(),
                f"{_cell(target.measured)} {target.unit}",
                verdict,
            )
        console.print(targets)
    for note in report.notes:
        console.print(f"[dim]• {note}[/dim]")


def write_report(report: Report, results_dir: Path = RESULTS_DIR) -> Path:
    """Save the report as ``<results_dir>/<name>.json`` and return the path."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{report.name}.json"
    path.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    return path

"""Imports point one way: the HTTP assembly at the top, Notion's backends chosen there.

Read from the source (every ``import`` and ``from … import`` of every module, including those
inside functions), so a new import that points the wrong way fails here with its file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "notionhub"

# (part of the package, what it must never import). A part is a sub-package or a module.
FORBIDDEN = [
    ("notion", "notionhub.localnotion"),  # the gateway never knows which Notion answers
    ("notion", "notionhub.queue"),
    ("notion", "notionhub.packs"),
    ("localnotion", "notionhub.notion"),  # the local server stands alone
    ("localnotion", "notionhub.queue"),
    ("localnotion", "notionhub.packs"),
    ("hubdb", "notionhub.notion"),
    ("hubdb", "notionhub.packs"),
    ("hubdb", "notionhub.queue"),
    ("ingest", "notionhub.queue"),
    ("ingest", "notionhub.packs"),
    ("outbound", "notionhub.queue"),
    ("outbound", "notionhub.packs"),
    ("packs", "notionhub.queue"),  # packs are run by the queue, never the other way
    ("queue", "notionhub.backend"),  # the backend is chosen at the top
    # Inside the local server: storage at the bottom, the index above it, the filter grammar
    # beside them, the route tables at the top.
    ("localnotion/storage", "notionhub.localnotion.index"),
    ("localnotion/storage", "notionhub.localnotion.query"),
    ("localnotion/filters", "notionhub.localnotion.index"),
    ("localnotion/filters", "notionhub.localnotion.query"),
    ("localnotion/filters", "notionhub.localnotion.storage"),
    ("localnotion/index", "notionhub.localnotion.query"),
    ("localnotion/api", "notionhub.localnotion.http"),
]
TOP = ("notionhub.web", "notionhub.cli")
# The command line is cli.py and its cli_*.py modules.
TOP_PARTS = {"web", "__main__.py", "cli.py"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def modules_of(part: str) -> list[Path]:
    path = PACKAGE / part
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def offences(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in paths
        for line, name in imports_of(path)
        if name.startswith(forbidden)
    ]


@pytest.mark.parametrize(("part", "forbidden"), FORBIDDEN)
def test_a_stage_does_not_import_what_it_must_not_know(part: str, forbidden: str) -> None:
    assert modules_of(part), f"no modules found for {part}"
    assert offences(modules_of(part), (forbidden,)) == []


def test_only_the_top_imports_the_http_assembly_and_the_command_line() -> None:
    below = [
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in TOP_PARTS
        and not path.relative_to(PACKAGE).parts[0].startswith("cli_")
    ]
    assert offences(below, TOP) == []


def _localnotion_part(name: str) -> str:
    """``notionhub.localnotion.query.engine`` → ``query``; the top modules stand for themselves."""
    return name.removeprefix("notionhub.localnotion.").split(".")[0]


def test_the_parts_of_the_local_server_import_each_other_without_a_cycle() -> None:
    root = PACKAGE / "localnotion"
    edges: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        part = path.relative_to(root).parts[0].removesuffix(".py")
        for _, name in imports_of(path):
            if name.startswith("notionhub.localnotion."):
                other = _localnotion_part(name)
                if other != part:
                    edges.setdefault(part, set()).add(other)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), set()) - seen:
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False

    assert sorted(part for part in edges if reaches(part, part)) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text(
        "import os\n\n\ndef f():\n    from notionhub.localnotion.app import create_app\n"
    )
    assert imports_of(module) == [(1, "os"), (5, "notionhub.localnotion.app")]

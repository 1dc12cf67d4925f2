"""Installing a pack as pip would, for a test: its source importable, its dist-info on the path,
its entry points those its ``pyproject.toml`` declares."""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path

import pytest


def install_pack(
    monkeypatch: pytest.MonkeyPatch, site: Path, source: Path, pyproject: str, package: str
) -> None:
    """Make ``package`` (under ``source``) an installed distribution described by ``pyproject``.

    Undone with ``monkeypatch``; call ``forget_modules(package)`` afterwards so the next test
    imports it afresh.
    """
    project = tomllib.loads(pyproject)["project"]
    info = site / f"{package}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    groups = project["entry-points"]
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items())
            for group, points in groups.items()
        )
    )
    monkeypatch.syspath_prepend(str(source))
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()


def forget_modules(package: str) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] == package]:
        del sys.modules[name]

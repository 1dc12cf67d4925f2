"""notionhub's benchmarks: ``python -m bench [names...] [--pages N] [--quick]``.

Each benchmark is a module ``bench/<name>.py`` with a ``run(options) -> Report`` function and is
listed once in ``bench/__main__.py``'s ``BENCHMARKS``. Results go to ``bench/results/<name>.json``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchOptions:
    """What the command line asks of every benchmark.

    ``pages`` overrides the benchmark's data size (``None``: the benchmark's own default, the
    size its targets are stated for); ``quick`` shrinks everything for a fast check.
    """

    pages: int | None = None
    quick: bool = False

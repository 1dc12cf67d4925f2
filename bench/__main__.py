"""``python -m bench [names...] [--pages N] [--quick]``: run benchmarks, print, save JSON.

Exit status 1 when a benchmark misses one of its targets (targets only apply to full-size
runs), 2 on an unknown benchmark name.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from bench import BenchOptions
from bench.report import RESULTS_DIR, Report, print_report, write_report

# One line per benchmark: the module bench/<name>.py, which defines run(BenchOptions) -> Report.
BENCHMARKS: tuple[str, ...] = (
    "localnotion",
    "gateway",
    "ingest",
    "coaching",
    "twoway",
    "network",
    "console",
    "scale",
    "enterprise",
)


def _runner(name: str) -> Callable[[BenchOptions], Report]:
    module = importlib.import_module(f"bench.{name}")
    run: Callable[[BenchOptions], Report] = module.run
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"benchmarks to run (default: all of {BENCHMARKS})"
    )
    parser.add_argument("--pages", type=int, default=None, help="data size (default: the target's)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a fast check")
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where <name>.json is written"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.print_usage(sys.stderr)
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    if args.pages is not None and args.pages < 1:
        parser.error("--pages should be at least 1")
    options = BenchOptions(pages=args.pages, quick=args.quick)
    console = Console()
    if not console.is_terminal:  # a log file or a pipe: don't wrap the tables at 80
        console = Console(width=160)
    all_met = True
    for name in args.names or BENCHMARKS:
        console.print(f"[bold]running {name}[/bold] …")
        started = time.perf_counter()
        report = _runner(name)(options)
        report.duration_s = time.perf_counter() - started
        print_report(report, console)
        path = write_report(report, args.results_dir)
        console.print(f"[dim]wrote {path}[/dim]")
        all_met = all_met and report.targets_met
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())

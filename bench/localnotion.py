"""The local Notion server under load: page creation and filtered, sorted queries.

The server runs as ``notionhub notion-server`` in its own process (so the clients here don't
share its GIL) on a free port, over a fresh data directory. Everything goes through the real
``notion-client`` over loopback HTTP:

1. one database whose data source has title, email, number, select (20 options), multi-select
   (100 options), date, checkbox and rich-text properties;
2. page creation, measured twice: one client creating pages one after another, then several
   sync clients in threads; the rest of the data set is then created with more threads;
3. selective filtered + sorted queries, each run many times by one client, one after another:
   p50/p95/p99/max latency and their result counts, checked against the generated data;
   Each query's first answer (checked, and timed: nothing of it is cached yet) is reported
   beside the repeated ones;
4. one non-selective query (no target), and the server's memory (VmRSS) after seeding;
5. a 20 MiB multi-part file upload (MiB/s) and the Markdown read of a 1,000-block page
   (p50/p99), from ``bench/localnotion_content.py``.

Targets (at 100,000 pages in one data source): a selective query's p50 ≤ 20 ms and p99 ≤
100 ms; page creation ≥ 500 pages/s; the Markdown read's p50 ≤ 50 ms.
"""

from __future__ import annotations

import gc
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from notion_client import Client

from bench import BenchOptions
from bench.localnotion_content import (
    MARKDOWN_BLOCKS,
    MARKDOWN_P50_MS,
    UPLOAD_MIB,
    markdown_page,
    time_markdown_reads,
    upload_multi_part,
    upload_payload,
)
from bench.processes import free_port, stop
from bench.report import Report, Table, Target

NAME = "localnotion"
TOKEN = "bench-token"
FULL_PAGES = 100_000
QUICK_PAGES = 2_000

QUERY_P50_MS = 20.0
QUERY_P99_MS = 100.0
CREATE_PER_S = 500.0

# -- sizes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How much work one run does."""

    pages: int
    single_client_pages: int  # created by one client, sequentially (measured)
    concurrent_clients: int  # threads, each with its own sync notion-client (measured)
    concurrent_pages: int
    seed_clients: int  # threads creating the rest of the data set (timed, not a target)
    query_runs: int  # timed runs of each selective query
    broad_runs: int  # timed runs of the non-selective query
    warmup_runs: int
    upload_runs: int  # 20 MiB multi-part uploads, each timed
    markdown_runs: int  # timed reads of the 1,000-block page's Markdown

    @property
    def targets_apply(self) -> bool:
        return self.pages >= FULL_PAGES


def sizes_for(options: BenchOptions) -> Sizes:
    pages = options.pages or (QUICK_PAGES if options.quick else FULL_PAGES)
    if options.quick:
        single, concurrent, runs, broad, warmup = 100, 400, 20, 3, 2
        uploads, markdown_runs = 1, 10
    else:
        single, concurrent, runs, broad, warmup = 2_000, 10_000, 200, 20, 10
        uploads, markdown_runs = 5, 200
    single = min(single, max(1, pages // 4))
    concurrent = min(concurrent, max(1, pages - single))
    return Sizes(
        pages=pages,
        single_client_pages=single,
        concurrent_clients=4,
        concurrent_pages=concurrent,
        seed_clients=4,
        query_runs=runs,
        broad_runs=broad,
        warmup_runs=warmup,
        upload_runs=uploads,
        markdown_runs=markdown_runs,
    )


# -- the data set --------------------------------------------------------------------------

REGIONS = [
    "Amsterdam", "Athens", "Berlin", "Brussels", "Bucharest", "Copenhagen", "Dublin",
    "Helsinki", "Lisbon", "London", "Madrid", "Milan", "Oslo", "Paris", "Prague", "Riga",
    "Rome", "Stockholm", "Vienna", "Warsaw",
]  # fmt: skip
# Regions are as unevenly used as real ones: the n-th is used in proportion to 1/n (Zipf).
REGION_WEIGHTS = [1 / rank for rank in range(1, len(REGIONS) + 1)]
TAGS = [f"tag-{n:03d}" for n in range(300)]
COMPANY_FIRST = [
    "Acme", "Blue", "Cedar", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
    "Kite", "Lumen", "Maple", "North", "Orbit", "Pine", "Quartz", "River", "Summit", "Tidal",
]  # fmt: skip
COMPANY_SECOND = [
    "Logistics", "Bakery", "Studio", "Clinic", "Labs", "Dental", "Garage", "Florist",
    "Consulting", "Fitness",
]  # fmt: skip
FIRST_NAMES = ["ana", "ben", "chloe", "david", "eva", "farid", "greta", "hugo", "ines", "jonas"]
FIRST_DAY = date(2024, 1, 1)
DAYS = 730


@dataclass(frozen=True)
class PageSpec:
    """One generated page, as the benchmark knows it (to check query answers)."""

    index: int
    company: str
    title: str
    email: str
    amount: float
    region: str
    tags: tuple[str, ...]
    due: str  # ISO date
    done: bool
    notes: str

    def properties(self) -> dict[str, Any]:
        """The ``properties`` of ``pages.create``."""
        return {
            "Name": {"title": [{"type": "text", "text": {"content": self.title}}]},
            "Email": {"email": self.email},
            "Amount": {"number": self.amount},
            "Region": {"select": {"name": self.region}},
            "Tags": {"multi_select": [{"name": tag} for tag in self.tags]},
            "Due": {"date": {"start": self.due}},
            "Done": {"checkbox": self.done},
            "Notes": {"rich_text": [{"type": "text", "text": {"content": self.notes}}]},
        }


SCHEMA: dict[str, Any] = {
    "Name": {"title": {}},
    "Email": {"email": {}},
    "Amount": {"number": {"format": "euro"}},
    "Region": {"select": {"options": [{"name": name} for name in REGIONS]}},
    "Tags": {"multi_select": {"options": [{"name": name} for name in TAGS]}},
    "Due": {"date": {}},
    "Done": {"checkbox": {}},
    "Notes": {"rich_text": {}},
}


def generate(count: int, seed: int = 20250903) -> list[PageSpec]:
    """``count`` pages with realistic, deterministic values."""
    rng = random.Random(seed)
    specs = []
    for index in range(count):
        company = f"{rng.choice(COMPANY_FIRST)} {rng.choice(COMPANY_SECOND)}"
        person = rng.choice(FIRST_NAMES)
        due = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        specs.append(
            PageSpec(
                index=index,
                company=company,
                title=f"{company} order {index:06d}",
                email=f"{person}.{index}@{company.split(maxsplit=1)[0].lower()}.example",
                amount=round(rng.uniform(0, 10_000), 2),
                region=rng.choices(REGIONS, REGION_WEIGHTS)[0],
                tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
                due=due.isoformat(),
                done=rng.random() < 0.3,
                notes=f"Follow up with {person.title()} about invoice {rng.randrange(10**6)}.",
            )
        )
    return specs


# -- the queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One query, and how to check its answer against the generated data."""

    name: str
    selective: bool
    filter: dict[str, Any]
    sorts: list[dict[str, Any]]
    matches: Callable[[PageSpec], bool]
    sort_key: Callable[[PageSpec], Any]
    descending: bool


def _text(value: str) -> str:
    return value.lower()


def queries_for(specs: Sequence[PageSpec]) -> list[Query]:
    """The queries of a run; the one-page query looks up an email that exists."""
    email = specs[len(specs) // 2].email
    selective = [q for q in QUERIES if q.selective]
    broad = [q for q in QUERIES if not q.selective]
    return [*selective, _email_query(email), *broad]


def _email_query(email: str) -> Query:
    return Query(
        name="email equals (1 page), by date desc",
        selective=True,
        filter={"property": "Email", "email": {"equals": email}},
        sorts=[{"property": "Due", "direction": "descending"}],
        matches=lambda s: s.email == email,
        sort_key=lambda s: s.due,
        descending=True,
    )


def _select_and_number(region: str, share: str, selective: bool) -> Query:
    return Query(
        name=f"select = {region} ({share}) AND number > 9000, by date desc",
        selective=selective,
        filter={
            "and": [
                {"property": "Region", "select": {"equals": region}},
                {"property": "Amount", "number": {"greater_than": 9000}},
            ]
        },
        sorts=[{"property": "Due", "direction": "descending"}],
        matches=lambda s: s.region == region and s.amount > 9000,
        sort_key=lambda s: s.due,
        descending=True,
    )


def _title_contains(sorts: list[dict[str, Any]], label: str, selective: bool) -> Query:
    by_title = sorts[0]["property"] == "Name"
    return Query(
        name=f'title contains "Harbor Florist", by {label}',
        selective=selective,
        filter={"property": "Name", "title": {"contains": "Harbor Florist"}},
        sorts=sorts,
        matches=lambda s: "harbor florist" in _text(s.title),
        sort_key=(lambda s: _text(s.title)) if by_title else (lambda s: s.due),
        descending=not by_title,
    )


# Selective queries (held to the targets) match well under 1% of the pages; the broad ones
# show what a query costs when its most selective condition is not selective.
QUERIES: list[Query] = [
    _select_and_number("Rome", "1.6%", selective=True),
    Query(
        name="multi_select contains tag-042, by number desc",
        selective=True,
        filter={"property": "Tags", "multi_select": {"contains": "tag-042"}},
        sorts=[{"property": "Amount", "direction": "descending"}],
        matches=lambda s: "tag-042" in s.tags,
        sort_key=lambda s: s.amount,
        descending=True,
    ),
    _title_contains([{"property": "Due", "direction": "descending"}], "date desc", True),
    Query(
        name="checkbox AND date in 1-14 June 2024, by number asc",
        selective=True,
        filter={
            "and": [
                {"property": "Done", "checkbox": {"equals": True}},
                {"property": "Due", "date": {"on_or_after": "2024-06-01"}},
                {"property": "Due", "date": {"before": "2024-06-15"}},
            ]
        },
        sorts=[{"property": "Amount", "direction": "ascending"}],
        matches=lambda s: s.done and "2024-06-01" <= s.due < "2024-06-15",
        sort_key=lambda s: s.amount,
        descending=False,
    ),
    _select_and_number("Amsterdam", "28%", selective=False),
    _title_contains([{"property": "Name", "direction": "ascending"}], "title asc", False),
    Query(
        name="checkbox = true (30%), by number desc",
        selective=False,
        filter={"property": "Done", "checkbox": {"equals": True}},
        sorts=[{"property": "Amount", "direction": "descending"}],
        matches=lambda s: s.done,
        sort_key=lambda s: s.amount,
        descending=True,
    ),
]


# -- the server process --------------------------------------------------------------------


@dataclass
class ServerProcess:
    """``notionhub notion-server`` running in a child process."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def rss_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the server process, in KiB, from /proc."""
        found: dict[str, int] = {}
        status = Path(f"/proc/{self.process.pid}/status")
        for line in status.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far, from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""


@contextmanager
def running_server(data_dir: Path, *more_tokens: str) -> Iterator[ServerProcess]:
    """Start the server on a free port over ``data_dir``, accepting ``TOKEN`` and
    ``more_tokens``; stop it on exit."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = data_dir.parent / "server.log"
    command = [
        sys.executable,
        "-c",
        "from notionhub.cli import app; app()",
        "notion-server",
        "--port",
        str(port),
        "--data",
        str(data_dir),
        "--token",
        TOKEN,
        *(part for token in more_tokens for part in ("--token", token)),
    ]
    env = {**os.environ, "LOG_LEVEL": "warning"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    server = ServerProcess(process, base_url, log_path)
    try:
        _wait_until_up(server)
        yield server
    finally:
        stop(process)


def _wait_until_up(server: ServerProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
    with httpx.Client(trust_env=False, timeout=2) as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the local Notion server exited:\n{server.log_tail()}")
            try:
                if http.get(f"{server.base_url}/v1/users/me", headers=headers).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"the local Notion server did not answer in {timeout} s")


def notion_client(base_url: str) -> Client:
    """The real notion-client, without retries, ignoring proxy settings of the environment."""
    return Client(auth=TOKEN, base_url=base_url, client=httpx.Client(trust_env=False), retry=False)


# -- measuring -----------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (``share`` in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(samples_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "runs": len(ordered),
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1],
        "mean_ms": sum(ordered) / len(ordered),
    }


def create_pages(
    base_url: str,
    data_source_id: str,
    specs: Sequence[PageSpec],
    page_ids: list[str],
    clients: int,
) -> float:
    """Create ``specs`` with ``clients`` threads (one notion-client each); the seconds taken."""
    parent = {"type": "data_source_id", "data_source_id": data_source_id}
    errors: list[BaseException] = []

    def work(chunk: Sequence[PageSpec]) -> None:
        notion = notion_client(base_url)
        try:
            for spec in chunk:
                page = notion.pages.create(parent=parent, properties=spec.properties())
                page_ids[spec.index] = page["id"]
        except BaseException as error:
            errors.append(error)
            raise
        finally:
            notion.close()

    started = time.perf_counter()
    if clients == 1:
        work(specs)
    else:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(work, [specs[i::clients] for i in range(clients)]))
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def check_answer(
    query: Query, answer: dict[str, Any], specs: Sequence[PageSpec], spec_of: dict[str, int]
) -> int:
    """Check the first page of answers against the data; the number of matching pages."""
    expected = [spec for spec in specs if query.matches(spec)]
    results = answer["results"]
    want = min(100, len(expected))
    problems = []
    if len(results) != want:
        problems.append(f"{len(results)} results, expected {want}")
    if answer["has_more"] != (len(expected) > 100):
        problems.append(f"has_more={answer['has_more']} with {len(expected)} matches")
    returned = [specs[spec_of[page["id"]]] for page in results]
    if not all(query.matches(spec) for spec in returned):
        problems.append("a result does not match the filter")
    keys = [query.sort_key(spec) for spec in returned]
    best = sorted((query.sort_key(spec) for spec in expected), reverse=query.descending)[:want]
    if keys != best:
        problems.append("results are not the first pages in sort order")
    if problems:
        raise AssertionError(f"query {query.name!r}: " + "; ".join(problems))
    return len(expected)


def time_query(notion: Client, data_source_id: str, query: Query, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        notion.data_sources.query(data_source_id, filter=query.filter, sorts=query.sorts)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# -- the benchmark -------------------------------------------------------------------------


def run(options: BenchOptions) -> Report:
    sizes = sizes_for(options)
    report = Report(
        name=NAME,
        parameters={
            "pages": sizes.pages,
            "quick": options.quick,
            "single_client_pages": sizes.single_client_pages,
            "concurrent_clients": sizes.concurrent_clients,
            "concurrent_pages": sizes.concurrent_pages,
            "seed_clients": sizes.seed_clients,
            "query_runs": sizes.query_runs,
            "broad_query_runs": sizes.broad_runs,
            "warmup_runs": sizes.warmup_runs,
            "upload_runs": sizes.upload_runs,
            "markdown_runs": sizes.markdown_runs,
            "client": "notion-client 3.1.0, sync Client (one per thread), loopback HTTP",
        },
    )
    workdir = Path(tempfile.mkdtemp(prefix="notionhub-bench-"))
    try:
        with running_server(workdir / "data") as server:
            _Run(server, sizes, report).measure()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


@dataclass
class _Phase:
    """One timed stretch of page creation."""

    name: str
    clients: int
    pages: int
    seconds: float
    server_cpu: float  # seconds of server CPU time

    @property
    def rate(self) -> float:
        return self.pages / self.seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "clients": self.clients,
            "pages": self.pages,
            "seconds": self.seconds,
            "pages_per_s": self.rate,
            "server_cpu_ms_per_page": self.server_cpu / self.pages * 1000,
        }


class _Run:
    """One run of the benchmark against one server."""

    def __init__(self, server: ServerProcess, sizes: Sizes, report: Report) -> None:
        self.server = server
        self.sizes = sizes
        self.report = report
        self.specs = generate(sizes.pages)
        self.page_ids = [""] * len(self.specs)
        self.notion = notion_client(server.base_url)
        self.root_id = ""

    def measure(self) -> None:
        try:
            found = self.notion.search(
                query="notionhub", filter={"property": "object", "value": "page"}
            )
            self.root_id = found["results"][0]["id"]
            rss_empty = self.server.rss_kib()
            data_source_id = self.database("Orders")
            phases = self.seed(data_source_id)
            rss_seeded = self.server.rss_kib()
            # The generated data set (a million objects) stays alive in this process for the
            # checks; keep it out of the garbage collector, whose full passes over it would
            # otherwise stall the client for ~100 ms during the timed queries.
            gc.collect()
            gc.freeze()
            query_data = self.queries(data_source_id)
            rss_queried = self.server.rss_kib()
            phases += self.create_when_full()
            self.report.data["upload"] = self.uploads()
            self.report.data["markdown"] = self.markdown()
        finally:
            gc.unfreeze()
            self.notion.close()
        self.report_creation(phases)
        self.report_memory(rss_empty, rss_seeded, rss_queried)
        self.report.data.update(
            {
                "creation": [phase.to_json() for phase in phases],
                "queries": query_data,
                "server_memory_kib": {
                    "empty": rss_empty,
                    "seeded": rss_seeded,
                    "after_queries": rss_queried,
                },
            }
        )
        self.report.notes += [
            "Latency is the wall time of notion-client's data_sources.query, client and server"
            " on the same machine; each query's first answer is checked against the generated"
            " data before timing.",
            "Server CPU is user + system time of the server process (/proc/<pid>/stat) over the"
            " phase, per page or per query: less sensitive to other load than wall time.",
        ]
        if not self.sizes.targets_apply:
            self.report.notes.append(
                f"Targets apply at {FULL_PAGES:,} pages in one data source; this run had fewer."
            )

    def database(self, name: str) -> str:
        database = self.notion.databases.create(
            parent={"type": "page_id", "page_id": self.root_id},
            title=[{"type": "text", "text": {"content": name}}],
            initial_data_source={"properties": SCHEMA},
        )
        return str(database["data_sources"][0]["id"])

    def phase(
        self,
        name: str,
        data_source_id: str,
        specs: Sequence[PageSpec],
        clients: int,
        page_ids: list[str] | None = None,
    ) -> _Phase:
        cpu = self.server.cpu_seconds()
        ids = self.page_ids if page_ids is None else page_ids
        seconds = create_pages(self.server.base_url, data_source_id, specs, ids, clients)
        return _Phase(name, clients, len(specs), seconds, self.server.cpu_seconds() - cpu)

    def seed(self, data_source_id: str) -> list[_Phase]:
        """Create the data set: one client alone, then several, then the rest with more."""
        sizes, specs = self.sizes, self.specs
        single_end = sizes.single_client_pages
        concurrent_end = single_end + sizes.concurrent_pages
        phases = [
            self.phase("single client, sequential", data_source_id, specs[:single_end], 1),
            self.phase(
                "concurrent clients",
                data_source_id,
                specs[single_end:concurrent_end],
                sizes.concurrent_clients,
            ),
        ]
        if concurrent_end < len(specs):
            phases.append(
                self.phase(
                    "rest of the data set",
                    data_source_id,
                    specs[concurrent_end:],
                    sizes.seed_clients,
                )
            )
        return phases

    def create_when_full(self) -> list[_Phase]:
        """Creation again once the store holds the whole data set, in a second data source."""
        data_source_id = self.database("Orders (after seeding)")
        count = max(1, min(self.sizes.concurrent_pages, self.sizes.pages) // 4)
        extra = generate(count * 2, seed=99)
        ids = [""] * len(extra)
        label = f"{self.sizes.pages:,} pages stored"
        return [
            self.phase(f"single client, {label}", data_source_id, extra[:count], 1, ids),
            self.phase(
                f"concurrent clients, {label}",
                data_source_id,
                extra[count:],
                self.sizes.concurrent_clients,
                ids,
            ),
        ]

    def queries(self, data_source_id: str) -> list[dict[str, Any]]:
        """Each query checked once, warmed up, then timed by one client, one after another."""
        sizes, specs = self.sizes, self.specs
        spec_of = {page_id: index for index, page_id in enumerate(self.page_ids)}
        table = Table(
            f"Queries over {sizes.pages:,} pages in one data source (page_size 100, one client)",
            [
                "query",
                "matches",
                "first ms",
                "runs",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "server CPU ms",
            ],
        )
        found = []
        for query in queries_for(specs):
            # The first answer: none of its pages is in the server's page cache yet (unless an
            # earlier query returned it too), and the index rows it reads may not be in memory.
            started = time.perf_counter()
            first = self.notion.data_sources.query(
                data_source_id, filter=query.filter, sorts=query.sorts
            )
            first_ms = (time.perf_counter() - started) * 1000
            matches = check_answer(query, first, specs, spec_of)
            time_query(self.notion, data_source_id, query, sizes.warmup_runs)
            runs = sizes.query_runs if query.selective else sizes.broad_runs
            cpu = self.server.cpu_seconds()
            summary = latency_summary(time_query(self.notion, data_source_id, query, runs))
            cpu_ms = (self.server.cpu_seconds() - cpu) / runs * 1000
            table.add(
                query.name,
                matches,
                first_ms,
                runs,
                summary["p50_ms"],
                summary["p95_ms"],
                summary["p99_ms"],
                summary["max_ms"],
                cpu_ms,
            )
            found.append(
                {
                    "name": query.name,
                    "selective": query.selective,
                    "filter": query.filter,
                    "sorts": query.sorts,
                    "matches": matches,
                    "first_ms": first_ms,
                    "server_cpu_ms_per_query": cpu_ms,
                    **summary,
                }
            )
            if query.selective:
                for figure, limit in (("p50_ms", QUERY_P50_MS), ("p99_ms", QUERY_P99_MS)):
                    self.report.targets.append(
                        Target(
                            f"{query.name}: {figure.removesuffix('_ms')}",
                            summary[figure],
                            limit,
                            "ms",
                            applies=sizes.targets_apply,
                        )
                    )
        self.report.tables.append(table)
        return found

    def uploads(self) -> dict[str, Any]:
        """Time 20 MiB multi-part uploads, one after another; MiB/s of each."""
        payload = upload_payload()
        table = Table(
            f"File upload: {UPLOAD_MIB} MiB, multi-part (create, send each part, complete)",
            ["run", "parts", "seconds", "MiB/s", "server CPU s"],
        )
        rates = []
        for number in range(1, self.sizes.upload_runs + 1):
            cpu = self.server.cpu_seconds()
            upload = upload_multi_part(self.notion, payload)
            table.add(number, upload.parts, upload.seconds, upload.mib_per_s,
                      self.server.cpu_seconds() - cpu)  # fmt: skip
            rates.append(upload.mib_per_s)
        self.report.tables.append(table)
        ordered = sorted(rates)
        return {"mib": UPLOAD_MIB, "mib_per_s": rates, "median_mib_per_s": percentile(ordered, 50)}

    def markdown(self) -> dict[str, Any]:
        """Read the Markdown of a 1,000-block page, warmed up, then timed many times."""
        page_id = markdown_page(self.notion, self.root_id)
        time_markdown_reads(self.notion, page_id, self.sizes.warmup_runs)
        cpu = self.server.cpu_seconds()
        samples, length = time_markdown_reads(self.notion, page_id, self.sizes.markdown_runs)
        cpu_ms = (self.server.cpu_seconds() - cpu) / len(samples) * 1000
        summary = latency_summary(samples)
        table = Table(
            f"Page Markdown: GET /v1/pages/{{id}}/markdown of {MARKDOWN_BLOCKS:,} blocks",
            ["characters", "runs", "p50 ms", "p95 ms", "p99 ms", "max ms", "server CPU ms"],
        )
        table.add(length, summary["runs"], summary["p50_ms"], summary["p95_ms"],
                  summary["p99_ms"], summary["max_ms"], cpu_ms)  # fmt: skip
        self.report.tables.append(table)
        self.report.targets.append(
            Target(
                "page Markdown read, 1,000 blocks: p50",
                summary["p50_ms"],
                MARKDOWN_P50_MS,
                "ms",
                applies=self.sizes.targets_apply,
            )
        )
        return {"blocks": MARKDOWN_BLOCKS, "characters": length, "server_cpu_ms": cpu_ms,
                **summary}  # fmt: skip

    def report_creation(self, phases: list[_Phase]) -> None:
        table = Table(
            "Page creation (notion-client → server over loopback)",
            ["phase", "clients", "pages", "seconds", "pages/s", "server CPU ms/page"],
        )
        for phase in phases:
            table.add(
                phase.name,
                phase.clients,
                phase.pages,
                phase.seconds,
                phase.rate,
                phase.server_cpu / phase.pages * 1000,
            )
        seeding = phases[:-2]
        seeded = sum(phase.pages for phase in seeding)
        seconds = sum(phase.seconds for phase in seeding)
        table.add(f"seeding {seeded:,} pages in all", "–", seeded, seconds, seeded / seconds, None)
        self.report.tables.insert(0, table)
        self.report.data["seeding_seconds"] = seconds
        for phase in phases:
            if phase.clients > 1 and phase.name.startswith("concurrent"):
                self.report.targets.append(
                    Target(
                        f"page create, {phase.name}: pages/s",
                        phase.rate,
                        CREATE_PER_S,
                        "pages/s",
                        higher_is_better=True,
                        applies=self.sizes.targets_apply,
                    )
                )

    def report_memory(self, *snapshots: dict[str, int]) -> None:
        table = Table("Server memory (/proc/<pid>/status)", ["when", "VmRSS MiB", "VmHWM MiB"])
        labels = ("empty workspace", f"after seeding {self.sizes.pages:,} pages", "after queries")
        for label, rss in zip(labels, snapshots, strict=True):
            table.add(label, rss.get("VmRSS", 0) / 1024, rss.get("VmHWM", 0) / 1024)
        self.report.tables.append(table)

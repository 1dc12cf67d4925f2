"""What ``notionhub doctor`` checks: configuration, hub database, Notion, providers.

Each check returns typed results; ``cli_doctor`` only renders them (docs/doctor.md). A failed
check makes the report unhealthy; a warning (``ok is None``) does not: something to know, not
something broken (no database provisioned yet, no delivery received yet).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, inspect, select

from notionhub.errors import ConfigurationError, NotionhubError, ObjectNotFound
from notionhub.settings import Settings, pack_variable

if TYPE_CHECKING:
    from notionhub.notion.connection import NotionConnection


@dataclass(frozen=True)
class Check:
    """One check: ``ok`` True (passed), False (failed), None (a warning)."""

    name: str
    ok: bool | None
    detail: str


@dataclass(frozen=True)
class ProviderStatus:
    """A provider: its secret variable (set or not, never the value), URL, last delivery."""

    name: str
    secret_env: str
    secret_set: bool
    webhook_url: str
    last_delivery: str | None  # ISO 8601 UTC, of the newest event stored for it


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)
    providers: list[ProviderStatus] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(check.ok is not False for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checks": [asdict(check) for check in self.checks],
            "providers": [asdict(provider) for provider in self.providers],
        }


def public_url(settings: Settings) -> str:
    """Where providers reach the hub: NOTIONHUB_PUBLIC_URL, else this machine's serve port."""
    configured = settings.notionhub_public_url
    return (configured or f"http://127.0.0.1:{settings.server_port}").rstrip("/")


def run_doctor(settings: Settings) -> DoctorReport:
    """Every check, in the order a newcomer would fix them."""
    report = DoctorReport()
    report.checks.append(_configuration(settings))
    home = settings.notionhub_home
    if settings.database_url is None and not home.is_dir():
        # As the other read-only commands (cli_events.require_data_folder): opening the hub
        # database or the embedded Notion would make an empty data folder, here or anywhere.
        report.checks.append(
            Check(
                "hub database",
                False,
                f"no hub data folder at {home.absolute()} (NOTIONHUB_HOME): run `notionhub"
                " serve` or `notionhub provision` first, or run doctor where you run them",
            )
        )
        report.checks.append(_notion_token(settings))
        report.providers = provider_statuses(settings, None)
        return report
    engine = _hub_engine(settings, report)
    report.checks.append(_notion(settings))
    report.providers = provider_statuses(settings, engine)
    if engine is not None:
        engine.dispose()
    return report


def _configuration(settings: Settings) -> Check:
    from notionhub.startup_checks import check_hub_start

    try:
        check_hub_start(settings)
    except NotionhubError as error:
        return Check("configuration", False, str(error))
    notion = "embedded local Notion" if settings.embeds_local_notion else "Notion over HTTP"
    return Check(
        "configuration", True, f"settings load; packs {settings.notionhub_packs}; {notion}"
    )


def _hub_engine(settings: Settings, report: DoctorReport) -> Engine | None:
    """Open the hub database, check its tables and that it takes a write."""
    from notionhub.hubdb.database_url import redact
    from notionhub.hubdb.engine import create_hub_engine
    from notionhub.hubdb.tables import metadata
    from notionhub.queue.store import EventStore

    shown = redact(settings.hub_database_url)
    try:
        engine = create_hub_engine(settings.hub_database_url)
        present = set(inspect(engine).get_table_names())
    except Exception as error:  # any driver error: the check fails naming it
        report.checks.append(
            Check("hub database", False, f"{shown}: cannot open: {_first_line(error)}")
        )
        return None
    missing = sorted(set(metadata.tables) - present)
    if missing:
        report.checks.append(
            Check("hub database", False, f"{shown}: tables missing: {', '.join(missing)}")
        )
        return engine
    try:
        EventStore(engine).check_writable("doctor", settings.hub_db_busy_timeout_seconds)
    except Exception as error:
        report.checks.append(
            Check("hub database", False, f"{shown}: not writable: {_first_line(error)}")
        )
        return engine
    report.checks.append(Check("hub database", True, f"{shown}: opens, tables current, writable"))
    return engine


def _check_tokens(notion: NotionConnection, packs: list[str]) -> None:
    """Ask Notion who each token is; an error naming the variable of one it refuses."""
    for gateway, group in notion.workspaces(packs):
        try:
            gateway.me()
        except Exception as error:
            own = gateway is not notion.gateway
            variable = pack_variable("NOTION_TOKEN", group[0]) if own else "NOTION_TOKEN"
            raise ConfigurationError(f"{variable}: {error}") from error


def _notion(settings: Settings) -> Check:
    """Notion answers, and every provisioned database of the enabled packs is retrievable."""
    from notionhub.backend import open_backend
    from notionhub.notion.connection import open_notion
    from notionhub.notion.provision import remembered_data_sources
    from notionhub.packs import load_packs

    where = (
        "embedded local Notion (in-process)"
        if settings.embeds_local_notion
        else f"Notion at {settings.notion_base_url}"
    )
    try:
        packs = load_packs(settings.notionhub_packs)
        names = {m.__database__.name: p.name for p in packs for m in p.models}
        embedded = open_backend(settings)
        notion = open_notion(
            settings,
            backend=embedded.backend if embedded else None,
            packs=[pack.name for pack in packs],
        )
    except Exception as error:
        return Check("notion", False, f"{where}: {error}")
    try:
        if settings.notion_token is not None or notion.pack_gateways:
            # A wrong or revoked token (NOTION_TOKEN, NOTION_TOKEN_<PACK>) fails here, named.
            _check_tokens(notion, [pack.name for pack in packs])
        remembered = remembered_data_sources(notion.engine)
        problems: list[str] = []
        found = 0
        for name, pack_name in names.items():
            source_id = remembered.get(name)
            if source_id is None:
                continue
            try:
                source = notion.gateway_of(pack_name).retrieve_data_source(source_id)
            except ObjectNotFound:
                problems.append(f"{name} ({source_id}) not found")
                continue
            if source.get("in_trash"):
                problems.append(f"{name} ({source_id}) is in the trash")
            else:
                found += 1
    except Exception as error:
        return Check("notion", False, f"{where}: {error}")
    finally:
        notion.close()
        if embedded is not None:
            embedded.close()
    if problems:
        return Check("notion", False, f"{where}: " + "; ".join(problems))
    unprovisioned = [name for name in names if name not in remembered]
    if unprovisioned:
        return Check(
            "notion",
            None,
            f"{where}: {found} database(s) retrievable; not provisioned yet:"
            f" {', '.join(unprovisioned)} (run `notionhub provision` or `notionhub serve`)",
        )
    return Check("notion", True, f"{where}: all {found} database(s) retrievable")


def _notion_token(settings: Settings) -> Check:
    """Without a data folder: only whether Notion takes NOTION_TOKEN (one ``users/me``, no
    budget, nothing written); the databases are remembered in the folder that is not there."""
    from notion_client import Client

    unchecked = "databases not checked: no hub data folder yet"
    if settings.notion_token is None:
        return Check("notion", None, "not checked: no hub data folder yet")
    where = f"Notion at {settings.notion_base_url}"
    token = settings.notion_token.get_secret_value()
    try:
        with Client(auth=token, base_url=settings.notion_base_url, timeout_ms=10_000) as client:
            client.users.me()
    except Exception as error:
        return Check("notion", False, f"{where}: {_first_line(error)}")
    return Check("notion", None, f"{where}: NOTION_TOKEN accepted; {unchecked}")


def provider_statuses(settings: Settings, engine: Engine | None) -> list[ProviderStatus]:
    """Each provider's secret variable (set or not), webhook URL and last delivery."""
    from notionhub.ingest.registry import HOOK_PROVIDERS, get_provider

    last = _last_deliveries(engine) if engine is not None else {}
    base = public_url(settings)
    statuses = []
    for name in HOOK_PROVIDERS:
        variable = get_provider(name).secret_env
        statuses.append(
            ProviderStatus(
                name,
                variable,
                settings.secret(variable) is not None,
                f"{base}/hooks/{name}",
                last.get(name),
            )
        )
    return statuses


def _last_deliveries(engine: Engine) -> dict[str, str]:
    from notionhub.hubdb.tables import events

    query = select(events.c.provider, func.max(events.c.received_at)).group_by(events.c.provider)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(query))
    except Exception:  # the hub database check already says what is wrong
        return {}
    return {
        str(row[0]): datetime.fromtimestamp(float(row[1]), tz=UTC).isoformat(timespec="seconds")
        for row in rows
    }


def _first_line(error: BaseException) -> str:
    """The driver's message without SQLAlchemy's SQL echo and background link."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

"""``notionhub doctor``: render the checks of ``doctor.py`` (docs/doctor.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

UNHEALTHY = 1
_MARK = {True: "[green]ok[/green]", False: "[red]FAIL[/red]", None: "[yellow]warn[/yellow]"}


def register_doctor_command(app: typer.Typer, console: Console) -> None:
    """Add ``doctor`` to ``app``."""

    @app.command()
    def doctor(
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Check configuration, hub database, Notion and providers; exit 1 if a check fails."""
        from notionhub.doctor import run_doctor
        from notionhub.logging_setup import configure_logging
        from notionhub.settings import Settings

        settings = Settings()
        configure_logging("warning")  # the report is the output; info lines would clutter it
        report = run_doctor(settings)
        if as_json:
            typer.echo(json.dumps(report.to_json(), indent=2))
        else:
            _render(Console(width=max(Console().width, 80)), report)
        if not report.healthy:
            raise typer.Exit(UNHEALTHY)

    del doctor


def _render(out: Console, report: object) -> None:
    from notionhub.doctor import DoctorReport

    assert isinstance(report, DoctorReport)
    checks = Table(title="Checks", expand=False)
    checks.add_column("check", no_wrap=True)
    checks.add_column("", no_wrap=True)
    checks.add_column("detail", overflow="fold")
    for check in report.checks:
        checks.add_row(check.name, _MARK[check.ok], check.detail)
    out.print(checks)
    providers = Table(title="Providers")
    providers.add_column("provider", no_wrap=True)
    providers.add_column("secret", no_wrap=True)
    providers.add_column("variable", overflow="fold")
    providers.add_column("last delivery", overflow="fold")
    for p in report.providers:
        secret = "[green]set[/green]" if p.secret_set else "[yellow]unset[/yellow]"
        providers.add_row(p.name, secret, p.secret_env, p.last_delivery or "never")
    out.print(providers)
    # Unwrapped, one a line: each is pasted whole into the provider's dashboard.
    out.print("Webhook URLs (paste into each provider's dashboard):")
    for p in report.providers:
        out.print(f"  {p.name:<12} {p.webhook_url}", soft_wrap=True, highlight=False)
    out.print("[green]healthy[/green]" if report.healthy else "[red]unhealthy[/red]")

"""deploy/: the compose file and the systemd units name commands, options and settings that
exist (Docker and systemd do not run here: the files are read, as those tools read them)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import typer
import yaml
from typer.core import TyperGroup

from notionhub.cli import app
from notionhub.settings import Settings

DEPLOY = Path(__file__).parents[1] / "deploy"
NOTIONHUB_SERVICES = {"notion", "hub", "worker-1", "worker-2"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def check_command(args: list[str]) -> str:
    """``args`` run a notionhub command with options it has; the command's name."""
    assert Path(args[0]).name == "notionhub", args
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    command = group.commands.get(args[1])
    assert command is not None, f"no command {args[1]}"
    options = {option for param in command.params for option in param.opts}
    for arg in args[2:]:
        if arg.startswith("--"):
            assert arg.split("=")[0] in options, f"{args[1]} has no option {arg}"
    return args[1]


def test_compose_runs_postgres_one_hub_and_two_workers() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", *NOTIONHUB_SERVICES}
    commands = {name: check_command(services[name]["command"]) for name in NOTIONHUB_SERVICES}
    assert commands == {
        "notion": "notion-server",
        "hub": "serve",
        "worker-1": "worker",
        "worker-2": "worker",
    }
    assert services["notion"]["profiles"] == ["local-notion"]  # optional
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]


def test_every_process_shares_postgres_under_a_worker_id_of_its_own() -> None:
    services = compose()["services"]
    processes = ("hub", "worker-1", "worker-2")
    worker_ids = [services[name]["environment"]["WORKER_ID"] for name in processes]
    assert len(set(worker_ids)) == len(processes)
    for name in processes:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert services[name]["env_file"] == ["notionhub.env"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("worker-1", "worker-2"):  # the hub provisions and records the pack set first
        assert services[name]["depends_on"]["hub"]["condition"] == "service_healthy"
        assert services[name]["stop_signal"] == "SIGTERM"


def test_the_hub_is_healthy_when_ready() -> None:
    hub = compose()["services"]["hub"]
    port = hub["command"][hub["command"].index("--port") + 1]
    assert hub["ports"] == [f"{port}:{port}"]
    assert f"http://127.0.0.1:{port}/health/ready" in " ".join(hub["healthcheck"]["test"])


def test_the_example_settings_are_settings() -> None:
    example = DEPLOY / "notionhub.env.example"
    fields = {name.upper() for name in Settings.model_fields}
    for line in example.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name in fields and value, line


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys and their values (a key may repeat, as Environment= does)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_systemd_units_run_serve_and_workers() -> None:
    serve, worker = unit("notionhub.service"), unit("notionhub-worker@.service")
    assert check_command(shlex.split(serve["ExecStart"][0])) == "serve"
    assert check_command(shlex.split(worker["ExecStart"][0])) == "worker"
    assert "WORKER_ID=%H-worker-%i" in worker["Environment"]  # one id per instance, stable
    assert "WORKER_ID=%H-serve" in serve["Environment"]
    for service in (serve, worker):
        assert service["KillSignal"] == ["SIGTERM"]
        assert service["RestartPreventExitStatus"] == ["2"]  # a refusal is not retried
        assert service["EnvironmentFile"] == ["/etc/notionhub/notionhub.env"]

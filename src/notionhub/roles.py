"""Roles and the permissions they grant (docs/roles.md).

Every hub route that is not public declares the one permission it needs
(``web/authorization.py`` ``require``); a caller's API key is bound to one role, and a role is a
set of permissions. ``INTERNAL_API_KEY`` is an admin key. The permissions marked *no route yet*
are held by the roles as the enterprise guide defines the roles, for routes to come.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything
    MANAGER = "manager"  # projects and agents
    ANALYST = "analyst"  # read everything but the audit log, and reports
    OPERATOR = "operator"  # agents and health


# Permission → what it allows (the table of docs/roles.md).
PERMISSIONS: dict[str, str] = {
    "stats:read": "the console's overview and GET /api/stats: counts and health, no payloads",
    "events:read": "the event log with payloads: GET /api/events…, the console's events",
    "events:replay": "replay events: POST /api/events/{id}/replay, the console's replay",
    "agents:read": "GET /api/agents, the console's agents",
    "agents:write": "agents' heartbeats: POST /api/agents/{name}/heartbeat (a pack's route)",
    "alerts:read": "GET /api/alerts (a pack's route)",
    "workflows:read": "packs' workflow instances: GET /workflows…, the console's workflows",
    "projects:read": "the project pipeline (no route yet)",
    "projects:write": "POST /api/projects (a pack's route)",
    "reports:read": "BI reports (no route yet)",
    "reports:write": "run a BI report on demand (no route yet)",
    "workspace:read": "the console's workspace: provisioned databases and their rows",
    "providers:read": "the console's providers: webhook URLs, secrets set or not",
    "providers:test": "send a signed test event from the console",
    "notion:admin": "the embedded local Notion's /notion/_admin API (webhooks, faults)",
    "audit:read": "GET /api/audit: the audit log",
    "packs:admin": "a pack's routes that declare no permission of their own (``operator_only``)",
    "keys:manage": "add and revoke API keys (today: `notionhub keys`, on the hub's machine)",
}

_READS = frozenset(p for p in PERMISSIONS if p.endswith(":read")) - {"audit:read"}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.MANAGER: frozenset(
        {
            "stats:read",
            "agents:read",
            "agents:write",
            "alerts:read",
            "workflows:read",
            "projects:read",
            "projects:write",
        }
    ),
    Role.ANALYST: _READS | {"reports:write"},
    Role.OPERATOR: frozenset({"stats:read", "agents:read", "agents:write", "alerts:read"}),
}


def allows(role: Role, permission: str) -> bool:
    """True when ``role`` grants ``permission`` (a permission not in ``PERMISSIONS`` is a bug)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS[role]


def parse_role(name: str) -> Role:
    """The role called ``name``; ValueError naming the roles otherwise."""
    try:
        return Role(name.strip().lower())
    except ValueError:
        raise ValueError(
            f"no role {name!r}: one of {', '.join(role.value for role in Role)}"
        ) from None

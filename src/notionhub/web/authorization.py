"""Who calls the hub's API and console, what their key's role lets them do, and the audit log of
writes and refusals (docs/roles.md).

Every route that is not public declares the one permission it needs, as a dependency:
``Depends(require("events:read"))``. A caller presents a key as ``Authorization: Bearer``:
``INTERNAL_API_KEY`` (an admin key) or a key made by ``notionhub keys add`` (its role's
permissions). A missing or unknown key is answered 401, a known key lacking the permission 403
naming both. With no key configured at all (no ``INTERNAL_API_KEY``, no stored key) only
callers on this machine are served, as admins; others get 403.

Every refusal and every write is a row of the hub database's ``audit_log``, written before the
answer goes out.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import anyio.to_thread
from fastapi import HTTPException, Request

from notionhub.hubdb.api_keys import ApiKeys
from notionhub.hubdb.audit_log import ANONYMOUS, AuditLog
from notionhub.roles import PERMISSIONS, Role, allows
from notionhub.web.state import LOOPBACK, HubState

INTERNAL_KEY_NAME = "INTERNAL_API_KEY"
LOOPBACK_NAME = "loopback"  # a caller on this machine, when no key is configured
UNAUTHORIZED = "Send Authorization: Bearer <INTERNAL_API_KEY or a key of `notionhub keys add`>."
NO_KEY_FROM_AFAR = (
    "The hub answers other hosts only once INTERNAL_API_KEY is set or a key is added"
    " (`notionhub keys add NAME --role ROLE`)."
)


@dataclass(frozen=True)
class Caller:
    """Who is calling: a key's name (or ``INTERNAL_API_KEY``, ``loopback``) and its role."""

    name: str
    role: Role

    def may(self, permission: str) -> bool:
        return allows(self.role, permission)


def internal_key(hub: HubState) -> str | None:
    key = hub.settings.internal_api_key
    return key.get_secret_value() if key is not None and key.get_secret_value() else None


def api_keys(hub: HubState) -> ApiKeys:
    return ApiKeys(hub.store.engine, hub.store.clock)


def audit_log(hub: HubState) -> AuditLog:
    return AuditLog(hub.store.engine, hub.store.clock)


def keys_configured(hub: HubState) -> bool:
    """True when the hub wants a key: INTERNAL_API_KEY is set or a key is stored."""
    if internal_key(hub) is not None:
        return True
    return hub.runtime.store is not None and api_keys(hub).any()


def caller_of_key(hub: HubState, given: str) -> Caller | None:
    """The caller ``given`` (a presented key) identifies, or None for an unknown key."""
    given = given.strip()
    if not given:
        return None
    internal = internal_key(hub)
    if internal is not None and hmac.compare_digest(given.encode(), internal.encode()):
        return Caller(INTERNAL_KEY_NAME, Role.ADMIN)
    if hub.runtime.store is None:
        return None
    stored = api_keys(hub).find(given)
    return None if stored is None else Caller(stored.name, stored.role)


def caller_named(hub: HubState, name: str) -> Caller | None:
    """The caller a console session names, if its key still exists (its role as it is now)."""
    if name == INTERNAL_KEY_NAME:
        return Caller(name, Role.ADMIN) if internal_key(hub) is not None else None
    stored = api_keys(hub).named(name)
    return None if stored is None else Caller(stored.name, stored.role)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def is_loopback(request: Request) -> bool:
    return request.client is not None and request.client.host in LOOPBACK


async def record(
    request: Request,
    caller: Caller | None,
    action: str,
    resource: str,
    *,
    success: bool,
    details: str = "",
) -> None:
    """Write one row of the audit log (before the answer is sent)."""
    hub: HubState = request.app.state.hub
    if hub.runtime.store is None:  # not started: nothing is served, nothing to record
        return
    log = audit_log(hub)
    await anyio.to_thread.run_sync(
        lambda: log.record(
            key_name=caller.name if caller is not None else ANONYMOUS,
            role=caller.role.value if caller is not None else None,
            action=action,
            resource=resource,
            success=success,
            details=details,
        )
    )


async def refuse(
    request: Request, caller: Caller | None, permission: str, status: int, message: str
) -> HTTPException:
    """The refusal to raise, once it is in the audit log."""
    resource = f"{request.scope.get('method', '')} {request.scope.get('path', '')}"
    await record(
        request, caller, "denied", resource, success=False, details=f"{status} {permission}"
    )
    return HTTPException(status, message)


async def identify(request: Request, permission: str) -> Caller:
    """The caller of an API route, by bearer key; 401 for a missing or unknown key, 403 from
    another host when no key is configured."""
    hub: HubState = request.app.state.hub
    if not await anyio.to_thread.run_sync(keys_configured, hub):
        if is_loopback(request):
            return Caller(LOOPBACK_NAME, Role.ADMIN)
        raise await refuse(request, None, permission, 403, NO_KEY_FROM_AFAR)
    token = bearer_token(request)
    caller = None if token is None else await anyio.to_thread.run_sync(caller_of_key, hub, token)
    if caller is None:
        raise await refuse(request, None, permission, 401, UNAUTHORIZED)
    return caller


def lacks(caller: Caller, permission: str) -> str:
    return (
        f"The key {caller.name!r} has the role {caller.role.value}, which does not grant"
        f" {permission}."
    )


async def authorize(request: Request, permission: str) -> Caller:
    """The caller, once it holds ``permission`` (401/403 otherwise, each in the audit log)."""
    caller = await identify(request, permission)
    if not caller.may(permission):
        raise await refuse(request, caller, permission, 403, lacks(caller, permission))
    request.state.caller = caller
    return caller


def caller_of(request: Request) -> Caller | None:
    """The caller ``authorize`` let in for this request."""
    found: Caller | None = getattr(request.state, "caller", None)
    return found


class require:  # noqa: N801 (used as a function: ``Depends(require("events:read"))``)
    """A FastAPI dependency: the hub, for a caller holding ``permission``."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        self.permission = permission

    async def __call__(self, request: Request) -> HubState:
        await authorize(request, self.permission)
        hub: HubState = request.app.state.hub
        return hub

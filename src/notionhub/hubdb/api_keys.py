"""API keys bound to roles, in the hub database (docs/roles.md).

A key is 256 random bits (``nhk_`` + 43 base64url characters), shown once when made; the
database keeps only its SHA-256. A key that random needs no slow hash: no dictionary guesses
it. A presented key is found by its digest and the digests are compared with
``hmac.compare_digest``, so nothing about a stored key shows in the time an answer takes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from notionhub.errors import ApiKeyError
from notionhub.hubdb.engine import read_connection, write_transaction
from notionhub.hubdb.tables import api_keys
from notionhub.roles import Role, parse_role

KEY_PREFIX = "nhk_"
MAX_NAME = 100
# ``last_used_at`` is refreshed at most this often per key: not a database write per request.
LAST_USED_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class StoredKey:
    """A key as the hub knows it: never the key itself."""

    name: str
    role: Role
    created_at: float
    last_used_at: float | None


def key_digest(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


class ApiKeys:
    """The hub's API keys: add (the key returned once), find by key, list, revoke."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, name: str, role: str) -> str:
        """Make a key named ``name`` for ``role``; the key, which is stored only hashed."""
        name = name.strip()
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise ApiKeyError(f"a key's name is 1 to {MAX_NAME} printable characters")
        try:
            bound = parse_role(role)
        except ValueError as error:
            raise ApiKeyError(str(error)) from None
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = {
            "name": name,
            "role": bound.value,
            "key_hash": key_digest(key),
            "created_at": self.clock(),
            "last_used_at": None,
        }
        try:
            with write_transaction(self.engine, None) as connection:
                connection.execute(insert(api_keys).values(row))
        except IntegrityError:
            raise ApiKeyError(f"a key named {name!r} exists: revoke it first") from None
        return key

    def revoke(self, name: str) -> StoredKey:
        """Delete the key named ``name`` (it stops working at once); the key it was."""
        with write_transaction(self.engine, None) as connection:
            found = connection.execute(select(api_keys).where(api_keys.c.name == name)).first()
            if found is None:
                raise ApiKeyError(f"no key named {name!r}")
            connection.execute(delete(api_keys).where(api_keys.c.name == name))
        return _stored(found._mapping)

    def all(self) -> list[StoredKey]:
        with read_connection(self.engine) as connection:
            rows = connection.execute(select(api_keys).order_by(api_keys.c.name)).all()
        return [_stored(row._mapping) for row in rows]

    def named(self, name: str) -> StoredKey | None:
        with read_connection(self.engine) as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.name == name)).first()
        return None if row is None else _stored(row._mapping)

    def any(self) -> bool:
        """True once a key is stored (the hub then wants a key from every operator)."""
        with read_connection(self.engine) as connection:
            count = connection.execute(select(func.count()).select_from(api_keys)).scalar_one()
        return int(count) > 0

    def find(self, key: str) -> StoredKey | None:
        """The stored key ``key`` is, or None; notes when it was used (at most once a minute)."""
        digest = key_digest(key)
        with read_connection(self.engine) as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.key_hash == digest)).first()
        if row is None or not hmac.compare_digest(str(row.key_hash), digest):
            return None
        stored = _stored(row._mapping)
        now = self.clock()
        if stored.last_used_at is None or now - stored.last_used_at >= LAST_USED_EVERY_SECONDS:
            with write_transaction(self.engine, None) as connection:
                connection.execute(
                    update(api_keys).where(api_keys.c.name == stored.name).values(last_used_at=now)
                )
        return stored


def _stored(values: Mapping[Any, Any]) -> StoredKey:
    return StoredKey(
        name=str(values["name"]),
        role=Role(values["role"]),
        created_at=float(values["created_at"]),
        last_used_at=None if values["last_used_at"] is None else float(values["last_used_at"]),
    )

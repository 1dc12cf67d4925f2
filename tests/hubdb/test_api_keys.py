"""API keys and the audit log in the hub database, SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from notionhub.errors import ApiKeyError
from notionhub.hubdb.api_keys import LAST_USED_EVERY_SECONDS, ApiKeys
from notionhub.hubdb.audit_log import AuditLog
from notionhub.roles import Role


def test_keys_round_trip_and_last_use(any_hub_engine: Engine) -> None:
    now = [1_000.0]
    keys = ApiKeys(any_hub_engine, clock=lambda: now[0])
    assert not keys.any()
    key = keys.add(" reporting ", "ANALYST")
    assert keys.any() and keys.find("nhk_other") is None
    found = keys.find(f"  {key} ")
    assert found is not None and (found.name, found.role) == ("reporting", Role.ANALYST)
    now[0] += LAST_USED_EVERY_SECONDS / 2
    keys.find(key)
    [listed] = keys.all()
    assert listed.created_at == 1_000.0 and listed.last_used_at == 1_000.0
    with pytest.raises(ApiKeyError, match="exists"):
        keys.add("reporting", "admin")
    with pytest.raises(ApiKeyError, match="no role 'root'"):
        keys.add("x", "root")
    assert keys.revoke("reporting").role is Role.ANALYST
    assert keys.find(key) is None and not keys.any()
    with pytest.raises(ApiKeyError, match="no key named"):
        keys.revoke("reporting")


def test_audit_rows_are_read_since_a_time_and_paged(any_hub_engine: Engine) -> None:
    now = [100.0]
    log = AuditLog(any_hub_engine, clock=lambda: now[0])
    for second in range(3):
        now[0] = 100.0 + second
        log.record(key_name=None, role=None, action="denied", resource="GET /x", success=False)
    assert [entry.at for entry in log.since(101.0)] == [101.0, 102.0]
    first, second = log.since(None, limit=2)
    assert first.key_name == "anonymous" and first.success is False
    assert [entry.at for entry in log.since(None, after_id=second.id)] == [102.0]
    assert first.to_json()["time"] == "1970-01-01T00:01:40.000+00:00"

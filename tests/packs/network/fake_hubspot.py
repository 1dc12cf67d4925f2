"""A local HubSpot for the contact sync's tests: CRM v3's batch upsert of contacts, checked.

It answers ``POST /crm/v3/objects/contacts/batch/upsert`` as HubSpot documents it (bearer token;
``{"inputs": [{"idProperty": "email", "id", "properties": {name: string}}]}``; 200 with
``results``), refuses a wrong request with HubSpot's error object (``status``, ``message``,
``category``, ``correlationId``, ``errors``), can answer 429 with ``Retry-After`` once, or 207
for one input, and records every call it receives.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"
# HubSpot's default contact properties the sync may write (a subset: HubSpot has many more).
DEFAULT_PROPERTIES = frozenset(
    {"email", "firstname", "lastname", "phone", "company", "hs_lead_status", "lifecyclestage"}
)
# The default options of the two enumerations (an account may change them).
LEAD_STATUSES = frozenset(
    {"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT",
     "CONNECTED", "BAD_TIMING"}
)  # fmt: skip
LIFECYCLE_STAGES = frozenset(
    {"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
     "customer", "evangelist", "other"}
)  # fmt: skip
WHEN = "2026-03-14T15:09:26.000Z"  # every time the fake reports: its answers are reproducible


class Refusal(Exception):
    """A request HubSpot would refuse: its status and error object."""

    def __init__(self, status: int, category: str, message: str, where: str = "") -> None:
        super().__init__(message)
        self.status, self.category, self.message, self.where = status, category, message, where


@dataclass(frozen=True)
class Call:
    """One request as the fake received it (header names lowercased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON, or the raw text when it was not JSON


@dataclass
class FakeHubspot:
    """One HubSpot account: its private app token, its custom contact properties, its contacts."""

    token: str
    custom_properties: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # email → contact
    rate_limits: list[float] = field(default_factory=list)  # Retry-After of the next 429s
    failing_emails: set[str] = field(default_factory=set)  # inputs answered with a 207 error
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rate_limit_once(self, retry_after: float) -> None:
        """Answer the next request 429 with this ``Retry-After`` (seconds)."""
        self.rate_limits.append(retry_after)

    def reset(self) -> None:
        with self._lock:
            self.custom_properties.clear()
            self.calls.clear()
            self.contacts.clear()
            self.rate_limits.clear()
            self.failing_emails.clear()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def endpoint(path: str, request: Request) -> JSONResponse:
            raw = await request.body()
            headers = {name.lower(): value for name, value in request.headers.items()}
            with self._lock:
                return self.answer(request.method, f"/{path}", headers, raw)

        return app

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> JSONResponse:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        self.calls.append(Call(method, path, headers, body))
        number = len(self.calls)
        try:
            if self.rate_limits:
                wait = self.rate_limits.pop(0)
                raise Refusal(
                    429, "RATE_LIMITS", "You have reached your secondly limit.", str(wait)
                )
            status, answer = self._upsert(method, path, headers, body)
        except Refusal as refusal:
            error: dict[str, Any] = {
                "status": "error",
                "message": refusal.message,
                "correlationId": f"00000000-0000-4000-8000-{number:012d}",
                "category": refusal.category,
            }
            extra = {}
            if refusal.status == 429:
                extra = {"Retry-After": refusal.where}
            elif refusal.where:
                error["errors"] = [{"message": refusal.message, "in": refusal.where}]
            return JSONResponse(error, status_code=refusal.status, headers=extra)
        return JSONResponse(answer, status_code=status)

    def _upsert(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, Any]]:
        if path != UPSERT_PATH:
            raise Refusal(404, "OBJECT_NOT_FOUND", f"No route for {method} {path}.")
        if method != "POST":
            raise Refusal(405, "VALIDATION_ERROR", f"{method} is not allowed on {path}.")
        if headers.get("authorization") != f"Bearer {self.token}":
            raise Refusal(
                401, "INVALID_AUTHENTICATION", "Authentication credentials not found or invalid."
            )
        if not headers.get("content-type", "").startswith("application/json"):
            raise Refusal(415, "VALIDATION_ERROR", "Content-Type should be application/json.")
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
            raise Refusal(400, "VALIDATION_ERROR", "inputs should hold 1 to 100 objects.", "inputs")
        results, errors = [], []
        for item in inputs:
            email = self._check(item)
            if email in self.failing_emails:
                errors.append({"status": "error", "category": "VALIDATION_ERROR",
                               "message": f"Contact {email} could not be upserted.",
                               "context": {"ids": [email]}})  # fmt: skip
                continue
            results.append(self._store(email, item["properties"]))
        answer: dict[str, Any] = {
            "status": "COMPLETE", "results": results,
            "requestedAt": WHEN, "startedAt": WHEN, "completedAt": WHEN,
        }  # fmt: skip
        if errors:
            answer |= {"errors": errors, "numErrors": len(errors)}
            return 207, answer
        return 200, answer

    def _check(self, item: Any) -> str:
        """The input's email; ``Refusal`` (400) for anything HubSpot would not take."""
        if not isinstance(item, dict) or item.get("idProperty") != "email":
            raise Refusal(400, "VALIDATION_ERROR", "idProperty should be email.", "idProperty")
        email, properties = item.get("id"), item.get("properties")
        if not isinstance(email, str) or "@" not in email:
            raise Refusal(400, "VALIDATION_ERROR", f"{email!r} is not an email address.", "id")
        if not isinstance(properties, dict):
            raise Refusal(400, "VALIDATION_ERROR", "properties should be an object.", "properties")
        known = DEFAULT_PROPERTIES | self.custom_properties
        for name, value in properties.items():
            if name not in known:
                raise Refusal(400, "VALIDATION_ERROR", f'Property "{name}" does not exist', name)
            if not isinstance(value, str):
                raise Refusal(400, "VALIDATION_ERROR", f"{name} should be a string.", name)
        for name, options in (
            ("hs_lead_status", LEAD_STATUSES),
            ("lifecyclestage", LIFECYCLE_STAGES),
        ):
            if name in properties and properties[name] not in options:
                message = f"{properties[name]!r} was not one of the allowed options of {name}"
                raise Refusal(400, "VALIDATION_ERROR", message, name)
        if properties.get("email", email).lower() != email.lower():
            raise Refusal(400, "VALIDATION_ERROR", "properties.email differs from id.", "email")
        return email.lower()

    def _store(self, email: str, properties: dict[str, str]) -> dict[str, Any]:
        current = self.contacts.get(email)
        new = current is None
        if current is None:
            current = {"id": str(501 + len(self.contacts)), "properties": {"email": email}}
            self.contacts[email] = current
        current["properties"].update(properties)
        return {
            "id": current["id"], "new": new, "archived": False,
            "properties": dict(current["properties"]), "createdAt": WHEN, "updatedAt": WHEN,
        }  # fmt: skip

"""The one exception hierarchy of notionhub.

NotionhubError                      anything notionhub raises on purpose
├── ConfigurationError              settings missing or inconsistent
├── NotionUnreachable               no answer from Notion after every retry
├── AmbiguousWrite                  a create may or may not have been applied
├── DuplicateKeyPages               several pages carry one record key
├── SchemaDefinitionError           a NotionModel declaration is invalid
├── PropertyValueError              a value does not fit its property (writing or reading a page)
├── IngestError                     a webhook request refused; ``status`` is the HTTP answer
│   ├── UnknownProvider             404: no provider of that name
│   ├── SecretNotConfigured         503: the provider's secret variable is unset
│   ├── SignatureRejected           401: missing, wrong or stale signature
│   ├── PayloadRejected             400: the body does not parse or lacks a required field
│   ├── PayloadTooLarge             413: the body is over the size limit
│   └── EventLogUnavailable         503: the event could not be stored; the sender should retry
│       └── EventLogRetryLater      503 with Retry-After: the hub database is busy or full
├── HubDatabaseUnavailable          the hub database did not take a write within the wait allowed
│   ├── HubDatabaseBusy             its lock is held elsewhere (another process, a long transaction)
│   └── HubDatabaseFull             the disk under it (or its size limit) is full
├── EventNotFound                   no stored event with that id
├── StartRefused                    a process must not start; the message says why, in one line
│   ├── DataFolderInUse             another process owns the SQLite data folder (its lock is held)
│   ├── PackSetChanged              NOTIONHUB_PACKS differ from the shared database's recorded set
│   └── PortUnavailable             the address to listen on cannot be bound (taken, not allowed)
├── StateMachineError               a state machine declared wrongly, or an unknown instance
├── ApiKeyError                     an API key's name taken or unknown, or an unknown role
├── OutboundError                   a call a flow made to another API did not succeed
│   ├── OutboundUnavailable         429, 5xx or no answer after every retry: try again later
│   └── OutboundRejected            a 4xx other than 429: the service refused the call for good
└── NotionAPIError                  an error in the shape of the Notion API (status, code, message)
    ├── InvalidJSON                 400 invalid_json: the body is not JSON
    ├── InvalidRequestURL           400 invalid_request_url: no such route
    ├── InvalidRequest              400 invalid_request: the request is not supported
    ├── ValidationFailed            400 validation_error: the body does not fit the schema
    ├── MissingVersion              400 missing_version: no Notion-Version header
    ├── Unauthorized                401 unauthorized: missing or unknown bearer token
    ├── RestrictedResource          403 restricted_resource: not allowed for this token
    ├── ObjectNotFound              404 object_not_found: unknown or unshared id
    ├── Conflict                    409 conflict_error: a data collision, retry
    ├── RateLimited                 429 rate_limited: slow down, see retry_after
    ├── InternalServerError         500 internal_server_error
    ├── ServiceUnavailable          503 service_unavailable
    └── GatewayTimeout              504 gateway_timeout
"""

from __future__ import annotations

from typing import Any, ClassVar


class NotionhubError(Exception):
    """Anything notionhub raises on purpose."""


class ConfigurationError(NotionhubError):
    """Settings are missing or inconsistent; the message names the variable."""


class ApiKeyError(NotionhubError):
    """An API key's name is taken or unknown, or its role is not one of the roles."""


class NotionUnreachable(NotionhubError):
    """No answer from Notion after every retry: timeouts or network errors."""


class AmbiguousWrite(NotionhubError):
    """A create timed out or failed with a 5xx after it was sent: it may have been applied."""


class DuplicateKeyPages(NotionhubError):
    """Several Notion pages carry the same record key; the message lists them."""


class SchemaDefinitionError(NotionhubError):
    """A NotionModel declaration is invalid; the message names the model and the field."""


class PropertyValueError(NotionhubError):
    """A record value or a page's property value does not fit the model's property."""


class IngestError(NotionhubError):
    """A webhook request refused; ``status`` is the HTTP answer, the message says why."""

    status: ClassVar[int] = 400


class UnknownProvider(IngestError):
    """No provider of that name."""

    status = 404


class SecretNotConfigured(IngestError):
    """The provider's secret variable is unset: nothing unsigned is ever accepted."""

    status = 503


class SignatureRejected(IngestError):
    """The signature is missing, wrong or stale."""

    status = 401


class PayloadRejected(IngestError):
    """The body does not parse, or lacks a field the provider always sends."""

    status = 400


class PayloadTooLarge(IngestError):
    """The body is over the size limit."""

    status = 413


class EventLogUnavailable(IngestError):
    """The event could not be stored (the database refused); nothing was accepted."""

    status = 503


class EventLogRetryLater(EventLogUnavailable):
    """The hub database is busy or full: 503 with ``Retry-After``; nothing was accepted."""

    retry_after: ClassVar[int] = 5


class HubDatabaseUnavailable(NotionhubError):
    """The hub database did not take a write within the wait allowed; the message says why."""


class HubDatabaseBusy(HubDatabaseUnavailable):
    """The hub database's lock is held elsewhere (another process, a long transaction)."""


class HubDatabaseFull(HubDatabaseUnavailable):
    """The disk under the hub database (or the database's size limit) is full."""


class EventNotUsable(NotionhubError):
    """A stored event lacks what a flow needs (e.g. a booking without its uid): not retried."""


class StateMachineError(NotionhubError):
    """A state machine is declared wrongly (unknown state, no initial state), or an instance is
    unknown; the message names the machine and the instance."""


class OutboundError(NotionhubError):
    """A call a flow made to another API did not succeed; the message names the service."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class OutboundUnavailable(OutboundError):
    """429, 5xx or no answer after every retry: transient, the event's step tries again later."""


class OutboundRejected(OutboundError):
    """A 4xx other than 429: the service refused the call for good (permanent)."""


class EventNotFound(NotionhubError):
    """No stored event has that id."""


class StartRefused(NotionhubError):
    """A process must not start (nothing was processed); the message says why, in one line."""


class DataFolderInUse(StartRefused):
    """Another running process owns the SQLite data folder; the message names it."""


class PackSetChanged(StartRefused):
    """NOTIONHUB_PACKS differ from the pack set recorded in the shared hub database."""


class PortUnavailable(StartRefused):
    """The address and port to listen on cannot be bound (in use, or not allowed)."""


class NotionAPIError(NotionhubError):
    """An error with Notion's status, code and message; rendered as Notion's error object."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        additional_data: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.additional_data = additional_data
        self.retry_after = retry_after

    def to_body(self, request_id: str | None = None) -> dict[str, Any]:
        """Notion's error object.

        ``{object, status, code, message, request_id?, additional_data?}``.
        """
        body: dict[str, Any] = {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }
        if request_id is not None:
            body["request_id"] = request_id
        if self.additional_data is not None:
            body["additional_data"] = self.additional_data
        return body


class InvalidJSON(NotionAPIError):
    """400 invalid_json: the request body could not be decoded as JSON."""

    code = "invalid_json"


class InvalidRequestURL(NotionAPIError):
    """400 invalid_request_url: the URL names no endpoint."""

    code = "invalid_request_url"


class InvalidRequest(NotionAPIError):
    """400 invalid_request: the request is not supported."""

    code = "invalid_request"


class ValidationFailed(NotionAPIError):
    """400 validation_error: the body does not match the expected parameters."""

    code = "validation_error"


class MissingVersion(NotionAPIError):
    """400 missing_version: the Notion-Version header is absent."""

    code = "missing_version"


class Unauthorized(NotionAPIError):
    """401 unauthorized: the bearer token is missing or not valid."""

    status = 401
    code = "unauthorized"


class RestrictedResource(NotionAPIError):
    """403 restricted_resource: the token may not do this."""

    status = 403
    code = "restricted_resource"


class ObjectNotFound(NotionAPIError):
    """404 object_not_found: the id is unknown or not shared with the integration."""

    status = 404
    code = "object_not_found"


class Conflict(NotionAPIError):
    """409 conflict_error: the transaction collided with another; retry."""

    status = 409
    code = "conflict_error"


class RateLimited(NotionAPIError):
    """429 rate_limited: too many requests; ``retry_after`` says how long to wait."""

    status = 429
    code = "rate_limited"


class InternalServerError(NotionAPIError):
    """500 internal_server_error."""

    status = 500
    code = "internal_server_error"


class ServiceUnavailable(NotionAPIError):
    """503 service_unavailable."""

    status = 503
    code = "service_unavailable"


class GatewayTimeout(NotionAPIError):
    """504 gateway_timeout."""

    status = 504
    code = "gateway_timeout"


NOTION_ERRORS_BY_CODE: dict[str, type[NotionAPIError]] = {
    cls.code: cls
    for cls in (
        InvalidJSON,
        InvalidRequestURL,
        InvalidRequest,
        ValidationFailed,
        MissingVersion,
        Unauthorized,
        RestrictedResource,
        ObjectNotFound,
        Conflict,
        RateLimited,
        InternalServerError,
        ServiceUnavailable,
        GatewayTimeout,
    )
}

"""The outbound client: how a pack's flow calls another API (HubSpot, a notifier) safely.

- ``client.py``: ``OutboundClient`` (one service) and ``OutboundClients`` (the process's pool);
- ``policy.py``: rate, attempts, backoff and ``Retry-After``;
- ``records.py``: the ``outbound_calls`` rows that make a re-run step call only once.
"""

from notionhub.outbound.client import (
    OutboundClient,
    OutboundClients,
    OutboundResponse,
    OutcomeObserver,
)
from notionhub.outbound.policy import OutboundPolicy
from notionhub.outbound.records import OutboundRecord, find_record, record_outcome

__all__ = [
    "OutboundClient",
    "OutboundClients",
    "OutboundPolicy",
    "OutboundRecord",
    "OutboundResponse",
    "OutcomeObserver",
    "find_record",
    "record_outcome",
]

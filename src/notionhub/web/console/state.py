"""What the console keeps between requests (on ``app.state.console``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from notionhub.web.console.queries import RequestRate
from notionhub.web.console.session import SessionSigner
from notionhub.web.readiness import Readiness

HEALTH_SECONDS = 10.0  # the readiness checks write a probe row: not on every refresh


@dataclass
class ConsoleState:
    signer: SessionSigner
    readiness: Readiness
    rate: RequestRate = field(default_factory=RequestRate)
    # The last health checks and when they ran (monotonic seconds).
    health: tuple[float, dict[str, Any]] | None = None

    async def health_checks(self) -> dict[str, Any]:
        if self.health is None or time.monotonic() - self.health[0] > HEALTH_SECONDS:
            self.health = (time.monotonic(), await self.readiness.run())
        return self.health[1]

"""Which module handles which provider: add a provider by adding one line here.

Each module under ``ingest/providers/`` exposes ``PROVIDER``, an instance of ``Provider``.
"""

from __future__ import annotations

import importlib
from functools import cache

from notionhub.errors import UnknownProvider
from notionhub.ingest.provider import Provider

_PROVIDER_MODULES = {
    "stripe": "notionhub.ingest.providers.stripe",
    "calcom": "notionhub.ingest.providers.calcom",
    "zoom": "notionhub.ingest.providers.zoom",
    "typeform": "notionhub.ingest.providers.typeform",
    "woocommerce": "notionhub.ingest.providers.woocommerce",
    "hubspot": "notionhub.ingest.providers.hubspot",
    "amelia": "notionhub.ingest.providers.amelia",
    "beehiiv": "notionhub.ingest.providers.beehiiv",
    "circle": "notionhub.ingest.providers.circle",
    "notion": "notionhub.ingest.providers.notion",
    # Not under /hooks/: the coaching app's internal endpoint and the network server's form posts.
    "coaching-app": "notionhub.ingest.providers.coaching_app",
    "forms": "notionhub.ingest.providers.forms",
}

# The providers of POST /hooks/{provider}; the others have routes of their own.
HOOK_PROVIDERS = (
    "stripe",
    "calcom",
    "zoom",
    "typeform",
    "woocommerce",
    "hubspot",
    "amelia",
    "beehiiv",
    "circle",
    "notion",
)


def provider_names() -> list[str]:
    return sorted(_PROVIDER_MODULES)


@cache
def get_provider(name: str) -> Provider:
    """The provider called ``name``; ``UnknownProvider`` listing the known ones otherwise."""
    module_name = _PROVIDER_MODULES.get(name)
    if module_name is None:
        raise UnknownProvider(
            f"Unknown provider {name!r}: known providers are {', '.join(HOOK_PROVIDERS)}."
        )
    provider: Provider = importlib.import_module(module_name).PROVIDER
    return provider

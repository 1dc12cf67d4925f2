"""Which module handles which provider: add a built-in provider by adding one line here.

Each module under ``ingest/providers/`` exposes ``PROVIDER``, an instance of ``Provider``. A pack
may bring providers of its own (the coaching app's endpoint): a hub takes deliveries from the
``ProviderRegistry`` of the built-in ones and its packs' ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import cache

from notionhub.errors import ConfigurationError, UnknownProvider
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
    # Not under /hooks/: the network server's form posts (its own route).
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


class ProviderRegistry:
    """The providers a hub takes deliveries from: the built-in ones and those its packs bring."""

    def __init__(self, extra: Iterable[Provider] = ()) -> None:
        self._extra: dict[str, Provider] = {}
        for provider in extra:
            if provider.name in _PROVIDER_MODULES or provider.name in self._extra:
                raise ConfigurationError(
                    f"Two providers are called {provider.name!r}: a pack's provider needs a"
                    " name of its own."
                )
            self._extra[provider.name] = provider

    def names(self) -> list[str]:
        return sorted([*_PROVIDER_MODULES, *self._extra])

    def get(self, name: str) -> Provider:
        """The provider called ``name``; ``UnknownProvider`` listing the known ones otherwise."""
        found = self._extra.get(name)
        return found if found is not None else get_provider(name)

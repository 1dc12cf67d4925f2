"""Properties that point elsewhere: people (user ids), relation (page ids), files (URLs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notionhub.notion.schema.base import DriftFound, PropertySpec, ValueHint, expect, register

__all__ = ["Files", "People", "Relation", "same_id"]

_FILE_NAME_LIMIT = 100


def same_id(a: object, b: object) -> bool:
    """Whether two Notion ids are equal, dashed or not."""
    return str(a).replace("-", "").lower() == str(b).replace("-", "").lower()


@dataclass(frozen=True)
class _IdList(PropertySpec):
    list_valued = True

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None:
            return []
        expect(isinstance(value, list | tuple), self, "a list of ids", value)
        for item in value:
            expect(isinstance(item, str) and bool(item), self, "a list of id strings", value)
        return [{"id": item} for item in dict.fromkeys(value)]

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        expect(isinstance(inner, list), self, "a list of references", inner)
        return [str(item["id"]) for item in inner if isinstance(item, dict) and "id" in item]


@register
@dataclass(frozen=True)
class People(_IdList):
    """A people property -> ``list[str]`` of user ids."""

    type = "people"


@register
@dataclass(frozen=True)
class Relation(_IdList):
    """A relation to the model whose ``DatabaseSpec.name`` is ``target`` -> ``list[str]`` page ids.

    ``dual`` names the synced property Notion keeps on the other side; ``None`` makes a
    one-way (``single_property``) relation.
    """

    target: str
    dual: str | None = None

    type = "relation"

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        target_id = data_source_ids.get(self.target)
        if target_id is None:
            return None
        if self.dual is None:
            return {"data_source_id": target_id, "type": "single_property", "single_property": {}}
        return {
            "data_source_id": target_id,
            "type": "dual_property",
            "dual_property": {"synced_property_name": self.dual},
        }

    def drifts(
        self, existing: Mapping[str, Any], data_source_ids: Mapping[str, str]
    ) -> list[DriftFound]:
        expected = data_source_ids.get(self.target)
        actual = (existing.get("relation") or {}).get("data_source_id")
        if expected is None or same_id(expected, actual):
            return []
        return [("wrong_relation_target", expected, None if actual is None else str(actual))]


@register
@dataclass(frozen=True)
class Files(PropertySpec):
    """A files property -> ``list[str]`` of external URLs (hosted files read as their URL)."""

    type = "files"
    list_valued = True

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None:
            return []
        expect(isinstance(value, list | tuple), self, "a list of URLs", value)
        files = []
        for url in value:
            expect(isinstance(url, str) and bool(url), self, "a list of URL strings", value)
            name = url.rstrip("/").rsplit("/", 1)[-1] or url
            files.append(
                {"name": name[:_FILE_NAME_LIMIT], "type": "external", "external": {"url": url}}
            )
        return files

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        expect(isinstance(inner, list), self, "a list of files", inner)
        urls = []
        for item in inner:
            kind = item.get("type") if isinstance(item, dict) else None
            source = item.get(kind) if isinstance(item, dict) and kind else None
            expect(isinstance(source, dict) and "url" in source, self, "a file with a URL", item)
            assert isinstance(source, dict)
            urls.append(str(source["url"]))
        return urls

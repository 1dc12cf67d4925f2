"""The local workspace: storage, clock, ids, users, and look-ups shared by every endpoint.

On first start the workspace holds one bot user (the integration), one person (the owner) and
one page titled ``notionhub``, shared with the integration, to be the parent of databases.

Who writes: a request acts as the integration's bot unless its token is a person's; the server
says so for the duration of the request (``acting_as``), and everything written then is
``created_by`` / ``last_edited_by`` that user (``actor_ref``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from notionhub.errors import ObjectNotFound, ValidationFailed
from notionhub.localnotion.api.ids import IdSource, parse_id
from notionhub.localnotion.formula import FormulaCache
from notionhub.localnotion.rich_text.items import normalize_rich_text
from notionhub.localnotion.storage.encoded_pages import EncodedPages
from notionhub.localnotion.storage.store import Storage, StoredObject

ROOT_PAGE_TITLE = "notionhub"
_BOT_ID_KEY = "bot_user_id"
_ROOT_PAGE_KEY = "root_page_id"
_WORKSPACE_ID_KEY = "workspace_id"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """Notion's timestamp form: ``2025-01-02T10:03:04.567Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _root_title() -> list[dict[str, Any]]:
    return normalize_rich_text([{"text": {"content": ROOT_PAGE_TITLE}}], "title")


def archived_error(object_id: str) -> ValidationFailed:
    """Notion's answer to a write to or under an object in the trash."""
    return ValidationFailed(
        "Can't edit block that is archived. You must unarchive the block before editing."
        f" ({object_id})"
    )


class Workspace:
    """One local Notion workspace backed by a SQLite file."""

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Callable[[], datetime] = utc_now,
        ids: IdSource | None = None,
        public_url: str = "http://127.0.0.1:8765",
    ) -> None:
        self.storage = storage
        self.clock = clock
        # The one maker of object ids here, so ids stay in creation order across threads.
        self.ids = ids or IdSource()
        self.public_url = public_url.rstrip("/")
        self._users: dict[str, dict[str, Any]] = {}
        self.formulas = FormulaCache()
        # Rendered pages as JSON, for query answers (depends on public_url: one per workspace).
        self.encoded_pages = EncodedPages()
        # The user the current request acts as (None: the bot). A context variable, not an
        # attribute: in-process transports may run requests on several threads' event loops.
        self._actor: ContextVar[str | None] = ContextVar(f"local_notion_actor_{id(self)}")
        self._bootstrap()

    # -- first start -------------------------------------------------------------------

    def _bootstrap(self) -> None:
        with self.storage.transaction():
            bot_id = self.storage.get_meta(_BOT_ID_KEY)
            if bot_id is None:
                bot_id = self.ids.new_id()
                now = self.now()
                bot: dict[str, Any] = {
                    "object": "user",
                    "id": bot_id,
                    "name": "notionhub local integration",
                    "avatar_url": None,
                    "type": "bot",
                    "bot": {
                        "owner": {"type": "workspace", "workspace": True},
                        "workspace_name": ROOT_PAGE_TITLE,
                    },
                }
                owner_id = self.ids.new_id()
                owner: dict[str, Any] = {
                    "object": "user",
                    "id": owner_id,
                    "name": "Workspace Owner",
                    "avatar_url": None,
                    "type": "person",
                    "person": {"email": "owner@localhost"},
                }
                for account in (bot, owner):
                    self.storage.put(
                        StoredObject(account["id"], "user", None, None, False, now, now, account),
                        title=str(account["name"]),
                    )
                self.storage.set_meta(_BOT_ID_KEY, bot_id)
                root = self._root_page_body(bot_id)
                root_id = self.ids.new_id()
                self.storage.put(
                    StoredObject(root_id, "page", None, None, False, now, now, root),
                    title=ROOT_PAGE_TITLE,
                )
                self.storage.set_meta(_ROOT_PAGE_KEY, root_id)
            workspace_id = self.storage.get_meta(_WORKSPACE_ID_KEY)
            if workspace_id is None:  # also for a workspace made before it had one
                workspace_id = self.ids.new_id()
                self.storage.set_meta(_WORKSPACE_ID_KEY, workspace_id)
        self.bot_id = bot_id
        self.workspace_id = workspace_id
        self.root_page_id = self.storage.get_meta(_ROOT_PAGE_KEY) or ""
        for user in self.storage.search(("user",), "", ascending=True):
            self._users[user.id] = user.body
        # The workspace's person (``Workspace Owner``), whom person tokens act as.
        self.person_id = next(
            (user_id for user_id, user in self._users.items() if user["type"] == "person"), bot_id
        )

    def _root_page_body(self, bot_id: str) -> dict[str, Any]:
        who = {"object": "user", "id": bot_id}
        return {
            "parent": {"type": "workspace", "workspace": True},
            "icon": None,
            "cover": None,
            "is_locked": False,
            "created_by": who,
            "last_edited_by": who,
            "values": {"title": {"id": "title", "type": "title", "title": _root_title()}},
        }

    # -- time and users ----------------------------------------------------------------

    def now(self) -> str:
        return format_time(self.clock())

    def now_iso(self) -> str:
        return self.now()

    def bot_ref(self) -> dict[str, Any]:
        return {"object": "user", "id": self.bot_id}

    @contextmanager
    def acting_as(self, user_id: str) -> Iterator[None]:
        """Writes made while the block runs are that user's (one request's handler)."""
        token = self._actor.set(user_id)
        try:
            yield
        finally:
            self._actor.reset(token)

    def actor_id(self) -> str:
        """The user the current request acts as: a person's token's person, else the bot."""
        return self._actor.get(None) or self.bot_id

    def actor_ref(self) -> dict[str, Any]:
        """``created_by`` / ``last_edited_by`` of what the current request writes."""
        return {"object": "user", "id": self.actor_id()}

    def user(self, user_id: str) -> dict[str, Any] | None:
        return self._users.get(user_id)

    def users(self) -> list[dict[str, Any]]:
        return sorted(self._users.values(), key=lambda u: (u["type"] != "person", u["name"]))

    def find_user(self, raw_id: str) -> dict[str, Any]:
        user = self.user(parse_id(raw_id, "path.user_id"))
        if user is None:
            raise ObjectNotFound(f"Could not find user with ID: {raw_id}.")
        return user

    # -- look-ups ----------------------------------------------------------------------

    def find(self, raw_id: object, kinds: tuple[str, ...], field: str) -> StoredObject:
        """The object with this id among ``kinds``, or 404 with Notion's wording."""
        object_id = parse_id(raw_id, field)
        obj = self.storage.get(object_id)
        if obj is None or obj.kind not in kinds:
            noun = kinds[0].replace("_", " ")
            raise ObjectNotFound(
                f"Could not find {noun} with ID: {object_id}. Make sure the relevant pages and"
                " databases are shared with your integration."
            )
        return obj

    def find_live(self, raw_id: object, kinds: tuple[str, ...], field: str) -> StoredObject:
        """Like :meth:`find`, but an object in the trash cannot be written to or under."""
        obj = self.find(raw_id, kinds, field)
        if obj.in_trash:
            raise archived_error(obj.id)
        return obj

    def touch(self, obj: StoredObject, **changes: Any) -> StoredObject:
        """``obj`` with a new ``last_edited_time`` (and ``changes``), not yet stored."""
        body = dict(obj.body)
        body["last_edited_by"] = self.actor_ref()
        return replace(obj, last_edited_time=self.now(), body=body, **changes)

    def url_of(self, object_id: str) -> str:
        return f"{self.public_url}/{object_id.replace('-', '')}"

    def data_source_schema(self, data_source_id: str) -> dict[str, dict[str, Any]]:
        obj = self.storage.get(data_source_id)
        if obj is None or obj.kind != "data_source":
            raise ObjectNotFound(f"Could not find data source with ID: {data_source_id}.")
        schema: dict[str, dict[str, Any]] = obj.body["properties"]
        return schema

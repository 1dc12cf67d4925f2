"""Checking ``DATABASE_URL`` before a command uses it, so a wrong one is one line, not a traceback.

What is refused (a ``ConfigurationError`` naming the variable, its password hidden):

- unset, a ``NOTIONHUB_HOME`` whose folder cannot be made;
- a value that is no URL, or a scheme other than ``sqlite:`` and ``postgresql:`` (``postgres:``);
- a SQLite file in a folder that does not exist: a typo in the path would otherwise create a
  new, empty database somewhere unexpected. The default (``DATABASE_URL`` unset) is the file
  under ``NOTIONHUB_HOME``, whose folder is created as before;
- a PostgreSQL server that does not answer, or refuses the connection, within
  ``CONNECT_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from notionhub.errors import ConfigurationError
from notionhub.settings import Settings

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_SECONDS = 5
_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")
_EXPECTED = "use sqlite:///path/to/hub.sqlite3 or postgresql://user@host:5432/database"
# user:password@ in a URL's authority, and password=… in its query or a conninfo string.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@:\s]*:)[^@\s]*@", re.IGNORECASE)
_PARAMETER_PASSWORD = re.compile(r"(?P<head>password=)[^&\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return _PARAMETER_PASSWORD.sub(r"\g<head>***", text)


def check_hub_database(settings: Settings) -> None:
    """Refuse a ``DATABASE_URL`` the hub cannot use, before anything opens it."""
    url = settings.database_url
    if url is None:  # the default SQLite file under NOTIONHUB_HOME, its folder made on first use
        _check_home(settings.notionhub_home)
        return
    shown = redact(url)
    scheme, separator, rest = url.partition("://")
    if not separator and url.startswith("sqlite:"):
        scheme, rest = "sqlite", url.removeprefix("sqlite:")
    elif not separator:
        raise ConfigurationError(f"DATABASE_URL={shown!r} is not a database URL: {_EXPECTED}.")
    if scheme.lower() not in _SCHEMES:
        raise ConfigurationError(
            f"DATABASE_URL: {scheme}:// databases are not supported: {_EXPECTED}."
        )
    if scheme.lower() == "sqlite":
        _check_sqlite_folder(rest.removeprefix("/"), shown)
    else:
        _check_postgresql(f"postgresql://{rest}", shown)


def _check_home(home: Path) -> None:
    """``home`` is a folder, or can be made one: the nearest existing ancestor is a writable
    folder. Nothing is made here (a refused start leaves no trace)."""
    existing = home
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        problem = f"{existing} is not a folder"
    elif existing != home and not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{existing} is not writable"
    else:
        return
    raise ConfigurationError(
        f"NOTIONHUB_HOME={home}: the folder cannot be made ({problem}); point NOTIONHUB_HOME at"
        " a folder this user can write."
    )


def _check_sqlite_folder(path: str, shown: str) -> None:
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    folder = Path(path.split("?", 1)[0]).parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigurationError(
            f"DATABASE_URL={shown}: the folder {folder} {what}; create it, or point DATABASE_URL"
            " at a file in an existing folder."
        )


def _check_postgresql(url: str, shown: str) -> None:
    import psycopg  # here: the CLI starts without it

    try:
        connection = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as error:
        raise ConfigurationError(
            f"DATABASE_URL={shown}: cannot connect to the database: {_reason(error)}."
        ) from None
    connection.close()


def _reason(error: psycopg.Error) -> str:
    """psycopg's message in a few words: its last line that says something, password hidden.

    ``connection failed: connection to server at "127.0.0.1", port 1 failed: Connection
    refused`` (plus a hint on a second line) becomes ``Connection refused (127.0.0.1, port 1)``.
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    first = lines[0] if lines else type(error).__name__
    where = re.search(r'server at "([^"]+)"(?: \([^)]*\))?, port (\d+)', first)
    reason = first.rsplit(" failed: ", 1)[-1].strip().rstrip(".")
    if where is not None:
        reason = f"{reason} ({where.group(1)}, port {where.group(2)})"
    return redact(reason)

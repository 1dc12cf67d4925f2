"""The ``notionhub`` program: the typer app, with known start-up problems said in one line.

``main`` (the console script, and ``python -m notionhub``) runs the commands of ``cli.py``. What
a person can fix reaches it as an exception and leaves as one line on stderr and exit code 2:

- a ``NotionhubError`` (``ConfigurationError``, ``StartRefused`` …): its message;
- a ``Settings`` validation error: one line per bad variable, named as in the environment
  (``SERVER_PORT``, not ``server_port``), with its value (never a secret's) and what was expected.

Anything else is a bug and keeps its traceback. No line shows a password of a URL.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import SecretStr, ValidationError

from notionhub.errors import NotionhubError
from notionhub.hubdb.database_url import redact
from notionhub.settings import Settings

MISCONFIGURED = 2
_LONGEST_VALUE = 80


def main() -> None:
    """Run the command line; a known misconfiguration ends in one line and exit code 2."""
    from notionhub.cli import app  # imported here so an import-time bug keeps its traceback

    try:
        app()
    except NotionhubError as error:
        _refuse([str(error)])
    except ValidationError as error:
        if error.title != Settings.__name__:
            raise
        _refuse(settings_problems(error))


def settings_problems(error: ValidationError) -> list[str]:
    """One sentence per bad variable of ``Settings``, named as in the environment."""
    fields = Settings.model_fields
    problems: list[str] = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        variable = name.upper() or "a setting"
        secret = name in fields and _is_secret(fields[name].annotation)
        shown = "" if secret else f"={_value(problem.get('input'))}"
        problems.append(f"{variable}{shown}: {_expected(problem)}")
    return problems


def _refuse(messages: list[str]) -> None:
    for message in messages:
        print(f"error: {one_line(message)}", file=sys.stderr)
    raise SystemExit(MISCONFIGURED)


def one_line(message: str) -> str:
    """``message`` on one line, URLs' passwords hidden."""
    return redact(" ".join(message.split()))


def _expected(problem: Any) -> str:
    message = str(problem["msg"])
    if message.startswith("Input should be"):
        return "should be" + message.removeprefix("Input should be")
    return message.removeprefix("Value error, ")


def _value(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _LONGEST_VALUE else text[: _LONGEST_VALUE - 1] + "…"


def _is_secret(annotation: object) -> bool:
    return annotation is SecretStr or "SecretStr" in str(annotation)

"""The local Notion server's published default token (a light module: the CLI and the
settings import it without the server)."""

DEFAULT_TOKEN = "local-notion-token"

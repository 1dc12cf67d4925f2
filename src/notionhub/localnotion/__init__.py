"""A Notion-compatible HTTP server (API version 2025-09-03) stored in SQLite."""

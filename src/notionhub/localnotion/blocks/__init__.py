"""Blocks: bodies checked per type, children stored, icons and covers."""

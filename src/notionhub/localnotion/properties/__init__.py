"""Property schemas and values, rollups, and the per-type registry (``types``)."""

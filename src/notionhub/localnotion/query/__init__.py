"""Data source queries and search: the filter grammar, sorts, exact SQL plans, and views."""

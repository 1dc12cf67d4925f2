"""The fixed vocabularies of data source properties: types, colours, number formats."""

from __future__ import annotations

# Types a page value can be written for, and types Notion computes itself.
WRITABLE_TYPES: frozenset[str] = frozenset(
    {
        "title",
        "rich_text",
        "number",
        "select",
        "multi_select",
        "status",
        "date",
        "people",
        "files",
        "checkbox",
        "url",
        "email",
        "phone_number",
        "relation",
    }
)
COMPUTED_TYPES: frozenset[str] = frozenset(
    {
        "formula",
        "rollup",
        "created_time",
        "created_by",
        "last_edited_time",
        "last_edited_by",
        "unique_id",
    }
)
PROPERTY_TYPES: frozenset[str] = WRITABLE_TYPES | COMPUTED_TYPES

OPTION_TYPES: frozenset[str] = frozenset({"select", "multi_select", "status"})

SELECT_COLORS: tuple[str, ...] = (
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
)

# The formats the Notion app offers; the API reference types this as a free string, but an
# unknown one would render as nothing in the app, so it is refused.
NUMBER_FORMATS: frozenset[str] = frozenset(
    {
        "number",
        "number_with_commas",
        "percent",
        "dollar",
        "australian_dollar",
        "canadian_dollar",
        "singapore_dollar",
        "euro",
        "pound",
        "yen",
        "ruble",
        "rupee",
        "won",
        "yuan",
        "real",
        "lira",
        "rupiah",
        "franc",
        "hong_kong_dollar",
        "new_zealand_dollar",
        "krona",
        "norwegian_krone",
        "mexican_peso",
        "rand",
        "new_taiwan_dollar",
        "danish_krone",
        "zloty",
        "baht",
        "forint",
        "koruna",
        "shekel",
        "chilean_peso",
        "philippine_peso",
        "dirham",
        "colombian_peso",
        "riyal",
        "ringgit",
        "leu",
        "argentine_peso",
        "uruguayan_peso",
        "peruvian_sol",
    }
)

ROLLUP_FUNCTIONS: tuple[str, ...] = (
    "count",
    "count_values",
    "empty",
    "not_empty",
    "unique",
    "show_unique",
    "percent_empty",
    "percent_not_empty",
    "sum",
    "average",
    "median",
    "min",
    "max",
    "range",
    "earliest_date",
    "latest_date",
    "date_range",
    "checked",
    "unchecked",
    "percent_checked",
    "percent_unchecked",
    "count_per_group",
    "percent_per_group",
    "show_original",
)

# Limits of page property values (Notion's "size limits" reference).
MAX_URL_LENGTH = 2000
MAX_EMAIL_LENGTH = 200
MAX_PHONE_LENGTH = 200
MAX_ARRAY_ITEMS = 100
MAX_OPTION_NAME_LENGTH = 100
MAX_FILE_NAME_LENGTH = 100

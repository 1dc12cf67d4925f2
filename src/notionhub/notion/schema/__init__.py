"""Schema as code: each Notion database notionhub uses is one ``NotionModel`` subclass.

See docs/schema-as-code.md. Property markers live one family per module and register their
Notion type in ``PROPERTY_TYPES``; adding a type is adding one marker class.
"""

from notionhub.notion.schema.base import PROPERTY_TYPES, PropertySpec, ValueHint, register
from notionhub.notion.schema.choice import MultiSelect, Option, Select, Status
from notionhub.notion.schema.computed import (
    CreatedTime,
    Formula,
    LastEditedTime,
    Rollup,
    UniqueId,
)
from notionhub.notion.schema.convert import from_page, to_properties
from notionhub.notion.schema.dates import Date, NotionDate
from notionhub.notion.schema.drift import Drift, DriftKind, diff_schema, fix_properties, schema_for
from notionhub.notion.schema.links import Files, People, Relation
from notionhub.notion.schema.model import (
    DatabaseSpec,
    Key,
    NotionModel,
    Owned,
    Owner,
    PropertyField,
    key_of,
    key_value,
    properties_of,
)
from notionhub.notion.schema.number import Checkbox, Number
from notionhub.notion.schema.text import Email, Phone, RichText, Title, Url

__all__ = [
    "PROPERTY_TYPES",
    "Checkbox",
    "CreatedTime",
    "DatabaseSpec",
    "Date",
    "Drift",
    "DriftKind",
    "Email",
    "Files",
    "Formula",
    "Key",
    "LastEditedTime",
    "MultiSelect",
    "NotionDate",
    "NotionModel",
    "Number",
    "Option",
    "Owned",
    "Owner",
    "People",
    "Phone",
    "PropertyField",
    "PropertySpec",
    "Relation",
    "RichText",
    "Rollup",
    "Select",
    "Status",
    "Title",
    "UniqueId",
    "Url",
    "ValueHint",
    "diff_schema",
    "fix_properties",
    "from_page",
    "key_of",
    "key_value",
    "properties_of",
    "register",
    "schema_for",
    "to_properties",
]

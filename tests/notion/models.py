"""Models the gateway, records and provisioning tests declare (two related databases)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from notionhub.notion.schema import (
    Checkbox,
    DatabaseSpec,
    Email,
    Key,
    NotionModel,
    Number,
    Option,
    Relation,
    RichText,
    Rollup,
    Select,
    Title,
)


class Customer(NotionModel):
    __database__ = DatabaseSpec("Customers", env="NOTION_CUSTOMERS_DB", icon="👤")

    name: Annotated[str, Title("Name")]
    email: Annotated[str, Email("Email"), Key()]
    tier: Annotated[
        str | None, Select("Tier", options=[Option("Free"), Option("Pro", "green")])
    ] = None
    notes: Annotated[str, RichText("Notes")] = ""
    orders: Annotated[list[str], Relation("Orders", target="Orders", dual="Customer")] = Field(
        default_factory=list
    )
    total: Annotated[
        float | None, Rollup("Total", relation="Orders", target_property="Amount", function="sum")
    ] = None


class Order(NotionModel):
    __database__ = DatabaseSpec("Orders", env="NOTION_ORDERS_DB")

    title: Annotated[str, Title("Order")]
    order_id: Annotated[str, RichText("Order ID"), Key()]
    amount: Annotated[float | None, Number("Amount", format="euro")] = None
    paid: Annotated[bool, Checkbox("Paid")] = False
    customer: Annotated[list[str], Relation("Customer", target="Customers", dual="Orders")] = Field(
        default_factory=list
    )


MODELS = (Customer, Order)

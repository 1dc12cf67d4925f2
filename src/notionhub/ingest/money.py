"""Amounts as providers send them (Stripe: the currency's smallest unit) in major units."""

from __future__ import annotations

import math
from typing import Any

# Currencies without minor units, and those with three decimals (ISO 4217 facts, as Stripe
# documents them); every other currency has two.
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def major_units(minor: Any, currency: str | None) -> float | None:
    """``minor`` (an amount in the currency's smallest unit) in major units; None if it is not
    a finite number. ``currency``: an upper-case ISO code."""
    if isinstance(minor, bool) or not isinstance(minor, int | float) or not math.isfinite(minor):
        return None
    if currency in ZERO_DECIMAL:
        return float(minor)
    return round(minor / (1000 if currency in THREE_DECIMAL else 100), 3)

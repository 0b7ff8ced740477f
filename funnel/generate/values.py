"""Values written as the extract contract spells them: money, timestamps, booleans."""

from __future__ import annotations

from datetime import datetime


def money(cents: int) -> str:
    """An amount in cents as a decimal with two places: -1234 -> "-12.34"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def ts(t: datetime) -> str:
    """A naive local timestamp with a space between date and time: "2026-10-31 09:15:00"."""
    return t.isoformat(sep=" ")


def boolean(value: bool) -> str:
    """A boolean as "true" or "false"."""
    return "true" if value else "false"

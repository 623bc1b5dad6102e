"""Time units of the lab: "D" (day), "W" (week of 7 days) and "M" (mean Gregorian month, 365.2425 / 12 days)."""

from __future__ import annotations

__all__ = ["DAYS_PER_UNIT", "days_per"]

DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.2425 / 12}


def days_per(unit: str, name: str = "time_unit") -> float:
    """Length of ``unit`` in days; a clear error for anything but "D", "W" or "M"."""
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"{name} must be one of 'D' (day), 'W' (week) or 'M' (month), got {unit!r}")
    return DAYS_PER_UNIT[unit]

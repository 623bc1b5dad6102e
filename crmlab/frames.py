"""What a customer table means travels with it.

A customer summary is only meaningful with its conventions: the unit of ``recency`` and ``T``,
what counts as one purchase, and the day the observation ends. crmlab stores them in the
table itself, in ``DataFrame.attrs["crmlab"]`` (which pandas carries through slicing, copying,
sorting and Parquet files), so that a model fitted on the table, and every forecast, CLV, plot or
evaluation made from it, reads them instead of being told again — and refuses a call that
contradicts them. (CLVTools keeps the same information in its ``clv.data`` object.)

Three kinds of table carry a :class:`TableInfo`:

``customer_summary``
    :func:`crmlab.customer_summary`: frequency, recency, T, monetary per customer, with
    ``time_unit``, ``purchase_period`` and ``observation_end``.
``calibration_holdout``
    :func:`crmlab.calibration_holdout`: the same for a calibration period plus holdout
    purchases, with ``calibration_end`` and ``observation_end``.
``rfm_values``
    :func:`crmlab.segmentation.rfm_values`: the RFM inputs of segmentation (days since the last
    purchase, purchases, revenue), with ``observation_end`` and what a purchase is.

pandas drops ``attrs`` when a frame is joined or merged with one that has none (it keeps them only
when every input agrees). The tables are therefore returned as :class:`CustomerTable`, a DataFrame
that keeps its information as the left side of a join or merge and in a column-wise concat, so that
``summary.join(covariates)`` is still a summary in weeks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from .errors import DataError
from .units import DAYS_PER_UNIT

__all__ = ["CUSTOMER_SUMMARY", "CALIBRATION_HOLDOUT", "RFM_VALUES", "TableInfo", "CustomerTable", "table_info",
           "with_info", "unit_name"]

CUSTOMER_SUMMARY = "customer_summary"
CALIBRATION_HOLDOUT = "calibration_holdout"
RFM_VALUES = "rfm_values"
_KINDS = (CUSTOMER_SUMMARY, CALIBRATION_HOLDOUT, RFM_VALUES)
_KEY = "crmlab"


@dataclass(frozen=True)
class TableInfo:
    """The conventions of a customer table (see the module docstring).

    ``time_unit`` and ``purchase_period`` are "D", "W" or "M"; dates are ISO strings ("1997-09-30") so
    the information survives a Parquet file. ``purchase_period`` of an RFM table says whether a
    purchase is a day ("D") or an order ("order").
    """

    kind: str
    time_unit: str | None = None
    purchase_period: str | None = None
    observation_end: str | None = None
    calibration_end: str | None = None

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"unknown table kind {self.kind!r}; crmlab tables are {_KINDS}")
        if self.time_unit is not None and self.time_unit not in DAYS_PER_UNIT:
            raise ValueError(f"time_unit must be one of {list(DAYS_PER_UNIT)}, got {self.time_unit!r}")

    def replace(self, **changes) -> TableInfo:
        return replace(self, **changes)

    def describe(self) -> str:
        """One line for error messages, e.g. "a customer summary in weeks (W) observed to 1997-09-30"."""
        what = self.kind.replace("_", " ")
        parts = [f"a {what}"]
        if self.time_unit:
            parts.append(f"in {unit_name(self.time_unit)} ({self.time_unit})")
        if self.calibration_end:
            parts.append(f"calibrated to {self.calibration_end}")
        if self.observation_end:
            parts.append(f"observed to {self.observation_end}")
        return " ".join(parts)


def unit_name(unit: str, lang: str = "en") -> str:
    """"days", "weeks", "months" (or 天, 周, 月) for "D", "W", "M"; other units (opportunities) as given."""
    names = {"en": {"D": "days", "W": "weeks", "M": "months"}, "zh": {"D": "天", "W": "周", "M": "月"}}
    return names.get(lang, names["en"]).get(unit, unit)


class CustomerTable(pd.DataFrame):
    """A DataFrame whose crmlab information survives joins, merges and column-wise concats.

    Everything else is a plain DataFrame; ``pd.DataFrame(table)`` converts it back.
    """

    @property
    def _constructor(self):
        return CustomerTable

    def __finalize__(self, other, method: str | None = None, **kwargs):
        result = super().__finalize__(other, method=method, **kwargs)
        if _KEY not in result.attrs:
            sources = [getattr(other, "left", None)] if method == "merge" else list(getattr(other, "input_objs", ()))
            infos = [s.attrs[_KEY] for s in sources if isinstance(s, pd.DataFrame) and _KEY in s.attrs]
            if infos and all(info == infos[0] for info in infos):
                result.attrs[_KEY] = dict(infos[0])
        return result


def table_info(frame) -> TableInfo | None:
    """The :class:`TableInfo` a table carries, or None for a table built by hand."""
    stored = getattr(frame, "attrs", {}).get(_KEY)
    if not stored:
        return None
    try:
        return TableInfo(**stored)
    except (TypeError, ValueError) as error:
        raise DataError(f"the table's crmlab information {stored!r} is not readable ({error}); rebuild the table "
                        "with crmlab, or drop it with table.attrs.pop('crmlab')") from error


def with_info(frame: pd.DataFrame, info: TableInfo) -> CustomerTable:
    """``frame`` as a :class:`CustomerTable` carrying ``info`` (the data are not copied)."""
    table = CustomerTable(frame, copy=False)
    table.attrs = {**frame.attrs, _KEY: {k: v for k, v in asdict(info).items() if v is not None}}
    return table

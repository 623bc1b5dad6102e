"""Read, validate and clean a transaction log, accounting for every row.

A transaction log has one row per purchase (or invoice line): who bought, when,
and for how much — either an amount, or a quantity and a unit price. Real logs
are messy: the UCI Online Retail file, for example, has a quarter of its rows
without a customer, cancellation invoices, zero prices, bad-debt adjustments and
exact duplicate lines. This module makes each problem visible and each decision
explicit:

* :func:`read_transactions` reads CSV, Parquet, Excel, a pandas DataFrame or an
  Ibis table, with the caller naming the columns through a :class:`ColumnMap`.
* :func:`validate` counts every problem (a row can have several) in a
  :class:`DataQualityReport`; it changes nothing and raises nothing for bad rows.
* :func:`clean` applies a documented policy, one keyword per decision, and
  returns the clean log with a report in which every input row is either kept
  or dropped for exactly one reason: ``rows_in == rows_kept + sum(dropped)``.

Rows are judged in this order, and a dropped row carries the first reason that
applies: missing customer, missing date, unparseable date, missing amount,
non-numeric amount, dated after the observation end, exact duplicate, negative
unit price, zero value, and finally cancellations (dropped, or netted against the
customer's earlier purchases). Nothing is written anywhere; the input is never
modified, and the clean log keeps the input's row labels so any row can be
traced back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .errors import (
    AllRowsDroppedError,
    ColumnTypeError,
    DateParseError,
    EmptyDataError,
    MissingColumnError,
    MixedTimeZoneError,
)
from .quality import DROP_REASONS, DataQualityReport

__all__ = [
    "ColumnMap",
    "study_source",
    "ONLINE_RETAIL",
    "ONLINE_RETAIL_II",
    "DataQualityReport",
    "read_transactions",
    "validate",
    "clean",
    "returns_by_customer",
]

STANDARD_COLUMNS = ("customer_id", "date", "amount", "quantity", "price", "invoice", "product")


@dataclass(frozen=True)
class ColumnMap:
    """Which column of a log plays which role.

    ``customer`` and ``date`` are required; the value of a row comes from
    ``amount``, or, when ``amount`` is None, from ``quantity * price``.
    ``invoice`` (cancellations are invoices starting with ``C``) and ``product``
    (cancellations are netted against purchases of the same product) are optional.
    """

    customer: str = "customer_id"
    date: str = "date"
    amount: str | None = "amount"
    quantity: str | None = None
    price: str | None = None
    invoice: str | None = None
    product: str | None = None

    def __post_init__(self):
        if self.amount is None and (self.quantity is None or self.price is None):
            raise ValueError(
                "ColumnMap needs either amount=<column> or both quantity=<column> and price=<column> "
                "to know what each row is worth."
            )

    @classmethod
    def from_roles(cls, roles: dict[str, str | None]) -> ColumnMap:
        """A map from ``{role: column}`` as written in a study file or on the command line.

        Giving quantity and price without amount means the value of a line is quantity x price.
        """
        unknown = set(roles) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown column roles {sorted(unknown)}; the roles are {[f.name for f in fields(cls)]}")
        given = dict(roles)
        if given.get("quantity") and given.get("price") and "amount" not in given:
            given["amount"] = None
        return cls(**given)

    def roles(self) -> dict[str, str]:
        """Standard name -> column name, for every role that is set."""
        names = {"customer": "customer_id", "date": "date", "amount": "amount", "quantity": "quantity",
                 "price": "price", "invoice": "invoice", "product": "product"}
        return {names[f.name]: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


#: Column map of :func:`crmlab.datasets.load_online_retail`.
ONLINE_RETAIL = ColumnMap(customer="CustomerID", date="InvoiceDate", amount=None, quantity="Quantity",
                          price="UnitPrice", invoice="InvoiceNo", product="StockCode")
#: Column map of :func:`crmlab.datasets.load_online_retail_ii`.
ONLINE_RETAIL_II = ColumnMap(customer="Customer ID", date="InvoiceDate", amount=None, quantity="Quantity",
                             price="Price", invoice="Invoice", product="StockCode")

# --------------------------------------------------------------------------- reading

def study_source(path=None, columns: dict | None = None) -> tuple[pd.DataFrame, ColumnMap]:
    """The raw log and column map a notebook studies: the bundled Online Retail, or the analyst's own file.

    ``path`` None gives :func:`crmlab.datasets.load_online_retail` with :data:`ONLINE_RETAIL`; otherwise the
    file is read with ``ColumnMap(**columns)`` (for example ``{"customer": "client", "date": "order_date",
    "amount": "total"}``), the form a study's YAML parameters take.
    """
    if path is None:
        from .datasets import load_online_retail

        return load_online_retail(), ONLINE_RETAIL
    if columns is not None and not isinstance(columns, dict):
        raise TypeError(f"columns maps roles to column names, e.g. {{'customer': 'client'}}, got {columns!r}")
    column_map = ColumnMap.from_roles(columns or {})
    return read_transactions(path, column_map), column_map


def read_transactions(source, columns: ColumnMap = ColumnMap(), *, sheet_name: str | int = 0) -> pd.DataFrame:
    """Read a transaction log as it is, checking that the mapped columns exist.

    Parameters
    ----------
    source : str, Path, DataFrame or Ibis table
        A ``.csv``/``.txt``/``.tsv`` (tab-separated), ``.parquet`` or ``.xlsx``/``.xls``
        file, a DataFrame, or an Ibis table expression (executed on its backend).
    columns : ColumnMap
        The log's column names for each role.
    sheet_name : str or int
        Excel sheet to read.

    Returns
    -------
    DataFrame with all columns of the source, values untouched (CSV customer ids
    are read as text so that ids such as ``00042`` keep their zeros).
    """
    label = _source_label(source)
    if isinstance(source, pd.DataFrame):
        frame = source
    elif hasattr(source, "to_pandas") and hasattr(source, "schema"):
        frame = source.to_pandas()
    elif isinstance(source, (str, Path)):
        frame = _read_file(Path(source), columns, sheet_name)
    else:
        raise TypeError(f"cannot read a transaction log from {type(source).__name__}; "
                        "pass a file path, a pandas DataFrame or an Ibis table")
    if len(frame) == 0:
        raise EmptyDataError(f"{label} has no rows: there is nothing to analyse. "
                             "Check the file or the filter that produced it.")
    missing = [(role, name) for role, name in columns.roles().items() if name not in frame.columns]
    if missing:
        wanted = ", ".join(f"{name!r} (as {role})" for role, name in missing)
        raise MissingColumnError(
            f"{label} has no column {wanted}. Its columns are {list(map(str, frame.columns))}. "
            "Name your columns with columns=ColumnMap(customer=..., date=..., amount=...) "
            "(or quantity=... and price=... instead of amount)."
        )
    return frame


def _source_label(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, pd.DataFrame):
        return f"DataFrame ({len(source):,} rows)"
    return type(source).__name__


def _read_file(path: Path, columns: ColumnMap, sheet_name) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"transaction file {path} does not exist (working directory: {Path.cwd()})")
    suffix = path.suffix.lower()
    text_id = {columns.customer: "string"}
    if suffix in {".csv", ".txt", ".tsv"}:
        try:
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=text_id)
        except pd.errors.EmptyDataError as exc:
            raise EmptyDataError(f"{path} is empty: it has no header and no rows.") from exc
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return pd.read_excel(path, sheet_name=sheet_name, dtype=text_id)
    raise ValueError(f"{path}: unknown file type {suffix!r}; use .csv, .tsv, .parquet or .xlsx "
                     "(or read it yourself and pass the DataFrame)")


# --------------------------------------------------------------------------- parsing

@dataclass
class _Parsed:
    """The log's roles parsed into typed columns, with one boolean mask per check."""

    raw: pd.DataFrame
    label: str
    columns: ColumnMap
    customer: pd.Series
    date: pd.Series
    quantity: pd.Series | None
    price: pd.Series | None
    amount: pd.Series
    flags: dict[str, pd.Series]
    notes: list[str]


_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$")


def _parse(source, columns: ColumnMap, *, observation_end, date_format, mixed_time_zones: str, sheet_name=0) -> _Parsed:
    raw = read_transactions(source, columns, sheet_name=sheet_name)
    label = _source_label(source)
    notes: list[str] = []
    roles = columns.roles()

    customer = _normalise_customer(raw[columns.customer])
    date, missing_date, bad_date, mixed_tz = _parse_dates(raw[columns.date], columns.date, date_format,
                                                          mixed_time_zones, notes, label)
    numbers = {role: _to_number(raw[roles[role]], roles[role], label)
               for role in ("amount", "quantity", "price") if role in roles}
    missing_amount = np.logical_or.reduce([m for _, m, _ in numbers.values()])
    non_numeric = np.logical_or.reduce([b for _, _, b in numbers.values()]) & ~missing_amount
    quantity = numbers["quantity"][0] if "quantity" in numbers else None
    price = numbers["price"][0] if "price" in numbers else None
    amount = numbers["amount"][0] if "amount" in numbers else quantity * price

    index = raw.index
    flags = {
        "missing_customer": customer.isna(),
        "missing_date": missing_date,
        "unparseable_date": bad_date,
        "mixed_time_zone": mixed_tz,
        "missing_amount": pd.Series(missing_amount, index=index),
        "non_numeric_amount": pd.Series(non_numeric, index=index),
    }
    if observation_end is not None:
        end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1)
        flags["after_observation_end"] = date.ge(end).fillna(False).astype(bool)
    flags["duplicate"] = raw.duplicated(keep="first")
    flags["negative_price"] = (price < 0).fillna(False) if price is not None else pd.Series(False, index=index)
    zero = (amount == 0) | ((price == 0) if price is not None else False)
    flags["zero_value"] = zero.fillna(False).astype(bool)
    if columns.invoice is not None:
        invoice_text = raw[columns.invoice].astype("string").str.strip().str.upper()
        flags["cancellation"] = invoice_text.str.startswith("C").fillna(False).astype(bool)
    else:
        flags["cancellation"] = pd.Series(False, index=index)
    value = quantity if quantity is not None else amount
    flags["negative_value"] = (value < 0).fillna(False).astype(bool) & ~flags["cancellation"]
    return _Parsed(raw, label, columns, customer, date, quantity, price, amount, flags, notes)


def _normalise_customer(values: pd.Series) -> pd.Series:
    """Customer ids with blanks as missing; whole-number floats (ids read next to NaN) as integers."""
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        if (present == np.floor(present)).all():
            return values.astype("Int64")
        return values
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _to_number(values: pd.Series, name: str, label: str):
    """(numbers, missing mask, non-numeric mask) of a column that should hold numbers."""
    if pd.api.types.is_bool_dtype(values):
        raise ColumnTypeError(f"column {name!r} of {label} holds True/False values, not numbers; map a numeric column")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        missing = numbers.isna()
        return numbers, missing, pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    missing = (text.isna() | (text == "")).astype(bool)
    numbers = pd.to_numeric(text.mask(missing), errors="coerce").astype("float64")
    bad = numbers.isna() & ~missing
    if bad.any() and bad.sum() == (~missing).sum():
        example = text[bad].iloc[0]
        raise ColumnTypeError(
            f"column {name!r} of {label} should hold numbers but holds text such as {example!r}; "
            "check that the column map points at the right column, or convert the column first "
            "(e.g. strip currency signs and thousands separators)."
        )
    return numbers, missing, bad


def _parse_dates(values: pd.Series, name: str, date_format, mixed_policy: str, notes: list[str], label: str):
    """(naive datetimes, missing mask, unparseable mask, mixed-time-zone mask)."""
    index = values.index
    no_rows = pd.Series(False, index=index)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        notes.append(f"dates in time zone {values.dtype.tz} were kept as local wall-clock time")
        dates = values.dt.tz_localize(None)
        return dates, dates.isna(), no_rows, no_rows
    if pd.api.types.is_datetime64_dtype(values):
        return values, values.isna(), no_rows, no_rows
    if pd.api.types.is_numeric_dtype(values):
        if date_format is None:
            raise ColumnTypeError(
                f"date column {name!r} of {label} holds numbers (e.g. {values.dropna().iloc[0]!r}); "
                "pass date_format= (for example date_format='%Y%m%d' for 19970101)."
            )
        values = values.astype("Int64").astype("string")
    text = values.astype("string").str.strip()
    missing = (text.isna() | (text == "")).astype(bool)
    offsets = text.str.extract(_OFFSET, expand=False)
    mixed = no_rows
    utc = False
    if offsets.notna().any():
        offset_label = offsets.str.replace("Z", "+00:00").str.replace(r"^([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
        offset_label = offset_label.fillna("none")[~missing]
        counts = offset_label.value_counts()
        if len(counts) > 1:
            mixed = pd.Series(False, index=index)
            mixed[~missing] = (offset_label != counts.index[0]).to_numpy()
            if mixed_policy == "raise":
                raise MixedTimeZoneError(
                    f"date column {name!r} of {label} mixes UTC offsets {dict(counts)} "
                    f"({int(mixed.sum()):,} rows differ from {counts.index[0]}), so the order of purchases is "
                    "ambiguous. Pass mixed_time_zones='utc' to convert every timestamp to UTC "
                    "(timestamps without an offset are then taken as UTC)."
                )
            utc = True
            notes.append(f"mixed UTC offsets {dict(counts)} converted to UTC")
        else:
            text = text.str.replace(r"\s*(Z|[+-]\d{2}(?::?\d{2})?)$", "", regex=True)
            notes.append(f"every timestamp carries offset {counts.index[0]}; kept as local wall-clock time")
    parsed = pd.to_datetime(text.mask(missing), format=date_format or "ISO8601", errors="coerce", utc=utc)
    retry = parsed.isna() & ~missing
    if retry.any() and date_format is None:
        parsed[retry] = pd.to_datetime(text[retry], format="mixed", errors="coerce", utc=utc)
        rescued = int((retry & parsed.notna()).sum())
        if rescued:
            notes.append(f"{rescued:,} dates were not ISO 8601 and were read one by one (month before day); "
                         "pass date_format= to be explicit")
    if utc:
        parsed = parsed.dt.tz_convert(None)
    bad = (parsed.isna() & ~missing).astype(bool)
    return parsed, missing, bad, mixed


# --------------------------------------------------------------------------- validate / clean

def validate(source, columns: ColumnMap = ColumnMap(), *, observation_end=None, date_format: str | None = None,
             sheet_name: str | int = 0) -> DataQualityReport:
    """Count every data-quality problem of a transaction log; change nothing.

    Parameters
    ----------
    source : path, DataFrame or Ibis table
        See :func:`read_transactions`.
    columns : ColumnMap
        Column roles. ``crmlab.transactions.ONLINE_RETAIL`` fits the UCI Online Retail file.
    observation_end : date-like, optional
        Count rows dated after this day.
    date_format : str, optional
        strftime format of text dates; by default ISO 8601, then element-wise guessing.

    Returns
    -------
    DataQualityReport with ``findings`` per check (overlapping counts).

    Examples
    --------
    >>> import crmlab as cl
    >>> report = cl.transactions.validate(cl.datasets.load_online_retail(), cl.transactions.ONLINE_RETAIL)
    >>> report.findings["missing_customer"], report.findings["cancellation"], report.findings["duplicate"]
    (135080, 9288, 5268)
    """
    parsed = _parse(source, columns, observation_end=observation_end, date_format=date_format,
                    mixed_time_zones="utc", sheet_name=sheet_name)
    return DataQualityReport(
        source=parsed.label, rows_in=len(parsed.raw), customers_in=int(parsed.customer.nunique()),
        findings={key: int(mask.sum()) for key, mask in parsed.flags.items()}, notes=tuple(parsed.notes),
    )


def returns_by_customer(source, columns: ColumnMap = ColumnMap(), *, sheet_name: str | int = 0) -> pd.Series:
    """Cancellation and return lines per customer in a raw log (lines without a customer are not counted).

    A line counts when its invoice is a cancellation (``C…``) or its quantity (or amount)
    is negative — the rows :func:`clean` treats as cancellations. Used for the per-return
    costs of :func:`crmlab.value.customer_profitability`.
    """
    parsed = _parse(source, columns, observation_end=None, date_format=None, mixed_time_zones="utc",
                    sheet_name=sheet_name)
    returned = (parsed.flags["cancellation"] | parsed.flags["negative_value"]) & parsed.customer.notna()
    return parsed.customer[returned].value_counts().rename("returns").rename_axis("customer_id")


_CHOICES = {
    "duplicates": ("drop", "keep"),
    "cancellations": ("net", "drop"),
    "zero_value": ("keep", "drop"),
    "invalid_dates": ("raise", "drop"),
    "invalid_amounts": ("raise", "drop"),
    "mixed_time_zones": ("raise", "utc"),
}


def clean(source, columns: ColumnMap = ColumnMap(), *, observation_end=None, date_format: str | None = None,
          duplicates: Literal["drop", "keep"] = "drop",
          cancellations: Literal["net", "drop"] = "net",
          zero_value: Literal["keep", "drop"] = "keep",
          invalid_dates: Literal["raise", "drop"] = "raise",
          invalid_amounts: Literal["raise", "drop"] = "raise",
          mixed_time_zones: Literal["raise", "utc"] = "raise",
          sheet_name: str | int = 0) -> tuple[pd.DataFrame, DataQualityReport]:
    """Apply an explicit cleaning policy; return the clean log and a report that accounts for every row.

    Rows without a customer, date or value are always dropped (a customer-level
    analysis cannot use them; they still count in the report), as are rows dated
    after ``observation_end`` and rows with a negative unit price (bad-debt
    adjustments, not sales). Every other decision is a parameter:

    Parameters
    ----------
    duplicates : {"drop", "keep"}
        Exact copies of an earlier row: dropped (taken as double entries), or kept
        as genuine repeats.
    cancellations : {"net", "drop"}
        Cancellation invoices (``C…``) and negative quantities/amounts. ``"drop"``
        removes them and leaves the original purchases untouched (the usual
        "clean Online Retail" of the literature). ``"net"`` subtracts each from the
        same customer's most recent earlier purchases (of the same product when a
        product column is mapped, counting units when quantity and price are
        mapped): a purchase cancelled in full is dropped (``fully_cancelled``), one
        cancelled in part keeps the rest, and a cancellation with nothing earlier
        to net against is dropped (``cancellation_unmatched``).
    zero_value : {"keep", "drop"}
        Rows worth 0 (zero price or amount): kept (they are still purchase
        occasions — CDNOW has 80) or dropped.
    invalid_dates, invalid_amounts : {"raise", "drop"}
        Dates that cannot be parsed, values that are not numbers: raise a
        :class:`~crmlab.errors.DateParseError` / :class:`~crmlab.errors.ColumnTypeError`
        naming the rows (default), or drop and count them.
    mixed_time_zones : {"raise", "utc"}
        Timestamps with different UTC offsets: raise, or convert all to UTC.
    observation_end, date_format, sheet_name
        As in :func:`validate`.

    Returns
    -------
    (clean_log, report)
        ``clean_log`` has ``customer_id``, ``date`` (naive datetime64), ``amount``
        (float64) and, when mapped, ``quantity``, ``price``, ``invoice``,
        ``product``, followed by the source's other columns; it keeps the input's
        row labels. ``report`` is a :class:`DataQualityReport`.

    Raises
    ------
    AllRowsDroppedError
        When no row survives; the error carries the report.
    """
    policy = dict(duplicates=duplicates, cancellations=cancellations, zero_value=zero_value,
                  invalid_dates=invalid_dates, invalid_amounts=invalid_amounts, mixed_time_zones=mixed_time_zones)
    for name, value in policy.items():
        if value not in _CHOICES[name]:
            raise ValueError(f"{name} must be one of {_CHOICES[name]}, got {value!r}")
    parsed = _parse(source, columns, observation_end=observation_end, date_format=date_format,
                    mixed_time_zones=mixed_time_zones, sheet_name=sheet_name)
    flags = parsed.flags
    _raise_on_invalid(parsed, "unparseable_date", invalid_dates, DateParseError, [columns.date],
                      "cannot be parsed as dates", "pass date_format= (e.g. '%d/%m/%Y'), or invalid_dates='drop'")
    value_columns = [c for c in (columns.amount, columns.quantity, columns.price) if c is not None]
    _raise_on_invalid(parsed, "non_numeric_amount", invalid_amounts, ColumnTypeError, value_columns,
                      "are not numbers", "fix those values, or pass invalid_amounts='drop'")

    reason = pd.Series(pd.NA, index=parsed.raw.index, dtype="string")
    rules = ["missing_customer", "missing_date", "unparseable_date", "missing_amount", "non_numeric_amount",
             "after_observation_end"]
    rules += ["duplicate"] if duplicates == "drop" else []
    rules += ["negative_price"]
    rules += ["zero_value"] if zero_value == "drop" else []
    for key in rules:
        if key in flags:
            reason = reason.mask(reason.isna() & flags[key], key)
    is_cancellation = flags["cancellation"] | flags["negative_value"]
    amount, quantity = parsed.amount.copy(), None if parsed.quantity is None else parsed.quantity.copy()
    modified: dict[str, int] = {}
    notes = list(parsed.notes)
    if cancellations == "drop":
        reason = reason.mask(reason.isna() & is_cancellation, "cancellation")
    else:
        reason, amount, quantity, modified, net_notes = _net_cancellations(parsed, reason, is_cancellation)
        notes += net_notes

    kept = reason.isna()
    frame = _assemble(parsed, kept, amount, quantity)
    dropped_rows = reason[~kept].astype(str)
    report = DataQualityReport(
        source=parsed.label, rows_in=len(parsed.raw), customers_in=int(parsed.customer.nunique()),
        findings={key: int(mask.sum()) for key, mask in flags.items()},
        rows_kept=int(kept.sum()), customers_kept=int(frame["customer_id"].nunique()),
        dropped={key: int((dropped_rows == key).sum()) for key in DROP_REASONS},
        modified=modified, policy=policy, notes=tuple(notes), dropped_rows=dropped_rows,
    )
    if report.rows_kept == 0:
        raise AllRowsDroppedError(f"cleaning dropped every row of {parsed.label}:\n{report}", report)
    return frame, report


def _raise_on_invalid(parsed: _Parsed, key: str, choice: str, error: type[Exception], columns: list[str],
                      problem: str, fix: str) -> None:
    """Raise ``error`` naming the first offending rows and values when rows fail ``key`` and the policy is raise."""
    mask = parsed.flags[key]
    if choice == "raise" and mask.any():
        rows = mask[mask].index[:5].tolist()
        examples = parsed.raw.loc[rows, columns].to_dict("records") if len(columns) > 1 \
            else parsed.raw.loc[rows, columns[0]].tolist()
        named = columns[0] if len(columns) == 1 else "/".join(columns)
        raise error(f"{int(mask.sum()):,} values of column {named!r} in {parsed.label} {problem} "
                    f"(rows {rows}, values {examples}); {fix}.")


def _assemble(parsed: _Parsed, kept: pd.Series, amount: pd.Series, quantity: pd.Series | None) -> pd.DataFrame:
    """The clean log: standard columns first, then the source's other columns."""
    roles = parsed.columns.roles()
    out = {"customer_id": parsed.customer, "date": parsed.date, "amount": amount}
    if quantity is not None:
        out["quantity"] = quantity
        out["price"] = parsed.price
    for role in ("invoice", "product"):
        if role in roles:
            out[role] = parsed.raw[roles[role]]
    frame = pd.DataFrame(out)
    mapped = set(roles.values())
    for column in parsed.raw.columns:
        if column not in mapped:
            frame[column if column not in frame.columns else f"{column}_original"] = parsed.raw[column]
    frame = frame[kept.to_numpy()]
    ids = frame["customer_id"]
    if pd.api.types.is_extension_array_dtype(ids) and pd.api.types.is_integer_dtype(ids):
        frame["customer_id"] = ids.astype("int64")
    if quantity is not None and (frame["quantity"] == np.floor(frame["quantity"])).all():
        frame["quantity"] = frame["quantity"].astype("int64")
    return frame


def _net_cancellations(parsed: _Parsed, reason: pd.Series, is_cancellation: pd.Series):
    """Net each cancellation against the customer's most recent earlier purchases.

    Works in units of quantity when quantity and price are mapped (the purchase's
    amount is then quantity x its own price), else in money. With a product
    column, only purchases of the same product are netted. Returns the updated
    reasons, amounts and quantities, counts of modified rows and notes.
    """
    in_play = reason.isna()
    in_units = parsed.quantity is not None
    value = (parsed.quantity if in_units else parsed.amount).abs()
    keys = ["customer_id"] + (["product"] if parsed.columns.product else [])
    table = pd.DataFrame({"customer_id": parsed.customer, "date": parsed.date, "value": value})
    if parsed.columns.product:
        table["product"] = parsed.raw[parsed.columns.product].astype("string").str.strip().str.upper()
    positions = pd.RangeIndex(len(table))
    cancel_pos = positions[(in_play & is_cancellation).to_numpy()]
    purchase_pos = positions[(in_play & ~is_cancellation).to_numpy()]
    remaining = table["value"].to_numpy(dtype="float64").copy()
    dates = table["date"].to_numpy()

    cancels = table.iloc[cancel_pos].assign(pos=cancel_pos).sort_values(["date", "pos"], kind="stable")
    cancel_keys = pd.MultiIndex.from_frame(cancels[keys])
    purchases = table.iloc[purchase_pos].assign(pos=purchase_pos)
    purchases = purchases[pd.MultiIndex.from_frame(purchases[keys]).isin(cancel_keys)]
    purchases = purchases.sort_values(["date", "pos"], kind="stable")
    by_key = {key: group["pos"].to_numpy() for key, group in purchases.groupby(keys, sort=False)}

    matched = np.zeros(len(table), dtype=bool)
    unmatched_value = 0.0
    for pos, key in zip(cancels["pos"].to_numpy(), cancel_keys, strict=True):
        need = remaining[pos]
        candidates = by_key.get(key, ())
        for candidate in reversed(candidates):
            if need <= 0:
                break
            if dates[candidate] > dates[pos] or remaining[candidate] <= 0:
                continue
            take = min(remaining[candidate], need)
            remaining[candidate] -= take
            need -= take
            matched[pos] = True
        unmatched_value += need

    original = table["value"].to_numpy(dtype="float64")
    purchase_mask = np.zeros(len(table), dtype=bool)
    purchase_mask[purchase_pos] = True
    fully = purchase_mask & (remaining <= 0) & (original > 0)
    reduced = purchase_mask & (remaining > 0) & (remaining < original)
    cancel_mask = np.zeros(len(table), dtype=bool)
    cancel_mask[cancel_pos] = True
    reason = reason.copy()
    reason[cancel_mask & matched] = "cancellation_netted"
    reason[cancel_mask & ~matched] = "cancellation_unmatched"
    reason[fully] = "fully_cancelled"

    amount = parsed.amount.copy()
    quantity = None if parsed.quantity is None else parsed.quantity.copy()
    changed = fully | reduced
    if in_units:
        quantity[changed] = remaining[changed]
        amount[changed] = remaining[changed] * parsed.price[changed]
    else:
        amount[changed] = remaining[changed]
    unit = "units" if in_units else "money"
    notes = [f"cancellations netted against earlier purchases ({unit}): {int(cancel_mask.sum()):,} cancellation rows, "
             f"{int(reduced.sum()):,} purchases reduced, {int(fully.sum()):,} cancelled in full; "
             f"{unmatched_value:,.0f} {unit} of cancellations had no earlier purchase to net against"]
    return reason, amount, quantity, {"reduced_by_cancellation": int(reduced.sum())}, notes

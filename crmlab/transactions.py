"""Read, validate and clean a transaction log, accounting for every row.

A transaction log has one row per purchase (or invoice line): who bought, when,
and for how much — either an amount, or a quantity and a unit price. Real logs
are messy: the UCI Online Retail file, for example, has a quarter of its rows
without a customer, cancellation invoices, zero prices, bad-debt adjustments and
exact duplicate lines. This module makes each problem visible and each decision
explicit:

* :func:`read_transactions` reads CSV, Parquet, Excel, a pandas DataFrame or an
  Ibis table, with the caller naming the columns through a :class:`ColumnMap`
  (files are read by :mod:`crmlab.reading`: encoding, delimiter, header, sheet).
* :func:`validate` counts every problem (a row can have several) in a
  :class:`DataQualityReport`; it changes nothing and raises nothing for bad rows.
* :func:`clean` applies a documented policy, one keyword per decision, and
  returns the clean log with a report in which every input row is either kept
  or dropped for exactly one reason: ``rows_in == rows_kept + sum(dropped)``.

Text cells are read by explicit rules that never guess: customer ids and amounts
(currency signs, decimal marks, accounting negatives) by :mod:`crmlab.parsing`,
dates (ISO 8601, day/month order settled by the data, Chinese dates, YYYYMMDD,
Excel serials, UTC offsets) by :mod:`crmlab.dates`. What they had to decide is
said in the report's notes; what they cannot decide is an error naming the rows
and the option that settles it (``date_format=``, ``decimal=``, ``encoding=``).

Rows are judged in this order, and a dropped row carries the first reason that
applies: missing customer, missing date, unparseable date, missing amount,
non-numeric amount, infinite amount, dated after the observation end (or after
today when no end is given), exact duplicate, negative unit price, zero value,
and finally cancellations (dropped, or netted against the
customer's earlier purchases). Nothing is written anywhere; the input is never
modified, and the clean log keeps the input's row labels so any row can be
traced back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .dates import parse_dates
from .errors import (
    AllRowsDroppedError,
    AmbiguousColumnError,
    ColumnTypeError,
    DateParseError,
    EmptyDataError,
    MissingColumnError,
    NonFiniteValueError,
    ObservationPeriodError,
)
from .i18n import check_lang
from .parsing import parse_amounts, parse_customer_ids
from .quality import DROP_REASONS, DataQualityReport, ReportNote
from .reading import read_table

__all__ = [
    "ColumnMap",
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

_READ = "crmlab.read"  # DataFrame.attrs key: how a log was read, so that clean() reads its text the same way


def read_transactions(source, columns: ColumnMap = ColumnMap(), *, encoding: str | None = None,
                      sheet_name: str | int = 0, date_format: str | None = None,
                      decimal: str | None = None) -> pd.DataFrame:
    """Read a transaction log as it is, checking that the mapped columns exist once.

    Parameters
    ----------
    source : str, Path, DataFrame or Ibis table
        A ``.csv``/``.txt``/``.tsv``, ``.parquet`` (or a folder of Parquet parts) or ``.xlsx``/``.xlsm``/``.xls``
        file, a DataFrame, or an Ibis table expression (executed on its backend). How files are read —
        encoding and delimiter detection, header clean-up, sheets — is described in :mod:`crmlab.reading`.
    columns : ColumnMap
        The log's column names for each role.
    encoding : str, optional
        Character encoding of a text file (``"gb18030"``, ``"latin-1"``, …); detected when None.
    sheet_name : str or int
        Excel sheet to read (default the first).
    date_format, decimal : optional
        How the file writes dates and numbers (see :func:`clean`). They are not applied here but recorded
        with the log (in ``DataFrame.attrs``) for :func:`validate` and :func:`clean` to use.

    Returns
    -------
    DataFrame with all columns of the source, values untouched (text files' mapped columns are read as
    text, so ids such as ``00042`` keep their zeros and amounts their separators).

    Raises
    ------
    InputNotFoundError, FileFormatError, EncodingError, SheetNotFoundError, EmptyDataError
        For a file that cannot be read as a table (see :mod:`crmlab.reading`) or has no rows.
    MissingColumnError, AmbiguousColumnError
        For a mapped column that is absent, or present more than once.
    """
    label = _source_label(source)
    repeated: dict[str, list[str]] = {}
    if isinstance(source, pd.DataFrame):
        frame = source
    elif hasattr(source, "to_pandas") and hasattr(source, "schema"):
        frame = source.to_pandas()
    elif isinstance(source, (str, Path)):
        table = read_table(source, text_columns=list(columns.roles().values()), encoding=encoding,
                           sheet_name=sheet_name)
        frame, repeated = table.frame, table.repeated
        frame.attrs[_READ] = {"source": str(source), "encoding": table.encoding, "delimiter": table.delimiter,
                              "sheet": table.sheet, "notes": list(table.notes)}
    else:
        raise TypeError(f"cannot read a transaction log from {type(source).__name__}; "
                        "pass a file path, a pandas DataFrame or an Ibis table")
    if len(frame) == 0:
        raise EmptyDataError(f"{label} has no rows: there is nothing to analyse. "
                             "Check the file or the filter that produced it.")
    _resolve_columns(frame, columns, label, repeated)
    if date_format is not None or decimal is not None:
        if frame is source:
            frame = frame.copy(deep=False)  # never write to the caller's DataFrame
        frame.attrs[_READ] = {**frame.attrs.get(_READ, {}), "date_format": date_format, "decimal": decimal}
    return frame


def _source_label(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, pd.DataFrame):
        read_from = source.attrs.get(_READ, {}).get("source")
        return f"{read_from} ({len(source):,} rows)" if read_from else f"DataFrame ({len(source):,} rows)"
    return type(source).__name__


def _resolve_columns(frame: pd.DataFrame, columns: ColumnMap, label: str,
                     repeated: dict[str, list[str]]) -> ColumnMap:
    """The column map with the frame's actual names; refuses names that are absent or present twice.

    A name matches a column exactly or, failing that, once surrounding spaces are ignored. A name that
    matches several columns (a repeated header, or ``"amount"`` and ``" amount "``) is refused.
    """
    labels = [str(c) for c in frame.columns]
    resolved, missing = {}, []
    for field_name, role, name in _mapped(columns):
        matches = [c for c, text in zip(frame.columns, labels, strict=True) if text.strip() == str(name).strip()]
        spellings = repeated.get(str(name).strip()) or ([str(c) for c in matches] if len(matches) > 1 else None)
        if spellings:
            raise AmbiguousColumnError(
                f"{label} has {len(spellings)} columns named {str(name).strip()!r} (spelled {spellings}, spaces "
                f"ignored) and {name!r} is mapped as {role}, so which one to use is ambiguous; rename or delete "
                "the extra columns.")
        if not matches:
            missing.append((role, name))
        else:
            resolved[field_name] = matches[0]
    if missing:
        wanted = ", ".join(f"{name!r} (as {role})" for role, name in missing)
        raise MissingColumnError(
            f"{label} has no column {wanted}. Its columns are {labels}. "
            "Name your columns with columns=ColumnMap(customer=..., date=..., amount=...) "
            "(or quantity=... and price=... instead of amount).")
    return replace(columns, **resolved)


def _mapped(columns: ColumnMap) -> list[tuple[str, str, str]]:
    """(field, role, column name) of every role the map sets."""
    return [(f.name, "customer_id" if f.name == "customer" else f.name, getattr(columns, f.name))
            for f in fields(columns) if getattr(columns, f.name) is not None]


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


def _parse(source, columns: ColumnMap, *, observation_end, date_format, decimal, mixed_time_zones: str,
           sheet_name=0, encoding=None) -> _Parsed:
    raw = read_transactions(source, columns, sheet_name=sheet_name, encoding=encoding)
    label = _source_label(source if not isinstance(source, pd.DataFrame) else raw)
    read = raw.attrs.get(_READ, {})
    date_format = date_format if date_format is not None else read.get("date_format")
    decimal = decimal if decimal is not None else read.get("decimal")
    columns = _resolve_columns(raw, columns, label, {})
    notes: list[str] = list(read.get("notes", []))
    roles = columns.roles()
    index = raw.index

    # the readers align by row label: a repeated label is read by position, then given back
    cells = raw if index.is_unique else raw.reset_index(drop=True)
    customer, id_notes = parse_customer_ids(cells[columns.customer], columns.customer, label)
    dates = _relabel(parse_dates(cells[columns.date], columns.date, label, date_format=date_format,
                                 mixed_time_zones=mixed_time_zones), index)
    numbers = {role: _relabel(parse_amounts(cells[roles[role]], roles[role], label, decimal), index)
               for role in ("amount", "quantity", "price") if role in roles}
    customer = customer.set_axis(index)
    notes += id_notes + list(dates.notes) + [note for n in numbers.values() for note in n.notes]
    missing_amount = np.logical_or.reduce([n.missing for n in numbers.values()])
    non_numeric = np.logical_or.reduce([n.non_numeric for n in numbers.values()]) & ~missing_amount
    quantity = numbers["quantity"].values if "quantity" in numbers else None
    price = numbers["price"].values if "price" in numbers else None
    with np.errstate(over="ignore", invalid="ignore"):
        amount = numbers["amount"].values if "amount" in numbers else quantity * price
    readable = ~(missing_amount | non_numeric)
    non_finite = pd.Series(readable, index=index) & ~np.isfinite(amount)
    for part in (quantity, price):
        if part is not None:
            non_finite |= pd.Series(readable, index=index) & ~np.isfinite(part)

    flags = {
        "missing_customer": customer.isna(),
        "missing_date": dates.missing,
        "unparseable_date": dates.unparseable,
        "mixed_time_zone": dates.mixed_time_zone,
        "missing_amount": pd.Series(missing_amount, index=index),
        "non_numeric_amount": pd.Series(non_numeric, index=index),
        "non_finite_amount": non_finite.astype(bool),
    }
    if observation_end is not None:
        end = _day_after(observation_end)
        flags["after_observation_end"] = dates.dates.ge(end).fillna(False).astype(bool)
    flags["after_today"] = dates.dates.ge(_day_after(pd.Timestamp.now())).fillna(False).astype(bool)
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
    return _Parsed(raw, label, columns, customer, dates.dates, quantity, price, amount, flags, notes)


def _relabel(parsed, index: pd.Index):
    """A DateParse or NumberParse with every Series on ``index``."""
    return replace(parsed, **{f.name: getattr(parsed, f.name).set_axis(index) for f in fields(parsed)
                              if isinstance(getattr(parsed, f.name), pd.Series)})


def _day_after(day) -> pd.Timestamp:
    """Midnight after ``day``: rows at or after it are later than that day."""
    try:
        stamp = pd.Timestamp(day)
    except (ValueError, TypeError) as error:
        raise ObservationPeriodError(f"observation_end {day!r} is not a date; write it like '2024-12-31'") from error
    if stamp is pd.NaT:
        raise ObservationPeriodError(f"observation_end {day!r} is not a date; write it like '2024-12-31'")
    return stamp.tz_localize(None).normalize() + pd.Timedelta(days=1)


# --------------------------------------------------------------------------- validate / clean

def validate(source, columns: ColumnMap = ColumnMap(), *, observation_end=None, date_format: str | None = None,
             decimal: str | None = None, encoding: str | None = None,
             sheet_name: str | int = 0, lang: str = "en") -> DataQualityReport:
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
        strftime format of text dates, e.g. ``"%d/%m/%Y"``; by default dates are detected, and a day/month
        order the data does not settle is refused (rules in :mod:`crmlab.dates`).
    decimal : {".", ","}, optional
        Decimal mark of text amounts; by default settled by the data (rules in :mod:`crmlab.parsing`).
    encoding, sheet_name
        As in :func:`read_transactions`.
    lang : {"en", "zh"}
        The language the report is shown in.

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
    check_lang(lang)
    parsed = _parse(source, columns, observation_end=observation_end, date_format=date_format, decimal=decimal,
                    mixed_time_zones="utc", sheet_name=sheet_name, encoding=encoding)
    return DataQualityReport(
        source=parsed.label, rows_in=len(parsed.raw), customers_in=int(parsed.customer.nunique()),
        findings={key: int(mask.sum()) for key, mask in parsed.flags.items()}, notes=tuple(parsed.notes), lang=lang,
    )


def returns_by_customer(source, columns: ColumnMap = ColumnMap(), *, encoding: str | None = None,
                        sheet_name: str | int = 0) -> pd.Series:
    """Cancellation and return lines per customer in a raw log (lines without a customer are not counted).

    A line counts when its invoice is a cancellation (``C…``) or its quantity (or amount)
    is negative — the rows :func:`clean` treats as cancellations. Used for the per-return
    costs of :func:`crmlab.value.customer_profitability`.
    """
    parsed = _parse(source, columns, observation_end=None, date_format=None, decimal=None, mixed_time_zones="utc",
                    sheet_name=sheet_name, encoding=encoding)
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
          decimal: str | None = None, encoding: str | None = None,
          sheet_name: str | int = 0, lang: str = "en") -> tuple[pd.DataFrame, DataQualityReport]:
    """Apply an explicit cleaning policy; return the clean log and a report that accounts for every row.

    Rows without a customer, date or value are always dropped (a customer-level
    analysis cannot use them; they still count in the report), as are rows dated
    after ``observation_end`` — or, without one, after today: a log cannot hold
    purchases that have not happened — and rows with a negative unit price
    (bad-debt adjustments, not sales). Every other decision is a parameter:

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
        Dates that cannot be parsed, values that are not numbers or not finite
        (``inf``, or quantity x price beyond 1.8e308): raise a
        :class:`~crmlab.errors.DateParseError` / :class:`~crmlab.errors.ColumnTypeError` /
        :class:`~crmlab.errors.NonFiniteValueError` naming the rows (default), or drop
        and count them.
    mixed_time_zones : {"raise", "utc"}
        Timestamps with different UTC offsets: raise, or convert all to UTC.
    observation_end, date_format, decimal, encoding, sheet_name, lang
        As in :func:`validate`. ``date_format`` and ``decimal`` default to those given to
        :func:`read_transactions` (or :func:`crmlab.study_data.load_study_log`) when ``source`` is the log it returned.

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
    check_lang(lang)
    policy = dict(duplicates=duplicates, cancellations=cancellations, zero_value=zero_value,
                  invalid_dates=invalid_dates, invalid_amounts=invalid_amounts, mixed_time_zones=mixed_time_zones)
    for name, value in policy.items():
        if value not in _CHOICES[name]:
            raise ValueError(f"{name} must be one of {_CHOICES[name]}, got {value!r}")
    parsed = _parse(source, columns, observation_end=observation_end, date_format=date_format, decimal=decimal,
                    mixed_time_zones=mixed_time_zones, sheet_name=sheet_name, encoding=encoding)
    flags, columns = parsed.flags, parsed.columns
    _raise_on_invalid(parsed, "unparseable_date", invalid_dates, DateParseError, [columns.date],
                      "cannot be parsed as dates", "pass date_format= (e.g. '%d/%m/%Y'), or invalid_dates='drop'")
    value_columns = [c for c in (columns.amount, columns.quantity, columns.price) if c is not None]
    _raise_on_invalid(parsed, "non_numeric_amount", invalid_amounts, ColumnTypeError, value_columns,
                      "are not numbers", "fix those values (a percentage such as '12.5%' is not an amount), "
                      "or pass invalid_amounts='drop'")
    _raise_on_invalid(parsed, "non_finite_amount", invalid_amounts, NonFiniteValueError, value_columns,
                      "are infinite (or quantity x price overflows)", "fix those values, or pass "
                      "invalid_amounts='drop'")

    reason = pd.Series(pd.NA, index=parsed.raw.index, dtype="string")
    rules = ["missing_customer", "missing_date", "unparseable_date", "missing_amount", "non_numeric_amount",
             "non_finite_amount", "after_observation_end"]
    rules += ["after_today"] if observation_end is None else []
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
        modified=modified, policy=policy, notes=tuple(notes), dropped_rows=dropped_rows, lang=lang,
    )
    if report.rows_kept == 0:
        raise AllRowsDroppedError(f"cleaning dropped every row of {parsed.label} ({report.reasons()}); the error's "
                                  f"report has the details:\n{report}", report)
    return frame, report


def _raise_on_invalid(parsed: _Parsed, key: str, choice: str, error: type[Exception], columns: list[str],
                      problem: str, fix: str) -> None:
    """Raise ``error`` naming the first offending rows and values when rows fail ``key`` and the policy is raise."""
    mask = parsed.flags[key]
    if choice == "raise" and mask.any():
        offending = parsed.raw.loc[mask.to_numpy(), columns].iloc[:5]
        rows = offending.index.tolist()
        examples = offending.to_dict("records") if len(columns) > 1 else offending[columns[0]].tolist()
        named = columns[0] if len(columns) == 1 else "/".join(columns)
        raise error(f"{int(mask.sum()):,} values of column {named!r} of {parsed.label} {problem} "
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
    notes = [ReportNote("quality_note_netted_units" if in_units else "quality_note_netted_money",
                        cancellations=int(cancel_mask.sum()), reduced=int(reduced.sum()), full=int(fully.sum()),
                        unmatched=float(unmatched_value))]
    return reason, amount, quantity, {"reduced_by_cancellation": int(reduced.sum())}, notes

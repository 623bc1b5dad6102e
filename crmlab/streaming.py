"""The checks a log too large for pandas can get where it lies: inside DuckDB (or another Ibis backend).

:func:`clean` reads every cell of a log in memory. A Parquet file of a hundred million lines does not fit,
but its columns are typed, so the checks that need no text reading can run as one DuckDB scan.
:func:`check_large_log` applies those rules of :func:`crmlab.transactions.clean` — with the same reasons,
in the same order, so the counts equal ``crmlab data check``'s for them — and returns the rows that pass as
an Ibis table (nothing is loaded into memory) with a :class:`~crmlab.quality.DataQualityReport`:

``missing_customer``
    null, blank, or one of the words :data:`crmlab.parsing.MISSING_TEXT` (``NaN``, ``None``, ``NULL`` …);
``missing_date``, ``missing_amount``
    null (or NaN) date, amount, quantity or price;
``non_finite_amount``
    an infinite amount, quantity, price or quantity x price (refused, or with ``invalid_amounts="drop"``
    dropped and counted, as in :func:`clean`);
``after_observation_end`` / ``after_today``
    dated after ``observation_end``, or after today when none is given.

NOT checked — these rows are summarised as they are: exact duplicates, cancellations and negative amounts
(no netting), zero values, mixed time zones. The date must be a timestamp or date column, the amount (or
quantity and price) numeric and the customer id neither True/False nor a date; a text column is refused,
since reading text is :func:`clean`'s job. Customer ids stored as whole floats become integers, as in
:func:`clean`.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from . import backends
from .errors import (
    AllRowsDroppedError,
    ColumnTypeError,
    FileFormatError,
    InputNotFoundError,
    MissingColumnError,
    NonFiniteValueError,
)
from .parsing import MISSING_TEXT
from .quality import DROP_REASONS, DataQualityReport

__all__ = ["NOT_CHECKED", "check_large_log"]

#: What :func:`check_large_log` leaves to :func:`crmlab.transactions.clean`.
NOT_CHECKED = ("duplicates, cancellations and negative amounts (no netting), zero values and time zones were NOT "
               "checked; run `crmlab data check` (or crmlab.transactions.clean) on the file or a sample to see them")


def check_large_log(path: str | Path, columns, *, observation_end=None, invalid_amounts: str = "raise",
                    backend=None) -> tuple[ir.Table, DataQualityReport]:
    """The rows of a Parquet log that pass the rules of the module docstring, and the report of the others.

    Parameters
    ----------
    path : str or Path
        A Parquet file or a folder of Parquet parts.
    columns : crmlab.transactions.ColumnMap
        Which column is the customer, the date, the amount (or quantity and price).
    observation_end : date-like, optional
        Rows after this day are dropped; without it, rows after today.
    invalid_amounts : {"raise", "drop"}
        Infinite values: refused (default), or dropped and counted.
    backend : optional
        As in :func:`crmlab.backends.table` (default: an embedded DuckDB).

    Returns
    -------
    (table, report)
        ``table`` is an Ibis table with columns ``customer_id``, ``date`` and ``amount``.

    Raises
    ------
    MissingColumnError, ColumnTypeError
        For an absent or wrongly typed column.
    NonFiniteValueError
        For infinite values with ``invalid_amounts="raise"``.
    AllRowsDroppedError
        When no row passes.
    """
    from .transactions import _day_after

    if invalid_amounts not in ("raise", "drop"):
        raise ValueError(f"invalid_amounts must be 'raise' or 'drop', got {invalid_amounts!r}")
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"transaction file {path} does not exist (working directory: {Path.cwd()})")
    if not (path.is_dir() or path.suffix.lower() == ".parquet"):
        raise FileFormatError(f"{path}: streaming reads Parquet files (or folders of Parquet parts) only; convert it, "
                              "or clean it in memory")
    table = backends.table(path, backend)
    roles = columns.roles()
    missing = [f"{name!r} (as {role})" for role, name in roles.items() if name not in table.columns]
    if missing:
        raise MissingColumnError(f"{path} has no column {', '.join(missing)}; its columns are {list(table.columns)}")
    customer = table[columns.customer]
    date = table[columns.date]
    _check_types(customer, date, [table[roles[r]] for r in ("amount", "quantity", "price") if r in roles], path)
    parts = _values(table, roles)
    amount = parts[0] if "amount" in roles else parts[0] * parts[1]
    if customer.type().is_string():
        no_customer = customer.isnull() | customer.strip().isin(list(MISSING_TEXT))
    elif customer.type().is_floating():
        no_customer = customer.isnull() | customer.isnan()
    else:
        no_customer = customer.isnull()
    stamp = date.cast("timestamp")
    rules = {
        "missing_customer": no_customer,
        "missing_date": date.isnull(),
        "missing_amount": ibis.or_(*[p.isnull() | p.isnan() for p in parts]),
        "non_finite_amount": ibis.or_(*[p.isinf() for p in [*parts, amount]]),
    }
    if observation_end is not None:
        rules["after_observation_end"] = stamp >= ibis.literal(_day_after(observation_end), type="timestamp")
    today = stamp >= ibis.literal(_day_after(pd.Timestamp.now()), type="timestamp")
    rules["after_today"] = today
    rules = {key: rule.fill_null(False) for key, rule in rules.items()}
    dropping = [key for key in rules if key != "after_today" or observation_end is None]
    reason = ibis.cases(*[(rules[key], key) for key in dropping], else_=None)
    whole_ids = customer.type().is_floating()
    counts = table.aggregate(
        rows=table.count(),
        customers=customer.nunique(where=~rules["missing_customer"]),
        customers_kept=customer.nunique(where=reason.isnull()),
        fractional_ids=((customer != customer.floor()) & ~rules["missing_customer"]).fill_null(False).cast("int64")
        .sum() if whole_ids else ibis.literal(0),
        **{f"found_{key}": rule.cast("int64").sum() for key, rule in rules.items()},
        **{f"dropped_{key}": (reason == key).fill_null(False).cast("int64").sum() for key in dropping},
    ).to_pandas().iloc[0].fillna(0)
    kept = table.mutate(crmlab_reason=reason).filter(lambda t: t.crmlab_reason.isnull())
    ids = kept[columns.customer]
    if whole_ids and counts["fractional_ids"] == 0:
        ids = ids.cast("int64")
    kept_parts = _values(kept, roles)
    clean = kept.select(customer_id=ids, date=kept[columns.date].cast("timestamp"),
                        amount=kept_parts[0] if "amount" in roles else kept_parts[0] * kept_parts[1])
    if invalid_amounts == "raise" and counts["found_non_finite_amount"]:
        raise NonFiniteValueError(
            f"{int(counts['found_non_finite_amount']):,} rows of {path} have an infinite amount, quantity or price "
            f"(or quantity x price overflows); fix them, or drop and count them (invalid_amounts='drop').")
    dropped = {key: int(counts.get(f"dropped_{key}", 0)) for key in DROP_REASONS}
    rows_in = int(counts["rows"])
    report = DataQualityReport(
        source=str(path), rows_in=rows_in, customers_in=int(counts["customers"]),
        findings={key: int(counts[f"found_{key}"]) for key in rules},
        rows_kept=rows_in - sum(dropped.values()), customers_kept=int(counts["customers_kept"]), dropped=dropped,
        policy={"streamed": True}, notes=(NOT_CHECKED,))
    if report.rows_kept == 0:
        raise AllRowsDroppedError(f"every row of {path} was dropped ({report.reasons()}):\n{report}", report)
    return clean, report


def _values(table: ir.Table, roles: dict[str, str]) -> list:
    """The amount column, or the quantity and price columns, as float64 expressions of ``table``."""
    return [table[roles[r]].cast("float64") for r in ("amount", "quantity", "price") if r in roles]


def _check_types(customer, date, values, path: Path) -> None:
    if not date.type().is_temporal():
        raise ColumnTypeError(f"column {date.get_name()!r} of {path} is {date.type()}, not a timestamp; streaming "
                              "needs typed dates — clean the file in memory (it reads text dates), or write the "
                              "Parquet file with a timestamp column")
    if customer.type().is_boolean() or customer.type().is_temporal():
        raise ColumnTypeError(f"column {customer.get_name()!r} of {path} is {customer.type()}, not a customer id; "
                              "map the customer id column")
    for value in values:
        if not value.type().is_numeric() or value.type().is_boolean():
            raise ColumnTypeError(f"column {value.get_name()!r} of {path} is {value.type()}, not a number; streaming "
                                  "needs numeric amounts — clean the file in memory (it reads text amounts)")

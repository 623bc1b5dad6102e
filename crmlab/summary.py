"""Per-customer sufficient statistics of a transaction log.

The probabilistic customer-base models (BG/NBD, Pareto/NBD, Gamma-Gamma) need
only four numbers per customer (Fader, Hardie & Lee 2005, "Counting your
customers the easy way", section 2): with purchases counted from the customer's
first one,

* ``frequency`` x — the number of *repeat* purchases,
* ``recency`` t_x — time from the first to the last purchase,
* ``T`` — time from the first purchase to the end of the observation period,
* ``monetary`` z̄ — mean value of the repeat purchases (0 when x = 0).

Two choices define them and are kept apart here:

``purchase_period``
    What counts as one purchase. ``"D"`` (default, the papers' convention):
    all of a customer's transactions on one calendar day merge into one
    purchase whose value is their sum. ``"W"``/``"M"`` merge by calendar week
    (Monday to Sunday) or month — ``lifetimes``' ``freq="W"`` does this.
``time_unit``
    The unit of recency and T: days ``"D"``, weeks ``"W"`` (7 days) or months
    ``"M"``. Months are whole calendar months when ``purchase_period="M"``,
    else 365.2425 / 12 days.

Daily purchases measured in weeks (``purchase_period="D", time_unit="W"``)
reproduce the published CDNOW summary (recency 30.43 weeks, ...).

The computation is written once as an Ibis expression: a DataFrame runs on
the embedded DuckDB backend, a Parquet or CSV path is scanned by DuckDB without
being loaded into pandas, and an Ibis table of any other backend (Spark,
PostgreSQL, ...) is computed inside that backend.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from . import backends
from .errors import ColumnTypeError, DataError, MissingColumnError, ObservationPeriodError
from .frames import CALIBRATION_HOLDOUT, CUSTOMER_SUMMARY, TableInfo, table_info, with_info
from .units import days_per

__all__ = ["customer_summary", "calibration_holdout", "calibration_summary", "single_customer_view",
           "add_intertransaction_times", "summary_history"]

_SECONDS_PER_DAY = 86_400


def customer_summary(transactions, *, observation_end=None, time_unit: str = "D", purchase_period: str = "D",
                     customer_col: str = "customer_id", date_col: str = "date",
                     amount_col: str | None = "amount", backend=None) -> pd.DataFrame:
    """Frequency, recency, T and monetary value of every customer.

    Parameters
    ----------
    transactions : DataFrame, Ibis table, Spark DataFrame, or path to a Parquet/CSV file (or Parquet folder)
        A clean log (see :func:`crmlab.transactions.clean`) with a customer, a
        date and (optionally) an amount column.
    observation_end : date-like, optional
        Last day of the observation period, inclusive; purchases after it are
        ignored. Defaults to the day of the last purchase in the log.
    time_unit : {"D", "W", "M"}
        Unit of ``recency`` and ``T``.
    purchase_period : {"D", "W", "M"}
        What counts as one purchase: one customer-day (default), -week or -month.
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` omits ``monetary``.
    backend : "duckdb", "pyspark" or an Ibis connection, optional
        What reads a file path (default: an embedded DuckDB; see :mod:`crmlab.backends`).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted) with ``frequency`` (int64),
    ``recency``, ``T`` and ``monetary`` (float64). Every customer with a purchase
    on or before ``observation_end`` appears once; 0 <= recency <= T. The table
    carries its ``time_unit``, ``purchase_period`` and ``observation_end``
    (:func:`crmlab.frames.table_info`), which models, CLV and plots read.

    Raises
    ------
    ObservationPeriodError
        If ``observation_end`` is before the first purchase in the log.
    DataError
        If rows have no customer id, no date or a missing or infinite amount: the
        summary needs a clean log (:func:`crmlab.transactions.clean` drops such rows
        and counts them), so it refuses them rather than drop them uncounted.

    Notes
    -----
    Equal to ``lifetimes.utils.summary_data_from_transaction_data`` with
    ``freq=purchase_period`` when ``time_unit == purchase_period`` in {"D", "W"}
    and ``observation_end`` closes a period (checked in the tests on CDNOW and
    Online Retail). Unlike lifetimes, purchases after ``observation_end`` in the
    same week or month are excluded.

    Examples
    --------
    >>> import crmlab as cl
    >>> summary = cl.customer_summary(cl.datasets.load_cdnow("sample"), observation_end="1997-09-30", time_unit="W")
    >>> summary.loc[1].round(2).tolist()
    [2.0, 30.43, 38.86, 22.35]
    """
    _check_units(time_unit, purchase_period)
    table = _as_table(transactions, customer_col, date_col, amount_col, backend)
    end = _end_day(table, observation_end)
    purchases = _purchases(table, purchase_period, until=end)
    result = _summarise(purchases, _period_start(end, purchase_period), time_unit, purchase_period).to_pandas()
    if result.empty:
        first = pd.Timestamp(table.ts.min().to_pandas())
        raise ObservationPeriodError(
            f"observation end {end.date()} is before the first purchase in the log ({first.date()}); "
            "choose an observation end on or after it."
        )
    info = TableInfo(CUSTOMER_SUMMARY, time_unit=time_unit, purchase_period=purchase_period,
                     observation_end=str(end.date()))
    return with_info(_finish(result, amount_col is not None), info)


def calibration_holdout(transactions, *, calibration_end, observation_end=None, time_unit: str = "D",
                        purchase_period: str = "D", customer_col: str = "customer_id", date_col: str = "date",
                        amount_col: str | None = "amount", backend=None) -> pd.DataFrame:
    """Summary of a calibration period and purchases in the holdout period that follows.

    Customers are those with a purchase on or before ``calibration_end``; their
    holdout purchases are those after it, up to ``observation_end`` (inclusive).
    ``transactions`` and ``backend`` are as in :func:`customer_summary`.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``frequency_cal``, ``recency_cal``,
    ``T_cal``, ``monetary_cal`` (as :func:`customer_summary` at
    ``calibration_end``), ``frequency_holdout`` (purchases in the holdout, using
    the same ``purchase_period``), ``monetary_holdout`` (their mean value, 0 if
    none) and ``duration_holdout`` (length of the holdout in ``time_unit``).

    Notes
    -----
    Equal to ``lifetimes.utils.calibration_and_holdout_data`` on a log with one
    row per customer and purchase period. (On other logs lifetimes averages the
    holdout value over raw rows rather than purchases.)
    """
    _check_units(time_unit, purchase_period)
    table = _as_table(transactions, customer_col, date_col, amount_col, backend)
    cal_end = pd.Timestamp(calibration_end).normalize()
    end = _end_day(table, observation_end)
    if cal_end >= end:
        raise ObservationPeriodError(
            f"calibration end {cal_end.date()} must be before the observation end {end.date()}; "
            "the holdout period lies between them."
        )
    cal_purchases = _purchases(table, purchase_period, until=cal_end)
    cal = _summarise(cal_purchases, _period_start(cal_end, purchase_period), time_unit, purchase_period)
    cal = cal.rename(frequency_cal="frequency", recency_cal="recency", T_cal="T", monetary_cal="monetary")
    holdout = _purchases(table, purchase_period, until=end, after=cal_end)
    holdout = holdout.group_by("customer_id").aggregate(frequency_holdout=holdout.count(),
                                                       monetary_holdout=holdout.amount.mean())
    joined = cal.left_join(holdout, "customer_id").drop("customer_id_right")
    result = joined.to_pandas()
    if result.empty:
        raise ObservationPeriodError(
            f"no purchase on or before the calibration end {cal_end.date()}; choose a later calibration end."
        )
    result[["frequency_holdout", "monetary_holdout"]] = result[["frequency_holdout", "monetary_holdout"]].fillna(0)
    result["duration_holdout"] = _elapsed_scalar(cal_end, end, time_unit, purchase_period)
    result = _finish(result, amount_col is not None)  # without amounts, every monetary column goes
    info = TableInfo(CALIBRATION_HOLDOUT, time_unit=time_unit, purchase_period=purchase_period,
                     calibration_end=str(cal_end.date()), observation_end=str(end.date()))
    return with_info(result.astype({"frequency_holdout": "int64"}), info)


def calibration_summary(split: pd.DataFrame) -> pd.DataFrame:
    """The calibration half of :func:`calibration_holdout` as a summary (frequency, recency, T[, monetary]).

    This is what a model is fitted on before it is judged on the holdout half: a customer summary
    observed to the calibration end, in the split's time unit. Columns joined to the split that are
    neither calibration nor holdout columns (covariates) are kept.
    """
    names = {"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T", "monetary_cal": "monetary",
             "litt_cal": "litt"}
    missing = [c for c in list(names)[:3] if c not in split]
    if missing:
        raise MissingColumnError(f"not a calibration/holdout table: missing {missing}; "
                                 "build it with crmlab.calibration_holdout")
    # other columns (covariates joined to the split) travel with the customers
    extra = [c for c in split.columns if c not in names and not str(c).endswith(("_cal", "_holdout"))]
    summary = split[[c for c in names if c in split] + extra].rename(columns=names)
    info = table_info(split)
    if info is None:
        return pd.DataFrame(summary)
    return with_info(summary, TableInfo(CUSTOMER_SUMMARY, time_unit=info.time_unit,
                                        purchase_period=info.purchase_period,
                                        observation_end=info.calibration_end))


def add_intertransaction_times(table: pd.DataFrame, transactions, *, customer_col: str = "customer_id",
                               date_col: str = "date", backend=None) -> pd.DataFrame:
    """``table`` with ``litt``, the sum of the log times between each customer's consecutive purchases.

    The regularity models (BG/CNBD-k, MBG/CNBD-k) compare Erlang-k inter-purchase times for several k
    through their likelihood, which needs litt = Σ_{i=1}^{x} ln(t_i − t_{i−1}) over the x gaps between a
    customer's x + 1 purchases (BTYDplus ``elog2cbs``; 0 for a customer without repeat purchase). It is
    computed from the log with the table's own conventions — what counts as one purchase
    (``purchase_period``), the unit of the gaps (``time_unit``, the unit of recency and T) and the end of
    observation — so it cannot contradict them. A customer summary gets ``litt``; a calibration/holdout
    table gets ``litt_cal`` over the calibration purchases (``calibration_summary`` carries it on as
    ``litt``).

    Parameters
    ----------
    table : DataFrame
        A table from :func:`customer_summary` or :func:`calibration_holdout` (it records its conventions).
    transactions
        The log the table was built from (anything :func:`customer_summary` reads).

    Raises
    ------
    DataError
        If ``table`` does not say how it was built, or the log's purchases do not match its frequencies
        (another log, or another observation end): the rows are named.
    """
    info = table_info(table)
    if info is None or info.kind not in (CUSTOMER_SUMMARY, CALIBRATION_HOLDOUT):
        raise DataError("add_intertransaction_times needs a table from crmlab.customer_summary or "
                        "crmlab.calibration_holdout, which records its time unit, purchase period and observation end; "
                        "this one does not")
    calibration = info.kind == CALIBRATION_HOLDOUT
    frequency_col, column = ("frequency_cal", "litt_cal") if calibration else ("frequency", "litt")
    end = pd.Timestamp(info.calibration_end if calibration else info.observation_end)
    standard = _as_table(transactions, customer_col, date_col, None, backend)
    purchases = _purchases(standard, info.purchase_period, until=end)
    previous = purchases.period.lag().over(ibis.window(group_by="customer_id", order_by="period"))
    gaps = purchases.mutate(gap=_elapsed(purchases.period, previous, info.time_unit, info.purchase_period))
    gaps = gaps.filter(gaps.gap.notnull())
    per_customer = gaps.group_by("customer_id").aggregate(litt=gaps.gap.ln().sum(), gaps=gaps.count()).to_pandas()
    per_customer = per_customer.set_index("customer_id")
    litt = per_customer["litt"].reindex(table.index, fill_value=0.0).astype("float64")
    counted = per_customer["gaps"].reindex(table.index, fill_value=0)
    mismatch = counted.to_numpy() != table[frequency_col].to_numpy()
    if mismatch.any():
        raise DataError(f"the log does not match the table: {int(mismatch.sum()):,} customers have a different number "
                        f"of repeat purchases in the log than {frequency_col!r} says (first: "
                        f"{list(table.index[mismatch][:5])}); pass the log the table was built from")
    result = table.copy()
    result[column] = litt.to_numpy()
    return result


def single_customer_view(transactions: pd.DataFrame, *, attributes: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per customer: the "single customer view" of a clean log.

    Columns: ``first_purchase``, ``last_purchase``, ``orders`` (distinct
    invoices when the log has an ``invoice`` column, else purchase days),
    ``purchase_days``, ``revenue`` (sum of ``amount``), ``items`` (sum of
    ``quantity`` when present), ``average_order_value``, then, for each name in
    ``attributes`` (e.g. ``("Country",)``), the customer's most frequent value.
    """
    required = {"customer_id", "date", "amount", *attributes}
    missing = sorted(required - set(transactions.columns))
    if missing:
        raise MissingColumnError(f"the log has no column {missing}; single_customer_view needs {sorted(required)} "
                                 "(clean the log with crmlab.transactions.clean first)")
    log = transactions.assign(day=transactions["date"].dt.normalize())
    grouped = log.groupby("customer_id", sort=True)
    view = grouped.agg(first_purchase=("date", "min"), last_purchase=("date", "max"),
                       purchase_days=("day", "nunique"), revenue=("amount", "sum"))
    view.insert(2, "orders", grouped["invoice"].nunique() if "invoice" in log else view["purchase_days"])
    if "quantity" in log:
        view["items"] = grouped["quantity"].sum()
    view["average_order_value"] = view["revenue"] / view["orders"]
    for name in attributes:
        counts = log.groupby(["customer_id", name], sort=False).size().rename("n").reset_index()
        ranked = counts.sort_values(["customer_id", "n", name], ascending=[True, False, True])
        mode = ranked.drop_duplicates("customer_id")
        view[name] = mode.set_index("customer_id")[name]
    return view


def summary_history(transactions: pd.DataFrame, customer, *, dates=None, observation_end=None, time_unit: str = "D",
                    purchase_period: str = "D", customer_col: str = "customer_id",
                    date_col: str = "date") -> pd.DataFrame:
    """One customer's summary (frequency, recency, T) as it stood at the end of each of ``dates``.

    Row d is what :func:`customer_summary` gives the customer with ``observation_end=d`` (same purchase
    periods and time unit; purchases after d not yet made), so a model's predictions along the rows
    show how the customer looked over time (e.g. :func:`crmlab.plotting.plot_p_alive_history`).

    Parameters
    ----------
    transactions : DataFrame
        A clean log (the customer's rows are used; the others are ignored).
    customer
        The customer's id in ``customer_col``.
    dates : sequence of date-likes, optional
        The days to evaluate, each on or after the customer's first purchase. Default: every day from
        the first purchase to ``observation_end``.
    observation_end : date-like, optional
        Last day of the default ``dates`` (default: the last day of the log).
    time_unit, purchase_period : {"D", "W", "M"}
        As in :func:`customer_summary`.

    Returns
    -------
    DataFrame indexed by ``date``: ``frequency``, ``recency``, ``T``; a customer summary in ``time_unit``.
    """
    _check_units(time_unit, purchase_period)
    missing = [c for c in (customer_col, date_col) if c not in transactions]
    if missing:
        raise MissingColumnError(f"the log has no column {missing}; pass customer_col= and date_col=")
    if not pd.api.types.is_datetime64_any_dtype(transactions[date_col]):
        raise ColumnTypeError(f"column {date_col!r} is {transactions[date_col].dtype}, not a date; clean the log "
                              "with crmlab.transactions.clean, which parses dates")
    days = transactions.loc[transactions[customer_col] == customer, date_col].dt.normalize()
    if days.empty:
        raise DataError(f"customer {customer!r} has no transaction in the log (column {customer_col!r})")
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None \
        else transactions[date_col].max().normalize()
    # a purchase is a purchase period; it is made on the first day the customer buys in it
    made = days.groupby(days.dt.to_period(purchase_period).dt.start_time).min().sort_index()
    first = made.index[0]
    if dates is None:
        if end < made.iloc[0]:
            raise ObservationPeriodError(f"observation end {end.date()} is before the customer's first purchase "
                                         f"({made.iloc[0].date()})")
        dates = pd.date_range(made.iloc[0], end, freq="D")
    when = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    early = when < made.iloc[0]
    if early.any():
        raise ObservationPeriodError(f"{int(early.sum())} of the dates (e.g. {when[early][0].date()}) are before the "
                                     f"customer's first purchase ({made.iloc[0].date()}): the summary starts then")
    purchases = np.searchsorted(made.to_numpy(), when.to_numpy(), side="right")  # periods bought in by each date
    last = made.index[purchases - 1]
    history = pd.DataFrame({"frequency": purchases - 1,
                            "recency": _elapsed_between(first, last, time_unit, purchase_period),
                            "T": _elapsed_between(first, when.to_period(purchase_period).start_time, time_unit,
                                                  purchase_period)},
                           index=pd.Index(when, name="date"))
    return with_info(history, TableInfo(CUSTOMER_SUMMARY, time_unit=time_unit, purchase_period=purchase_period))


def _elapsed_between(start: pd.Timestamp, later: pd.DatetimeIndex, time_unit: str, purchase_period: str) -> np.ndarray:
    """Time from ``start`` to each of ``later`` (period starts) in ``time_unit``, as :func:`_elapsed` measures it."""
    if time_unit == "M" and purchase_period == "M":
        return ((later.year * 12 + later.month) - (start.year * 12 + start.month)).to_numpy(dtype="float64")
    return ((later - start) / pd.Timedelta(days=1)).to_numpy(dtype="float64") / days_per(time_unit)


# --------------------------------------------------------------------------- the Ibis expression

def _check_units(time_unit: str, purchase_period: str) -> None:
    days_per(time_unit)
    days_per(purchase_period, "purchase_period")


def _as_table(transactions, customer_col: str, date_col: str, amount_col: str | None, backend=None) -> ir.Table:
    """An Ibis table with standard columns customer_id, ts (timestamp) and amount (float64)."""
    if isinstance(transactions, (str, Path)):
        table = backends.table(transactions, backend)
        label = str(transactions)
    elif type(transactions).__module__.startswith("pyspark.sql"):
        table = backends.table(transactions)
        label = "the Spark DataFrame"
    elif isinstance(transactions, pd.DataFrame):
        wanted = [c for c in (customer_col, date_col, amount_col) if c is not None and c in transactions.columns]
        table = ibis.memtable(transactions[wanted])
        label = "the DataFrame"
    elif isinstance(transactions, ir.Table):
        table = transactions
        label = "the Ibis table"
    else:
        raise TypeError("transactions must be a DataFrame, an Ibis table, a Spark DataFrame or a file path, "
                        f"not {type(transactions).__name__}")
    columns = list(table.columns)
    for role, name in (("customer", customer_col), ("date", date_col), ("amount", amount_col)):
        if name is not None and name not in columns:
            raise MissingColumnError(
                f"{label} has no {role} column {name!r} (its columns: {columns}); pass {role}_col=... "
                + ("or amount_col=None to summarise without monetary value" if role == "amount" else "")
            )
    if not table[date_col].type().is_temporal():
        raise ColumnTypeError(f"column {date_col!r} of {label} is {table[date_col].type()}, not a date; "
                              "clean the log with crmlab.transactions.clean, which parses dates")
    if amount_col is not None and not table[amount_col].type().is_numeric():
        raise ColumnTypeError(f"column {amount_col!r} of {label} is {table[amount_col].type()}, not a number; "
                              "clean the log with crmlab.transactions.clean, which parses amounts")
    amount = table[amount_col].cast("float64") if amount_col is not None else ibis.literal(0.0)
    standard = table.select(customer_id=table[customer_col], ts=table[date_col].cast("timestamp"), amount=amount)
    _refuse_incomplete_rows(standard, label, (customer_col, date_col, amount_col))
    return standard


def _refuse_incomplete_rows(table: ir.Table, label: str, names: tuple) -> None:
    """Raise DataError for rows without a customer or a date, or with a missing or infinite amount.

    Such rows cannot be summarised, and dropping them here would lose them uncounted; one aggregate
    query counts them (a NaN customer id would otherwise become one "customer").
    """
    amount = table.amount
    counts = table.aggregate(
        customer=table.customer_id.isnull().sum(), date=table.ts.isnull().sum(),
        amount=(amount.isnull() | amount.isnan() | amount.isinf()).sum(),
    ).to_pandas().iloc[0]
    problems = [f"{int(counts[role]):,} rows with {what} in column {name!r}"
                for role, what, name in (("customer", "no customer id", names[0]), ("date", "no date", names[1]),
                                         ("amount", "a missing or infinite amount", names[2]))
                if name is not None and counts[role] > 0]
    if problems:
        raise DataError(f"{label} has {'; '.join(problems)}. A customer summary needs a clean log: clean it with "
                        "crmlab.transactions.clean (or `crmlab data check`), which drops such rows and counts them.")


def _end_day(table: ir.Table, observation_end) -> pd.Timestamp:
    if observation_end is not None:
        return pd.Timestamp(observation_end).normalize()
    return pd.Timestamp(table.ts.max().to_pandas()).normalize()


def _period_start(day: pd.Timestamp, purchase_period: str) -> pd.Timestamp:
    """Start of the purchase period containing ``day`` (weeks start on Monday, as in ISO 8601)."""
    return day.to_period(purchase_period).start_time.normalize()


def _purchases(table: ir.Table, purchase_period: str, *, until: pd.Timestamp, after: pd.Timestamp | None = None):
    """One row per customer and purchase period: the period's start and the summed amount."""
    next_day = ibis.literal(until + pd.Timedelta(days=1), type="timestamp")
    rows = table.filter(table.ts < next_day)
    if after is not None:
        rows = rows.filter(rows.ts >= ibis.literal(after + pd.Timedelta(days=1), type="timestamp"))
    rows = rows.mutate(period=rows.ts.truncate(purchase_period))
    return rows.group_by(["customer_id", "period"]).aggregate(amount=rows.amount.sum())


def _elapsed(later, earlier, time_unit: str, purchase_period: str):
    """Time from ``earlier`` to ``later`` (Ibis timestamps) in ``time_unit``."""
    if time_unit == "M" and purchase_period == "M":
        return ((later.year() * 12 + later.month()) - (earlier.year() * 12 + earlier.month())).cast("float64")
    seconds = later.epoch_seconds() - earlier.epoch_seconds()
    return seconds.cast("float64") / (_SECONDS_PER_DAY * days_per(time_unit))


def _elapsed_scalar(earlier: pd.Timestamp, later: pd.Timestamp, time_unit: str, purchase_period: str) -> float:
    start, stop = _period_start(earlier, purchase_period), _period_start(later, purchase_period)
    if time_unit == "M" and purchase_period == "M":
        return float((stop.year * 12 + stop.month) - (start.year * 12 + start.month))
    return (stop - start).days / days_per(time_unit)


def _supports(table: ir.Table, operation) -> bool:
    """Whether the backend that will run ``table`` implements ``operation`` (memtables run on DuckDB)."""
    try:
        backend = table._find_backend(use_default=True)
    except ibis.common.exceptions.IbisError:
        return False
    return backend.has_operation(operation)


def _summarise(purchases: ir.Table, end_period: pd.Timestamp, time_unit: str, purchase_period: str) -> ir.Table:
    """frequency, recency, T, monetary per customer from one-row-per-purchase data."""
    aggregates = dict(first=purchases.period.min(), last=purchases.period.max(),
                      purchases=purchases.count(), total=purchases.amount.sum())
    if _supports(purchases, ops.ArgMin):  # one pass: the amount of the earliest period
        s = purchases.group_by("customer_id").aggregate(first_amount=purchases.amount.argmin(purchases.period),
                                                        **aggregates)
    else:  # portable: join each customer's first period back to its amount
        per_customer = purchases.group_by("customer_id").aggregate(**aggregates)
        firsts = purchases.join(per_customer, [purchases.customer_id == per_customer.customer_id,
                                               purchases.period == per_customer.first])
        s = per_customer.join(firsts.select("customer_id", first_amount=firsts.amount), "customer_id")
    end = ibis.literal(end_period, type="timestamp")
    repeat = (s.purchases - 1)
    return s.select(
        "customer_id",
        frequency=repeat,
        recency=_elapsed(s["last"], s["first"], time_unit, purchase_period),
        T=_elapsed(end, s["first"], time_unit, purchase_period),
        monetary=ibis.ifelse(repeat > 0, (s.total - s.first_amount) / repeat.cast("float64"), 0.0),
    )


def _finish(result: pd.DataFrame, with_monetary: bool) -> pd.DataFrame:
    result = result.set_index("customer_id").sort_index()
    frequency = [c for c in result.columns if c.startswith("frequency")]
    result[frequency] = result[frequency].astype("int64")
    if not with_monetary:
        result = result.drop(columns=[c for c in result.columns if c.startswith("monetary")])
    return result

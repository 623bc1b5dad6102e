"""Acquisition cohorts: how many of the customers won in one period are still buying k periods later.

A customer's *cohort* is the period (month, quarter, week) of the first purchase in the log; the customer is
*active* in a period with at least one purchase in it. The retention table holds, for cohort c and age k
(periods since acquisition), the share of c's customers active in period c + k — the cohort chart that
retention analyses start from (e.g. Fader & Hardie 2010, "Customer-base valuation in a contractual setting",
figure 1, for renewals; here for repeat buying). Age 0 is 100 % by construction.

A cell is filled only when its whole period was observed (it ends on or before ``observation_end``); later
cells are missing (NaN), not zero: nobody can have bought in a period that has not happened. Transactions
after ``observation_end`` are not used and are counted in ``attrs["rows_after_observation_end"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ColumnTypeError, DataError, MissingColumnError

__all__ = ["cohort_retention_table"]

_PERIODS = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def cohort_retention_table(transactions: pd.DataFrame, *, period: str = "M", observation_end=None,
                           shares: bool = True, customer_col: str = "customer_id",
                           date_col: str = "date") -> pd.DataFrame:
    """Share (or number) of each acquisition cohort's customers active k periods after acquisition.

    Parameters
    ----------
    transactions : DataFrame
        A clean log with a customer and a date column.
    period : {"W", "M", "Q", "Y"}
        Length of a cohort and of an age step: week (Monday to Sunday), calendar month, quarter or year.
    observation_end : date-like, optional
        Last day observed (default: the last day of the log).
    shares : bool
        Shares of the cohort (default) or numbers of active customers (age 0 then holds the cohort sizes).

    Returns
    -------
    DataFrame indexed by cohort (a ``PeriodIndex`` named ``cohort``), one column per age 0, 1, … (named
    ``periods_since_acquisition``); unobserved cells are NaN. ``attrs`` holds ``period``, ``observation_end``,
    ``customers`` (Series of cohort sizes) and ``rows_after_observation_end``.

    Examples
    --------
    >>> import crmlab as cl
    >>> table = cl.cohorts.cohort_retention_table(cl.datasets.load_cdnow("sample"), observation_end="1998-06-30")
    >>> round(float(table.loc["1997-01", 1]), 3)
    0.159
    """
    if period not in _PERIODS:
        raise ValueError(f"period must be one of {list(_PERIODS)} ({', '.join(_PERIODS.values())}), got {period!r}")
    missing = [c for c in (customer_col, date_col) if c not in transactions]
    if missing:
        raise MissingColumnError(f"the log has no column {missing} (its columns: {list(transactions.columns)}); "
                                 "pass customer_col= and date_col=")
    dates = transactions[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise ColumnTypeError(f"column {date_col!r} is {dates.dtype}, not a date; clean the log with "
                              "crmlab.transactions.clean, which parses dates")
    incomplete = transactions[customer_col].isna() | dates.isna()
    if incomplete.any():
        raise DataError(f"{int(incomplete.sum()):,} rows have no customer id or no date; clean the log with "
                        "crmlab.transactions.clean, which drops such rows and counts them")
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else dates.max().normalize()
    observed = dates < end + pd.Timedelta(days=1)
    if not observed.any():
        raise DataError(f"no transaction on or before the observation end {end.date()}")
    frequency = "W-SUN" if period == "W" else period
    ordinal = dates[observed].dt.to_period(frequency).array.asi8
    customers = transactions.loc[observed, customer_col].to_numpy()
    cohort = pd.Series(ordinal).groupby(customers).transform("min").to_numpy()
    active = pd.DataFrame({"cohort": cohort, "age": ordinal - cohort, "customer": customers}).drop_duplicates()
    counts = active.groupby(["cohort", "age"]).size().unstack("age", fill_value=0).astype("float64")
    sizes = counts[0].copy()
    # the last period observed in full: the one ending at the observation end, else the one before
    end_period = pd.Period(end, frequency)
    last_complete = end_period.ordinal - (end_period.end_time.normalize() != end)
    ages = np.arange(max(last_complete - counts.index.min() + 1, 1))  # every age observed for some cohort
    counts = counts.reindex(columns=ages, fill_value=0.0)
    counts = counts.where(counts.index.to_numpy()[:, None] + ages[None, :] <= last_complete)
    table = counts.div(sizes, axis=0) if shares else counts
    table.index = pd.PeriodIndex.from_ordinals(table.index.to_numpy(), freq=frequency).rename("cohort")
    table.columns = pd.Index(ages, name="periods_since_acquisition")
    table.attrs = {"period": period, "observation_end": str(end.date()),
                   "customers": pd.Series(sizes.to_numpy(dtype="int64"), index=table.index, name="customers"),
                   "rows_after_observation_end": int((~observed).sum())}
    return table

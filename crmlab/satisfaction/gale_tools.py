"""Gale's other customer value tools: win/loss analysis, the key-events table and the What/Who matrix.

Gale (1994), *Managing Customer Value*, names seven tools; textbook 003 §2.4.3 lists them (市场感知质量水平;
市场感知价格水平; 客户价值图; 得失(win/lost)分析; 客户价值分析对照图; 关键事件表; What/Who矩阵) and
describes the first three, win/loss analysis and the head-to-head chart. The first four live in
:mod:`crmlab.satisfaction.value_map`; this module computes the other three.

* **Win/loss analysis** (得失分析): for every deal won or lost, the reason the customer gave; per reason,
  how many deals were won and lost, the win rate and the reason's share of all losses — why customers
  choose us or leave us.
* **Key-events table** (关键事件表): the events that moved the market (our moves and competitors'),
  each with a tracked measure (market share, a perceived-quality ratio, …) just before and after it.
  Gale draws it as a time line (:func:`crmlab.plotting.plot_key_events`).
* **What/Who matrix**: which quality attributes ("what") each department or process ("who") is
  responsible for. The chapter gives only the name; we read it quantitatively: each attribute's
  improvement priority (e.g. its weighted shortfall against a competitor from
  :func:`~crmlab.satisfaction.value_map.head_to_head`) is shared among the departments in proportion to
  their responsibility, and the column sums say which department carries most of the work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, MissingColumnError

__all__ = ["OUTCOMES", "NO_REASON", "win_loss_analysis", "key_events", "what_who_matrix"]

#: The outcomes a deal can have in a win/loss analysis.
OUTCOMES = ("won", "lost")
#: Label of deals whose reason was not recorded (counted, never dropped).
NO_REASON = "no reason recorded"


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnError(f"{what} has no column(s) {missing} (its columns: {list(frame.columns)}); name "
                                 "them with the keyword arguments")


def win_loss_analysis(deals: pd.DataFrame, *, outcome: str = "outcome", reason: str = "reason") -> pd.DataFrame:
    """Deals won and lost per reason (得失分析).

    ``deals`` has one row per deal: ``outcome`` is ``"won"`` or ``"lost"``, ``reason`` the main reason the
    customer gave (blank reasons are counted under :data:`NO_REASON`). Returns one row per reason, most
    frequent first, with ``won``, ``lost``, ``deals``, ``win_rate`` = won / deals, ``share_of_wins`` and
    ``share_of_losses`` (the reason's share of all won and all lost deals). ``attrs["win_rate"]`` holds the
    overall win rate.
    """
    _require(deals, [outcome, reason], "deals")
    if deals.empty:
        raise DataError("deals has no rows; a win/loss analysis needs at least one won or lost deal")
    result = deals[outcome].astype("string").str.strip().str.lower()
    bad = ~result.isin(OUTCOMES)
    if bad.any():
        rows = list(deals.index[bad.to_numpy()][:5])
        raise DataError(f"{outcome!r} must be 'won' or 'lost'; {int(bad.sum())} deals are not (first rows {rows}, "
                        f"values {deals.loc[bad.to_numpy(), outcome].head().tolist()})")
    reasons = deals[reason].astype("string").str.strip().replace("", pd.NA).fillna(NO_REASON)
    counts = pd.crosstab(reasons.to_numpy(), result.to_numpy()).reindex(columns=list(OUTCOMES), fill_value=0)
    counts.index.name, counts.columns.name = "reason", None
    table = counts.astype("int64")
    table["deals"] = table["won"] + table["lost"]
    table["win_rate"] = table["won"] / table["deals"]
    for column in OUTCOMES:
        total = table[column].sum()
        table[f"share_of_{'wins' if column == 'won' else 'losses'}"] = table[column] / total if total else 0.0
    table = table.sort_values(["deals", "lost"], ascending=False, kind="stable")
    table.attrs["win_rate"] = float(table["won"].sum() / table["deals"].sum())
    return table


def key_events(events: pd.DataFrame, tracking: pd.Series, *, when: str = "quarter", lag: int = 1) -> pd.DataFrame:
    """The key-events table (关键事件表): each event with the tracked measure before and after it.

    ``events`` has a column ``when`` (a period or date comparable with the index of ``tracking``) and any
    descriptive columns (who acted, what happened). ``tracking`` is a measure observed over time (index
    sorted, e.g. market share per quarter). ``before`` is the last observation strictly before the event,
    ``after`` the ``lag``-th observation at or after it (``lag=1``: the first), ``change`` = after − before.
    Events before the first or after the last observation are rejected with their rows named.
    """
    _require(events, [when], "events")
    if not isinstance(tracking, pd.Series) or tracking.empty:
        raise DataError("tracking must be a non-empty Series of the measure over time (index = period or date)")
    if not tracking.index.is_monotonic_increasing or tracking.index.has_duplicates:
        raise DataError("tracking must be indexed by distinct periods in increasing order; sort it first")
    values = pd.to_numeric(tracking, errors="coerce")
    if values.isna().any():
        raise DataError(f"tracking has missing or non-numeric values at {list(tracking.index[values.isna()][:5])}")
    if not isinstance(lag, int | np.integer) or lag < 1:
        raise ValueError(f"lag must be a whole number >= 1, got {lag!r}")
    periods = tracking.index
    moments = events[when]
    if moments.isna().any():
        raise DataError(f"events {list(events.index[moments.isna()])} have no {when!r}; date every event")
    try:
        at = periods.searchsorted(moments.to_numpy(), side="left")
    except TypeError:
        raise DataError(f"events[{when!r}] ({moments.dtype}) cannot be compared with the periods of tracking "
                        f"({periods.dtype}); give both as numbers or both as dates") from None
    before_position, after_position = at - 1, at + lag - 1
    outside = (before_position < 0) | (after_position >= len(periods))
    if outside.any():
        raise DataError(f"events {list(events.index[outside])} fall outside the tracked periods "
                        f"({periods[0]} … {periods[-1]}) or leave fewer than lag={lag} observations after them")
    table = events.copy()
    table["before"] = values.to_numpy()[before_position]
    table["after"] = values.to_numpy()[after_position]
    table["change"] = table["after"] - table["before"]
    return table.sort_values(when, kind="stable")


def what_who_matrix(priorities: pd.Series, responsibilities: pd.DataFrame) -> pd.DataFrame:
    """Improvement priorities of the attributes ("what") shared among the departments ("who").

    ``priorities``: one non-negative number per attribute (e.g. the weighted shortfall against a rival).
    ``responsibilities``: attributes (rows) × departments (columns), non-negative; each row is normalised
    to sum to 1 (a 1/0 table means "shared equally among the departments marked"). The result is the
    matrix priority_j × share_jd with a last row ``"total"``: each department's share of the work.
    """
    if not isinstance(priorities, pd.Series) or not isinstance(responsibilities, pd.DataFrame):
        raise DataError("priorities must be a Series (per attribute) and responsibilities a DataFrame "
                        "(attributes × departments)")
    shares = responsibilities.apply(pd.to_numeric, errors="coerce")
    if shares.isna().to_numpy().any() or (shares < 0).to_numpy().any():
        raise DataError("responsibilities must be non-negative numbers (1 = responsible, or a share)")
    missing = [a for a in priorities.index if a not in shares.index]
    if missing:
        raise DataError(f"no department is named for the attributes {missing}; add them as rows of responsibilities")
    weights = pd.to_numeric(priorities, errors="coerce")
    if weights.isna().any() or (weights < 0).any():
        raise DataError("priorities must be non-negative numbers, one per attribute")
    shares = shares.loc[weights.index]
    unowned = shares.index[shares.sum(axis=1) == 0]
    if len(unowned):
        raise DataError(f"nobody is responsible for {list(unowned)}; give each attribute at least one department")
    matrix = shares.div(shares.sum(axis=1), axis=0).mul(weights, axis=0)
    matrix.loc["total"] = matrix.sum()
    matrix.index.name, matrix.columns.name = "attribute", "department"
    return matrix

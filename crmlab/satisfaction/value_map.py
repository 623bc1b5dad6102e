"""Gale's customer value analysis (盖尔客户价值分析): market-perceived quality, price and the value map.

Gale (1994), *Managing Customer Value*. Customers weight the quality attributes (weights summing to
1) and rate us and each competitor on each; the performance ratio of an attribute is our rating over
the competitor's (or over the competitors' mean), and the market-perceived quality ratio is their
weighted mean. The same on the price (cost) factors gives the market-perceived price ratio. On the
customer value map, quality ratio runs along x and price ratio along y; the fair-value line through
(1, 1) with slope 1 joins offers that give the same value for money. Below and right of it is better
value (more quality for the price), above and left worse value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["perceived_ratio", "value_map"]


def perceived_ratio(ratings: pd.DataFrame, weights: pd.Series, us: str) -> pd.Series:
    """Weighted mean of the performance ratios of ``us`` against every other competitor and the market.

    ``ratings``: attributes (rows) × competitors (columns); ``weights``: importance of each attribute.
    Returns one ratio per competitor (our ratio against that competitor) and ``"market"`` (against the
    mean of all the others).
    """
    if us not in ratings.columns:
        raise DataError(f"{us!r} is not a column of the ratings (competitors: {list(ratings.columns)})")
    weights = weights.reindex(ratings.index)
    if weights.isna().any() or (weights < 0).any() or weights.sum() <= 0:
        raise DataError("weights must give a non-negative importance for every attribute, with a positive sum")
    weights = weights / weights.sum()
    if (ratings <= 0).any().any():
        raise DataError("ratings must be positive to form performance ratios")
    others = ratings.drop(columns=us)
    ratios = {name: float((weights * ratings[us] / others[name]).sum()) for name in others.columns}
    ratios["market"] = float((weights * ratings[us] / others.mean(axis=1)).sum())
    return pd.Series(ratios, name="ratio")


def value_map(quality: pd.DataFrame, quality_weights: pd.Series, price: pd.DataFrame, price_weights: pd.Series
              ) -> pd.DataFrame:
    """Quality and price ratio of every competitor against the market (the others' mean), and its value position.

    ``value`` = quality ratio − price ratio: positive means better value than the fair-value line.
    """
    rows = {}
    for name in quality.columns:
        q = perceived_ratio(quality, quality_weights, name)["market"]
        p = perceived_ratio(price, price_weights, name)["market"]
        rows[name] = {"quality_ratio": q, "price_ratio": p, "value": q - p}
    table = pd.DataFrame(rows).T
    table["position"] = np.where(table["value"] > 0, "better value", np.where(table["value"] < 0, "worse value",
                                                                              "fair value"))
    return table

"""Gale's customer value analysis (盖尔客户价值分析): market-perceived quality and price, the value map.

Gale (1994), *Managing Customer Value*, chapter 4; textbook 003 §2.4.3 (客户价值分析).

**Market-perceived quality** (市场感知质量水平). Customers weight the non-price quality attributes
(weights w_j summing to 1) and rate us and each competitor on each. Our performance ratio (业绩比率)
on attribute j is our rating over the competitor's (or over the mean of all competitors), and the
market-perceived quality ratio is the weighted mean ``Q = Σ_j w_j u_j / c_j``.

**Market-perceived price** (市场感知价格水平) is measured the same way on the price (cost) factors —
but a price rating can run in either direction, so the caller must say which kind it gives:

* ``price_ratings="level"``: the rating is how *expensive* the offer feels (higher = dearer). The
  relative price ratio is then ``P = Σ_k w_k u_k / c_k`` and the price competitiveness index
  ``Σ_k w_k c_k / u_k``.
* ``price_ratings="satisfaction"``: the rating is *price satisfaction* (价格满意度, higher = the price
  is judged more favourably), as in the textbook. The price competitiveness index (价格竞争力指数) is
  ``Σ_k w_k u_k / c_k`` and the relative price ratio (相对价格比率) is the other way round,
  ``P = Σ_k w_k c_k / u_k``. With one price factor the two are reciprocals: the textbook's brand A with
  price satisfaction 8.3 against 7.0 for the others has an index of 8.3 / 7.0 = 1.1857 and a relative
  price of 7.0 / 8.3 = 0.8434 — it is perceived as *cheaper* (see :func:`gale_price_indices`). With
  several factors the two weighted means are not exact reciprocals.

**The value map** (客户价值图) puts the quality ratio Q on x and the relative price ratio P on y.
The average value line (平均价值线) through (1, 1) with slope 1 joins offers that give the market's
average value for money; below and to the right of it (Q − P > 0) an offer gives more value, above and
to the left less. The lines Q = 1 and P = 1 cut the map into the textbook's quadrants: 左下 low
quality–low price (低质低价), 右下 low price–high quality (低价高质), 右上 high quality–high price
(高质高价), 左上 high price–low quality (高价低质). A ratio of exactly 1 counts as high.

**Head-to-head** (客户价值分析对照图): attribute by attribute, our rating minus one competitor's, times
the attribute's weight; the weighted differences add up to the difference of the two weighted mean
ratings (Gale's head-to-head area chart, :func:`crmlab.plotting.plot_head_to_head`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["PRICE_RATINGS", "QUADRANTS", "perceived_ratio", "gale_price_indices", "value_map", "head_to_head"]

#: The two kinds of price rating :func:`value_map` accepts (no default: the caller states the direction).
PRICE_RATINGS = ("level", "satisfaction")
#: Quadrant of the value map by (quality ratio >= 1, relative price ratio >= 1).
QUADRANTS = {(True, True): "high quality, high price", (True, False): "low price, high quality",
             (False, False): "low quality, low price", (False, True): "high price, low quality"}


def _weights(weights: pd.Series, attributes: pd.Index) -> pd.Series:
    if not isinstance(weights, pd.Series):
        raise DataError(f"weights must be a pandas Series indexed by attribute, got {type(weights).__name__}")
    extra = [a for a in weights.index if a not in attributes]
    if extra:
        raise DataError(f"weights are given for {extra}, which are not rows of the ratings {list(attributes)}")
    aligned = pd.to_numeric(weights.reindex(attributes), errors="coerce")
    if aligned.isna().any():
        raise DataError(f"no weight for the attributes {list(aligned.index[aligned.isna()])}; give every row of the "
                        "ratings a non-negative weight")
    if (aligned < 0).any() or aligned.sum() <= 0:
        raise DataError("weights must be non-negative with a positive sum")
    return aligned / aligned.sum()


def _ratings(ratings: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(ratings, pd.DataFrame):
        raise DataError(f"{name} must be a DataFrame of attributes (rows) × competitors (columns)")
    numeric = ratings.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() | (numeric <= 0)
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise DataError(f"{name} must be positive numbers to form performance ratios; found "
                        f"{ratings.iat[row, column]!r} for {ratings.columns[column]!r} on {ratings.index[row]!r}")
    if ratings.shape[1] < 2:
        raise DataError(f"{name} need at least two competitors (columns) to compare, got {list(ratings.columns)}")
    return numeric


def _competitor(ratings: pd.DataFrame, name: str) -> None:
    if name not in ratings.columns:
        raise DataError(f"{name!r} is not a column of the ratings (competitors: {list(ratings.columns)})")


def _ratios(ratings: pd.DataFrame, weights: pd.Series, us: str, *, inverse: bool) -> pd.Series:
    """Σ w u/c (or Σ w c/u when ``inverse``) of ``us`` against each other competitor and the others' mean."""
    others = ratings.drop(columns=us)
    comparisons = {name: others[name] for name in others.columns} | {"market": others.mean(axis=1)}
    ratios = {name: float((weights * (them / ratings[us] if inverse else ratings[us] / them)).sum())
              for name, them in comparisons.items()}
    return pd.Series(ratios, name="ratio")


def perceived_ratio(ratings: pd.DataFrame, weights: pd.Series, us: str) -> pd.Series:
    """Weighted mean of the performance ratios of ``us`` against every other competitor and the market.

    ``ratings``: attributes (rows) × competitors (columns), positive; ``weights``: importance of each
    attribute (normalised to sum to 1). Returns one ratio per competitor (``Σ_j w_j u_j / c_j``) and
    ``"market"`` (against the mean rating of all the others).
    """
    ratings = _ratings(ratings, "ratings")
    _competitor(ratings, us)
    return _ratios(ratings, _weights(weights, ratings.index), us, inverse=False)


def gale_price_indices(price_satisfaction_us: float, price_satisfaction_others: float) -> pd.Series:
    """The textbook's two price indices from price-satisfaction ratings (003 §2.4.3, 市场感知价格水平).

    ``price_competitiveness_index`` (价格竞争力指数) = us / others: above 1 our price is judged more
    favourably. ``relative_price_ratio`` (相对价格比率) = others / us: below 1 customers see our price level
    as lower than the others'. The textbook's brand A: ``gale_price_indices(8.3, 7.0)`` gives 1.1857 and
    0.8434 (the text prints 1.18 and 0.85).
    """
    values = {"price_satisfaction_us": price_satisfaction_us, "price_satisfaction_others": price_satisfaction_others}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
                or not np.isfinite(value) or value <= 0:
            raise DataError(f"{name} must be a positive number (a mean price-satisfaction rating), got {value!r}")
    us, others = float(price_satisfaction_us), float(price_satisfaction_others)
    return pd.Series({"price_competitiveness_index": us / others, "relative_price_ratio": others / us},
                     name="price_indices")


def value_map(quality: pd.DataFrame, quality_weights: pd.Series, price: pd.DataFrame, price_weights: pd.Series,
              *, price_ratings: str) -> pd.DataFrame:
    """Every competitor against the market (the others' mean): quality ratio, relative price, value, position.

    Parameters
    ----------
    quality, price : DataFrame
        Attributes (rows) × competitors (columns, the same in both), positive ratings.
    quality_weights, price_weights : Series
        Importance of each quality attribute and each price factor.
    price_ratings : {"level", "satisfaction"}
        What the price ratings measure — required, because the two read in opposite directions:
        ``"level"`` how expensive the offer feels (higher = dearer), ``"satisfaction"`` the textbook's
        price satisfaction (价格满意度, higher = more favourable). See the module docstring.

    Returns
    -------
    DataFrame indexed by competitor: ``quality_ratio``; ``price_ratio`` (the relative price ratio, higher
    = dearer, the map's y axis); ``price_competitiveness_index`` (higher = more favourable price);
    ``value_advantage`` = quality_ratio − price_ratio (positive below the average value line);
    ``position`` (``"better value"`` below the line, ``"worse value"`` above, ``"on the average value
    line"``); ``quadrant`` (see :data:`QUADRANTS`). ``attrs["price_ratings"]`` records the convention.
    """
    if price_ratings not in PRICE_RATINGS:
        raise ValueError(f"price_ratings must be 'level' (higher = dearer) or 'satisfaction' (price satisfaction, "
                         f"higher = more favourable, as in textbook 003 §2.4.3), got {price_ratings!r}")
    quality, price = _ratings(quality, "quality ratings"), _ratings(price, "price ratings")
    if list(quality.columns) != list(price.columns):
        raise DataError(f"quality and price ratings must rate the same competitors in the same order; quality has "
                        f"{list(quality.columns)}, price has {list(price.columns)}")
    q_weights, p_weights = _weights(quality_weights, quality.index), _weights(price_weights, price.index)
    satisfaction = price_ratings == "satisfaction"
    rows = {}
    for name in quality.columns:
        q = _ratios(quality, q_weights, name, inverse=False)["market"]
        p = _ratios(price, p_weights, name, inverse=satisfaction)["market"]
        competitiveness = _ratios(price, p_weights, name, inverse=not satisfaction)["market"]
        rows[name] = {"quality_ratio": q, "price_ratio": p, "price_competitiveness_index": competitiveness,
                      "value_advantage": q - p}
    table = pd.DataFrame.from_dict(rows, orient="index")
    on_line = np.isclose(table["value_advantage"], 0.0, rtol=0.0, atol=1e-12)
    table["position"] = np.where(on_line, "on the average value line",
                                 np.where(table["value_advantage"] > 0, "better value", "worse value"))
    table["quadrant"] = [QUADRANTS[(q >= 1, p >= 1)] for q, p in zip(table["quality_ratio"], table["price_ratio"],
                                                                     strict=True)]
    table.attrs["price_ratings"] = price_ratings
    return table


def head_to_head(quality: pd.DataFrame, weights: pd.Series, us: str, competitor: str) -> pd.DataFrame:
    """Attribute-by-attribute comparison with one competitor (客户价值分析对照图, Gale's head-to-head chart).

    Per attribute j: our rating u_j, theirs c_j, ``difference`` u_j − c_j, the normalised ``weight`` w_j and
    ``weighted_difference`` w_j (u_j − c_j). A last row ``"total"`` holds the weighted mean ratings
    Σ w_j u_j and Σ w_j c_j, weight 1 and their difference Σ w_j (u_j − c_j), so the weighted differences
    of the attributes add up to it. Positive rows are where we beat the competitor.
    """
    ratings = _ratings(quality, "quality ratings")
    for name in (us, competitor):
        _competitor(ratings, name)
    if us == competitor:
        raise DataError(f"compare {us!r} with another competitor, not with itself")
    w = _weights(weights, ratings.index)
    table = pd.DataFrame({"us": ratings[us], "competitor": ratings[competitor]})
    table["difference"] = table["us"] - table["competitor"]
    table["weight"] = w
    table["weighted_difference"] = w * table["difference"]
    total = pd.DataFrame({"us": (w * table["us"]).sum(), "competitor": (w * table["competitor"]).sum(),
                          "difference": table["weighted_difference"].sum(), "weight": 1.0,
                          "weighted_difference": table["weighted_difference"].sum()}, index=["total"])
    table = pd.concat([table, total])
    table.index.name = "attribute"
    table.attrs.update(us=us, competitor=competitor)
    return table

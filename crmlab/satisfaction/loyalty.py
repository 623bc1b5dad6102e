"""Satisfaction and what follows from it: satisfaction types, word of mouth, loyalty and profit.

**Satisfaction types** (客户满意的类型, textbook 003 §2.2.1; 001 §3.5.1, 图3.10). Satisfaction compares the
perceived performance Q1 (实际体验, 可感知效果) with the expectation Q0 (期望值): Q1 < Q0 dissatisfied
(不满意), Q1 = Q0 satisfied (一般满意), Q1 > Q0 highly satisfied (高度满意). Only highly satisfied
customers are likely to become loyal. The text compares Q1 with Q0 exactly (``tolerance=0``); with
averaged ratings a small band around equality (the lab's default ``tolerance=0.5``) is more useful.

**Word of mouth** (003 §2.2.1): a dissatisfied customer tells 22 people, a satisfied one 8, a highly
satisfied one 10 or more (:func:`word_of_mouth`).

**Satisfaction and loyalty** (003 §2.3.3; 001 §3.6.4, 图3.21). Loyalty does not rise evenly with
satisfaction: over a wide middle range more satisfaction buys little loyalty — the stretch of high
satisfaction and low loyalty (高满意度低忠诚度, the lab also calls it the zone of indifference) near
the average loyalty (平均忠诚度) of the industry — and only high satisfaction makes customers loyal.
Satisfied customers still leave: the satisfaction trap (顾客满意陷阱; Jones & Sasser 1995). The
chapter gives three causes: satisfaction is an attitude, loyalty a behaviour (顾客感知理论); meeting
basic expectations only removes dissatisfaction, delight needs latent expectations met (双因素理论,
基本期望/潜在期望, 图3.22); competitors offer as much or more (竞争). And two remedies: deliver more value
than competitors (更大的顾客让渡价值) and raise switching costs (顾客转移成本). The curve is estimated
here with statsmodels and its non-linearity tested (:func:`satisfaction_loyalty_curve`); the share of
customers retained per satisfaction band is :func:`retention_by_satisfaction`.

**Satisfaction is not profitability** (003 §2.3.3): in the Swedish banks' study 80 % of customers were
unprofitable yet satisfied, while the 20 % who brought more than all the profit were dissatisfied
(:func:`satisfaction_by_profitability`). Satisfy the valuable customers, not everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import check_lang, translate

__all__ = ["SATISFACTION_TYPES", "SATISFIED_ANSWER", "WORD_OF_MOUTH_TELLS", "expectation_gap", "word_of_mouth",
           "satisfaction_loyalty_curve", "CurveFit", "retention_by_satisfaction", "loyalty_index",
           "satisfaction_by_profitability"]

#: The three satisfaction types of 003 §2.2.1 (不满意, 一般满意, 高度满意).
SATISFACTION_TYPES = ("dissatisfied", "satisfied", "highly satisfied")
#: The label of a plain yes/no "satisfied" answer (满意), kept apart from the type "satisfied" (一般满意).
SATISFIED_ANSWER = "satisfied (answer)"
#: How many people a customer of each type tells (003 §2.2.1; the highly satisfied tell "10 or more").
WORD_OF_MOUTH_TELLS = {"dissatisfied": 22, "satisfied": 8, "highly satisfied": 10}


def expectation_gap(perception, expectation, tolerance: float = 0.5, lang: str = "en") -> pd.DataFrame:
    """Gap Q1 − Q0 between perceived performance and expectation, and the satisfaction type (003 §2.2.1).

    ``perception`` (Q1) and ``expectation`` (Q0) are Series (one score per respondent) or DataFrames
    (respondents × attributes, averaged over attributes). Gap < −tolerance: dissatisfied (不满意);
    |gap| <= tolerance: satisfied (一般满意); gap > tolerance: highly satisfied (高度满意). ``tolerance=0``
    is the textbook's exact comparison. ``lang`` gives the labels in English or Chinese.
    """
    check_lang(lang)
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    p = perception.mean(axis=1) if isinstance(perception, pd.DataFrame) else perception
    e = expectation.mean(axis=1) if isinstance(expectation, pd.DataFrame) else expectation
    if not p.index.equals(e.index):
        raise DataError("perception and expectation must be given for the same respondents (same index)")
    gap = (p - e).astype("float64")
    if gap.isna().any():
        raise DataError(f"{int(gap.isna().sum())} respondents lack a perception or an expectation score")
    classes = np.select([gap < -tolerance, gap > tolerance], [SATISFACTION_TYPES[0], SATISFACTION_TYPES[2]],
                        SATISFACTION_TYPES[1])
    table = pd.DataFrame({"perception": p, "expectation": e, "gap": gap, "class": classes})
    table["class"] = translate(table["class"], lang).to_numpy()  # labels only: the index is data
    return table


def word_of_mouth(counts: Mapping[str, float], tells: Mapping[str, float] = WORD_OF_MOUTH_TELLS) -> pd.Series:
    """Negative, positive and net mentions that customers of each satisfaction type spread (003 §2.2.1).

    ``counts``: number of customers per type (keys among :data:`SATISFACTION_TYPES`; missing types count
    0). ``tells``: people each customer of a type tells — the textbook's 22 (dissatisfied), 8 (satisfied)
    and 10 or more (highly satisfied) by default, so the positive mentions are a lower bound.
    ``negative_mentions`` = 22 n_dissatisfied; ``positive_mentions`` = 8 n_satisfied + 10 n_highly;
    ``net_mentions`` = positive − negative. For 10 / 60 / 30 customers: 220 negative, 780 positive,
    net 560; one dissatisfied customer outweighs 22 / 8 = 2.75 satisfied ones.
    """
    for name, mapping in (("counts", counts), ("tells", tells)):
        if not isinstance(mapping, Mapping):
            raise DataError(f"{name} must be a mapping of satisfaction type to a number, got {type(mapping).__name__}")
        unknown = [key for key in mapping if key not in SATISFACTION_TYPES]
        if unknown:
            raise DataError(f"{name} has unknown satisfaction types {unknown}; use {list(SATISFACTION_TYPES)}")
        bad = {key: value for key, value in mapping.items()
               if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating)
               or not np.isfinite(value) or value < 0}
        if bad:
            raise DataError(f"{name} must be non-negative numbers; got {bad}")
    missing = [key for key in SATISFACTION_TYPES if key not in tells]
    if missing:
        raise DataError(f"tells gives no number of people for {missing}")
    n = {key: float(counts.get(key, 0)) for key in SATISFACTION_TYPES}
    negative = n["dissatisfied"] * tells["dissatisfied"]
    positive = n["satisfied"] * tells["satisfied"] + n["highly satisfied"] * tells["highly satisfied"]
    return pd.Series({"negative_mentions": negative, "positive_mentions": positive,
                      "net_mentions": positive - negative}, name="mentions")


@dataclass(frozen=True)
class CurveFit:
    """A fitted satisfaction-loyalty curve: predictions on a grid, the statsmodels result, thresholds, the test."""

    kind: str
    grid: pd.DataFrame
    result: object
    thresholds: tuple[float, ...]
    slopes: tuple[float, ...]
    nonlinearity_p_value: float
    aic: float


def _grid(satisfaction: pd.Series, points: int = 101) -> np.ndarray:
    return np.linspace(satisfaction.min(), satisfaction.max(), points)


def satisfaction_loyalty_curve(satisfaction: pd.Series, loyalty: pd.Series, kind: str = "piecewise",
                               df: int = 4) -> CurveFit:
    """Fit loyalty on satisfaction and test whether the relation is linear.

    kind
        ``"linear"`` OLS; ``"spline"`` OLS on a natural cubic regression spline with ``df`` degrees of
        freedom; ``"piecewise"`` OLS on a continuous piecewise-linear function with two breakpoints
        chosen by least squares among the 5 %-95 % quantiles of satisfaction (the zone of indifference
        lies between them); ``"logistic"`` a logit of a 0/1 loyalty (e.g. repurchased) on satisfaction
        and its square.
    The non-linearity p-value comes from an F-test of the linear model nested in the spline model
    (for ``"logistic"``: a likelihood-ratio test of the squared term).
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if kind not in ("linear", "spline", "piecewise", "logistic"):
        raise ValueError(f"kind must be 'linear', 'spline', 'piecewise' or 'logistic', got {kind!r}")
    frame = pd.DataFrame({"s": pd.to_numeric(satisfaction, errors="coerce"),
                          "y": pd.to_numeric(loyalty, errors="coerce")}).dropna()
    if len(frame) < 20:
        raise DataError(f"only {len(frame)} respondents with both scores; the curve needs at least 20")
    if frame["s"].nunique() < 5:
        raise DataError("satisfaction takes fewer than 5 distinct values; a curve cannot be told from a line")
    grid = _grid(frame["s"])
    linear = smf.ols("y ~ s", frame).fit()
    thresholds: tuple[float, ...] = ()
    if kind == "logistic":
        if not set(frame["y"].unique()) <= {0, 1}:
            raise DataError("kind='logistic' needs loyalty coded 0/1 (e.g. repurchased or not)")
        result = smf.logit("y ~ s + I(s ** 2)", frame).fit(disp=False)
        nested = smf.logit("y ~ s", frame).fit(disp=False)
        p_value = float(sm.stats.stattools.stats.chi2.sf(2 * (result.llf - nested.llf), 1))
        prediction = result.predict(pd.DataFrame({"s": grid}))
    else:
        spline = smf.ols(f"y ~ cr(s, df={df}, constraints='center')", frame).fit()
        p_value = float(spline.compare_f_test(linear)[1])
        if kind == "linear":
            result = linear
        elif kind == "spline":
            result = spline
        else:
            result, thresholds = _piecewise(frame)
        prediction = result.predict(_design(grid, thresholds)) if kind == "piecewise" else \
            result.predict(pd.DataFrame({"s": grid}))
    slopes = tuple(np.cumsum(result.params[1:]).round(12)) if kind == "piecewise" else ()
    return CurveFit(kind=kind, grid=pd.DataFrame({"satisfaction": grid, "loyalty": np.asarray(prediction)}),
                    result=result, thresholds=thresholds, slopes=slopes, nonlinearity_p_value=p_value,
                    aic=float(result.aic))


def _design(s, thresholds) -> np.ndarray:
    s = np.asarray(s, dtype="float64")
    return np.column_stack([np.ones_like(s), s, *[np.clip(s - t, 0, None) for t in thresholds]])


def _piecewise(frame: pd.DataFrame):
    """Two breakpoints by exhaustive least squares over quantiles; hinge terms make the line continuous."""
    import statsmodels.api as sm

    s, y = frame["s"].to_numpy(), frame["y"].to_numpy()
    candidates = np.unique(np.quantile(s, np.linspace(0.05, 0.95, 37)))
    best = None
    for i, low in enumerate(candidates):
        for high in candidates[i + 1:]:
            X = _design(s, (low, high))
            residual = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
            sse = residual @ residual
            if best is None or sse < best[0]:
                best = (sse, (float(low), float(high)))
    thresholds = best[1]
    return sm.OLS(y, _design(s, thresholds)).fit(), thresholds


def loyalty_index(measures: pd.DataFrame, weights: dict[str, float], lower_is_better: tuple[str, ...] = ()
                  ) -> pd.DataFrame:
    """A 0-100 loyalty index from behavioural (transactions) and attitudinal (survey) measures.

    Each measure is min-max rescaled to 0-100 over the customers (reversed for the measures in
    ``lower_is_better``, e.g. price sensitivity or days since the last purchase), then averaged with
    ``weights`` (normalised to sum to 1). Returns the rescaled measures and the ``loyalty_index``.
    """
    missing = [m for m in weights if m not in measures]
    if missing:
        raise DataError(f"measures {missing} have a weight but no column")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    scaled = {}
    for name in weights:
        column = pd.to_numeric(measures[name], errors="coerce")
        if column.isna().any():
            raise DataError(f"measure {name!r} has missing or non-numeric values")
        spread = column.max() - column.min()
        if spread == 0:
            raise DataError(f"measure {name!r} is the same for every customer and cannot discriminate loyalty")
        rescaled = (column - column.min()) / spread * 100
        scaled[name] = 100 - rescaled if name in lower_is_better else rescaled
    table = pd.DataFrame(scaled)
    total = sum(weights.values())
    table["loyalty_index"] = sum(table[name] * weight / total for name, weight in weights.items())
    return table


def retention_by_satisfaction(satisfaction: pd.Series, retained: pd.Series, bands) -> pd.DataFrame:
    """Share of customers retained (or repurchasing) in each satisfaction band.

    ``satisfaction``: a score per customer; ``retained``: 1/0 (or True/False) for the same customers;
    ``bands``: the band edges, increasing (e.g. ``[0, 2, 4, 6, 8, 10]``; the lowest edge is included).
    Returns per band (labelled "low-high"; a score on an inner edge belongs to the lower band)
    ``customers``, ``retained``, ``retention_rate`` and ``mean_satisfaction``; a band
    without customers shows 0 customers and no rate. Scores outside the edges are an error, not dropped.
    """
    s = pd.to_numeric(satisfaction, errors="coerce")
    if not isinstance(retained, pd.Series) or not s.index.equals(retained.index):
        raise DataError("satisfaction and retained must be Series for the same customers (same index)")
    outcome = retained.astype("float64") if retained.dtype == bool else pd.to_numeric(retained, errors="coerce")
    if s.isna().any():
        raise DataError(f"{int(s.isna().sum())} customers have a missing or non-numeric satisfaction score")
    if not outcome.isin([0, 1]).all():
        raise DataError("retained must be 1/0 or True/False for every customer")
    edges = np.asarray(bands, dtype="float64")
    if edges.ndim != 1 or len(edges) < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError(f"bands must be at least two increasing edges, got {bands!r}")
    outside = (s < edges[0]) | (s > edges[-1])
    if outside.any():
        raise DataError(f"{int(outside.sum())} satisfaction scores lie outside the bands {edges[0]:g}-{edges[-1]:g} "
                        f"(e.g. {s[outside].iloc[0]:g}); widen the bands")
    labels = [f"{low:g}-{high:g}" for low, high in zip(edges[:-1], edges[1:], strict=True)]
    band = pd.cut(s, edges, labels=labels, include_lowest=True)
    table = pd.DataFrame({"band": band, "s": s, "y": outcome}).groupby("band", observed=False).agg(
        customers=("y", "size"), retained=("y", "sum"), mean_satisfaction=("s", "mean"))
    table["retained"] = table["retained"].astype("int64")
    table["retention_rate"] = table["retained"] / table["customers"].where(table["customers"] > 0)
    table.index = pd.Index(labels, name="satisfaction_band")
    return table[["customers", "retained", "retention_rate", "mean_satisfaction"]]


def satisfaction_by_profitability(satisfaction: pd.Series, profit: pd.Series, *, top: float = 0.2) -> pd.DataFrame:
    """Customers and profit by profitability group × satisfaction (003 §2.3.3, the Swedish banks).

    The ``top`` share of customers by profit (rounded to whole customers, at least one; ties by the order
    of the index) form the ``"most profitable"`` group, the rest ``"other customers"``. ``satisfaction`` is a label
    per customer (e.g. the satisfaction type of :func:`expectation_gap`, or True/False for satisfied or
    not). A True/False answer is labelled ``"satisfied (answer)"`` (满意, the plain "yes" of 003 §2.3.3's
    "却很满意") or ``"dissatisfied"``, so that it is not confused with the type ``"satisfied"`` (一般满意,
    perception equal to expectation, 003 §2.2.1). Returns rows (profit_group, satisfaction) — with a
    ``"subtotal"`` row per group — and columns
    ``customers``, ``customer_share``, ``profit`` and ``profit_share`` (of the total profit, which must be
    positive). In the textbook's banks the top 20 % brought more than 100 % of the profit, so the other
    80 % together lost money: with 8 satisfied customers at −1 and 2 dissatisfied at +6 the top group
    brings 12 / 4 = 300 % and the others −200 %.
    """
    if not isinstance(satisfaction, pd.Series) or not isinstance(profit, pd.Series):
        raise DataError("satisfaction and profit must be Series indexed by customer")
    if not satisfaction.index.equals(profit.index) or satisfaction.index.has_duplicates:
        raise DataError("satisfaction and profit must be given for the same customers (same index, no duplicates)")
    if not 0 < top < 1:
        raise ValueError(f"top must be a share between 0 and 1, got {top!r}")
    values = pd.to_numeric(profit, errors="coerce")
    if values.isna().any() or not np.isfinite(values).all():
        raise DataError(f"{int((values.isna() | ~np.isfinite(values.fillna(0))).sum())} customers have a missing or "
                        "non-numeric profit")
    if satisfaction.isna().any():
        raise DataError(f"{int(satisfaction.isna().sum())} customers have no satisfaction label")
    total = values.sum()
    if total <= 0:
        raise DataError(f"total profit is {total:g}; shares of profit need a positive total")
    labels = satisfaction.map({True: SATISFIED_ANSWER, False: "dissatisfied"}) if satisfaction.dtype == bool \
        else satisfaction.astype(str)
    n_top = max(1, int(round(top * len(values))))
    ranked = values.sort_values(ascending=False, kind="stable").index
    group = pd.Series("other customers", index=values.index)
    group[ranked[:n_top]] = "most profitable"
    frame = pd.DataFrame({"profit_group": group, "satisfaction": labels, "profit": values})
    detail = frame.groupby(["profit_group", "satisfaction"]).agg(customers=("profit", "size"), profit=("profit", "sum"))
    subtotal = frame.groupby("profit_group").agg(customers=("profit", "size"), profit=("profit", "sum"))
    subtotal.index = pd.MultiIndex.from_product([subtotal.index, ["subtotal"]], names=detail.index.names)
    known = [label for label in SATISFACTION_TYPES if label in set(labels)]
    order = known + sorted(set(labels) - set(known)) + ["subtotal"]
    groups = ["most profitable", "other customers"]
    table = pd.concat([detail, subtotal]).reindex(
        pd.MultiIndex.from_product([groups, order], names=detail.index.names)).dropna()
    table["customers"] = table["customers"].astype("int64")
    table["customer_share"] = table["customers"] / len(values)
    table["profit_share"] = table["profit"] / total
    return table[["customers", "customer_share", "profit", "profit_share"]]

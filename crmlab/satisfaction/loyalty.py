"""Satisfaction and loyalty: expectation vs perception, the satisfaction-loyalty curve, a loyalty index.

The textbook's satisfaction model compares perceived performance with expectation: below expectation
the customer is dissatisfied (不满意), around it satisfied (满意), above it highly satisfied (非常满意).
Loyalty does not rise evenly with satisfaction: over a wide middle range ("zone of indifference")
more satisfaction buys little loyalty, and only high satisfaction makes customers loyal — the
satisfaction trap (满意陷阱): satisfied customers still leave (Jones & Sasser 1995). The curve is
estimated here with statsmodels and its non-linearity tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["expectation_gap", "satisfaction_loyalty_curve", "CurveFit", "loyalty_index"]

_GAP_LABELS = {"dissatisfied": "不满意", "satisfied": "满意", "highly satisfied": "非常满意"}


def expectation_gap(perception, expectation, tolerance: float = 0.5, lang: str = "en") -> pd.DataFrame:
    """Gap between perceived performance and expectation, and the resulting satisfaction class.

    ``perception`` and ``expectation`` are Series (one score per respondent) or DataFrames (respondents ×
    attributes, averaged over attributes). Gap < −tolerance: dissatisfied; |gap| <= tolerance: satisfied;
    gap > tolerance: highly satisfied.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    p = perception.mean(axis=1) if isinstance(perception, pd.DataFrame) else perception
    e = expectation.mean(axis=1) if isinstance(expectation, pd.DataFrame) else expectation
    if not p.index.equals(e.index):
        raise DataError("perception and expectation must be given for the same respondents (same index)")
    gap = (p - e).astype("float64")
    if gap.isna().any():
        raise DataError(f"{int(gap.isna().sum())} respondents lack a perception or an expectation score")
    classes = np.select([gap < -tolerance, gap > tolerance], ["dissatisfied", "highly satisfied"], "satisfied")
    table = pd.DataFrame({"perception": p, "expectation": e, "gap": gap, "class": classes})
    if lang == "zh":
        table["class"] = table["class"].map(_GAP_LABELS)
    return table


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

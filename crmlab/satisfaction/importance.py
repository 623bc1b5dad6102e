"""Importance-performance analysis (IPA, 重要性-满意度矩阵) of service attributes.

Performance is the mean rating of each attribute. Importance is stated (given by the analyst, e.g.
from a survey question) or derived from how strongly the attribute moves overall satisfaction: its
correlation with the overall rating, or its coefficient in an OLS regression of the overall rating on
all attributes (statsmodels). Cross-hairs at the means (default) or at the scale midpoints cut the
map into the textbook's four zones:

* urgent improvement (重点改进区) — important, performing poorly: fix first;
* keep up (重点保持区) — important, performing well: protect these strengths;
* opportunity (机会区) — neither important nor well done: a place to find new satisfaction;
* maintain (维持区) — unimportant but done well: keep as is, do not overspend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["importance_performance", "ZONES"]

ZONES = {"urgent improvement": "重点改进区", "keep up": "重点保持区", "opportunity": "机会区", "maintain": "维持区"}


def importance_performance(ratings: pd.DataFrame, *, overall: pd.Series | None = None,
                           importance: pd.Series | None = None, method: str = "correlation",
                           crosshair: str = "mean", scale: tuple[float, float] | None = None,
                           lang: str = "en") -> pd.DataFrame:
    """Importance, performance and zone of each attribute (columns of ``ratings``).

    Parameters
    ----------
    ratings : DataFrame
        Respondents × attributes, numeric ratings.
    overall : Series, optional
        Overall satisfaction per respondent (needed for derived importance).
    importance : Series, optional
        Stated importance per attribute (``method="stated"``).
    method : {"correlation", "regression", "stated"}
    crosshair : {"mean", "midpoint"}
        Where to cut: the means of importance and performance, or the scale midpoints (needs ``scale``
        for performance; derived importance is then cut at its own mean).
    lang : {"en", "zh"}
    """
    if method not in ("correlation", "regression", "stated"):
        raise ValueError(f"method must be 'correlation', 'regression' or 'stated', got {method!r}")
    if crosshair not in ("mean", "midpoint"):
        raise ValueError(f"crosshair must be 'mean' or 'midpoint', got {crosshair!r}")
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    numeric = ratings.apply(pd.to_numeric, errors="coerce")
    if numeric.isna().any().any():
        raise DataError("ratings have missing or non-numeric values; drop or impute them first")
    if method == "stated":
        if importance is None:
            raise ValueError("method='stated' needs importance= (one value per attribute)")
        weights = importance.reindex(numeric.columns)
        if weights.isna().any():
            raise DataError(f"no stated importance for {list(weights.index[weights.isna()])}")
    else:
        if overall is None:
            raise ValueError(f"method={method!r} derives importance from overall= satisfaction; pass it")
        overall = pd.to_numeric(overall.reindex(numeric.index), errors="coerce")
        if overall.isna().any():
            raise DataError("overall satisfaction is missing for some respondents")
        if method == "correlation":
            weights = numeric.corrwith(overall)
        else:
            import statsmodels.api as sm

            fit = sm.OLS(overall.to_numpy(), sm.add_constant(numeric.to_numpy())).fit()
            weights = pd.Series(fit.params[1:], index=numeric.columns)
    performance = numeric.mean()
    if crosshair == "mean":
        cut_importance, cut_performance = weights.mean(), performance.mean()
    else:
        if scale is None:
            raise ValueError("crosshair='midpoint' needs scale=(lowest, highest) of the rating scale")
        cut_performance = (scale[0] + scale[1]) / 2
        cut_importance = (scale[0] + scale[1]) / 2 if method == "stated" else weights.mean()
    important, good = weights > cut_importance, performance > cut_performance
    zones = np.select([important & ~good, important & good, ~important & ~good],
                      ["urgent improvement", "keep up", "opportunity"], default="maintain")
    table = pd.DataFrame({"importance": weights, "performance": performance, "zone": zones})
    if lang == "zh":
        table["zone"] = table["zone"].map(ZONES)
    table.attrs = {"importance_cut": float(cut_importance), "performance_cut": float(cut_performance)}
    return table.sort_values("importance", ascending=False)

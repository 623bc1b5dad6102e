"""Importance-satisfaction analysis (重要性-满意度分析, importance-performance analysis) of attributes.

Performance is the mean rating of each attribute. Importance is stated (given by the analyst, e.g.
from a survey question) or derived from how strongly the attribute moves overall satisfaction: its
correlation with the overall rating, or its coefficient in an OLS regression of the overall rating on
all attributes (statsmodels). Cross-hairs at the means (default) or at the scale midpoints cut the
map into the four zones of textbook 003 §2.2.6 (客户满意度战略选择示意图), each holding one of the
chapter's four factor types:

* key improvement zone (重点改进区域) — urgent-to-improve factors (急需改进的因素): important to
  customers, rated low; fix these first or customers leave;
* key maintenance zone (重点保持区域) — strengths to keep (应该继续保持的因素, 优势的因素): important and
  rated high; protect and develop them;
* opportunity zone (机会区域) — low-priority factors (不占优先地位的因素): neither important nor rated
  high; overlooked by customers and firm alike, a place to find new satisfaction;
* maintenance zone (维持区域) — nice-to-have factors (锦上添花的因素): unimportant but rated high; keep
  as they are, do not overspend.

The textbook cuts importance and satisfaction into high and low without saying where; the mean and
midpoint cross-hairs are the two usual choices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import check_lang, translate

__all__ = ["importance_performance", "ZONES", "FACTOR_TYPES"]

#: The four zones (区域) of 003 §2.2.6, in the textbook's order.
ZONES = ("key improvement zone", "key maintenance zone", "opportunity zone", "maintenance zone")
#: The factor type (因素) each zone holds (003 §2.2.6 ①-④).
FACTOR_TYPES = {"key improvement zone": "urgent to improve", "key maintenance zone": "strength to keep",
                "opportunity zone": "low priority", "maintenance zone": "nice to have"}


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
        Language of the ``zone`` and ``factor`` labels (see :mod:`crmlab.i18n`).

    Returns
    -------
    DataFrame indexed by attribute, most important first: ``importance``, ``performance``, ``zone`` (one of
    :data:`ZONES`) and ``factor`` (its factor type, :data:`FACTOR_TYPES`); ``attrs`` holds the two cuts.
    """
    if method not in ("correlation", "regression", "stated"):
        raise ValueError(f"method must be 'correlation', 'regression' or 'stated', got {method!r}")
    if crosshair not in ("mean", "midpoint"):
        raise ValueError(f"crosshair must be 'mean' or 'midpoint', got {crosshair!r}")
    check_lang(lang)
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
    zones = pd.Series(np.select([important & ~good, important & good, ~important & ~good], list(ZONES[:3]),
                                default=ZONES[3]), index=numeric.columns)
    table = pd.DataFrame({"importance": weights, "performance": performance, "zone": zones,
                          "factor": zones.map(FACTOR_TYPES)})
    for column in ("zone", "factor"):
        table[column] = translate(table[column], lang).to_numpy()  # labels only: the index is data
    table.attrs = {"importance_cut": float(cut_importance), "performance_cut": float(cut_performance)}
    return table.sort_values("importance", ascending=False)

"""The Kano model (卡诺模型): classify product attributes from paired survey questions.

Each respondent answers two questions per attribute — how they would feel if it were present
(functional) and if it were absent (dysfunctional) — on the five-point Kano scale: 1 like,
2 must-be (expect it), 3 neutral, 4 can live with it, 5 dislike. The standard evaluation table
(Kano et al. 1984; Berger et al. 1993) turns each answer pair into a category:

=================  ====  =======  =======  =========  =======
functional \\ dys.  like  must-be  neutral  live with  dislike
=================  ====  =======  =======  =========  =======
like               Q     A        A        A          O
must-be            R     I        I        I          M
neutral            R     I        I        I          M
live with          R     I        I        I          M
dislike            R     R        R        R          Q
=================  ====  =======  =======  =========  =======

A attractive (迷人质量), O one-dimensional (期望质量), M must-be (当然质量), I indifferent,
R reverse, Q questionable. Berger's coefficients: Better = (A + O) / (A + O + M + I) (how much
satisfaction grows when the attribute is present) and Worse = −(O + M) / (A + O + M + I) (how much
dissatisfaction grows when it is absent).

Textbook 001 §3.5.2 1) names the three qualities (当然质量, 期望质量, 迷人质量) and draws their curves in
图3.11 (卡诺顾客满意度模型); :func:`kano_curves` gives those curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["KANO_TABLE", "ANSWERS", "CATEGORIES", "KANO_QUALITIES", "kano_classify", "kano_table", "kano_curves"]

#: Rows: functional answer 1-5; columns: dysfunctional answer 1-5.
KANO_TABLE = np.array([list("QAAAO"), list("RIIIM"), list("RIIIM"), list("RIIIM"), list("RRRRQ")])
#: Text answers accepted besides the numbers 1-5.
ANSWERS = {"like": 1, "must-be": 2, "expect": 2, "neutral": 3, "live with": 4, "dislike": 5}
CATEGORIES = {"A": "attractive", "O": "one-dimensional", "M": "must-be", "I": "indifferent", "R": "reverse",
              "Q": "questionable"}
#: The three qualities of the Kano diagram (图3.11), in the textbook's order.
KANO_QUALITIES = ("must-be", "one-dimensional", "attractive")
_PRECEDENCE = "MOAIRQ"  # ties between counts go to the category that matters most (Berger et al.: M > O > A > I)


def _codes(answers: pd.DataFrame, name: str) -> np.ndarray:
    text = answers.map(lambda v: ANSWERS.get(v.strip().lower(), v) if isinstance(v, str) else v)
    coded = text.apply(pd.to_numeric, errors="coerce")
    bad = ~coded.isin([1, 2, 3, 4, 5])
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise DataError(f"{name} answers must be 1-5 or one of {list(ANSWERS)}; found "
                        f"{answers.iat[row, column]!r} (respondent {answers.index[row]!r}, attribute "
                        f"{answers.columns[column]!r})")
    return coded.to_numpy(dtype=int)


def kano_classify(functional: pd.DataFrame, dysfunctional: pd.DataFrame) -> pd.DataFrame:
    """Category letter (A, O, M, I, R, Q) for every respondent × attribute."""
    if not functional.index.equals(dysfunctional.index) or not functional.columns.equals(dysfunctional.columns):
        raise DataError("functional and dysfunctional answers must have the same respondents (rows) and "
                        "attributes (columns)")
    f, d = _codes(functional, "functional"), _codes(dysfunctional, "dysfunctional")
    return pd.DataFrame(KANO_TABLE[f - 1, d - 1], index=functional.index, columns=functional.columns)


def kano_table(functional: pd.DataFrame, dysfunctional: pd.DataFrame) -> pd.DataFrame:
    """Per attribute: counts and shares of each category, the dominant category, Better and Worse."""
    categories = kano_classify(functional, dysfunctional)
    counts = categories.apply(lambda column: column.value_counts()).reindex(list(_PRECEDENCE)).fillna(0).T
    counts = counts.astype(int)[list("AOMIRQ")]
    shares = counts.div(counts.sum(axis=1), axis=0).add_suffix("_share")
    ranked = counts[list(_PRECEDENCE)]
    dominant = ranked.columns[np.argmax(ranked.to_numpy(), axis=1)]
    valid = counts[["A", "O", "M", "I"]].sum(axis=1).replace(0, np.nan)
    table = pd.concat([counts, shares], axis=1)
    table["category"] = [CATEGORIES[c] for c in dominant]
    table["better"] = (counts["A"] + counts["O"]) / valid
    table["worse"] = -(counts["O"] + counts["M"]) / valid
    return table


def kano_curves(points: int = 101, *, steepness: float = 3.0) -> pd.DataFrame:
    """The classic curves of the Kano diagram (001 §3.5.2, 图3.11 卡诺顾客满意度模型).

    Fulfilment x runs from −1 (the attribute is absent or fails completely) to +1 (fully delivered);
    satisfaction s from −1 (very dissatisfied) to +1 (delighted), 0 being neutral. With k = ``steepness``:

    * must-be quality (当然质量): s = −exp(−k (x + 1)) — very dissatisfied when absent; fulfilling it only
      removes dissatisfaction: s rises towards neutral and never goes above it;
    * one-dimensional quality (期望质量): s = x — satisfaction grows in proportion to fulfilment;
    * attractive quality (迷人质量): s = exp(k (x − 1)) — delights when present, is not missed when absent:
      s never falls below neutral.

    The curves are the conventional shapes of Kano et al. (1984), not estimates; the exponential form and
    k are our choice for drawing them. Returns one column per quality (:data:`KANO_QUALITIES`), indexed
    by fulfilment.
    """
    if not isinstance(points, int | np.integer) or points < 3:
        raise ValueError(f"points must be a whole number >= 3, got {points!r}")
    if not np.isfinite(steepness) or steepness <= 0:
        raise ValueError(f"steepness must be a positive number, got {steepness!r}")
    x = np.linspace(-1.0, 1.0, points)
    curves = pd.DataFrame({"must-be": -np.exp(-steepness * (x + 1)), "one-dimensional": x,
                           "attractive": np.exp(steepness * (x - 1))}, index=pd.Index(x, name="fulfilment"))
    return curves[list(KANO_QUALITIES)]

"""PLS path modelling (PLS-PM): the Wold / Lohmöller algorithm for customer-satisfaction index models.

Given indicator data X (n × p) and a :class:`~crmlab.satisfaction.specification.PathModel`, PLS-PM
alternates two estimates of each construct (latent variable, LV) until the outer weights settle:

* outer estimate  Y_j = X_j w_j, standardised (population standard deviation, as R plspm);
* inner estimate  Z_j = Σ_i e_ij Y_i over the constructs i adjacent to j, with inner weights e_ij
  from the scheme: ``"centroid"`` sign(cor(Y_i, Y_j)); ``"factorial"`` cor(Y_i, Y_j); ``"path"``
  the regression coefficients of Y_j on its causes and cor(Y_i, Y_j) for its effects;
* new outer weights: Mode A (reflective) w_j = X_j' Z_j / n; Mode B (formative) the least-squares
  regression of Z_j on X_j;

stopping when Σ (|w_old| − |w_new|)² < ``tol`` (Lohmöller 1989; Tenenhaus et al. 2005; the
convergence rule and scaling of R plspm, Sanchez 2013). Indicators are standardised column by
column (``scaled=True``, as SmartPLS and R plspm do by default) or only centred. Each construct's
sign is then oriented so that the sum of its loadings is positive. Path coefficients are OLS
regressions among the final standardised scores.

Checked against R plspm's output on the bank survey (tests/satisfaction) to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ColumnTypeError, DataError, MissingColumnError
from .results import PLSResult
from .specification import PathModel

__all__ = ["plspm"]


def _prepare(data: pd.DataFrame, model: PathModel, missing: str) -> tuple[pd.DataFrame, int]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame of indicators, not {type(data).__name__}")
    absent = [c for c in model.indicators if c not in data.columns]
    if absent:
        raise MissingColumnError(f"indicators {absent} are not columns of the data (columns: {list(data.columns)})")
    frame = data[model.indicators]
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise ColumnTypeError(f"indicators {text} are not numeric; PLS-PM needs numeric (e.g. 1-10 rating) columns")
    frame = frame.astype("float64")
    incomplete = frame.isna().any(axis=1)
    dropped = 0
    if incomplete.any():
        if missing == "listwise":
            dropped = int(incomplete.sum())
            frame = frame[~incomplete]
        elif missing == "mean":
            frame = frame.fillna(frame.mean())
        else:
            raise DataError(f"{int(incomplete.sum()):,} respondents have missing answers (e.g. rows "
                            f"{list(frame.index[incomplete][:5])}); pass missing='listwise' or missing='mean'")
    if len(frame) < 3:
        raise DataError(f"only {len(frame)} complete respondents: too few for PLS-PM")
    constant = [c for c in frame.columns if frame[c].std() == 0]
    if constant:
        raise DataError(f"indicators {constant} are constant (every respondent gave the same answer) and carry no "
                        "information; remove them from the model")
    return frame, dropped


def _inner_weights(scores: np.ndarray, adjacency: np.ndarray, paths: np.ndarray, scheme: str) -> np.ndarray:
    correlation = np.corrcoef(scores, rowvar=False)
    if scheme == "centroid":
        return np.sign(correlation) * adjacency
    if scheme == "factorial":
        return correlation * adjacency
    weights = np.zeros_like(adjacency)
    for j in range(paths.shape[0]):
        causes = np.flatnonzero(paths[:, j])
        if causes.size:
            weights[causes, j] = np.linalg.lstsq(scores[:, causes], scores[:, j], rcond=None)[0]
        effects = np.flatnonzero(paths[j, :])
        weights[effects, j] = correlation[effects, j]
    return weights


def _standardise(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0)


def plspm(data: pd.DataFrame, model: PathModel, *, scheme: str = "centroid", scaled: bool = True,
          tol: float = 1e-6, max_iter: int = 300, missing: str = "raise") -> PLSResult:
    """Fit a PLS path model.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; must contain every indicator of ``model`` (other columns are ignored).
    model : PathModel
        Blocks, paths and modes, e.g. :func:`~crmlab.satisfaction.ecsi_model`.
    scheme : {"centroid", "factorial", "path"}
        Inner weighting scheme.
    scaled : bool
        Standardise each indicator (True) or only centre it (False).
    tol, max_iter : float, int
        Convergence tolerance on the outer weights and iteration limit.
    missing : {"raise", "listwise", "mean"}
        Respondents with missing answers: raise, drop them (counted in ``dropped_``) or impute column means.

    Returns
    -------
    PLSResult
    """
    if scheme not in ("centroid", "factorial", "path"):
        raise ValueError(f"scheme must be 'centroid', 'factorial' or 'path', got {scheme!r}")
    if missing not in ("raise", "listwise", "mean"):
        raise ValueError(f"missing must be 'raise', 'listwise' or 'mean', got {missing!r}")
    frame, dropped = _prepare(data, model, missing)
    fit = estimate(frame.to_numpy(), model, scheme=scheme, scaled=scaled, tol=tol, max_iter=max_iter)
    return PLSResult.from_fit(model=model, data=frame, fit=fit, scaled=scaled, scheme=scheme, dropped=dropped,
                              tol=tol, max_iter=max_iter)


def estimate(raw: np.ndarray, model: PathModel, *, scheme: str, scaled: bool, tol: float, max_iter: int) -> dict:
    """The numerical core on a (respondents × indicators) array: weights, standardised scores and
    indicator-construct correlations, every construct oriented so that its loadings sum to a positive number."""
    centred = raw - raw.mean(axis=0)
    spread = raw.std(axis=0)
    X = centred / spread if scaled else centred
    weights, iterations, converged = _outer_weights(X, model, scheme, tol, max_iter)
    scores = X @ weights
    scores = (scores - scores.mean(axis=0)) / scores.std(axis=0)
    Xs = centred / spread
    cross = Xs.T @ scores / len(X)
    membership = _membership(model)
    flip = np.where((cross * membership).sum(axis=0) < 0, -1.0, 1.0)
    return {"weights": weights * flip, "scores": scores * flip, "cross": cross * flip, "spread": spread,
            "membership": membership, "iterations": iterations, "converged": converged}


def _membership(model: PathModel) -> np.ndarray:
    """M[i, j] = 1 when indicator i belongs to construct j (indicators and constructs in model order)."""
    membership = np.zeros((len(model.indicators), len(model.constructs)))
    offset = 0
    for j, block in enumerate(model.blocks.values()):
        membership[offset:offset + len(block), j] = 1.0
        offset += len(block)
    return membership


def _outer_weights(X: np.ndarray, model: PathModel, scheme: str, tol: float, max_iter: int):
    """Iterate outer and inner estimates; return the (p × k) weight matrix scaled so every score has variance 1."""
    position = {c: k for k, c in enumerate(model.constructs)}
    membership = _membership(model)
    paths = model.path_matrix()
    adjacency = ((paths + paths.T) > 0).astype(float)
    W = membership / (X @ membership).std(axis=0)
    previous = W.sum(axis=1)
    n = X.shape[0]
    iterations, converged = 0, False
    while iterations < max_iter:
        iterations += 1
        scores = _standardise(X @ W)
        inner = scores @ _inner_weights(scores, adjacency, paths, scheme)
        for construct, k in position.items():
            rows = membership[:, k] > 0
            if model.mode(construct) == "A":
                W[rows, k] = X[:, rows].T @ inner[:, k] / n
            else:
                W[rows, k] = np.linalg.lstsq(X[:, rows], inner[:, k], rcond=None)[0]
        current = W.sum(axis=1)
        if np.sum((np.abs(previous) - np.abs(current)) ** 2) < tol:
            converged = True
            break
        previous = current
    return W / (X @ W).std(axis=0), iterations, converged

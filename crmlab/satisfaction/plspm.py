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
sign is then oriented so that the sum of its loadings is positive.

The structural model is estimated from the construct correlation matrix: for composites the
correlations of the scores, for common factors (``consistent=``) the correlations disattenuated
with ρA — consistent PLS, :mod:`.consistent`. Path coefficients are the least-squares solution
β = P_xx⁻¹ P_xy and R² = β'P_xy, which for composites equals OLS on the scores.

Higher-order constructs (:mod:`.higher_order`) and interactions (:mod:`.moderation`) are turned into
a first-order model and data before the algorithm runs; the bootstrap repeats the whole pipeline.

Checked against R plspm's output on the bank survey (tests/satisfaction) to 1e-6, and against seminr
and ADANCO (via cSEM's comparison files) for PLSc, model fit and effect sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ColumnTypeError, ConvergenceError, DataError, MissingColumnError
from .consistent import InadmissibleWarning, consistent_constructs, disattenuate, inadmissibility
from .results import PLSResult
from .specification import PathModel
from .threads import one_blas_thread

__all__ = ["plspm", "PLSSettings"]

SCHEMES = ("centroid", "factorial", "path")
HOC_METHODS = ("repeated_indicators", "two_stage", "disjoint_two_stage")
INTERACTION_METHODS = ("product_indicator", "orthogonal", "two_stage")


@dataclass(frozen=True)
class PLSSettings:
    """How a PLS path model is estimated; every resample of the bootstrap reuses them."""

    scheme: str = "centroid"
    scaled: bool = True
    consistent: bool | tuple[str, ...] = False
    hoc_method: str = "two_stage"
    interaction_method: str = "two_stage"
    tol: float = 1e-6
    max_iter: int = 300

    def __post_init__(self):
        for name, value, allowed in (("scheme", self.scheme, SCHEMES), ("hoc_method", self.hoc_method, HOC_METHODS),
                                     ("interaction_method", self.interaction_method, INTERACTION_METHODS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if not isinstance(self.consistent, bool):
            object.__setattr__(self, "consistent", tuple(self.consistent))
        if not (self.tol > 0 and int(self.max_iter) >= 1):
            raise ValueError(f"tol must be positive and max_iter at least 1, got tol={self.tol}, "
                             f"max_iter={self.max_iter}")


@one_blas_thread
def plspm(data: pd.DataFrame, model: PathModel, *, scheme: str = "centroid", scaled: bool = True,
          consistent: bool | Sequence[str] = False, hoc_method: str = "two_stage",
          interaction_method: str = "two_stage", tol: float = 1e-6, max_iter: int = 300,
          missing: str = "raise") -> PLSResult:
    """Fit a PLS path model (PLS-PM, or consistent PLS with ``consistent=``).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; must contain every indicator of ``model`` (other columns are ignored).
    model : PathModel
        Blocks, paths and modes, e.g. :func:`~crmlab.satisfaction.ecsi_model`; may declare
        higher-order constructs and interactions.
    scheme : {"centroid", "factorial", "path"}
        Inner weighting scheme.
    scaled : bool
        Standardise each indicator (True) or only centre it (False).
    consistent : bool or list of construct names
        Consistent PLS (PLSc, Dijkstra & Henseler 2015): treat these reflective (Mode A,
        multi-indicator) constructs as common factors and disattenuate their correlations with ρA.
        ``True``: every such construct.
    hoc_method : {"two_stage", "disjoint_two_stage", "repeated_indicators"}
        How higher-order constructs are estimated (see :mod:`.higher_order`).
    interaction_method : {"two_stage", "product_indicator", "orthogonal"}
        How interaction terms are built (see :mod:`.moderation`).
    tol, max_iter : float, int
        Convergence tolerance on the outer weights and iteration limit; a fit that does not
        converge raises :class:`~crmlab.errors.ConvergenceError`.
    missing : {"raise", "listwise", "mean"}
        Respondents with missing answers: raise, drop them (counted in ``dropped``) or impute column means.

    Returns
    -------
    PLSResult
    """
    settings = PLSSettings(scheme=scheme, scaled=scaled, consistent=consistent, hoc_method=hoc_method,
                           interaction_method=interaction_method, tol=tol, max_iter=max_iter)
    if missing not in ("raise", "listwise", "mean"):
        raise ValueError(f"missing must be 'raise', 'listwise' or 'mean', got {missing!r}")
    if not isinstance(model, PathModel):
        raise TypeError(f"model must be a crmlab.satisfaction.PathModel, not {type(model).__name__}")
    if not isinstance(settings.consistent, bool):
        consistent_constructs(model, settings.consistent)  # names checked before any work
    frame, dropped = prepare_data(data, model, missing)
    fit = fit_arrays(frame.to_numpy(), model, settings)
    if not fit["converged"]:
        raise ConvergenceError(
            f"the PLS weights did not converge within max_iter={max_iter} iterations (last change "
            f"{fit['change']:.2e}, tol={tol:g}); raise max_iter (e.g. max_iter={max(300, 10 * max_iter)}), or "
            f"try scheme='path'/'factorial'; a block whose indicators barely correlate can also keep the "
            f"weights from settling (check result.reliability() on a converged fit)")
    if fit["inadmissible"]:
        import warnings

        low = {c: round(float(r), 3) for c, r in zip(fit["model"].constructs, fit["rho_a"], strict=True)
               if c in fit["consistent"] and r < 0.7}
        warnings.warn(f"the consistent-PLS solution is inadmissible: {'; '.join(fit['inadmissible'])}. Constructs "
                      f"with low reliability {low} inflate the disattenuated correlations; review their indicators "
                      "or estimate them as composites (consistent=[...] without them). The estimates are returned "
                      "(result.inadmissible lists the reasons).", InadmissibleWarning, stacklevel=2)
    return PLSResult.from_fit(specification=model, source=frame, fit=fit, settings=settings, dropped=dropped)


def prepare_data(data: pd.DataFrame, model: PathModel, missing: str = "raise") -> tuple[pd.DataFrame, int]:
    """The model's indicator columns as float64, checked; respondents with gaps dropped or imputed.

    Raises a crmlab error naming the columns for: a missing, duplicated, non-numeric, all-empty,
    infinite or constant indicator, and for fewer respondents than the model's regressions need.
    """
    if not isinstance(data, pd.DataFrame):
        raise ColumnTypeError(f"data must be a pandas DataFrame of indicators, not {type(data).__name__}")
    indicators = model.indicators
    duplicated = sorted({c for c in data.columns[data.columns.duplicated()] if c in indicators})
    if duplicated:
        raise DataError(f"the data have several columns named {duplicated}; rename them so each indicator is "
                        "one column")
    absent = [c for c in indicators if c not in data.columns]
    if absent:
        raise MissingColumnError(f"indicators {absent} are not columns of the data (columns: {list(data.columns)})")
    frame = data[indicators]
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise ColumnTypeError(f"indicators {text} are not numeric; PLS-PM needs numeric (e.g. 1-10 rating) columns "
                              "(convert them with pd.to_numeric or recode the answers)")
    frame = frame.astype("float64")
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise DataError(f"indicators {empty} have no answers at all (every value is missing); remove them from "
                        "the model")
    infinite = [c for c in frame.columns if np.isinf(frame[c]).any()]
    if infinite:
        raise DataError(f"indicators {infinite} hold infinite values; replace them (e.g. with NaN and missing=...)")
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
    needed = _respondents_needed(model)
    if len(frame) < needed:
        raise DataError(f"only {len(frame)} complete respondents{f' ({dropped} dropped for gaps)' if dropped else ''}"
                        f"; this model needs at least {needed} (its largest regression has {needed - 2} "
                        "predictors); collect more answers or simplify the model")
    constant = [c for c in frame.columns if frame[c].std() == 0]
    if constant:
        raise DataError(f"indicators {constant} are constant (every respondent gave the same answer) and carry no "
                        "information; remove them from the model")
    return frame, dropped


def _respondents_needed(model: PathModel) -> int:
    """Two more respondents than the largest regression has predictors (a Mode B block or a construct's causes)."""
    predictors = [len(model.causes(c)) for c in model.constructs]
    predictors += [len(block) for c, block in model.blocks.items() if model.mode(c) == "B"]
    return max(3, max(predictors, default=1) + 2)


def fit_arrays(raw: np.ndarray, model: PathModel, settings: PLSSettings) -> dict:
    """The whole estimate on a (respondents × indicators) array in ``model.indicators`` order.

    Higher-order constructs and interactions are expanded first (their own modules); the returned
    dict holds the estimated first-order ``model``, its data ``raw`` and every array
    :class:`PLSResult` needs. Used by :func:`plspm` and by every resampling method.
    """
    from .higher_order import expand_higher_order
    from .moderation import expand_interactions, interaction_scale

    stages_converged = True
    has_interactions = bool(model.interactions)
    if model.higher_order:
        raw, model, stages_converged = expand_higher_order(raw, model, settings)
    if has_interactions:
        raw, model, converged = expand_interactions(raw, model, settings)
        stages_converged = stages_converged and converged
    fit = estimate(raw, model, scheme=settings.scheme, scaled=settings.scaled, tol=settings.tol,
                   max_iter=settings.max_iter)
    fit["converged"] = fit["converged"] and stages_converged
    scale = interaction_scale(fit, model, raw) if has_interactions else np.ones(len(model.constructs))
    reliable = consistent_constructs(model, settings.consistent)
    fit.update(disattenuate(fit, model, reliable))
    # without PLSc an interaction keeps the variance of the product of standardised scores (Henseler & Chin 2010)
    covariance = fit["construct_correlation"] * (np.outer(scale, scale) if not reliable else 1.0)
    fit["path_coefficients"], fit["r2"] = structural_model(covariance, model)
    fit.update(model=model, raw=raw, interaction_scale=scale, consistent=reliable)
    fit["inadmissible"] = inadmissibility(fit, model)
    return fit


def structural_model(covariance: np.ndarray, model: PathModel) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients β_j = V_xx⁻¹ V_xy of each endogenous construct j on its causes x; R²_j = β_j'V_xy / V_yy."""
    paths = model.path_matrix()
    coefficients = np.zeros_like(paths)
    r2 = np.full(len(paths), np.nan)
    for j in range(len(paths)):
        causes = np.flatnonzero(paths[:, j])
        if causes.size:
            block = covariance[np.ix_(causes, causes)]
            if np.abs(np.linalg.eigvalsh(block)).min() < 1e-12 * np.trace(block):  # singular (PLSc may be indefinite)
                names = [model.constructs[i] for i in causes]
                raise DataError(f"the causes {names} of {model.constructs[j]} are perfectly collinear; their "
                                "paths cannot be separated — merge them or drop one")
            beta = np.linalg.solve(block, covariance[causes, j])
            coefficients[causes, j] = beta
            r2[j] = beta @ covariance[causes, j] / covariance[j, j]
    return coefficients, r2


def estimate(raw: np.ndarray, model: PathModel, *, scheme: str, scaled: bool, tol: float, max_iter: int) -> dict:
    """The numerical core on a (respondents × indicators) array: weights, standardised scores and
    indicator-construct correlations, every construct oriented so that its loadings sum to a positive number.

    The iterations need only the indicators' covariance matrix S (p × p): with Y = XW, X'Y/n = SW and
    cor(Y) = W'SW, so each step costs O(p²k) whatever the number of respondents (the matrix form of
    Lohmöller's algorithm, as in matrixpls). Scores are formed once, at the end.
    """
    centred = raw - raw.mean(axis=0)
    spread = raw.std(axis=0)
    Xs = centred / spread
    correlation = Xs.T @ Xs / len(raw)
    S = correlation if scaled else correlation * np.outer(spread, spread)
    weights, iterations, converged, change = _outer_weights(S, model, scheme, tol, max_iter)
    scores = (Xs if scaled else centred) @ weights
    scores = (scores - scores.mean(axis=0)) / scores.std(axis=0)
    cross = correlation @ (weights if scaled else weights * spread[:, None])
    own = membership(model)
    flip = np.where((cross * own).sum(axis=0) < 0, -1.0, 1.0)
    weights = weights * flip
    return {"weights": weights, "standard_weights": weights if scaled else weights * spread[:, None],
            "scores": scores * flip, "cross": cross * flip, "spread": spread,
            "indicator_correlation": correlation, "membership": own, "iterations": iterations,
            "converged": converged, "change": change}


def membership(model: PathModel) -> np.ndarray:
    """M[i, j] = 1 when indicator i belongs to construct j (indicators and constructs in model order)."""
    membership = np.zeros((len(model.indicators), len(model.constructs)))
    offset = 0
    for j, block in enumerate(model.blocks.values()):
        membership[offset:offset + len(block), j] = 1.0
        offset += len(block)
    return membership


def _inner_weights(correlation: np.ndarray, adjacency: np.ndarray, paths: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weights e_ij from the score correlations: sign, correlation, or regression on the causes (path)."""
    if scheme == "centroid":
        return np.sign(correlation) * adjacency
    if scheme == "factorial":
        return correlation * adjacency
    weights = np.zeros_like(adjacency)
    for j in range(paths.shape[0]):
        causes = np.flatnonzero(paths[:, j])
        if causes.size:
            weights[causes, j] = np.linalg.lstsq(correlation[np.ix_(causes, causes)], correlation[causes, j],
                                                 rcond=None)[0]
        effects = np.flatnonzero(paths[j, :])
        weights[effects, j] = correlation[effects, j]
    return weights


def _outer_weights(S: np.ndarray, model: PathModel, scheme: str, tol: float, max_iter: int):
    """Iterate outer and inner estimates on the indicator covariance S; return the (p × k) weights scaled so
    every score has variance 1, the number of iterations, whether the change fell below ``tol`` and the last
    change."""
    own = membership(model)
    paths = model.path_matrix()
    adjacency = ((paths + paths.T) > 0).astype(float)
    rows = [np.flatnonzero(own[:, k]) for k in range(own.shape[1])]
    mode_b = [model.mode(c) == "B" for c in model.constructs]
    variance = lambda W: np.einsum("ik,ij,jk->k", W, S, W)  # noqa: E731  diag(W'SW)
    W = own / np.sqrt(variance(own))
    previous = W.sum(axis=1)
    iterations, converged, change = 0, False, np.inf
    while iterations < max_iter:
        iterations += 1
        normalised = W / np.sqrt(variance(W))
        SW = S @ normalised
        inner = SW @ _inner_weights(normalised.T @ SW, adjacency, paths, scheme)  # X'Z/n for every construct
        for k, block in enumerate(rows):
            if mode_b[k]:
                W[block, k] = np.linalg.solve(S[np.ix_(block, block)], inner[block, k])
            else:
                W[block, k] = inner[block, k]
        current = W.sum(axis=1)
        change = float(np.sum((np.abs(previous) - np.abs(current)) ** 2))
        if change < tol:
            converged = True
            break
        previous = current
    return W / np.sqrt(variance(W)), iterations, converged, change

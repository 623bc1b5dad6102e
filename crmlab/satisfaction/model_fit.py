"""Overall fit of a PLS path model: SRMR, d_ULS, d_G and their bootstrap tests of exact fit.

The model implies an indicator correlation matrix Σ̂ (Dijkstra & Henseler 2015, *MIS Quarterly*
39(2); the construction of cSEM's ``fit()`` and ADANCO):

* Σ̂ = Λ'VΛ + Θ with Λ the loadings (composite loadings, or PLSc loadings of common factors),
  Θ = diag(1 − λ_i²) and V the construct correlations;
* within a composite's block the model places no restriction, so those entries of Σ̂ are the
  sample correlations S;
* the *saturated* model takes V = the estimated construct correlations (every construct may
  correlate); the *estimated* model takes V implied by the path coefficients: with
  η = Bη + Γξ + ζ, Φ the correlations of the exogenous constructs and ψ_j = 1 − R²_j,
  V_ξη = ΦΓ'(I − B)⁻ᵀ, V_ηη = (I − B)⁻¹(ΓΦΓ' + Ψ)(I − B)⁻ᵀ with unit diagonal.

Distances between S and Σ̂ (Dijkstra & Henseler 2015, eqs. 3-4; Henseler et al. 2014):

* SRMR = sqrt(mean over i ≤ j of (s_ij − σ̂_ij)²);
* d_ULS = ½ Σ_ij (s_ij − σ̂_ij)² (ADANCO's and cSEM's scaling, half the squared Euclidean distance);
* d_G = ½ Σ_k (log φ_k)², φ_k the eigenvalues of S⁻¹Σ̂. ADANCO and cSEM take log base 10;
  crmlab follows them so that the numbers can be compared (natural logs give (ln 10)² = 5.30 × this).

The test of exact fit bootstraps data transformed to fit the model exactly (Bollen & Stine 1992):
X* = X S^(−1/2) Σ̂^(1/2), resampled and refitted; the distances' 95% and 99% quantiles (HI95,
HI99) are the critical values and the p-value the share of bootstrap distances at least as large as
the observed one. Checked against ADANCO 2.2.1 on the bank survey (common-factor and composite
model, both distances of both models; the bootstrap quantiles only loosely, as they are random).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .results import TableResult
from .threads import one_blas_thread

__all__ = ["fit_indices", "fit_test", "implied_correlation", "distances", "FitTestResult"]

MEASURES = ("SRMR", "d_ULS", "d_G")


def implied_correlation(loadings: np.ndarray, construct_correlation: np.ndarray, path_coefficients: np.ndarray,
                        sample: np.ndarray, composite: np.ndarray, saturated: bool) -> np.ndarray:
    """Σ̂ of the indicators (p × p) from loadings (p × k, zero outside a construct's block), the construct
    correlations (k × k), the path coefficients (cause × effect), S, and which constructs are composites."""
    V = construct_correlation if saturated else _implied_construct_correlation(construct_correlation,
                                                                                path_coefficients)
    sigma = loadings @ V @ loadings.T
    np.fill_diagonal(sigma, 1.0)
    blocks = loadings != 0
    within = (blocks[:, composite].astype(float) @ blocks[:, composite].T.astype(float)) > 0
    return np.where(within, sample, sigma)


def _implied_construct_correlation(correlation: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    endogenous = np.flatnonzero(np.abs(coefficients).sum(axis=0) > 0)
    exogenous = np.setdiff1d(np.arange(len(coefficients)), endogenous)
    B = coefficients[np.ix_(endogenous, endogenous)].T
    Gamma = coefficients[np.ix_(exogenous, endogenous)].T
    Phi = correlation[np.ix_(exogenous, exogenous)]
    r2 = (coefficients * correlation).sum(axis=0)[endogenous]
    inverse = np.linalg.inv(np.eye(len(endogenous)) - B)
    exo_endo = Phi @ Gamma.T @ inverse.T
    endo = inverse @ (Gamma @ Phi @ Gamma.T + np.diag(1 - r2)) @ inverse.T
    np.fill_diagonal(endo, 1.0)
    implied = np.empty_like(correlation)
    implied[np.ix_(exogenous, exogenous)] = Phi
    implied[np.ix_(exogenous, endogenous)] = exo_endo
    implied[np.ix_(endogenous, exogenous)] = exo_endo.T
    implied[np.ix_(endogenous, endogenous)] = endo
    return implied


def distances(sample: np.ndarray, implied: np.ndarray) -> np.ndarray:
    """(SRMR, d_ULS, d_G) between two correlation matrices."""
    difference = sample - implied
    lower = np.tril_indices(len(sample))
    srmr = np.sqrt(np.mean(difference[lower] ** 2))
    d_uls = 0.5 * np.sum(difference**2)
    eigen = np.linalg.eigvals(np.linalg.solve(sample, implied)).real
    d_g = 0.5 * np.sum(np.log10(eigen) ** 2)
    return np.array([srmr, d_uls, d_g])


def _fit_arrays(fit: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """S and the saturated and estimated Σ̂ of one fit (the dict of :func:`.plspm.fit_arrays`)."""
    model = fit["model"]
    sample = fit["indicator_correlation"]
    composite = np.array([c not in fit["consistent"] for c in model.constructs])
    arrays = (fit["loadings"], fit["construct_correlation"], fit["path_coefficients"], sample, composite)
    return sample, implied_correlation(*arrays, saturated=True), implied_correlation(*arrays, saturated=False)


def _check_linear(result) -> None:
    if result.specification.interactions:
        raise DataError("overall fit measures need a linear model; this one has interaction terms "
                        f"{[f'{a}*{b}' for a, b in result.specification.interactions]} (fit the model without "
                        "them to assess its fit)")


def fit_indices(result) -> pd.DataFrame:
    """SRMR, d_ULS and d_G of the saturated and the estimated model of a fitted :class:`PLSResult`."""
    _check_linear(result)
    sample, saturated, estimated = _fit_arrays(_refit_dict(result))
    return pd.DataFrame({"saturated": distances(sample, saturated), "estimated": distances(sample, estimated)},
                        index=list(MEASURES))


def _refit_dict(result) -> dict:
    """The arrays of a fitted result in the layout of :func:`.plspm.fit_arrays`."""
    from .plspm import membership

    own = membership(result.model)
    return {"model": result.model, "indicator_correlation": np.corrcoef(result.data.to_numpy(), rowvar=False),
            "consistent": result.consistent, "loadings": own * result.loadings.to_numpy()[:, None],
            "construct_correlation": result.construct_correlations.to_numpy(),
            "path_coefficients": result.path_coefficients.to_numpy()}


@dataclass(frozen=True, repr=False)
class FitTestResult(TableResult):
    """Distances with their bootstrap critical values (HI95, HI99) and p-values, for both models."""

    table: pd.DataFrame
    resamples: int
    redrawn: int

    def summary(self) -> pd.DataFrame:
        return self.table

    def _title(self) -> str:
        return f"Tests of exact fit, {self.resamples} Bollen-Stine bootstrap resamples"


@one_blas_thread
def fit_test(result, n: int = 1000, *, seed: int | None = 0, progress: bool = True,
             max_redraws: int = 1000) -> FitTestResult:
    """Bootstrap tests of exact fit of the saturated and the estimated model.

    The data are transformed so that their correlation matrix is the model-implied one (Bollen-Stine),
    each resample is refitted with the result's settings, and the distances of the resamples give
    the reference distribution. Resamples that cannot be fitted (a constant indicator, no convergence)
    are redrawn and counted.
    """
    from tqdm.auto import tqdm

    from .plspm import fit_arrays

    _check_linear(result)
    if result.specification.higher_order:
        raise DataError("the bootstrap test of exact fit needs a first-order model (higher-order constructs change "
                        "the indicators between stages); use fit_indices for the distances")
    if n < 20:
        raise ValueError(f"n must be at least 20 resamples for 95%/99% quantiles, got {n}")
    rng = np.random.default_rng(seed)
    fit = _refit_dict(result)
    sample, saturated, estimated = _fit_arrays(fit)
    observed = {"saturated": distances(sample, saturated), "estimated": distances(sample, estimated)}
    raw = result.source.to_numpy()
    standard = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    draws = {kind: np.empty((n, 3)) for kind in observed}
    redrawn = 0
    transformed = {kind: standard @ _inverse_sqrt(sample) @ _sqrt(implied)
                   for kind, implied in (("saturated", saturated), ("estimated", estimated))}
    for i in tqdm(range(n), desc="fit test", unit="resample", disable=not progress):
        for kind, data in transformed.items():
            while True:
                resample = data[rng.integers(0, len(data), len(data))]
                if (resample.std(axis=0) > 0).all():
                    refit = fit_arrays(resample, result.specification, result.settings)
                    if refit["converged"]:
                        break
                redrawn += 1
                if redrawn > max_redraws:
                    raise DataError(f"more than {max_redraws} bootstrap resamples could not be fitted (constant "
                                    "indicator or no convergence); the data are too thin for this test")
            s, sat, est = _fit_arrays(refit)
            draws[kind][i] = distances(s, sat if kind == "saturated" else est)
    rows = []
    for kind, values in observed.items():
        for m, measure in enumerate(MEASURES):
            rows.append({"model": kind, "measure": measure, "value": values[m],
                         "HI95": np.quantile(draws[kind][:, m], 0.95), "HI99": np.quantile(draws[kind][:, m], 0.99),
                         "p_value": float(np.mean(draws[kind][:, m] >= values[m]))})
    return FitTestResult(table=pd.DataFrame(rows).set_index(["model", "measure"]), resamples=n, redrawn=redrawn)


def _sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T


def _inverse_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return vectors @ np.diag(1 / np.sqrt(values)) @ vectors.T

"""Shared maximum-likelihood machinery of the customer-base models.

A model declares its parameter names, the summary columns it reads, and one
method, ``_log_likelihood(log_params, data)``, returning each row's
log-likelihood and its gradient with respect to the log-parameters. This base
class does the rest, identically for every model:

* checks the input and collapses identical rows to unique rows with counts
  (so a million customers with a few thousand distinct histories cost a few
  thousand likelihood evaluations);
* maximises Σ_i w_i ℓ_i(θ) − penalty over θ = log(parameters) with L-BFGS-B and
  the analytic gradient; the optional L2 penalty (``penalizer``, default 0 so
  the result is the MLE) is ``penalizer * N * Σ exp(θ)²``, as in lifetimes;
  with many distinct rows it starts from an estimate on rounded rows or a
  subsample and finishes with warm-started BFGS on all rows (see ``_maximise``);
* derives standard errors from the observed information: the Hessian of the
  negative log-likelihood in θ (forward differences of the analytic gradient),
  inverted, mapped to the natural scale by the delta method
  (se(φ) = φ·se(θ)); confidence intervals are exp(θ ± z·se(θ)), so they stay
  positive;
* reports a fit that did not converge, or whose information matrix is not
  positive definite, by raising :class:`~crmlab.errors.ConvergenceError` —
  never by returning quietly;
* saves parameters, fit statistics and versions as JSON (no pickle).
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, stats
from threadpoolctl import ThreadpoolController

from ..errors import ConvergenceError, DataError, MissingColumnError

__all__ = ["MaximumLikelihoodModel", "load_model"]

_LOG_BOUND = 25.0  # parameters live in [e^-25, e^25]; a fit that ends on the bound has not converged
_GRADIENT_TOLERANCE = 1e-6  # on the mean log-likelihood per customer, in log-parameters
_PILOT_MIN_ROWS = 100_000  # fits on more unique rows than this start from a subsample's estimate
_PILOT_CUSTOMERS = 20_000
_WARM_ITERATIONS = 50  # BFGS iterations on all rows after the first stage
_BLOCK_ROWS = 65_536  # rows per block of a likelihood evaluation
#: The BLAS libraries loaded (NumPy's and SciPy's OpenBLAS), found once at import. Fits run with one BLAS
#: thread: their linear algebra is on a handful of parameters, yet L-BFGS-B's calls wake SciPy's OpenBLAS
#: workers, which then spin beside the fit (on CDNOW with two cores, a quarter of the fit's time).
_BLAS = ThreadpoolController()


class _Stationary(Exception):  # noqa: N818 - a signal, not an error
    """Raised by an objective at a point that meets the gradient tolerance, to stop the optimiser there."""

    def __init__(self, theta: np.ndarray):
        super().__init__()
        self.theta = theta


@dataclass(frozen=True)
class _Data:
    """Unique rows of the model's columns, how many customers share each, and the rows in blocks.

    ``blocks`` holds the same rows in slices of ``_BLOCK_ROWS``, each with its own derived arrays
    (e.g. distinct frequencies): the likelihood is summed block by block, so its temporaries stay small
    enough to be reused from one block and one evaluation to the next instead of being mapped afresh.
    """

    columns: dict[str, np.ndarray]
    counts: np.ndarray
    blocks: tuple[tuple[dict[str, np.ndarray], np.ndarray], ...]

    @property
    def n_customers(self) -> float:
        return float(self.counts.sum())


class MaximumLikelihoodModel:
    """Base class: subclasses set ``param_names``, ``data_columns`` and implement ``_log_likelihood``."""

    param_names: ClassVar[tuple[str, ...]] = ()
    data_columns: ClassVar[tuple[str, ...]] = ()
    model_name: ClassVar[str] = ""
    #: What to check in the data when a fit fails (model-specific, appended to every ConvergenceError).
    convergence_hint: ClassVar[str] = "check that the data fit the model's assumptions"

    def __init__(self, penalizer: float = 0.0, initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000):
        self.penalizer = penalizer
        self.initial_params = initial_params
        self.tol = tol
        self.max_iter = max_iter

    # ------------------------------------------------------------------ to implement
    def _log_likelihood(self, log_params: np.ndarray, data: dict[str, np.ndarray]):
        """(ℓ per row, ∂ℓ/∂log-params per row with shape (rows, n_params); build it as np.stack(columns).T, a
        contiguous copy per parameter, rather than with axis=1, which interleaves)."""
        raise NotImplementedError

    def _check_values(self, columns: dict[str, np.ndarray]) -> None:
        """Model-specific checks of the data; raise DataError naming the rows."""

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        return np.zeros(len(self.param_names))

    def _derived(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Arrays computed once per fit from the unique rows (e.g. distinct frequencies); none by default."""
        return {}

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame, weights: str | np.ndarray | None = None):
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            One row per customer (or per pattern) with the columns in
            ``data_columns``, e.g. the output of :func:`crmlab.customer_summary`.
        weights : str or array, optional
            Number of customers each row stands for: a column name (the BG/BB
            donations data carries ``weights``) or an array. Default: 1 per row.

        Returns
        -------
        self
        """
        self._check_settings()
        prepared = self._prepare(data, weights)
        try:
            with _BLAS.limit(limits=1, user_api="blas"):
                theta = self._maximise(prepared, self._start(prepared))
                self._store(theta, prepared)
        finally:
            self._last_evaluation = None  # the memo of _weighted_log_likelihood lives for one fit only
        return self

    def _maximise(self, prepared: _Data, theta0: np.ndarray) -> np.ndarray:
        """Maximise the (penalised) log-likelihood from theta0; return the log-parameters or raise.

        Data with many unique rows are fitted in two stages. A quasi-Newton fit on smaller data that
        stand in for them (``_pilot``: purchase models round recency and T to a coarse grid, other
        models take a seeded subsample of about ``_PILOT_CUSTOMERS`` customers — smaller samples
        identify the Pareto/NBD dropout parameters too poorly to serve), then BFGS on all the data,
        started with the first stage's information matrix per customer as its curvature, so that it
        converges in a few evaluations. The result is the full-data maximum, checked by its gradient;
        should the first stage fail or BFGS not get there, L-BFGS-B runs on all the data (from the
        first stage's estimate if there is one).
        """
        pilot = self._pilot(prepared)
        if pilot is not None:
            try:
                theta_pilot = self._quasi_newton(pilot, theta0)
                curvature = self._hessian(theta_pilot, pilot) / pilot.n_customers
            except ConvergenceError:
                return self._quasi_newton(prepared, theta0)
            theta = self._warm_quasi_newton(prepared, theta_pilot,
                                            curvature + self._penalty_curvature(theta_pilot))
            if theta is not None:
                return theta
            theta0 = theta_pilot
        return self._quasi_newton(prepared, theta0)

    def _data(self, columns: dict[str, np.ndarray], counts: np.ndarray) -> _Data:
        """Unique rows and counts with their blocks (see :class:`_Data`)."""
        blocks = []
        for start in range(0, len(counts), _BLOCK_ROWS):
            block = {c: v[start:start + _BLOCK_ROWS] for c, v in columns.items()}
            blocks.append(({**block, **self._derived(block)}, counts[start:start + _BLOCK_ROWS]))
        return _Data(columns, counts, tuple(blocks))

    def _weighted_log_likelihood(self, theta: np.ndarray, prepared: _Data) -> tuple[float, np.ndarray]:
        """Σ_i w_i ℓ_i(θ) and its gradient, block by block.

        The last evaluation is remembered, so the estimate's log-likelihood and gradient, which the
        optimiser has usually just computed, are not computed again when the fit is stored.
        """
        key = (id(prepared), np.asarray(theta, dtype="float64").tobytes())
        if getattr(self, "_last_evaluation", None) and self._last_evaluation[0] == key:
            return self._last_evaluation[1]
        total, gradient = 0.0, np.zeros(len(theta))
        for columns, counts in prepared.blocks:
            ll, grad = self._log_likelihood(theta, columns)
            total += counts @ ll
            gradient += counts @ grad
        self._last_evaluation = (key, (total, gradient.copy()))
        return total, gradient

    def _objective(self, prepared: _Data):
        """Minus the penalised log-likelihood per customer, and its gradient, as a function of θ."""
        scale = prepared.n_customers

        def objective(theta):
            ll, grad = self._weighted_log_likelihood(theta, prepared)
            value = -ll / scale
            gradient = -grad / scale
            if self.penalizer:
                phi = np.exp(theta)
                value += self.penalizer * np.sum(phi**2)
                gradient += self.penalizer * 2 * phi**2
            return value, gradient

        return objective

    def _penalty_curvature(self, theta: np.ndarray) -> np.ndarray:
        return np.diag(4 * self.penalizer * np.exp(2 * theta))

    def _quasi_newton(self, prepared: _Data, theta0: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            result = optimize.minimize(self._objective(prepared), theta0, jac=True, method="L-BFGS-B",
                                       bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(theta0),
                                       options={"maxiter": self.max_iter, "ftol": self.tol * 1e-3,
                                                "gtol": self.tol * 1e2})
        self._raise_unless_converged(result)
        return result.x

    def _warm_quasi_newton(self, prepared: _Data, theta: np.ndarray, curvature: np.ndarray) -> np.ndarray | None:
        """BFGS on all rows from the first stage's estimate, started with the inverse of its curvature.

        Stops at the first point it evaluates whose gradient is within the tolerance: there the
        log-likelihood is flat to the rounding of its sum, so BFGS's line search, which compares
        values, would only spend evaluations on rounding noise. Returns None when the curvature is not
        positive definite or no such point is reached within ``_WARM_ITERATIONS`` iterations (the
        caller then falls back to L-BFGS-B).
        """
        try:
            inverse = np.linalg.inv(curvature)
            np.linalg.cholesky((inverse + inverse.T) / 2)
        except np.linalg.LinAlgError:
            return None
        tolerance = self.tol * 1e2
        objective = self._objective(prepared)

        def objective_until_stationary(theta):
            value, gradient = objective(theta)
            if np.all(np.isfinite(theta)) and np.max(np.abs(gradient)) < tolerance:
                raise _Stationary(theta.copy())
            return value, gradient

        try:
            with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
                optimize.minimize(objective_until_stationary, theta, jac=True, method="BFGS",
                                  options={"gtol": tolerance, "maxiter": _WARM_ITERATIONS,
                                           "hess_inv0": (inverse + inverse.T) / 2})
        except _Stationary as stationary:
            if np.all(np.abs(stationary.theta) < _LOG_BOUND):
                return stationary.theta
        return None

    def _pilot(self, prepared: _Data) -> _Data | None:
        """Data for the first stage of a two-stage fit (see ``_maximise``), or None to fit all rows at once."""
        if len(prepared.counts) > _PILOT_MIN_ROWS:
            return self._subsample(prepared, _PILOT_CUSTOMERS)
        return None

    def _subsample(self, prepared: _Data, customers: int) -> _Data:
        """A seeded random subsample of about ``customers`` customers (Poisson thinning of the row counts)."""
        rng = np.random.default_rng(0)
        counts = rng.poisson(prepared.counts * min(1.0, customers / prepared.n_customers)).astype("float64")
        keep = counts > 0
        return self._data({c: prepared.columns[c][keep] for c in self.data_columns}, counts[keep])

    def _check_settings(self) -> None:
        if not np.isfinite(self.penalizer) or self.penalizer < 0:
            raise ValueError(f"penalizer must be a finite number >= 0, got {self.penalizer!r}")

    def _start(self, prepared: _Data) -> np.ndarray:
        if self.initial_params is None:
            return self._initial_log_params(prepared)
        unknown = set(self.initial_params) - set(self.param_names)
        if unknown or any(v <= 0 for v in self.initial_params.values()):
            raise ValueError(f"initial_params must give positive values for {self.param_names}, "
                             f"got {self.initial_params}")
        guess = dict(zip(self.param_names, np.exp(self._initial_log_params(prepared)), strict=True))
        guess.update(self.initial_params)
        return np.log([guess[name] for name in self.param_names])

    def _raise_unless_converged(self, result) -> None:
        on_bound = np.abs(result.x) >= _LOG_BOUND - 1e-6
        hint = f"Try other initial_params=, a small penalizer= (e.g. 0.001), or {self.convergence_hint}."
        if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
            raise ConvergenceError(f"{self.model_name} fit produced non-finite values ({result.message}). {hint}")
        if on_bound.any():
            names = [n for n, b in zip(self.param_names, on_bound, strict=True) if b]
            raise ConvergenceError(f"{self.model_name} fit drove {names} to the edge of the parameter space "
                                   f"(exp(±{_LOG_BOUND:.0f})): the likelihood has no interior maximum. {hint}")
        # L-BFGS-B may stop in its line search at an optimum it cannot improve further; what counts is
        # the first-order condition on the per-customer objective
        if not result.success and np.max(np.abs(result.jac)) > _GRADIENT_TOLERANCE:
            raise ConvergenceError(f"{self.model_name} fit did not converge: {result.message} (largest gradient "
                                   f"component {np.max(np.abs(result.jac)):.2g}). {hint}")

    def _store(self, theta: np.ndarray, prepared: _Data) -> None:
        ll, grad = self._weighted_log_likelihood(theta, prepared)
        self.log_likelihood_ = float(ll)
        self.n_customers_ = int(round(prepared.n_customers))
        self.n_unique_rows_ = len(prepared.counts)
        self.params_ = pd.Series(np.exp(theta), index=list(self.param_names), name="estimate")
        hessian = self._hessian(theta, prepared, -grad)
        try:
            covariance_log = np.linalg.inv(hessian)
            eigen = np.linalg.eigvalsh(hessian)
        except np.linalg.LinAlgError:
            eigen = np.array([0.0])
        if not np.all(eigen > 0) or not np.all(np.isfinite(hessian)):
            raise ConvergenceError(
                f"{self.model_name} fit stopped where the observed information matrix is not positive definite "
                "(a saddle point or a flat ridge of the likelihood), so its standard errors do not exist. "
                f"Try other initial_params=, a small penalizer=, or {self.convergence_hint}."
            )
        self._log_covariance = covariance_log
        se_log = np.sqrt(np.diag(covariance_log))
        self.standard_errors_ = pd.Series(self.params_.to_numpy() * se_log, index=self.params_.index,
                                          name="standard_error")
        phi = self.params_.to_numpy()
        jacobian = np.diag(phi)
        self.covariance_ = pd.DataFrame(jacobian @ covariance_log @ jacobian, index=self.params_.index,
                                        columns=self.params_.index)
        k = len(theta)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(self.n_customers_) - 2 * self.log_likelihood_

    def _hessian(self, theta: np.ndarray, prepared: _Data, gradient_at_theta: np.ndarray | None = None) -> np.ndarray:
        """Observed information in log-parameters: forward differences (step 1e-6) of the analytic gradient.

        The truncation error is of the order of the step, so standard errors are accurate to about six digits.
        """
        def gradient(t):
            return -self._weighted_log_likelihood(t, prepared)[1]

        base = gradient(theta) if gradient_at_theta is None else gradient_at_theta
        step = 1e-6
        shifted = [gradient(theta + step * unit) for unit in np.eye(len(theta))]
        hessian = (np.column_stack(shifted) - base[:, None]) / step
        return (hessian + hessian.T) / 2

    def _prepare(self, data: pd.DataFrame, weights) -> _Data:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"{self.model_name} fits a DataFrame with columns {list(self.data_columns)}, "
                            f"not {type(data).__name__}")
        missing = [c for c in self.data_columns if c not in data.columns]
        if missing:
            raise MissingColumnError(f"{self.model_name} needs columns {list(self.data_columns)}; missing {missing} "
                                     f"(have {list(data.columns)}). crmlab.customer_summary produces them.")
        if len(data) == 0:
            raise DataError(f"{self.model_name}: the data have no rows")
        columns = {c: data[c].to_numpy(dtype="float64") for c in self.data_columns}
        bad = ~np.logical_and.reduce([np.isfinite(v) for v in columns.values()])
        if bad.any():
            raise DataError(f"{self.model_name}: {int(bad.sum()):,} rows have missing or infinite values "
                            f"(first: {list(data.index[bad][:5])}); drop or fix them first")
        counts = self._weights(data, weights)
        self._check_values(columns)
        unique, counts = _unique_rows(columns, counts)
        keep = counts > 0
        return self._data({c: v[keep] for c, v in unique.items()}, counts[keep])

    def _weights(self, data: pd.DataFrame, weights) -> np.ndarray:
        if weights is None:
            return np.ones(len(data))
        values = data[weights].to_numpy(dtype="float64") if isinstance(weights, str) else np.asarray(weights, float)
        if values.shape != (len(data),) or not np.all(np.isfinite(values)) or np.any(values < 0):
            raise DataError(f"{self.model_name}: weights must be one finite, non-negative number per row")
        return values

    # ------------------------------------------------------------------ results
    def _require_fit(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"this {self.model_name} model is not fitted yet; call fit(data) first")

    def _param_values(self) -> tuple[float, ...]:
        self._require_fit()
        return tuple(self.params_[name] for name in self.param_names)

    def confidence_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """Intervals exp(log φ ± z·se(log φ)) from the observed information."""
        self._require_fit()
        z = stats.norm.ppf(0.5 + level / 2)
        se_log = np.sqrt(np.diag(self._log_covariance))
        log_phi = np.log(self.params_.to_numpy())
        return pd.DataFrame({"lower": np.exp(log_phi - z * se_log), "upper": np.exp(log_phi + z * se_log)},
                            index=self.params_.index)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates, standard errors and confidence intervals; fit statistics in ``.attrs``."""
        intervals = self.confidence_intervals(level)
        table = pd.DataFrame({"estimate": self.params_, "standard_error": self.standard_errors_,
                              f"lower_{level:.0%}": intervals["lower"], f"upper_{level:.0%}": intervals["upper"]})
        table.attrs = {"model": self.model_name, "log_likelihood": self.log_likelihood_, "aic": self.aic_,
                       "bic": self.bic_, "customers": self.n_customers_, "unique_rows": self.n_unique_rows_}
        return table

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(penalizer={self.penalizer})"
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({values}; log-likelihood {self.log_likelihood_:,.2f})"

    # ------------------------------------------------------------------ persistence
    def to_json(self, path: str | Path | None = None) -> str:
        """Parameters, their covariance, fit statistics and versions as JSON (written to ``path`` if given)."""
        self._require_fit()
        document = {
            "model": type(self).__name__,
            "params": self.params_.to_dict(),
            "log_covariance": self._log_covariance.tolist(),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "n_unique_rows": self.n_unique_rows_,
            "settings": {"penalizer": self.penalizer, "tol": self.tol, "max_iter": self.max_iter},
            "versions": {"crmlab": _version("crmlab"), "numpy": np.__version__, "scipy": _version("scipy"),
                         "python": platform.python_version()},
        }
        text = json.dumps(document, indent=2)
        if path is not None:
            Path(path).write_text(text)
        return text

    @classmethod
    def _from_document(cls, document: dict) -> MaximumLikelihoodModel:
        model = cls(**document["settings"])
        model.params_ = pd.Series(document["params"], name="estimate")[list(cls.param_names)]
        model._log_covariance = np.asarray(document["log_covariance"])
        model.log_likelihood_ = document["log_likelihood"]
        model.n_customers_ = document["n_customers"]
        model.n_unique_rows_ = document["n_unique_rows"]
        phi = model.params_.to_numpy()
        model.standard_errors_ = pd.Series(phi * np.sqrt(np.diag(model._log_covariance)), index=model.params_.index,
                                           name="standard_error")
        model.covariance_ = pd.DataFrame(np.diag(phi) @ model._log_covariance @ np.diag(phi),
                                         index=model.params_.index, columns=model.params_.index)
        k = len(phi)
        model.aic_ = 2 * k - 2 * model.log_likelihood_
        model.bic_ = k * np.log(model.n_customers_) - 2 * model.log_likelihood_
        return model


def _unique_rows(columns: dict[str, np.ndarray], counts: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct rows (in order of first appearance) and the summed counts of the rows equal to each.

    One hash pass per column, combined into a mixed-radix group key (refactorised only when the key could
    overflow), then one pass over the key. Codes are numbered in order of first appearance, so a group's
    first row is where the running maximum of the codes rises.
    """
    group, radix = np.zeros(len(counts), dtype="int64"), 1
    for values in columns.values():
        codes, uniques = pd.factorize(values)
        if radix * max(len(uniques), 1) >= 2**62:
            group, distinct = pd.factorize(group)
            radix = len(distinct)
        group = group * len(uniques) + codes
        radix *= max(len(uniques), 1)
    group, _ = pd.factorize(group)
    first = np.flatnonzero(np.diff(np.maximum.accumulate(group), prepend=-1) > 0)
    return {c: v[first] for c, v in columns.items()}, np.bincount(group, weights=counts)


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # noqa: BLE001 - a missing distribution only loses a version string
        return "unknown"


def load_model(path: str | Path) -> MaximumLikelihoodModel:
    """Load a model saved with ``to_json``."""
    from . import MODELS  # the registry of model classes by name

    document = json.loads(Path(path).read_text())
    name = document.get("model")
    if name not in MODELS:
        raise ValueError(f"{path} holds a {name!r} model; crmlab knows {sorted(MODELS)}")
    return MODELS[name]._from_document(document)

"""Shared maximum-likelihood machinery of the customer-base models.

A model declares its parameter names, the summary columns it reads, and one
method, ``_log_likelihood(log_params, data)``, returning each row's
log-likelihood and its gradient with respect to the log-parameters. This base
class does the rest, identically for every model:

* checks the input and collapses identical rows to unique rows with counts
  (so a million customers with a few thousand distinct histories cost a few
  thousand likelihood evaluations);
* maximises Σ_i w_i ℓ_i(θ) − penalty over θ = log(parameters) with the analytic
  gradient, by the fitting strategy the caller chooses (``strategy=``, see
  :mod:`crmlab.clv.fitting`: L-BFGS-B, after BHHH steps for the models that take them, on
  all rows, or a first stage on smaller stand-in data for large data), from the model's alternative starts too where
  its likelihood has several maxima (the highest wins); the optional L2 penalty (``penalizer``, default
  0 so the result is the MLE) is ``penalizer * N * Σ exp(θ)²``, as in lifetimes;
* derives standard errors from the observed information: the Hessian of the
  negative log-likelihood in θ (forward differences of the analytic gradient; for
  covariate models through each customer's own parameters, in closed form for BG/NBD),
  inverted, mapped to the natural scale by the delta method
  (se(φ) = φ·se(θ)); confidence intervals are exp(θ ± z·se(θ)), so they stay
  positive;
* refuses data that cannot identify the model (no repeat purchase at all, one
  customer, ...) up front with a :class:`~crmlab.errors.DataError` that says why;
* reports a maximum on the boundary of the parameter space as the limiting model
  it is, with a :class:`~crmlab.errors.CrmlabWarning` (``limit_``; see
  :mod:`crmlab.clv.fitting`), and a fit with no maximum, or whose information
  matrix is not positive definite, by raising
  :class:`~crmlab.errors.ConvergenceError` — never by returning quietly;
* saves parameters, settings, what the model was fitted on, fit statistics and
  versions as JSON (no pickle), and refuses or flags a file from another version.

The vector θ the likelihood is maximised in is public, for whatever needs the fit's
uncertainty (:mod:`crmlab.clv.intervals`): ``theta_`` (the logs of the positive
parameters, then covariate coefficients as they are: :meth:`MaximumLikelihoodModel._natural`
and its inverse ``_theta_from_params`` are the map), ``covariance_theta_`` (the inverse
observed information in θ) and ``at_theta(θ)``, a copy of the model with its
parameters set from θ, without refitting.
"""

from __future__ import annotations

import copy
import json
import platform
import warnings
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import ThreadpoolController

from ..errors import ColumnTypeError, ConvergenceError, CrmlabWarning, DataError, MissingColumnError, NotFittedError
from ..frames import CALIBRATION_HOLDOUT, RFM_VALUES, TableInfo, table_info
from ..heap import adapt_to_large_arrays
from . import fitting
from .fitting import GRADIENT_TOLERANCE, LOG_BOUND, Boundary, Estimate, fit_strategy

__all__ = ["MaximumLikelihoodModel", "load_model", "model_from_json", "FORMAT_VERSION"]

#: Version of the JSON layout written by ``to_json``; ``load_model`` refuses a newer one.
FORMAT_VERSION = 2
#: How ``data_fingerprint_`` digests are made (the prefix of each): fits recorded otherwise cannot be compared.
FINGERPRINT_SCHEME = "h64"
_STAND_IN_MIN_ROWS = 100_000  # data with more unique rows than this get a subsample as stand-in (see fitting)
_STAND_IN_CUSTOMERS = 20_000
_BLOCK_ROWS = 65_536  # rows per block of a likelihood evaluation
_DENSE_SPAN = 16  # dense_codes codes whole numbers up to 16 times their count by a table
_REMEMBERED = 64  # likelihood evaluations remembered (see _weighted_log_likelihood)
#: The BLAS libraries loaded (NumPy's and SciPy's OpenBLAS), found once at import. Fits run with one BLAS
#: thread: their linear algebra is on a handful of parameters, yet L-BFGS-B's calls wake SciPy's OpenBLAS
#: workers, which then spin beside the fit (on CDNOW with two cores, a quarter of the fit's time).
_BLAS = ThreadpoolController()


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
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # derived once per fit (the stand-in)

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
    #: Pairs of parameters that may run off to infinity towards a simpler model (see :mod:`crmlab.clv.fitting`).
    boundaries: ClassVar[tuple[Boundary, ...]] = ()
    #: Whether fits start with BHHH steps (:func:`crmlab.clv.fitting.minimise`): set where fuzzing showed them never
    #: ending lower than L-BFGS-B alone (``benchmarks/RESULTS.md``, fuzzing); BG/BB's likelihood has maxima that
    #: they reach where L-BFGS-B reaches higher ones.
    bhhh_steps: ClassVar[bool] = False

    def __init__(self, penalizer: float = 0.0, initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000, strategy="auto"):
        self.penalizer = penalizer
        self.initial_params = initial_params
        self.tol = tol
        self.max_iter = max_iter
        self.strategy = strategy

    @property
    def covariate_columns(self) -> tuple[str, ...]:
        """The data columns holding covariates (none for a model without them)."""
        return ()

    @property
    def theta_names(self) -> tuple[str, ...]:
        """Names of the components of the estimation vector θ: the log-parameters ``param_names``, then any
        coefficients (models with covariates), which enter θ untransformed."""
        return self.param_names

    def _natural(self, theta: np.ndarray) -> np.ndarray:
        """The parameters on their natural scale: exp of the log-parameters, the coefficients as they are."""
        k = len(self.param_names)
        return np.concatenate([np.exp(theta[:k]), theta[k:]])

    def _jacobian(self, theta: np.ndarray) -> np.ndarray:
        """The Jacobian d(natural parameters)/dθ: diagonal here (each parameter depends on its own θ only); a model
        whose natural parameters mix components of θ (:mod:`crmlab.clv.correlation`) gives the full matrix."""
        k = len(self.param_names)
        return np.diag(np.concatenate([np.exp(theta[:k]), np.ones(len(theta) - k)]))

    @property
    def coefficient_names(self) -> tuple[str, ...]:
        """The covariate coefficients among ``theta_names`` ("<process>:<column>"), which follow the model's
        parameters in θ: every further entry unless the model adds one of another kind (a correlation)."""
        return self.theta_names[len(self.param_names):]

    def _coefficient_values(self, theta: np.ndarray) -> np.ndarray:
        """The covariate coefficients' part of θ."""
        k = len(self.param_names)
        return theta[k:k + len(self.coefficient_names)]

    # ------------------------------------------------------------------ to implement
    def _log_likelihood(self, log_params: np.ndarray, data: dict[str, np.ndarray]):
        """(ℓ per row, ∂ℓ/∂log-params per row with shape (rows, n_params); build it as np.stack(columns).T, a
        contiguous copy per parameter, rather than with axis=1, which interleaves)."""
        raise NotImplementedError

    def _check_values(self, columns: dict[str, np.ndarray]) -> None:
        """Model-specific checks of the data; raise DataError naming the rows."""

    def _check_identifiable(self, prepared: _Data) -> None:
        """Raise DataError, saying why, if the data cannot identify the model whatever its parameters."""

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        return np.zeros(len(self.theta_names))

    def _alternative_starts(self, data: _Data, coefficients: np.ndarray | None = None) -> list[np.ndarray]:
        """Starts (log-parameters) in other basins of the likelihood than the first start's; none by default.

        A model whose likelihood is known to have several maxima names a start near each, and the fit
        keeps the highest maximum climbed to (:func:`crmlab.clv.fitting.maximise`). ``coefficients`` are the
        covariate coefficients of the estimate found so far, where the starts put theirs (else at 0).
        """
        return []

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
        self._refuse_other_tables(data)
        prepared = self._prepare(data, weights)
        self._check_identifiable(prepared)
        self._maximise(prepared)
        self.data_info_ = table_info(data)
        return self

    def _maximise(self, prepared: _Data) -> None:
        """Find and store the estimate on prepared data (every fit's last step)."""
        fit_strategy(self.strategy)  # a bad setting fails before any work
        adapt_to_large_arrays()  # each likelihood evaluation's temporaries reuse the memory of the last one's
        try:
            with _BLAS.limit(limits=1, user_api="blas"):
                try:
                    estimate = fitting.maximise(self, prepared, self._start(prepared))
                except ConvergenceError as error:
                    self._refuse_runaway_coefficients(getattr(error, "theta", None), prepared, error)
                    raise
                self._refuse_runaway_coefficients(estimate.theta, prepared)
                self._store(estimate, prepared)
        finally:
            self._evaluations = {}  # the memo of _weighted_log_likelihood lives for one fit only

    def _coefficient_covariates(self, prepared: _Data) -> list[np.ndarray]:
        """For each coefficient (name "<process>:<column>"), its covariate's values over the fitted rows."""
        return [prepared.columns[n.split(":", 1)[1]] for n in self.coefficient_names]

    def _coefficient_spreads(self, prepared: _Data) -> np.ndarray:
        """For each coefficient, the range of its covariate over the fitted customers."""
        return np.array([float(np.ptp(values)) for values in self._coefficient_covariates(prepared)])

    def _climbing_units(self, prepared: _Data) -> np.ndarray:
        """Per component of θ, the unit the fit climbs it in (:func:`crmlab.clv.fitting.maximise`): 1 for the
        log-parameters, and for a coefficient the power of two nearest its covariate's largest magnitude, so that
        the fit is the same whatever unit a covariate is in (a spend in cents or in millions) — the steps, the
        box |θ| <= 25 and the gradient tolerance are then on the effect over the covariate's values, not per
        unit of it. A power of two changes no digit of a 0/1 or ±1 covariate's fit."""
        units = np.ones(len(self.theta_names))
        k = len(self.param_names)
        for j, values in enumerate(self._coefficient_covariates(prepared)):
            largest = float(np.max(np.abs(values))) if len(values) else 0.0
            if largest > 0 and np.isfinite(largest):
                units[k + j] = 2.0 ** np.round(np.log2(largest))
        return units

    def _refuse_runaway_coefficients(self, theta, prepared: _Data, cause: Exception | None = None) -> None:
        """Raise ConvergenceError naming the coefficients that ran off: γ times its covariate's range beyond 12
        (a factor e^12 = 160,000 between customers) is a likelihood still rising as γ → ±∞, not an estimate."""
        if theta is None or not self.coefficient_names or not np.all(np.isfinite(theta)):
            return
        coefficients = self._coefficient_values(theta)
        effect = np.abs(coefficients) * self._coefficient_spreads(prepared)
        far = [f"{name} → {'+' if value > 0 else '-'}∞ (reached {value:.3g})"
               for name, value, size in zip(self.coefficient_names, coefficients, effect, strict=True) if size > 12]
        if far:
            raise ConvergenceError(
                f"{self.model_name}: the likelihood keeps rising as {', '.join(far)}: the data do not identify this "
                "effect (e.g. a group of customers defined by the covariate who never buy, or never drop out). Drop "
                "the covariate from that process, merge its rare values, or give a covariate_penalty=.") from cause

    def _refuse_other_tables(self, data) -> None:
        """A calibration/holdout split or an RFM table is not what a model is fitted on: say what is."""
        info = table_info(data)
        if info is not None and info.kind == CALIBRATION_HOLDOUT:
            raise DataError(f"{self.model_name} is fitted on the calibration half of a calibration/holdout table: "
                            "fit on crmlab.calibration_summary(split), then judge it with "
                            "crmlab.clv.evaluate_holdout(model, split)")
        if info is not None and info.kind == RFM_VALUES:
            raise DataError(f"{self.model_name} needs a customer summary (repeat purchases, time from first to "
                            "last purchase, ...), not RFM values (days since the last purchase, ...); build it with "
                            "crmlab.customer_summary(log, time_unit=...)")

    def _data(self, columns: dict[str, np.ndarray], counts: np.ndarray) -> _Data:
        """Unique rows and counts with their blocks (see :class:`_Data`)."""
        blocks = []
        for start in range(0, len(counts), _BLOCK_ROWS):
            block = {c: v[start:start + _BLOCK_ROWS] for c, v in columns.items()}
            blocks.append(({**block, **self._derived(block)}, counts[start:start + _BLOCK_ROWS]))
        return _Data(columns, counts, tuple(blocks))

    def _weighted_log_likelihood(self, theta: np.ndarray, prepared: _Data, outer: bool = False) -> tuple:
        """Σ_i w_i ℓ_i(θ) and its gradient, block by block; with ``outer``, also Σ_i w_i g_i g_i' (g_i = ∇ℓ_i).

        The last ``_REMEMBERED`` evaluations are remembered (with the data they were on, so that their ``id``
        cannot be reused while they are), so the estimate's log-likelihood and gradient, which the optimiser
        has computed before the alternative starts were screened, are not computed again when the fit is stored.
        """
        key = (id(prepared), np.asarray(theta, dtype="float64").tobytes())
        memo = self.__dict__.setdefault("_evaluations", {})
        if key in memo and (memo[key][3] is not None or not outer):
            _, total, gradient, product = memo[key]
            return (total, gradient.copy(), product.copy()) if outer else (total, gradient.copy())
        total, gradient = 0.0, np.zeros(len(theta))
        product = np.zeros((len(theta), len(theta))) if outer else None
        for columns, counts in prepared.blocks:
            ll, grad = self._log_likelihood(theta, columns)
            total += counts @ ll
            gradient += counts @ grad
            if outer:
                product += (grad * counts[:, None]).T @ grad
        if len(memo) >= _REMEMBERED:
            del memo[next(iter(memo))]  # the oldest: dicts keep their order of insertion
        memo[key] = (prepared, total, gradient.copy(), None if product is None else product.copy())
        return (total, gradient, product) if outer else (total, gradient)

    def _objective(self, prepared: _Data, outer: bool = False):
        """Minus the penalised log-likelihood per customer and its gradient, as a function of θ; with ``outer``,
        also the BHHH estimate of its Hessian (:func:`crmlab.clv.fitting.minimise`): the outer products of the
        customers' score vectors, Σ_i w_i g_i g_i' / N, plus the penalty's curvature."""
        scale = prepared.n_customers

        def objective(theta):
            evaluation = self._weighted_log_likelihood(theta, prepared, outer)
            penalty, penalty_gradient, curvature = self._penalty(theta)
            value, gradient = -evaluation[0] / scale + penalty, -evaluation[1] / scale + penalty_gradient
            return (value, gradient, evaluation[2] / scale + np.diag(curvature)) if outer else (value, gradient)

        return objective

    def _penalty(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """The penalty per customer, its gradient and the diagonal of its Hessian in θ.

        ``penalizer * Σ φ²`` over the parameters φ = exp(θ) (lifetimes' L2 penalty); models with
        covariates add their coefficients' penalty (:mod:`crmlab.clv.covariates`).
        """
        k = len(self.param_names)
        value, gradient, curvature = 0.0, np.zeros(len(theta)), np.zeros(len(theta))
        if self.penalizer:
            phi2 = np.exp(2 * theta[:k])
            value = self.penalizer * float(np.sum(phi2))
            gradient[:k], curvature[:k] = 2 * self.penalizer * phi2, 4 * self.penalizer * phi2
        return value, gradient, curvature

    def _penalty_curvature(self, theta: np.ndarray) -> np.ndarray:
        return np.diag(self._penalty(theta)[2])

    def _stand_in(self, prepared: _Data) -> _Data | None:
        """Smaller data standing in for ``prepared`` in the first stage of a two-stage fit (:mod:`.fitting`).

        A seeded subsample of about ``_STAND_IN_CUSTOMERS`` customers when there are more than
        ``_STAND_IN_MIN_ROWS`` unique rows (smaller samples identify the Pareto/NBD dropout parameters
        too poorly to serve), else None: fit all rows at once.
        """
        if len(prepared.counts) > _STAND_IN_MIN_ROWS:
            return self._subsample(prepared, _STAND_IN_CUSTOMERS)
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
        start = self._initial_log_params(prepared)
        if self.initial_params is None:
            return start
        unknown = set(self.initial_params) - set(self.theta_names)
        if unknown or any(not np.isfinite(v) for v in self.initial_params.values()) or \
                any(self.initial_params.get(name, 1.0) <= 0 for name in self.param_names):
            raise ValueError(f"initial_params must give positive values for {self.param_names} (and any finite "
                             f"value for coefficients {self.theta_names[len(self.param_names):]}), got "
                             f"{self.initial_params}")
        guess = dict(zip(self.theta_names, self._natural(start), strict=True))
        guess.update(self.initial_params)
        return self._theta_from_params(np.array([guess[name] for name in self.theta_names], dtype="float64"))

    def _check_optimum(self, result) -> None:
        """Raise ConvergenceError unless the optimiser's ``result`` is an interior maximum (used by the strategies)."""
        on_bound = np.abs(result.x) >= LOG_BOUND - 1e-6
        hint = f"Try other initial_params=, a small penalizer= (e.g. 0.001), or {self.convergence_hint}."
        if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
            raise ConvergenceError(f"{self.model_name} fit produced non-finite values ({result.message}). {hint}")
        if on_bound.any():
            names = [n for n, b in zip(self.theta_names, on_bound, strict=True) if b]
            raise ConvergenceError(f"{self.model_name} fit drove {names} to the edge of the parameter space "
                                   f"(exp(±{LOG_BOUND:.0f})): the likelihood has no interior maximum. {hint}")
        # L-BFGS-B may stop in its line search at an optimum it cannot improve further; what counts is
        # the first-order condition on the per-customer objective
        if not result.success and np.max(np.abs(result.jac)) > GRADIENT_TOLERANCE:
            raise ConvergenceError(f"{self.model_name} fit did not converge: {result.message} (largest gradient "
                                   f"component {np.max(np.abs(result.jac)):.2g}). {hint}")

    def _store(self, estimate: Estimate, prepared: _Data) -> None:
        """Parameters, log-likelihood and covariance of ``estimate`` (see :class:`~crmlab.clv.fitting.Estimate`).

        The covariance of the log-parameters is the inverse observed information; at a limit, that of the
        parameters outside the collapsed pairs, and the pairs' own variances are infinite.
        """
        free = estimate.free
        covariance_log = np.diag(np.where(free, 0.0, np.inf))
        eigenvalues, vectors = np.linalg.eigh(estimate.information)  # positive (checked): so is every variance
        inverse = (vectors / eigenvalues) @ vectors.T
        if estimate.units is not None:  # the information is in climbing units, θ̃ = units·θ
            inverse /= np.outer(estimate.units, estimate.units)
        covariance_log[np.ix_(free, free)] = inverse[:free.sum(), :free.sum()]
        self._record(estimate.theta, covariance_log, estimate.limit, prepared)

    def _record(self, theta: np.ndarray, covariance_log: np.ndarray, limit: str | None, prepared: _Data) -> None:
        """Store the estimate θ with the covariance of θ, the limit it is at (or None) and the fit statistics."""
        self.log_likelihood_ = float(self._weighted_log_likelihood(theta, prepared)[0])
        self.n_customers_ = int(round(prepared.n_customers))
        self.n_unique_rows_ = len(prepared.counts)
        #: the quantity maximised: mean log-likelihood per customer minus the penalty (CLVTools' "LL" with
        #: reg.lambdas); log_likelihood_ / n_customers_ without a penalty
        self.objective_ = self.log_likelihood_ / prepared.n_customers - self._penalty(theta)[0]
        self.params_ = pd.Series(self._natural(theta), index=list(self.theta_names), name="estimate")
        self.limit_ = limit
        self._set_covariance(covariance_log)
        k = len(theta)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(self.n_customers_) - 2 * self.log_likelihood_

    def _set_covariance(self, covariance_log: np.ndarray) -> None:
        """Standard errors and covariance on the natural scale by the delta method, cov(φ) = J cov(θ) J' with J the
        Jacobian dφ/dθ (diagonal, φ for log-parameters and 1 for coefficients, unless the model mixes them).
        An infinite variance in θ (a collapsed pair at a limit) stays infinite, with no covariance."""
        self._log_covariance = covariance_log
        jacobian = self._jacobian(self._theta())
        infinite = ~np.isfinite(np.diag(covariance_log))
        finite = np.where(np.isfinite(covariance_log), covariance_log, 0.0)
        covariance = jacobian @ finite @ jacobian.T
        reached = (jacobian[:, infinite] != 0).any(axis=1)  # parameters that depend on a collapsed pair
        covariance[reached, :] = 0.0
        covariance[:, reached] = 0.0
        covariance[reached, reached] = np.inf
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(covariance)), index=self.params_.index,
                                          name="standard_error")
        self.covariance_ = pd.DataFrame(covariance, index=self.params_.index, columns=self.params_.index)

    def _hessian(self, theta: np.ndarray, prepared: _Data, gradient_at_theta: np.ndarray | None = None) -> np.ndarray:
        """The observed information in θ (:meth:`_likelihood_information`); models with a penalty add its curvature."""
        return self._likelihood_information(theta, prepared, gradient_at_theta)

    def _likelihood_information(self, theta: np.ndarray, prepared: _Data,
                                gradient_at_theta: np.ndarray | None = None) -> np.ndarray:
        """Observed information in θ: forward differences of the analytic gradient, with a step of 1e-6 in each
        component's climbing unit (:meth:`_climbing_units`: 1e-6 for a log-parameter, 1e-6 over its covariate's
        magnitude for a coefficient).

        The truncation error is of the order of the step, so standard errors are accurate to about six digits.
        """
        def gradient(t):
            return -self._weighted_log_likelihood(t, prepared)[1]

        base = gradient(theta) if gradient_at_theta is None else gradient_at_theta
        steps = 1e-6 / self._climbing_units(prepared)
        shifted = [gradient(theta + step * unit) for step, unit in zip(steps, np.eye(len(theta)), strict=True)]
        hessian = (np.column_stack(shifted) - base[:, None]) / steps
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
        columns = {c: numeric_column(data, c, self.model_name) for c in self.data_columns}
        bad = ~np.logical_and.reduce([np.isfinite(v) for v in columns.values()])
        if bad.any():
            raise DataError(f"{self.model_name}: {int(bad.sum()):,} rows have missing or infinite values "
                            f"(first: {list(data.index[bad][:5])}); drop or fix them first")
        counts = self._weights(data, weights)
        self._check_values(columns)
        hashes = {c: value_hashes(v) for c, v in columns.items()}  # once, for the fingerprint and the grouping
        self.data_fingerprint_ = self._fingerprint(columns, counts, hashes)
        unique, counts = _unique_rows(columns, counts, hashes)
        keep = counts > 0
        return self._data({c: v[keep] for c, v in unique.items()}, counts[keep])

    def _fingerprint(self, columns: dict[str, np.ndarray], counts: np.ndarray,
                     hashes: dict[str, np.ndarray] | None = None) -> dict[str, str]:
        """Digests of the fitted rows, in their order: the model's own columns with the weights (``base``), and
        each covariate column apart — what tells :mod:`crmlab.clv.comparison` whether two fits saw the same data
        (:func:`sequence_digest` of the values' hashes, given in ``hashes`` where they were computed already)."""
        covariates = set(self.covariate_columns)
        hashes = hashes or {}
        weights = {}  # per length: the columns' positions are the rows' (dynamic covariates have more)

        def digest(values_hashed: np.ndarray) -> int:
            length = len(values_hashed)
            if length not in weights:
                weights[length] = _position_weights(length)
            return sequence_digest(values_hashed, weights[length])

        digests = {c: digest(hashes[c] if c in hashes else value_hashes(v)) for c, v in columns.items()}
        own = [digests[c] for c in columns if c not in covariates] + [digest(value_hashes(counts))]
        base = sequence_digest(np.array(own, dtype="uint64"))
        return {"base": f"{FINGERPRINT_SCHEME}:{base:016x}",
                **{c: f"{FINGERPRINT_SCHEME}:{digests[c]:016x}" for c in columns if c in covariates}}

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
            raise NotFittedError(f"this {self.model_name} model is not fitted yet; call fit(data) first")

    def _theta(self) -> np.ndarray:
        """θ of the fitted parameters (log-parameters, then coefficients)."""
        return self._theta_from_params(self.params_.to_numpy(dtype="float64"))

    def _theta_from_params(self, params: np.ndarray) -> np.ndarray:
        """θ from natural-scale parameters, the inverse of :meth:`_natural`: logs of the positive parameters, the
        coefficients as they are."""
        k = len(self.param_names)
        return np.concatenate([np.log(params[:k]), params[k:]])

    def _param_values(self) -> tuple[float, ...]:
        self._require_fit()
        return tuple(self.params_[name] for name in self.param_names)

    # ------------------------------------------------------------------ the optimisation vector θ
    def _prediction_columns(self) -> tuple[str, ...]:
        """The columns of a customer table that the model's predictions read (a model with covariates adds them)."""
        return tuple(self.data_columns)

    @property
    def theta_(self) -> np.ndarray:
        """The estimate in θ, the unconstrained vector the likelihood was maximised in (log-parameters, then
        coefficients as they are)."""
        self._require_fit()
        return self._theta()

    @property
    def covariance_theta_(self) -> np.ndarray:
        """The asymptotic covariance of θ, the inverse observed information (a copy).

        At a limiting model (``limit_``) the collapsed pairs have infinite variance and no covariance
        with the rest: the asymptotic normal does not describe them.
        """
        self._require_fit()
        return self._log_covariance.copy()

    def at_theta(self, theta) -> MaximumLikelihoodModel:
        """A shallow copy of the fitted model with its parameters set from ``theta``, without refitting.

        Every prediction of the copy is the model's at those parameters (e.g. at a draw from the
        asymptotic normal of θ). What describes the fit — log-likelihood, information criteria,
        standard errors, covariance — stays that of the fit: the copy is not a fit at ``theta``.
        """
        self._require_fit()
        theta = np.asarray(theta, dtype="float64")
        if theta.shape != (len(self.params_),) or not np.all(np.isfinite(theta)):
            raise ValueError(f"theta must hold {len(self.params_)} finite numbers (one per parameter "
                             f"{list(self.params_.index)}), got {theta!r}")
        model = copy.copy(self)
        model.params_ = pd.Series(self._natural(theta), index=self.params_.index, name="estimate")
        return model

    @property
    def n_parameters_(self) -> int:
        """The number of estimated parameters (what AIC and BIC count)."""
        self._require_fit()
        return len(self.params_)

    def confidence_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """Intervals exp(log φ ± z·se(log φ)) from the observed information (so they stay positive), and
        γ ± z·se(γ) for coefficients."""
        self._require_fit()
        z = stats.norm.ppf(0.5 + level / 2)
        se_theta = np.sqrt(np.diag(self._log_covariance))
        theta = self._theta()
        return pd.DataFrame({"lower": self._natural(theta - z * se_theta),
                             "upper": self._natural(theta + z * se_theta)}, index=self.params_.index)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates, standard errors and confidence intervals; fit statistics in ``.attrs``.

        Models with coefficients add their z statistics and two-sided p values (the coefficient over its
        standard error against the standard normal); as in CLVTools, none are given for the positive
        model parameters, whose zero is no hypothesis."""
        intervals = self.confidence_intervals(level)
        table = pd.DataFrame({"estimate": self.params_, "standard_error": self.standard_errors_,
                              f"lower_{level:.0%}": intervals["lower"], f"upper_{level:.0%}": intervals["upper"]})
        if len(self.theta_names) > len(self.param_names):
            coefficient = (np.arange(len(table)) >= len(self.param_names)) & np.isfinite(table["standard_error"])
            z = np.where(coefficient, table["estimate"] / table["standard_error"], np.nan)
            table["z"] = z
            table["p_value"] = np.where(coefficient, 2 * stats.norm.sf(np.abs(z)), np.nan)
        table.attrs = {"model": self.model_name, "log_likelihood": self.log_likelihood_, "aic": self.aic_,
                       "bic": self.bic_, "customers": self.n_customers_, "unique_rows": self.n_unique_rows_,
                       "limit": getattr(self, "limit_", None), "objective": getattr(self, "objective_", None)}
        return table

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(penalizer={self.penalizer})"
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({values}; log-likelihood {self.log_likelihood_:,.2f})"

    # ------------------------------------------------------------------ persistence
    def _settings(self) -> dict:
        strategy = self.strategy if isinstance(self.strategy, str) else getattr(self.strategy, "name", "custom")
        return {"penalizer": self.penalizer, "initial_params": self.initial_params, "tol": self.tol,
                "max_iter": self.max_iter, "strategy": strategy}

    def _fitted_state(self) -> dict:
        """What a fitted model knows beyond its parameters (subclasses add theirs)."""
        info = getattr(self, "data_info_", None)
        state = {"fitted_on": asdict(info) if info is not None else None, "limit": getattr(self, "limit_", None),
                 "data_fingerprint": getattr(self, "data_fingerprint_", None)}
        if hasattr(self, "n_excluded_"):
            state["n_excluded"] = self.n_excluded_
        return state

    def _restore_state(self, state: dict) -> None:
        self.data_info_ = TableInfo(**state["fitted_on"]) if state.get("fitted_on") else None
        self.limit_ = state.get("limit")
        if state.get("data_fingerprint"):
            self.data_fingerprint_ = state["data_fingerprint"]
        if "n_excluded" in state:
            self.n_excluded_ = state["n_excluded"]

    def to_json(self, path: str | Path | None = None) -> str:
        """Everything the fitted model holds as JSON (written to ``path`` if given): settings, parameters and
        their covariance, fit statistics, what it was fitted on (time unit, observation end, excluded rows)
        and the versions that produced it. :func:`load_model` reads it back."""
        self._require_fit()
        document = {
            "format": "crmlab-model",
            "format_version": FORMAT_VERSION,
            "model": type(self).__name__,
            "settings": self._settings(),
            "params": self.params_.to_dict(),
            "log_covariance": self._log_covariance.tolist(),
            "log_likelihood": self.log_likelihood_,
            "objective": self.objective_,
            "n_customers": self.n_customers_,
            "n_unique_rows": self.n_unique_rows_,
            "state": self._fitted_state(),
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
        model.params_ = pd.Series(document["params"], name="estimate")[list(model.theta_names)]
        model.log_likelihood_ = document["log_likelihood"]
        model.n_customers_ = document["n_customers"]
        model.n_unique_rows_ = document["n_unique_rows"]
        model._restore_state(document.get("state", {}))
        model._set_covariance(np.asarray(document["log_covariance"], dtype="float64"))
        model.objective_ = document.get("objective", model.log_likelihood_ / model.n_customers_)
        k = len(model.params_)
        model.aic_ = 2 * k - 2 * model.log_likelihood_
        model.bic_ = k * np.log(model.n_customers_) - 2 * model.log_likelihood_
        return model


def row_codes(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Codes 0, 1, ... of the distinct rows of ``columns``, numbered in order of first appearance."""
    return _row_groups(columns)[0]


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0, 1, ... of the distinct ``values`` in increasing order, and those values (``distinct[codes]`` is
    ``values``).

    Whole numbers from 0 to ``_DENSE_SPAN`` times their count — a purchase model's frequencies and the integer
    keys built from them — are coded through a table indexed by the value (linear, no hashing: a third of
    pd.factorize's time on 23,000 frequencies); other values by pd.factorize(sort=True).
    """
    values = np.asarray(values)
    if values.size and values.min() >= 0 and values.max() <= _DENSE_SPAN * values.size + 1024 and \
            np.all(values == np.floor(values)):
        whole = values.astype(np.intp)
        present = np.zeros(int(whole.max()) + 1, dtype=bool)
        present[whole] = True
        return (np.cumsum(present) - 1)[whole], np.flatnonzero(present).astype(values.dtype)
    codes, distinct = pd.factorize(values, sort=True)
    return codes, np.asarray(distinct)


def numeric_column(data: pd.DataFrame, column: str, model_name: str) -> np.ndarray:
    """``data[column]`` as float64, or a ColumnTypeError naming the column and a value that is not a number."""
    try:
        return data[column].to_numpy(dtype="float64")
    except (TypeError, ValueError) as error:
        raise ColumnTypeError(f"{model_name}: column {column!r} must hold numbers, not {data[column].dtype} ({error}); "
                              "build the table with crmlab.customer_summary") from error


def value_hashes(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each value (pandas' ``hash_array``; −0.0 and 0.0 alike), of the flattened array."""
    return pd.util.hash_array(np.asarray(values, dtype="float64").ravel() + 0.0)  # -0.0 + 0.0 is 0.0


def sequence_digest(hashes: np.ndarray, weights: np.ndarray | None = None) -> int:
    """A 64-bit digest of a sequence from its elements' 64-bit hashes h_i: Σ_i h_i w_i mod 2^64 with the
    :func:`_position_weights` w_i (given as ``weights`` where several sequences of one length are digested). Each
    w_i is odd, so it maps h_i one to one: changing any one element, or moving one, changes the digest; other
    changes leave it alike with probability 2^-64."""
    weights = _position_weights(len(hashes)) if weights is None else weights
    return int(np.sum(np.asarray(hashes, dtype="uint64") * weights, dtype="uint64"))  # arrays wrap mod 2^64


def _position_weights(length: int) -> np.ndarray:
    """(2i + 1) φ mod 2^64 for i = 0, 1, ..., φ the odd golden-ratio constant 0x9E3779B97F4A7C15."""
    return (2 * np.arange(length, dtype="uint64") + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)


def _unique_rows(columns: dict[str, np.ndarray], counts: np.ndarray,
                 hashes: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct rows (in order of first appearance) and the summed counts of the rows equal to each."""
    group, first = _row_groups(columns, hashes)
    return {c: v[first] for c, v in columns.items()}, np.bincount(group, weights=counts)


def _row_groups(columns: dict[str, np.ndarray],
                hashes: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group among the distinct rows of ``columns`` (numbered in order of first appearance), and the
    first row of each group.

    One 64-bit hash per row (the columns' :func:`value_hashes`, combined; ``hashes`` gives those computed
    already), numbered by one pass over the hashes; every row is then checked equal to its group's first row, so
    a collision of hashes cannot merge different rows (if one ever did, the rows are grouped column by column
    instead). Codes are numbered in order of first appearance, so a group's first row is where the running
    maximum of the codes rises.
    """
    rows = len(next(iter(columns.values()))) if columns else 0
    hashes = hashes or {}
    key = np.zeros(rows, dtype="uint64")
    for column, values in columns.items():
        key = key * np.uint64(1_000_003) ^ (hashes[column] if column in hashes else value_hashes(values))
    group = pd.factorize(key)[0]
    first = _first_rows(group)
    if all(np.array_equal(values, values[first][group]) for values in columns.values()):
        return group, first
    return _row_groups_by_column(columns)


def _row_groups_by_column(columns: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_row_groups` without hashing rows: one factorisation per column, combined into a mixed-radix group
    key (refactorised only when the key could overflow), then one pass over the key."""
    rows = len(next(iter(columns.values()))) if columns else 0
    group, radix = np.zeros(rows, dtype="int64"), 1
    for values in columns.values():
        codes, uniques = pd.factorize(values)
        if radix * max(len(uniques), 1) >= 2**62:
            group, distinct = pd.factorize(group)
            radix = len(distinct)
        group = group * len(uniques) + codes
        radix *= max(len(uniques), 1)
    group, _ = pd.factorize(group)
    return group, _first_rows(group)


def _first_rows(group: np.ndarray) -> np.ndarray:
    """The first row of each group, for codes numbered in order of first appearance."""
    return np.flatnonzero(np.diff(np.maximum.accumulate(group), prepend=-1) > 0)


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # noqa: BLE001 - a missing distribution only loses a version string
        return "unknown"


def load_model(path: str | Path) -> MaximumLikelihoodModel:
    """Load a model saved with ``to_json``.

    A file of a newer layout than this crmlab reads is refused; a file written by another crmlab
    version loads with a :class:`~crmlab.errors.CrmlabWarning` that names both versions (the
    estimates are the file's; predictions use this version's code).
    """
    return model_from_json(Path(path).read_text(), source=str(path))


def model_from_json(text: str, source: str = "the model JSON") -> MaximumLikelihoodModel:
    """A model from the text ``to_json`` returned (as :func:`load_model` does from a file).

    This is how a model travels without a shared file system: e.g. broadcast to Spark executors, which
    rebuild it (:mod:`crmlab.clv.scoring`). ``source`` names the text in error messages and warnings.
    """
    from . import MODELS  # the registry of model classes by name

    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{source} is not a crmlab model file (not JSON: {error})") from error
    name = document.get("model") if isinstance(document, dict) else None
    if name not in MODELS:
        raise DataError(f"{source} holds a {name!r} model; crmlab knows {sorted(MODELS)}")
    layout = document.get("format_version", 1)
    if layout > FORMAT_VERSION:
        raise DataError(f"{source} was written by crmlab {document.get('versions', {}).get('crmlab', '?')} in model "
                        f"file format {layout}; this crmlab ({_version('crmlab')}) reads formats up to "
                        f"{FORMAT_VERSION}. Upgrade crmlab to load it.")
    written_by = document.get("versions", {}).get("crmlab", "unknown")
    if layout < FORMAT_VERSION:
        warnings.warn(f"{source} was written by crmlab {written_by} in model file format {layout}, which does not "
                      "record what the model was fitted on (its time unit): pass time_unit= where a call needs it, "
                      "or refit and save the model again.", CrmlabWarning, stacklevel=3)
        document = {**document, "settings": {k: v for k, v in document["settings"].items()
                                             if k in ("penalizer", "tol", "max_iter")}}
    elif written_by != _version("crmlab"):
        warnings.warn(f"{source} was written by crmlab {written_by}; this is crmlab {_version('crmlab')}. The "
                      "estimates are the file's; predictions use this version's formulas.", CrmlabWarning,
                      stacklevel=3)
    return MODELS[name]._from_document(document)

"""How a customer-base model's likelihood is maximised: the fitting strategies.

A model states its likelihood (:mod:`crmlab.clv.base`); a strategy decides how to climb it. The
model passes itself and its prepared data — unique rows with counts — and a strategy calls back
four things: ``model._objective(data)`` (minus the penalised log-likelihood per customer and its
gradient in the log-parameters θ), ``model._hessian(θ, data)``, ``model._check_optimum(result)``
(raises :class:`~crmlab.errors.ConvergenceError` unless ``result`` is a maximum) and
``model._stand_in(data)`` (smaller data that stand in for the full data, or None).

``Direct``
    L-BFGS-B on all rows, within the box |θ| < 25 (parameters in [e^-25, e^25]).
``TwoStage`` (the default, ``"auto"``)
    For data with many unique rows: a first fit on the model's stand-in data (purchase models
    round recency and T to a coarse grid, so every customer counts but rows merge; other models
    take a seeded subsample), then BFGS on all rows started at that estimate with the stand-in's
    information matrix as its curvature, which converges in a few evaluations. The result is the
    full-data maximum, checked by its gradient; if the first stage fails, or BFGS does not get
    there, ``Direct`` runs on all rows (from the first stage's estimate when there is one). With
    few rows the model offers no stand-in and ``TwoStage`` is ``Direct``.

Choose one with ``BetaGeo(strategy="direct")``; both reach the same maximum (tested), they differ
only in time (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from ..errors import ConvergenceError

__all__ = ["Direct", "TwoStage", "LOG_BOUND", "fit_strategy"]

#: Parameters live in [e^-LOG_BOUND, e^LOG_BOUND]; an estimate on the bound is not an interior maximum.
LOG_BOUND = 25.0


class _Stationary(Exception):  # noqa: N818 - a signal, not an error
    """Raised by an objective at a point that meets the gradient tolerance, to stop the optimiser there."""

    def __init__(self, theta: np.ndarray):
        super().__init__()
        self.theta = theta


class Direct:
    """L-BFGS-B with the analytic gradient on all rows (see the module docstring)."""

    name = "direct"

    def maximise(self, model, data, theta0: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            result = optimize.minimize(model._objective(data), theta0, jac=True, method="L-BFGS-B",
                                       bounds=[(-LOG_BOUND, LOG_BOUND)] * len(theta0),
                                       options={"maxiter": model.max_iter, "ftol": model.tol * 1e-3,
                                                "gtol": model.tol * 1e2})
        model._check_optimum(result)
        return result.x

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class TwoStage:
    """A first fit on stand-in data, then warm-started BFGS on all rows (see the module docstring).

    Parameters
    ----------
    warm_iterations : int
        BFGS iterations allowed on all rows before falling back to ``Direct``.
    """

    name = "two-stage"

    def __init__(self, warm_iterations: int = 50):
        self.warm_iterations = warm_iterations

    def maximise(self, model, data, theta0: np.ndarray) -> np.ndarray:
        direct = Direct()
        stand_in = model._stand_in(data)
        if stand_in is None:
            return direct.maximise(model, data, theta0)
        try:
            theta_first = direct.maximise(model, stand_in, theta0)
            curvature = model._hessian(theta_first, stand_in) / stand_in.n_customers
        except ConvergenceError:
            return direct.maximise(model, data, theta0)
        theta = self._warm(model, data, theta_first, curvature + model._penalty_curvature(theta_first))
        return theta if theta is not None else direct.maximise(model, data, theta_first)

    def _warm(self, model, data, theta: np.ndarray, curvature: np.ndarray) -> np.ndarray | None:
        """BFGS from ``theta`` started with the inverse of ``curvature``; None if it does not reach a stationary point.

        Stops at the first point it evaluates whose gradient is within the tolerance: there the
        log-likelihood is flat to the rounding of its sum, so BFGS's line search, which compares
        values, would only spend evaluations on rounding noise.
        """
        try:
            inverse = np.linalg.inv(curvature)
            np.linalg.cholesky((inverse + inverse.T) / 2)
        except np.linalg.LinAlgError:
            return None
        tolerance = model.tol * 1e2
        objective = model._objective(data)

        def objective_until_stationary(point):
            value, gradient = objective(point)
            if np.all(np.isfinite(point)) and np.max(np.abs(gradient)) < tolerance:
                raise _Stationary(point.copy())
            return value, gradient

        try:
            with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
                optimize.minimize(objective_until_stationary, theta, jac=True, method="BFGS",
                                  options={"gtol": tolerance, "maxiter": self.warm_iterations,
                                           "hess_inv0": (inverse + inverse.T) / 2})
        except _Stationary as stationary:
            if np.all(np.abs(stationary.theta) < LOG_BOUND):
                return stationary.theta
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(warm_iterations={self.warm_iterations})"


_BY_NAME = {"auto": TwoStage, "two-stage": TwoStage, "direct": Direct}


def fit_strategy(strategy) -> Direct | TwoStage:
    """The strategy object for ``"auto"``, ``"two-stage"``, ``"direct"`` or an object with ``maximise``."""
    if isinstance(strategy, str):
        if strategy not in _BY_NAME:
            raise ValueError(f"strategy must be one of {sorted(_BY_NAME)} or a strategy object, got {strategy!r}")
        return _BY_NAME[strategy]()
    if not callable(getattr(strategy, "maximise", None)):
        raise TypeError(f"a fitting strategy needs a maximise(model, data, theta0) method; got {strategy!r}")
    return strategy

"""How a customer-base model's likelihood is maximised: the fitting strategies, and the limits of the models.

A model states its likelihood (:mod:`crmlab.clv.base`); this module decides how to climb it. The
model passes itself and its prepared data — unique rows with counts — and the code here calls back
``model._objective(data)`` (minus the penalised log-likelihood per customer and its gradient in
the log-parameters θ), ``model._hessian(θ, data)``, ``model._check_optimum(result)`` (raises
:class:`~crmlab.errors.ConvergenceError` unless ``result`` is a stationary point inside the box),
``model._stand_in(data)`` (smaller data that stand in for the full data, or None) and
``model._alternative_starts(data)`` (starts in other basins of the likelihood, see Starts below).

Strategies (``BetaGeo(strategy=...)``) find an interior maximum:

``Direct``
    For the models that take them (``model.bhhh_steps``: BG/NBD, MBG/NBD, Pareto/NBD), BHHH steps on all
    rows — Newton's method with the outer products of the customers' score vectors in place of the
    Hessian (:func:`_bhhh`); where they do not converge (towards a limit of the model), and for the other
    models, L-BFGS-B from the start, within the box |θ| < 25 (parameters in [e^-25, e^25]).
    Where L-BFGS-B stops short of the gradient tolerance — its line search cannot
    tell the last digits of the likelihood apart — a few Newton steps polish the estimate
    (:func:`minimise`): the analytic gradient, a forward-difference Hessian with its eigenvalues made
    positive, and a backtracking line search. The happy path never pays for them.
``TwoStage`` (the default, ``"auto"``)
    For data with many unique rows: a first fit on the model's stand-in data (purchase models
    round recency and T to a coarse grid, so every customer counts but rows merge; other models
    take a seeded subsample), then BFGS on all rows started at that estimate with the stand-in's
    information matrix as its curvature, which converges in a few evaluations. The result is the
    full-data maximum, checked by its gradient; if the first stage fails, or BFGS does not get
    there, ``Direct`` runs on all rows (from the first stage's estimate when there is one). With
    few rows the model offers no stand-in and ``TwoStage`` is ``Direct``.

Both reach the same maximum (tested); they differ only in time (``benchmarks/RESULTS.md``).

Starts. A mixture likelihood can have several maxima, and a climb reaches the one whose basin it starts
in. A model names starts in its other basins (``model._alternative_starts(data, coefficients)``: for the
purchase models the observed purchase rate, and for BG/NBD and MBG/NBD also a U-shaped dropout probability,
with the covariate coefficients of the first start's estimate); :func:`maximise` climbs from each on the
stand-in data (or all rows, where there is none), and only a start that ends higher than the first start's
estimate is fitted on all rows, limits included. The highest log-likelihood wins.

Limits. The mixing distributions of these models have boundaries where the likelihood still
converges: a Beta(a, b) or Gamma(r, α) whose parameters both run to infinity with their ratio fixed
collapses on a single value (no heterogeneity: every customer has the same dropout probability, or
buys at the same rate), and a Beta(1, b) with b → ∞ puts all its mass on 0 (nobody drops out). A
model lists its :class:`Boundary` pairs; :func:`maximise` fits every combination of them as a model
of its own (the remaining parameters, and the log-ratio of each collapsing pair, with the pair at
a + b = e^30 ≈ 1.1e13, where the likelihood equals its limit to far below 1e-9 per customer) when the
strategy finds no interior maximum, or finds one far out (|θ| > 12), and keeps whichever candidate
has the highest likelihood. A limit is a real answer: the fitted model reports it in ``limit_``,
with a :class:`~crmlab.errors.CrmlabWarning`, its parameters sit at that far point (so every
prediction is the limiting model's) and the standard errors of the pair are infinite. With a
penalty (``penalizer`` > 0) the estimate is always interior and no limit is tried.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ..errors import ConvergenceError, CrmlabWarning

__all__ = ["Direct", "TwoStage", "Boundary", "Estimate", "LOG_BOUND", "LIMIT_SCALE", "fit_strategy", "maximise",
           "minimise", "stand_in"]

#: Parameters live in [e^-LOG_BOUND, e^LOG_BOUND]; an estimate on the bound is not an interior maximum.
LOG_BOUND = 25.0
#: A limit is represented with its collapsing pair at e^LIMIT_SCALE (about 1.1e13).
LIMIT_SCALE = 30.0
#: A stationary point is one where no component of the gradient of the mean log-likelihood per customer, in the
#: log-parameters, exceeds this.
GRADIENT_TOLERANCE = 1e-6
_SAME_MAXIMUM = 0.1  # a climb this close to an estimate in every log-parameter is going to it (see _promising)
_FAR = 12.0  # an interior estimate with a log-parameter beyond ±12 (1.6e5, 6e-6) is compared with the limits
_NEWTON_STEPS = 30
_BHHH_STEPS = 40
_SLOW = 0.3  # BHHH steps that shrink the gradient less than this, twice near the maximum, hand over to BFGS
#: The two-stage fit climbs its stand-in to a gradient of 1e2 times this (1e-5): the estimate only starts BFGS on all
#: rows, where the gradient is set by how the stand-in differs from the data (about 1e-3 on simulated data), and the
#: last BHHH steps to 1e-8 would move that start by less than BFGS's first step corrects.
_FIRST_STAGE_TOL = 1e-7
_HALVINGS = 20
_CONDITION_FLOOR = 1e-12  # eigenvalues spanning more than 1e12: singular to BFGS (_well_conditioned_inverse)


class _Stationary(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the screening objective of :func:`_promising` where its climb has arrived near a maximum already
    known."""

    def __init__(self, theta: np.ndarray):
        super().__init__()
        self.theta = theta


def minimise(objective, theta0: np.ndarray, bounds: float = LOG_BOUND, max_iter: int = 2000, tol: float = 1e-10,
             scoring=None):
    """Minimise ``objective`` (value and gradient) within |θ| <= ``bounds``; returns scipy's OptimizeResult (``x``,
    ``fun``, ``jac``).

    With ``scoring`` (θ -> value, gradient and the BHHH matrix, ``model._objective(data, outer=True)``), BHHH steps
    first (:func:`_bhhh`); where they do not reach the gradient tolerance, L-BFGS-B climbs from ``theta0`` as if they
    had not been tried (the path to a limit, and so the limits the fit compares, stay those of L-BFGS-B), polished
    by Newton steps if it stops with a gradient above ``GRADIENT_TOLERANCE``.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if scoring is not None:
            result = _bhhh(scoring, np.asarray(theta0, dtype="float64"), min(bounds, _FAR), tol * 1e2)
            if result.success:
                return result
        result = optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B",
                                   bounds=[(-bounds, bounds)] * len(theta0),
                                   options={"maxiter": max_iter, "ftol": tol * 1e-3, "gtol": tol * 1e2})
        if np.all(np.isfinite(result.x)) and np.isfinite(result.fun) and \
                np.max(np.abs(result.jac)) > GRADIENT_TOLERANCE:
            result = _newton(objective, result, bounds, tol * 1e2)
    return result


def _bhhh(scoring, theta0: np.ndarray, bounds: float, tolerance: float):
    """Newton-like steps with the BHHH matrix in place of the Hessian, until the gradient is within ``tolerance``.

    Berndt, Hall, Hall & Hausman (1974), "Estimation and inference in nonlinear structural models", *Annals of
    Economic and Social Measurement* 3(4), 653-665. The log-likelihood is a sum over independent customers, and
    the outer products of their score vectors, Σ_i n_i g_i g_i' / N, estimate the information (at the true
    parameters the two agree in expectation): a matrix that is positive semi-definite everywhere, costs no
    evaluation beyond the gradient's, and makes each step a descent direction that, near the maximum, goes
    nearly as far as Newton's. On data the model fits it converges in 10-16 evaluations where L-BFGS-B takes
    20-40 (``benchmarks/RESULTS.md``, covariate models). Each step is capped at e^2 in one parameter (longer
    steps reach where α and β are far apart and the Pareto/NBD integral needs quadrature) and
    halved until it lowers the objective (Armijo). The matrix is the Hessian only where the model fits the data:
    on real data (CDNOW) the steps shrink the gradient by about half each, so once the gradient is below 1e-2 and
    two steps in a row shrank it less than 0.3-fold, BFGS finishes from there, started with the BHHH matrix as its
    curvature (:func:`_bfgs_to_stationary`). The steps stop — and L-BFGS-B takes over (:func:`minimise`)
    — where a step would leave the box |θ| <= ``bounds``, no halving lowers the objective, or ``_BHHH_STEPS``
    steps have not converged (the matrix far from the Hessian: a model far from the data). :func:`minimise`
    keeps the steps inside |θ| < ``_FAR``, where interior estimates are trusted: beyond lie the limits of the
    model, and there L-BFGS-B climbs from the start, its path to them unchanged.
    """
    x = theta0.copy()
    value, gradient, matrix = scoring(x)
    converged, slow = False, 0
    for _ in range(_BHHH_STEPS):
        if not (np.isfinite(value) and np.all(np.isfinite(gradient)) and np.all(np.isfinite(matrix))):
            break
        converged = bool(np.max(np.abs(gradient)) <= tolerance)
        if converged:
            break
        if slow >= 2:  # near the maximum, yet each step shrinks the gradient less than 0.3-fold: BFGS finishes
            finish = _bfgs_to_stationary(lambda point: scoring(point)[:2], x, matrix, tolerance, _BHHH_STEPS, bounds)
            if finish is not None:
                x, converged = finish, True
                value, gradient, _ = scoring(x)
            break
        eigenvalues, vectors = np.linalg.eigh(matrix)
        scale = np.maximum(eigenvalues, 1e-8 * max(eigenvalues[-1], 1e-300))
        step = -vectors @ ((vectors.T @ gradient) / scale)
        step *= min(1.0, 2.0 / max(np.max(np.abs(step)), 1e-300))
        if np.any(np.abs(x + step) > bounds):
            break
        slope = float(gradient @ step)
        for _ in range(_HALVINGS):
            trial = scoring(x + step)
            if np.isfinite(trial[0]) and trial[0] <= value + 1e-4 * slope:
                break
            step /= 2
        else:
            break
        x = x + step
        previous = np.max(np.abs(gradient))
        value, gradient, matrix = trial
        slow = slow + 1 if _SLOW * previous < np.max(np.abs(gradient)) < 1e-2 else 0
    return optimize.OptimizeResult(x=x, fun=value, jac=gradient, success=converged,
                                   message="BHHH steps reached the gradient tolerance" if converged else
                                   "BHHH steps stopped short of the gradient tolerance", nit=0)


class _Reached(Exception):  # noqa: N818 - a signal, not an error
    """Raised by :func:`_bfgs_to_stationary`'s objective at the first point within the tolerance (theta), or outside
    the box (None)."""

    def __init__(self, theta: np.ndarray | None):
        super().__init__()
        self.theta = theta


def _bfgs_to_stationary(objective, theta: np.ndarray, curvature: np.ndarray, tolerance: float, max_iter: int,
                        bounds: float = LOG_BOUND) -> np.ndarray | None:
    """BFGS from ``theta`` started with the inverse of ``curvature``; the first point it evaluates whose gradient is
    within ``tolerance``, or None if it leaves |θ| < ``bounds`` or does not get there in ``max_iter`` iterations.

    Stopping at the first such point matters: there the log-likelihood is flat to the rounding of its sum, so
    BFGS's line search, which compares values, would only spend evaluations on rounding noise.
    """
    inverse = _well_conditioned_inverse(curvature)
    if inverse is None:
        return None

    def until_stationary(point):
        if not np.all(np.abs(point) < bounds):
            raise _Reached(None)
        value, gradient = objective(point)
        if np.max(np.abs(gradient)) < tolerance:
            raise _Reached(point.copy())
        return value, gradient

    try:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            optimize.minimize(until_stationary, theta, jac=True, method="BFGS",
                              options={"gtol": tolerance, "maxiter": max_iter, "hess_inv0": inverse})
    except _Reached as reached:
        return reached.theta
    return None


def _well_conditioned_inverse(curvature: np.ndarray) -> np.ndarray | None:
    """The inverse of ``curvature``, exactly symmetric, if ``curvature`` is positive definite with a condition number
    of at most 1/``_CONDITION_FLOOR``; None otherwise.

    A curvature that is singular to rounding — at a limit of the model the log-likelihood is flat along the
    parameters that go there, e.g. a BG/NBD's a and b when nobody seems to drop out (eigenvalues 1e-34 of 0.7) —
    has no usable inverse: what ``np.linalg.inv`` returns is rounding noise, which may be indefinite. From the
    eigenvalues λ_k and vectors v_k, Σ_k v_k v_k' / λ_k has a condition number equal to the curvature's, so its
    Cholesky factor exists whichever triangle LAPACK takes (SciPy checks ``hess_inv0`` that way).
    """
    if not np.all(np.isfinite(curvature)):
        return None
    try:
        eigenvalues, vectors = np.linalg.eigh((curvature + curvature.T) / 2)
    except np.linalg.LinAlgError:
        return None
    if not eigenvalues[0] > _CONDITION_FLOOR * eigenvalues[-1] > 0:
        return None
    inverse = (vectors / eigenvalues) @ vectors.T
    return (inverse + inverse.T) / 2


def _newton(objective, result, bounds: float, tolerance: float):
    """Newton steps from ``result.x`` with a forward-difference Hessian of the analytic gradient.

    Eigenvalues of the Hessian are replaced by their absolute values (floored at 1e-8 of the largest),
    which keeps every step a descent direction at saddle points and on flat ridges; each step is
    halved until it lowers the objective (Armijo's condition), and kept inside the box.
    """
    x, value, gradient = result.x.copy(), float(result.fun), np.asarray(result.jac, dtype="float64")
    for _ in range(_NEWTON_STEPS):
        if np.max(np.abs(gradient)) <= tolerance:
            break
        hessian = _forward_hessian(objective, x, gradient)
        if not np.all(np.isfinite(hessian)):
            break
        eigenvalues, vectors = np.linalg.eigh(hessian)
        scale = np.maximum(np.abs(eigenvalues), 1e-8 * max(np.max(np.abs(eigenvalues)), 1e-300))
        step = -vectors @ ((vectors.T @ gradient) / scale)
        step *= min(1.0, 5.0 / max(np.max(np.abs(step)), 1e-300))  # at most e^5 in one parameter at a time
        slope = float(gradient @ step)
        for _ in range(_HALVINGS):
            trial = np.clip(x + step, -bounds, bounds)
            trial_value, trial_gradient = objective(trial)
            if np.isfinite(trial_value) and trial_value <= value + 1e-4 * slope:
                break
            step /= 2
        else:  # no step of 2^-20 of Newton's lowers the objective: the rounding of its sum is reached
            break
        if np.array_equal(trial, x):
            break
        x, value, gradient = trial, float(trial_value), np.asarray(trial_gradient, dtype="float64")
    converged = bool(np.max(np.abs(gradient)) <= tolerance)
    message = "Newton polish reached the gradient tolerance" if converged else result.message
    return optimize.OptimizeResult(x=x, fun=value, jac=gradient, success=converged or result.success,
                                   message=message, nit=result.nit)


def _forward_hessian(objective, x: np.ndarray, gradient: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Forward differences of the analytic gradient, symmetrised."""
    shifted = [objective(x + step * unit)[1] for unit in np.eye(len(x))]
    hessian = (np.column_stack(shifted) - gradient[:, None]) / step
    return (hessian + hessian.T) / 2


class Direct:
    """L-BFGS-B with the analytic gradient on all rows, Newton-polished (see the module docstring)."""

    name = "direct"

    def maximise(self, model, data, theta0: np.ndarray, tol: float | None = None) -> np.ndarray:
        """The maximum from ``theta0``, to the model's tolerance (or ``tol``: see :class:`TwoStage`)."""
        result = minimise(model._objective(data), theta0, max_iter=model.max_iter,
                          tol=model.tol if tol is None else tol,
                          scoring=model._objective(data, outer=True) if model.bhhh_steps else None)
        try:
            model._check_optimum(result)
        except ConvergenceError as error:
            error.theta = result.x  # where the fit stopped: the limits to look at (see maximise)
            raise
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
        smaller = stand_in(model, data)
        if smaller is None:
            return direct.maximise(model, data, theta0)
        try:
            theta_first = direct.maximise(model, smaller, theta0, tol=max(model.tol, _FIRST_STAGE_TOL))
            curvature = model._hessian(theta_first, smaller) / smaller.n_customers
        except ConvergenceError:
            return direct.maximise(model, data, theta0)
        theta = self._warm(model, data, theta_first, curvature + model._penalty_curvature(theta_first))
        return theta if theta is not None else direct.maximise(model, data, theta_first)

    def _warm(self, model, data, theta: np.ndarray, curvature: np.ndarray) -> np.ndarray | None:
        """BFGS from ``theta`` started with the inverse of ``curvature`` (:func:`_bfgs_to_stationary`)."""
        return _bfgs_to_stationary(model._objective(data), theta, curvature, model.tol * 1e2, self.warm_iterations)

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


# ------------------------------------------------------------------------------------------------ limits
_PAIR = {"concentrate": "{0}, {1} → ∞", "vanish": "{0} = 1, {1} → ∞", "saturate": "{0} → ∞, {1} = 1",
         "polarise": "{0}, {1} → 0"}


@dataclass(frozen=True)
class Boundary:
    """A pair of parameters of one mixing distribution that can run off while the likelihood converges.

    Each field describes one limit, or is None where that limit is not a model: ``concentrate``, both
    grow with their ratio fixed (the distribution collapses on its mean); ``vanish``, the first stays at
    1 and the second grows (all mass at 0); ``saturate``, the reverse (a Beta's mass at 1);
    ``polarise``, both shrink with their ratio fixed (a Beta's mass split between 0 and 1). The texts
    may use ``{ratio}`` (first/second: a Gamma's mean) and ``{share}`` (first/(first + second): a Beta's
    mean, or at ``polarise`` the mass at 1).
    """

    names: tuple[str, str]
    concentrate: str | None
    vanish: str | None = None
    saturate: str | None = None
    polarise: str | None = None

    def moves(self) -> tuple[str, ...]:
        return tuple(move for move in _PAIR if getattr(self, move) is not None)


@dataclass(frozen=True)
class Estimate:
    """A maximum of the likelihood: θ, the observed information in the free coordinates, and the limit, if any.

    For an interior estimate the free coordinates are θ itself. At a limit they are the parameters
    outside the collapsed pairs and the log-ratio of each pair that keeps one; ``free`` marks the
    components of θ that are free coordinates (the others are fixed by the limit), ``limit`` describes it.
    """

    theta: np.ndarray
    information: np.ndarray
    free: np.ndarray
    limit: str | None = None
    #: The unit of each free coordinate the information is in (θ̃ = units·θ; None: θ's own), so that it is
    #: inverted where it was climbed, its condition that of the problem and not of the covariates' units.
    units: np.ndarray | None = None


@dataclass(frozen=True)
class _Limit:
    """One combination of boundary moves, as a map from reduced coordinates φ to θ."""

    moves: tuple[tuple[int, int, str, Boundary], ...]  # (index of first, index of second, move, boundary)
    n_params: int

    def free(self) -> np.ndarray:
        free = np.ones(self.n_params, dtype=bool)
        for i, j, _, _ in self.moves:
            free[[i, j]] = False
        return free

    def reduce(self, theta: np.ndarray) -> np.ndarray:
        ratios = [np.clip(theta[i] - theta[j], -20.0, 20.0) for i, j, move, _ in self.moves
                  if move in ("concentrate", "polarise")]
        return np.concatenate([np.clip(theta[self.free()], -20.0, 20.0), ratios])

    def expand(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """θ(φ) and the Jacobian ∂θ/∂φ."""
        free = self.free()
        theta, jacobian = np.empty(self.n_params), np.zeros((self.n_params, len(phi)))
        theta[free] = phi[:free.sum()]
        jacobian[np.flatnonzero(free), np.arange(free.sum())] = 1.0
        column = free.sum()
        for i, j, move, _ in self.moves:
            if move in ("vanish", "saturate"):
                theta[i], theta[j] = (0.0, LIMIT_SCALE) if move == "vanish" else (LIMIT_SCALE, 0.0)
                continue
            rho, level = phi[column], LIMIT_SCALE if move == "concentrate" else -LIMIT_SCALE
            # e^θi + e^θj = e^±LIMIT_SCALE with θi - θj = ρ
            theta[i], theta[j] = level - np.logaddexp(0.0, -rho), level - np.logaddexp(0.0, rho)
            jacobian[i, column], jacobian[j, column] = special.expit(-rho), -special.expit(rho)
            column += 1
        return theta, jacobian

    def describe(self, theta: np.ndarray, names: tuple[str, ...]) -> str:
        parts = []
        for i, j, move, boundary in self.moves:
            first, second = np.exp(theta[i]), np.exp(theta[j])
            text = getattr(boundary, move).format(ratio=first / second, share=first / (first + second))
            parts.append(f"{text} ({_PAIR[move].format(names[i], names[j])})")
        return "; ".join(parts)


def _limits(model, active: frozenset[int]) -> list[_Limit]:
    """Every combination of moves of the boundaries in ``active`` (indices into model.boundaries) but staying put."""
    index = {name: k for k, name in enumerate(model.theta_names)}
    options = [[None, *((index[b.names[0]], index[b.names[1]], move, b) for move in b.moves())]
               for k, b in enumerate(model.boundaries) if k in active]
    return [_Limit(tuple(m for m in combo if m is not None), len(model.theta_names))
            for combo in itertools.product(*options) if any(m is not None for m in combo)]


def _runaway(model, theta: np.ndarray | None) -> frozenset[int]:
    """The boundaries with a parameter beyond e^±12 in ``theta``; all of them if there are none, or no θ."""
    if theta is None or not np.all(np.isfinite(theta)):
        return frozenset(range(len(model.boundaries)))
    far = {name for name, value in zip(model.theta_names, theta, strict=True) if abs(value) >= _FAR}
    return frozenset(k for k, b in enumerate(model.boundaries) if far & set(b.names)) or \
        frozenset(range(len(model.boundaries)))


def maximise(model, data, theta0: np.ndarray) -> Estimate:
    """The maximum-likelihood estimate (:func:`_highest_maximum`), climbed with each covariate coefficient in the
    unit of its covariate's magnitude (``model._climbing_units(data)``, :class:`_InUnits`) and reported per unit
    of the covariate: a covariate in millions or in millionths is fitted as one of order 1 is."""
    units = model._climbing_units(data)
    if np.all(units == 1.0):
        return _highest_maximum(model, data, theta0)
    in_units = _InUnits(model, units)
    try:
        estimate = _highest_maximum(in_units, data, np.asarray(theta0, dtype="float64") * units)
    except ConvergenceError as error:
        if getattr(error, "theta", None) is not None:
            error.theta = error.theta / units
        raise
    return in_units.estimate_per_unit(estimate)


class _InUnits:
    """``model`` seen in the coordinates θ̃ = c·θ (c: ``units``, one per component of θ).

    ℓ̃(θ̃) = ℓ(θ̃/c), so the gradient is ∇ℓ/c and the curvatures (information, BHHH matrix, penalty) are
    C⁻¹ M C⁻¹; starts and points are multiplied by c on the way in and divided on the way out. Everything else
    (names, limits, settings, stand-in) is the model's own: the log-parameters keep the unit 1, so the limits,
    which pair log-parameters, are the same in both coordinates.
    """

    def __init__(self, model, units: np.ndarray):
        self._model, self._units, self._squares = model, units, np.outer(units, units)

    def __getattr__(self, name):
        return getattr(self._model, name)

    def _in_units(self, value, gradient, *matrices) -> tuple:
        """A value, its gradient and curvatures in θ, in θ̃."""
        return (value, gradient / self._units, *(matrix / self._squares for matrix in matrices))

    def _objective(self, data, outer: bool = False):
        objective = self._model._objective(data, outer)
        return lambda theta: self._in_units(*objective(theta / self._units))

    def _weighted_log_likelihood(self, theta, data, outer: bool = False):
        return self._in_units(*self._model._weighted_log_likelihood(theta / self._units, data, outer))

    def _hessian(self, theta, data):
        return self._model._hessian(theta / self._units, data) / self._squares

    def _penalty_curvature(self, theta):
        return self._model._penalty_curvature(theta / self._units) / self._squares

    def _natural(self, theta):
        return self._model._natural(theta / self._units)

    def _coefficient_values(self, theta):
        return self._model._coefficient_values(theta / self._units)

    def _alternative_starts(self, data, coefficients=None):
        return [start * self._units for start in self._model._alternative_starts(data, coefficients)]

    def estimate_per_unit(self, estimate: Estimate) -> Estimate:
        """``estimate`` at the model's θ = θ̃/c, its information left in climbing units, which it names for its
        free coordinates (the free components of θ, then the log-ratios of a limit's pairs, whose unit is 1)."""
        units = np.concatenate([self._units[estimate.free],
                                np.ones(len(estimate.information) - int(estimate.free.sum()))])
        return Estimate(estimate.theta / self._units, estimate.information, estimate.free, estimate.limit, units)


def _highest_maximum(model, data, theta0: np.ndarray) -> Estimate:
    """The maximum-likelihood estimate: the highest maximum climbed to from ``theta0`` and the model's other starts.

    From ``theta0``, :func:`_climb` finds the strategy's interior maximum or the best limit. The
    likelihood of a mixture model can have several maxima (BG/NBD's in (a, b): one with a dropout
    probability low for most customers, one with p U-shaped, near 0 or 1), and a climb finds the one
    whose basin it starts in; so each model names starts in its other basins
    (``model._alternative_starts(data)``). Each is climbed on cheap data — the stand-in of the
    two-stage strategy where there is one, else all rows (:func:`_promising`) — and only a start that
    ends above the first estimate there is climbed on all rows, as the first was. The highest
    log-likelihood wins (the first estimate on a tie); only its warning, if it is a limit, is given. A
    ConvergenceError is raised only if no start gives an answer: the first start's, or — where that
    one found the likelihood rising beyond every limit — an answer must rise above the point it
    reached.
    """
    try:
        best, failure = _climb(model, data, theta0), None
    except ConvergenceError as error:
        best, failure = None, error
    floor = getattr(failure, "log_likelihood", -np.inf)
    for start in _promising(model, data, best):
        try:
            estimate = _climb(model, data, start)
        except ConvergenceError:
            continue
        level = floor if best is None else _score(model, data, best.theta)
        if _score(model, data, estimate.theta) > _above(level):
            best = estimate
    if best is None:
        raise failure
    if best.limit is not None:
        warnings.warn(f"{model.model_name}: the likelihood is highest on the boundary of the parameter space, where "
                      f"{best.limit}. The estimate is that limiting model: its parameters are reported at e^±"
                      f"{LIMIT_SCALE:.0f}, where every prediction equals the limit's, and their standard errors are "
                      "infinite.", CrmlabWarning, stacklevel=4)
    return best


def _promising(model, data, incumbent: Estimate | None) -> list[np.ndarray]:
    """The model's alternative starts whose climb ends above ``incumbent``, as the points they reached, best first.

    Each start is climbed by :func:`minimise` on the screening data — the strategy's stand-in when it
    has one (all customers on rounded rows, or a subsample: the maxima are where they are on all rows,
    at a fraction of the cost), else all rows — and compared with the incumbent's value there. A climb
    that comes within ``_SAME_MAXIMUM`` of the incumbent in every log-parameter is going to the same
    maximum and is stopped there (that saves about half of its evaluations); points within 1e-3 of a
    better one are the same climb and dropped.
    """
    starts = model._alternative_starts(data, None if incumbent is None else
                                       model._coefficient_values(incumbent.theta))
    if not starts:
        return []
    screen = stand_in(model, data) if isinstance(fit_strategy(model.strategy), TwoStage) else None
    screen = data if screen is None else screen
    objective = model._objective(screen)
    scoring = model._objective(screen, outer=True) if model.bhhh_steps else None
    level = -np.inf if incumbent is None else -float(objective(incumbent.theta)[0])
    threshold = _above(level * screen.n_customers) / screen.n_customers if np.isfinite(level) else -np.inf

    def watch(function):
        def watched(theta):
            if incumbent is not None and np.max(np.abs(theta - incumbent.theta)) < _SAME_MAXIMUM:
                raise _Stationary(theta)
            return function(theta)
        return watched

    reached = []
    for start in starts:
        try:
            result = minimise(watch(objective), start, max_iter=model.max_iter, tol=model.tol,
                              scoring=watch(scoring) if scoring else None)
        except _Stationary:
            continue
        if np.all(np.isfinite(result.x)) and np.isfinite(result.fun) and -result.fun > threshold:
            reached.append((-float(result.fun), result.x))
    points: list[np.ndarray] = []
    for _, point in sorted(reached, key=lambda item: -item[0]):
        if all(np.max(np.abs(point - other)) > 1e-3 for other in points):
            points.append(point)
    return points


def stand_in(model, data):
    """``model._stand_in(data)``, computed once per data: the two-stage strategy and the screening of starts use it."""
    if "stand_in" not in data.cache:
        data.cache["stand_in"] = model._stand_in(data)
    return data.cache["stand_in"]


def _score(model, data, theta: np.ndarray) -> float:
    """The (penalised) log-likelihood of all customers at ``theta``: what the starts compete on."""
    return -float(model._objective(data)(theta)[0]) * data.n_customers


def _climb(model, data, theta0: np.ndarray) -> Estimate:
    """The maximum found from ``theta0``: the strategy's interior maximum, or the model's best limit.

    Limits are tried when the strategy finds no interior maximum (a ConvergenceError, or an
    information matrix that is not positive definite) or finds one far out (:class:`_Search`). The
    candidate with the highest log-likelihood wins, the interior one on a tie — provided it beats every
    point a fit ran off to: if one of those is higher, the likelihood rises towards a boundary no
    parameters represent (in Pareto/NBD, s, β → 0 together: a share of the customers die at once and
    the others never), and a ConvergenceError says where (its ``log_likelihood`` is that point's). If
    nothing qualifies, the strategy's ConvergenceError is raised, naming the limits tried.
    """

    try:
        theta, failure = fit_strategy(model.strategy).maximise(model, data, theta0), None
    except ConvergenceError as error:
        theta, failure = getattr(error, "theta", None), error
    search = _Search(model, data)
    if failure is None:
        information = model._hessian(theta, data)
        if _positive_definite(information):
            interior = Estimate(theta, information, np.ones(len(theta), dtype=bool))
            if np.all(np.abs(theta) < _FAR) or not model.boundaries or model.penalizer:
                return interior
            search.add(interior)
        else:
            failure = ConvergenceError(
                f"{model.model_name} fit stopped where the observed information matrix is not positive definite "
                "(a saddle point or a flat ridge of the likelihood), so its standard errors do not exist. "
                f"Try other initial_params=, a small penalizer=, or {model.convergence_hint}.")
    if theta is not None and failure is not None:
        search.reached.append(theta)
    if model.boundaries and not model.penalizer:
        start = theta if theta is not None and np.all(np.isfinite(theta)) else theta0
        search.limits(_runaway(model, theta), start)
        search.restart()
        beyond = search.beyond()
        if beyond is not None or not search.candidates:  # once more: every limit, from the highest point reached
            search.limits(frozenset(range(len(model.boundaries))), start if beyond is None else beyond[1])
            search.restart()
    beyond = search.beyond()
    if beyond is not None and search.candidates:
        value, point = beyond
        natural = model._natural(point)
        far = ", ".join(f"{n} → {v:.3g}" for n, v, k in zip(model.theta_names, natural, point, strict=True)
                        if abs(k) >= _FAR)
        rest = ", ".join(f"{n} = {v:.4g}" for n, v, k in zip(model.theta_names, natural, point, strict=True)
                         if abs(k) < _FAR)
        error = ConvergenceError(
            f"{model.model_name}: the likelihood rises towards the edge of the parameter space ({far}, with {rest}; "
            f"log-likelihood {value:,.4f} there), beyond every limit the model can represent (the best reaches "
            f"{search.best_value():,.4f}): no finite parameters describe these data. Try a small penalizer= "
            f"(e.g. 0.001), or {model.convergence_hint}.")
        error.log_likelihood = value
        raise error from failure
    if not search.candidates:
        names = "; ".join(dict.fromkeys(" and ".join(_PAIR[m[2]].format(model.theta_names[m[0]],
                                                                         model.theta_names[m[1]]) for m in limit.moves)
                                        for limit, _ in search.tried))
        tried_text = f" No limit of the model fits either (tried: {names})." if names else ""
        error = ConvergenceError(f"{failure}{tried_text}")
        error.theta = theta  # where the strategy stopped (the model may say more about it)
        raise error from failure
    return max(search.candidates, key=lambda candidate: candidate[0])[1]  # max keeps the first on a tie


class _Search:
    """The search for the maximum among a model's limits: candidates found, points reached, limits tried.

    :meth:`limits` fits the limits of the boundary pairs in ``active`` — those whose parameters ran off
    (every pair when none did) — from a start; a limit whose own fit runs off in another pair, still above
    every candidate, brings that pair's limits in too. :meth:`restart` refits from the best limit pulled
    back inside. :meth:`beyond` is the highest point any fit ran off to, if it beats every candidate.
    """

    def __init__(self, model, data):
        self.model, self.data = model, data
        self.candidates: list[tuple[float, Estimate]] = []
        self.reached: list[np.ndarray] = []
        self.tried: list[tuple[_Limit, bytes]] = []

    def add(self, estimate: Estimate) -> None:
        self.candidates.append((_log_likelihood(self.model, self.data, estimate.theta), estimate))

    def best_value(self) -> float:
        return max((value for value, _ in self.candidates), default=-np.inf)

    def beyond(self) -> tuple[float, np.ndarray] | None:
        highest = _highest(self.model, self.data, self.reached)
        return highest if highest is not None and highest[0] > _above(self.best_value()) else None

    def limits(self, active: frozenset[int], start: np.ndarray) -> None:
        pending = [active]
        while pending:
            active = pending.pop()
            for limit in _limits(self.model, active):
                if (limit, start.tobytes()) in self.tried:
                    continue
                self.tried.append((limit, start.tobytes()))
                estimate, stopped = _fit_limit(self.model, self.data, limit, start)
                if estimate is not None:
                    self.add(estimate)
                    continue
                if stopped is None:
                    continue
                self.reached.append(stopped)
                more = _runaway(self.model, stopped) - active
                if more and _log_likelihood(self.model, self.data, stopped) > self.best_value():
                    pending.append(active | more)

    def restart(self) -> None:
        """Refit from the best limit pulled back inside.

        A limit wins where the likelihood rises all the way to the boundary — or where the strategy,
        started far from a maximum, never found it, and the limits were fitted from where it stopped.
        Each collapsed pair is pulled back to e^±5 (a concentrated pair keeping its ratio, a vanished one
        with its second parameter at e^5) and the fit restarted there. An interior maximum that beats the
        limit is a candidate; a restart that runs off again, past the limit, is a start for the limits of
        where it went.
        """
        if not self.candidates:
            return
        best_value, best = max(self.candidates, key=lambda candidate: candidate[0])
        if best.limit is None:
            return
        model, start = self.model, best.theta.copy()
        index = {name: k for k, name in enumerate(model.theta_names)}
        for boundary in model.boundaries:
            i, j = index[boundary.names[0]], index[boundary.names[1]]
            if best.free[i]:
                continue
            if min(start[i], start[j]) <= -LIMIT_SCALE + 1:  # polarised: both tiny
                start[[i, j]] += LIMIT_SCALE - 5.0
            elif abs(start[i]) < 1 or abs(start[j]) < 1:  # vanished or saturated: one at 1, the other huge
                start[[i, j]] = np.where(np.abs(start[[i, j]]) < 1, 0.0, 5.0)
            else:  # concentrated
                start[[i, j]] -= LIMIT_SCALE - 5.0
        result = minimise(model._objective(self.data), start, max_iter=model.max_iter, tol=model.tol)
        if not np.all(np.isfinite(result.x)):
            return
        if np.all(np.abs(result.x) < _FAR) and np.max(np.abs(result.jac)) <= GRADIENT_TOLERANCE:
            information = model._hessian(result.x, self.data)
            if _log_likelihood(model, self.data, result.x) > _above(best_value) and _positive_definite(information):
                self.add(Estimate(result.x, information, np.ones(len(result.x), dtype=bool)))
            return
        if _log_likelihood(model, self.data, result.x) > _above(best_value):  # it climbed past the best limit
            self.reached.append(result.x)
            self.limits(_runaway(model, result.x), result.x)


def _highest(model, data, points: list) -> tuple[float, np.ndarray] | None:
    """The point of ``points`` with the highest log-likelihood (and that log-likelihood), or None."""
    values = [(_log_likelihood(model, data, point), point) for point in points
              if point is not None and np.all(np.isfinite(point))]
    values = [(value, point) for value, point in values if np.isfinite(value)]
    return max(values, key=lambda item: item[0]) if values else None


def _fit_limit(model, data, limit: _Limit, start: np.ndarray) -> tuple[Estimate | None, np.ndarray | None]:
    """The maximum of the likelihood on ``limit`` (an interior maximum in its reduced coordinates) or None, and
    the θ where its fit stopped."""
    objective = model._objective(data)

    def reduced(phi):
        theta, jacobian = limit.expand(phi)
        value, gradient = objective(theta)
        return value, jacobian.T @ gradient

    phi0 = limit.reduce(start)
    if phi0.size == 0:  # nothing left to fit: the limit is one point
        result = optimize.OptimizeResult(x=phi0, fun=reduced(phi0)[0], jac=np.zeros(0), success=True)
    else:
        result = minimise(reduced, phi0, max_iter=model.max_iter, tol=model.tol)
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        return None, None
    stopped, _ = limit.expand(result.x)
    if np.any(np.abs(result.x) >= LOG_BOUND - 1e-6) or (result.x.size and np.max(np.abs(result.jac)) >
                                                           GRADIENT_TOLERANCE):
        return None, stopped
    information = _forward_hessian(reduced, result.x, result.jac) * data.n_customers if result.x.size else \
        np.zeros((0, 0))
    if result.x.size and not _positive_definite(information):
        return None, stopped
    return Estimate(stopped, information, limit.free(), limit.describe(stopped, model.theta_names)), stopped


def _log_likelihood(model, data, theta: np.ndarray) -> float:
    return float(model._weighted_log_likelihood(theta, data)[0])


def _above(log_likelihood: float) -> float:
    """The least log-likelihood that counts as higher than ``log_likelihood``: by 1e-6 (a likelihood ratio of
    1 + 1e-6, far below any test's resolution) plus the rounding of sums over millions of customers."""
    return log_likelihood + 1e-6 + 1e-12 * abs(log_likelihood)


def _positive_definite(matrix: np.ndarray) -> bool:
    """Whether ``matrix`` is positive definite with a condition number below 1e12, so that its inverse (the
    covariance of the estimate) is trustworthy."""
    if not np.all(np.isfinite(matrix)):
        return False
    try:
        eigenvalues = np.linalg.eigvalsh(matrix)
    except np.linalg.LinAlgError:
        return False
    return bool(eigenvalues[0] > 1e-12 * max(eigenvalues[-1], 0.0))

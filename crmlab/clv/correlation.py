"""Correlated purchase and dropout rates in the Pareto/NBD model: the Sarmanov family (CLVTools' ``use.cor``).

The Pareto/NBD model draws each customer's purchase rate λ ~ Gamma(r, α) and dropout rate μ ~ Gamma(s, β)
independently. CLVTools (``pnbd(use.cor = TRUE)``) lets them depend on each other through Sarmanov's
(1966) bivariate family with the kernel e^{-x} (Lee 1996; used for purchase timings by Park & Fader 2004),
which keeps both gamma marginals:

.. math::
    f(λ, μ) = g(λ; r, α)\\, h(μ; s, β)\\, \\big[1 + ω\\,(e^{-λ} - L_A)(e^{-μ} - L_B)\\big],
    \\qquad L_A = E[e^{-λ}] = \\Big(\\frac{α}{α+1}\\Big)^r,\\ L_B = \\Big(\\frac{β}{β+1}\\Big)^s .

Because g(λ; r, α) e^{-λ} = L_A g(λ; r, α + 1), every integral against f is four integrals against
independent gamma mixtures, with α or β raised by one. With κ = ω L_A L_B and L_jk a customer's plain
Pareto/NBD likelihood at (r, α + j, s, β + k),

.. math::
    L = L_{00} + κ\\,(L_{00} + L_{11} - L_{10} - L_{01}),

exactly (CLVTools' ``interlayer_correlation``, whose ``param.m`` is ω), and the same holds for every
expectation given a customer's history: P(alive), expected purchases, their distribution and DERT are
the four plain models' predictions mixed with the signed weights (1 + κ)L_00, −κL_10, −κL_01, κL_11,
divided by L. A customer just acquired (L_jk = 1) mixes them with 1 + κ, −κ, −κ, κ.

f is a density only while 1 + ω φ_A φ_B ≥ 0 for all rates, φ_A = e^{-λ} − L_A ∈ (−L_A, 1 − L_A]:
with the odds o_A = L_A/(1 − L_A), o_B = L_B/(1 − L_B), κ ∈ [−min(1, o_A o_B), min(o_A, o_B)] (CLVTools'
bounds on m, times L_A L_B). The fit keeps κ inside by estimating η, κ = κ_low + (κ_high − κ_low)·σ(η)
(σ the logistic function), so θ stays unconstrained and the gradient analytic; the parameters report
the correlation of the two rates, which is what one can read,

.. math::
    ρ = \\operatorname{Cor}(λ, μ) = κ \\frac{\\sqrt{rs}}{(1+α)(1+β)}

(CLVTools' "Cor(life,trans)"), with its standard error by the delta method through the full Jacobian of
(r, α, s, β, ρ) in θ. The family allows only weak correlations where purchases and dropouts are rare
per time unit (α and β large: on CDNOW in weeks, ρ ∈ [−0.004, 0.077]) — a property of the model, not
of the fit — and, since the kernel e^{-λ} reads λ per time unit, the model (not only its parameters)
depends on the time unit: the same data in weeks and in days are two different correlated models.

Where the likelihood is highest on a bound of κ (the data want a stronger dependence than the family
can express there), the estimate is that constrained maximum: κ on its bound, the other parameters
estimated with it (their covariance that along the bound), ρ reported at the bound with an infinite
standard error and ``limit_`` saying so, with a :class:`~crmlab.errors.CrmlabWarning` (as every
model's boundary maxima are reported, :mod:`crmlab.clv.fitting`). The fit climbs from the plain
model's estimate (κ = 0) by SLSQP under the four bounds, in which they are smooth.

With covariates (CLVTools' static covariates), λ = λ₀ e^{γ'z} and μ = μ₀ e^{δ'z}, and the Sarmanov
family joins the baseline rates λ₀ ~ Gamma(r, α) and μ₀ ~ Gamma(s, β): the shift by one applies to the
baseline α and β, α_i = (α + j) e^{−γ'z_i}, which is what CLVTools computes; ρ is then the correlation
within customers of equal covariates.

Sarmanov, O.V. (1966), "Generalized normal correlation and two-dimensional Fréchet classes", *Soviet
Mathematics Doklady* 7, 596-599. Lee, M.-L.T. (1996), "Properties and applications of the Sarmanov family
of bivariate distributions", *Communications in Statistics — Theory and Methods* 25(6), 1207-1222.
Park, Y.-H., Fader, P.S. (2004), "Modeling browsing behavior at multiple websites", *Marketing Science*
23(3), 280-303. Meierer, M., Bachmann, P., Naef, J. et al., CLVTools (R package), ``interlayer_correlation``.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

from ..errors import ConvergenceError, CrmlabWarning
from . import fitting
from .fitting import LIMIT_SCALE, LOG_BOUND

__all__ = ["SarmanovCorrelation", "correlation_bounds"]

#: (j, k): the component with α + j and β + k
_COMPONENTS = ((0, 0), (1, 0), (0, 1), (1, 1))
_FAR = 12.0  # |η| beyond this (κ within 6e-6 of its range's end) is an edge of the family, not an interior estimate
_EDGE = 1e-6  # κ this close to an end of its range, as a share of the range, is on the bound
_SIGNS = np.array([1.0, -1.0, -1.0, 1.0])  # of κ in each component's weight; the first also carries 1


def _laplace_logs(r, alpha, s, beta):
    """log L_A, log L_B and their derivatives in (log r, log α, log s, log β) (4-vectors)."""
    log_a, log_b = -r * np.log1p(1.0 / alpha), -s * np.log1p(1.0 / beta)
    d_a = np.array([log_a, r / (alpha + 1.0), 0.0, 0.0])
    d_b = np.array([0.0, 0.0, log_b, s / (beta + 1.0)])
    return log_a, log_b, d_a, d_b


def _odds(r, alpha, s, beta):
    """The odds o_A = L_A/(1 − L_A), o_B = L_B/(1 − L_B) and their gradients in (log r, log α, log s, log β)
    (d o = o d log L / (1 − L))."""
    log_a, log_b, d_a, d_b = _laplace_logs(r, alpha, s, beta)
    odds_a, odds_b = 1.0 / np.expm1(-log_a), 1.0 / np.expm1(-log_b)
    return odds_a, odds_b, odds_a * d_a / -np.expm1(log_a), odds_b * d_b / -np.expm1(log_b)


def _kappa_range(r, alpha, s, beta):
    """κ_low = −min(1, o_A o_B), κ_high = min(o_A, o_B) and their gradients in (log r, log α, log s, log β)."""
    odds_a, odds_b, d_odds_a, d_odds_b = _odds(r, alpha, s, beta)
    product = odds_a * odds_b
    low = -min(1.0, product)
    d_low = -(odds_b * d_odds_a + odds_a * d_odds_b) if product < 1.0 else np.zeros(4)
    high = min(odds_a, odds_b)
    d_high = d_odds_a if odds_a < odds_b else d_odds_b
    return low, high, d_low, d_high


def _scale(r, alpha, s, beta):
    """c = √(rs)/((1+α)(1+β)), ρ = κc, and d log c in (log r, log α, log s, log β)."""
    c = np.sqrt(r * s) / ((1.0 + alpha) * (1.0 + beta))
    return c, np.array([0.5, -alpha / (1.0 + alpha), 0.5, -beta / (1.0 + beta)])


def correlation_bounds(r: float, alpha: float, s: float, beta: float) -> tuple[float, float]:
    """The range of Cor(λ, μ) the Sarmanov family allows at Pareto/NBD parameters (r, α, s, β)."""
    low, high, *_ = _kappa_range(r, alpha, s, beta)
    c, _ = _scale(r, alpha, s, beta)
    return low * c, high * c


def _kappa(params: np.ndarray, eta: float):
    """κ(θ) and its gradient in (log r, log α, log s, log β, η); ``params`` = (r, α, s, β)."""
    low, high, d_low, d_high = _kappa_range(*params)
    share = special.expit(eta)
    kappa = low + (high - low) * share
    gradient = np.append((1.0 - share) * d_low + share * d_high, (high - low) * share * (1.0 - share))
    return kappa, gradient


def _room(params: np.ndarray, kappa: float):
    """How far κ is inside each of the four bounds — o_A − κ, o_B − κ, κ + 1, κ + o_A o_B, all ≥ 0 for a
    density — and their gradients in (log r, log α, log s, log β, κ) (a 4 x 5 matrix)."""
    odds_a, odds_b, d_odds_a, d_odds_b = _odds(*params)
    room = np.array([odds_a - kappa, odds_b - kappa, kappa + 1.0, kappa + odds_a * odds_b])
    gradient = np.array([np.append(d_odds_a, -1.0), np.append(d_odds_b, -1.0), np.append(np.zeros(4), 1.0),
                         np.append(odds_b * d_odds_a + odds_a * d_odds_b, 1.0)])
    return room, gradient


class SarmanovCorrelation:
    """Mixin of :class:`~crmlab.clv.ParetoNBD`: with ``correlation=True`` the purchase and dropout rates are
    Sarmanov-correlated (module docstring). θ gains η (last); ``params_`` reports ρ = Cor(λ, μ) as
    ``correlation``; fitting, standard errors and every prediction account for it."""

    _CORRELATION = "correlation"

    @property
    def theta_names(self) -> tuple[str, ...]:
        names = super().theta_names
        return (*names, self._CORRELATION) if self.correlation else names

    @property
    def coefficient_names(self) -> tuple[str, ...]:
        return tuple(n for n in super().coefficient_names if n != self._CORRELATION)

    def _check_settings(self) -> None:
        super()._check_settings()
        if not isinstance(self.correlation, bool | np.bool_):
            raise TypeError(f"{self.model_name}: correlation must be True or False, got {self.correlation!r}")

    def _settings(self) -> dict:
        return {**super()._settings(), "correlation": bool(self.correlation)}

    # ------------------------------------------------------------------ θ and the natural parameters
    def _base_params(self, theta: np.ndarray) -> np.ndarray:
        return np.exp(theta[:len(self.param_names)])

    def _natural(self, theta: np.ndarray) -> np.ndarray:
        if not self.correlation:
            return super()._natural(theta)
        params = self._base_params(theta)
        kappa, _ = _kappa(params, theta[-1])
        return np.append(super()._natural(theta[:-1]), kappa * _scale(*params)[0])

    def _jacobian(self, theta: np.ndarray) -> np.ndarray:
        """Diagonal, but for the last row: dρ/dθ = c dκ/dθ + ρ d log c/dθ (dc/dη = 0)."""
        if not self.correlation:
            return super()._jacobian(theta)
        jacobian = np.zeros((len(theta), len(theta)))
        jacobian[:-1, :-1] = super()._jacobian(theta[:-1])
        params = self._base_params(theta)
        kappa, d_kappa = _kappa(params, theta[-1])
        c, d_log_c = _scale(*params)
        k = len(self.param_names)
        jacobian[-1, :k] = c * d_kappa[:k] + kappa * c * d_log_c
        jacobian[-1, -1] = c * d_kappa[-1]
        return jacobian

    def _theta_from_params(self, params: np.ndarray) -> np.ndarray:
        if not self.correlation:
            return super()._theta_from_params(params)
        model = params[:len(self.param_names)]
        low, high, *_ = _kappa_range(*model)
        return np.append(super()._theta_from_params(params[:-1]),
                         self._eta(model, (params[-1] / _scale(*model)[0] - low) / (high - low), params[-1]))

    def _eta(self, model: np.ndarray, share: float, correlation: float) -> float:
        """η of a position ``share`` in κ's range; an estimate at an edge is stored at η = ±LIMIT_SCALE, which
        rounding may cross."""
        edge = special.expit(-LIMIT_SCALE)
        share = float(np.clip(share, edge, 1.0 - edge)) if -1e-9 < share < 1.0 + 1e-9 else share
        if not 0.0 < share < 1.0:
            lowest, highest = correlation_bounds(*model)
            raise ValueError(f"{self.model_name}: a correlation of {correlation:.4g} is outside the range the Sarmanov "
                             f"family allows at r, alpha, s, beta = {', '.join(f'{v:.4g}' for v in model)}: "
                             f"({lowest:.4g}, {highest:.4g})")
        return float(special.logit(share))

    # ------------------------------------------------------------------ likelihood
    def _components(self, theta: np.ndarray) -> list[np.ndarray]:
        """θ of the four plain models: the baseline α and β raised by j and k."""
        alpha, beta = (self.param_names.index(name) for name in ("alpha", "beta"))
        parts = []
        for j, k in _COMPONENTS:
            shifted = theta.copy()
            shifted[alpha] = np.log(np.exp(theta[alpha]) + j)
            shifted[beta] = np.log(np.exp(theta[beta]) + k)
            parts.append(shifted)
        return parts

    def _log_likelihood(self, log_params, data):
        """ℓ per row and its gradient in θ = (…, η), from :meth:`_log_likelihood_given` by the chain rule."""
        if not self.correlation:
            return super()._log_likelihood(log_params, data)
        theta, eta = log_params[:-1], log_params[-1]
        kappa, d_kappa = _kappa(self._base_params(theta), eta)
        ll, gradient = self._log_likelihood_given(theta, kappa, data)
        k = len(self.param_names)
        gradient[:, :k] += gradient[:, -1:] * d_kappa[:k]
        gradient[:, -1] *= d_kappa[-1]
        return ll, gradient

    def _log_likelihood_given(self, theta, kappa, data):
        """ℓ = ℓ_00 + log(1 + κD), D = 1 + e^(ℓ_11−ℓ_00) − e^(ℓ_10−ℓ_00) − e^(ℓ_01−ℓ_00), and its gradient in
        (θ of the plain model, κ)."""
        alpha, beta = (self.param_names.index(name) for name in ("alpha", "beta"))
        values, gradients = [], []
        for (j, k), shifted in zip(_COMPONENTS, self._components(theta), strict=True):
            ll, gradient = super()._log_likelihood(shifted, data)
            gradient = gradient.copy()
            gradient[:, alpha] *= np.exp(theta[alpha]) / (np.exp(theta[alpha]) + j)  # d log(α+j) / d log α
            gradient[:, beta] *= np.exp(theta[beta]) / (np.exp(theta[beta]) + k)
            values.append(ll)
            gradients.append(gradient)
        ratios = [np.exp(v - values[0]) for v in values]  # L_jk / L_00
        spread = ratios[0] + ratios[3] - ratios[1] - ratios[2]  # D
        factor = 1.0 + kappa * spread
        d_spread = sum(sign * ratio[:, None] * (g - gradients[0])
                       for sign, ratio, g in zip(_SIGNS[1:], ratios[1:], gradients[1:], strict=True))
        gradient = gradients[0] + (kappa * d_spread) / factor[:, None]
        return values[0] + np.log(factor), np.column_stack([gradient, spread / factor])

    # ------------------------------------------------------------------ fitting
    def _maximise(self, prepared) -> None:
        """The plain model's maximum, then the correlated model's from it (κ = 0) by SLSQP in (θ, κ) under the four
        bounds of κ (:func:`_room`), which are smooth where the logistic map's ends are not.

        Inside the bounds the estimate is polished in θ = (…, η) and stored with its observed information, as
        every model's; on a bound (an edge of the family, module docstring) the covariance of the other
        parameters is that on the bound's surface: Z (Z'HZ)⁻¹ Z' with H the Hessian in (θ, κ) and Z a basis of
        the directions along the active bounds (Aitchison & Silvey 1958), and ρ's variance is infinite.
        """
        if not self.correlation:
            return super()._maximise(prepared)
        plain = copy.copy(self)
        plain.correlation = False
        given = dict(self.initial_params or {})
        plain.initial_params = {k: v for k, v in given.items() if k != self._CORRELATION} or None
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always", CrmlabWarning)
            plain._maximise(prepared)
        if plain.limit_:  # one of the rates does not vary, or nobody dies: nothing to correlate
            raise ConvergenceError(f"{self.model_name} with correlation: without it the likelihood is highest where "
                                   f"{plain.limit_}, so one of the two rates does not vary across customers and "
                                   "their correlation is not identified; fit without correlation=True")
        n = len(plain.theta_names)
        objective = self._objective_given(prepared)
        params = plain._param_values()
        low, high, *_ = _kappa_range(*params)
        kappa = float(np.clip(given.get(self._CORRELATION, 0.0) / _scale(*params)[0], low, high))
        start = np.append(plain._theta(), kappa)
        with np.errstate(all="ignore"):
            result = optimize.minimize(
                objective, start, jac=True, method="SLSQP", bounds=[(-LOG_BOUND, LOG_BOUND)] * n + [(None, None)],
                constraints=[{"type": "ineq", "fun": lambda x: self._room_of(x)[0],
                              "jac": lambda x: self._room_of(x)[1]}],
                options={"maxiter": self.max_iter, "ftol": 1e-14})
        x = result.x
        if not (np.all(np.isfinite(x)) and np.isfinite(result.fun)) or result.fun > objective(start)[0] + 1e-12:
            raise ConvergenceError(f"{self.model_name} with correlation: the climb from the uncorrelated estimate "
                                   f"failed ({result.message}); fit without correlation=True")
        room, _ = self._room_of(x)
        low, high, *_ = _kappa_range(*self._base_params(x[:-1]))
        share = (x[-1] - low) / (high - low)
        if _EDGE < share < 1.0 - _EDGE:
            theta = fitting.minimise(self._objective(prepared),
                                     np.append(x[:-1], special.logit(share)), max_iter=self.max_iter, tol=self.tol).x
            if abs(theta[-1]) < _FAR:
                information = self._hessian(theta, prepared)
                if np.all(np.linalg.eigvalsh(information) > 0):
                    return self._store(fitting.Estimate(theta, information, np.ones(len(theta), bool)), prepared)
        self._store_at_edge(x, room, prepared)

    def _room_of(self, x: np.ndarray):
        """:func:`_room` at x = (θ, κ), its gradient in all of x."""
        k = len(self.param_names)
        room, gradient = _room(self._base_params(x[:-1]), x[-1])
        full = np.zeros((4, len(x)))
        full[:, :k], full[:, -1] = gradient[:, :k], gradient[:, -1]
        return room, full

    def _objective_given(self, prepared):
        """Minus the penalised log-likelihood per customer in x = (θ of the plain model, κ), and its gradient."""
        def objective(x):
            total, gradient = 0.0, np.zeros(len(x))
            for columns, counts in prepared.blocks:
                ll, grad = self._log_likelihood_given(x[:-1], x[-1], columns)
                total += counts @ ll
                gradient += counts @ grad
            penalty, penalty_gradient, _ = self._penalty(x)
            value = -total / prepared.n_customers + penalty
            if not np.isfinite(value):  # outside the bounds, where the line search may look: 1 + κD < 0 somewhere
                return 1e10, np.zeros(len(x))
            return value, -gradient / prepared.n_customers + penalty_gradient
        return objective

    def _store_at_edge(self, x: np.ndarray, room: np.ndarray, prepared) -> None:
        """Store an estimate on a bound of κ (see :meth:`_maximise`)."""
        objective = self._objective_given(prepared)
        hessian = fitting._forward_hessian(objective, x, objective(x)[1]) * prepared.n_customers
        active = room <= 1e-7 * max(1.0, abs(x[-1]))
        along = linalg.null_space(self._room_of(x)[1][active])
        reduced = along.T @ hessian @ along
        if not np.all(np.linalg.eigvalsh(reduced) > 0):
            raise ConvergenceError(f"{self.model_name} with correlation: the estimate lies on a bound of the "
                                   "correlation where the likelihood is flat along the bound, so its standard errors "
                                   "do not exist; fit without correlation=True")
        covariance = along @ np.linalg.inv(reduced) @ along.T
        upper = bool(active[:2].any())
        model = self._base_params(x[:-1])
        low, high, *_ = _kappa_range(*model)
        theta = np.append(x[:-1], LIMIT_SCALE if upper else -LIMIT_SCALE)
        covariance_theta = np.zeros((len(theta), len(theta)))
        covariance_theta[:-1, :-1] = covariance[:-1, :-1]
        covariance_theta[-1, -1] = np.inf
        bound = (high if upper else low) * _scale(*model)[0]
        limit = (f"the purchase and dropout rates are as {'positively' if upper else 'negatively'} correlated as the "
                 f"Sarmanov family allows at these parameters (correlation {bound:.4g}, its "
                 f"{'upper' if upper else 'lower'} bound)")
        self._record(theta, covariance_theta, limit, prepared)
        warnings.warn(f"{self.model_name}: {limit}. The estimate is that edge of the model: the other parameters are "
                      "estimated on it; the correlation has no standard error.", CrmlabWarning, stacklevel=4)

    # ------------------------------------------------------------------ predictions
    def _plain_models(self) -> list:
        """The four plain (uncorrelated) models whose mixture this fit is, at the fitted parameters (_COMPONENTS)."""
        self._require_fit()
        theta = self._theta()
        models = []
        for shifted in self._components(theta[:-1]):
            model = copy.copy(self)
            model.correlation = False
            model.params_ = pd.Series(model._natural(shifted), index=list(model.theta_names), name="estimate")
            models.append(model)
        return models

    def _mixture(self, data: pd.DataFrame | None):
        """The plain models and each one's weight: per customer of ``data`` given the history, or scalars for a
        customer just acquired."""
        models = self._plain_models()
        kappa, _ = _kappa(self._base_params(self._theta()), self._theta()[-1])
        signs = kappa * _SIGNS + np.array([1.0, 0.0, 0.0, 0.0])
        if data is None:
            return models, list(signs)
        history, _ = self._history(data)
        values = [m._log_likelihood(m._theta(), dict(history))[0] for m in models]
        terms = [sign * np.exp(v - values[0]) for sign, v in zip(signs, values, strict=True)]
        total = sum(terms)
        return models, [term / total for term in terms]

    def _mixed(self, data, predict):
        """Σ weight × ``predict(plain model)`` (None without correlation: the plain prediction applies)."""
        if not self.correlation:
            return None
        models, weights = self._mixture(data)
        parts = [predict(model) for model in models]
        if isinstance(parts[0], np.ndarray) and parts[0].ndim == 2:  # customers x horizons
            weights = [w[:, None] for w in weights]
        return sum(w * p for w, p in zip(weights, parts, strict=True))

    def p_alive(self, data, t=0.0):
        mixed = self._mixed(data, lambda m: m.p_alive(data, t))
        return super().p_alive(data, t) if mixed is None else mixed

    def expected_purchases(self, t, data):
        mixed = self._mixed(data, lambda m: m.expected_purchases(t, data))
        return super().expected_purchases(t, data) if mixed is None else mixed

    def probability_of_purchases(self, n, t, data):
        mixed = self._mixed(data, lambda m: m.probability_of_purchases(n, t, data))
        return super().probability_of_purchases(n, t, data) if mixed is None else mixed

    def expected_residual_transactions(self, data, discount_rate):
        mixed = self._mixed(data, lambda m: m.expected_residual_transactions(data, discount_rate))
        return super().expected_residual_transactions(data, discount_rate) if mixed is None else mixed

    def cumulative_expected_purchases(self, horizons, data, combine=None):
        mixed = self._mixed(data, lambda m: m.cumulative_expected_purchases(horizons, data, combine))
        return super().cumulative_expected_purchases(horizons, data, combine) if mixed is None else mixed

    def expected_purchases_new_customer(self, t):
        mixed = self._mixed(None, lambda m: m.expected_purchases_new_customer(t))
        return super().expected_purchases_new_customer(t) if mixed is None else mixed

    def probability_of_purchases_new_customer(self, n, t):
        mixed = self._mixed(None, lambda m: m.probability_of_purchases_new_customer(n, t))
        return super().probability_of_purchases_new_customer(n, t) if mixed is None else mixed

    # ------------------------------------------------------------------ the correlation's interval
    def confidence_intervals(self, level: float = 0.95):
        """As the plain model's; the correlation's is ρ ± z·se(ρ) (Wald, as CLVTools reports it), cut to the
        range the family allows at the estimate."""
        table = super().confidence_intervals(level)
        if self.correlation:
            z = stats.norm.ppf(0.5 + level / 2)
            rho, se = self.params_[self._CORRELATION], self.standard_errors_[self._CORRELATION]
            lowest, highest = correlation_bounds(*self._param_values())
            table.loc[self._CORRELATION] = [max(rho - z * se, lowest), min(rho + z * se, highest)]
        return table

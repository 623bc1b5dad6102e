"""Pareto/NBD: the model of Schmittlein, Morrison & Colombo (1987), as derived by Fader & Hardie (2005).

Schmittlein, D.C., Morrison, D.G., Colombo, R. (1987), "Counting your customers: who are they and
what will they do next?", *Management Science* 33(1), 1-24. Fader, P.S., Hardie, B.G.S. (2005),
"A note on deriving the Pareto/NBD model and related expressions", http://brucehardie.com/notes/009/
(equation numbers below).

Assumptions: while alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
the customer's lifetime is exponential with rate μ ~ Gamma(s, β), independent of λ.
"""

from __future__ import annotations

import numpy as np

from ._purchase import COMMON_PURCHASE_RATE, PurchaseModel
from ._special import (
    FINE_RULE,
    HESSIAN_PAIRS,
    covariate_pairs,
    digamma_difference,
    distinct_pairs,
    exprel,
    log_gamma_ratio,
    log_nbinom_pmf,
    log_tricomi_u1,
    pareto_nbd_integral,
    pareto_nbd_integral_by_row,
    tanh_sinh_nodes,
    trigamma_difference,
)
from .correlation import SarmanovCorrelation
from .fitting import Boundary

__all__ = ["ParetoNBD", "ParetoProcess"]


class ParetoProcess:
    """Purchases of a customer alive at time 0 under Pareto/NBD dynamics, θ = (r, α, s, β) (numbers or arrays).

    While alive the customer buys as a Poisson process with rate λ ~ Gamma(r, α); the lifetime is
    exponential with rate μ ~ Gamma(s, β), independent of λ.
    """

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = rβ/(α(s-1)) [1 - (β/(β+t))^(s-1)]  (eq. 17 of the note).

        Written (r/α) β L (1 - e^(-(s-1)L))/((s-1)L) with L = log1p(t/β), whose last factor is 1 at
        s = 1 (the limit rβ/α log(1 + t/β)): no singularity, and exact for huge s and β.
        """
        r, alpha, s, beta = theta
        growth = np.log1p(np.asarray(t, dtype="float64") / beta)
        return r / alpha * beta * growth * exprel(-(s - 1) * growth)

    @staticmethod
    def survival(theta, t):
        """P(alive at t) = E[e^(-μt)] = (β/(β+t))^s."""
        _, _, s, beta = theta
        return np.exp(-s * np.log1p(np.asarray(t, dtype="float64") / beta))

    @staticmethod
    def discounted_expected(theta, rate):
        """E[∫_0^∞ e^(−δt) dX(t)] = E[λ] E[1/(μ + δ)] = (r/α) β U(1, 2 − s, δβ), δ = ``rate`` (continuous).

        While alive (until an exponential lifetime of rate μ) purchases come at rate λ, so the discounted
        expected number is λ ∫ e^(−(μ+δ)t) dt = λ/(μ+δ); λ and μ are independent. E[1/(μ+δ)] over
        μ ~ Gamma(s, β) is β^s δ^(s−1) Ψ(s, s; δβ) (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4),
        eq. 2), = β U(1, 2 − s, δβ) by Kummer's transformation (:func:`~crmlab.clv._special.log_tricomi_u1`).
        """
        r, alpha, s, beta = theta
        return r / alpha * beta * np.exp(log_tricomi_u1(s, np.asarray(rate, dtype="float64") * beta))

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n): alive throughout, or dying at τ < t having bought n times by then.

        P = (β/(β+t))^s NB(n; r, α/(α+t)) + ∫_0^t sβ^s(β+τ)^-(s+1) NB(n; r, α/(α+τ)) dτ. The integrand is
        taken in u = log(1 + τ/β), where the death density sβ^s(β+τ)^-(s+1) dτ is s e^(−su) du (in τ, a β far
        below t crowds the deaths into the first β of [0, t] with a tail over the rest: a layer the rule
        resolved to only ~3e-9 at β/t = 2e-8). In u the integrand is unimodal, its mode at the τ that is the
        positive root of (r+s)τ² − (nα − rβ − sα)τ − nαβ = 0; the integral is split there and each monotone
        piece taken by the tanh-sinh rule, which resolves a peak at either end of its interval whatever its
        width, here with step 1/32 (217 nodes): in u the pieces span up to log(t/β) ≈ 30, across which the
        NB peak of a large n is narrow. Measured against mpmath (tests/clv/test_predictions.py): within 1e-12
        of max(P, 1e-10) over β/t from 1e-12 to 1e8, α/t from 1e-4 to 1e4 and n up to 300.
        """
        r, alpha, s, beta, n, t = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (*theta, n, t)))
        alive = np.exp(-s * np.log1p(t / beta) + log_nbinom_pmf(n, r, t / alpha))
        linear, product = n * alpha - r * beta - s * alpha, n * alpha * beta
        root = np.sqrt(linear**2 + 4 * (r + s) * product)
        # the positive root, in the form without cancellation for either sign of the linear coefficient
        rising = linear > 0
        mode = np.where(rising, (linear + root) / (2 * (r + s)), 2 * product / np.where(rising, 1.0, root - linear))
        mode = np.clip(np.nan_to_num(mode), 0.0, t)
        total = alive
        split, span = np.log1p(mode / beta), np.log1p(t / beta)  # the mode and t in u = log(1 + τ/β)
        for low, high in ((np.zeros_like(t), split), (split, span)):
            u, weights = tanh_sinh_nodes(low, high, FINE_RULE)
            log_death = np.log(s)[..., None] - s[..., None] * u
            log_count = log_nbinom_pmf(n[..., None], r[..., None], beta[..., None] * np.expm1(u) / alpha[..., None])
            total = total + np.sum(weights * np.exp(log_death + log_count), axis=-1)
        return total


class ParetoNBD(SarmanovCorrelation, PurchaseModel):
    """Pareto/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Notes
    -----
    The likelihood of one customer (eq. 22 of the note, regrouped):

    .. math::
        L = \\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}\\Big[(\\alpha+T)^{-(r+x)}(\\beta+T)^{-s}
        + s\\int_{t_x}^{T}(\\alpha+\\tau)^{-(r+x)}(\\beta+\\tau)^{-(s+1)}d\\tau\\Big]

    The integral (the note's A_0 divided by r+s+x), times α^r β^s, is computed by
    :func:`crmlab.clv._special.pareto_nbd_integral` — a positive series where it converges fast,
    quadrature elsewhere — so the likelihood neither overflows nor turns NaN, and its gradient is
    analytic. P(alive) is the share of the first term in the bracket.

    Limits, as for :class:`~crmlab.clv.BetaGeo`: s, β → ∞ with s/β = μ (one death rate for every
    customer), s = 1 with β → ∞ (nobody dies: the NBD model), r, α → ∞ (one purchase rate), and their
    combinations are reported as the limiting model with a :class:`~crmlab.errors.CrmlabWarning`.

    Covariates (``purchase_covariates=``, ``dropout_covariates=``, ``shared_covariates=``,
    ``covariate_penalty=``; :mod:`crmlab.clv.covariates`) follow CLVTools' ``pnbd`` with static
    covariates: α_i = α exp(−γ_purchase'z_i), β_i = β exp(−γ_dropout'z_i), so a customer's mean
    purchase rate r/α_i and mean dropout rate s/β_i scale with exp(γ'z_i); the likelihood above holds
    per customer with α_i and β_i. The integral is summed per group of customers with equal
    covariates (:func:`~crmlab.clv._special.pareto_nbd_integral_by_row`). Checked against CLVTools'
    apparel fits (``tests/clv/test_covariates_reference.py``).

    ``correlation=True`` (CLVTools' ``use.cor``) lets the purchase and dropout rates be correlated through
    the Sarmanov family (:mod:`crmlab.clv.correlation`): ``params_`` gains ``correlation``, Cor(λ, μ), and
    every prediction is exact under it.

    Checked against the published CDNOW estimates (r = 0.553, α = 10.578, s = 0.606,
    β = 11.669, LL = -9595.0) and lifetimes' ParetoNBDFitter.
    """

    param_names = ("r", "alpha", "s", "beta")
    model_name = "Pareto/NBD"
    bhhh_steps = True
    covariate_links = {"purchase": (("alpha", -1),), "dropout": (("beta", -1),)}
    _process = ParetoProcess
    boundaries = (COMMON_PURCHASE_RATE,
                  Boundary(("s", "beta"), concentrate="every customer's lifetime is exponential with the same "
                                                      "death rate μ = s/β = {ratio:.4g} per time unit",
                           vanish="no customer ever dies, the NBD model"))

    def __init__(self, penalizer: float = 0.0, initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000, strategy="auto", *, purchase_covariates=None, dropout_covariates=None,
                 shared_covariates=None, covariate_penalty=None, correlation: bool = False):
        super().__init__(penalizer=penalizer, initial_params=initial_params, tol=tol, max_iter=max_iter,
                         strategy=strategy, purchase_covariates=purchase_covariates,
                         dropout_covariates=dropout_covariates, shared_covariates=shared_covariates,
                         covariate_penalty=covariate_penalty)
        self.correlation = correlation

    def _derived(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """As the purchase models', plus the (frequency, time) pairs the integral's series is summed on: once for
        all rows, or per covariate group (None where the covariates take too many values: quadrature)."""
        x, derived = columns["frequency"], super()._derived(columns)
        if "covariate_group" in derived:
            return {**derived, "covariate_pairs": covariate_pairs(derived["covariate_group"], x, columns["recency"],
                                                                   columns["T"])}
        return {**derived, "recency_pairs": distinct_pairs(x, columns["recency"]),
                "T_pairs": distinct_pairs(x, columns["T"])}

    def _terms(self, params, data, second: bool = False):
        """The log of the bracket's two terms (times α^r β^s, each factor as (1 + τ/α)^-r (α+τ)^-x ...) and the
        integral's derivatives (its gradient, and with ``second`` its Hessian); α and β one number, or one per row
        (covariates)."""
        r, alpha, s, beta = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        grow_alpha, grow_beta = np.log1p(T / alpha), np.log1p(T / beta)
        log_a = -r * grow_alpha - x * np.log(alpha + T) - s * grow_beta
        if np.ndim(alpha) or np.ndim(beta):
            if "covariate_pairs" not in data:
                data.update(self._derived(data))
            log_j, *derivatives = pareto_nbd_integral_by_row(r, alpha, s, beta, x, t_x, T,
                                                             pairs=data["covariate_pairs"], second=second)
        else:
            pairs = (data["recency_pairs"], data["T_pairs"]) if "T_pairs" in data else None
            log_j, *derivatives = pareto_nbd_integral(r, alpha, s, beta, x, t_x, T, pairs=pairs, second=second)
        mix = _log_add_exp(log_a, np.log(s) + log_j)
        return (r, alpha, s, beta), (x, T, grow_alpha, grow_beta), log_a, derivatives, mix

    def _row_log_likelihood(self, params, data):
        (r, alpha, s, beta), (x, T, grow_alpha, grow_beta), log_a, (d_j,), mix = self._terms(params, data)
        w_a = np.exp(log_a - mix)
        w_j = 1.0 - w_a
        levels, at = self._frequency_levels(data)  # special functions once per distinct frequency
        ll = log_gamma_ratio(r, levels)[at] + mix
        d_r = r * (digamma_difference(r, levels)[at] - w_a * grow_alpha + w_j * d_j[0])
        d_alpha = w_a * (r * T / (alpha + T) - x * alpha / (alpha + T)) + w_j * alpha * d_j[1]
        d_s = w_a * -s * grow_beta + w_j * (1.0 + s * d_j[2])
        d_beta = w_a * s * T / (beta + T) + w_j * beta * d_j[3]
        return ll, np.stack([d_r, d_alpha, d_s, d_beta]).T

    exact_row_curvature = True

    def _row_curvature(self, theta, data):
        """The rows' Hessians in the customer's log-parameters (log r, log α_i, log s, log β_i), as {(j, k): row
        values} for j <= k: in closed form where the integral is a series, by central differences of the row
        gradients on the rows it takes by quadrature.

        ℓ = ln Γ(r+x)/Γ(r) + ln(e^A + e^B), A = −r ln(1 + T/α) − x ln(α+T) − s ln(1 + T/β) and B = ln s + ln J̃, so
        its Hessian is that of the first part (in log r only) plus w_A H_A + w_B H_B + w_A w_B (g_A − g_B)(g_A −
        g_B)', with g and H the terms' gradients and Hessians and w_A = e^A/(e^A + e^B) = P(alive). With u = α/(α+T)
        and v = β/(β+T): ∂A/∂log r = ∂²A/∂log r² = −r ln(1 + T/α), ∂A/∂log α = r(1 − u) − x u,
        ∂²A/∂log r∂log α = r(1 − u), ∂²A/∂log α² = −(r + x) u(1 − u), and the same in (s, β) with v and without x.
        B's follow from ln J̃'s derivatives in the natural parameters φ
        (:func:`~crmlab.clv._special.pareto_nbd_integral`): φ_j φ_k ∂²ln J̃/∂φ_j∂φ_k + δ_jk φ_j ∂ln J̃/∂φ_j.
        """
        params = self._row_params(theta, data)
        (r, alpha, s, beta), (x, T, grow_alpha, grow_beta), log_a, (d_j, d2_j), mix = self._terms(params, data, True)
        w_a = np.exp(log_a - mix)
        w_j = 1.0 - w_a
        u, v = alpha / (alpha + T), beta / (beta + T)
        phi = (r, alpha, s, beta)
        g_a = (-r * grow_alpha, r * (1 - u) - x * u, -s * grow_beta, s * (1 - v))
        h_a = {(0, 0): g_a[0], (0, 1): r * (1 - u), (1, 1): -(r + x) * u * (1 - u),
               (2, 2): g_a[2], (2, 3): s * (1 - v), (3, 3): -s * v * (1 - v)}
        g_b = [phi[j] * d_j[j] for j in range(4)]
        g_b[2] = g_b[2] + 1.0  # B = ln s + ln J̃
        levels, at = self._frequency_levels(data)
        hessian = {}
        for index, (j, k) in enumerate(HESSIAN_PAIRS):
            h_b = phi[j] * phi[k] * d2_j[index] + (phi[j] * d_j[j] if j == k else 0.0)
            hessian[j, k] = w_a * h_a.get((j, k), 0.0) + w_j * h_b + w_a * w_j * (g_a[j] - g_b[j]) * (g_a[k] - g_b[k])
        hessian[0, 0] += r * digamma_difference(r, levels)[at] + r**2 * trigamma_difference(r, levels)[at]
        rough = ~np.logical_and.reduce([np.isfinite(values) for values in hessian.values()])
        if rough.any():  # rows integrated by quadrature
            rows = np.flatnonzero(rough)
            differences = self._row_curvature_by_differences(theta, {c: data[c][rows] for c in self.data_columns},
                                                             central=True)
            for key, values in differences.items():
                hessian[key][rows] = values
        return hessian

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) (eq. 18 of the note), computed on the log scale."""
        *_, log_a, _, mix = self._terms(self._customer_params(history), history)
        return np.exp(log_a - mix)

    def _alive_parameters(self, keys):
        """An alive customer's future: λ ~ Gamma(r + x, α + T), μ ~ Gamma(s, β + T) (eqs. 19-20 of the note)."""
        r, alpha, s, beta = self._customer_params(keys)
        x, T = keys["frequency"], keys["T"]
        return r + x, alpha + T, np.full_like(x, s), beta + T


def _log_add_exp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(e^a + e^b) for finite a and b, b possibly -inf (as np.logaddexp, at a quarter of its cost)."""
    high = np.maximum(a, b)
    return high + np.log1p(np.exp(np.minimum(a, b) - high))

"""BG/BB: the beta-geometric / beta-Bernoulli model of Fader, Hardie & Shang (2010).

Fader, P.S., Hardie, B.G.S., Shang, J. (2010), "Customer-base analysis in a discrete-time
noncontractual setting", *Marketing Science* 29(6), 1086-1108 (equation numbers below).

Assumptions: transactions can happen only at discrete opportunities (a yearly
donation drive, an annual event). While alive, a customer transacts at each
opportunity with probability p ~ Beta(α, β); before each opportunity an alive
customer dies with probability θ ~ Beta(γ, δ), independent of p.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy import special

from ..errors import DataError
from ._customer_base import CustomerBaseModel
from ._special import digamma_difference, log_gamma_ratio, log_hyp2f1, sum_beta_geometric_survival
from .base import _Data
from .fitting import Boundary

__all__ = ["BetaGeoBetaBinom", "BetaBinomProcess"]


def _log_beta_ratio_terms(params, x, m, g, d):
    """log[B(α+x, β+m)/B(α,β) · B(γ+g, δ+d)/B(γ,δ)] and its gradient in (α, β, γ, δ).

    Each beta ratio as Pochhammer ratios, (α)_x (β)_m / (α+β)_{x+m}, from
    :func:`~crmlab.clv._special.log_gamma_ratio`: exact also where the parameters are huge (the
    limits of the model) and the difference of betaln values would cancel.
    """
    alpha, beta, gamma, delta = params
    x, m, g, d = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (x, m, g, d)))
    value = (log_gamma_ratio(alpha, x) + log_gamma_ratio(beta, m) - log_gamma_ratio(alpha + beta, x + m)
             + log_gamma_ratio(gamma, g) + log_gamma_ratio(delta, d) - log_gamma_ratio(gamma + delta, g + d))
    transactions, opportunities = digamma_difference(alpha + beta, x + m), digamma_difference(gamma + delta, g + d)
    grad = np.stack([
        digamma_difference(alpha, x) - transactions,
        digamma_difference(beta, m) - transactions,
        digamma_difference(gamma, g) - opportunities,
        digamma_difference(delta, d) - opportunities,
    ], axis=-1)
    return value, grad


class BetaBinomProcess:
    """Transactions of a customer alive at opportunity 0 under BG/BB dynamics, θ = (α, β, γ, δ) (numbers or arrays).

    Before each opportunity the customer dies with probability θ ~ Beta(γ, δ); alive, transacts with
    probability p ~ Beta(α, β). ``t`` counts opportunities (whole numbers).
    """

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = α/(α+β) · δ/(γ-1) · [1 - Γ(γ+δ)Γ(1+δ+t) / (Γ(γ+δ+t)Γ(1+δ))]  (FHS 2010, eq. 7).

        The mean transaction probability times the expected number of the t opportunities the customer
        is alive for, :func:`~crmlab.clv._special.sum_beta_geometric_survival` (no singularity at γ = 1).
        """
        alpha, beta, gamma, delta = theta
        return alpha / (alpha + beta) * sum_beta_geometric_survival(gamma, delta, t)

    @staticmethod
    def survival(theta, t):
        """P(alive at opportunity t) = B(γ, δ+t)/B(γ, δ) = (δ)_t/(γ+δ)_t."""
        _, _, gamma, delta = theta
        return np.exp(log_gamma_ratio(delta, t) - log_gamma_ratio(gamma + delta, t))

    @staticmethod
    def discounted_expected(theta, rate):
        """Σ_{k>=1} E[transaction at opportunity k] / (1 + d)^k, d = ``rate`` per opportunity.

        = α/(α+β) · Σ_{k>=1} v^k (δ)_k/(γ+δ)_k = α/(α+β) · v δ/(γ+δ) · 2F1(1, δ+1; γ+δ+1; v), v = 1/(1+d):
        the transaction probability times the discounted survival (FHS 2010, eq. 13, for a customer
        alive now, with the parameters the history updates).
        """
        alpha, beta, gamma, delta = theta
        v = 1.0 / (1.0 + np.asarray(rate, dtype="float64"))
        series = np.exp(log_hyp2f1(1.0, delta + 1.0, gamma + delta + 1.0, v))
        return alpha / (alpha + beta) * v * delta / (gamma + delta) * series

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n) (FHS 2010, eq. 8): alive through all t opportunities, or dead after opportunity i < t."""
        alpha, beta, gamma, delta = (np.asarray(v, dtype="float64") for v in theta)
        n, t = np.broadcast_arrays(np.asarray(n, dtype="float64"), np.asarray(t, dtype="float64"))
        params = (alpha, beta, gamma, delta)
        log_choose = special.gammaln(t + 1) - special.gammaln(n + 1) - special.gammaln(np.maximum(t - n, 0) + 1)
        value, _ = _log_beta_ratio_terms(params, n, np.maximum(t - n, 0), 0.0, t)
        total = np.where(n <= t, np.exp(log_choose + value), 0.0)
        for i in range(int(np.max(t)) if t.size else 0):
            present = (i >= n) & (i <= t - 1)
            log_c = special.gammaln(i + 1) - special.gammaln(n + 1) - special.gammaln(np.maximum(i - n, 0) + 1)
            v, _ = _log_beta_ratio_terms(params, n, np.maximum(i - n, 0), 1.0, float(i))
            total = total + np.where(present, np.exp(log_c + v), 0.0)
        return total


class BetaGeoBetaBinom(CustomerBaseModel):
    """BG/BB model, fitted on (frequency, recency, periods) — usually weighted pattern counts.

    ``frequency`` x is the number of transactions in the ``periods`` n repeat
    opportunities, ``recency`` t_x the opportunity of the last one (0 if none).

    Notes
    -----
    Likelihood of one pattern (eq. 5):

    .. math::
        L = \\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha,\\beta)}\\frac{B(\\gamma, \\delta+n)}{B(\\gamma,\\delta)}
        + \\sum_{i=0}^{n-t_x-1}\\frac{B(\\alpha+x, \\beta+t_x-x+i)}{B(\\alpha,\\beta)}
          \\frac{B(\\gamma+1, \\delta+t_x+i)}{B(\\gamma,\\delta)}

    summed on the log scale with its analytic gradient, exact for any parameter values. Limits
    (one transaction probability α, β → ∞; one death probability γ, δ → ∞; no death γ = 1, δ → ∞)
    are reported as the limiting model with a :class:`~crmlab.errors.CrmlabWarning` (see
    :mod:`crmlab.clv.fitting`); data with no transaction, or with every customer transacting at
    every opportunity, cannot identify the model and raise :class:`~crmlab.errors.DataError`.
    Checked against Fader, Hardie
    & Shang (2010) on the donations data: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783.
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    data_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "periods")
    posterior_columns: ClassVar[tuple[str, ...]] = ("frequency", "periods")
    discrete_unit = "opportunity"
    model_name = "BG/BB"
    _process = BetaBinomProcess
    boundaries = (Boundary(("alpha", "beta"), concentrate="every customer transacts at each opportunity with the "
                                                          "same probability p = α/(α+β) = {share:.4g}",
                           saturate="every customer transacts at every opportunity while alive",
                           polarise="a share {share:.4g} of the customers transact at every opportunity while alive "
                                    "and the others never do"),
                  Boundary(("gamma", "delta"), concentrate="every customer dies before each opportunity with the "
                                                           "same probability θ = γ/(γ+δ) = {share:.4g}",
                           vanish="no customer ever dies",
                           polarise="a share {share:.4g} of the customers die before the first opportunity and the "
                                    "others never die"))

    def _check_values(self, columns):
        x, t_x, n = columns["frequency"], columns["recency"], columns["periods"]
        whole = (x == np.floor(x)) & (t_x == np.floor(t_x)) & (n == np.floor(n))
        bad = ~whole | (x < 0) | (x > t_x) | (t_x > n) | (n < 1) | ((x == 0) & (t_x > 0)) | ((x > 0) & (t_x < 1))
        if bad.any():
            raise DataError(f"BG/BB: {int(bad.sum()):,} rows are not valid patterns (need whole numbers with "
                            "0 <= frequency <= recency <= periods, recency 0 exactly when frequency is 0); "
                            f"row positions {np.flatnonzero(bad)[:5].tolist()}")

    def _check_identifiable(self, prepared: _Data) -> None:
        x, n = prepared.columns["frequency"], prepared.columns["periods"]
        customers = f"{prepared.n_customers:,.0f} customers"
        if not np.any(x > 0):
            raise DataError(f"BG/BB: none of the {customers} transacted, so the transaction probability cannot be "
                            "told apart from zero; the model needs some transactions")
        if np.all(x == n):
            raise DataError(f"BG/BB: all {customers} transacted at every opportunity, so nothing tells how often an "
                            "alive customer skips one or when customers die (p -> 1, θ -> 0); the model has nothing "
                            "to estimate")
        if len(x) < 2:
            raise DataError(f"BG/BB: all {customers} share one pattern; a model of how customers differ needs at "
                            "least two different patterns")

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        return np.zeros(4)

    def _terms(self, params, x, t_x, n):
        """Log-values and gradients of every term of the likelihood (rows: alive, then dead after opportunity
        t_x + i for i = 0, 1, ...); absent terms are -inf."""
        alive, alive_grad = _log_beta_ratio_terms(params, x, n - x, 0.0, n)
        i = np.arange(int(np.max(n - t_x)) if len(n) else 0)[:, None]
        dead, dead_grad = _log_beta_ratio_terms(params, x, t_x - x + i, 1.0, t_x + i)
        dead = np.where(i <= n - t_x - 1, dead, -np.inf)
        return np.concatenate([alive[None], dead]), np.concatenate([alive_grad[None], dead_grad])

    def _log_likelihood(self, log_params, data):
        params = np.exp(log_params)
        values, grads = self._terms(params, data["frequency"], data["recency"], data["periods"])
        ll = special.logsumexp(values, axis=0)
        weights = np.exp(values - ll)
        grad = np.einsum("kn,knp->np", weights, grads)
        return ll, grad * params

    # ------------------------------------------------------------------ predictions
    def _log_likelihood_at_fit(self, x, t_x, n):
        values, _ = self._terms(np.array(self._param_values()), x, t_x, n)
        return special.logsumexp(values, axis=0)

    def _p_alive_now(self, history):
        """P(alive at opportunity n | x, t_x, n) = B(α+x, β+n-x)/B(α,β) · B(γ, δ+n)/B(γ,δ) / L.

        Fader, Hardie & Shang's eq. 11 is one opportunity later: ``p_alive(data, t=1)``.
        """
        x, t_x, n = history["frequency"], history["recency"], history["periods"]
        log_alive, _ = _log_beta_ratio_terms(self._param_values(), x, n - x, 0.0, n)
        return np.exp(log_alive - self._log_likelihood_at_fit(x, t_x, n))

    def _alive_parameters(self, keys):
        """An alive customer's future: p ~ Beta(α + x, β + n - x) and θ ~ Beta(γ, δ + n) (survived n opportunities)."""
        alpha, beta, gamma, delta = self._param_values()
        x, n = keys["frequency"], keys["periods"]
        return alpha + x, beta + n - x, np.full_like(x, gamma), delta + n

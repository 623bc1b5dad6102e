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
from scipy import special, stats

from ..errors import ConvergenceError
from ._purchase import PurchaseModel
from ._special import distinct_pairs, pareto_nbd_integral

__all__ = ["ParetoNBD", "ParetoProcess"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


class ParetoProcess:
    """Purchases of a customer alive at time 0 under Pareto/NBD dynamics, θ = (r, α, s, β) (numbers or arrays).

    While alive the customer buys as a Poisson process with rate λ ~ Gamma(r, α); the lifetime is
    exponential with rate μ ~ Gamma(s, β), independent of λ.
    """

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = rβ/(α(s-1)) [1 - (β/(β+t))^(s-1)], its limit rβ/α log(1 + t/β) at s = 1 (eq. 17 of the note)."""
        r, alpha, s, beta = theta
        growth = np.log1p(t / beta)
        near_one = np.abs(s - 1) < 1e-10
        lifetime = beta * np.where(near_one, growth, -np.expm1(-(s - 1) * growth) / np.where(near_one, 1.0, s - 1))
        return r / alpha * lifetime

    @staticmethod
    def survival(theta, t):
        """P(alive at t) = E[e^(-μt)] = (β/(β+t))^s."""
        _, _, s, beta = theta
        return np.exp(-s * np.log1p(t / beta))

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n): alive throughout, or dying at τ < t having bought n times by then.

        P = (β/(β+t))^s NB(n; r, α/(α+t)) + ∫_0^t sβ^s(β+τ)^-(s+1) NB(n; r, α/(α+τ)) dτ, the
        integral by 64-point Gauss-Legendre quadrature (the integrand is smooth and bounded).
        """
        r, alpha, s, beta = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in theta))
        r, alpha, s, beta, n, t = np.broadcast_arrays(r, alpha, s, beta, n, t)
        alive = np.exp(-s * np.log1p(t / beta)) * stats.nbinom.pmf(n, r, alpha / (alpha + t))
        tau = (t[..., None] / 2) * (_NODES + 1)
        density = s[..., None] / beta[..., None] * np.exp(-(s[..., None] + 1) * np.log1p(tau / beta[..., None]))
        at_death = stats.nbinom.pmf(n[..., None], r[..., None], alpha[..., None] / (alpha[..., None] + tau))
        return alive + (t / 2) * np.sum(_WEIGHTS * density * at_death, axis=-1)


class ParetoNBD(PurchaseModel):
    """Pareto/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Notes
    -----
    The likelihood of one customer (eq. 22 of the note, regrouped):

    .. math::
        L = \\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}\\Big[(\\alpha+T)^{-(r+x)}(\\beta+T)^{-s}
        + s\\int_{t_x}^{T}(\\alpha+\\tau)^{-(r+x)}(\\beta+\\tau)^{-(s+1)}d\\tau\\Big]

    The integral (the note's A_0 divided by r+s+x) is summed as a positive series on the
    log scale by :func:`crmlab.clv._special.pareto_nbd_integral`, so the likelihood neither
    overflows nor turns NaN, and its gradient is analytic. P(alive) is the share of the
    first term in the bracket.

    Checked against the published CDNOW estimates (r = 0.553, α = 10.578, s = 0.606,
    β = 11.669, LL = -9595.0) and lifetimes' ParetoNBDFitter.
    """

    param_names = ("r", "alpha", "s", "beta")
    model_name = "Pareto/NBD"
    _process = ParetoProcess

    def _derived(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        x = columns["frequency"]
        return {**super()._derived(columns), "recency_pairs": distinct_pairs(x, columns["recency"]),
                "T_pairs": distinct_pairs(x, columns["T"])}

    def _terms(self, log_params, data, exact: bool = True):
        r, alpha, s, beta = np.exp(log_params)
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        log_a = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        pairs = (data["recency_pairs"], data["T_pairs"]) if "T_pairs" in data else None
        log_j, d_j = pareto_nbd_integral(r, alpha, s, beta, x, t_x, T, exact=exact, pairs=pairs)
        mix = _log_add_exp(log_a, np.log(s) + log_j)
        return r, alpha, s, beta, x, T, log_a, d_j, mix

    def _log_likelihood(self, log_params, data, exact: bool = False):
        r, alpha, s, beta, x, T, log_a, d_j, mix = self._terms(log_params, data, exact=exact)
        w_a = np.exp(log_a - mix)
        w_j = 1.0 - w_a
        levels, at = self._frequency_levels(data)  # special functions once per distinct frequency
        ll = (special.gammaln(r + levels) - special.gammaln(r))[at] + r * np.log(alpha) + s * np.log(beta) + mix
        d_r = ((special.digamma(r + levels) - special.digamma(r))[at] + np.log(alpha) - w_a * np.log(alpha + T)
               + w_j * d_j[0])
        d_alpha = r / alpha - w_a * (r + x) / (alpha + T) + w_j * d_j[1]
        d_s = np.log(beta) - w_a * np.log(beta + T) + w_j * (1.0 / s + d_j[2])
        d_beta = s / beta - w_a * s / (beta + T) + w_j * d_j[3]
        return ll, np.stack([d_r * r, d_alpha * alpha, d_s * s, d_beta * beta]).T

    def _store(self, theta, prepared):
        """At the estimate the series must converge exactly; otherwise the fit is not trustworthy."""
        try:
            for columns, _ in prepared.blocks:
                self._log_likelihood(theta, columns, exact=True)
        except FloatingPointError as error:
            raise ConvergenceError(f"Pareto/NBD: the likelihood cannot be evaluated accurately at the estimate "
                                   f"({error}); the scale parameters alpha and beta differ by orders of magnitude. "
                                   "Try a small penalizer= or other initial_params=.") from error
        super()._store(theta, prepared)

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) (eq. 18 of the note), computed on the log scale."""
        *_, log_a, _, mix = self._terms(np.log(self._param_values()), history)
        return np.exp(log_a - mix)

    def _alive_parameters(self, keys):
        """An alive customer's future: λ ~ Gamma(r + x, α + T), μ ~ Gamma(s, β + T) (eqs. 19-20 of the note)."""
        r, alpha, s, beta = self._param_values()
        x, T = keys["frequency"], keys["T"]
        return r + x, alpha + T, np.full_like(x, s), beta + T


def _log_add_exp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(e^a + e^b) for finite a and b, b possibly -inf (as np.logaddexp, at a quarter of its cost)."""
    high = np.maximum(a, b)
    return high + np.log1p(np.exp(np.minimum(a, b) - high))

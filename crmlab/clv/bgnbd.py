"""BG/NBD: the beta-geometric / negative binomial distribution model of Fader, Hardie & Lee (2005).

Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005), "'Counting your customers' the easy way:
an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275-284.
Equation numbers below refer to that paper.

Assumptions: while alive, a customer buys as a Poisson process with rate λ;
λ ~ Gamma(r, α) across customers. After each purchase the customer drops out
with probability p; p ~ Beta(a, b) across customers, independent of λ.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from ._purchase import PurchaseModel
from ._special import log_hyp2f1

__all__ = ["BetaGeo", "BetaGeoProcess"]


class BetaGeoProcess:
    """Purchases of a customer alive at time 0 under BG/NBD dynamics, θ = (r, α, a, b) (numbers or arrays).

    While alive the customer buys as a Poisson process with rate λ ~ Gamma(r, α) and drops out
    right after each purchase with probability p ~ Beta(a, b) (FHL 2005).
    """

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = (a+b-1)/(a-1) [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))]  (FHL 2005, eq. 7)."""
        r, alpha, a, b = theta
        log_tail = r * (np.log(alpha) - np.log(alpha + t)) + log_hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * -np.expm1(log_tail)

    @staticmethod
    def survival(theta, t):
        """P(alive at t) = E[e^(-λpt)] = (α/(α+t))^r 2F1(r, b; a+b; t/(α+t)).

        Between purchases nobody drops out, so the customer is alive at t unless one of the N(t)
        purchases was followed by dropout: E[(1-p)^N(t)] = E[e^(-λpt)]; the expectation over
        p ~ Beta(a, b) is Euler's integral of 2F1(r, a; a+b; -t/α), Pfaff-transformed to z in [0, 1).
        """
        r, alpha, a, b = theta
        return np.exp(r * (np.log(alpha) - np.log(alpha + t)) + log_hyp2f1(r, b, a + b, t / (alpha + t)))

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n) = B(a, b+n)/B(a,b) NB(n; r, α/(α+t)) + δ_{n>0} B(a+1, b+n-1)/B(a,b) P(NB >= n)  (eq. 8)."""
        r, alpha, a, b = theta
        p = alpha / (alpha + t)
        log_b_ab = special.betaln(a, b)
        first = np.exp(special.betaln(a, b + n) - log_b_ab) * stats.nbinom.pmf(n, r, p)
        second = np.where(n > 0, np.exp(special.betaln(a + 1, np.maximum(b + n - 1, 1e-300)) - log_b_ab)
                          * stats.nbinom.sf(n - 1, r, p), 0.0)
        return first + second


class BetaGeo(PurchaseModel):
    """BG/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (default 0: the maximum-likelihood estimate).
    initial_params : dict, optional
        Starting values, e.g. ``{"r": 1, "alpha": 1, "a": 1, "b": 1}``.

    Notes
    -----
    Log-likelihood of one customer (eq. 6), with B the beta function:

    .. math::
        \\ell = \\ln\\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)} + \\ln\\Big[
        \\frac{B(a, b+x)}{B(a,b)}(\\alpha+T)^{-(r+x)}
        + \\delta_{x>0}\\frac{B(a+1, b+x-1)}{B(a,b)}(\\alpha+t_x)^{-(r+x)}\\Big]

    computed as a log-sum-exp, with its analytic gradient.

    Checked against the published CDNOW estimates (r = 0.243, α = 4.414, a = 0.793,
    b = 2.426, LL = -9582.4) and lifetimes' BetaGeoFitter.
    """

    param_names = ("r", "alpha", "a", "b")
    model_name = "BG/NBD"
    _process = BetaGeoProcess

    def _log_likelihood(self, log_params, data):
        r, alpha, a, b = np.exp(log_params)
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        levels, at = self._frequency_levels(data)  # special functions once per distinct frequency
        repeat = levels > 0
        dig = special.digamma
        log_b_ab = special.betaln(a, b)
        beta1 = (special.betaln(a, b + levels) - log_b_ab)[at]
        beta2 = np.where(repeat, special.betaln(a + 1, np.maximum(b + levels - 1, 1e-300)) - log_b_ab, -np.inf)[at]
        log_alpha_T, log_alpha_tx = np.log(alpha + T), np.log(alpha + t_x)
        term1 = beta1 - (r + x) * log_alpha_T
        term2 = beta2 - (r + x) * log_alpha_tx
        # log-sum-exp sharing one exponential with the mixing weight w2 = e^term2 / (e^term1 + e^term2)
        diff = term2 - term1
        shrink = np.exp(-np.abs(diff))
        mix = np.maximum(term1, term2) + np.log1p(shrink)
        w2 = np.where(diff > 0, 1.0, shrink) / (1.0 + shrink)
        w1 = 1.0 - w2
        ll = (special.gammaln(r + levels) - special.gammaln(r))[at] + r * np.log(alpha) + mix

        d_r = (dig(r + levels) - dig(r))[at] + np.log(alpha) - w1 * log_alpha_T - w2 * log_alpha_tx
        d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
        common = (dig(a + b) - dig(a + b + levels))[at]
        d_a = common + w2 / a
        d_b = (w1 * (dig(b + levels) - dig(b))[at]
               + w2 * np.where(repeat, dig(np.maximum(b + levels - 1, 1e-300)) - dig(b), 0.0)[at] + common)
        grad = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b]).T
        return ll, grad

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) = 1 / (1 + δ_{x>0} a/(b+x-1) ((α+T)/(α+t_x))^{r+x})  (FHL 2005, eq. 11)."""
        r, alpha, a, b = self._param_values()
        x, t_x, T = history["frequency"], history["recency"], history["T"]
        with np.errstate(divide="ignore"):
            log_odds = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)), -np.inf)
        return special.expit(-log_odds)

    def _alive_parameters(self, keys):
        """An alive customer's future: λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x), the prior updated by x
        purchases (each survived) in T time units; from T on, a new BG/NBD customer with these parameters."""
        r, alpha, a, b = self._param_values()
        x, T = keys["frequency"], keys["T"]
        return r + x, alpha + T, np.full_like(x, a), b + x

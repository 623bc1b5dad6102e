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
from scipy import special

from ._purchase import COMMON_PURCHASE_RATE, PurchaseModel
from ._special import (
    bg_expected,
    digamma_difference,
    log_bg_survival,
    log_gamma_ratio,
    log_nbinom_pmf,
    nbinom_sf,
    trigamma_difference,
)
from .fitting import Boundary

__all__ = ["BetaGeo", "BetaGeoProcess"]


class BetaGeoProcess:
    """Purchases of a customer alive at time 0 under BG/NBD dynamics, θ = (r, α, a, b) (numbers or arrays).

    While alive the customer buys as a Poisson process with rate λ ~ Gamma(r, α) and drops out
    right after each purchase with probability p ~ Beta(a, b) (FHL 2005). Over λ, the number of
    purchases N(t) of a customer who never dropped out is NB(r, α/(α+t)); the customer makes
    min(N(t), G) of them, G ~ Geometric(p) the purchase followed by dropout. The expectations over
    p are computed by :mod:`crmlab.clv._special`, finite and accurate for every θ a fit can reach.
    """

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = E_p[(1 − (α/(α+pt))^r)/p]  (FHL 2005, eq. 7, before its integral over p is taken).

        FHL's closed form (a+b−1)/(a−1)[1 − (α/(α+t))^r 2F1(r, b; a+b−1; t/(α+t))] has a removable
        singularity at a = 1 and a series that needs millions of terms as t/(α+t) nears 1; the mixture
        has neither (:func:`~crmlab.clv._special.bg_expected`).
        """
        r, alpha, a, b = theta
        return bg_expected(r, a, b, np.asarray(t, dtype="float64") / alpha)

    @staticmethod
    def survival(theta, t):
        """P(alive at t) = E[e^(-λpt)] = E_p[(α/(α+pt))^r] = (α/(α+t))^r 2F1(r, b; a+b; t/(α+t)).

        Between purchases nobody drops out, so the customer is alive at t unless one of the N(t)
        purchases was followed by dropout: E[(1-p)^N(t)] = E[e^(-λpt)]; the expectation over
        p ~ Beta(a, b) is Euler's integral of 2F1(r, a; a+b; -t/α), Pfaff-transformed to z in [0, 1).
        """
        r, alpha, a, b = theta
        return np.exp(log_bg_survival(r, a, b, np.asarray(t, dtype="float64") / alpha))

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n) = (b)_n/(a+b)_n NB(n) + δ_{n>0} a (b)_{n-1}/(a+b)_n P(NB >= n)  (FHL 2005, eq. 8).

        Eq. 8's beta-function ratios B(a, b+n)/B(a, b) and B(a+1, b+n-1)/B(a, b) written as Pochhammer
        ratios; NB(n) = NB(n; r, α/(α+t)).
        """
        r, alpha, a, b = theta
        n = np.asarray(n, dtype="float64")
        w = np.asarray(t, dtype="float64") / alpha
        survived = np.exp(log_gamma_ratio(b, n) - log_gamma_ratio(a + b, n) + log_nbinom_pmf(n, r, w))
        before = np.maximum(n - 1, 0.0)
        dropped = np.exp(np.log(a) + log_gamma_ratio(b, before) - log_gamma_ratio(a + b, np.maximum(n, 1.0)))
        return survived + np.where(n > 0, dropped * nbinom_sf(n, r, w), 0.0)


class BetaGeo(PurchaseModel):
    """BG/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (default 0: the maximum-likelihood estimate).
    initial_params : dict, optional
        Starting values, e.g. ``{"r": 1, "alpha": 1, "a": 1, "b": 1}``: the first start. The model's
        alternative starts (a purchase rate matched to the data; a U-shaped dropout probability) are
        climbed too, and the highest maximum wins (:func:`crmlab.clv.fitting.maximise`).

    Notes
    -----
    Log-likelihood of one customer (eq. 6), with B the beta function:

    .. math::
        \\ell = \\ln\\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)} + \\ln\\Big[
        \\frac{B(a, b+x)}{B(a,b)}(\\alpha+T)^{-(r+x)}
        + \\delta_{x>0}\\frac{B(a+1, b+x-1)}{B(a,b)}(\\alpha+t_x)^{-(r+x)}\\Big]

    computed as a log-sum-exp, with its analytic gradient; the beta-function ratios as Pochhammer
    ratios and α^r (α+τ)^-(r+x) as (1 + τ/α)^-r (α+τ)^-x, so that the likelihood is exact however
    large the parameters grow.

    Limits. Where the data show no heterogeneity the likelihood rises towards the boundary of the
    parameter space, and the estimate is the limiting model, with a
    :class:`~crmlab.errors.CrmlabWarning` and ``limit_`` saying which (see :mod:`crmlab.clv.fitting`):

    * a, b → ∞ with a/(a+b) = p: one dropout probability p for every customer (data simulated with
      a and b in the thousands end there);
    * a = 1, b → ∞: nobody drops out, the NBD model (data without dropout);
    * r, α → ∞ with r/α = λ: one purchase rate λ for every customer (Poisson purchasing);
    * and their combinations. Each is a model with exact predictions, represented by the parameters
      at e^30 (≈ 1.1e13), where the predictions of the formulas below equal the limit's; the
      standard errors of the collapsed pair are infinite.

    Other runs to the edge (the purchase rate to zero, every customer dropping out at once) have no
    such model and raise :class:`~crmlab.errors.ConvergenceError`; data that cannot identify the
    model at all (no repeat purchase, one customer) are refused with a
    :class:`~crmlab.errors.DataError` before fitting.

    Covariates (``purchase_covariates=``, ``dropout_covariates=``, ``shared_covariates=``,
    ``covariate_penalty=``; :mod:`crmlab.clv.covariates`) follow CLVTools' ``bgnbd`` with static
    covariates: α_i = α exp(−γ_purchase'z_i), a_i = a exp(γ_dropout'z_i), b_i = b exp(γ_dropout'z_i) —
    one dropout coefficient per covariate for a and b alike, so the covariates move the spread of the
    dropout probabilities around an unchanged mean a/(a+b). The likelihood above holds per customer.

    Checked against the published CDNOW estimates (r = 0.243, α = 4.414, a = 0.793,
    b = 2.426, LL = -9582.4) and lifetimes' BetaGeoFitter.
    """

    param_names = ("r", "alpha", "a", "b")
    covariate_links = {"purchase": (("alpha", -1),), "dropout": (("a", 1), ("b", 1))}
    model_name = "BG/NBD"
    bhhh_steps = True
    _process = BetaGeoProcess
    #: The likelihood in (a, b) often has two maxima: most customers unlikely to drop out (b > a), or a
    #: U-shaped p (a, b < 1: some drop out at once, the others hardly ever), each climbed to from its side.
    _dropout_starts = ({}, {"a": 0.5, "b": 0.5})
    boundaries = (COMMON_PURCHASE_RATE,
                  Boundary(("a", "b"), concentrate="every customer drops out after a purchase with the same "
                                                   "probability p = a/(a+b) = {share:.4g}",
                           vanish="no customer ever drops out, the NBD model",
                           saturate="every customer drops out right after the first repeat purchase",
                           polarise="a share {share:.4g} of the customers drop out right after their first repeat "
                                    "purchase and the others never do"))

    def _mixture(self, params, data):
        """What the likelihood, its gradient and its Hessian share: the levels (special functions once per distinct
        frequency and covariates), log(1 + τ/α) at T and t_x, and the log-sum-exp of the two terms with their
        weights."""
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        levels, at = self._frequency_levels(data)  # special functions once per distinct frequency (and covariates)
        a_l, b_l = self._per_level(a, data), self._per_level(b, data)
        before = np.maximum(levels - 1, 0.0)
        # B(a, b+x)/B(a, b) and B(a+1, b+x-1)/B(a, b) as Pochhammer ratios, exact for huge a and b (see _special)
        drift = log_gamma_ratio(a_l + b_l, levels)
        beta1 = (log_gamma_ratio(b_l, levels) - drift)[at]
        beta2 = np.where(levels > 0, np.log(a_l) + log_gamma_ratio(b_l, before) - drift, -np.inf)[at]
        # α^r (α+τ)^-(r+x) = (1 + τ/α)^-r (α+τ)^-x, exact for huge r and α
        grow_T, grow_tx = np.log1p(T / alpha), np.log1p(t_x / alpha)
        term1 = beta1 - r * grow_T - x * np.log(alpha + T)
        term2 = beta2 - r * grow_tx - x * np.log(alpha + t_x)
        # log-sum-exp sharing one exponential with the mixing weight w2 = e^term2 / (e^term1 + e^term2)
        diff = term2 - term1
        shrink = np.exp(-np.abs(diff))
        mix = np.maximum(term1, term2) + np.log1p(shrink)
        w2 = np.where(diff > 0, 1.0, shrink) / (1.0 + shrink)
        return (levels, at, a_l, b_l, before), (grow_T, grow_tx), mix, (1.0 - w2, w2)

    def _row_log_likelihood(self, params, data):
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        (levels, at, a_l, b_l, before), (grow_T, grow_tx), mix, (w1, w2) = self._mixture(params, data)
        ll = log_gamma_ratio(r, levels)[at] + mix

        # gradient in the log-parameters, each written without differences of large terms
        d_r = r * (digamma_difference(r, levels)[at] - w1 * grow_T - w2 * grow_tx)
        d_alpha = (r * (w1 * T / (alpha + T) + w2 * t_x / (alpha + t_x))
                   - x * alpha * (w1 / (alpha + T) + w2 / (alpha + t_x)))
        spread = digamma_difference(a_l + b_l, levels)[at]
        d_a = w2 - a * spread
        d_b = b * (w1 * digamma_difference(b_l, levels)[at] + w2 * digamma_difference(b_l, before)[at] - spread)
        return ll, np.stack([d_r, d_alpha, d_a, d_b]).T

    exact_row_curvature = True

    def _row_curvature(self, theta, data):
        """The rows' Hessians in closed form (:meth:`_row_hessian`)."""
        return self._row_hessian(self._row_params(theta, data), data)

    def _row_hessian(self, params, data):
        """∂²ℓ_i/∂θ_j∂θ_k per row in the customer's log-parameters (log r, log α, log a, log b), as {(j, k): row
        values} for j <= k.

        ℓ = ln Γ(r+x)/Γ(r) + ln(e^t1 + e^t2), so its Hessian is that of the first part (in log r only) plus
        w1 H1 + w2 H2 + w1 w2 (g1 − g2)(g1 − g2)', with t_j's gradient g_j and Hessian H_j and the weights
        w_j = e^t_j/(e^t1 + e^t2). With u = α/(α+τ) at τ = T (t1) or t_x (t2): ∂t/∂log r = −r log1p(τ/α),
        ∂t/∂log α = r(1 − u) − x u, ∂²t/∂log α² = −(r+x) u (1 − u), ∂²t/∂log r ∂log α = r(1 − u); the beta parts
        from ψ and ψ' differences (:func:`~crmlab.clv._special.trigamma_difference`): with S = ψ(a+b+x) − ψ(a+b)
        and S' its ψ' analogue, ∂t/∂log a = −aS (+1 in t2), ∂²t/∂log a² = −aS − a²S', ∂²t/∂log a ∂log b = −abS'.
        """
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        (levels, at, a_l, b_l, before), (grow_T, grow_tx), _, weights = self._mixture(params, data)
        joint, joint_2 = digamma_difference(a_l + b_l, levels)[at], trigamma_difference(a_l + b_l, levels)[at]
        gradients, seconds = [], []  # per term: its gradient and its non-zero second derivatives
        for grow, tau, own, own_2, opens in ((grow_T, T, digamma_difference(b_l, levels)[at],
                                              trigamma_difference(b_l, levels)[at], 0.0),
                                             (grow_tx, t_x, digamma_difference(b_l, before)[at],
                                              trigamma_difference(b_l, before)[at], 1.0)):
            u = alpha / (alpha + tau)
            gradients.append((-r * grow, r * (1 - u) - x * u, opens - a * joint, b * (own - joint)))
            seconds.append({(0, 0): -r * grow, (0, 1): r * (1 - u), (1, 1): -(r + x) * u * (1 - u),
                            (2, 2): -a * joint - a**2 * joint_2, (2, 3): -a * b * joint_2,
                            (3, 3): b * (own - joint) + b**2 * (own_2 - joint_2)})
        apart = [one - two for one, two in zip(*gradients, strict=True)]
        both = weights[0] * weights[1]
        hessian = {}
        for j in range(4):
            for k in range(j, 4):
                hessian[j, k] = both * apart[j] * apart[k]
                if (j, k) in seconds[0]:
                    hessian[j, k] += weights[0] * seconds[0][j, k] + weights[1] * seconds[1][j, k]
        hessian[0, 0] += r * digamma_difference(r, levels)[at] + r**2 * trigamma_difference(r, levels)[at]
        return hessian

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) = 1 / (1 + δ_{x>0} a/(b+x-1) ((α+T)/(α+t_x))^{r+x})  (FHL 2005, eq. 11)."""
        r, alpha, a, b = self._customer_params(history)
        x, t_x, T = history["frequency"], history["recency"], history["T"]
        log_odds = np.log(a) - np.log(b + np.maximum(x - 1, 0.0)) + (r + x) * np.log1p((T - t_x) / (alpha + t_x))
        return np.where(x > 0, special.expit(-log_odds), 1.0)

    def _alive_parameters(self, keys):
        """An alive customer's future: λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x), the prior updated by x
        purchases (each survived) in T time units; from T on, a new BG/NBD customer with these parameters."""
        r, alpha, a, b = self._customer_params(keys)
        x, T = keys["frequency"], keys["T"]
        return r + x, alpha + T, np.broadcast_to(a, x.shape).astype("float64"), b + x

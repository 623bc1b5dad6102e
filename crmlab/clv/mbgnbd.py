"""MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007).

Batislam, E.P., Denizel, M., Filiztekin, A. (2007), "Empirical validation and comparison of
models for customer base analysis", *International Journal of Research in Marketing* 24(3), 201-209.

Assumptions as BG/NBD, except that a customer may also drop out right after the first
purchase, so customers without repeat purchases are not certainly alive.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._purchase import COMMON_PURCHASE_RATE, PurchaseModel
from ._special import digamma_difference, log_gamma_ratio
from .bgnbd import BetaGeoProcess
from .fitting import Boundary

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(PurchaseModel):
    """MBG/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Notes
    -----
    .. math::
        \\ell = \\ln\\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)} + \\ln\\Big[
        \\frac{B(a, b+x+1)}{B(a,b)}(\\alpha+T)^{-(r+x)} + \\frac{B(a+1, b+x)}{B(a,b)}(\\alpha+t_x)^{-(r+x)}\\Big]

    Computed exactly for any parameter values, as BG/NBD's; the same limits apply (one dropout
    probability, no dropout, one purchase rate: see :class:`~crmlab.clv.BetaGeo`).

    Covariates as for :class:`~crmlab.clv.BetaGeo` (CLVTools' BG/NBD parametrisation: α_i = α exp(−γ_purchase'z_i),
    a_i = a exp(γ_dropout'z_i), b_i = b exp(γ_dropout'z_i)).

    Checked against BTYDplus's estimates on the CDNOW sample (r = 0.525, α = 6.183,
    a = 0.891, b = 1.614) and lifetimes' ModifiedBetaGeoFitter.
    """

    param_names = ("r", "alpha", "a", "b")
    covariate_links = {"purchase": (("alpha", -1),), "dropout": (("a", 1), ("b", 1))}
    model_name = "MBG/NBD"
    bhhh_steps = True
    _process = BetaGeoProcess
    #: The likelihood in (a, b) often has two maxima: most customers unlikely to drop out (b > a), or a
    #: U-shaped p (a, b < 1: some drop out at once, the others hardly ever), each climbed to from its side.
    _dropout_starts = ({}, {"a": 0.5, "b": 0.5})
    boundaries = (COMMON_PURCHASE_RATE,
                  Boundary(("a", "b"), concentrate="every customer drops out after a purchase (the first "
                                                   "included) with the same probability p = a/(a+b) = {share:.4g}",
                           vanish="no customer ever drops out, the NBD model",
                           polarise="a share {share:.4g} of the customers drop out right after their first purchase "
                                    "and the others never do"))

    def _row_log_likelihood(self, params, data):
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        levels, at = self._frequency_levels(data)  # special functions once per distinct frequency (and covariates)
        a_l, b_l = self._per_level(a, data), self._per_level(b, data)
        # B(a, b+x+1)/B(a, b) and B(a+1, b+x)/B(a, b) as Pochhammer ratios; α^r (α+τ)^-(r+x) as in BG/NBD
        drift = log_gamma_ratio(a_l + b_l, levels + 1)
        beta1 = (log_gamma_ratio(b_l, levels + 1) - drift)[at]
        beta2 = (np.log(a_l) + log_gamma_ratio(b_l, levels) - drift)[at]
        grow_T, grow_tx = np.log1p(T / alpha), np.log1p(t_x / alpha)
        term1 = beta1 - r * grow_T - x * np.log(alpha + T)
        term2 = beta2 - r * grow_tx - x * np.log(alpha + t_x)
        mix = np.logaddexp(term1, term2)
        w1, w2 = np.exp(term1 - mix), np.exp(term2 - mix)
        ll = log_gamma_ratio(r, levels)[at] + mix
        d_r = r * (digamma_difference(r, levels)[at] - w1 * grow_T - w2 * grow_tx)
        d_alpha = (r * (w1 * T / (alpha + T) + w2 * t_x / (alpha + t_x))
                   - x * alpha * (w1 / (alpha + T) + w2 / (alpha + t_x)))
        spread = digamma_difference(a_l + b_l, levels + 1)[at]
        d_a = w2 - a * spread
        d_b = b * (w1 * digamma_difference(b_l, levels + 1)[at] + w2 * digamma_difference(b_l, levels)[at] - spread)
        return ll, np.stack([d_r, d_alpha, d_a, d_b]).T

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))  (Batislam et al. 2007)."""
        r, alpha, a, b = self._customer_params(history)
        x, t_x, T = history["frequency"], history["recency"], history["T"]
        log_odds = np.log(a) - np.log(b + x) + (r + x) * np.log1p((T - t_x) / (alpha + t_x))
        return special.expit(-log_odds)

    def _alive_parameters(self, keys):
        """An alive customer survived the dropout chances after all x + 1 purchases: p ~ Beta(a, b + x + 1),
        λ ~ Gamma(r + x, α + T); from T on, BG/NBD dynamics with these parameters."""
        r, alpha, a, b = self._customer_params(keys)
        x, T = keys["frequency"], keys["T"]
        return r + x, alpha + T, np.broadcast_to(a, x.shape).astype("float64"), b + x + 1

    def _new_customer(self):
        """A new customer drops out right after the first purchase with probability p: alive with probability
        b/(a+b), then with p ~ Beta(a, b+1). E[X(t)] = b/(a-1) [1 - (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]."""
        r, alpha, a, b = self._param_values()
        return b / (a + b), (r, alpha, a, b + 1)

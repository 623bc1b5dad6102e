"""MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007).

Batislam, E.P., Denizel, M., Filiztekin, A. (2007), "Empirical validation and comparison of
models for customer base analysis", *International Journal of Research in Marketing* 24(3), 201-209.

Assumptions as BG/NBD, except that a customer may also drop out right after the first
purchase, so customers without repeat purchases are not certainly alive.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._purchase import PurchaseModel
from .bgnbd import BetaGeoProcess

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(PurchaseModel):
    """MBG/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Notes
    -----
    .. math::
        \\ell = \\ln\\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)} + \\ln\\Big[
        \\frac{B(a, b+x+1)}{B(a,b)}(\\alpha+T)^{-(r+x)} + \\frac{B(a+1, b+x)}{B(a,b)}(\\alpha+t_x)^{-(r+x)}\\Big]

    Checked against BTYDplus's estimates on the CDNOW sample (r = 0.525, α = 6.183,
    a = 0.891, b = 1.614) and lifetimes' ModifiedBetaGeoFitter.
    """

    param_names = ("r", "alpha", "a", "b")
    model_name = "MBG/NBD"
    _process = BetaGeoProcess

    def _log_likelihood(self, log_params, data):
        r, alpha, a, b = np.exp(log_params)
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        dig = special.digamma
        log_b_ab = special.betaln(a, b)
        term1 = special.betaln(a, b + x + 1) - log_b_ab - (r + x) * np.log(alpha + T)
        term2 = special.betaln(a + 1, b + x) - log_b_ab - (r + x) * np.log(alpha + t_x)
        mix = np.logaddexp(term1, term2)
        w1, w2 = np.exp(term1 - mix), np.exp(term2 - mix)
        ll = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + mix
        d_r = dig(r + x) - dig(r) + np.log(alpha) - w1 * np.log(alpha + T) - w2 * np.log(alpha + t_x)
        d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
        common = dig(a + b) - dig(a + b + x + 1)
        d_a = common + w2 / a
        d_b = common - dig(b) + w1 * dig(b + x + 1) + w2 * dig(b + x)
        return ll, np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b]).T

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))  (Batislam et al. 2007)."""
        r, alpha, a, b = self._param_values()
        x, t_x, T = history["frequency"], history["recency"], history["T"]
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return special.expit(-log_odds)

    def _alive_parameters(self, keys):
        """An alive customer survived the dropout chances after all x + 1 purchases: p ~ Beta(a, b + x + 1),
        λ ~ Gamma(r + x, α + T); from T on, BG/NBD dynamics with these parameters."""
        r, alpha, a, b = self._param_values()
        x, T = keys["frequency"], keys["T"]
        return r + x, alpha + T, np.full_like(x, a), b + x + 1

    def _new_customer(self):
        """A new customer drops out right after the first purchase with probability p: alive with probability
        b/(a+b), then with p ~ Beta(a, b+1). E[X(t)] = b/(a-1) [1 - (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]."""
        r, alpha, a, b = self._param_values()
        return b / (a + b), (r, alpha, a, b + 1)

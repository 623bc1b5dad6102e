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
import pandas as pd
from scipy import special

from ..errors import DataError
from .base import MaximumLikelihoodModel, _Data

__all__ = ["BetaGeoBetaBinom"]


def _log_beta_ratio_terms(params, x, m, g, d):
    """log[B(α+x, β+m)/B(α,β) · B(γ+g, δ+d)/B(γ,δ)] and its gradient in (α, β, γ, δ)."""
    alpha, beta, gamma, delta = params
    x, m, g, d = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (x, m, g, d)))
    dig = special.digamma
    value = (special.betaln(alpha + x, beta + m) - special.betaln(alpha, beta)
             + special.betaln(gamma + g, delta + d) - special.betaln(gamma, delta))
    ab, gd = dig(alpha + beta), dig(gamma + delta)
    grad = np.stack([
        dig(alpha + x) - dig(alpha + beta + x + m) - dig(alpha) + ab,
        dig(beta + m) - dig(alpha + beta + x + m) - dig(beta) + ab,
        dig(gamma + g) - dig(gamma + delta + g + d) - dig(gamma) + gd,
        dig(delta + d) - dig(gamma + delta + g + d) - dig(delta) + gd,
    ], axis=-1)
    return value, grad


class BetaGeoBetaBinom(MaximumLikelihoodModel):
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

    summed on the log scale with its analytic gradient. Checked against Fader, Hardie
    & Shang (2010) on the donations data: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783.
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    data_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "periods")
    model_name = "BG/BB"

    def _check_values(self, columns):
        x, t_x, n = columns["frequency"], columns["recency"], columns["periods"]
        whole = (x == np.floor(x)) & (t_x == np.floor(t_x)) & (n == np.floor(n))
        bad = ~whole | (x < 0) | (x > t_x) | (t_x > n) | (n < 1) | ((x == 0) & (t_x > 0)) | ((x > 0) & (t_x < 1))
        if bad.any():
            raise DataError(f"BG/BB: {int(bad.sum()):,} rows are not valid patterns (need whole numbers with "
                            "0 <= frequency <= recency <= periods, recency 0 exactly when frequency is 0); "
                            f"row positions {np.flatnonzero(bad)[:5].tolist()}")

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        return np.zeros(4)

    def _terms(self, params, x, t_x, n):
        """Log-values and gradients of every term of the likelihood; absent terms are -inf."""
        values, grads = [], []
        v, g = _log_beta_ratio_terms(params, x, n - x, 0.0, n)
        values.append(v)
        grads.append(g)
        for i in range(int(np.max(n - t_x)) if len(n) else 0):
            present = i <= n - t_x - 1
            v, g = _log_beta_ratio_terms(params, x, t_x - x + i, 1.0, t_x + i)
            values.append(np.where(present, v, -np.inf))
            grads.append(g)
        return np.stack(values), np.stack(grads)

    def _log_likelihood(self, log_params, data):
        params = np.exp(log_params)
        values, grads = self._terms(params, data["frequency"], data["recency"], data["periods"])
        ll = special.logsumexp(values, axis=0)
        weights = np.exp(values - ll)
        grad = np.einsum("kn,knp->np", weights, grads)
        return ll, grad * params

    # ------------------------------------------------------------------ predictions
    def _patterns(self, data: pd.DataFrame):
        missing = [c for c in self.data_columns if c not in data]
        if missing:
            raise DataError(f"BG/BB predictions need columns {list(self.data_columns)}; missing {missing}")
        return (data["frequency"].to_numpy(dtype="float64"), data["recency"].to_numpy(dtype="float64"),
                data["periods"].to_numpy(dtype="float64"), data.index)

    def _log_likelihood_at_fit(self, x, t_x, n):
        values, _ = self._terms(np.array(self._param_values()), x, t_x, n)
        return special.logsumexp(values, axis=0)

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        """P(alive at opportunity n+1 | x, t_x, n) (eq. 11)."""
        alpha, beta, gamma, delta = self._param_values()
        x, t_x, n, index = self._patterns(data)
        log_alive = (special.betaln(alpha + x, beta + n - x) - special.betaln(alpha, beta)
                     + special.betaln(gamma, delta + n + 1) - special.betaln(gamma, delta))
        return pd.Series(np.exp(log_alive - self._log_likelihood_at_fit(x, t_x, n)), index=index, name="p_alive")

    def expected_purchases(self, t, data: pd.DataFrame) -> pd.Series:
        """E[transactions in the next t opportunities | x, t_x, n] (eq. 13)."""
        alpha, beta, gamma, delta = self._param_values()
        x, t_x, n, index = self._patterns(data)
        t = np.asarray(t, dtype="float64")
        gl = special.gammaln
        log_front = (special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
                     + gl(gamma + delta) - gl(1 + delta) - self._log_likelihood_at_fit(x, t_x, n))
        bracket = (np.exp(gl(1 + delta + n) - gl(gamma + delta + n))
                   - np.exp(gl(1 + delta + n + t) - gl(gamma + delta + n + t)))
        value = np.exp(log_front) * delta / (gamma - 1) * bracket
        return pd.Series(value, index=index, name="expected_purchases")

    def expected_purchases_new_customer(self, t) -> np.ndarray:
        """E[X(n)] in the first n opportunities after acquisition (eq. 7)."""
        alpha, beta, gamma, delta = self._param_values()
        n = np.asarray(t, dtype="float64")
        gl = special.gammaln
        ratio = np.exp(gl(gamma + delta) + gl(1 + delta + n) - gl(gamma + delta + n) - gl(1 + delta))
        return alpha / (alpha + beta) * delta / (gamma - 1) * (1 - ratio)

    def purchase_probability(self, x, t) -> np.ndarray:
        """P(X(n) = x): probability of x transactions in the first n opportunities (eq. 8)."""
        params = np.array(self._param_values())
        x, n = np.broadcast_arrays(np.asarray(x, dtype="float64"), np.asarray(t, dtype="float64"))
        log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
        value, _ = _log_beta_ratio_terms(params, x, n - x, 0.0, n)
        total = np.where(x <= n, np.exp(log_choose + value), 0.0)
        for i in range(int(np.max(n)) if n.size else 0):
            present = (i >= x) & (i <= n - 1)
            log_c = special.gammaln(i + 1) - special.gammaln(x + 1) - special.gammaln(np.maximum(i - x, 0) + 1)
            v, _ = _log_beta_ratio_terms(params, x, i - x, 1.0, float(i))
            total = total + np.where(present, np.exp(log_c + v), 0.0)
        return total

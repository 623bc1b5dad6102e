"""Special functions of the customer-base models, computed so that they neither overflow nor lose precision.

SciPy's ``hyp2f1`` returns ``inf`` for arguments these models meet (for example
2F1(173.4, 5.8; 174.4; 0.99995) ≈ 1.04e22), so the two Gaussian hypergeometric
forms the models need are summed here as series of positive terms, on the log
scale, with their derivatives:

* :func:`pareto_nbd_integral` — the integral J of the Pareto/NBD likelihood
  (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model and related
  expressions", eq. 22), with derivatives for an analytic gradient;
* :func:`log_hyp2f1` — log 2F1(a, b; c; z) for 0 <= z < 1 through Euler's
  transformation 2F1(a, b; c; z) = (1 - z)^(c-a-b) 2F1(c-a, c-b; c; z), whose
  series converges fast when c grows with the customer's frequency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_TERMS = 200_000
FITTING_TERMS = 2_000  # while fitting, rows still unconverged here get a bounded tail estimate
_RTOL = 1e-16


def _sum_series(ratio, z, n_rows: int, track: int = 0, max_terms: int | None = None):
    """Sum Σ_k c_k z^k with c_0 = 1 and c_{k+1} = c_k * ratio(k, rows), until |term| < 1e-16 |sum|.

    ``ratio(k, rows)`` returns the term ratios (without z) for the still-active
    ``rows`` and, when ``track`` > 0, a tuple of ``track`` arrays with the
    derivatives of log(ratio) with respect to the tracked parameters. Returns
    (S, S', [∂S/∂θ_i]) where S' = dS/dz.

    With ``max_terms`` (used while fitting, where only the optimum must be exact)
    rows still unconverged after that many terms get the tail bound
    term · z / (1 - z) (valid when every ratio is below 1) instead of an error.
    """
    total = np.ones(n_rows)
    dz = np.zeros(n_rows)
    dtheta = [np.zeros(n_rows) for _ in range(track)]
    term = np.ones(n_rows)
    dlog_term = [np.zeros(n_rows) for _ in range(track)]
    rows = np.arange(n_rows)
    for k in range(max_terms or MAX_TERMS):
        zk = z[rows]
        step, dlogs = ratio(k, rows)
        dz[rows] += (k + 1) * step * term  # (k+1) c_{k+1} z^k, exact at z = 0 too
        term = term * step * zk
        total[rows] += term
        for i in range(track):
            dlog_term[i] = dlog_term[i] + dlogs[i]
            dtheta[i][rows] += term * dlog_term[i]
        active = np.abs(term) > _RTOL * np.abs(total[rows])
        if not active.all():
            rows, term = rows[active], term[active]
            dlog_term = [d[active] for d in dlog_term]
            if rows.size == 0:
                break
    else:
        if max_terms is None:
            raise FloatingPointError(f"hypergeometric series did not converge in {MAX_TERMS:,} terms "
                                     "(an argument within about 1e-5 of 1)")
        total[rows] += term * z[rows] / (1.0 - z[rows])
    return total, dz, dtheta


def log_hyp2f1(a, b, c, z) -> np.ndarray:
    """log 2F1(a, b; c; z) for 0 <= z < 1 and c > 0, via Euler's transformation (a positive result)."""
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (a, b, c, z)))
    ea, eb = (c - a).ravel(), (c - b).ravel()
    cc, zz = c.ravel(), z.ravel()

    def ratio(k, rows):
        return (ea[rows] + k) * (eb[rows] + k) / ((cc[rows] + k) * (k + 1)), ()

    series, _, _ = _sum_series(ratio, zz, zz.size)
    if np.any(series <= 0):
        raise FloatingPointError("Euler-transformed hypergeometric series is not positive for these arguments")
    return ((c - a - b).ravel() * np.log1p(-zz) + np.log(series)).reshape(z.shape)


def pareto_nbd_integral(r, alpha, s, beta, x, t_x, T, exact: bool = True):
    """log J and d log J / d(r, alpha, s, beta) for J = ∫_{t_x}^{T} (alpha+τ)^-(r+x) (beta+τ)^-(s+1) dτ.

    J is the part of the Pareto/NBD likelihood contributed by customers who died
    between their last purchase and the end of the calibration period. With
    p = r + x, q = s + 1 and n = p + q - 1, an antiderivative is (for alpha >= beta)

        H(τ) = (alpha+τ)^-p (beta+τ)^(1-q) S(z) / n,   z = (alpha-beta)/(alpha+τ),
        S(z) = Σ_k c_k z^k,   c_{k+1} = c_k (p+k) / (p+q+k),

    the Euler transform of Fader & Hardie's 2F1(n, q; n+1; z) (roles of alpha/p
    and beta/q swap when beta > alpha), so that J = H(t_x) - H(T) with every
    series term positive. Rows with t_x == T have J = 0 (log J = -inf).
    ``exact=False`` (while fitting) caps the series, see :func:`_sum_series`.
    """
    p, q = r + x, s + 1.0
    n = p + q - 1.0
    swap = beta > alpha  # sum in the variable with the smaller z
    big, small = np.where(swap, beta, alpha), np.where(swap, alpha, beta)
    own, other = np.where(swap, q, p), np.where(swap, p, q)  # exponents of (big+τ) and (small+τ)

    own = np.broadcast_to(own, np.shape(x)).astype("float64")
    other = np.broadcast_to(other, np.shape(x)).astype("float64")
    n = np.broadcast_to(n, np.shape(x)).astype("float64")

    def log_h(tau, own, other, n):
        u = big + tau
        z = (big - small) / u

        def ratio(k, rows):
            o, w = own[rows], other[rows]
            return (o + k) / (o + w + k), (1.0 / (o + k) - 1.0 / (o + w + k), -1.0 / (o + w + k))

        series, d_series_dz, (d_series_own, d_series_other) = _sum_series(
            ratio, z, z.size, track=2, max_terms=None if exact else FITTING_TERMS)
        v = small + tau
        value = -own * np.log(u) + (1.0 - other) * np.log(v) + np.log(series) - np.log(n)
        dz_dbig, dz_dsmall = v / u**2, -1.0 / u
        g_big = -own / u + d_series_dz / series * dz_dbig
        g_small = (1.0 - other) / v + d_series_dz / series * dz_dsmall
        g_own = -np.log(u) + d_series_own / series - 1.0 / n
        g_other = -np.log(v) + d_series_other / series - 1.0 / n
        # back to (p, alpha, q, beta)
        d_p = np.where(swap, g_other, g_own)
        d_q = np.where(swap, g_own, g_other)
        d_alpha = np.where(swap, g_small, g_big)
        d_beta = np.where(swap, g_big, g_small)
        return value, np.stack([d_p, d_alpha, d_q, d_beta]).T

    def log_h_by_pair(tau):
        """log H depends on (x, τ) only: evaluate it once per distinct pair (T takes few values)."""
        x_codes, _ = pd.factorize(np.broadcast_to(x, np.shape(tau)))
        tau_codes, tau_values = pd.factorize(tau)
        at, pairs = pd.factorize(x_codes.astype("int64") * len(tau_values) + tau_codes)
        first = np.unique(at, return_index=True)[1]
        value, grad = log_h(tau[first], own[first], other[first], n[first])
        return value[at], grad[at]

    log_h1, grad1 = log_h(np.broadcast_to(t_x, np.shape(x)).astype("float64"), own, other, n)
    log_h2, grad2 = log_h_by_pair(np.broadcast_to(T, np.shape(x)).astype("float64"))
    with np.errstate(divide="ignore"):
        ratio21 = np.exp(log_h2 - log_h1)
        log_j = log_h1 + np.log1p(-np.minimum(ratio21, 1.0))
        weight = 1.0 / (1.0 - ratio21)
    weight = np.where(np.isfinite(weight), weight, 0.0)[:, None]
    grad = weight * grad1 - (weight - 1.0) * grad2  # d log(H1 - H2) = (H1 dlogH1 - H2 dlogH2) / (H1 - H2)
    grad = np.where(np.isfinite(log_j)[:, None], grad, 0.0)
    return log_j, grad  # columns: d/dp (= d/dr), d/dalpha, d/dq (= d/ds), d/dbeta

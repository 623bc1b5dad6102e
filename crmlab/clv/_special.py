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


def _sum_series(ratio, z, columns: tuple, track: int = 0, max_terms: int | None = None):
    """Sum Σ_k c_k z^k with c_0 = 1 and c_{k+1} = c_k * ratio(k, *columns), until |term| < 1e-16 |sum|.

    ``ratio(k, *columns)`` returns the term ratios (without z) for the rows of
    ``columns`` (arrays, one value per row) and, when ``track`` > 0, a tuple of
    ``track`` arrays with the derivatives of log(ratio) with respect to the
    tracked parameters. Returns (S, S', [∂S/∂θ_i]) where S' = dS/dz.

    The rows still summing are kept in compact arrays, which shrink when fewer
    than half of them remain unconverged; until then a converged row keeps adding
    terms below the tolerance (the terms decrease geometrically), which is cheaper
    than gathering and scattering at every term.

    With ``max_terms`` (used while fitting, where only the optimum must be exact)
    rows still unconverged after that many terms get the tail bound
    term · z / (1 - z) (valid when every ratio is below 1) instead of an error.
    """
    n_rows = z.size
    total, dz = np.ones(n_rows), np.zeros(n_rows)
    dtheta = [np.zeros(n_rows) for _ in range(track)]
    rows, zc, cols = np.arange(n_rows), z, columns
    s_total, s_dz, term = np.ones(n_rows), np.zeros(n_rows), np.ones(n_rows)
    s_dtheta = [np.zeros(n_rows) for _ in range(track)]
    dlog_term = [np.zeros(n_rows) for _ in range(track)]

    def store(which):
        total[rows[which]], dz[rows[which]] = s_total[which], s_dz[which]
        for i in range(track):
            dtheta[i][rows[which]] = s_dtheta[i][which]

    for k in range(max_terms or MAX_TERMS):
        step, dlogs = ratio(k, *cols)
        s_dz += (k + 1) * step * term  # (k+1) c_{k+1} z^k, exact at z = 0 too
        term = term * step * zc
        s_total += term
        for i in range(track):
            dlog_term[i] = dlog_term[i] + dlogs[i]
            s_dtheta[i] += term * dlog_term[i]
        active = np.abs(term) > _RTOL * np.abs(s_total)
        remaining = np.count_nonzero(active)
        if remaining == 0:
            break
        if remaining < rows.size // 2:
            store(~active)
            rows, zc, term = rows[active], zc[active], term[active]
            cols = tuple(c[active] for c in cols)
            s_total, s_dz = s_total[active], s_dz[active]
            s_dtheta = [d[active] for d in s_dtheta]
            dlog_term = [d[active] for d in dlog_term]
    else:
        if max_terms is None:
            raise FloatingPointError(f"hypergeometric series did not converge in {MAX_TERMS:,} terms "
                                     "(an argument within about 1e-5 of 1)")
        unconverged = np.abs(term) > _RTOL * np.abs(s_total)
        s_total = s_total + np.where(unconverged, term * zc / (1.0 - zc), 0.0)
    store(slice(None))
    return total, dz, dtheta


def log_hyp2f1(a, b, c, z) -> np.ndarray:
    """log 2F1(a, b; c; z) for 0 <= z < 1 and c > 0, via Euler's transformation (a positive result)."""
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (a, b, c, z)))
    ea, eb = (c - a).ravel(), (c - b).ravel()
    cc, zz = c.ravel(), z.ravel()

    def ratio(k, ea, eb, cc):
        return (ea + k) * (eb + k) / ((cc + k) * (k + 1)), ()

    series, _, _ = _sum_series(ratio, zz, (ea, eb, cc))
    if np.any(series <= 0):
        raise FloatingPointError("Euler-transformed hypergeometric series is not positive for these arguments")
    return ((c - a - b).ravel() * np.log1p(-zz) + np.log(series)).reshape(z.shape)


def distinct_pairs(x, T) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the distinct (x, T) pairs and each row's pair: ``first`` indexes one row per pair, ``at`` maps back."""
    x_codes, _ = pd.factorize(np.asarray(x))
    t_codes, t_values = pd.factorize(np.asarray(T))
    at, _ = pd.factorize(x_codes.astype("int64") * len(t_values) + t_codes)
    first = np.flatnonzero(np.diff(np.maximum.accumulate(at), prepend=-1) > 0)  # codes number first appearances
    return first, at


def pareto_nbd_integral(r, alpha, s, beta, x, t_x, T, exact: bool = True, pairs=None):
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
    ``pairs``: :func:`distinct_pairs` of (x, T), when the caller has computed it once.
    """
    x = np.asarray(x, dtype="float64")
    p, q = r + x, np.full(x.shape, s + 1.0)
    n = p + q - 1.0
    swap = bool(beta > alpha)  # sum in the variable with the smaller z
    big, small = (beta, alpha) if swap else (alpha, beta)
    own, other = (q, p) if swap else (p, q)  # exponents of (big+τ) and (small+τ)

    def log_h(tau, own, other, n):
        u = big + tau
        z = (big - small) / u

        def ratio(k, o, ow):
            inverse = 1.0 / (ow + k)
            return (o + k) * inverse, (1.0 / (o + k) - inverse, -inverse)

        series, d_series_dz, (d_series_own, d_series_other) = _sum_series(
            ratio, z, (own, own + other), track=2, max_terms=None if exact else FITTING_TERMS)
        v = small + tau
        value = -own * np.log(u) + (1.0 - other) * np.log(v) + np.log(series) - np.log(n)
        dz_dbig, dz_dsmall = v / u**2, -1.0 / u
        g_big = -own / u + d_series_dz / series * dz_dbig
        g_small = (1.0 - other) / v + d_series_dz / series * dz_dsmall
        g_own = -np.log(u) + d_series_own / series - 1.0 / n
        g_other = -np.log(v) + d_series_other / series - 1.0 / n
        # back to (p, alpha, q, beta)
        columns = [g_other, g_small, g_own, g_big] if swap else [g_own, g_big, g_other, g_small]
        return value, np.stack(columns).T

    # log H(T) depends on (x, T) only: evaluate it once per distinct pair (T takes few values)
    T = np.broadcast_to(T, x.shape).astype("float64")
    first, at = distinct_pairs(x, T) if pairs is None else pairs
    log_h1, grad1 = log_h(np.broadcast_to(t_x, x.shape).astype("float64"), own, other, n)
    log_h2, grad2 = log_h(T[first], own[first], other[first], n[first])
    log_h2, grad2 = log_h2[at], grad2[at]
    with np.errstate(divide="ignore"):
        ratio21 = np.exp(log_h2 - log_h1)
        log_j = log_h1 + np.log1p(-np.minimum(ratio21, 1.0))
        weight = 1.0 / (1.0 - ratio21)
    weight = np.where(np.isfinite(weight), weight, 0.0)[:, None]
    grad = weight * grad1 - (weight - 1.0) * grad2  # d log(H1 - H2) = (H1 dlogH1 - H2 dlogH2) / (H1 - H2)
    grad = np.where(np.isfinite(log_j)[:, None], grad, 0.0)
    return log_j, grad  # columns: d/dp (= d/dr), d/dalpha, d/dq (= d/ds), d/dbeta

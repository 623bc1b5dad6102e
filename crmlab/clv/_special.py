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
_POLYNOMIAL_TERMS = 64  # rows whose series converges within this many terms are summed as polynomials
_POLYNOMIAL_Z = _RTOL ** (1 / (_POLYNOMIAL_TERMS - 1))  # z^63 < 1e-16 for z below this (about 0.56)


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


def _ratio_series(own, other, z, level, exact: bool):
    """S(z) = Σ_k c_k z^k with c_0 = 1, c_{k+1} = c_k (own+k)/(own+other+k), and dS/dz, dS/d own, dS/d other.

    ``own`` and ``other`` (> 0) are constant within each run of equal ``level`` values (one level
    per customer frequency; rows sorted by level make one run per level). Every c_k lies in (0, 1] and
    S >= 1, so z^(K-1) < 1e-16 bounds the relative truncation after K terms. Rows with z below
    ``_POLYNOMIAL_Z`` need at most ``_POLYNOMIAL_TERMS`` terms: their coefficients, and those of
    the three derivative series (k+1)c_{k+1}, c_k Σ_{j<k} ∂log(ratio_j)/∂own and the same for other,
    are computed once per level, and each level's four sums are one product of its rows' powers of z
    with its K × 4 coefficient matrix. Rows closer to 1 are summed term by term by :func:`_sum_series`
    (``exact``: to convergence, else capped while fitting).
    """
    near = z < _POLYNOMIAL_Z
    if near.all():
        return _level_polynomials(own, other, z, level)
    out = np.empty((4, z.size))  # S, dS/dz, dS/d own, dS/d other
    if near.any():
        out[:, near] = _level_polynomials(own[near], other[near], z[near], level[near])
    far = ~near

    def ratio(k, o, ow):
        inverse = 1.0 / (ow + k)
        return (o + k) * inverse, (1.0 / (o + k) - inverse, -inverse)

    series, d_z, (d_own, d_other) = _sum_series(ratio, z[far], (own[far], own[far] + other[far]), track=2,
                                                max_terms=None if exact else FITTING_TERMS)
    out[:, far] = series, d_z, d_own, d_other
    return out


def _level_polynomials(own, other, z, level):
    """The four sums of :func:`_ratio_series` for rows with z < ``_POLYNOMIAL_Z``, by level."""
    z_max = float(z.max())
    terms = 2 if z_max == 0 else min(_POLYNOMIAL_TERMS, max(2, int(np.ceil(np.log(_RTOL) / np.log(z_max))) + 1))
    starts = np.flatnonzero(np.r_[True, level[1:] != level[:-1]])
    k = np.arange(terms - 1)
    o = own[starts, None] + k
    ow = o + other[starts, None]
    coefficients = np.zeros((starts.size, terms, 4))
    c = coefficients[:, :, 0]
    c[:, 0] = 1.0
    np.cumprod(o / ow, axis=1, out=c[:, 1:])
    coefficients[:, :-1, 1] = c[:, 1:] * (k + 1)
    coefficients[:, 1:, 2] = c[:, 1:] * np.cumsum(1.0 / o - 1.0 / ow, axis=1)
    coefficients[:, 1:, 3] = -c[:, 1:] * np.cumsum(1.0 / ow, axis=1)
    powers = np.empty((terms, z.size))  # z^k, one row per k (a loop of products: np.cumprod is 8x slower)
    powers[0] = 1.0
    for power in range(1, terms):
        np.multiply(powers[power - 1], z, out=powers[power])
    sums = np.empty((4, z.size))
    for coefficient, start, stop in zip(coefficients.transpose(0, 2, 1), starts, np.r_[starts[1:], z.size],
                                        strict=True):
        np.matmul(coefficient, powers[:, start:stop], out=sums[:, start:stop])
    return sums


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


def distinct_pairs(x, tau) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (x, tau) pairs: ``first`` indexes one row per pair, sorted by x; ``at`` maps rows to pairs."""
    x_codes, _ = pd.factorize(np.asarray(x))
    tau_codes, tau_values = pd.factorize(np.asarray(tau))
    codes, _ = pd.factorize(x_codes.astype("int64") * len(tau_values) + tau_codes)
    first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)  # codes number first appearances
    order = np.argsort(np.asarray(x)[first], kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    return first[order], position[codes]


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

    H(τ) depends on the row only through (x, τ), and customers share frequencies,
    last-purchase days and first-purchase cohorts, so H(t_x) and H(T) are summed once
    per distinct (x, t_x) and (x, T) pair (on CDNOW, 1,726 and 979 pairs for 8,685 rows).
    ``pairs``: the two :func:`distinct_pairs`, ((x, t_x), (x, T)), when the caller has
    computed them once. ``exact=False`` (while fitting) caps the series, see :func:`_sum_series`.
    """
    x = np.asarray(x, dtype="float64")
    t_x, T = (np.broadcast_to(np.asarray(v, dtype="float64"), x.shape) for v in (t_x, T))
    swap = bool(beta > alpha)  # sum in the variable with the smaller z
    big, small = (beta, alpha) if swap else (alpha, beta)

    def log_h(tau, x):
        p, q = r + x, np.full(x.shape, s + 1.0)
        n = p + q - 1.0
        own, other = (q, p) if swap else (p, q)  # exponents of (big+τ) and (small+τ)
        u = big + tau
        z = (big - small) / u
        series, d_series_dz, d_series_own, d_series_other = _ratio_series(own, other, z, x, exact)
        v = small + tau
        value = -own * np.log(u) + (1.0 - other) * np.log(v) + np.log(series) - np.log(n)
        dz_dbig, dz_dsmall = v / u**2, -1.0 / u
        g_big = -own / u + d_series_dz / series * dz_dbig
        g_small = (1.0 - other) / v + d_series_dz / series * dz_dsmall
        g_own = -np.log(u) + d_series_own / series - 1.0 / n
        g_other = -np.log(v) + d_series_other / series - 1.0 / n
        # back to (p, alpha, q, beta)
        columns = [g_other, g_small, g_own, g_big] if swap else [g_own, g_big, g_other, g_small]
        return value, np.stack(columns)

    ends = []
    for tau, (first, at) in zip((t_x, T), pairs or (distinct_pairs(x, t_x), distinct_pairs(x, T)), strict=True):
        value, grad = log_h(tau[first], x[first])
        ends.append((value[at], grad[:, at]))
    (log_h1, grad1), (log_h2, grad2) = ends
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio21 = np.exp(log_h2 - log_h1)
        log_j = log_h1 + np.log1p(-np.minimum(ratio21, 1.0))
        # d log(H1 - H2) = (H1 dlogH1 - H2 dlogH2) / (H1 - H2) = dlogH2 + (dlogH1 - dlogH2) / (1 - H2/H1)
        grad = grad2 + (grad1 - grad2) / (1.0 - ratio21)
    grad[:, ~np.isfinite(log_j)] = 0.0  # J = 0 where t_x = T: no contribution
    return log_j, grad  # rows: d/dp (= d/dr), d/dalpha, d/dq (= d/ds), d/dbeta

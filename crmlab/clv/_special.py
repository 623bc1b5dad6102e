"""Special functions of the customer-base models, accurate and finite over the whole parameter space.

A fit can end far out in the parameter space — on the limit of a model (a, b → ∞ in BG/NBD when
every customer has the same dropout probability) or with scale parameters orders of magnitude
apart — and predictions are asked for long horizons. The textbook formulas fail there: differences
of ``gammaln`` values cancel (lnΓ(10¹³) ≈ 3.8·10¹⁴, so its rounding exceeds the quantity sought),
hypergeometric series need millions of terms as their argument nears 1, and SciPy's ``hyp2f1``
returns ``inf`` (2F1(173.4, 5.8; 174.4; 0.99995) ≈ 1.04e22). This module computes what the models
need without those failures:

* :func:`log_gamma_ratio` ln Γ(x+h)/Γ(x) and :func:`digamma_difference` ψ(x+h) − ψ(x), from the
  Stirling series of the difference itself, so they keep their relative accuracy for huge x or tiny h;
* :func:`log_nbinom_pmf` and :func:`nbinom_sf`, the purchase counts of a gamma mixture of Poisson
  processes;
* the BG/NBD beta mixtures :func:`log_bg_survival` = log E[(1 + pw)^−r] and :func:`bg_expected`
  = E[(1 − (1 + pw)^−r)/p] over p ~ Beta(a, b), and through them :func:`log_hyp2f1`: sums of
  positive terms where those converge within a few hundred terms, otherwise the trapezoidal rule on
  the logit scale (:func:`_logit_quadrature`), whose error falls like e^(−2πd/h) for these smooth,
  unimodal integrands;
* :func:`sum_beta_geometric_survival` Σ_{k=1}^t B(γ, δ+k)/B(γ, δ), the expected number of periods
  alive of the sBG and BG/BB models;
* :func:`pareto_nbd_integral`, the integral of the Pareto/NBD likelihood: a power series per
  frequency where it converges within 64 terms, otherwise tanh-sinh quadrature
  (:func:`_tanh_sinh_rule`), so no argument near 1 makes a fit slow.

Each is checked against mpmath at 40 digits in ``tests/clv/test_special.py``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special

_RTOL = 1e-16
_POLYNOMIAL_TERMS = 64  # Pareto/NBD rows whose series converges within this many terms are summed as polynomials
_POLYNOMIAL_Z = _RTOL ** (1 / (_POLYNOMIAL_TERMS - 1))  # z^63 < 1e-16 for z below this (about 0.56)
_SERIES_TERMS = 256  # beta-mixture rows expected to need more terms than this are integrated instead
_SERIES_MAGNITUDE = 1e5  # Pareto/NBD rows whose series terms reach this size are integrated (rounding 1e-11)
_ASYMPTOTIC_FROM = 10.0  # the Stirling series below are used from here on (truncation error < 1e-17)
_RECURRENCE_MAX = 1000  # cancelling differences over whole steps up to this: the recurrence (_by_recurrence)
_CANCELLATION = 50.0  # a difference of gammaln (digamma) values is used when the values are at most this many
#                       times the difference: its rounding (a few ulps of each) is then below about 1e-13 of it
# lnΓ(x) = (x - 1/2) ln x - x + ln(2π)/2 + Σ _STIRLING[k] x^-(2k+1)
_STIRLING = np.array([1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156])
# ψ(x) = ln x - 1/(2x) + Σ _DIGAMMA[k] x^-(2k+2)
_DIGAMMA = np.array([-1 / 12, 1 / 120, -1 / 252, 1 / 240, -1 / 132, 691 / 32760, -1 / 12])
# ψ'(x) = 1/x + 1/(2x²) + Σ _TRIGAMMA[k] x^-(2k+3) (the Bernoulli numbers B_2k)
_TRIGAMMA = np.array([1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6])
_DROP = 46.0  # quadrature ranges end where the integrand is below e^-46 (1e-20) of its maximum
_STEP = 0.25  # largest trapezoid step on the logit scale (error about e^(-π²/0.25) = 7e-18)
_MAX_NODES_LOG2 = 14  # at most 16,384 trapezoid nodes per row


# ---------------------------------------------------------------------------------------- gamma ratios
def _shift_up(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Whole steps n >= 0 that bring min(x, x + h) to at least ``_ASYMPTOTIC_FROM``."""
    return np.ceil(np.clip(_ASYMPTOTIC_FROM - np.minimum(x, x + h), 0.0, None))


def _power_differences(x: np.ndarray, h: np.ndarray, powers: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Σ_k c_k [(x+h)^-p_k - x^-p_k], each difference as x^-p expm1(-p log1p(h/x)): no cancellation.

    Only the terms that the smallest x (>= 10) leaves above 1e-17 relative to the first are summed."""
    log_ratio = np.log1p(h / x)
    total = np.zeros(np.broadcast(x, h).shape)
    smallest = float(np.min(x)) if x.size else _ASYMPTOTIC_FROM
    for power, coefficient in zip(powers, coefficients, strict=True):
        if abs(coefficient) * smallest ** (powers[0] - power) < 1e-17 * abs(coefficients[0]):
            break
        total += coefficient * x**-power * np.expm1(-power * log_ratio)
    return total


def log_gamma_ratio(x, h) -> np.ndarray:
    """ln Γ(x + h) − ln Γ(x) for x > 0 and x + h > 0, to about 1e-13 of the result.

    gammaln(x + h) − gammaln(x) where its rounding, about 2e-16 (|lnΓ(x+h)| + |lnΓ(x)|), is below
    1e-13 of the result; elsewhere — h ≪ x, or x near 10¹³ where lnΓ(x) ≈ 3.8e14 and the difference
    is lost — the difference of Stirling's series taken term by term: both arguments shifted to at
    least 10 by Γ(y+1) = yΓ(y) (subtracting Σ log1p(h/(x+j))), then (y − ½) log1p(h/y) + h ln(y+h) − h
    + Σ c_k [(y+h)^−(2k−1) − y^−(2k−1)], each bracket without cancellation — or, for one x >= 1 and whole steps
    h (a purchase model's frequencies), the sum Σ_{j<h} ln(x + j).
    """
    return _difference(special.gammaln, _stirling_log_gamma_ratio, x, h, (np.log, 1.0))


def _by_recurrence(term, x, h, smallest_x: float = 0.0) -> np.ndarray | None:
    """Σ_{j<h} term(x + j) — the difference of lnΓ, ψ or ψ' over whole steps, by Γ(y+1) = yΓ(y) — for one number
    x >= ``smallest_x`` and whole 0 <= h <= ``_RECURRENCE_MAX`` (an array); None where that does not apply.

    The terms share one sign (for lnΓ from x >= 1 on), so their running sum has no cancellation: its error is a
    few ulps for the short sums it is used for (:func:`_difference`: where h is small against x), at a fraction
    of the asymptotic series' cost (the purchase models need these differences at every frequency, x a parameter
    of the model)."""
    if np.ndim(x) or not x >= smallest_x:
        return None
    h = np.asarray(h)
    if not h.size or not (0 <= h.min() and h.max() <= _RECURRENCE_MAX) or np.any(h != np.floor(h)):
        return None
    sums = np.zeros(int(h.max()) + 1)
    np.cumsum(term(x + np.arange(len(sums) - 1)), out=sums[1:])
    return sums[h.astype(np.intp)]


def _difference(function, series, x, h, recurrence=None) -> np.ndarray:
    """function(x + h) − function(x): the plain difference where its rounding is below 1e-13 of it, else — for
    one x and whole steps h — the sum of ``recurrence`` = (term, smallest x) over the steps (:func:`_by_recurrence`),
    or ``series(x, h)`` (the difference from an asymptotic series, computed without cancellation)."""
    x, h = np.asarray(x, dtype="float64"), np.asarray(h, dtype="float64")
    upper, lower = function(x + h), function(x)
    value = np.asarray(upper - lower)
    # h = 0 is no difference at all (exactly 0), not a cancelling one
    inexact = ((np.abs(upper) + np.abs(lower)) > _CANCELLATION * np.abs(value)) & (h != 0)
    if not inexact.any():
        return value
    if recurrence is not None and np.ndim(x) == 0 and np.ndim(h) == 1:
        term, smallest_x = recurrence
        by_recurrence = _by_recurrence(term, x, h[inexact], smallest_x)
        if by_recurrence is not None:
            value[inexact] = by_recurrence
            return value
    x, h, inexact = (np.array(v, ndmin=1) for v in np.broadcast_arrays(x, h, inexact))
    value = np.array(np.broadcast_to(value, x.shape), ndmin=1)
    value[inexact] = series(x[inexact], h[inexact])
    return value.reshape(np.broadcast_shapes(np.shape(upper), np.shape(lower)))


def _stirling_log_gamma_ratio(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    steps = _shift_up(x, h)
    correction = np.zeros(x.shape)
    for j in range(int(steps.max()) if steps.size else 0):
        correction -= np.where(j < steps, np.log1p(h / (x + j)), 0.0)
    y = x + steps
    powers = 2 * np.arange(len(_STIRLING)) + 1
    return ((y - 0.5) * np.log1p(h / y) + h * np.log(y + h) - h
            + _power_differences(y, h, powers, _STIRLING) + correction)


def digamma_difference(x, h) -> np.ndarray:
    """ψ(x + h) − ψ(x) for x > 0 and x + h > 0, as :func:`log_gamma_ratio`: the plain difference where its
    rounding is small, else from the asymptotic series of the difference, ln(y+h)/y − [1/(y+h) − 1/y]/2
    + Σ d_k [(y+h)^−2k − y^−2k], after shifting with ψ(y+1) = ψ(y) + 1/y."""
    return _difference(special.digamma, _asymptotic_digamma_difference, x, h, (np.reciprocal, 0.0))


def _asymptotic_digamma_difference(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    steps = _shift_up(x, h)
    correction = np.zeros(x.shape)
    for j in range(int(steps.max()) if steps.size else 0):
        correction += np.where(j < steps, h / ((x + j) * (x + h + j)), 0.0)  # 1/(x+j) - 1/(x+h+j)
    y = x + steps
    powers = 2 * np.arange(len(_DIGAMMA)) + 2
    return np.log1p(h / y) + h / (2 * y * (y + h)) + _power_differences(y, h, powers, _DIGAMMA) + correction


def trigamma_difference(x, h) -> np.ndarray:
    """ψ'(x + h) − ψ'(x) for x > 0 and x + h > 0, as :func:`digamma_difference`: the plain difference where its
    rounding is small, else from the asymptotic series of the difference, [1/(y+h) − 1/y] + [(y+h)^−2 − y^−2]/2
    + Σ B_2k [(y+h)^−(2k+1) − y^−(2k+1)], after shifting with ψ'(y+1) = ψ'(y) − 1/y²."""
    return _difference(lambda y: special.polygamma(1, y), _asymptotic_trigamma_difference, x, h,
                       (_minus_inverse_square, 0.0))  # ψ'(y+1) − ψ'(y) = −1/y²


def _minus_inverse_square(y):
    return -(y**-2.0)


def _asymptotic_trigamma_difference(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    steps = _shift_up(x, h)
    correction = np.zeros(x.shape)
    for j in range(int(steps.max()) if steps.size else 0):
        # ψ'(x+h) − ψ'(x) = ψ'(x+h+n) − ψ'(x+n) + Σ_j [1/(x+h+j)² − 1/(x+j)²]; each bracket without cancellation
        near, far = x + j, x + h + j
        correction += np.where(j < steps, -h * (near + far) / (near * far) ** 2, 0.0)
    y = x + steps
    powers = 2 * np.arange(len(_TRIGAMMA)) + 3
    return (-h / (y * (y + h)) - h * (2 * y + h) / (2 * (y * (y + h)) ** 2)
            + _power_differences(y, h, powers, _TRIGAMMA) + correction)


def _log_stirling_remainder(x: np.ndarray) -> np.ndarray:
    """δ(x) = ln Γ(x) − (x − ½) ln x + x − ½ ln 2π (small: about 1/(12x) for large x)."""
    x = np.asarray(x, dtype="float64")
    large = x >= _ASYMPTOTIC_FROM
    safe = np.where(large, x, _ASYMPTOTIC_FROM)
    series = sum(c * safe ** -(2 * k + 1) for k, c in enumerate(_STIRLING))
    small = np.where(large, 1.0, x)
    direct = special.gammaln(small) - (small - 0.5) * np.log(small) + small - 0.5 * np.log(2 * np.pi)
    return np.where(large, series, direct)


def exprel(x) -> np.ndarray:
    """(e^x − 1)/x, 1 at x = 0 (the removable singularities of the models' expectations)."""
    x = np.asarray(x, dtype="float64")
    tiny = np.abs(x) < 1e-5
    safe = np.where(tiny, 1.0, x)
    return np.where(tiny, 1.0 + x / 2 + x * x / 6, np.expm1(safe) / safe)


# ---------------------------------------------------------------------------------------- negative binomial
def log_nbinom_pmf(n, r, w) -> np.ndarray:
    """log P(N = n) for N ~ NB(r, 1/(1+w)): (r)_n/n! (1+w)^-r (w/(1+w))^n.

    N counts the purchases in t time units of a customer whose Poisson rate λ ~ Gamma(r, α), with
    w = t/α. Computed with :func:`log_gamma_ratio`, so it stays exact for r near 10¹³ (a rate common
    to all customers).
    """
    n, r, w = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (n, r, w)))
    log1p_w = np.log1p(w)
    return log_gamma_ratio(r, n) - special.gammaln(n + 1) - r * log1p_w + special.xlogy(n, w) - n * log1p_w


def nbinom_sf(n, r, w) -> np.ndarray:
    """P(N >= n) for the N of :func:`log_nbinom_pmf`: the regularised incomplete beta I_{w/(1+w)}(n, r)."""
    n, r, w = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (n, r, w)))
    return np.where(n > 0, special.betainc(np.maximum(n, 1.0), r, w / (1 + w)), 1.0)


# ---------------------------------------------------------------------------------------- beta mixtures
def log_bg_survival(r, a, b, w) -> np.ndarray:
    """log E[(1 + p w)^−r] over p ~ Beta(a, b), for r, a, b > 0 and w >= 0 (= log 2F1(r, a; a+b; −w)).

    In BG/NBD terms (w = t/α) this is P(a customer alive now is still alive t later) =
    E[(1 − p)^N(t)]: the customer survives each of the N(t) ~ NB(r, α/(α+t)) purchases. Summed as
    Σ_n P(N = n) (b)_n/(a+b)_n, a series of positive terms, where it converges within a few hundred
    terms; otherwise integrated on the logit scale.
    """
    return _beta_mixture("survival", r, a, b, w)


def bg_expected(r, a, b, w) -> np.ndarray:
    """E[(1 − (1 + p w)^−r)/p] over p ~ Beta(a, b), for r, a, b > 0 and w >= 0.

    In BG/NBD terms (w = t/α): the expected number of purchases in t of a customer alive at 0, who
    drops out after each purchase with probability p, E[min(N(t), G)] with G ~ Geometric(p). Summed as
    Σ_{m>=0} P(N > m) (b)_m/(a+b)_m (positive terms) or integrated as :func:`log_bg_survival`. It has no
    singularity at a = 1, unlike FHL's closed form (a+b−1)/(a−1)[1 − 2F1(r, b; a+b−1; ·)].
    """
    return np.exp(_beta_mixture("expected", r, a, b, w))


def log_hyp2f1(a, b, c, z) -> np.ndarray:
    """log 2F1(a, b; c; z) for a > 0, c > b > 0 (or c > a > 0: 2F1 is symmetric in a, b) and 0 <= z < 1.

    By Pfaff's transformation 2F1(a, b; c; z) = (1−z)^−a 2F1(a, c−b; c; z/(z−1)), which is
    :func:`log_bg_survival` (r = a, Beta(c−b, b), w = z/(1−z)): the Euler integral of a positive
    integrand, so the result is positive and finite wherever 2F1 is.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (a, b, c, z)))
    a, b = np.where(c > b, a, b), np.where(c > b, b, a)
    if np.any(a <= 0) or np.any(b <= 0) or np.any(c <= b) or np.any(z < 0) or np.any(z >= 1):
        raise ValueError("log_hyp2f1 needs a > 0 and c > b > 0 (after exchanging a and b) and 0 <= z < 1")
    return -a * np.log1p(-z) + log_bg_survival(a, c - b, b, z / (1 - z))


def _beta_mixture(kind: str, r, a, b, w) -> np.ndarray:
    """log of :func:`log_bg_survival`'s or :func:`bg_expected`'s mixture, row by row: series or quadrature."""
    r, a, b, w = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (r, a, b, w)))
    shape = w.shape
    r, a, b, w = (v.ravel() for v in (r, a, b, w))
    out = np.zeros(w.size) if kind == "survival" else np.full(w.size, -np.inf)  # w = 0: survival 1, no purchases
    positive = w > 0
    # terms needed by the series: past the mode of N, then until (w/(1+w))^n falls below 1e-16
    terms = (np.maximum(r - 1, 0) * w + 8 * np.sqrt(r * w * (1 + w))
             + 37 / np.log1p(1 / np.where(positive, w, 1.0)) + 10)
    series = positive & (terms <= _SERIES_TERMS)
    if series.any():
        value, converged = _mixture_series(kind, r[series], a[series], b[series], w[series])
        rows = np.flatnonzero(series)
        out[rows[converged]] = value[converged]
        series[rows[~converged]] = False
    integrate = positive & ~series
    if integrate.any():
        out[integrate] = _mixture_quadrature(kind, r[integrate], a[integrate], b[integrate], w[integrate])
    return out.reshape(shape)


def _mixture_series(kind: str, r, a, b, w):
    """The positive series of the two mixtures, rows summing in compact arrays; (log value, converged)."""
    z = w / (1 + w)
    log_pmf0 = -r * np.log1p(w)
    n_rows = w.size
    result = np.zeros(n_rows)
    converged = np.zeros(n_rows, dtype=bool)
    rows = np.arange(n_rows)
    pmf = np.exp(log_pmf0)  # P(N = 0)
    tail = -np.expm1(log_pmf0)  # P(N > 0)
    weight = np.ones(n_rows)  # (b)_n / (a+b)_n
    total = pmf.copy() if kind == "survival" else tail.copy()
    for n in range(1, 2 * _SERIES_TERMS):
        weight = weight * (b + (n - 1)) / (a + b + (n - 1))  # not b + n - 1: (b + n) - 1 loses a tiny b
        pmf = pmf * (r + (n - 1)) * z / n
        if kind == "survival":
            term = pmf * weight
        else:
            tail = np.maximum(tail - pmf, 0.0)
            term = tail * weight
        total += term
        ratio = z * np.maximum(1.0, (r + n) / (n + 1))  # bounds every later term ratio past the mode of N
        past_mode = (r + n) * z < n + 1
        done = past_mode & (ratio < 1) & (term * ratio <= _RTOL * total * (1 - ratio))
        if done.any():
            result[rows[done]], converged[rows[done]] = total[done], True
            keep = ~done
            rows, r, a, b, z = rows[keep], r[keep], a[keep], b[keep], z[keep]
            pmf, tail, weight, total = pmf[keep], tail[keep], weight[keep], total[keep]
            if not rows.size:
                break
    with np.errstate(divide="ignore"):
        return np.log(result), converged


def _mixture_quadrature(kind: str, r, a, b, w) -> np.ndarray:
    """log of the mixture as ∫ exp(ψ(y)) dy over y = logit(p), by :func:`_logit_quadrature`.

    ψ = ln Beta(p; a, b) + ln p(1−p) + ln g(p) with g = (1 + pw)^−r or (1 − (1 + pw)^−r)/p. The beta
    part is written relative to its own mode y_b = ln(a/b), a·[ln σ(y) − ln σ(y_b)] + b·[ln σ(−y) −
    ln σ(−y_b)] − ν, each bracket as −log1p(...·expm1(...)) and ν = ln B(a, b) − a ln(a/(a+b)) −
    b ln(b/(a+b)) from Stirling's remainders, so that a and b near 10¹³ (a dropout probability common
    to all customers) lose no precision.
    """
    ab = a + b
    mode_b = np.log(a) - np.log(b)
    share_a, share_b = a / ab, b / ab
    log_share_a, log_share_b = np.log(a) - np.log(ab), np.log(b) - np.log(ab)
    nu = (0.5 * np.log(2 * np.pi) + 0.5 * (np.log(ab) - np.log(a) - np.log(b))
          + _log_stirling_remainder(a) + _log_stirling_remainder(b) - _log_stirling_remainder(ab))
    expected = kind == "expected"

    def log_f(y, at):
        d = y - mode_b[at]
        value = (-a[at] * _log_blend(share_b[at], log_share_a[at], log_share_b[at], -d)
                 - b[at] * _log_blend(share_a[at], log_share_b[at], log_share_a[at], d) - nu[at])
        load = np.log1p(w[at] * special.expit(y))
        if expected:
            return value + np.log(-np.expm1(-r[at] * load)) + np.logaddexp(0.0, -y)  # - ln σ(y)
        return value - r[at] * load

    def slope(y, at):
        p, q = special.expit(y), special.expit(-y)
        value = a[at] * q - b[at] * p
        pull = w[at] * p * q / (1 + w[at] * p)  # d/dy log1p(w σ(y))
        if expected:
            load = r[at] * np.log1p(w[at] * p)
            return value + r[at] * pull * np.exp(-load) / -np.expm1(-load) - q
        return value - r[at] * pull

    spread = np.log1p(ab + r * w + r)
    low = -np.log1p(w) - spread - 40.0  # below: ψ is a·y + constant to 1e-17
    high = spread + 40.0  # above: -b·y + constant
    return _logit_quadrature(log_f, slope, (low, a), (high, b))


def _log_blend(share, log_rest, log_share, x):
    """log((1 − share) + share·e^x) = log1p(share·expm1(x)), exact near x = 0 where it is small; where the argument
    of log1p nears −1 (share within rounding of 1) as logaddexp(log(1 − share), log(share) + x), from exact logs."""
    inner = share * np.expm1(x)
    near = inner > -0.5
    return np.where(near, np.log1p(np.where(near, inner, 0.0)), np.logaddexp(log_rest, log_share + x))


def _logit_quadrature(log_f, slope, left, right) -> np.ndarray:
    """log ∫ exp(log_f(y)) dy over the real line, per row, for unimodal log_f with linear tails.

    ``log_f(y, rows)`` and ``slope(y, rows)`` (its derivative) take node values y broadcast against the
    row indices ``rows``; ``left`` = (low, rise) and ``right`` = (high, fall) say that below ``low`` log_f
    rises linearly with slope ``rise`` (to 1e-17), and above ``high`` falls with slope ``fall`` — given
    exactly, since a slope of 1e-13 (a beta mixture with a tiny parameter) is lost in the rounding of
    ``slope``, which sums terms of order 1, and the mass of such a tail is 1/slope. The mode is found by
    bisection on the slope, the curvature there by a central difference; the trapezoid runs from where
    the integrand falls below e^-46 of its maximum (or from low/high) with step min(0.25, σ/1.6),
    σ = curvature^-1/2, and the tails beyond are summed as the geometric series of the trapezoid on
    exponentials, so the rule is the infinite trapezoid rule, whose error for integrands analytic in a
    strip of half-width d is about e^(-2πd/h) (Trefethen & Weideman 2014, "The exponentially convergent
    trapezoidal rule", SIAM Review 56(3)).
    """
    (low, rise), (high, fall) = left, right
    rows = np.arange(low.size)
    lo, hi = low.copy(), high.copy()
    for _ in range(64):
        mid = (lo + hi) / 2
        rising = slope(mid, rows) > 0
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    mode = (lo + hi) / 2
    peak = log_f(mode, rows)
    delta = 1e-4 / np.sqrt(1.0 + np.abs(slope(mode + 1e-3, rows)) * 1e3)
    curvature = -(slope(mode + delta, rows) - slope(mode - delta, rows)) / (2 * delta)
    step = np.minimum(_STEP, 1 / (1.6 * np.sqrt(np.maximum(curvature, 1e-300))))

    def end(far, far_slope, sign):
        """Where log_f falls _DROP below the peak between the mode and ``far``, or ``far`` if it never does; the
        slope of the tail beyond (towards ``far``: the exact one at ``far``, else the local one)."""
        near, out = mode.copy(), far.copy()
        for _ in range(64):
            mid = (near + out) / 2
            above = log_f(mid, rows) > peak - _DROP
            near, out = np.where(above, mid, near), np.where(above, out, mid)
        reached = log_f(far, rows) > peak - _DROP
        return np.where(reached, far, out), np.where(reached, far_slope, sign * slope(out, rows))

    (start, rise), (stop, fall) = end(low, rise, 1.0), end(high, fall, -1.0)
    # rows grouped by node count, a power of two (capped: a step finer than needed anywhere is never wasted)
    nodes = 2 ** np.clip(np.ceil(np.log2(np.maximum((stop - start) / step, 2.0))), 1, _MAX_NODES_LOG2).astype("int64")
    result = np.empty(low.size)
    for count in np.unique(nodes):
        at = np.flatnonzero(nodes == count)
        h = (stop[at] - start[at]) / count
        y = start[at, None] + h[:, None] * np.arange(count + 1)
        f = np.exp(log_f(y, at[:, None]) - peak[at, None])
        # f_0 (1 + q + q² + ...) with q = e^(-slope·h): the trapezoid rule continued over the exponential tail
        before = f[:, 0] / -np.expm1(-np.maximum(rise[at], 1e-300) * h)
        after = f[:, -1] / -np.expm1(-np.maximum(fall[at], 1e-300) * h)
        result[at] = peak[at] + np.log(h * (f[:, 1:-1].sum(axis=1) + before + after))
    return result


def log_tricomi_u1(s, z) -> np.ndarray:
    """log U(1, 2 − s, z) = log ∫_0^∞ e^(−zu) (1 + u)^(−s) du, for s > 0 and z > 0.

    Tricomi's confluent hypergeometric function (DLMF 13.4.4) with a = 1; by Kummer's transformation
    U(s, s, z) = z^(1−s) U(1, 2 − s, z), so it is the Ψ(s, s; z) of Fader, Hardie & Lee's Pareto/NBD DERT.
    scipy's ``hyperu`` returns NaN for large s and small z and loses digits for large z; the integral,
    in y = log u, is exp(y − z e^y − s log(1 + e^y)), log-concave with a linear left tail (slope 1), and is
    taken by :func:`_logit_quadrature` (relative error about 1e-14).
    """
    s, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (s, z)))
    shape = s.shape
    s, z = s.ravel(), z.ravel()

    def log_f(y, at):
        return y - z[at] * np.exp(y) - s[at] * np.logaddexp(0.0, y)

    def slope(y, at):
        return 1.0 - z[at] * np.exp(y) - s[at] * special.expit(y)

    low = -40.0 - np.log1p(z + s)  # below: z e^y and s log(1 + e^y) are < 1e-17, log_f = y
    high = np.log1p(200.0 / z) + 3.0  # above: z e^y > 4000, the integrand is far below its peak
    return _logit_quadrature(log_f, slope, (low, np.ones_like(s)), (high, z * np.exp(high))).reshape(shape)


# ---------------------------------------------------------------------------------------- beta-geometric sums
def sum_beta_geometric_survival(gamma, delta, t) -> np.ndarray:
    """Σ_{k=1}^{t} B(γ, δ+k)/B(γ, δ) = δ/(γ−1) [1 − (δ+1)_t/(γ+δ)_t], for whole t >= 0.

    The expected number of the next t periods that a customer of churn probability θ ~ Beta(γ, δ)
    survives (sBG, Fader & Hardie 2007; BG/BB's alive opportunities, Fader, Hardie & Shang 2010, eq. 7).
    With L = ln[(δ+1)_t/(γ+δ)_t] — summed as Σ_{j<t} log1p((1−γ)/(γ+δ+j)) for t <= 256, which is exact
    for any γ and δ, and beyond from :func:`log_gamma_ratio` (grouped by the shift 1 − γ when it is
    below 1, so that neither term is large) — the sum is δ · L/(1−γ) · (e^L − 1)/L. L/(1−γ)
    stays finite as γ → 1, where it is ψ(δ+1+t) − ψ(δ+1): the removable singularity costs no precision.
    """
    gamma, delta, t = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (gamma, delta, t)))
    shift = 1.0 - gamma  # (δ+1) - (γ+δ), exact
    base = gamma + delta
    short = t <= 256
    log_ratio = np.zeros(t.shape)
    for j in range(int(t[short].max()) if short.any() else 0):
        log_ratio += np.where(short & (j < t), np.log1p(shift / (base + j)), 0.0)
    long_t = np.where(short, 0.0, t)
    # near γ = 1 group the gamma functions by their shift 1 - γ, so the two terms are each proportional to it
    near_one = np.abs(shift) < 1
    by_shift = log_gamma_ratio(base + long_t, np.where(near_one, shift, 0.0)) - log_gamma_ratio(base, np.where(
        near_one, shift, 0.0))
    by_length = log_gamma_ratio(delta + 1, long_t) - log_gamma_ratio(base, long_t)
    log_ratio = np.where(short, log_ratio, np.where(near_one, by_shift, by_length))
    at_one = shift == 0
    per_shift = np.where(at_one, digamma_difference(delta + 1, t), log_ratio / np.where(at_one, 1.0, shift))
    return delta * per_shift * exprel(log_ratio)


# ---------------------------------------------------------------------------------------- Pareto/NBD integral
def distinct_pairs(x, tau, group=None) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (x, tau) pairs — within each ``group`` (codes 0, 1, ...) when given — as ``first``, one row per
    pair, sorted by x (then by group), and ``at``, which maps rows to pairs."""
    x_codes, _ = pd.factorize(np.asarray(x))
    tau_codes, tau_values = pd.factorize(np.asarray(tau))
    codes = x_codes.astype("int64") * len(tau_values) + tau_codes
    if group is not None:
        codes = codes * (int(np.max(group)) + 1 if len(group) else 1) + group
    codes, _ = pd.factorize(codes)
    first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)  # codes number first appearances
    keys = (np.asarray(x)[first],) if group is None else (np.asarray(group)[first], np.asarray(x)[first])
    order = np.lexsort(keys)  # by x, then by group; stable
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    return first[order], position[codes]


@lru_cache(maxsize=1)
def _tanh_sinh_rule(step: float = 1 / 16, half_nodes: int = 54):
    """Nodes of the tanh-sinh rule on [0, 1], as distances from both ends (exact near each), and weights.

    x = (1 + tanh(π/2 sinh u))/2 at u = k/16, |k| <= 54 (109 nodes): the double-exponential rule of
    Takahasi & Mori (1974), whose error for an analytic integrand decays like exp(−c n/log n) and which
    tolerates end-point singularities and boundary layers (measured: < 1e-13 relative on the Pareto/NBD
    integral across scale ratios 1e-4…1e4 and frequencies up to 300). The even k are the rule of step
    1/8 and every other of those (k = -54, -50, ...) one of step 1/4, whose weights are 2 and 4 times these.
    """
    u = step * np.arange(-half_nodes, half_nodes + 1)
    s = np.pi / 2 * np.sinh(u)
    from_left, from_right = 1 / (1 + np.exp(-2 * s)), 1 / (1 + np.exp(2 * s))
    weight = step * np.pi / 4 * np.cosh(u) / np.cosh(s) ** 2
    return from_left, from_right, weight


#: The rule of step 1/16 (109 nodes), for the likelihoods' integrals, and a finer one of step 1/32 (217 nodes)
#: for predictions, whose integrals span more scales (long horizons, peaks of large counts).
STANDARD_RULE = (1 / 16, 54)
FINE_RULE = (1 / 32, 108)


def tanh_sinh_nodes(low, high, rule: tuple[float, int] = STANDARD_RULE) -> tuple[np.ndarray, np.ndarray]:
    """Nodes of the tanh-sinh rule (``rule`` = (step, half_nodes), :func:`_tanh_sinh_rule`) on [low, high] —
    arrays, the nodes on a new last axis, each placed from its nearer end so that nodes crowding an end keep
    their precision — and the weights times the width."""
    from_left, from_right, weight = _tanh_sinh_rule(*rule)
    low, high = np.asarray(low, dtype="float64")[..., None], np.asarray(high, dtype="float64")[..., None]
    width = high - low
    return np.where(from_left <= 0.5, low + width * from_left, high - width * from_right), weight * width


def _ratio_series(own, other, z, level, second: bool = False):
    """S(z) = Σ_k c_k z^k with c_0 = 1, c_{k+1} = c_k (own+k)/(own+other+k), and dS/dz, dS/d own, dS/d other;
    with ``second``, also the six second derivatives in (z, own, other) (rows 4-9: zz, z own, z other, own own,
    own other, other other).

    For z below ``_POLYNOMIAL_Z``: every c_k lies in (0, 1] and S >= 1, so 64 terms bound the relative
    truncation by 1e-16. ``own`` and ``other`` (> 0) are constant within each run of equal ``level``
    values (one level per customer frequency; rows sorted by level make one run per level): the
    coefficients — c_k, (k+1)c_{k+1}, c_k a_k and c_k b_k with a_k = Σ_{j<k} ∂log(ratio_j)/∂own and b_k the same
    for other, and for the second derivatives (k+2)(k+1)c_{k+2}, (k+1)c_{k+1}a_{k+1}, (k+1)c_{k+1}b_{k+1},
    c_k(a_k² + a'_k), c_k(a_k b_k + e_k), c_k(b_k² + e_k) with a'_k = ∂a_k/∂own and e_k = ∂a_k/∂other =
    ∂b_k/∂other — are computed once per level, and each level's sums are one product of its rows' powers of z
    with its K × 4 (or K × 10) coefficient matrix, K the terms its largest z needs (z_max^(K-1) <= 1e-16).
    """
    columns = 10 if second else 4
    if z.size == 0:
        return np.empty((columns, 0))
    starts = np.flatnonzero(np.r_[True, level[1:] != level[:-1]])
    with np.errstate(divide="ignore"):  # z = 0 in a run: two terms
        needed = np.ceil(np.log(_RTOL) / np.log(np.maximum.reduceat(z, starts))) + 1  # per run: z_max^(K-1) <= 1e-16
    run_terms = np.clip(np.nan_to_num(needed, nan=2.0, posinf=2.0), 2, _POLYNOMIAL_TERMS).astype(int)
    terms = int(run_terms.max())
    k = np.arange(terms - 1)
    o = own[starts, None] + k
    ow = o + other[starts, None]
    coefficients = np.zeros((starts.size, terms, columns))
    c = coefficients[:, :, 0]
    c[:, 0] = 1.0
    np.cumprod(o / ow, axis=1, out=c[:, 1:])
    coefficients[:, :-1, 1] = c[:, 1:] * (k + 1)
    a, b = np.zeros((starts.size, terms)), np.zeros((starts.size, terms))
    a[:, 1:], b[:, 1:] = np.cumsum(1.0 / o - 1.0 / ow, axis=1), -np.cumsum(1.0 / ow, axis=1)
    coefficients[:, :, 2], coefficients[:, :, 3] = c * a, c * b
    if second:
        a_own, e = np.zeros((starts.size, terms)), np.zeros((starts.size, terms))
        a_own[:, 1:], e[:, 1:] = np.cumsum(1.0 / ow**2 - 1.0 / o**2, axis=1), np.cumsum(1.0 / ow**2, axis=1)
        coefficients[:, :-2, 4] = c[:, 2:] * ((k[:-1] + 2) * (k[:-1] + 1))
        coefficients[:, :-1, 5] = coefficients[:, 1:, 2] * (k + 1)
        coefficients[:, :-1, 6] = coefficients[:, 1:, 3] * (k + 1)
        coefficients[:, :, 7] = c * (a**2 + a_own)
        coefficients[:, :, 8] = c * (a * b + e)
        coefficients[:, :, 9] = c * (b**2 + e)
    powers = np.empty((terms, z.size))  # z^k, one row per k (a loop of products: np.cumprod is 8x slower)
    powers[0] = 1.0
    for power in range(1, terms):
        np.multiply(powers[power - 1], z, out=powers[power])
    sums = np.empty((columns, z.size))
    for coefficient, start, stop, run in zip(coefficients.transpose(0, 2, 1), starts, np.r_[starts[1:], z.size],
                                             run_terms, strict=True):
        np.matmul(coefficient[:, :run], powers[:run, start:stop], out=sums[:, start:stop])
    return sums


def pareto_nbd_integral(r, alpha, s, beta, x, t_x, T, pairs=None, second: bool = False):
    """log J̃ and its gradient in (r, alpha, s, beta), for J̃ = α^r β^s ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ;
    with ``second``, also its Hessian (packed as :data:`HESSIAN_PAIRS`) where the series sums it, NaN on the rows
    taken by quadrature.

    J̃ is the part of the Pareto/NBD likelihood contributed by customers who died between their last
    purchase and the end of the calibration period (scaled by α^r β^s, which the likelihood carries,
    so that J̃ stays finite and exact when α or β is huge). Rows with t_x == T have J̃ = 0 (log −inf).

    Where z = |α−β|/(max(α,β)+t_x) < 0.56: with p = r + x, q = s + 1 and n = p + q − 1, an
    antiderivative is (for α >= β)

        H(τ) = (α+τ)^-p (β+τ)^(1-q) S(z) / n,   z = (α−β)/(α+τ),
        S(z) = Σ_k c_k z^k,   c_{k+1} = c_k (p+k) / (p+q+k),

    the Euler transform of Fader & Hardie's (2005, note 009, eq. 22) 2F1(n, q; n+1; z) (the roles of
    α/p and β/q swap when β > α), so that J = H(t_x) − H(T) with every series term positive. H(τ)
    depends on the row only through (x, τ), and customers share frequencies, last-purchase days and
    first-purchase cohorts, so it is summed once per distinct (x, t_x) and (x, T) pair (on CDNOW,
    1,726 and 979 pairs for 8,685 rows); ``pairs`` gives the two :func:`distinct_pairs` when the caller
    has computed them once.

    Elsewhere — scale parameters far apart, where the series would need up to millions of terms, or
    huge parameters, whose terms (r+x) ln(α+τ) would lose J to rounding — the integral is taken by the
    tanh-sinh rule in u = log1p((τ − t_x)/(min(α,β) + t_x)), where the integrand is log-concave, with
    the gradient from the same nodes.
    """
    x = np.asarray(x, dtype="float64")
    t_x, T = (np.broadcast_to(np.asarray(v, dtype="float64"), x.shape) for v in (t_x, T))
    log_j, grad = np.empty(x.size), np.empty((4, x.size))
    hessian = np.full((len(HESSIAN_PAIRS), x.size), np.nan) if second else None
    small, big = np.minimum(alpha, beta), np.maximum(alpha, beta)
    # the series sums terms like (r+x) ln(α+τ): where these reach 1e5 (huge parameters: a limit of the model),
    # their rounding would swamp J, and the quadrature, which never forms them, is used
    series = ((big - small) / (big + t_x) < _POLYNOMIAL_Z) & \
        ((r + s + x + 1) * (1 + np.abs(np.log(big + T))) < _SERIES_MAGNITUDE)
    per_row = np.ndim(alpha) > 0 or np.ndim(beta) > 0
    if per_row:
        alpha, beta = (np.broadcast_to(np.asarray(v, dtype="float64"), x.shape) for v in (alpha, beta))
    if series.any() and per_row and pairs is None:
        at = np.flatnonzero(series)
        by_series = _integral_by_series(r, alpha[at], s, beta[at], x[at], t_x[at], T[at], None, second)
    elif series.any():  # H at every pair (computed once per fit, covering all rows); rows far from z = 0 discarded
        at = slice(None) if series.all() else series
        by_series = _integral_by_series(r, alpha, s, beta, x, t_x, T,
                                        pairs or (distinct_pairs(x, t_x), distinct_pairs(x, T)), second)
        by_series = tuple(part[..., at] for part in by_series)
    if series.any():
        log_j[at], grad[:, at] = by_series[:2]
        if second:
            hessian[:, at] = by_series[2]
    if not series.all():
        far = ~series
        log_j[far], grad[:, far] = _integral_by_quadrature(r, alpha[far] if per_row else alpha, s,
                                                           beta[far] if per_row else beta, x[far], t_x[far], T[far])
    empty = ~np.isfinite(log_j)  # J = 0 where t_x = T: no contribution
    grad[:, empty] = 0.0
    if not second:
        return log_j, grad
    hessian[:, empty] = 0.0
    return log_j, grad, hessian


def pareto_nbd_integral_by_row(r, alpha, s, beta, x, t_x, T, pairs=None, second: bool = False):
    """:func:`pareto_nbd_integral` with α and β given per row (customers with covariates, whose α_i and β_i
    differ), the gradient in (r, α_i, s, β_i) per row.

    ``pairs`` are the :func:`covariate_pairs` of the rows — their distinct (x, t_x) and (x, T) pairs within each
    group of customers with equal covariates, who share α_i and β_i — on which the series is summed, for every
    group at once. Without them (covariates taking many values) the series is summed row by row.
    """
    x = np.asarray(x, dtype="float64")
    t_x, T, alpha, beta = (np.broadcast_to(np.asarray(v, dtype="float64"), x.shape) for v in (t_x, T, alpha, beta))
    return pareto_nbd_integral(r, alpha, s, beta, x, t_x, T, pairs=pairs, second=second)


def covariate_pairs(group: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, rows_per_group: int = 2000):
    """The :func:`distinct_pairs` at t_x and at T within each covariate group (``group``: codes 0, 1, ... of the
    distinct covariate rows), for :func:`pareto_nbd_integral_by_row`; None if the groups hold fewer than
    ``rows_per_group`` rows on average (covariates taking many values), where pairs would hardly repeat."""
    n_groups = int(group.max()) + 1 if group.size else 0
    if n_groups * rows_per_group > group.size:
        return None
    return distinct_pairs(x, t_x, group), distinct_pairs(x, T, group)


#: The packed upper triangle of a symmetric 4 × 4 matrix in (r, α, s, β): the order of a Hessian's rows.
HESSIAN_PAIRS = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))
# In H's own variables (own, big, other, small) = (0, 1, 2, 3), each entry of HESSIAN_PAIRS is the same pair when
# α >= β (own = p, big = α, other = q, small = β), and this pair when β > α (the roles swap).
_SWAPPED = ((2, 2), (2, 3), (0, 2), (1, 2), (3, 3), (0, 3), (1, 3), (0, 0), (0, 1), (1, 1))


def _integral_by_series(r, alpha, s, beta, x, t_x, T, pairs, second: bool = False):
    """log J̃ and gradient from the antiderivative H at both ends (see :func:`pareto_nbd_integral`); with
    ``second``, also its Hessian in (r, α, s, β), packed as :data:`HESSIAN_PAIRS`.

    With α and β given per row, H is summed at the ``pairs`` (distinct within groups of equal α_i and β_i,
    :func:`covariate_pairs`), or row by row (``pairs`` None); the series coefficients depend on the row only
    through its frequency and which of α_i, β_i is larger, so the rows are taken in order of frequency.

    log H = −own ln u + (1 − other) ln v + ln S(z) − ln n with u = big + τ, v = small + τ, z = (big − small)/u and
    n = own + other − 1; its second derivatives follow from those of ln S (ratios of the series' sums) and of z
    (∂z/∂big = v/u², ∂z/∂small = −1/u, ∂²z/∂big² = −2v/u³, ∂²z/∂big∂small = 1/u²). For J = H1 − H2 (H at t_x and
    at T) with w = H1/J: ∇ log J = w ∇h1 + (1 − w) ∇h2 and ∇² log J = w ∇²h1 + (1 − w) ∇²h2 + w(1 − w)(∇h1 − ∇h2)
    (∇h1 − ∇h2)', h = log H.
    """
    swap = beta > alpha  # sum in the variable with the smaller z
    big, small = np.maximum(alpha, beta), np.minimum(alpha, beta)
    if np.ndim(swap) and pairs is None:  # every row a pair of its own, in order of frequency and of the swap
        order = np.lexsort((swap, x))
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        pairs = ((order, inverse), (order, inverse))
    level = 2.0 * x + swap if np.ndim(swap) else x  # the series' coefficients change with x and the swap only

    def log_h(tau, first):
        x_at = x[first]
        p, q = r + x_at, np.full(x_at.shape, s + 1.0)
        n = p + q - 1.0
        flip, big_at, small_at = (swap[first], big[first], small[first]) if np.ndim(swap) else (swap, big, small)
        own, other = np.where(flip, q, p), np.where(flip, p, q)  # exponents of (big+τ) and (small+τ)
        u = big_at + tau
        z = (big_at - small_at) / u
        sums = _ratio_series(own, other, z, level[first], second)
        series, ratios = sums[0], sums[1:] / sums[0]  # dS/dz, dS/d own, dS/d other (then the second ones) over S
        v = small_at + tau
        value = -own * np.log(u) + (1.0 - other) * np.log(v) + np.log(series) - np.log(n)
        dz_dbig, dz_dsmall = v / u**2, -1.0 / u
        g_big = -own / u + ratios[0] * dz_dbig
        g_small = (1.0 - other) / v + ratios[0] * dz_dsmall
        g_own = -np.log(u) + ratios[1] - 1.0 / n
        g_other = -np.log(v) + ratios[2] - 1.0 / n
        # back to (p, alpha, q, beta)
        columns = [np.where(flip, g_other, g_own), np.where(flip, g_small, g_big), np.where(flip, g_own, g_other),
                   np.where(flip, g_big, g_small)]
        if not second:
            return value, np.stack(columns), None
        # ln S's second derivatives: S''/S − (S'/S)(S'/S)
        zz, z_own, z_other = (ratios[3] - ratios[0] ** 2, ratios[4] - ratios[0] * ratios[1],
                              ratios[5] - ratios[0] * ratios[2])
        own_own, own_other, other_other = (ratios[6] - ratios[1] ** 2, ratios[7] - ratios[1] * ratios[2],
                                           ratios[8] - ratios[2] ** 2)
        hessian = np.empty((4, 4, len(first)))  # in (own, big, other, small)
        hessian[0, 0], hessian[0, 2], hessian[2, 2] = own_own + n**-2, own_other + n**-2, other_other + n**-2
        hessian[0, 1] = -1.0 / u + z_own * dz_dbig
        hessian[0, 3] = z_own * dz_dsmall
        hessian[1, 2] = z_other * dz_dbig
        hessian[2, 3] = -1.0 / v + z_other * dz_dsmall
        hessian[1, 1] = own / u**2 + zz * dz_dbig**2 - 2.0 * ratios[0] * v / u**3
        hessian[1, 3] = zz * dz_dbig * dz_dsmall + ratios[0] / u**2
        hessian[3, 3] = -(1.0 - other) / v**2 + zz * dz_dsmall**2
        packed = np.stack([np.where(flip, hessian[swapped], hessian[pair])
                           for pair, swapped in zip(HESSIAN_PAIRS, _SWAPPED, strict=True)])
        return value, np.stack(columns), packed

    ends = []
    for tau, (first, at) in zip((t_x, T), pairs, strict=True):
        value, grad, hessian = log_h(tau[first], first)
        ends.append((value[at], grad[:, at], None if hessian is None else hessian[:, at]))
    (log_h1, grad1, hessian1), (log_h2, grad2, hessian2) = ends
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio21 = np.exp(log_h2 - log_h1)
        log_j = log_h1 + np.log1p(-np.minimum(ratio21, 1.0))
        # d log(H1 - H2) = (H1 dlogH1 - H2 dlogH2) / (H1 - H2) = dlogH2 + (dlogH1 - dlogH2) / (1 - H2/H1)
        weight = 1.0 / (1.0 - ratio21)  # w = H1 / (H1 - H2)
        apart = grad1 - grad2
        grad = grad2 + apart * weight
        hessian = None
        if second:
            hessian = hessian2 + (hessian1 - hessian2) * weight
            hessian += weight * (1.0 - weight) * np.stack([apart[i] * apart[j] for i, j in HESSIAN_PAIRS])
    scale = np.stack(np.broadcast_arrays(np.log(alpha), r / alpha, np.log(beta), s / beta)).reshape(4, -1)  # α^r β^s
    log_j = log_j + r * np.log(alpha) + s * np.log(beta)
    if not second:
        return log_j, grad + scale
    # α^r β^s: ∂²/∂r∂α = 1/α, ∂²/∂α² = −r/α², and the same in (s, β)
    hessian[1] += 1.0 / alpha
    hessian[4] -= r / alpha**2
    hessian[8] += 1.0 / beta
    hessian[9] -= s / beta**2
    return log_j, grad + scale, hessian


def _integral_by_quadrature(r, alpha, s, beta, x, t_x, T):
    """log J̃ and gradient by the tanh-sinh rule (see :func:`pareto_nbd_integral`), with every factor of the
    integrand relative to its value at τ = 0 (log1p(τ/α), log1p(τ/β)), so huge α or β cost no precision.

    Every row is integrated with the rule of step 1/8 (55 nodes) and checked against its own step-1/4
    subset; the error of the rule squares as the step halves, so where the two agree to 1e-7 the first is
    good to about 1e-13, and only the other rows get the 54 nodes that complete the rule of step 1/16.
    """
    from_left, from_right, weight = _tanh_sinh_rule()
    log_j, grad = np.full(x.size, -np.inf), np.zeros((4, x.size))
    alpha, beta = (np.broadcast_to(np.asarray(v, dtype="float64"), x.shape) for v in (alpha, beta))
    scale = np.minimum(alpha, beta) + t_x
    width = np.log1p((T - t_x) / scale)  # the u-interval [0, width]; empty where t_x = T
    rows = np.flatnonzero(width > 0)
    if not rows.size:
        return log_j, grad
    constant = np.zeros(x.size)
    constant[rows] = np.log(width[rows] * scale[rows]) - x[rows] * np.log(alpha[rows]) - np.log(beta[rows])

    def sums(at, nodes, peak=None):
        """Σ w f and Σ w f q (q: the four gradient integrands) over ``nodes`` for rows ``at``, f scaled by e^-peak."""
        u = np.where(from_left[nodes] <= 0.5, width[at, None] * from_left[nodes],
                     width[at, None] - width[at, None] * from_right[nodes])
        tau = t_x[at, None] + scale[at, None] * np.expm1(u)
        a, b = alpha[at, None], beta[at, None]
        # ln(α+τ) = ln α + log1p(τ/α): two transcendental functions per node instead of four
        grow_alpha, grow_beta = np.log1p(tau / a), np.log1p(tau / b)
        log_f = -(r + x[at, None]) * grow_alpha - (s + 1.0) * grow_beta + u + constant[at, None]
        if peak is None:
            peak = np.max(log_f, axis=1)
        mass = weight[nodes] * np.exp(log_f - peak[:, None])
        near_alpha, near_beta = mass / (a + tau), mass / (b + tau)
        # d/dα of -r log1p(τ/α) - x ln(α+τ) is (rτ/α - x)/(α+τ); of -s log1p(τ/β) - ln(β+τ), (sτ/β - 1)/(β+τ)
        moments = np.stack([
            -(mass * grow_alpha).sum(axis=1),
            r / alpha[at] * (near_alpha * tau).sum(axis=1) - x[at] * near_alpha.sum(axis=1),
            -(mass * grow_beta).sum(axis=1),
            s / beta[at] * (near_beta * tau).sum(axis=1) - near_beta.sum(axis=1),
        ])
        return mass.sum(axis=1), moments, peak, mass[:, ::2].sum(axis=1)

    even = np.arange(from_left.size) % 2 == 0  # k = -54, -52, ..., 54
    total, moments_at, peak, quarter = sums(rows, np.flatnonzero(even))
    # the rules of step 1/8 (the even k) and 1/4 (every other even k: -54, -50, ..., 54)
    total, moments_at, quarter = 2 * total, 2 * moments_at, 4 * quarter
    refine = np.abs(total - quarter) > 1e-7 * total
    if refine.any():
        odd_total, odd_moments, _, _ = sums(rows[refine], np.flatnonzero(~even), peak[refine])
        total[refine] = total[refine] / 2 + odd_total
        moments_at[:, refine] = moments_at[:, refine] / 2 + odd_moments
    log_j[rows] = peak + np.log(total)
    grad[:, rows] = moments_at / total
    return log_j, grad


# ---------------------------------------------------------------------------------------- Erlang-k purchase counts
_TAIL = 1e-17  # the Erlang-k sums cover the phase counts N outside whose range P is below this (times 1/(1 + w))
_TAIL_GRID = 2.0 ** (np.arange(241) / 4)  # distances from the mean tried for those ends: 1 .. 2^60
_CHUNK_TERMS = 2_000_000  # terms of the Erlang-k sums evaluated at once (bounds the memory)
#: At most this many terms per evaluation: beyond, the counts are too large for the exact sums, and say so.
ERLANG_MAX_TERMS = 5_000_000
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(8)


def _nbinom_chernoff(r, w, n):
    """Chernoff's bound on log P(N >= n) (n above the mean r w) or log P(N <= n) (below), N ~ NB(r, 1/(1+w)):
    r log1p(n/r) + n log1p(r/n) + n (ln w − log1p w) − r log1p(w), at the optimal tilt s = n/(ρ(r+n)), ρ = w/(1+w)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, r * np.log1p(n / r) + n * np.log1p(r / n) + n * (np.log(w) - np.log1p(w)), 0.0) \
            - r * np.log1p(w)


def nbinom_range(r, w, tolerance: float = _TAIL) -> tuple[np.ndarray, np.ndarray]:
    """Counts (low, high) with P(N <= low) and P(N >= high) below tolerance / (1 + w), N ~ NB(r, 1/(1+w)).

    From :func:`_nbinom_chernoff`: ``high`` is the first of μ + 2^(i/4), i = 0 .. 240, where the bound is
    met, ``low`` the last of μ − 2^(i/4) (or −1: no count is that unlikely). (−1, 0) where w = 0: N = 0.
    """
    r, w = np.broadcast_arrays(np.asarray(r, dtype="float64"), np.asarray(w, dtype="float64"))
    mean, ww = r * w, np.maximum(w, 1e-300)
    limit = np.log(tolerance) - np.log1p(ww)
    ends = []
    for sign in (1.0, -1.0):
        n = np.maximum(mean[..., None] + sign * _TAIL_GRID, 0.0)
        met = _nbinom_chernoff(r[..., None], ww[..., None], n) <= limit[..., None]
        met &= (n > 0) | (sign > 0)
        first = np.where(met.any(axis=-1), np.argmax(met, axis=-1), len(_TAIL_GRID) - 1)
        end = np.take_along_axis(n, first[..., None], axis=-1)[..., 0]
        ends.append(np.where(met.any(axis=-1), np.ceil(end) if sign > 0 else np.floor(end), np.inf if sign > 0
                             else -1.0))
    high, low = ends
    return np.where(w > 0, low, -1.0), np.where(w > 0, high, 0.0)


def phase_tail(m, k, phase, r, w) -> np.ndarray:
    """P(M >= m) for M = ⌊(N + phase)/k⌋, N ~ NB(r, 1/(1+w)): P(N >= mk − phase), 1 where mk <= phase.

    In Erlang-k terms (BG/CNBD-k): N counts the exponential phases of rate λ ~ Gamma(r, α) completed in
    t = wα time units, ``phase`` of the current inter-purchase time were already completed, and M is the
    number of purchases made in the t time units (every k-th phase ends with one).
    """
    need = np.asarray(m, dtype="float64") * k - phase
    return np.where(need > 0, special.betainc(np.maximum(need, 1.0), r, w / (1 + w)), 1.0)


def beta_geometric_partial_sum(a, b, terms) -> np.ndarray:
    """C(L) = Σ_{m<L} (b)_m/(a+b)_m = Σ_{m<L} E(1−p)^m over p ~ Beta(a, b), for L = ``terms`` >= 0.

    Telescoping (b)_m/(a+b)_m = (a+b−1)/(a−1) [(b)_m/(a+b−1)_m − (b)_{m+1}/(a+b−1)_{m+1}] gives
    C(L) = 1 − b (e^Δ − 1)/(a − 1) with Δ = ln[(b+1)_{L−1}/(a+b)_{L−1}], which has no singularity at a = 1:
    near a = 1, Δ = (1 − a) · mean of
    ψ(u + L − 1) − ψ(u) over u between a + b and b + 1 (8-point Gauss-Legendre), so (e^Δ − 1)/(a − 1)
    = −mean · (e^Δ − 1)/Δ without cancellation; that is where |a − 1| < 0.1 min(a + b, b + 1), an
    interval short against its distance from ψ's pole at 0, on which the rule is exact to rounding.
    """
    a, b, terms = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (a, b, terms)))
    n = np.maximum(terms - 1, 0.0)
    delta = log_gamma_ratio(b + 1, n) - log_gamma_ratio(a + b, n)
    near = np.abs(a - 1) < 0.1 * np.minimum(a + b, b + 1)  # a short interval, far from ψ's pole at 0
    nodes, weights = _GAUSS_LEGENDRE
    low, high = a + b, b + 1
    u = (low + high)[..., None] / 2 + (high - low)[..., None] / 2 * nodes
    mean = digamma_difference(u, n[..., None]) @ weights / 2
    quadrature_delta = (1 - a) * mean
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(near, -mean * exprel(quadrature_delta), np.expm1(delta) / (a - 1))
    return np.where(terms > 0, 1.0 - b * ratio, 0.0)


def erlang_beta_series(kind: str, k, r, w, a, b, phase) -> np.ndarray:
    """The purchases in t = wα of a customer alive at 0 under (M)BG/CNBD-k dynamics, θ broadcast elementwise.

    The customer makes M = ⌊(N + phase)/k⌋ purchases if alive throughout (see :func:`phase_tail`) and drops
    out right after each with probability p ~ Beta(a, b): after the G-th, G ~ Geometric(p), so
    P(G > m) = E(1−p)^m = (b)_m/(a+b)_m =: c_m. Then

    * ``"expected"``: E[min(M, G)] = Σ_{m>=1} c_{m−1} P(M >= m);
    * ``"survival"``: P(alive at t) = P(G > M) = Σ_{m>=0} c_m [P(M >= m) − P(M >= m+1)].

    Every term is positive. Only the m whose phase counts are not negligible are summed: from
    m_lo = ⌊(low + phase)/k⌋ to ⌈(high + phase)/k⌉, (low, high) from :func:`nbinom_range`, outside which
    P(N) is below 1e-17; for the expectation, the terms below m_lo, where P(M >= m) = 1 to that accuracy,
    are C(m_lo) (:func:`beta_geometric_partial_sum`). Each element's terms are laid out one after the other
    (their number differs from element to element), in chunks of bounded size, and summed with
    ``np.bincount``. At k = 1 and phase 0 these are the BG/NBD quantities of :func:`bg_expected` and
    :func:`log_bg_survival`. Counts so large that more than ``ERLANG_MAX_TERMS`` terms would be needed
    raise OverflowError (a prediction for millions of purchases per customer).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (k, r, w, a, b, phase)))
    shape = arrays[0].shape
    k, r, w, a, b, phase = (v.ravel() for v in arrays)
    low, high = nbinom_range(r, w)
    first = np.maximum(np.floor((low + phase) / k), 0.0)  # P(M < first) is negligible
    last = np.ceil((high + phase) / k)  # P(M > last) is negligible
    if kind == "expected":
        result = beta_geometric_partial_sum(a, b, first)
        first = first + 1
    else:
        result = np.zeros(k.size)
    counts = np.maximum(last - first + 1, 0)
    if not np.all(np.isfinite(counts)) or counts.sum() > ERLANG_MAX_TERMS:
        raise OverflowError(f"the Erlang-k purchase counts are too large for exact sums ({np.nanmax(r * w):.3g} "
                            "phases expected in the horizon)")
    counts = counts.astype("int64")
    ends = np.cumsum(counts)
    chunk_ends = np.searchsorted(ends, np.arange(_CHUNK_TERMS, ends[-1] if ends.size else 0, _CHUNK_TERMS))
    for start, stop in zip(np.r_[0, chunk_ends], np.r_[chunk_ends, k.size], strict=True):
        if stop <= start:
            continue
        size = counts[start:stop]
        element = np.repeat(np.arange(start, stop), size)
        m = first[element] + np.arange(element.size) - np.repeat(np.cumsum(size) - size, size)
        kk, rr, ww, aa, bb, jj = (v[element] for v in (k, r, w, a, b, phase))
        if kind == "expected":
            survived = np.exp(log_gamma_ratio(bb, m - 1) - log_gamma_ratio(aa + bb, m - 1))
            terms = survived * phase_tail(m, kk, jj, rr, ww)
        else:
            survived = np.exp(log_gamma_ratio(bb, m) - log_gamma_ratio(aa + bb, m))
            terms = survived * (phase_tail(m, kk, jj, rr, ww) - phase_tail(m + 1, kk, jj, rr, ww))
        result[start:stop] += np.bincount(element - start, weights=terms, minlength=stop - start)
    return result.reshape(shape)

"""GGompertz/NBD: the Gamma-Gompertz/NBD model of Bemmaor & Glady (2012).

Bemmaor, A.C., Glady, N. (2012), "Modeling purchasing behavior with sudden 'death': a flexible
customer lifetime model", *Management Science* 58(5), 1012-1021, with the erratum of Adler (2022),
*Management Science* 68(6), for the conditional expectation. The likelihood and P(alive) are those of
CLVTools (``src/ggomnbd.cpp``: ``ggomnbd_LL_ind``, ``ggomnbd_PAlive``, ``ggomnbd_CET``).

Assumptions: while alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α). The
lifetime τ is Gompertz: P(τ > t | η) = exp(−η (e^(bt) − 1)), with η ~ Gamma(s, β) across customers
and b > 0 common to all, so that across customers P(τ > t) = (β/(β + e^(bt) − 1))^s (the
Gamma-Gompertz distribution). b is the rate at which the hazard grows with a customer's age; as
b → 0 with β/b fixed, lifetimes become exponential with death rates ~ Gamma(s, β/b): the Pareto/NBD
model, a limit this model reports as such.
"""

from __future__ import annotations

import numpy as np

from ._purchase import COMMON_PURCHASE_RATE, PurchaseModel
from ._special import (
    FINE_RULE,
    STANDARD_RULE,
    digamma_difference,
    log_gamma_ratio,
    log_nbinom_pmf,
    tanh_sinh_nodes,
)
from .fitting import Boundary

__all__ = ["GammaGompertzNBD", "GammaGompertzProcess"]


def log_gompertz_scale(beta, b, t) -> np.ndarray:
    """ln(β − 1 + e^(bt)) without cancellation: ln(β + expm1(bt)) for bt < 1, bt + log1p((β−1)e^(−bt)) beyond.

    Exact for tiny b and β (the Pareto/NBD limit, where both terms are of the order of b).
    """
    bt = np.asarray(b * np.asarray(t, dtype="float64"), dtype="float64")
    small = bt < 1.0
    near = np.log(beta + np.expm1(np.where(small, bt, 0.0)))
    far = bt + np.log1p((beta - 1.0) * np.exp(-np.where(small, 1.0, bt)))
    return np.where(small, near, far)


class GammaGompertzProcess:
    """Purchases of a customer alive at time 0 under GGompertz/NBD dynamics, θ = (r, α, b, s, β) (numbers or arrays).

    An alive customer at T is again such a customer: λ ~ Gamma(r + x, α + T) and, since
    P(τ > T + u | τ > T, η) = exp(−η e^(bT)(e^(bu) − 1)), the scale η e^(bT) ~ Gamma(s, 1 + (β − 1)e^(−bT)).
    """

    @staticmethod
    def survival(theta, t):
        """P(alive at t) = (β/(β + e^(bt) − 1))^s."""
        _, _, b, s, beta = theta
        return np.exp(s * (np.log(beta) - log_gompertz_scale(beta, b, t)))

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = (r/α) ∫_0^t P(alive at u) du  (Bemmaor & Glady 2012, eq. 10, after integrating by parts).

        Taken, as :meth:`count_probability`, in v = ln(D(u)/β), where P(alive) = e^(−sv) and
        du/dv = β e^v/(b e^(bu)) (:func:`_in_log_scale`): a small β, whose survival falls within the first β/b
        of [0, t], left the rule in u 2e-3 off at β = 4e-10; in v, with the rule of step 1/32, within 1e-11
        of mpmath (tests/clv/test_ggompertz.py).
        """
        r, alpha, b, s, beta, t = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (*theta, t)))
        span = _log_scale_ratio(beta, b, t)
        v, weights, bu = _in_log_scale(np.zeros_like(t), span, beta[..., None], b[..., None])
        integrand = np.exp(np.log(beta)[..., None] + (1 - s[..., None]) * v - bu) / b[..., None]
        return r / alpha * np.sum(weights * integrand, axis=-1)

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n) = P(τ > t) NB(n; r, α/(α+t)) + ∫_0^t f(τ) NB(n; r, α/(α+τ)) dτ, f the lifetime density.

        The integral is taken in v = ln(D(τ)/β), D(τ) = β − 1 + e^(bτ), in which P(τ > t) = e^(−sv): the death
        density is s e^(−sv) dv, with τ = ln(1 + β(e^v − 1))/b. A small β crowds the deaths into the first
        β/b of [0, t], a layer the tanh-sinh rule in τ resolved to only 5e-3 at β = 1e-9; in v there is none.
        The integral is split at its mode (:func:`_count_mode`) and each piece taken by the rule of step 1/32,
        which resolves a peak at either end of its interval: within 1e-11 of mpmath
        (tests/clv/test_ggompertz.py).
        """
        r, alpha, b, s, beta, n, t = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (*theta, n, t)))
        alive = np.exp(s * (np.log(beta) - log_gompertz_scale(beta, b, t)) + log_nbinom_pmf(n, r, t / alpha))
        split, span = (_log_scale_ratio(beta, b, tau) for tau in (_count_mode(r, alpha, b, s, beta, n, t), t))
        r, alpha, b, s, beta, n = (v[..., None] for v in (r, alpha, b, s, beta, n))  # against the nodes
        total = alive
        for low, high in ((np.zeros_like(t), split), (split, span)):
            v, weights, b_tau = _in_log_scale(low, high, beta, b)
            log_count = log_nbinom_pmf(n, r, b_tau / b / alpha)
            total = total + np.sum(weights * np.exp(np.log(s) - s * v + log_count), axis=-1)
        return total


def _in_log_scale(low, high, beta, b, rule=FINE_RULE):
    """Nodes v of the tanh-sinh ``rule`` on [low, high] (on the last axis), their weights times the width, and bτ
    at each, τ = ln(1 + β(e^v − 1))/b the time at which ln(D(τ)/β) = v."""
    v, weights = tanh_sinh_nodes(low, high, rule)
    with np.errstate(divide="ignore"):  # v = 0 on an empty piece: τ = 0
        b_tau = np.logaddexp(0.0, np.log(beta) + v + np.log(-np.expm1(-v)))
    return v, weights, b_tau


def _log_scale_ratio(beta, b, tau) -> np.ndarray:
    """v = ln(D(τ)/β) = ln(1 + (e^(bτ) − 1)/β) as logaddexp(0, ln(e^(bτ) − 1) − ln β): no cancellation and no
    overflow for any bτ >= 0 and β > 0 (ln(e^(bτ) − 1) = bτ + ln(−expm1(−bτ)), −∞ at τ = 0, where v = 0)."""
    bt = np.asarray(b * tau, dtype="float64")
    with np.errstate(divide="ignore"):
        return np.logaddexp(0.0, bt + np.log(-np.expm1(-bt)) - np.log(beta))


def _count_mode(r, alpha, b, s, beta, n, t) -> np.ndarray:
    """Where, in v = ln(D(τ)/β), s e^(−sv) NB(n; r, α/(α+τ)) peaks, as the τ in [0, t] there.

    Its log's derivative in v is (n/τ − (r+n)/(α+τ)) dτ/dv − s with dτ/dv = (1 − (1 − β)e^(−bτ))/b: for n > 0
    positive near τ = 0 and −s at the NB's own mode τ = nα/r, so it has a root between; found by bisection in
    ln τ (100 halvings of 70 decades). For n = 0 the integrand only falls: the mode is 0. Capped at t.
    """
    peak = np.where(n > 0, n * alpha / np.maximum(r, 1e-300), 0.0)
    high = np.log(np.maximum(np.minimum(peak, t), 1e-300))
    low = high - 70 * np.log(10.0)

    def rising(log_tau):
        tau = np.exp(log_tau)
        slope = (-np.expm1(-b * tau) + beta * np.exp(-b * tau)) / b
        return (n / tau - (r + n) / (alpha + tau)) * slope > s

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # n = 0 or t = 0: masked below
        for _ in range(100):
            middle = (low + high) / 2
            up = rising(middle)
            low, high = np.where(up, middle, low), np.where(up, high, middle)
    return np.where((n > 0) & (t > 0), np.minimum(np.exp(high), t), 0.0)


class GammaGompertzNBD(PurchaseModel):
    """GGompertz/NBD model, fitted by maximum likelihood on (frequency, recency, T).

    Notes
    -----
    The likelihood of one customer (Bemmaor & Glady 2012, eq. 6; CLVTools ``ggomnbd_LL_ind``), with
    D(y) = β − 1 + e^(by):

    .. math::
        L = \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)}\\Big[(\\alpha+T)^{-(r+x)}\\Big(\\frac{\\beta}{D(T)}\\Big)^s
        + b s \\beta^s \\int_{t_x}^{T}(\\alpha+y)^{-(r+x)} D(y)^{-(s+1)} e^{by}\\,dy\\Big]

    alive at T, or dead at y between the last purchase and T. The integral has no closed form; it is
    taken by the tanh-sinh rule over v = ln(D(y)/β), in which the death density is s e^(−sv) (109 nodes
    per row; see :meth:`GammaGompertzNBD._terms`), with the gradient from the same nodes. P(alive) is the
    first term's share, with 217 nodes.

    Predictions. An alive customer at T is a new customer with r + x, α + T and
    β' = 1 + (β − 1)e^(−bT) (:class:`GammaGompertzProcess`), so E[X(T, T+t] | history] =
    P(alive) (r+x)/(α+T) ∫_0^t (β'/(β' + e^(bu) − 1))^s du, equal to CLVTools' ``ggomnbd_CET`` (Adler's
    2022 erratum; tested).

    Limits: b, β → 0 with β/b fixed is the Pareto/NBD model (lifetimes exponential, death rates
    ~ Gamma(s, β/b)) — where CDNOW's likelihood is highest — and r, α → ∞ one purchase rate; each is
    reported as the limiting model with a :class:`~crmlab.errors.CrmlabWarning` (see
    :mod:`crmlab.clv.fitting`).

    Checked against Bemmaor & Glady's CDNOW estimates (table 2: r 0.553, α 10.578, s 0.603, LL −9594.98)
    and CLVTools' (LL −9594.9762), CLVTools' formulas by independent quadrature, and by simulation.
    """

    param_names = ("r", "alpha", "b", "s", "beta")
    model_name = "GGompertz/NBD"
    _process = GammaGompertzProcess
    boundaries = (COMMON_PURCHASE_RATE,
                  Boundary(("b", "beta"), concentrate=None,
                           polarise="lifetimes are exponential (no ageing, b → 0): the Pareto/NBD model, with death "
                                    "rates ~ Gamma(s, β/b), b/β = {ratio:.4g}"))

    def _initial_log_params(self, data):
        mean_T = float(np.average(data.columns["T"], weights=data.counts))
        scale = max(mean_T / 10, 1e-3)
        return np.log([1.0, scale, 1.0 / max(mean_T, 1e-3), 1.0, 1.0])

    def _terms(self, log_params, data, rule=STANDARD_RULE):
        """The logs of the bracket's two terms, the dead term's weights over the nodes, and the node values.

        The dead term is integrated over v = ln(D(y)/β) (:func:`_in_log_scale`), where its density is s e^(−sv):
        in y, a peak of e^(by) D(y)^-(s+1) inside [t_x, T] about 1/b wide (β > 1, T beyond ln((β − 1)/s)/b) fell
        between the rule's nodes (3e-6 to 3e-2 off; found against mpmath). Its shares over the nodes weigh the
        gradient's integrands, which are those in y: an average over the dead term is the same in either variable.
        The likelihood takes the rule of step 1/16; P(alive) the finer one of step 1/32 (``rule``), which also
        resolves the layer a large x puts at t_x ((α+y)^-(r+x) falling over (α+t_x)/(r+x), with β ≫ 1 a sliver
        of v): within 1e-12 of mpmath there, where the likelihood's rule leaves up to 7e-6 (x = 5, β = 1e6).
        """
        r, alpha, b, s, beta = np.exp(log_params)
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        scale_T = log_gompertz_scale(beta, b, T)
        log_alive = -r * np.log1p(T / alpha) - x * np.log(alpha + T) + s * (np.log(beta) - scale_T)
        # over v = ln(D(y)/β), in which b s β^s e^(by) D(y)^-(s+1) dy = s e^(-sv) dv (_in_log_scale)
        v, weights, b_y = _in_log_scale(_log_scale_ratio(beta, b, t_x), _log_scale_ratio(beta, b, T), beta, b, rule)
        nodes, scale_y = b_y / b, v + np.log(beta)  # y and ln D(y) at the nodes
        log_integrand = -r * np.log1p(nodes / alpha) - x[:, None] * np.log(alpha + nodes) - s * v  # α^r (α+y)^-(r+x)
        with np.errstate(divide="ignore"):
            log_nodes = np.log(weights) + log_integrand  # weight 0 where t_x = T: the term vanishes
        peak = np.max(log_nodes, axis=1)
        finite = np.isfinite(peak)
        share = np.exp(log_nodes - np.where(finite, peak, 0.0)[:, None])
        total = share.sum(axis=1)
        with np.errstate(divide="ignore"):
            log_dead = np.where(finite, np.log(s) + peak + np.log(total), -np.inf)
        share = share / np.where(total > 0, total, 1.0)[:, None]
        return (r, alpha, b, s, beta), (x, T, scale_T), log_alive, log_dead, (nodes, scale_y, share)

    def _log_likelihood(self, log_params, data):
        (r, alpha, b, s, beta), (x, T, scale_T), log_alive, log_dead, (nodes, scale_y, share) = \
            self._terms(log_params, data)
        mix = np.logaddexp(log_alive, log_dead)
        w_alive = np.exp(log_alive - mix)
        w_dead = 1.0 - w_alive
        levels, at = self._frequency_levels(data)
        ll = log_gamma_ratio(r, levels)[at] + mix
        grow_T = np.exp(b * T - scale_T)  # e^(bT)/D(T)
        grow_y = np.exp(b * nodes - scale_y)
        d_r = r * (digamma_difference(r, levels)[at] - w_alive * np.log1p(T / alpha)
                   - w_dead * np.sum(share * np.log1p(nodes / alpha), axis=1))
        d_alpha = (w_alive * (r * T - x * alpha) / (alpha + T)
                   + w_dead * np.sum(share * (r * nodes - x[:, None] * alpha) / (alpha + nodes), axis=1))
        d_b = (w_alive * -s * b * T * grow_T
               + w_dead * (1.0 + b * np.sum(share * nodes * (1.0 - (s + 1) * grow_y), axis=1)))
        d_s = (w_alive * s * (np.log(beta) - scale_T)
               + w_dead * (1.0 + s * np.log(beta) - s * np.sum(share * scale_y, axis=1)))
        d_beta = (w_alive * s * (1.0 - beta * np.exp(-scale_T))
                  + w_dead * (s - (s + 1) * beta * np.sum(share * np.exp(-scale_y), axis=1)))
        return ll, np.stack([d_r, d_alpha, d_b, d_s, d_beta]).T

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T): the alive term's share of the likelihood (CLVTools ``ggomnbd_PAlive``)."""
        *_, log_alive, log_dead, _ = self._terms(np.log(self._param_values()), history, FINE_RULE)
        return np.exp(log_alive - np.logaddexp(log_alive, log_dead))

    def _alive_parameters(self, keys):
        """λ ~ Gamma(r + x, α + T) and the Gompertz scale of the remaining life ~ Gamma(s, 1 + (β − 1)e^(−bT))."""
        r, alpha, b, s, beta = self._param_values()
        x, T = keys["frequency"], keys["T"]
        # β' = 1 + (β − 1)e^(−bT) as a sum of positive terms, exact when β and b are tiny (the Pareto/NBD limit)
        return r + x, alpha + T, np.full_like(x, b), np.full_like(x, s), beta * np.exp(-b * T) - np.expm1(-b * T)

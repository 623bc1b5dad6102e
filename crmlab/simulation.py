"""Seeded simulators of the customer-base models, for teaching and for testing parameter recovery.

Each draws customers from the model's generative story with a
:class:`numpy.random.Generator` seeded by ``seed`` and returns the summary the
model is fitted on, plus the customer's latent values (columns starting with
``true_``) so a student can compare estimates with the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_bgnbd", "simulate_mbgnbd", "simulate_paretonbd", "simulate_bgbb", "simulate_gammagamma"]


def _frame(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.index.name = "customer_id"
    return frame


def _observation_lengths(n_customers: int, T) -> np.ndarray:
    T = np.asarray(T, dtype="float64")
    if T.ndim == 0:
        return np.full(n_customers, float(T))
    if T.shape != (n_customers,):
        raise ValueError("T must be a number or one value per customer")
    return T.copy()


def _beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = _observation_lengths(n_customers, T)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    # repeat purchases made before dropping out: dropout follows a purchase with probability p
    lifetime_purchases = rng.geometric(p) - (1 if drop_at_first else 0)
    frequency = np.zeros(n_customers, dtype="int64")
    recency = np.zeros(n_customers)
    clock = np.zeros(n_customers)
    active = np.flatnonzero(lifetime_purchases > 0)
    while active.size:
        clock[active] += rng.exponential(1.0 / rate[active])
        bought = clock[active] <= T[active]
        buyers = active[bought]
        frequency[buyers] += 1
        recency[buyers] = clock[buyers]
        active = buyers[frequency[buyers] < lifetime_purchases[buyers]]
    return _frame(frequency=frequency, recency=recency, T=T, true_rate=rate, true_dropout=p)


def simulate_bgnbd(n_customers: int, T, *, r: float, alpha: float, a: float, b: float, seed=None) -> pd.DataFrame:
    """Customers from the BG/NBD story: λ ~ Gamma(r, α), p ~ Beta(a, b), dropout after a repeat purchase w.p. p."""
    return _beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first=False)


def simulate_mbgnbd(n_customers: int, T, *, r: float, alpha: float, a: float, b: float, seed=None) -> pd.DataFrame:
    """As :func:`simulate_bgnbd`, but customers may also drop out right after their first purchase (MBG/NBD)."""
    return _beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first=True)


def simulate_paretonbd(n_customers: int, T, *, r: float, alpha: float, s: float, beta: float,
                       seed=None) -> pd.DataFrame:
    """Customers from the Pareto/NBD story: λ ~ Gamma(r, α), lifetime ~ Exp(μ) with μ ~ Gamma(s, β)."""
    rng = np.random.default_rng(seed)
    T = _observation_lengths(n_customers, T)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    death_rate = rng.gamma(s, 1.0 / beta, n_customers)
    lifetime = rng.exponential(1.0 / death_rate)
    observed = np.minimum(lifetime, T)
    frequency = rng.poisson(rate * observed)
    # the last of x uniform purchase times on (0, observed) is observed * U^(1/x)
    recency = np.where(frequency > 0, observed * rng.random(n_customers) ** (1.0 / np.maximum(frequency, 1)), 0.0)
    return _frame(frequency=frequency, recency=recency, T=T, true_rate=rate, true_lifetime=lifetime)


def simulate_bgbb(n_customers: int, n_periods: int, *, alpha: float, beta: float, gamma: float, delta: float,
                  seed=None) -> pd.DataFrame:
    """Customers from the BG/BB story over ``n_periods`` discrete opportunities.

    p ~ Beta(α, β) is the chance to transact at an opportunity while alive; θ ~ Beta(γ, δ)
    the chance to die before each opportunity.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n_customers)
    theta = rng.beta(gamma, delta, n_customers)
    alive = np.ones(n_customers, dtype=bool)
    frequency = np.zeros(n_customers, dtype="int64")
    recency = np.zeros(n_customers, dtype="int64")
    for period in range(1, n_periods + 1):
        alive &= rng.random(n_customers) >= theta
        buys = alive & (rng.random(n_customers) < p)
        frequency += buys
        recency[buys] = period
    return _frame(frequency=frequency, recency=recency, periods=np.full(n_customers, n_periods),
                  true_p=p, true_theta=theta)


def simulate_gammagamma(frequency, *, p: float, q: float, gamma: float, seed=None) -> pd.DataFrame:
    """Mean spend of each customer's ``frequency`` transactions under the Gamma-Gamma model (0 when none)."""
    rng = np.random.default_rng(seed)
    frequency = np.asarray(frequency, dtype="int64")
    nu = rng.gamma(q, 1.0 / gamma, frequency.size)
    monetary = np.where(frequency > 0, rng.gamma(p * np.maximum(frequency, 1), 1.0 / (nu * np.maximum(frequency, 1))),
                        0.0)
    return _frame(frequency=frequency, monetary=monetary, true_mean_spend=p / nu)

"""Seeded simulators of the customer-base models, for teaching and for testing parameter recovery.

Each draws customers from the model's generative story with a
:class:`numpy.random.Generator` seeded by ``seed`` and returns the summary the
model is fitted on, plus the customer's latent values (columns starting with
``true_``) so a student can compare estimates with the truth. The continuous-time
simulators return a customer summary that records its ``time_unit`` (the unit T is
given in; weeks by default), as :func:`crmlab.customer_summary` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import CUSTOMER_SUMMARY, TableInfo, with_info

__all__ = ["simulate_bgnbd", "simulate_mbgnbd", "simulate_paretonbd", "simulate_bgbb", "simulate_gammagamma",
           "make_satisfaction_survey", "make_kano_survey"]


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


def _summary(frame: pd.DataFrame, time_unit: str) -> pd.DataFrame:
    return with_info(frame, TableInfo(CUSTOMER_SUMMARY, time_unit=time_unit))


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


def simulate_bgnbd(n_customers: int, T, *, r: float, alpha: float, a: float, b: float, seed=None,
                   time_unit: str = "W") -> pd.DataFrame:
    """Customers from the BG/NBD story: λ ~ Gamma(r, α), p ~ Beta(a, b), dropout after a repeat purchase w.p. p."""
    return _summary(_beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first=False), time_unit)


def simulate_mbgnbd(n_customers: int, T, *, r: float, alpha: float, a: float, b: float, seed=None,
                    time_unit: str = "W") -> pd.DataFrame:
    """As :func:`simulate_bgnbd`, but customers may also drop out right after their first purchase (MBG/NBD)."""
    return _summary(_beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first=True), time_unit)


def simulate_paretonbd(n_customers: int, T, *, r: float, alpha: float, s: float, beta: float,
                       seed=None, time_unit: str = "W") -> pd.DataFrame:
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
    return _summary(_frame(frequency=frequency, recency=recency, T=T, true_rate=rate, true_lifetime=lifetime),
                    time_unit)


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


def make_satisfaction_survey(n_respondents: int = 300, *, n_attributes: int = 6, seed=None,
                             thresholds: tuple[float, float] = (4.0, 8.0),
                             slopes: tuple[float, float, float] = (0.8, 0.1, 1.2)) -> pd.DataFrame:
    """A satisfaction survey whose truth is known, for teaching and for checking recovery.

    Generating model (documented so students can compare estimates with it):

    * latent satisfaction S ~ N(0, 1) per respondent;
    * attribute j (``attr1`` …) has importance λ_j spread evenly over [0.3, 0.9]; its perceived
      performance is round(clip(6 + 1.5 (λ_j S + sqrt(1 − λ_j²) ε), 1, 10)) with ε ~ N(0, 1),
      and its expectation round(clip(7 + ε', 1, 10)) with ε' ~ N(0, 1);
    * overall satisfaction on 1-10: clip(5.5 + 2 S + N(0, 0.5), 1, 10);
    * loyalty (0-10) is a continuous piecewise-linear function of overall satisfaction with the
      given ``thresholds`` and ``slopes`` (steep, flat "zone of indifference", steep again) plus
      N(0, 0.4) noise, clipped to 0-10; ``repurchased`` is 1 with probability loyalty / 10.
    """
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n_respondents)
    importance = np.linspace(0.3, 0.9, n_attributes)
    data = {}
    for j, weight in enumerate(importance, start=1):
        noise = rng.standard_normal(n_respondents)
        data[f"attr{j}"] = np.clip(np.round(6 + 1.5 * (weight * latent + np.sqrt(1 - weight**2) * noise)), 1, 10)
        data[f"expect{j}"] = np.clip(np.round(7 + rng.standard_normal(n_respondents)), 1, 10)
    overall = np.clip(5.5 + 2 * latent + rng.normal(0, 0.5, n_respondents), 1, 10)
    low, high = thresholds
    loyalty = (1 + slopes[0] * np.minimum(overall, low) + slopes[1] * np.clip(overall - low, 0, high - low)
               + slopes[2] * np.clip(overall - high, 0, None))
    loyalty = np.clip(loyalty + rng.normal(0, 0.4, n_respondents), 0, 10)
    frame = pd.DataFrame(data).astype("int64")
    frame["overall"] = overall.round(2)
    frame["loyalty"] = loyalty.round(2)
    frame["repurchased"] = (rng.random(n_respondents) < loyalty / 10).astype("int64")
    frame.index.name = "respondent"
    return frame


#: Kano answer pairs (functional, dysfunctional) typical of each category.
_KANO_TYPICAL = {"attractive": (1, 3), "one-dimensional": (1, 5), "must-be": (3, 5), "indifferent": (3, 3)}


def make_kano_survey(categories: dict[str, str], n_respondents: int = 200, *, consistency: float = 0.7,
                     seed=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Functional and dysfunctional Kano answers (1-5) for attributes of known category.

    Each respondent answers an attribute with its category's typical pair with probability
    ``consistency`` (attractive (1, 3), one-dimensional (1, 5), must-be (3, 5), indifferent (3, 3)),
    otherwise with a pair drawn uniformly from the 25 possible ones.
    """
    unknown = set(categories.values()) - set(_KANO_TYPICAL)
    if unknown:
        raise ValueError(f"categories must be among {list(_KANO_TYPICAL)}, got {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    functional, dysfunctional = {}, {}
    for attribute, category in categories.items():
        typical = rng.random(n_respondents) < consistency
        f, d = _KANO_TYPICAL[category]
        functional[attribute] = np.where(typical, f, rng.integers(1, 6, n_respondents))
        dysfunctional[attribute] = np.where(typical, d, rng.integers(1, 6, n_respondents))
    index = pd.RangeIndex(n_respondents, name="respondent")
    return pd.DataFrame(functional, index=index), pd.DataFrame(dysfunctional, index=index)

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
           "make_satisfaction_survey", "make_kano_survey", "simulate_bgcnbd", "simulate_mbgcnbd",
           "simulate_ggompertznbd"]


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
    """Customers from the BG/NBD story: λ ~ Gamma(r, α), p ~ Beta(a, b), dropout after a repeat purchase w.p. p.

    ``alpha``, ``a`` and ``b`` may be one value per customer (customers with covariates, e.g.
    α_i = α exp(−γ'z_i)), as may ``T``."""
    return _summary(_beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first=False), time_unit)


def simulate_mbgnbd(n_customers: int, T, *, r: float, alpha: float, a: float, b: float, seed=None,
                    time_unit: str = "W") -> pd.DataFrame:
    """As :func:`simulate_bgnbd`, but customers may also drop out right after their first purchase (MBG/NBD)."""
    return _summary(_beta_geometric(n_customers, T, r, alpha, a, b, seed, drop_at_first=True), time_unit)


def _erlang_beta_geometric(n_customers, T, k, r, alpha, a, b, seed, drop_at_first: bool, holdout) -> pd.DataFrame:
    """As :func:`_beta_geometric` with Erlang-k gaps Gamma(k, λ), also recording Σ ln(gap) and the holdout."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    rng = np.random.default_rng(seed)
    T = _observation_lengths(n_customers, T)
    end = T + (holdout or 0.0)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    lifetime_purchases = rng.geometric(p) - (1 if drop_at_first else 0)
    frequency, later = np.zeros(n_customers, dtype="int64"), np.zeros(n_customers, dtype="int64")
    recency, litt, clock = np.zeros(n_customers), np.zeros(n_customers), np.zeros(n_customers)
    made = np.zeros(n_customers, dtype="int64")
    active = np.flatnonzero(lifetime_purchases > 0)
    while active.size:
        gap = rng.gamma(k, 1.0 / rate[active])
        clock[active] += gap
        within = clock[active] <= end[active]
        active, gap = active[within], gap[within]
        made[active] += 1
        inside = clock[active] <= T[active]
        buyers = active[inside]
        frequency[buyers] += 1
        recency[buyers] = clock[buyers]
        litt[buyers] += np.log(gap[inside])
        later[active[~inside]] += 1
        active = active[made[active] < lifetime_purchases[active]]
    return _frame(frequency=frequency, recency=recency, T=T, litt=litt, true_rate=rate, true_dropout=p,
                  true_alive=lifetime_purchases > frequency, holdout_purchases=later)


def simulate_bgcnbd(n_customers: int, T, *, k: int, r: float, alpha: float, a: float, b: float, holdout: float = 0.0,
                    seed=None, time_unit: str = "W") -> pd.DataFrame:
    """Customers from the BG/CNBD-k story: Erlang-k gaps of rate λ ~ Gamma(r, α), dropout after a repeat purchase
    with probability p ~ Beta(a, b).

    Besides the summary (``frequency``, ``recency``, ``T``, and ``litt``, the sum of the log gaps) the frame
    holds ``true_rate`` λ, ``true_dropout`` p, ``true_alive`` (alive at T) and ``holdout_purchases``, the
    purchases in the ``holdout`` time units after T.
    """
    return _summary(_erlang_beta_geometric(n_customers, T, k, r, alpha, a, b, seed, False, holdout), time_unit)


def simulate_mbgcnbd(n_customers: int, T, *, k: int, r: float, alpha: float, a: float, b: float, holdout: float = 0.0,
                     seed=None, time_unit: str = "W") -> pd.DataFrame:
    """As :func:`simulate_bgcnbd`, but customers may also drop out right after their first purchase (MBG/CNBD-k)."""
    return _summary(_erlang_beta_geometric(n_customers, T, k, r, alpha, a, b, seed, True, holdout), time_unit)


def simulate_paretonbd(n_customers: int, T, *, r: float, alpha: float, s: float, beta: float,
                       correlation: float = 0.0, seed=None, time_unit: str = "W") -> pd.DataFrame:
    """Customers from the Pareto/NBD story: λ ~ Gamma(r, α), lifetime ~ Exp(μ) with μ ~ Gamma(s, β).

    ``alpha`` and ``beta`` may be one value per customer (customers with covariates, e.g. CLVTools'
    α_i = α exp(−γ_purchase'z_i), β_i = β exp(−γ_dropout'z_i)), as may ``T``. With ``correlation`` ρ ≠ 0
    (one α and β) the rates follow the Sarmanov family of :mod:`crmlab.clv.correlation` with Cor(λ, μ) = ρ,
    drawn by rejection: independent gamma pairs kept with probability (1 + ω φ_A φ_B)/(1 + |ω| m), m the
    largest |φ_A φ_B|."""
    rng = np.random.default_rng(seed)
    T = _observation_lengths(n_customers, T)
    if correlation:
        rate, death_rate = _sarmanov_rates(rng, n_customers, r, alpha, s, beta, correlation)
    else:
        rate = rng.gamma(r, 1.0 / alpha, n_customers)
        death_rate = rng.gamma(s, 1.0 / beta, n_customers)
    lifetime = rng.exponential(1.0 / death_rate)
    observed = np.minimum(lifetime, T)
    frequency = rng.poisson(rate * observed)
    # the last of x uniform purchase times on (0, observed) is observed * U^(1/x)
    recency = np.where(frequency > 0, observed * rng.random(n_customers) ** (1.0 / np.maximum(frequency, 1)), 0.0)
    return _summary(_frame(frequency=frequency, recency=recency, T=T, true_rate=rate, true_lifetime=lifetime),
                    time_unit)


def _sarmanov_rates(rng, n_customers: int, r, alpha, s, beta, correlation: float):
    """(λ, μ) pairs of the Sarmanov family with gamma marginals and Cor(λ, μ) = ``correlation``."""
    from .clv.correlation import correlation_bounds

    if np.ndim(alpha) or np.ndim(beta):
        raise ValueError("simulate_paretonbd: a correlation needs one alpha and one beta (no covariates)")
    lowest, highest = correlation_bounds(r, alpha, s, beta)
    if not lowest <= correlation <= highest:
        raise ValueError(f"simulate_paretonbd: correlation {correlation} is outside the range the Sarmanov family "
                         f"allows at these parameters, [{lowest:.4g}, {highest:.4g}]")
    laplace_a, laplace_b = (alpha / (alpha + 1.0)) ** r, (beta / (beta + 1.0)) ** s
    omega = correlation * (1.0 + alpha) * (1.0 + beta) / np.sqrt(r * s) / (laplace_a * laplace_b)
    largest = max(laplace_a, 1.0 - laplace_a) * max(laplace_b, 1.0 - laplace_b)
    rates, deaths = [], []
    kept = 0
    while kept < n_customers:
        batch = 2 * (n_customers - kept) + 100
        rate, death = rng.gamma(r, 1.0 / alpha, batch), rng.gamma(s, 1.0 / beta, batch)
        density = 1.0 + omega * (np.exp(-rate) - laplace_a) * (np.exp(-death) - laplace_b)
        keep = rng.random(batch) * (1.0 + abs(omega) * largest) < density
        rates.append(rate[keep])
        deaths.append(death[keep])
        kept += int(keep.sum())
    return np.concatenate(rates)[:n_customers], np.concatenate(deaths)[:n_customers]


def simulate_ggompertznbd(n_customers: int, T, *, r: float, alpha: float, b: float, s: float, beta: float,
                          seed=None, time_unit: str = "W") -> pd.DataFrame:
    """Customers from the GGompertz/NBD story: λ ~ Gamma(r, α); a Gompertz lifetime, P(τ > t) = exp(−η(e^(bt) − 1)),
    with η ~ Gamma(s, β) (drawn as τ = ln(1 + E/η)/b, E ~ Exp(1))."""
    rng = np.random.default_rng(seed)
    T = _observation_lengths(n_customers, T)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    scale = rng.gamma(s, 1.0 / beta, n_customers)
    lifetime = np.log1p(rng.exponential(1.0, n_customers) / scale) / b
    observed = np.minimum(lifetime, T)
    frequency = rng.poisson(rate * observed)
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
    """Mean spend of each customer's ``frequency`` transactions under the Gamma-Gamma model (0 when none).

    ``gamma`` may be one value per customer (spend covariates: γ_i = γ e^(δ'w_i))."""
    rng = np.random.default_rng(seed)
    frequency = np.asarray(frequency, dtype="int64")
    nu = rng.gamma(q, 1.0 / gamma, frequency.size)
    monetary = np.where(frequency > 0, rng.gamma(p * np.maximum(frequency, 1), 1.0 / (nu * np.maximum(frequency, 1))),
                        0.0)
    return _frame(frequency=frequency, monetary=monetary, true_mean_spend=p / nu)


def make_satisfaction_survey(n_respondents: int = 300, *, n_attributes: int = 6, seed=None,
                             thresholds: tuple[float, float] = (4.0, 8.0),
                             slopes: tuple[float, float, float] = (0.8, 0.1, 1.2),
                             stated_importance: bool = False) -> pd.DataFrame:
    """A satisfaction survey whose truth is known, for teaching and for checking recovery.

    Generating model (documented so students can compare estimates with it):

    * latent satisfaction S ~ N(0, 1) per respondent;
    * attribute j (``attr1`` …) has importance λ_j spread evenly over [0.3, 0.9]; its perceived
      performance is round(clip(6 + 1.5 (λ_j S + sqrt(1 − λ_j²) ε), 1, 10)) with ε ~ N(0, 1),
      and its expectation round(clip(7 + ε', 1, 10)) with ε' ~ N(0, 1);
    * overall satisfaction on 1-10: clip(5.5 + 2 S + N(0, 0.5), 1, 10);
    * loyalty (0-10) is a continuous piecewise-linear function of overall satisfaction with the
      given ``thresholds`` and ``slopes`` (steep, flat "zone of indifference", steep again) plus
      N(0, 0.4) noise, clipped to 0-10; ``repurchased`` is 1 with probability loyalty / 10;
    * with ``stated_importance=True``, each respondent also *rates* how important each attribute is, as
      003 §2.2.6 asks ("通过客户对因素重要性和满意度的评价"): ``importance1`` … on 1-10,
      round(clip(7 + 3 (λ_j − 0.6) + N(0, 1.5), 1, 10)) — the order of λ_j, but squeezed towards the top of
      the scale, as stated importance tends to be. These draws come after all the others, so the other
      columns are the same as without them (and the same respondents as :func:`crmlab.datasets.load_example_survey`
      for ``make_satisfaction_survey(300, seed=2026)``).
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
    if stated_importance:
        for j, weight in enumerate(importance, start=1):
            stated = 7 + 3 * (weight - 0.6) + rng.normal(0, 1.5, n_respondents)
            frame[f"importance{j}"] = np.clip(np.round(stated), 1, 10).astype("int64")
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


# --------------------------------------------------------------------------- satisfaction teaching data (issue 14)

def make_expectation_survey(n_respondents: int = 1000, *, average_loyalty: float = 5.0, seed=None) -> pd.DataFrame:
    """Customers whose loyalty comes from basic and latent expectations (textbook 003 §2.3.3; 001 图3.22).

    Generating model (0-10 scales; U, V independent per respondent):

    * basic fulfilment B ~ Beta(4, 1.5) — how far the basic expectations (基本期望) are met (most firms
      meet them fairly well); latent fulfilment L ~ Beta(1, 3) — how far latent expectations (潜在期望)
      are met (few customers are delighted);
    * satisfaction = clip(10 (0.7 B + 0.3 L) + N(0, 0.3), 0, 10);
    * loyalty = clip(ā (1 − e^(−4B)) / (1 − e^(−4)) + (10 − ā) L + N(0, 0.4), 0, 10) with ā =
      ``average_loyalty`` (平均忠诚度): meeting basic expectations raises loyalty with decreasing marginal
      effect up to the industry's average loyalty; only latent expectations lift it above.

    Returns ``basic_fulfilment``, ``latent_fulfilment`` (both 0-1), ``satisfaction``, ``loyalty``;
    ``attrs["average_loyalty"]`` = ā.
    """
    if not 0 < average_loyalty < 10:
        raise ValueError(f"average_loyalty must lie strictly between 0 and 10, got {average_loyalty!r}")
    rng = np.random.default_rng(seed)
    basic = rng.beta(4.0, 1.5, n_respondents)
    latent = rng.beta(1.0, 3.0, n_respondents)
    satisfaction = np.clip(10 * (0.7 * basic + 0.3 * latent) + rng.normal(0, 0.3, n_respondents), 0, 10)
    from_basic = average_loyalty * (1 - np.exp(-4 * basic)) / (1 - np.exp(-4))
    loyalty = np.clip(from_basic + (10 - average_loyalty) * latent + rng.normal(0, 0.4, n_respondents), 0, 10)
    frame = pd.DataFrame({"basic_fulfilment": basic.round(3), "latent_fulfilment": latent.round(3),
                          "satisfaction": satisfaction.round(2), "loyalty": loyalty.round(2)},
                         index=pd.RangeIndex(n_respondents, name="respondent"))
    frame.attrs["average_loyalty"] = float(average_loyalty)
    return frame


def make_switching_customers(n_customers: int = 2000, *, switching_cost: float = 0.0, extra_value: float = 0.0,
                             competitor_value: float = 7.5, seed=None) -> pd.DataFrame:
    """Satisfied customers who still leave for a competitor (001 §3.6.4: the trap's competitive cause).

    Generating model (value on the 1-10 satisfaction scale): our customer's satisfaction S ~ U(1, 10);
    the best competing offer they see is C ~ N(``competitor_value``, 1); they stay when
    S + ``extra_value`` + ``switching_cost`` + ε ≥ C with ε ~ Logistic(0, 0.5). ``extra_value`` is the
    remedy "deliver more value than competitors" (更大的顾客让渡价值), ``switching_cost`` the remedy "raise
    switching costs" (提高顾客转移成本); both are in satisfaction points. Returns ``satisfaction`` (S),
    ``competitor_value`` (C) and ``stayed`` (1/0).
    """
    for name, value in (("switching_cost", switching_cost), ("extra_value", extra_value)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0 (satisfaction points), got {value!r}")
    rng = np.random.default_rng(seed)
    satisfaction = rng.uniform(1, 10, n_customers)
    competitor = rng.normal(competitor_value, 1.0, n_customers)
    stays = satisfaction + extra_value + switching_cost + rng.logistic(0, 0.5, n_customers) >= competitor
    return pd.DataFrame({"satisfaction": satisfaction.round(2), "competitor_value": competitor.round(2),
                         "stayed": stays.astype("int64")}, index=pd.RangeIndex(n_customers, name="customer_id"))


def make_satisfaction_labels(profit: pd.Series, *, top: float = 0.2, satisfied_top: float = 0.3,
                             satisfied_others: float = 0.9, seed=None) -> pd.Series:
    """Simulated satisfied/dissatisfied answers for real customers, linked to their profit rank.

    A what-if for 003 §2.3.3 (the Swedish banks): the ``top`` share of customers by profit (ties by index
    order) answer "satisfied" with probability ``satisfied_top``, the others with ``satisfied_others``.
    Returns a boolean Series (True = satisfied) on the index of ``profit``. The answers are invented; only
    the profits are data.
    """
    for name, value in (("top", top), ("satisfied_top", satisfied_top), ("satisfied_others", satisfied_others)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be a share between 0 and 1, got {value!r}")
    rng = np.random.default_rng(seed)
    n_top = max(1, int(round(top * len(profit))))
    in_top = pd.Series(False, index=profit.index)
    in_top[profit.sort_values(ascending=False, kind="stable").index[:n_top]] = True
    chance = np.where(in_top.to_numpy(), satisfied_top, satisfied_others)
    return pd.Series(rng.random(len(profit)) < chance, index=profit.index, name="satisfied")


#: The touchpoints of :func:`make_satisfaction_wave` and the satisfaction factor of 003 §2.2.2 each belongs to.
TOUCHPOINT_FACTORS = {"brand reputation": "firm", "product quality": "product", "value for money": "product",
                      "delivery speed": "marketing and service system",
                      "after-sales service": "marketing and service system",
                      "complaint handling": "communication", "product information": "communication",
                      "proactive follow-up": "customer care"}
# (mean rating on 1-5, weight in overall satisfaction) of each touchpoint in the first wave
_TOUCHPOINTS = {"brand reputation": (4.0, 0.10), "product quality": (4.1, 0.30), "value for money": (3.6, 0.20),
                "delivery speed": (3.1, 0.30), "after-sales service": (3.5, 0.15), "complaint handling": (2.7, 0.35),
                "product information": (4.2, 0.05), "proactive follow-up": (2.9, 0.05)}


def make_satisfaction_wave(n_respondents: int = 400, *, shifts=None, seed=None) -> pd.DataFrame:
    """One wave of a five-point satisfaction survey of eight touchpoints and overall satisfaction.

    Generating model: touchpoint j (:data:`TOUCHPOINT_FACTORS`) has a first-wave mean m_j on 1-5 and a
    weight β_j; its answer is round(clip(m_j + s_j + N(0, 0.9), 1, 5)) where ``shifts`` maps touchpoints
    to an improvement s_j (default 0); overall satisfaction is
    round(clip(3.4 + Σ_j β_j (x_j − m_j) + N(0, 0.35), 1, 5)), so an improvement raises it through β_j.
    Weights: complaint handling 0.35, product quality and delivery speed 0.30, value for money 0.20,
    after-sales service 0.15, brand reputation 0.10, product information and follow-up 0.05; first-wave
    means 2.7 (complaints) to 4.2 (information). Answers are integers 1-5 (5 = very satisfied).
    """
    shifts = dict(shifts or {})
    unknown = [name for name in shifts if name not in _TOUCHPOINTS]
    if unknown:
        raise ValueError(f"shifts names unknown touchpoints {unknown}; the touchpoints are {list(_TOUCHPOINTS)}")
    rng = np.random.default_rng(seed)
    answers, overall = {}, np.full(n_respondents, 3.4)
    for name, (mean, weight) in _TOUCHPOINTS.items():
        rating = np.clip(np.round(mean + shifts.get(name, 0.0) + rng.normal(0, 0.9, n_respondents)), 1, 5)
        answers[name] = rating
        overall += weight * (rating - mean)
    frame = pd.DataFrame(answers).astype("int64")
    frame["overall"] = np.clip(np.round(overall + rng.normal(0, 0.35, n_respondents)), 1, 5).astype("int64")
    frame.index.name = "respondent"
    return frame


#: Candidate factors of :func:`make_questionnaire` (a retailer's industry factor system) and their loading on
#: satisfaction; "can buy what you need" nearly repeats "assortment complete" (003 §2.2.3's example pair).
_CANDIDATES = {"assortment complete": 0.75, "can buy what you need": None, "staff friendliness": 0.6,
               "checkout speed": 0.55, "store cleanliness": 0.45, "prices": 0.5, "after-sales service": 0.05,
               "parking": 0.1}


def make_questionnaire(n_respondents: int = 300, *, lang: str = "en", seed=None) -> pd.DataFrame:
    """Answers of a retailer's satisfaction questionnaire, as labels of the five-level Likert scale.

    Generating model: satisfaction S ~ N(0, 1) per respondent; each candidate factor j has a latent score
    λ_j S + sqrt(1 − λ_j²) ε_j with the loadings of ``_CANDIDATES`` (after-sales service 0.05 and parking
    0.1 hardly matter for fast-moving goods); "can buy what you need" is the assortment score plus
    N(0, 0.25²) — a near duplicate. Overall satisfaction is S + N(0, 0.4²). Every latent score is cut at the
    standard-normal quantiles 10 %, 30 %, 70 %, 90 % into the five answers of
    :data:`crmlab.satisfaction.measurement.LIKERT_LABELS` in ``lang`` ("en" or "zh").
    """
    from .satisfaction.measurement import LIKERT_LABELS

    if lang not in LIKERT_LABELS:
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n_respondents)
    scores = {}
    for name, loading in _CANDIDATES.items():
        if loading is None:
            scores[name] = scores["assortment complete"] + rng.normal(0, 0.25, n_respondents)
        else:
            scores[name] = loading * latent + np.sqrt(1 - loading**2) * rng.standard_normal(n_respondents)
    scores["overall satisfaction"] = latent + rng.normal(0, 0.4, n_respondents)
    cuts = [-1.2816, -0.5244, 0.5244, 1.2816]  # standard-normal quantiles 0.1, 0.3, 0.7, 0.9
    labels = np.array(LIKERT_LABELS[lang], dtype=object)
    frame = pd.DataFrame({name: labels[np.searchsorted(cuts, values)] for name, values in scores.items()})
    frame.index.name = "respondent"
    return frame


_REASONS = {"product quality": (0.25, 0.70), "price": (0.30, 0.30), "service": (0.20, 0.60),
            "delivery": (0.15, 0.35), "relationship": (0.10, 0.65)}


def make_win_loss_deals(n_deals: int = 200, *, seed=None) -> pd.DataFrame:
    """Deals won and lost with the customer's main reason, for a win/loss analysis (得失分析, 003 §2.4.3).

    Generating model: the reason is product quality, price, service, delivery or relationship with
    probabilities 0.25, 0.30, 0.20, 0.15, 0.10; the deal is won with probability 0.70, 0.30, 0.60, 0.35,
    0.65 given the reason; 5 % of deals have no reason recorded (blank). Returns ``outcome`` ("won"/"lost")
    and ``reason``.
    """
    rng = np.random.default_rng(seed)
    names = list(_REASONS)
    shares = np.array([share for share, _ in _REASONS.values()])
    reason = rng.choice(len(names), n_deals, p=shares)
    won = rng.random(n_deals) < np.array([rate for _, rate in _REASONS.values()])[reason]
    reasons = np.array(names, dtype=object)[reason]
    reasons[rng.random(n_deals) < 0.05] = ""
    return pd.DataFrame({"outcome": np.where(won, "won", "lost"), "reason": reasons},
                        index=pd.RangeIndex(1, n_deals + 1, name="deal"))


#: The events of :func:`make_market_history`: (quarter, who, what, true change of our market share in points).
MARKET_EVENTS = [(4, "us", "loyalty card launched", 3.0), (7, "chain B", "price cut", -2.0),
                 (10, "us", "faster service", 1.5)]


def make_market_history(periods: int = 12, *, base_share: float = 30.0, seed=None
                        ) -> tuple[pd.DataFrame, pd.Series]:
    """Our market share per period and the key events that moved it, for a key-events table (关键事件表).

    share_t = ``base_share`` + Σ (effects of the :data:`MARKET_EVENTS` at or before t) + N(0, 0.3²), in
    percentage points, quarters 1…``periods``. Returns the events (``quarter``, ``actor``, ``event``,
    ``true_effect``) and the share Series indexed by quarter.
    """
    if periods < max(period for period, *_ in MARKET_EVENTS) + 1:
        raise ValueError(f"periods must reach past the last event (period {MARKET_EVENTS[-1][0]}), got {periods}")
    rng = np.random.default_rng(seed)
    events = pd.DataFrame(MARKET_EVENTS, columns=["quarter", "actor", "event", "true_effect"])
    t = np.arange(1, periods + 1)
    level = base_share + sum(effect * (t >= period) for period, _, _, effect in MARKET_EVENTS)
    share = pd.Series((level + rng.normal(0, 0.3, periods)).round(2), index=pd.Index(t, name="quarter"),
                      name="market_share")
    return events, share


__all__ += ["make_expectation_survey", "make_switching_customers", "make_satisfaction_labels",
            "make_satisfaction_wave", "make_questionnaire", "make_win_loss_deals", "make_market_history",
            "TOUCHPOINT_FACTORS", "MARKET_EVENTS"]

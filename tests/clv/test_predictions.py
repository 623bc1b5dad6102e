"""One prediction interface for every customer-base model, checked against independent implementations.

Independent references: lifetimes 0.11.3 (P(alive) at a future opportunity for BG/BB, Fader & Hardie 2010 eq. A10;
the conditional distribution of Pareto/NBD purchases, Fader, Hardie & Lee 2005 note; BG/NBD and MBG/NBD
new-customer distributions), Monte Carlo draws from the posterior, and numerical integration (scipy).
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

import crmlab as cl

lifetimes = pytest.importorskip("lifetimes")

CONTINUOUS = [cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo, cl.clv.ParetoNBD]
SIGNATURES = {
    "expected_purchases": ["t", "data"],
    "p_alive": ["data", "t"],
    "probability_of_purchases": ["n", "t", "data"],
    "probability_no_purchases": ["t", "data"],
    "expected_purchases_new_customer": ["t"],
    "probability_of_purchases_new_customer": ["n", "t"],
    "cumulative_expected_purchases": ["horizons", "data", "combine"],
}


@pytest.fixture(scope="module")
def fitted(cdnow_published):
    models = {cls: cls().fit(cdnow_published) for cls in CONTINUOUS}
    donations = cl.datasets.load_donations()
    models[cl.clv.BetaGeoBetaBinom] = cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    high_end = [1000, 869, 743, 653, 593, 551, 517, 491]  # Fader & Hardie (2007), table 1
    models[cl.clv.ShiftedBetaGeometric] = cl.clv.ShiftedBetaGeometric().fit_survivors(high_end)
    return models


def _history(model_class, cdnow_published):
    if model_class is cl.clv.BetaGeoBetaBinom:
        return cl.datasets.load_donations(), 3
    if model_class is cl.clv.ShiftedBetaGeometric:
        return pd.DataFrame({"period": [1, 3, 7, 7, 2], "churned": [0, 0, 0, 1, 1]}), 4
    return cdnow_published.iloc[:300], 26.0


@pytest.mark.parametrize("model_class", [*CONTINUOUS, cl.clv.BetaGeoBetaBinom, cl.clv.ShiftedBetaGeometric])
def test_every_model_has_the_same_verbs_and_argument_order(model_class):
    for name, arguments in SIGNATURES.items():
        parameters = list(inspect.signature(getattr(model_class, name)).parameters)[1:]
        assert parameters == arguments, f"{model_class.__name__}.{name}"


@pytest.mark.parametrize("model_class", [*CONTINUOUS, cl.clv.BetaGeoBetaBinom, cl.clv.ShiftedBetaGeometric])
def test_predictions_are_one_coherent_distribution(model_class, fitted, cdnow_published):
    model = fitted[model_class]
    data, t = _history(model_class, cdnow_published)
    n = np.arange(0, 200)
    distribution = np.column_stack([model.probability_of_purchases(k, t, data) for k in n])
    np.testing.assert_allclose(distribution.sum(axis=1), 1.0, atol=1e-7)
    np.testing.assert_allclose(distribution @ n, model.expected_purchases(t, data), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.probability_no_purchases(t, data), distribution[:, 0])
    alive_now, alive_later = model.p_alive(data), model.p_alive(data, t=t)
    assert ((0 <= alive_later) & (alive_later <= alive_now + 1e-12) & (alive_now <= 1)).all()
    np.testing.assert_allclose(model.p_alive(data, t=0), alive_now)
    assert (model.expected_purchases(2 * t, data) >= model.expected_purchases(t, data) - 1e-12).all()
    new = model.probability_of_purchases_new_customer(n, t)
    assert new.sum() == pytest.approx(1.0, abs=1e-7)
    assert new @ n == pytest.approx(float(model.expected_purchases_new_customer(t)), rel=1e-6)
    np.testing.assert_allclose(model.cumulative_expected_purchases([t, 2 * t], data),
                               np.column_stack([model.expected_purchases(h, data) for h in (t, 2 * t)]), rtol=1e-12)


@pytest.mark.parametrize("model_class", [*CONTINUOUS, cl.clv.BetaGeoBetaBinom, cl.clv.ShiftedBetaGeometric])
@pytest.mark.parametrize("horizon", [-2, np.inf, np.nan, "soon"])
def test_a_negative_or_non_finite_horizon_is_an_error(model_class, horizon, fitted, cdnow_published):
    model = fitted[model_class]
    data, _ = _history(model_class, cdnow_published)
    calls = [lambda: model.expected_purchases(horizon, data), lambda: model.p_alive(data, t=horizon),
             lambda: model.probability_of_purchases(1, horizon, data),
             lambda: model.expected_purchases_new_customer(horizon)]
    for call in calls:
        with pytest.raises((ValueError, TypeError), match="horizon"):
            call()
    with pytest.raises(ValueError, match="whole number"):
        model.probability_of_purchases(1.5, 3, data)


def test_discrete_models_forecast_whole_periods(fitted):
    with pytest.raises(ValueError, match="whole numbers of opportunities"):
        fitted[cl.clv.BetaGeoBetaBinom].expected_purchases(2.5, cl.datasets.load_donations())


def test_bgbb_matches_lifetimes_now_and_in_the_future(fitted):
    model = fitted[cl.clv.BetaGeoBetaBinom]
    donations = cl.datasets.load_donations()
    peer = lifetimes.BetaGeoBetaBinomFitter()
    peer.params_ = pd.Series(dict(zip(["alpha", "beta", "gamma", "delta"], model.params_.to_numpy(), strict=True)))
    x, t_x, n = donations["frequency"], donations["recency"], donations["periods"]
    for m in (0, 1, 5):  # m = 1 is Fader, Hardie & Shang's (2010) eq. 11
        np.testing.assert_allclose(model.p_alive(donations, t=m), peer.conditional_probability_alive(m, x, t_x, n),
                                   rtol=1e-10)
    np.testing.assert_allclose(model.expected_purchases(5, donations),
                               peer.conditional_expected_number_of_purchases_up_to_time(5, x, t_x, n), rtol=1e-10)


def test_paretonbd_conditional_distribution_matches_lifetimes(fitted, cdnow_published):
    model = fitted[cl.clv.ParetoNBD]
    peer = lifetimes.ParetoNBDFitter()
    peer.params_ = pd.Series(dict(model.params_))
    rows = cdnow_published.iloc[[0, 1, 5, 40]]
    for k in (0, 1, 3):
        theirs = [peer.conditional_probability_of_n_purchases_up_to_time(k, 39, *row) for row in
                  rows[["frequency", "recency", "T"]].itertuples(index=False)]
        np.testing.assert_allclose(model.probability_of_purchases(k, 39, rows), theirs, rtol=1e-5)


@pytest.mark.parametrize("model_class", [cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo])
def test_new_customer_distribution_matches_lifetimes(model_class, fitted):
    model = fitted[model_class]
    peer = (lifetimes.BetaGeoFitter if model_class is cl.clv.BetaGeo else lifetimes.ModifiedBetaGeoFitter)()
    peer.params_ = pd.Series(dict(model.params_))
    n = np.arange(8)
    np.testing.assert_allclose(model.probability_of_purchases_new_customer(n, 39),
                               [peer.probability_of_n_purchases_up_to_time(39, k) for k in n], rtol=1e-8)


def test_bgnbd_future_p_alive_and_counts_by_integration_and_simulation(fitted, cdnow_published):
    model = fitted[cl.clv.BetaGeo]
    r, alpha, a, b = model.params_
    row = cdnow_published.iloc[0]  # x = 2, t_x = 30.43, T = 38.86: FHL (2005)'s worked customer
    x, T, t = row["frequency"], row["T"], 20.0
    # P(alive at T + t) = P(alive at T) E[exp(-λ p t)], λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x)
    lam, p = stats.gamma(r + x, scale=1 / (alpha + T)), stats.beta(a, b + x)
    inner, _ = integrate.dblquad(lambda q, l_: np.exp(-l_ * q * t) * lam.pdf(l_) * p.pdf(q), 0, 40, 0, 1)
    alive_now = model.p_alive(cdnow_published.iloc[[0]]).iloc[0]
    assert model.p_alive(cdnow_published.iloc[[0]], t=t).iloc[0] == pytest.approx(alive_now * inner, rel=1e-6)
    # purchases in (T, T+t]: min(Poisson(λt), purchases until the dropout one), zero when dead
    rng = np.random.default_rng(7)
    size = 400_000
    alive = rng.random(size) < alive_now
    counts = np.minimum(rng.poisson(lam.rvs(size, random_state=rng) * t), rng.geometric(p.rvs(size, random_state=rng)))
    counts = np.where(alive, counts, 0)
    simulated = np.bincount(counts, minlength=4)[:4] / size
    predicted = [model.probability_of_purchases(k, t, cdnow_published.iloc[[0]]).iloc[0] for k in range(4)]
    np.testing.assert_allclose(predicted, simulated, atol=4e-3)
    assert model.expected_purchases(39, cdnow_published.iloc[[0]]).iloc[0] == pytest.approx(1.226, abs=5e-4)  # FHL


def test_mbgnbd_new_customer_may_leave_at_once(fitted):
    model = fitted[cl.clv.ModifiedBetaGeo]
    r, alpha, a, b = model.params_
    # with probability a/(a+b) (mean p) the customer drops out right after the first purchase and buys nothing more
    rng = np.random.default_rng(3)
    size = 400_000
    p = rng.beta(a, b, size)
    stays = rng.random(size) >= p
    counts = np.minimum(rng.poisson(rng.gamma(r, 1 / alpha, size) * 39), rng.geometric(p))
    simulated = np.bincount(np.where(stays, counts, 0), minlength=3)[:3] / size
    np.testing.assert_allclose(model.probability_of_purchases_new_customer(np.arange(3), 39), simulated, atol=4e-3)


def test_new_customer_forecasts_where_the_hypergeometric_series_gave_up():
    """Estimates of an ordinary fit (r 0.046, alpha 0.166, a 1.42, b 4.58, in days) made E[X(t)] raise
    FloatingPointError ("hypergeometric series did not converge") from about t = 2000 on. lifetimes (scipy's
    hyp2f1) gives 2.59 at t = 1693.5 and agrees with mpmath there; beyond, mpmath's closed form (FHL 2005, eq. 7)."""
    mp = pytest.importorskip("mpmath")
    params = {"r": 0.046, "alpha": 0.166, "a": 1.42, "b": 4.58}
    model, peer = cl.clv.BetaGeo(), lifetimes.BetaGeoFitter()
    model.params_, peer.params_ = pd.Series(params), pd.Series(params)
    t = np.array([52.0, 365.0, 1693.5, 2000.0])
    theirs = peer.expected_number_of_purchases_up_to_time(t)
    np.testing.assert_allclose(model.expected_purchases_new_customer(t), theirs, rtol=1e-12)
    assert model.expected_purchases_new_customer(1693.5) == pytest.approx(2.59, abs=5e-4)
    r, alpha, a, b = params.values()
    for horizon in (1e4, 1e6):
        scale = mp.mpf(alpha) / (mp.mpf(alpha) + horizon)  # 1 - z, exactly (not alpha + horizon in floating point)
        exact = (a + b - 1) / (a - 1) * (1 - scale**r * mp.hyp2f1(r, b, a + b - 1, 1 - scale))
        assert model.expected_purchases_new_customer(horizon) == pytest.approx(float(exact), rel=1e-12)


def test_predictions_far_out_on_the_dropout_ridge_are_the_common_probability_ones(cdnow_published):
    """a ≈ 1.8e5, b ≈ 2.7e6 (where a fit once stopped): formerly -inf purchases and CLV; the dropout probability
    p = a/(a+b) is common to 1e-3 of itself, so the predictions are those of BG/NBD with p fixed."""
    model = cl.clv.BetaGeo()
    model.params_ = pd.Series({"r": 0.25, "alpha": 4.4, "a": 1.8e5, "b": 2.7e6})
    model.time_unit_ = "W"
    r, alpha, a, b = model.params_
    p = a / (a + b)
    t = np.array([1.0, 39.0, 520.0])
    np.testing.assert_allclose(model.expected_purchases_new_customer(t), -np.expm1(-r * np.log1p(p * t / alpha)) / p,
                               rtol=1e-4)
    values = cl.clv.customer_lifetime_value(model, 20.0, cdnow_published, horizon=12, discount_rate=0.01)
    assert np.isfinite(values["clv"]).all() and (values["clv"] >= 0).all()
    assert (model.expected_purchases(39, cdnow_published) >= 0).all()


@pytest.mark.parametrize("model_class, params, near", [
    (cl.clv.BetaGeo, {"r": 0.3, "alpha": 2.0, "b": 2.5}, "a"),       # FHL's (a+b-1)/(a-1) factor
    (cl.clv.ParetoNBD, {"r": 0.5, "alpha": 8.0, "beta": 12.0}, "s"),  # (s-1) in eq. 17
    (cl.clv.BetaGeoBetaBinom, {"alpha": 1.2, "beta": 0.75, "delta": 2.8}, "gamma"),  # (γ-1) in FHS eq. 7
])
def test_removable_singularities_cost_no_precision(model_class, params, near):
    """At a = 1 (BG/NBD), s = 1 (Pareto/NBD) and γ = 1 (BG/BB) the textbook formula divides 0 by 0; the expectation
    is smooth there: the values at 1 - 1e-9, 1 and 1 + 1e-9 agree to 1e-8, and the value at 1 is the limit formula."""
    model = model_class()
    t = np.array([1.0, 5.0, 30.0])
    values = []
    for value in (1 - 1e-9, 1.0, 1 + 1e-9):
        model.params_ = pd.Series({**params, near: value})[list(model_class.param_names)]
        values.append(model.expected_purchases_new_customer(t))
    np.testing.assert_allclose(values[0], values[1], rtol=1e-8)
    np.testing.assert_allclose(values[2], values[1], rtol=1e-8)
    if model_class is cl.clv.ParetoNBD:  # the limit r β/α log(1 + t/β)
        limit = params["r"] * params["beta"] / params["alpha"] * np.log1p(t / params["beta"])
    elif model_class is cl.clv.BetaGeoBetaBinom:  # α/(α+β) δ [ψ(δ+1+t) - ψ(δ+1)]
        delta = params["delta"]
        limit = params["alpha"] / (params["alpha"] + params["beta"]) * delta * (
            special.digamma(delta + 1 + t) - special.digamma(delta + 1))
    else:  # E_p[(1 - (α/(α+pt))^r)/p] over Beta(1, b): b ∫ (1-p)^(b-1) (...)/p dp
        r, alpha, b = params["r"], params["alpha"], params["b"]
        limit = [integrate.quad(lambda p, h=h: b * (1 - p) ** (b - 1) * -np.expm1(-r * np.log1p(p * h / alpha)) / p,
                                0, 1, epsrel=1e-13)[0] for h in t]
    np.testing.assert_allclose(values[1], limit, rtol=1e-10)


# (r, alpha, s, beta, n, t): the first a fit's estimate on which a property test found the counts of a new
# customer summing to 1 + 2.8e-9 (deaths crowded into the first β = 5.5e-9 of t = 0.25); then β far below t with
# an NB peak (n = 50, 300) or none (n = 0), β far above t, and α far below and above t
_PARETO_COUNT_CASES = [(1.08, 0.7361, 0.02491, 5.547e-09, 0, 0.25), (0.315, 2.89e-4, 11.1, 1.63e-10, 0, 0.107),
                       (1.27, 510.0, 7.3, 3.23e-12, 0, 0.101), (10.7, 35.0, 7.47, 2.04e-9, 1, 1.21),
                       (7.17, 0.0137, 0.239, 2.99e-10, 300, 3.91), (0.143, 2.97e-5, 0.0512, 6.14e-11, 50, 0.127),
                       (0.398, 0.017, 0.778, 3.67e-4, 300, 5.4), (5.74, 0.0635, 3.15, 1.54e7, 300, 52.3),
                       (1.06, 7.4e-5, 0.0341, 4.73e5, 50, 0.0431), (0.553, 10.58, 0.606, 11.67, 3, 39.0)]


@pytest.mark.parametrize("r, alpha, s, beta, n, t", _PARETO_COUNT_CASES)
def test_pareto_nbd_counts_match_mpmath(r, alpha, s, beta, n, t):
    """P(X(t) = n) of a Pareto/NBD customer alive at 0 (survival term plus the integral over the time of death)
    against mpmath at 30 digits, integrating over log(1 + τ/β) with break points at every decade of τ/α: within
    1e-11 of max(P, 1e-10). The rule in τ (crmlab before) was 3e-9 to 6e-7 off on the first four."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(30):  # not mp.mp.dps = 30: other modules' references need their own precision
        r_, alpha_, s_, beta_, t_ = (mp.mpf(v) for v in (r, alpha, s, beta, t))

        def log_nb(tau):  # log NB(n; r, α/(α+τ)) in τ
            return (mp.loggamma(r_ + n) - mp.loggamma(r_) - mp.loggamma(n + 1)
                    + r_ * mp.log(alpha_ / (alpha_ + tau)) + (n * mp.log(tau / (alpha_ + tau)) if n else 0))

        span = mp.log1p(t_ / beta_)
        points = sorted({mp.mpf(0), span, *(span * k / 16 for k in range(1, 16)),
                         *(mp.log1p(alpha_ * mp.mpf(10) ** k / beta_) for k in range(-8, 9) if alpha * 10.0**k < t)})
        dead = mp.quad(lambda u: s_ * mp.exp(-s_ * u + log_nb(beta_ * mp.expm1(u))), points)
        exact = float(mp.exp(s_ * mp.log(beta_ / (beta_ + t_)) + log_nb(t_)) + dead)
    ours = float(cl.clv.paretonbd.ParetoProcess.count_probability((r, alpha, s, beta), n, t))
    assert abs(ours - exact) <= 1e-11 * max(exact, 1e-10)

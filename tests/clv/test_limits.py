"""Maxima on the boundary of the parameter space: each limit of each model, found from data simulated there, reported
as the limiting model (CrmlabWarning, limit_) with that model's predictions — checked against its own closed forms,
independent of the model code (scipy's negative binomial, numerical integration) — and data that cannot identify a
model at all refused up front."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

import crmlab as cl
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError

T_GRID = np.array([1.0, 10.0, 52.0, 520.0])


def _fit(model_class, data, **kwargs):
    with pytest.warns(CrmlabWarning, match="boundary of the parameter space") as caught:
        model = model_class().fit(data, **kwargs)
    assert model.limit_ and model.limit_ in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the limit's predictions raise no RuntimeWarning
        for t in (1.0, 52.0, 5200.0):
            assert np.isfinite(model.expected_purchases_new_customer(t))
    return model


def test_bgnbd_with_one_dropout_probability_for_everyone():
    data = cl.datasets.simulate_bgnbd(2000, 52, seed=2, r=0.5, alpha=5.0, a=1e4, b=4e4)  # p ≈ 0.2, spread 0.002
    model = _fit(cl.clv.BetaGeo, data)
    r, alpha, a, b = model.params_
    p = a / (a + b)
    assert "same probability p = a/(a+b)" in model.limit_ and a + b > 1e12 and p == pytest.approx(0.2, abs=0.02)
    # with p common: E[X(t)] = (1 - (α/(α+pt))^r)/p and P(alive at t) = (α/(α+pt))^r (FHL 2005, before eq. 7)
    np.testing.assert_allclose(model.expected_purchases_new_customer(T_GRID), -np.expm1(-r * np.log1p(p * T_GRID
                                                                                                     / alpha)) / p,
                               rtol=1e-9)
    # eq. 8 with p common: (1-p)^n NB(n) + p (1-p)^(n-1) P(NB >= n)
    n, t = np.arange(6), 26.0
    nb = stats.nbinom(r, alpha / (alpha + t))
    expected = (1 - p) ** n * nb.pmf(n) + np.where(n > 0, p * (1 - p) ** (n - 1.0) * nb.sf(n - 1), 0.0)
    np.testing.assert_allclose(model.probability_of_purchases_new_customer(n, t), expected, rtol=1e-9)
    # the standard errors: infinite for the collapsed pair, finite for the rest
    errors = model.standard_errors_
    assert np.isinf(errors[["a", "b"]]).all() and np.isfinite(errors[["r", "alpha"]]).all()
    assert model.summary().attrs["limit"] == model.limit_
    assert json.loads(model.to_json())["state"]["limit"] == model.limit_


@pytest.mark.parametrize("model_class, simulate", [(cl.clv.BetaGeo, cl.datasets.simulate_bgnbd),
                                                   (cl.clv.ModifiedBetaGeo, cl.datasets.simulate_mbgnbd)])
def test_customers_who_never_drop_out_give_the_nbd_model(model_class, simulate):
    data = simulate(2000, 52, seed=1, r=0.5, alpha=5.0, a=1.0, b=1e9)
    model = _fit(model_class, data)
    r, alpha, a, b = model.params_
    assert "no customer ever drops out" in model.limit_ and b > 1e12
    # NBD: E[X(t)] = rt/α, everyone alive, and the counts negative binomial
    np.testing.assert_allclose(model.expected_purchases_new_customer(T_GRID), r * T_GRID / alpha, rtol=1e-9)
    np.testing.assert_allclose(model.p_alive(data.head(50)), 1.0, atol=1e-9)
    row = data.head(1)
    x, T = row["frequency"].item(), row["T"].item()
    n = np.arange(5)
    np.testing.assert_allclose([model.probability_of_purchases(k, 10.0, row).item() for k in n],
                               stats.nbinom.pmf(n, r + x, (alpha + T) / (alpha + T + 10.0)), rtol=1e-9)


def test_bgnbd_with_one_purchase_rate_for_everyone():
    data = cl.datasets.simulate_bgnbd(2000, 52, seed=0, r=1e4, alpha=1e4 / 0.2, a=0.8, b=2.4)
    model = _fit(cl.clv.BetaGeo, data)
    r, alpha, a, b = model.params_
    rate = r / alpha
    assert "same rate λ = r/α" in model.limit_ and rate == pytest.approx(0.2, rel=0.05)
    # Poisson purchasing at rate λ, dropout p ~ Beta(a, b): E[X(t)] = E_p[(1 - e^(-λpt))/p], by quadrature
    for t in (1.0, 52.0):
        exact, _ = integrate.quad(lambda p, t=t: -np.expm1(-rate * p * t) / p * stats.beta.pdf(p, a, b), 0, 1,
                                  epsabs=0, epsrel=1e-12, limit=200)
        assert model.expected_purchases_new_customer(t) == pytest.approx(exact, rel=1e-7)


def test_bgnbd_with_customers_who_leave_at_once_or_never():
    """Half the customers drop out right after their first repeat purchase (p = 1), the others never (p = 0):
    Beta(a, b) with a, b -> 0. E[X(t)] = share (1 - (α/(α+t))^r) + (1 - share) rt/α."""
    leave = cl.datasets.simulate_bgnbd(1000, 52, seed=1, r=0.5, alpha=5.0, a=1e9, b=1.0)
    stay = cl.datasets.simulate_bgnbd(1000, 52, seed=2, r=0.5, alpha=5.0, a=1.0, b=1e9)
    model = _fit(cl.clv.BetaGeo, pd.concat([leave, stay], ignore_index=True), time_unit="W")
    r, alpha, a, b = model.params_
    share = a / (a + b)
    assert "right after their first repeat purchase" in model.limit_ and a + b < 1e-12
    assert share == pytest.approx(0.5, abs=0.03)
    closed = share * -np.expm1(-r * np.log1p(T_GRID / alpha)) + (1 - share) * r * T_GRID / alpha
    np.testing.assert_allclose(model.expected_purchases_new_customer(T_GRID), closed, rtol=1e-9)


def test_pareto_nbd_with_one_death_rate_for_everyone():
    data = cl.datasets.simulate_paretonbd(2000, 52, seed=0, r=0.5, alpha=5.0, s=1e4, beta=1e4 / 0.02)
    model = _fit(cl.clv.ParetoNBD, data)
    r, alpha, s, beta = model.params_
    mu = s / beta
    assert "same death rate μ = s/β" in model.limit_ and mu == pytest.approx(0.02, rel=0.25)
    # exponential lifetimes of rate μ: E[X(t)] = (r/α)(1 - e^(-μt))/μ, P(alive at t) = e^(-μt)
    np.testing.assert_allclose(model.expected_purchases_new_customer(T_GRID), r / alpha * -np.expm1(-mu * T_GRID) / mu,
                               rtol=1e-9)
    np.testing.assert_allclose(cl.clv.ParetoNBD._process.survival((r, alpha, s, beta), T_GRID), np.exp(-mu * T_GRID),
                               rtol=1e-9)


def test_pareto_nbd_without_deaths_gives_the_nbd_model():
    data = cl.datasets.simulate_paretonbd(2000, 52, seed=2, r=0.5, alpha=5.0, s=1.0, beta=1e9)
    model = _fit(cl.clv.ParetoNBD, data)
    r, alpha, _, _ = model.params_
    assert "no customer ever dies" in model.limit_
    np.testing.assert_allclose(model.expected_purchases_new_customer(T_GRID), r * T_GRID / alpha, rtol=1e-9)


def test_bgbb_with_one_transaction_probability_for_everyone():
    data = cl.datasets.simulate_bgbb(3000, 8, seed=0, alpha=1e4, beta=1e4, gamma=1.0, delta=5.0)
    model = _fit(cl.clv.BetaGeoBetaBinom, data[["frequency", "recency", "periods"]])
    alpha, beta, gamma, delta = model.params_
    p = alpha / (alpha + beta)
    assert "same probability p = α/(α+β)" in model.limit_ and p == pytest.approx(0.5, abs=0.02)
    # E[X(n)] = p Σ_{k=1}^n B(γ, δ+k)/B(γ, δ), the sum term by term
    n = np.arange(1, 12)
    alive = np.exp(special.betaln(gamma, delta + n) - special.betaln(gamma, delta))
    np.testing.assert_allclose(model.expected_purchases_new_customer(n), p * np.cumsum(alive), rtol=1e-9)


def test_bgbb_without_deaths():
    data = cl.datasets.simulate_bgbb(3000, 8, seed=2, alpha=1.2, beta=0.8, gamma=1e-4, delta=5.0)
    model = _fit(cl.clv.BetaGeoBetaBinom, data[["frequency", "recency", "periods"]])
    alpha, beta, _, _ = model.params_
    assert "no customer ever dies" in model.limit_
    np.testing.assert_allclose(model.expected_purchases_new_customer(np.arange(1, 12)),
                               alpha / (alpha + beta) * np.arange(1, 12), rtol=1e-9)


def test_an_interior_maximum_near_a_limit_stays_interior():
    """Little dropout heterogeneity, but some: the maximum is interior (a, b in the tens), no warning."""
    data = cl.datasets.simulate_bgnbd(2000, 52, seed=0, r=0.5, alpha=5.0, a=1e4, b=4e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CrmlabWarning)
        model = cl.clv.BetaGeo().fit(data)
    assert model.limit_ is None and (model.params_ < 1e3).all() and np.isfinite(model.standard_errors_).all()


def test_limits_survive_a_model_file(tmp_path):
    data = cl.datasets.simulate_bgnbd(2000, 52, seed=1, r=0.5, alpha=5.0, a=1.0, b=1e9)
    model = _fit(cl.clv.BetaGeo, data)
    model.to_json(tmp_path / "model.json")
    loaded = cl.clv.load_model(tmp_path / "model.json")
    assert loaded.limit_ == model.limit_
    pd.testing.assert_series_equal(loaded.standard_errors_, model.standard_errors_)
    head = data.head()
    pd.testing.assert_series_equal(loaded.expected_purchases(10, head), model.expected_purchases(10, head))


PURCHASE_MODELS = [cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo, cl.clv.ParetoNBD]
UNIDENTIFIABLE = {
    "none of the 3 customers made a repeat purchase": {"frequency": [0, 0, 0], "recency": [0.0, 0, 0],
                                                       "T": [5.0, 9, 30]},
    "the data hold one customer": {"frequency": [3], "recency": [20.0], "T": [30.0]},
    "acquired at the end of the period": {"frequency": [0, 0], "recency": [0.0, 0], "T": [0.0, 0]},
    "all 40 customers share one history": {"frequency": [2] * 40, "recency": [7.0] * 40, "T": [12.0] * 40},
}


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
@pytest.mark.parametrize("message", list(UNIDENTIFIABLE))
def test_data_that_cannot_identify_a_purchase_model_are_refused_up_front(model_class, message):
    data = pd.DataFrame(UNIDENTIFIABLE[message])
    with pytest.raises(DataError, match=message):
        model_class().fit(data, time_unit="W")


@pytest.mark.parametrize("patterns, message", [
    ({"frequency": [0, 0], "recency": [0, 0], "periods": [6, 6], "weights": [300, 20]}, "none of the 320 customers"),
    ({"frequency": [6, 4], "recency": [6, 4], "periods": [6, 4], "weights": [30, 20]}, "every opportunity"),
    ({"frequency": [2], "recency": [5], "periods": [6], "weights": [30]}, "share one pattern"),
])
def test_data_that_cannot_identify_bgbb_are_refused_up_front(patterns, message):
    with pytest.raises(DataError, match=message):
        cl.clv.BetaGeoBetaBinom().fit(pd.DataFrame(patterns), weights="weights")


def test_a_penalised_fit_tries_no_limit():
    """With a penalty the estimate is interior; where the optimiser still fails the error says so."""
    data = cl.datasets.simulate_bgnbd(2000, 52, seed=1, r=0.5, alpha=5.0, a=1.0, b=1e9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CrmlabWarning)
        try:
            model = cl.clv.BetaGeo(penalizer=0.01).fit(data)
        except ConvergenceError as error:
            assert "penalizer" in str(error)
        else:
            assert model.limit_ is None and np.isfinite(model.params_).all()


def test_a_maximum_no_finite_parameters_describe_is_an_error_that_says_where():
    """Data set 300,090 of benchmarks/bench_fuzz.py (393 customers, three in four without a repeat purchase, the
    draws of its generator written out here): the Pareto/NBD likelihood rises towards s, beta -> 0 together — a
    share of the customers dying at once, the others never — which no finite parameters represent (its atoms at
    mu = 0 and mu = inf need beta ~ e^-10000). The NBD limit is below points the fit reached, so it is not the
    answer: a ConvergenceError says where the likelihood goes."""
    rng = np.random.default_rng(300_090)
    n = int(np.exp(rng.uniform(0, np.log(3000))))
    rng.choice(6), rng.random()  # the draws of the period (39) and of cohorts (yes)
    T = 39.0 * rng.uniform(0.02, 1.0, n)
    T[rng.random(n) < 0.02] = 0.0
    data = cl.datasets.simulate_paretonbd(n, T, seed=300_090, r=0.07802202937258094, alpha=0.35444260391188254,
                                          s=0.8678246618584439, beta=181.75246903374696)
    with pytest.raises(ConvergenceError, match=r"rises towards the edge of the parameter space \(beta → .*, with "
                                               r"r = .*s = 0\.01.*beyond every limit the model can represent"):
        cl.clv.ParetoNBD().fit(data)


@pytest.mark.parametrize("model_class, data", [
    (cl.clv.BetaGeo, lambda: cl.datasets.simulate_bgnbd(2000, 52, seed=1, r=0.5, alpha=5.0, a=1.0, b=1e9)),
    (cl.clv.ParetoNBD, lambda: cl.datasets.simulate_paretonbd(2000, 52, seed=2, r=0.5, alpha=5.0, s=1.0, beta=1e9)),
    (cl.clv.ModifiedBetaGeo, lambda: cl.datasets.simulate_mbgnbd(2000, 52, seed=1, r=0.5, alpha=5.0, a=1.0, b=1e9)),
], ids=["BG/NBD", "Pareto/NBD", "MBG/NBD"])
def test_the_way_to_a_limit_is_lbfgsbs_whether_or_not_bhhh_steps_were_tried(model_class, data, monkeypatch):
    """BHHH steps (fitting._bhhh) stop short of a limit (they stay where |θ| < 12); L-BFGS-B then climbs from the
    start as if they had not been tried, so the limits a fit compares, and the one it reports, are the same."""
    data = data()
    with pytest.warns(CrmlabWarning):
        with_steps = model_class().fit(data)
    monkeypatch.setattr(cl.clv.fitting, "_BHHH_STEPS", 0)
    with pytest.warns(CrmlabWarning):
        without = model_class().fit(data)
    assert with_steps.limit_ == without.limit_
    assert with_steps.log_likelihood_ == pytest.approx(without.log_likelihood_, abs=1e-9)

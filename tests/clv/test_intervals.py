"""Intervals for predictions from parameter draws (crmlab.clv.intervals)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmlab as cl
from crmlab.clv import intervals
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, NotFittedError, PredictionError

TRUE_BGNBD = {"r": 0.8, "alpha": 6.0, "a": 0.6, "b": 2.5}


@pytest.fixture(scope="module")
def cdnow(cdnow_published):
    return cdnow_published


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return cl.clv.BetaGeo().fit(cdnow)


@pytest.fixture(scope="module")
def draws(bgnbd):
    return intervals.parameter_draws(bgnbd, 200, seed=1)


@pytest.fixture(scope="module")
def donations():
    return cl.datasets.load_donations()


@pytest.fixture(scope="module")
def bgbb(donations):
    return cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")


@pytest.fixture(scope="module")
def simulated():
    """Small data of every customer-base model, each with its fitted model."""
    bgnbd_data = cl.datasets.simulate_bgnbd(300, 39.0, **TRUE_BGNBD, seed=3)[["frequency", "recency", "T"]]
    pareto_data = cl.datasets.simulate_paretonbd(300, 39.0, r=0.8, alpha=6.0, s=0.7, beta=9.0, seed=4)
    pareto_data = pareto_data[["frequency", "recency", "T"]]
    mbg_data = cl.datasets.simulate_mbgnbd(300, 39.0, **TRUE_BGNBD, seed=5)[["frequency", "recency", "T"]]
    bgbb_data = cl.datasets.simulate_bgbb(300, 6, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, seed=6)
    bgbb_data = bgbb_data[["frequency", "recency", "periods"]]
    return {"BetaGeo": (cl.clv.BetaGeo().fit(bgnbd_data), bgnbd_data),
            "ParetoNBD": (cl.clv.ParetoNBD().fit(pareto_data), pareto_data),
            "ModifiedBetaGeo": (cl.clv.ModifiedBetaGeo().fit(mbg_data), mbg_data),
            "BetaGeoBetaBinom": (cl.clv.BetaGeoBetaBinom().fit(bgbb_data), bgbb_data)}


def _at_estimate(model, n=3) -> pd.DataFrame:
    """Draws that all equal the estimate: every interval must collapse on the model's own prediction."""
    return pd.DataFrame([model.params_.to_numpy()] * n, columns=model.params_.index)


# ------------------------------------------------------------------------------------------------ the draws
def test_parameter_draws_follow_the_asymptotic_normal_of_the_log_parameters(bgnbd):
    draws = intervals.parameter_draws(bgnbd, 20_000, seed=7)
    assert list(draws.columns) == ["r", "alpha", "a", "b"] and draws.attrs["method"] == "asymptotic normal"
    log_draws = np.log(draws.to_numpy())
    standard_error_of_mean = np.sqrt(np.diag(bgnbd.covariance_theta_) / 20_000)
    assert np.all(np.abs(log_draws.mean(axis=0) - bgnbd.theta_) < 4 * standard_error_of_mean)
    covariance, expected = np.cov(log_draws.T), bgnbd.covariance_theta_
    np.testing.assert_allclose(np.diag(covariance), np.diag(expected), rtol=0.05)
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    np.testing.assert_allclose(covariance / scale, expected / scale, atol=0.03)  # correlations to ±0.03
    pd.testing.assert_frame_equal(draws, intervals.parameter_draws(bgnbd, 20_000, seed=7))


def test_parameter_draws_refuse_a_limiting_model_and_point_to_the_bootstrap():
    data = cl.datasets.simulate_bgnbd(600, 52, seed=1, r=0.5, alpha=5.0, a=1.0, b=1e9)  # nobody drops out
    with pytest.warns(CrmlabWarning, match="boundary"):
        model = cl.clv.BetaGeo().fit(data)
    with pytest.raises(PredictionError, match="limiting model.*bootstrap_draws"):
        intervals.parameter_draws(model, 100, seed=0)


def test_bootstrap_resamples_customers_of_grouped_data_and_is_seeded(bgbb, donations):
    boot = intervals.bootstrap_draws(bgbb, donations, 6, weights="weights", seed=3, progress=False)
    assert boot.attrs["method"] == "bootstrap" and boot.attrs["failed"] == 0 and len(boot) == 6
    pd.testing.assert_frame_equal(boot, intervals.bootstrap_draws(bgbb, donations, 6, weights="weights", seed=3,
                                                                  progress=False))
    # 11,104 donors resampled: the refits scatter around the estimate by about its standard errors
    spread = np.log(boot).std() / np.sqrt(np.diag(bgbb.covariance_theta_))
    assert spread.between(0.3, 3).all()


def test_bootstrap_counts_and_reports_failed_refits_instead_of_dropping_them(bgnbd, cdnow, monkeypatch):
    real_refit, calls = intervals._refit, []

    def refit_failing_every_third(model, data, resample):
        calls.append(1)
        if len(calls) % 3 == 0:
            raise ConvergenceError("no maximum (simulated)")
        return real_refit(model, data, resample)

    monkeypatch.setattr(intervals, "_refit", refit_failing_every_third)
    with pytest.warns(CrmlabWarning, match="2 of 6 bootstrap refits failed"):
        boot = intervals.bootstrap_draws(bgnbd, cdnow, 6, seed=0, progress=False)
    assert boot.attrs["failed"] == 2 and len(boot) == 4 and list(boot.index) == [0, 1, 3, 4]
    assert all("no maximum (simulated)" in reason for reason in boot.attrs["failures"])


def test_bootstrap_that_never_refits_raises(bgnbd, cdnow, monkeypatch):
    def failing(model, data, resample):
        raise ConvergenceError("no maximum")

    monkeypatch.setattr(intervals, "_refit", failing)
    with pytest.raises(ConvergenceError, match="0 of 3 bootstrap refits succeeded"), \
            pytest.warns(CrmlabWarning, match="3 of 3"):
        intervals.bootstrap_draws(bgnbd, cdnow, 3, seed=0, progress=False)


# ------------------------------------------------------------------------------------------------ the intervals
@pytest.mark.parametrize("name", ["BetaGeo", "ParetoNBD", "ModifiedBetaGeo", "BetaGeoBetaBinom"])
@pytest.mark.parametrize("quantity, t", [("expected_purchases", 5), ("p_alive", None), ("p_alive", 3),
                                         ("probability_no_purchases", 4)])
def test_draws_at_the_estimate_give_the_model_s_own_prediction(simulated, name, quantity, t):
    model, data = simulated[name]
    table = intervals.prediction_interval(model, data, quantity, t=t, draws=_at_estimate(model))
    own = {"expected_purchases": lambda: model.expected_purchases(t, data),
           "p_alive": lambda: model.p_alive(data, t or 0),
           "probability_no_purchases": lambda: model.probability_no_purchases(t, data)}[quantity]()
    np.testing.assert_allclose(table["estimate"], own, rtol=1e-12)
    np.testing.assert_allclose(table["lower"], own, rtol=1e-10)
    np.testing.assert_allclose(table["upper"], own, rtol=1e-10)


def test_clv_intervals_combine_the_spend_model_s_draws(bgnbd, draws, cdnow_weeks):
    summary = cdnow_weeks
    purchases = cl.clv.BetaGeo().fit(summary)
    spend = cl.clv.GammaGamma().fit(summary)
    options = {"horizon": 12, "discount_rate": 0.01, "margin": 0.3}
    own = cl.clv.customer_lifetime_value(purchases, spend, summary, **options)["clv"]
    collapsed = intervals.prediction_interval(purchases, summary, "clv", draws=_at_estimate(purchases),
                                              spend_model=spend, spend_draws=_at_estimate(spend), **options)
    np.testing.assert_allclose(collapsed[["estimate", "lower", "upper"]].to_numpy(),
                               np.repeat(own.to_numpy()[:, None], 3, axis=1), rtol=1e-10)
    purchase_draws = intervals.parameter_draws(purchases, 100, seed=1)
    spend_draws = intervals.parameter_draws(spend, 100, seed=2)
    total = intervals.total_interval(purchases, summary, "clv", draws=purchase_draws, spend_model=spend,
                                     spend_draws=spend_draws, **options)
    assert total["estimate"] == pytest.approx(cl.clv.customer_base_value(purchases, spend, summary, **options))
    assert total["lower"] < total["estimate"] < total["upper"]
    # with the purchase model held at its estimate, the interval is the spend model's uncertainty alone
    spend_only = intervals.total_interval(purchases, summary, "clv", draws=_at_estimate(purchases, 100),
                                          spend_model=spend, spend_draws=spend_draws, **options)
    assert spend_only["lower"] < spend_only["estimate"] < spend_only["upper"]
    fixed_spend = intervals.total_interval(purchases, summary, "clv", draws=_at_estimate(purchases, 100),
                                           spend_model=spend.expected_spend(summary), **options)
    assert fixed_spend["lower"] == pytest.approx(fixed_spend["upper"])


def test_a_partition_gets_the_same_intervals_as_the_whole(bgnbd, cdnow, draws):
    whole = intervals.prediction_interval(bgnbd, cdnow, "expected_purchases", t=39, draws=draws)
    parts = pd.concat([intervals.prediction_interval(bgnbd, part, "expected_purchases", t=39, draws=draws)
                       for part in (cdnow.iloc[:700], cdnow.iloc[700:1500], cdnow.iloc[1500:])])
    pd.testing.assert_frame_equal(parts, whole)


def test_total_is_the_sum_of_the_customers_within_each_draw(bgnbd, cdnow, draws):
    per_customer = intervals.prediction_interval(bgnbd, cdnow, "expected_purchases", t=39, draws=draws)
    total = intervals.total_interval(bgnbd, cdnow, "expected_purchases", t=39, draws=draws)
    assert total["estimate"] == pytest.approx(per_customer["estimate"].sum())
    # customers move together with the parameters: the total's interval is far wider than independent ones'
    independent = np.sqrt((((per_customer["upper"] - per_customer["lower"]) / 2) ** 2).sum())
    assert (total["upper"] - total["lower"]) / 2 > 3 * independent


def test_one_horizon_per_customer(bgnbd, cdnow, draws):
    horizon = np.where(np.arange(len(cdnow)) % 2 == 0, 10.0, 30.0)
    table = intervals.prediction_interval(bgnbd, cdnow, "expected_purchases", t=horizon, draws=draws)
    even = intervals.prediction_interval(bgnbd, cdnow.iloc[::2], "expected_purchases", t=10, draws=draws)
    pd.testing.assert_frame_equal(table.iloc[::2], even)


def test_coverage_of_nominal_90_percent_intervals_on_simulated_customers():
    """Nominal 90 % intervals from the asymptotic normal cover the truth in 85-95 % of 300 simulated data sets.

    The truth an interval from parameter uncertainty covers is the prediction at the TRUE parameters —
    here the expected number of purchases of the simulated customers in the next 26 weeks given their
    histories, Σ_i E[X_i(T, T+26] | x_i, t_x,i, T_i; r, α, a, b], computed with the true (r, α, a, b) —
    not the number of purchases the customers will actually make, which scatters around that
    expectation by the purchase process's own randomness as well. BG/NBD with r = 0.8, α = 6,
    a = 0.6, b = 2.5; 400 customers observed 39 weeks; 200 draws. With 300 data sets the observed
    coverage has a standard error of 1.7 points at a true 90 %.
    """
    truth_theta = np.log(list(TRUE_BGNBD.values()))
    covered = []
    for seed in range(300):
        data = cl.datasets.simulate_bgnbd(400, 39.0, **TRUE_BGNBD, seed=seed)[["frequency", "recency", "T"]]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an estimate at a limit would have no asymptotic normal
            model = cl.clv.BetaGeo().fit(data)
        draws = intervals.parameter_draws(model, 200, seed=seed)
        total = intervals.total_interval(model, data, "expected_purchases", t=26, draws=draws, level=0.9)
        truth = model.at_theta(truth_theta).expected_purchases(26, data).sum()
        covered.append(total["lower"] <= truth <= total["upper"])
    assert 0.85 <= np.mean(covered) <= 0.95


# ------------------------------------------------------------------------------------------------ properties
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(level=st.floats(0.05, 0.99), t=st.floats(0.0, 60.0), rows=st.lists(st.integers(0, 2356), min_size=1,
                                                                            max_size=40))
def test_intervals_are_ordered_and_within_the_range_of_the_quantity(bgnbd, cdnow, draws, level, t, rows):
    data = cdnow.iloc[rows]
    for quantity in ("p_alive", "probability_no_purchases", "expected_purchases"):
        table = intervals.prediction_interval(bgnbd, data, quantity, t=t, draws=draws, level=level)
        assert table.index.equals(data.index)
        assert (table["lower"] <= table["upper"]).all() and (table["lower"] >= 0).all()
        if quantity != "expected_purchases":
            assert (table["upper"] <= 1 + 1e-12).all()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(level=st.floats(0.05, 0.95), delta=st.floats(0.01, 0.04))
def test_a_wider_level_gives_a_wider_interval(bgnbd, cdnow, draws, level, delta):
    data = cdnow.iloc[:50]
    narrow = intervals.total_interval(bgnbd, data, "expected_purchases", t=20, draws=draws, level=level)
    wide = intervals.total_interval(bgnbd, data, "expected_purchases", t=20, draws=draws, level=level + delta)
    assert wide["lower"] <= narrow["lower"] and narrow["upper"] <= wide["upper"]


# ------------------------------------------------------------------------------------------------ bad input
def test_bad_arguments_get_errors_that_name_the_problem(bgnbd, cdnow, draws, cdnow_weeks):
    def interval(**changes):
        arguments = {"model": bgnbd, "data": cdnow, "quantity": "expected_purchases", "t": 10, "draws": draws,
                     **changes}
        return intervals.prediction_interval(arguments.pop("model"), arguments.pop("data"),
                                             arguments.pop("quantity"), **arguments)

    cases = [
        ({"level": 0.0}, ValueError, "strictly between 0 and 1"),
        ({"level": 1.0}, ValueError, "strictly between 0 and 1"),
        ({"level": 90}, ValueError, "strictly between 0 and 1"),
        ({"level": True}, ValueError, "strictly between 0 and 1"),
        ({"quantity": "revenue"}, ValueError, "quantity must be one of"),
        ({"t": None}, ValueError, "needs the horizon t"),
        ({"t": -1}, ValueError, "finite and >= 0"),
        ({"t": np.ones(3)}, ValueError, "one value per customer"),
        ({"draws": draws.iloc[:1]}, ValueError, "at least 2"),
        ({"draws": draws.rename(columns={"a": "s"})}, DataError, "not draws of this BG/NBD model"),
        ({"draws": draws.to_numpy()}, TypeError, "DataFrame of parameter_draws"),
        ({"draws": draws.assign(r=np.nan)}, DataError, "missing or infinite"),
        ({"data": cdnow.drop(columns="recency")}, DataError, "missing \\['recency'\\]"),
        ({"data": cdnow.to_numpy()}, TypeError, "DataFrame of customers"),
        ({"model": cl.clv.GammaGamma()}, TypeError, "customer-base model"),
        ({"model": cl.clv.BetaGeo()}, NotFittedError, "not fitted yet"),
        ({"spend_model": 10.0}, TypeError, "quantity='clv' only"),
        ({"quantity": "clv", "t": None}, ValueError, "needs spend_model"),
        ({"quantity": "clv", "t": 5, "spend_model": 10.0}, ValueError, "horizon="),
        ({"quantity": "clv", "t": None, "spend_model": 10.0, "horizons": 3}, TypeError, "not options of"),
        ({"quantity": "clv", "t": None, "spend_model": cl.clv.GammaGamma().fit(cdnow_weeks)}, ValueError,
         "needs its own draws"),
    ]
    for changes, error, message in cases:
        with pytest.raises(error, match=message):
            interval(**changes)


def test_draws_of_purchases_and_spend_must_pair_up(cdnow_weeks):
    purchases, spend = cl.clv.BetaGeo().fit(cdnow_weeks), cl.clv.GammaGamma().fit(cdnow_weeks)
    purchase_draws = intervals.parameter_draws(purchases, 10, seed=1)
    spend_draws = intervals.parameter_draws(spend, 10, seed=2).iloc[2:]
    with pytest.raises(DataError, match="pair up.*2 draws are in one but not the other"):
        intervals.total_interval(purchases, cdnow_weeks, "clv", draws=purchase_draws, spend_model=spend,
                                 spend_draws=spend_draws)


@pytest.mark.parametrize("n", [1, 0, 2.5, True, "100"])
def test_too_few_draws_are_refused(bgnbd, cdnow, n):
    with pytest.raises(ValueError, match="whole number >= 2"):
        intervals.parameter_draws(bgnbd, n)
    with pytest.raises(ValueError, match="whole number >= 2"):
        intervals.bootstrap_draws(bgnbd, cdnow, n, progress=False)


def test_bootstrap_refuses_data_it_cannot_resample(bgnbd, bgbb, cdnow, donations):
    with pytest.raises(NotFittedError):
        intervals.bootstrap_draws(cl.clv.BetaGeo(), cdnow, 5)
    with pytest.raises(DataError, match="fitted on 11,104 customers but the data hold 22 rows"):
        intervals.bootstrap_draws(bgbb, donations, 5, progress=False)  # weights forgotten
    with pytest.raises(DataError, match="fitted on 2,357 customers"):
        intervals.bootstrap_draws(bgnbd, cdnow.iloc[:100], 5, progress=False)
    shares = donations.assign(weights=donations["weights"] / donations["weights"].sum())
    with pytest.raises(DataError, match="whole numbers of customers"):
        intervals.bootstrap_draws(bgbb, shares, 5, weights="weights", progress=False)
    with pytest.raises(TypeError, match="resamples the rows of the DataFrame"):
        intervals.bootstrap_draws(bgnbd, cdnow.to_numpy(), 5, progress=False)

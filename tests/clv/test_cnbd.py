"""BG/CNBD-k and MBG/CNBD-k (Erlang-k purchase timing), checked against BTYDplus and by simulation.

BTYDplus is Platzer's R package (github mplatzer/BTYDplus @ d5eda8f); R is not available here, so its
published numbers are used: the self-test values in ``src/slice-sampling.cpp`` and the statements of its
vignette (``vignettes/BTYDplus-HowTo.Rmd``) and demos (``demo/mbg-cnbd-k.R``, ``demo/cdnow.R``).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

import crmlab as cl
from crmlab.errors import DataError, MissingColumnError

CNBD_MODELS = (cl.clv.BetaGeoCNBD, cl.clv.ModifiedBetaGeoCNBD)


@pytest.fixture(scope="module")
def grocery_log():
    return cl.datasets.load_grocery()


@pytest.fixture(scope="module")
def grocery(grocery_log):
    """BTYDplus' vignette summary: ``elog2cbs(groceryElog, T.cal = "2006-12-31")``, in weeks."""
    summary = cl.customer_summary(grocery_log, observation_end="2006-12-31", time_unit="W", amount_col=None)
    return cl.add_intertransaction_times(summary, grocery_log)


def _at(model_class, k, params):
    model = model_class(k=k)
    model.k_, model.time_unit_ = k, "W"
    model.params_ = pd.Series(params, name="estimate")[list(model.param_names)]
    return model


@pytest.mark.parametrize(("model_class", "expected"), [(cl.clv.BetaGeoCNBD, [-10.42500, -12.22396])])
def test_log_likelihood_equals_btydplus(model_class, expected):
    # src/slice-sampling.cpp: xbgcnbd_ll_cpp(c(3, 0.5, 2, 0.3, 0.6), x = c(3, 4), t.x = 12, T.cal = 14, litt = 3)
    model = _at(model_class, 3, {"r": 0.5, "alpha": 2.0, "a": 0.3, "b": 0.6})
    x = np.array([3.0, 4.0])
    counts, _ = model._log_likelihood(np.log([0.5, 2.0, 0.3, 0.6]), {"frequency": x, "recency": np.full(2, 12.0),
                                                                       "T": np.full(2, 14.0)})
    timing = (3 - 1) * 3.0 - x * special.gammaln(3)  # BTYDplus' P1 = (k - 1) litt - x log((k - 1)!)
    np.testing.assert_allclose(counts + timing, expected, atol=5e-6)


def test_purchase_distribution_equals_btydplus():
    params = {"r": 0.5, "alpha": 2.0, "a": 0.3, "b": 0.6}
    bg, mbg = _at(cl.clv.BetaGeoCNBD, 3, params), _at(cl.clv.ModifiedBetaGeoCNBD, 3, params)
    # src/slice-sampling.cpp: xbgcnbd_pmf_cpp(params, t = 10, x = 2) = 0.05669 (BG), 0.04548 (MBG)
    assert bg.probability_of_purchases_new_customer(2, 10) == pytest.approx(0.05669, abs=5e-6)
    assert mbg.probability_of_purchases_new_customer(2, 10) == pytest.approx(0.04548, abs=5e-6)
    n = np.arange(1001)
    for model in (bg, mbg):  # the same file: the pmf sums to 1 and its mean is xbgcnbd_exp_cpp
        pmf = model.probability_of_purchases_new_customer(n, 10)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
        assert n @ pmf == pytest.approx(model.expected_purchases_new_customer(10), rel=1e-10)


@pytest.mark.parametrize(("cnbd", "plain"), [(cl.clv.BetaGeoCNBD, cl.clv.BetaGeo),
                                             (cl.clv.ModifiedBetaGeoCNBD, cl.clv.ModifiedBetaGeo)])
def test_k_equal_to_one_is_bgnbd_and_mbgnbd(grocery, cnbd, plain):
    ours, reference = cnbd(k=1).fit(grocery), plain().fit(grocery)
    np.testing.assert_allclose(ours.params_, reference.params_, rtol=1e-6)
    assert ours.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-8)
    ours.params_ = reference.params_.copy()  # the same parameters: every prediction equal to rounding
    for quantity in ("p_alive", "expected_purchases", "probability_no_purchases"):
        args = (grocery,) if quantity == "p_alive" else (52, grocery)
        np.testing.assert_allclose(getattr(ours, quantity)(*args), getattr(reference, quantity)(*args), rtol=1e-10)
    np.testing.assert_allclose(ours.p_alive(grocery, t=26), reference.p_alive(grocery, t=26), rtol=1e-10)
    np.testing.assert_allclose(ours.probability_of_purchases(3, 52, grocery),
                               reference.probability_of_purchases(3, 52, grocery), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(ours.expected_purchases_new_customer([1, 26, 104]),
                               reference.expected_purchases_new_customer([1, 26, 104]), rtol=1e-10)


def test_grocery_regularity_as_btydplus_reports(grocery):
    fits = {cls.__name__: cls().fit(grocery) for cls in (*CNBD_MODELS, cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo,
                                                            cl.clv.ParetoNBD)}
    mbgcnbd = fits["ModifiedBetaGeoCNBD"]
    # BTYDplus vignette, "BG/CNBD-k and MBG/CNBD-k": "the estimate for regularity parameter k is 2", and MBG/CNBD-k
    # "is able to provide a better fit than ... Pareto/NBD, BG/NBD, MBG/NBD and BG/CNBD-k" (demo/mbg-cnbd-k.R: k=2)
    assert mbgcnbd.k_ == 2
    assert all(mbgcnbd.log_likelihood_ > fit.log_likelihood_ for name, fit in fits.items() if fit is not mbgcnbd)
    table = mbgcnbd.regularity_table_
    assert table["log_likelihood"].idxmax() == 2 and list(table.index[:3]) == [1, 2, 3]
    assert table.loc[2, "log_likelihood"] == pytest.approx(mbgcnbd.log_likelihood_)
    assert mbgcnbd.summary().attrs["k"] == 2 and "k=2" in repr(mbgcnbd)
    # k chosen by likelihood is an estimated parameter: the comparison table counts it as AIC and BIC do
    comparison = cl.clv.compare_models(fits)
    assert comparison.loc["ModifiedBetaGeoCNBD", "parameters"] == 5 and comparison.loc["BetaGeo", "parameters"] == 4
    np.testing.assert_allclose(comparison["aic"], 2 * comparison["parameters"] - 2 * comparison["log_likelihood"])


def test_cdnow_has_no_regularity(cdnow_weeks):
    log = cl.datasets.load_cdnow("sample")
    summary = cl.add_intertransaction_times(cdnow_weeks, log)
    model = cl.clv.ModifiedBetaGeoCNBD().fit(summary)
    # BTYDplus demo/cdnow.R: "k=1 -> no regularity detected for CDNow ... MBG/CNBD-k is identical to MBG/NBD";
    # BTYDplus' MBG/NBD estimates (as lifetimes tests them): r 0.525, alpha 6.183, a 0.891, b 1.614
    assert model.k_ == 1
    assert model.params_.round(3).tolist() == [0.525, 6.183, 0.891, 1.614]


@pytest.mark.parametrize(("simulate", "model_class"), [(cl.datasets.simulate_bgcnbd, cl.clv.BetaGeoCNBD),
                                                       (cl.datasets.simulate_mbgcnbd, cl.clv.ModifiedBetaGeoCNBD)])
def test_recovery_and_predictions_on_simulated_data(simulate, model_class):
    # BTYDplus tests/testthat/test-(m)bg-cnbd-k.R: k = 3, r 0.85, alpha 1.45, a 0.79, b 2.42, calibration 36-96 weeks
    truth = {"r": 0.85, "alpha": 1.45, "a": 0.79, "b": 2.42}
    T = np.round(np.random.default_rng(1).uniform(36, 96, 6000) / 12) * 12
    data = simulate(6000, T, k=3, holdout=32, seed=7, **truth)
    model = model_class().fit(data)
    assert model.k_ == 3
    np.testing.assert_allclose(model.params_, list(truth.values()), rtol=0.1)  # BTYDplus' tolerance
    at_truth = _at(model_class, 3, truth)
    # predictions with the true parameters match the simulated future in total, and by frequency
    predicted = at_truth.expected_purchases(32, data)
    assert predicted.sum() == pytest.approx(data["holdout_purchases"].sum(), rel=0.03)
    groups = pd.cut(data["frequency"], [-1, 0, 2, 5, np.inf])
    by_group = pd.DataFrame({"predicted": predicted, "actual": data["holdout_purchases"]}).groupby(groups,
                                                                                                 observed=True).sum()
    np.testing.assert_allclose(by_group["predicted"], by_group["actual"], rtol=0.1)
    assert at_truth.p_alive(data).sum() == pytest.approx(data["true_alive"].sum(), rel=0.03)


def test_expected_purchases_are_exact_not_btydplus_approximation():
    """One customer's forecast does not depend on who else is scored (BTYDplus rescales by the cohort's total)."""
    model = _at(cl.clv.ModifiedBetaGeoCNBD, 3, {"r": 0.85, "alpha": 1.45, "a": 0.79, "b": 2.42})
    data = cl.datasets.simulate_mbgcnbd(300, 48, k=3, r=0.85, alpha=1.45, a=0.79, b=2.42, seed=3)
    whole = model.expected_purchases(32, data)
    parts = pd.concat([model.expected_purchases(32, data.iloc[:17]), model.expected_purchases(32, data.iloc[17:])])
    np.testing.assert_allclose(whole, parts, rtol=1e-14)
    # the expectation rises with the horizon, P(alive) falls with time, probabilities sum to one
    assert (model.expected_purchases(64, data) > whole).all()
    assert (model.p_alive(data, t=20) <= model.p_alive(data) + 1e-15).all()
    total = sum(model.probability_of_purchases(n, 32, data) for n in range(200))
    np.testing.assert_allclose(total, 1.0, atol=1e-10)


def test_litt_follows_the_summary_conventions(grocery_log, grocery):
    # BTYDplus R/helpers.R elog2cbs: same-day events merged, itt = diff(t) in weeks, litt = sum(log(itt[itt > 0]))
    # over the events on or before T.cal
    calibration = grocery_log[grocery_log["date"] <= "2006-12-31"].sort_values(["customer_id", "date"])
    by_hand = calibration.groupby("customer_id")["date"].agg(
        lambda days: np.log(np.diff(days.to_numpy()).astype("timedelta64[D]").astype(float) / 7).sum())
    np.testing.assert_allclose(grocery["litt"], by_hand.reindex(grocery.index), rtol=1e-12, atol=1e-12)
    in_days = cl.add_intertransaction_times(
        cl.customer_summary(grocery_log, observation_end="2006-12-31", amount_col=None), grocery_log)
    np.testing.assert_allclose(in_days["litt"], grocery["litt"] + grocery["frequency"] * np.log(7), atol=1e-9)
    split = cl.calibration_holdout(grocery_log, calibration_end="2006-12-31", time_unit="W", amount_col=None)
    split = cl.add_intertransaction_times(split, grocery_log)
    np.testing.assert_allclose(cl.calibration_summary(split)["litt"], grocery["litt"], atol=1e-12)
    assert cl.frames.table_info(split).kind == "calibration_holdout"


def test_litt_refuses_tables_and_logs_that_disagree(grocery_log, grocery):
    with pytest.raises(DataError, match="customer_summary"):
        cl.add_intertransaction_times(pd.DataFrame(grocery), grocery_log)
    with pytest.raises(DataError, match="different number of repeat purchases"):
        cl.add_intertransaction_times(grocery, grocery_log[grocery_log["date"] < "2006-06-01"])


def test_json_round_trip_keeps_k_and_the_table(tmp_path, grocery):
    model = cl.clv.ModifiedBetaGeoCNBD(max_k=3).fit(grocery)
    path = tmp_path / "mbgcnbd.json"
    model.to_json(path)
    loaded = cl.clv.load_model(path)
    assert loaded.k_ == model.k_ == 2 and loaded.aic_ == pytest.approx(model.aic_)
    pd.testing.assert_frame_equal(loaded.regularity_table_, model.regularity_table_)
    np.testing.assert_allclose(loaded.expected_purchases(10, grocery), model.expected_purchases(10, grocery))
    assert json.loads(path.read_text())["settings"]["k"] is None


def test_works_with_clv_and_holdout_evaluation(grocery_log, cdnow_weeks):
    split = cl.add_intertransaction_times(
        cl.calibration_holdout(grocery_log, calibration_end="2006-12-31", time_unit="W", amount_col=None), grocery_log)
    model = cl.clv.ModifiedBetaGeoCNBD(max_k=3).fit(cl.calibration_summary(split))
    evaluation = cl.clv.evaluate_holdout(model, split)
    assert evaluation.model_beats_baseline
    assert evaluation.metrics.loc["model", "total_actual"] == split["frequency_holdout"].sum()
    log = cl.datasets.load_cdnow("sample")
    summary = cl.add_intertransaction_times(cdnow_weeks, log)
    purchases = cl.clv.BetaGeoCNBD(k=2).fit(summary)
    value = cl.clv.customer_lifetime_value(purchases, cl.clv.GammaGamma().fit(summary), summary, horizon=3,
                                           discount_rate=0.01, period_length=4.0)
    assert np.all(np.isfinite(value["clv"])) and (value["clv"] >= 0).all()
    np.testing.assert_allclose(value["expected_purchases"], purchases.expected_purchases(12, summary), rtol=1e-12)


@pytest.mark.parametrize("settings", [{"k": 0}, {"k": 1.5}, {"k": True}, {"max_k": 0}, {"k": "2"}])
def test_bad_settings_are_refused(grocery, settings):
    with pytest.raises(ValueError, match="whole number"):
        cl.clv.BetaGeoCNBD(**settings).fit(grocery)


def test_bad_timing_data_are_refused(grocery):
    with pytest.raises(MissingColumnError, match="add_intertransaction_times"):
        cl.clv.ModifiedBetaGeoCNBD().fit(grocery.drop(columns="litt"))
    cl.clv.ModifiedBetaGeoCNBD(k=1).fit(grocery.drop(columns="litt"))  # k = 1 does not use it
    for corrupt in (lambda litt, x: litt.where(x > 0, 1.0),        # non-zero without repeat purchases
                    lambda litt, x: litt + x * np.log(7) + 50.0,   # gaps longer than the recency allows
                    lambda litt, x: litt.where(x == 0, np.nan)):   # missing
        bad = grocery.assign(litt=corrupt(grocery["litt"], grocery["frequency"]))
        with pytest.raises(DataError, match="litt"):
            cl.clv.BetaGeoCNBD(k=2).fit(bad)


def test_simulator_refuses_a_non_integer_k():
    with pytest.raises(ValueError, match="whole number"):
        cl.datasets.simulate_bgcnbd(10, 10, k=2.5, r=1, alpha=1, a=1, b=1)


def test_no_warning_from_a_regular_fit(grocery):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cl.clv.BetaGeoCNBD(max_k=3).fit(grocery)


@pytest.mark.parametrize("model_class", CNBD_MODELS)
def test_analytic_gradient_matches_finite_differences(grocery, model_class):
    model = _at(model_class, 3, {"r": 0.4, "alpha": 0.7, "a": 0.5, "b": 2.0})
    data = {c: grocery[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T")}
    theta = np.log([0.4, 0.7, 0.5, 2.0])
    _, gradient = model._log_likelihood(theta, data)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        up, down = model._log_likelihood(theta + step, data)[0], model._log_likelihood(theta - step, data)[0]
        np.testing.assert_allclose(gradient[:, i].sum(), (up - down).sum() / 2e-6, rtol=1e-6)


@pytest.mark.parametrize(("a", "b"), [(0.3, 0.6), (1.0, 2.0), (1 + 1e-9, 2.0), (1 - 1e-6, 0.5), (5.0, 3.0),
                                      (0.05, 0.05), (1e4, 1e4)])
def test_beta_geometric_partial_sums_equal_mpmath(a, b):
    mpmath = pytest.importorskip("mpmath")
    from crmlab.clv._special import beta_geometric_partial_sum

    mpmath.mp.dps = 40
    for terms in (0, 1, 2, 7, 300):
        exact = mpmath.nsum(lambda m: mpmath.rf(b, m) / mpmath.rf(a + b, m), [0, terms - 1]) if terms else 0
        assert beta_geometric_partial_sum(a, b, terms) == pytest.approx(float(exact), rel=1e-12, abs=0)


def test_erlang_sums_over_the_likely_counts_equal_the_full_sums():
    """Large counts: the terms below the likely range are the closed-form prefix; the sums equal the plain series."""
    from crmlab.clv._special import erlang_beta_series

    k, r, w, a, b, phase = 3, 400.0, np.array([2.0, 0.5]), 0.8, 2.4, 1
    m = np.arange(1, 2000)[:, None]
    tail = special.betainc(np.maximum(m * k - phase, 1), r, w / (1 + w))  # P(M >= m), every m
    survived = np.exp(special.gammaln(b + m - 1) - special.gammaln(b) - special.gammaln(a + b + m - 1)
                      + special.gammaln(a + b))
    np.testing.assert_allclose(erlang_beta_series("expected", k, r, w, a, b, phase), (survived * tail).sum(axis=0),
                               rtol=1e-12)
    below = np.vstack([np.ones((1, 2)), tail])  # P(M >= m) for m = 0, 1, ...; survived[i] = c_i
    np.testing.assert_allclose(erlang_beta_series("survival", k, r, w, a, b, phase),
                               (survived * (below[:-1] - below[1:])).sum(axis=0), rtol=1e-10)

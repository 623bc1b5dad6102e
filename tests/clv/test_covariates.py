"""Time-invariant covariates: the likelihood and its gradient, recovery, predictions, bad input, model comparison.

CLVTools' published apparel fits are reproduced in ``test_covariates_reference.py``; here the truth is known
because the data are simulated with CLVTools' parametrisation (α_i = α exp(−γ_purchase z_i), β_i = β exp(−γ_dropout
z_i); for BG/NBD a_i = a exp(γ_dropout z_i), b_i = b exp(γ_dropout z_i)).
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import crmlab as cl
from crmlab.clv._special import covariate_pairs, pareto_nbd_integral, pareto_nbd_integral_by_row
from crmlab.errors import ColumnTypeError, DataError, MissingColumnError

TRUE_PNBD = {"r": 0.8, "alpha": 6.0, "s": 0.7, "beta": 9.0, "purchase:segment": 0.5, "purchase:score": -0.3,
             "dropout:segment": -0.6, "dropout:score": 0.4}
TRUE_BG = {"r": 0.7, "alpha": 5.0, "a": 0.8, "b": 2.5, "purchase:segment": 0.5, "dropout:segment": 0.8}


def covariates(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"segment": rng.integers(0, 2, n).astype(float), "score": np.round(rng.normal(size=n), 1)})


@pytest.fixture(scope="module")
def pareto_data():
    z = covariates(6000, 3)
    alpha = TRUE_PNBD["alpha"] * np.exp(-(0.5 * z["segment"] - 0.3 * z["score"]).to_numpy())
    beta = TRUE_PNBD["beta"] * np.exp(-(-0.6 * z["segment"] + 0.4 * z["score"]).to_numpy())
    summary = cl.datasets.simulate_paretonbd(6000, 52.0, r=0.8, alpha=alpha, s=0.7, beta=beta, seed=4)
    return summary[["frequency", "recency", "T"]].join(z.set_axis(summary.index))


@pytest.fixture(scope="module")
def pareto_fit(pareto_data):
    both = ["segment", "score"]
    return cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both).fit(pareto_data)


def within(model, truth, width=3.5):
    error = (model.params_[list(truth)] - pd.Series(truth)) / model.standard_errors_[list(truth)]
    assert (error.abs() < width).all(), error


def test_pareto_nbd_recovers_the_coefficients(pareto_fit):
    within(pareto_fit, TRUE_PNBD)
    table = pareto_fit.summary()
    assert list(table.index) == list(TRUE_PNBD) and {"z", "p_value"} <= set(table.columns)
    assert (table.loc["purchase:segment":, "p_value"] < 0.05).all()


def test_bg_nbd_recovers_the_coefficients():
    z = covariates(6000, 5)[["segment"]]
    shift = z["segment"].to_numpy()
    summary = cl.datasets.simulate_bgnbd(6000, 52.0, r=0.7, alpha=5.0 * np.exp(-0.5 * shift),
                                         a=0.8 * np.exp(0.8 * shift), b=2.5 * np.exp(0.8 * shift), seed=6)
    data = summary[["frequency", "recency", "T"]].join(z.set_axis(summary.index))
    model = cl.clv.BetaGeo(purchase_covariates=["segment"], dropout_covariates=["segment"]).fit(data)
    within(model, TRUE_BG)
    assert (model.p_alive(data) <= 1).all()


@pytest.mark.parametrize("model_class", [cl.clv.ParetoNBD, cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo])
def test_analytic_gradient_of_the_covariate_likelihood(model_class, pareto_data):
    data = pareto_data.iloc[:400]
    model = model_class(purchase_covariates=["segment", "score"], dropout_covariates=["score"],
                        shared_covariates=["score"], covariate_penalty={"purchase": 0.05, "dropout": 0.1})
    model._check_settings()
    prepared = model._prepare(data, None)
    objective = model._objective(prepared)
    theta = np.array([-0.2, 1.5, 0.1, 1.0, 0.3, -0.4])
    value, gradient = objective(theta)
    numeric = [(objective(theta + h)[0] - objective(theta - h)[0]) / 2e-6 for h in 1e-6 * np.eye(len(theta))]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("model_class", [cl.clv.ParetoNBD, cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo])
def test_information_through_the_links_equals_forward_differences_in_theta(model_class, pareto_data):
    """The covariate models' information, Σ n_i J_i' H_i J_i from each customer's curvature in their own parameters,
    is the observed information of the forward differences in all of θ (the generic route), to the differences'
    own accuracy — with free, shared and penalised coefficients, at a point away from the maximum."""
    data = pareto_data.iloc[:1500]
    model = model_class(purchase_covariates=["segment", "score"], dropout_covariates=["score"],
                        shared_covariates=["score"], covariate_penalty={"purchase": 0.05, "dropout": 0.1})
    model._check_settings()
    prepared = model._prepare(data, None)
    theta = np.array([-0.2, 1.5, 0.1, 1.0, 0.3, -0.4])
    through_links = model._hessian(theta, prepared)
    generic = cl.clv.base.MaximumLikelihoodModel._likelihood_information(model, theta, prepared)
    generic[4:, 4:] += prepared.n_customers * np.diag(model.covariate_design().penalty_value(theta[4:])[2])
    scale = np.sqrt(np.outer(np.diag(generic), np.diag(generic)))
    assert np.max(np.abs(through_links - generic) / scale) < 1e-5
    np.testing.assert_array_equal(through_links, through_links.T)


@pytest.mark.parametrize("settings", [{}, {"purchase_covariates": ["segment"]},
                                      {"purchase_covariates": ["segment"], "dropout_covariates": ["segment"]},
                                      {"purchase_covariates": ["segment", "score"], "dropout_covariates": ["score"]}])
def test_rounded_stand_in_from_levels_equals_grouping_the_rounded_rows(settings):
    """The two-stage fit's stand-in merges rows by their (covariates, frequency) level and grid points; that is
    the grouping of the rounded rows themselves, row for row and count for count."""
    from crmlab.clv._purchase import _ROUNDED_STAND_IN_GRID
    from crmlab.clv.base import _unique_rows

    summary = cl.datasets.simulate_paretonbd(12000, 52.0, r=0.8, alpha=6.0, s=0.7, beta=9.0, seed=6)
    data = summary[["frequency", "recency", "T"]].join(covariates(12000, 5).set_axis(summary.index))
    model = cl.clv.ParetoNBD(**settings)
    prepared = model._prepare(data, None)
    assert len(prepared.blocks) == 1 and len(prepared.counts) > 4000
    stand_in = model._stand_in(prepared)
    step = prepared.columns["T"].max() / _ROUNDED_STAND_IN_GRID
    rounded = {**prepared.columns, "recency": np.round(prepared.columns["recency"] / step) * step,
               "T": np.round(prepared.columns["T"] / step) * step}
    unique, counts = _unique_rows(rounded, prepared.counts)
    if stand_in is None:  # a covariate of many values: rounding merges too few rows to be worth a first stage
        assert len(counts) > len(prepared.counts) / 3 and "score" in settings.get("dropout_covariates", [])
        return
    np.testing.assert_array_equal(stand_in.counts, counts)
    for column, values in unique.items():
        np.testing.assert_array_equal(stand_in.columns[column], values)


def test_integral_per_group_equals_integral_per_row(pareto_data):
    """The series summed at the pairs of all covariate groups at once, row by row, and the integral of each group
    alone with its own scalar α and β agree — including a group whose far-apart α and β send most of its rows to
    the tanh-sinh rule."""
    data = pareto_data.iloc[:600]
    x, t_x, T = (data[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    group = np.arange(600) % 3
    scales = np.array([[4.0, 7.0], [12.0, 5.0], [40.0, 0.5]])  # alpha, beta per group
    alpha, beta = scales[group, 0], scales[group, 1]
    pairs = covariate_pairs(group, x, t_x, T, rows_per_group=100)
    assert pairs is not None  # three groups of 200 customers
    by_pairs = pareto_nbd_integral_by_row(0.8, alpha, 0.7, beta, x, t_x, T, pairs)
    by_row = pareto_nbd_integral_by_row(0.8, alpha, 0.7, beta, x, t_x, T, pairs=None)
    by_group = np.empty(600), np.empty((4, 600))
    for g, (a, b) in enumerate(scales):
        rows = group == g
        by_group[0][rows], by_group[1][:, rows] = pareto_nbd_integral(0.8, a, 0.7, b, x[rows], t_x[rows], T[rows])
    finite = np.isfinite(by_group[0])
    assert finite.sum() > 400
    for other in (by_pairs, by_row):
        np.testing.assert_array_equal(finite, np.isfinite(other[0]))
        np.testing.assert_allclose(other[0][finite], by_group[0][finite], rtol=1e-11)
        np.testing.assert_allclose(other[1][:, finite], by_group[1][:, finite], rtol=1e-8, atol=1e-12)


def test_zero_coefficients_give_the_model_without_covariates(pareto_data):
    plain = cl.clv.ParetoNBD()
    with_covariates = cl.clv.ParetoNBD(purchase_covariates=["score"], dropout_covariates=["segment"])
    log_params = np.log([0.8, 6.0, 0.7, 9.0])
    values = []
    for model, theta in ((plain, log_params), (with_covariates, np.r_[log_params, 0.0, 0.0])):
        model._check_settings()
        values.append(model._weighted_log_likelihood(theta, model._prepare(pareto_data, None))[0])
    assert values[0] == pytest.approx(values[1], rel=1e-12)


def test_predictions_use_each_customers_parameters(pareto_fit, pareto_data):
    """A customer's predictions are the plain model's with α_i and β_i (read from the data passed)."""
    rows = pareto_data.iloc[:50]
    p = pareto_fit.params_
    for (segment, score), group in rows.groupby(["segment", "score"]):
        alpha = p["alpha"] * np.exp(-(p["purchase:segment"] * segment + p["purchase:score"] * score))
        beta = p["beta"] * np.exp(-(p["dropout:segment"] * segment + p["dropout:score"] * score))
        plain = cl.clv.ParetoNBD()
        plain.params_ = pd.Series({"r": p["r"], "alpha": alpha, "s": p["s"], "beta": beta})
        plain.time_unit_ = "W"
        history = group[["frequency", "recency", "T"]]
        for method in ("p_alive", "expected_purchases"):
            args = (history,) if method == "p_alive" else (10.0, history)
            ours = getattr(pareto_fit, method)(*(args[:-1] + (group,)))
            np.testing.assert_allclose(ours, getattr(plain, method)(*args), rtol=1e-10)
    with pytest.raises(MissingColumnError, match="score"):
        pareto_fit.expected_purchases(10.0, rows.drop(columns="score"))


def test_covariate_model_round_trips_through_json(pareto_fit, pareto_data, tmp_path):
    path = tmp_path / "model.json"
    pareto_fit.to_json(path)
    loaded = cl.clv.load_model(path)
    pd.testing.assert_series_equal(loaded.params_, pareto_fit.params_)
    pd.testing.assert_frame_equal(loaded.summary(), pareto_fit.summary())
    np.testing.assert_allclose(loaded.p_alive(pareto_data.iloc[:100]), pareto_fit.p_alive(pareto_data.iloc[:100]))


# ---------------------------------------------------------------------------------------- bad input
def bad(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    text = frame.assign(segment=np.where(frame["segment"] > 0, "web", "store"))
    return {
        "missing column": (frame.drop(columns="segment"), MissingColumnError, "segment"),
        "text": (text, ColumnTypeError, "dummy-code"),
        "category": (frame.assign(segment=pd.Categorical(text["segment"])), ColumnTypeError, "get_dummies"),
        "missing values": (frame.assign(score=np.r_[[np.nan] * 3, frame["score"].to_numpy()[3:]]), DataError,
                           r"score: 3"),
        "infinite values": (frame.assign(segment=frame["segment"].replace(0.0, np.inf)), DataError, "infinite"),
        "constant": (frame.assign(segment=1.0), DataError, "every customer"),
        "collinear": (frame.assign(score=1.0 - frame["segment"]), DataError, "collinear"),
    }


@pytest.mark.parametrize("case", ["missing column", "text", "category", "missing values", "infinite values",
                                  "constant", "collinear"])
def test_bad_covariates_are_refused_with_a_clear_error(case, pareto_data):
    data, error, message = bad(pareto_data.iloc[:300])[case]
    model = cl.clv.ParetoNBD(purchase_covariates=["segment", "score"], dropout_covariates=["segment"])
    with pytest.raises(error, match=message):
        model.fit(data)


@pytest.mark.parametrize(("settings", "error", "message"), [
    ({"purchase_covariates": "segment"}, TypeError, "list of column names"),
    ({"purchase_covariates": ["segment", "segment"]}, ValueError, "more than once"),
    ({"purchase_covariates": ["segment"], "shared_covariates": ["segment"]}, ValueError, "both"),
    ({"purchase_covariates": ["frequency"]}, ValueError, "data columns"),
    ({"purchase_covariates": ["segment"], "covariate_penalty": {"trans": 0.1}}, ValueError, "'purchase'"),
    ({"purchase_covariates": ["segment"], "covariate_penalty": {"purchase": -1}}, ValueError, ">= 0"),
    ({"purchase_covariates": ["segment"], "covariate_penalty": 0.1}, TypeError, "dict"),
])
def test_bad_covariate_settings_are_refused(settings, error, message, pareto_data):
    with pytest.raises(error, match=message):
        cl.clv.BetaGeo(**settings).fit(pareto_data.iloc[:200])


def test_the_design_follows_settings_changed_after_construction():
    """The design is remembered between likelihood evaluations, yet a setting changed afterwards — reassigned or
    edited in place — is what the next call sees (and a bad one is refused again)."""
    covariates = ["segment"]
    model = cl.clv.ParetoNBD(purchase_covariates=covariates)
    assert model.covariate_design().names == ("purchase:segment",)
    covariates.append("channel")
    assert model.covariate_design().names == ("purchase:segment", "purchase:channel")
    model.dropout_covariates, model.shared_covariates = ["segment"], ["segment"]
    assert model.covariate_design().names == ("purchase:channel", "shared:segment")
    model.covariate_penalty = {"purchase": -1}
    with pytest.raises(ValueError, match=">= 0"):
        model.covariate_design()
    with pytest.raises(ValueError, match=">= 0"):
        model.covariate_design()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.sampled_from([0.0, 1.0, 2.5, -1.0, np.nan, np.inf]), min_size=300, max_size=300))
def test_any_covariate_column_fits_or_is_refused(values, pareto_data):
    """Whatever numbers a covariate holds, the fit ends with finite estimates or a crmlab DataError."""
    data = pareto_data.iloc[:300].assign(segment=values)
    model = cl.clv.BetaGeo(purchase_covariates=["segment"])
    try:
        model.fit(data)
    except DataError:
        return
    assert np.all(np.isfinite(model.params_)) and np.all(np.isfinite(model.standard_errors_))


# ---------------------------------------------------------------------------------------- comparison
def test_likelihood_ratio_test_refuses_what_it_cannot_test(pareto_data):
    pareto_data = pareto_data.iloc[:1500]
    both = ["segment", "score"]
    pareto_fit = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both).fit(pareto_data)
    smaller = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=["segment"]).fit(pareto_data)
    test = cl.clv.likelihood_ratio_test(smaller, pareto_fit)
    assert test.df == 1 and 0 <= test.p_value <= 1
    assert test.statistic == pytest.approx(2 * (pareto_fit.log_likelihood_ - smaller.log_likelihood_))
    with pytest.raises(DataError, match="not nested"):
        cl.clv.likelihood_ratio_test(pareto_fit, smaller)
    shared = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both, shared_covariates=["score"])
    assert cl.clv.likelihood_ratio_test(shared.fit(pareto_data), pareto_fit).df == 1
    with pytest.raises(DataError, match="constrains score"):
        cl.clv.likelihood_ratio_test(pareto_fit.__class__(purchase_covariates=["score"]).fit(pareto_data), shared)
    with pytest.raises(DataError, match="two fits of one model"):
        cl.clv.likelihood_ratio_test(cl.clv.BetaGeo().fit(pareto_data), pareto_fit)
    with pytest.raises(DataError, match="different data"):
        cl.clv.likelihood_ratio_test(cl.clv.ParetoNBD().fit(pareto_data.iloc[:1000]), pareto_fit)
    with pytest.raises(DataError, match="different data"):
        other = pareto_data.assign(score=pareto_data["score"][::-1].to_numpy())
        cl.clv.likelihood_ratio_test(cl.clv.ParetoNBD(purchase_covariates=["score"]).fit(other), pareto_fit)
    penalised = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both,
                                 covariate_penalty={"purchase": 0.1}).fit(pareto_data)
    with pytest.raises(DataError, match="penalised"):
        cl.clv.likelihood_ratio_test(smaller, penalised)


def test_comparison_table_with_holdout_error():
    apparel = cl.datasets.load_apparel()
    split = cl.calibration_holdout(apparel.transactions, calibration_end="2006-12-31", observation_end="2008-12-28",
                                   time_unit="W").join(apparel.static_covariates)
    calibration = cl.calibration_summary(split)
    both = ["Gender", "Channel"]
    fits = {"no covariates": cl.clv.ParetoNBD().fit(calibration),
            "covariates": cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both).fit(calibration),
            "BG/NBD covariates": cl.clv.BetaGeo(purchase_covariates=both).fit(calibration)}
    table = cl.clv.compare_models(fits, holdout=split)
    assert list(table.index) == list(fits)
    assert table.loc["covariates", "parameters"] == 8 and table.loc["no covariates", "parameters"] == 4
    np.testing.assert_allclose(table["aic"], 2 * table["parameters"] - 2 * table["log_likelihood"])
    assert (table["holdout_mae"] > 0).all() and np.isfinite(table["holdout_total_error_pct"]).all()
    with pytest.raises(DataError, match="different data"):
        cl.clv.compare_models({"all": fits["covariates"], "half": cl.clv.ParetoNBD().fit(calibration.iloc[:300])})


def test_fingerprints_tell_data_apart():
    """The fingerprint of a fit changes with any one value, the order of the rows or a weight, and a covariate's
    digest only with that covariate; fits recorded by an older crmlab (blake2b digests without a scheme) are
    refused for comparison rather than called different data."""
    data = covariates(400, seed=3).join(cl.datasets.simulate_paretonbd(400, 39.0, r=0.8, alpha=6.0, s=0.7, beta=9.0,
                                                                         seed=3).reset_index(drop=True))
    model = cl.clv.ParetoNBD(purchase_covariates=["segment", "score"])

    def fingerprint(frame, weights=None):
        model._prepare(frame, weights)
        return model.data_fingerprint_

    reference = fingerprint(data)
    assert reference == fingerprint(data.copy()) and set(reference) == {"base", "segment", "score"}
    changed = {"one recency": data.assign(recency=np.r_[data["recency"].iloc[0] / 2, data["recency"].iloc[1:]]),
               "two rows swapped": data.iloc[np.r_[1, 0, 2:400]],
               "one score": data.assign(score=np.r_[data["score"].iloc[0] + 0.1, data["score"].iloc[1:]])}
    assert fingerprint(changed["one recency"])["base"] != reference["base"]
    assert all(a != b for a, b in zip(fingerprint(changed["two rows swapped"]).values(), reference.values(),
                                      strict=True))
    moved = fingerprint(changed["one score"])
    assert moved["score"] != reference["score"] and moved["segment"] == reference["segment"]
    assert moved["base"] == reference["base"]
    assert fingerprint(data, np.r_[2.0, np.ones(399)])["base"] != reference["base"]
    first = model.fit(data, time_unit="W")
    second = cl.clv.ParetoNBD(purchase_covariates=["segment"]).fit(data, time_unit="W")
    assert cl.clv.likelihood_ratio_test(second, first).df == 1
    second.data_fingerprint_ = {"base": "0" * 24, "segment": "1" * 24}  # as an older crmlab recorded them
    with pytest.raises(DataError, match="older crmlab"):
        cl.clv.likelihood_ratio_test(second, first)


def test_covariate_effects_plot(pareto_fit):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert cl.plotting.plot_covariate_effects(pareto_fit, ax=ax) is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["segment", "score", "segment", "score"]
    assert ax.get_title() == "Covariate effects with 95% intervals"
    ax = cl.plotting.plot_covariate_effects(pareto_fit, level=0.9, lang="zh")
    assert ax.get_xlabel() == "协变量系数 γ" and "90%" in ax.get_title()
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"购买过程", "流失过程"}
    plt.close("all")
    with pytest.raises(ValueError, match="no covariates"):
        cl.plotting.plot_covariate_effects(cl.clv.ParetoNBD().fit(pareto_fit_data_head()))


def pareto_fit_data_head():
    return cl.datasets.simulate_paretonbd(300, 52.0, r=0.8, alpha=6.0, s=0.7, beta=9.0, seed=1)


def test_an_unidentified_effect_is_named_not_returned():
    """A covariate marking customers who never buy again drives its purchase coefficient to -∞: a ConvergenceError
    names it (a penalty makes the estimate finite)."""
    data = cl.datasets.simulate_bgnbd(2000, 39, r=0.5, alpha=4, a=0.8, b=2.5, seed=3)[["frequency", "recency", "T"]]
    data["marked"] = ((data["frequency"] == 0) & (np.arange(2000) % 2 == 0)).astype(float)
    with pytest.raises(cl.errors.ConvergenceError, match="purchase:marked → -∞"):
        cl.clv.BetaGeo(purchase_covariates=["marked"]).fit(data)
    penalised = cl.clv.BetaGeo(purchase_covariates=["marked"], covariate_penalty={"purchase": 0.01}).fit(data)
    assert -5 < penalised.params_["purchase:marked"] < 0


def _units_cases():
    """Each covariate model with data whose covariate can be put in another unit: (make, data, column)."""
    z = covariates(3000, 5)
    alpha = 6.0 * np.exp(-(0.5 * z["segment"] - 0.3 * z["score"]).to_numpy())
    summary = cl.datasets.simulate_paretonbd(3000, 52.0, r=0.8, alpha=alpha, s=0.7, beta=9.0, seed=6)
    purchases = summary[["frequency", "recency", "T"]].join(z.set_axis(summary.index))
    rng = np.random.default_rng(7)
    loyal = rng.integers(0, 2, 4000).astype(float) + rng.normal(0, 0.2, 4000)
    cancels = rng.geometric(rng.beta(0.7, 2.0 * np.exp(0.9 * loyal)))
    churn = pd.DataFrame({"period": np.minimum(cancels, 8), "churned": (cancels <= 8).astype(int), "loyal": loyal})
    frequency = rng.poisson(3.0, 4000)
    spend = cl.datasets.simulate_gammagamma(frequency, p=6.0, q=4.0, gamma=15.0 * np.exp(0.6 * loyal), seed=8)
    spend = spend[["frequency", "monetary"]].assign(loyal=loyal)
    both = ["segment", "score"]
    return {"Pareto/NBD": (lambda: cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both), purchases,
                           "score"),
            "BG/NBD": (lambda: cl.clv.BetaGeo(purchase_covariates=both, dropout_covariates=["score"]), purchases,
                       "score"),
            "MBG/NBD": (lambda: cl.clv.ModifiedBetaGeo(purchase_covariates=["score"]), purchases, "score"),
            "sBG": (lambda: cl.clv.ShiftedBetaGeometric(retention_covariates=["loyal"]), churn, "loyal"),
            "Gamma-Gamma": (lambda: cl.clv.GammaGamma(spend_covariates=["loyal"]), spend, "loyal")}


@pytest.mark.parametrize("name", ["Pareto/NBD", "BG/NBD", "MBG/NBD", "sBG", "Gamma-Gamma"])
def test_a_covariate_in_any_unit_gives_the_same_fit(name):
    """A covariate in millionths or in millions (a spend in another currency) is the same covariate: the fit
    climbs each coefficient in the unit of its covariate's magnitude, so the log-likelihood is the same, the
    coefficient and its standard error scale with the unit, and the z values are equal. Before, the fit failed
    below about 1e-2 or above 1e4 ("non-finite values", "edge of the parameter space")."""
    make, data, column = _units_cases()[name]
    reference = make().fit(data)
    per_unit = [n for n in reference.coefficient_names if n.endswith(f":{column}")]
    others = [n for n in reference.params_.index if n not in per_unit]
    for unit in (1e-9, 1e-4, 1e3, 1e8):
        fitted = make().fit(data.assign(**{column: data[column] * unit}))
        assert fitted.log_likelihood_ == pytest.approx(reference.log_likelihood_, rel=1e-9)
        np.testing.assert_allclose(fitted.params_[per_unit] * unit, reference.params_[per_unit], rtol=1e-5)
        np.testing.assert_allclose(fitted.standard_errors_[per_unit] * unit, reference.standard_errors_[per_unit],
                                   rtol=1e-4)
        np.testing.assert_allclose(fitted.params_[others], reference.params_[others], rtol=1e-5)
        np.testing.assert_allclose(fitted.standard_errors_[others], reference.standard_errors_[others], rtol=1e-4)

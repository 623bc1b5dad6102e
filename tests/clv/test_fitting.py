"""The shared maximum-likelihood machinery: input checks, compression, penalty, errors, persistence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import threadpoolctl

import crmlab as cl
from crmlab.errors import ConvergenceError, DataError, MissingColumnError

PURCHASE_MODELS = [cl.clv.BetaGeo, cl.clv.ModifiedBetaGeo, cl.clv.ParetoNBD]


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
def test_weights_are_the_same_as_repeated_rows(model_class, cdnow_published):
    patterns = cdnow_published.value_counts(["frequency", "recency", "T"]).rename("n").reset_index()
    by_weight = model_class().fit(patterns, weights="n", time_unit="W")  # value_counts keeps no crmlab information
    by_row = model_class().fit(cdnow_published)
    np.testing.assert_allclose(by_weight.params_, by_row.params_, rtol=1e-6)
    assert by_weight.log_likelihood_ == pytest.approx(by_row.log_likelihood_, rel=1e-10)
    assert by_row.n_unique_rows_ == len(patterns) < by_row.n_customers_ == 2_357


def _at_equal_scales(params):
    """The Pareto/NBD point alpha = beta, where the integral's series is a single term (z = 0)."""
    values = params.to_numpy().copy()
    values[3] = values[1]
    return np.log(values)


@pytest.mark.parametrize("model_class, point", [
    *[(m, lambda p: np.log(p.to_numpy()) + np.array([0.1, -0.2, 0.15, -0.1])) for m in PURCHASE_MODELS],
    (cl.clv.ParetoNBD, _at_equal_scales),
], ids=[*(m.__name__ for m in PURCHASE_MODELS), "ParetoNBD-alpha=beta"])
def test_analytic_gradient_matches_finite_differences(model_class, point, cdnow_published):
    model = model_class().fit(cdnow_published)
    prepared = model._prepare(cdnow_published, None)
    theta = point(model.params_)
    _, grad = model._log_likelihood(theta, prepared.columns)
    analytic = prepared.counts @ grad
    numeric = np.empty(4)
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-6
        up, _ = model._log_likelihood(theta + step, prepared.columns)
        down, _ = model._log_likelihood(theta - step, prepared.columns)
        numeric[j] = prepared.counts @ (up - down) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5)


@pytest.mark.parametrize("log_params", [(-1.4, 1.5, -0.2, 0.9), (0.7, -0.7, -1.6, -2.3), (-3.0, 3.7, 1.6, 3.4),
                                        (0.0, 0.0, 12.0, 13.0)],
                         ids=["CDNOW", "U-shaped", "rare buyers", "near a limit"])
def test_bgnbd_row_hessian_matches_central_differences_of_the_gradient(log_params, cdnow_published):
    """BG/NBD's closed-form Hessian of each customer's log-likelihood (log r, log α, log a, log b) against central
    differences of the analytic gradient, on every CDNOW row: the differences' error is about 1e-10 here."""
    model = cl.clv.BetaGeo()
    prepared = model._prepare(cdnow_published, None)
    theta = np.array(log_params)
    analytic = model._row_hessian(tuple(np.exp(theta)), prepared.columns)
    assert sorted(analytic) == [(j, k) for j in range(4) for k in range(j, 4)]
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-5
        up = model._row_log_likelihood(tuple(np.exp(theta + step)), prepared.columns)[1]
        down = model._row_log_likelihood(tuple(np.exp(theta - step)), prepared.columns)[1]
        for k in range(4):
            np.testing.assert_allclose(analytic[min(j, k), max(j, k)], (up - down)[:, k] / 2e-5, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("log_params", [(-0.592, 2.359, -0.501, 2.457), (-0.6, 1.0, 0.3, 3.5), (0.5, 3.7, -1.2, 0.7),
                                        (0.0, 0.0, 12.0, 13.0)],
                         ids=["CDNOW", "beta above alpha", "far-apart scales", "near a limit"])
def test_pareto_nbd_row_curvature_matches_central_differences_of_the_gradient(log_params, cdnow_published):
    """Pareto/NBD's Hessian of each customer's log-likelihood (log r, log α, log s, log β) — in closed form where
    the integral is a series, forward differences where it is a quadrature (the far-apart scales and the point
    near a limit send rows there) — against central differences of the analytic gradient, on every CDNOW row.
    The first point is Fader, Hardie & Lee's (2005) CDNOW estimate."""
    model = cl.clv.ParetoNBD()
    prepared = model._prepare(cdnow_published, None)
    theta = np.array(log_params)
    curvature = model._row_curvature(theta, dict(prepared.columns))
    assert sorted(curvature) == [(j, k) for j in range(4) for k in range(j, 4)]
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-5
        up = model._row_log_likelihood(tuple(np.exp(theta + step)), dict(prepared.columns))[1]
        down = model._row_log_likelihood(tuple(np.exp(theta - step)), dict(prepared.columns))[1]
        for k in range(4):
            np.testing.assert_allclose(curvature[min(j, k), max(j, k)], (up - down)[:, k] / 2e-5, rtol=1e-5, atol=1e-7)


def test_summary_and_information_criteria(cdnow_published):
    model = cl.clv.BetaGeo().fit(cdnow_published)
    table = model.summary()
    assert list(table.columns) == ["estimate", "standard_error", "lower_95%", "upper_95%"]
    assert ((table["lower_95%"] < table["estimate"]) & (table["estimate"] < table["upper_95%"])).all()
    assert table.attrs["log_likelihood"] == model.log_likelihood_
    assert model.aic_ == pytest.approx(8 - 2 * model.log_likelihood_)
    assert model.bic_ == pytest.approx(4 * np.log(2_357) - 2 * model.log_likelihood_)
    assert "BetaGeo(r=0.2426" in repr(model)


@pytest.mark.parametrize("model_class", [*PURCHASE_MODELS, cl.clv.GammaGamma, cl.clv.BetaGeoBetaBinom])
def test_json_round_trip_keeps_parameters_and_predictions(model_class, cdnow_weeks, tmp_path):
    data = cl.datasets.load_donations() if model_class is cl.clv.BetaGeoBetaBinom else cdnow_weeks
    weights = "weights" if model_class is cl.clv.BetaGeoBetaBinom else None
    model = model_class().fit(data, weights=weights)
    path = tmp_path / "model.json"
    model.to_json(path)
    document = json.loads(path.read_text())
    assert document["model"] == model_class.__name__ and "crmlab" in document["versions"]
    loaded = cl.clv.load_model(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_series_equal(loaded.standard_errors_, model.standard_errors_)
    for attribute in ("time_unit_", "data_info_", "n_excluded_", "log_likelihood_", "n_customers_", "aic_"):
        assert getattr(loaded, attribute, None) == getattr(model, attribute, None), attribute
    assert (loaded.penalizer, loaded.strategy, loaded.tol) == (model.penalizer, model.strategy, model.tol)
    if hasattr(model, "p_alive"):
        pd.testing.assert_series_equal(loaded.p_alive(data), model.p_alive(data))


def test_model_files_from_other_versions_say_so(cdnow_weeks, tmp_path):
    model = cl.clv.BetaGeo(penalizer=0.001).fit(cdnow_weeks)
    document = json.loads(model.to_json())
    older = {**document, "versions": {**document["versions"], "crmlab": "0.0.1"}}
    (tmp_path / "older.json").write_text(json.dumps(older))
    with pytest.warns(cl.errors.CrmlabWarning, match="written by crmlab 0.0.1"):
        loaded = cl.clv.load_model(tmp_path / "older.json")
    assert loaded.time_unit_ == "W" and loaded.penalizer == 0.001
    (tmp_path / "newer.json").write_text(json.dumps({**document, "format_version": 99}))
    with pytest.raises(DataError, match="format 99.*Upgrade crmlab"):
        cl.clv.load_model(tmp_path / "newer.json")
    first_layout = {k: v for k, v in document.items() if k not in ("format_version", "state")}
    first_layout["settings"] = {"penalizer": 0.001, "tol": 1e-10, "max_iter": 2000}
    (tmp_path / "first.json").write_text(json.dumps(first_layout))
    with pytest.warns(cl.errors.CrmlabWarning, match="does not record what the model was fitted on"):
        old = cl.clv.load_model(tmp_path / "first.json")
    with pytest.raises(DataError, match="pass time_unit="):
        cl.clv.customer_lifetime_value(old, 10.0, cdnow_weeks)
    (tmp_path / "garbage.json").write_text("{not json")
    with pytest.raises(DataError, match="not a crmlab model file"):
        cl.clv.load_model(tmp_path / "garbage.json")


def test_penalizer_shrinks_parameters(cdnow_published):
    plain = cl.clv.BetaGeo().fit(cdnow_published)
    shrunk = cl.clv.BetaGeo(penalizer=0.1).fit(cdnow_published)
    assert (shrunk.params_ < plain.params_).all()
    assert shrunk.log_likelihood_ < plain.log_likelihood_


def test_bad_data_gets_clear_errors(cdnow_published):
    with pytest.raises(MissingColumnError, match="missing \\['T'\\]"):
        cl.clv.BetaGeo().fit(cdnow_published.drop(columns="T"))
    with pytest.raises(DataError, match="recency is negative or larger than T"):
        cl.clv.BetaGeo().fit(cdnow_published.assign(recency=cdnow_published["T"] + 1))
    with pytest.raises(DataError, match="frequency is negative or not a whole number"):
        cl.clv.ParetoNBD().fit(cdnow_published.assign(frequency=0.5))
    with pytest.raises(DataError, match="missing or infinite"):
        cl.clv.BetaGeo().fit(cdnow_published.assign(T=np.nan))
    with pytest.raises(DataError, match="mean spend <= 0"):
        cl.clv.GammaGamma().fit(pd.DataFrame({"frequency": [1, 2], "monetary": [0.0, 5.0]}))
    with pytest.raises(DataError, match="not valid patterns"):
        cl.clv.BetaGeoBetaBinom().fit(pd.DataFrame({"frequency": [3], "recency": [2], "periods": [6]}))
    with pytest.raises(ValueError, match="penalizer"):
        cl.clv.BetaGeo(penalizer=-1).fit(cdnow_published)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        cl.clv.BetaGeo().p_alive(cdnow_published)


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
def test_bhhh_steps_reach_the_maximum_on_their_own(model_class, cdnow_published, monkeypatch):
    """BHHH steps (fitting._bhhh: the outer products of the customers' scores in place of the Hessian) converge
    on CDNOW without L-BFGS-B, from the first start, to the maximum L-BFGS-B reaches without them."""
    model = model_class(strategy="direct")
    prepared = model._prepare(cdnow_published, None)
    result = cl.clv.fitting._bhhh(model._objective(prepared, outer=True), model._start(prepared), 12.0, 1e-8)
    assert result.success and np.max(np.abs(result.jac)) <= 1e-8
    monkeypatch.setattr(cl.clv.fitting, "_BHHH_STEPS", 0)
    without = model_class(strategy="direct").fit(cdnow_published)
    np.testing.assert_allclose(np.exp(result.x), without.params_, rtol=1e-6)


# The curvature BHHH steps handed to BFGS on a 66-customer BG/NBD summary (35 customers without repeat purchases,
# 31 with one): a and b go to their limit, and the likelihood is flat along them to rounding.
_AT_A_LIMIT = np.array([[4.73760710e-01, -3.35864925e-01, 5.34745183e-10, -5.34745164e-10],
                        [-3.35864925e-01, 2.47028065e-01, -3.99151159e-10, 3.99151146e-10],
                        [5.34745183e-10, -3.99151159e-10, 1.13289985e-18, -1.13289981e-18],
                        [-5.34745164e-10, 3.99151146e-10, -1.13289981e-18, 1.13289977e-18]])


@pytest.mark.parametrize("curvature", [
    _AT_A_LIMIT, np.zeros((3, 3)), np.diag([1.0, 1e-13]), np.diag([1.0, -1e-3]), -np.eye(2),
    np.array([[1.0, 2.0], [2.0, 1.0]]), np.diag([1.0, np.nan]), np.diag([np.inf, 1.0])],
    ids=["at a limit", "zero", "condition 1e13", "indefinite", "negative definite", "saddle", "NaN", "infinite"])
def test_bfgs_from_a_curvature_without_a_usable_inverse_hands_back(curvature):
    """A curvature that is singular to rounding, indefinite or not finite gives BFGS no start (None: the caller
    climbs by L-BFGS-B), never SciPy's "'hess_inv0' matrix isn't positive definite", which CI met on the data set
    of tests/clv/test_several_maxima.py (_FLAT_ALONG_A_AND_B) whose curvature _AT_A_LIMIT gives to 9 digits."""
    def objective(theta):
        return float(theta @ theta), 2 * theta

    assert cl.clv.fitting._well_conditioned_inverse(curvature) is None
    assert cl.clv.fitting._bfgs_to_stationary(objective, np.ones(len(curvature)), curvature, 1e-8, 50) is None


@pytest.mark.parametrize("condition", [1.0, 1e3, 1e8, 1e11])
def test_a_well_conditioned_curvature_starts_bfgs_with_its_inverse(condition):
    """For positive definite curvatures up to the condition limit, the inverse is that of np.linalg.inv, exactly
    symmetric, and passes SciPy's own check of ``hess_inv0`` (symmetric, Cholesky factor)."""
    rotation = np.linalg.qr(np.random.default_rng(7).normal(size=(4, 4)))[0]
    curvature = rotation @ np.diag(np.geomspace(1.0, condition, 4)) @ rotation.T
    inverse = cl.clv.fitting._well_conditioned_inverse(curvature)
    assert scipy.linalg.issymmetric(inverse)
    scipy.linalg.cholesky(inverse)
    scipy.linalg.cholesky(inverse, lower=True)
    np.testing.assert_allclose(inverse @ curvature, np.eye(4), atol=1e-14 * condition)


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
@pytest.mark.parametrize("iterations", [1, 3])
def test_newton_steps_finish_what_lbfgsb_leaves(model_class, iterations, cdnow_published, monkeypatch):
    """L-BFGS-B (alone: no BHHH steps) stopped after one or three iterations, far from the maximum: the Newton polish
    (fitting.minimise) still ends at the maximum of an unrestricted fit (Pareto/NBD's beta, standard error 6.2, is
    flat to 1e-5)."""
    monkeypatch.setattr(cl.clv.fitting, "_BHHH_STEPS", 0)
    full = model_class(strategy="direct").fit(cdnow_published)
    stopped = model_class(strategy="direct", max_iter=iterations).fit(cdnow_published)
    np.testing.assert_allclose(stopped.params_, full.params_, rtol=1e-5)
    assert stopped.log_likelihood_ == pytest.approx(full.log_likelihood_, abs=1e-8)


def test_a_fit_that_cannot_finish_names_its_limits(monkeypatch, cdnow_published):
    """If neither the strategy nor any limit reaches a maximum, the ConvergenceError says what was tried."""
    def stuck(objective, theta0, **kwargs):
        return cl.clv.fitting.optimize.OptimizeResult(x=theta0, fun=objective(theta0)[0], jac=np.ones_like(theta0),
                                                      success=False, message="stuck", nit=0)

    monkeypatch.setattr(cl.clv.fitting, "minimise", stuck)
    with pytest.raises(ConvergenceError, match=r"did not converge: stuck.*No limit of the model fits either \(tried: "
                                               r"a, b → ∞; a = 1, b → ∞; .* r, alpha → ∞ and a, b → 0\)"):
        cl.clv.BetaGeo().fit(cdnow_published)


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
def test_predictions_are_probabilities_and_counts(model_class, cdnow_published):
    model = model_class().fit(cdnow_published)
    alive = model.p_alive(cdnow_published)
    assert alive.between(0, 1).all() and alive.index.equals(cdnow_published.index)
    expected = model.expected_purchases(39, cdnow_published)
    assert (expected >= 0).all() and np.isfinite(expected).all()
    assert (model.expected_purchases(78, cdnow_published) >= expected).all()
    assert model.probability_of_purchases_new_customer(np.arange(400), 39).sum() == pytest.approx(1.0, abs=1e-8)
    # the new-customer expectation is the mean of the distribution of X(t)
    n = np.arange(400)
    assert (n * model.probability_of_purchases_new_customer(n, 39)).sum() == pytest.approx(
        model.expected_purchases_new_customer(39), rel=1e-6)


def test_paretonbd_stays_finite_where_lifetimes_overflowed():
    # lifetimes' own regression case (tests/test_estimation.py::test_overflow_error) and CLVTools' P(alive) NaN case
    model = cl.clv.ParetoNBD()
    model.params_ = pd.Series({"r": 10.465, "alpha": 7.98565181e-03, "s": 3.0516, "beta": 2.820})
    extreme = pd.DataFrame({"frequency": [400.0, 500, 500], "recency": [5.0, 1, 4], "T": [6.0, 37, 37]})
    ll, grad = model._log_likelihood(np.log(model.params_.to_numpy()), {c: extreme[c].to_numpy() for c in extreme})
    assert np.isfinite(ll).all() and np.isfinite(grad).all()  # a density in t_x: its log may be positive
    model.params_ = pd.Series({"r": 0.5143, "alpha": 2.8845, "s": 0.2856, "beta": 14.1087})
    heavy = pd.DataFrame({"frequency": [221.0, 254, 161, 204], "recency": [103.42857, 97.14286, 94.71429, 98.57143],
                          "T": [103.57143, 97.28571, 98.0, 99.42857]})
    assert np.isfinite(model.p_alive(heavy)).all()


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
def test_customers_acquired_on_the_last_day_carry_no_information(model_class, cdnow_published):
    # T = 0: the likelihood of such a customer is exactly 1 under all three models
    newcomer = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]}, index=[10**6])
    with_newcomer = model_class().fit(pd.concat([cdnow_published, newcomer]))
    assert with_newcomer.log_likelihood_ == pytest.approx(model_class().fit(cdnow_published).log_likelihood_,
                                                          abs=1e-6)
    assert 0 < with_newcomer.p_alive(newcomer).item() <= 1


@pytest.mark.parametrize("model_class", PURCHASE_MODELS)
@pytest.mark.parametrize("stand_in", ["rounded rows", "subsample"])
@pytest.mark.parametrize("warm_iterations", [50, 0])
def test_two_stage_fits_reach_the_full_data_maximum(model_class, stand_in, warm_iterations, monkeypatch):
    """A first stage on rounded rows or on a subsample, then warm-started BFGS (or, when that stops short,
    L-BFGS-B) on all rows: the same MLE as the direct fit of all rows at once."""
    truth = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7} if model_class is cl.clv.ParetoNBD else \
        {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}
    simulate = cl.datasets.simulate_paretonbd if model_class is cl.clv.ParetoNBD else cl.datasets.simulate_bgnbd
    data = simulate(6_000, 39, seed=3, **truth)
    direct = model_class(strategy="direct").fit(data)
    monkeypatch.setattr(cl.clv._purchase, "_ROUNDED_STAND_IN_MIN_ROWS", 1_000)
    if stand_in == "subsample":
        monkeypatch.setattr(cl.clv._purchase, "_ROUNDED_STAND_IN_GRID", 10**9)  # nothing merges: subsample
        monkeypatch.setattr(cl.clv.base, "_STAND_IN_MIN_ROWS", 1_000)
        monkeypatch.setattr(cl.clv.base, "_STAND_IN_CUSTOMERS", 1_500)
    model = model_class(strategy=cl.clv.fitting.TwoStage(warm_iterations=warm_iterations))
    first_stage = model._stand_in(model._prepare(data, None))
    assert first_stage is not None and len(first_stage.counts) < 0.5 * len(data)
    two_stage = model.fit(data)
    np.testing.assert_allclose(two_stage.params_, direct.params_, rtol=1e-5)
    assert two_stage.log_likelihood_ == pytest.approx(direct.log_likelihood_, rel=1e-10)
    np.testing.assert_allclose(two_stage.standard_errors_, direct.standard_errors_, rtol=1e-4)


def test_a_failed_first_stage_falls_back_to_the_full_data(monkeypatch):
    data = cl.datasets.simulate_bgnbd(6_000, 39, seed=3, r=0.25, alpha=4.4, a=0.8, b=2.4)
    direct = cl.clv.BetaGeo(strategy="direct").fit(data)
    monkeypatch.setattr(cl.clv._purchase, "_ROUNDED_STAND_IN_MIN_ROWS", 1_000)
    calls = []
    maximise = cl.clv.fitting.Direct.maximise

    def failing_first_stage(self, model, prepared, theta0, tol=None):
        calls.append(len(prepared.counts))
        if len(calls) == 1:
            raise ConvergenceError("the first stage's likelihood has no interior maximum")
        return maximise(self, model, prepared, theta0, tol)

    monkeypatch.setattr(cl.clv.fitting.Direct, "maximise", failing_first_stage)
    model = cl.clv.BetaGeo().fit(data)
    assert len(calls) == 2 and calls[0] < calls[1]  # the rounded rows first, then all rows
    np.testing.assert_allclose(model.params_, direct.params_, rtol=1e-6)


def test_the_strategy_is_a_setting_with_a_clear_error():
    data = cl.datasets.load_cdnow_summary()
    with pytest.raises(ValueError, match="strategy must be one of"):
        cl.clv.BetaGeo(strategy="newton").fit(data)
    with pytest.raises(TypeError, match="maximise"):
        cl.clv.BetaGeo(strategy=object()).fit(data)
    assert isinstance(cl.clv.fitting.fit_strategy("auto"), cl.clv.fitting.TwoStage)


def test_fits_run_with_one_blas_thread_and_leave_the_setting_as_they_found_it(monkeypatch, cdnow_published):
    """L-BFGS-B would wake SciPy's OpenBLAS workers, which then spin beside a fit on four parameters."""
    def blas_threads():
        return [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    model = cl.clv.ParetoNBD()
    during = []
    likelihood = model._log_likelihood

    def recording_likelihood(*args, **kwargs):
        during.append(set(blas_threads()))
        return likelihood(*args, **kwargs)

    monkeypatch.setattr(model, "_log_likelihood", recording_likelihood)
    model.fit(cdnow_published)
    assert before and during and all(threads == {1} for threads in during)
    assert blas_threads() == before


@pytest.mark.parametrize("model_class", [*PURCHASE_MODELS, cl.clv.GammaGompertzNBD,
                                         lambda: cl.clv.BetaGeoCNBD(k=2)])
@pytest.mark.parametrize("column", ["frequency", "recency", "T"])
def test_text_in_a_model_column_is_a_column_type_error(model_class, column):
    data = pd.DataFrame({"frequency": [1.0, 0.0], "recency": [2.0, 0.0], "T": [4.0, 3.0], "litt": [0.5, 0.0]})
    data[column] = data[column].astype(str).str.replace(".", ",")  # a decimal comma: text, not numbers
    with pytest.raises(cl.errors.ColumnTypeError, match=column):
        model_class().fit(data, time_unit="W")


def test_distinct_rows_survive_colliding_hashes(monkeypatch):
    """Rows are grouped by a 64-bit hash and every row is checked against its group's first row: with every hash
    forced equal (a collision on all rows) the groups are still the distinct rows, numbered by first appearance;
    -0.0 and 0.0 are one value, as they are for a comparison."""
    columns = {"x": np.array([1.0, 2.0, 1.0, -0.0, 0.0, 2.0]), "y": np.array([3.0, 3.0, 3.0, 1.0, 1.0, 4.0])}
    expected_group, expected_first = [0, 1, 0, 2, 2, 3], [0, 1, 3, 5]
    for collide in (False, True):
        if collide:
            monkeypatch.setattr(cl.clv.base.pd.util, "hash_array", lambda values: np.zeros(len(values), "uint64"))
        group, first = cl.clv.base._row_groups(columns)
        assert group.tolist() == expected_group and first.tolist() == expected_first


@pytest.mark.parametrize("values", [
    np.array([3.0, 0.0, 3.0, 1.0, 7.0, 0.0]), np.zeros(5), np.array([2.0**40, 1.0]), np.array([0.5, 2.0, 0.5]),
    np.array([-1.0, 4.0, -1.0]), np.array([5, 9, 5, 160], dtype="int64"), np.array([], dtype="float64")],
    ids=["frequencies", "all zero", "beyond the table", "fractions", "negative", "integers", "empty"])
def test_dense_codes_are_the_sorted_factorisation(values):
    """Whole numbers coded through a table, anything else by pd.factorize: the same codes and values as
    pd.factorize(sort=True) either way, in the input's dtype."""
    codes, distinct = cl.clv.base.dense_codes(values)
    expected_codes, expected = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(distinct, expected)
    assert distinct.dtype == values.dtype

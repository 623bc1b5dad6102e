"""Pareto/NBD with Sarmanov-correlated purchase and dropout rates (``ParetoNBD(correlation=True)``, CLVTools' use.cor).

There is no published estimate to reproduce: CLVTools' vignettes (v0.12.1, "CLVTools.Rmd" §"Add Correlation to
the model" and the advanced-techniques vignette §3) show the call but no numbers, and say only that on the
apparel data "the correlation parameter is not significant and the correlation is very close to zero". So the
model is checked from its definition instead: its likelihood and every prediction against a two-dimensional
quadrature of the Sarmanov density (independent of the four-component identity the code uses), the
simulator's draws against the correlation they were asked for, parameter recovery on simulated customers,
and that statement on the apparel data.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import crmlab as cl
from crmlab.clv.correlation import correlation_bounds
from crmlab.errors import CrmlabWarning, PredictionError
from crmlab.simulation import _sarmanov_rates, simulate_paretonbd

R, ALPHA, S, BETA = 0.8, 2.0, 0.6, 3.0
CUSTOMERS = pd.DataFrame({"frequency": [0.0, 2.0, 5.0], "recency": [0.0, 3.5, 1.0], "T": [5.0, 6.0, 8.0]})


def _tanh_sinh(step=1 / 32, reach=4.0):
    t = np.arange(-reach, reach + step / 2, step)
    inner = np.pi / 2 * np.sinh(t)
    nodes = 0.5 * (1 + np.tanh(inner))
    weights = 0.5 * step * np.pi / 2 * np.cosh(t) / np.cosh(inner) ** 2
    keep = (nodes > 0) & (nodes < 1)
    return nodes[keep], weights[keep]


class SarmanovQuadrature:
    """E[g(λ, μ)] under the Sarmanov density, by tanh-sinh quadrature over the gamma quantiles (u, v) ∈ (0, 1)²:
    λ = G⁻¹(u), μ = H⁻¹(v), so E[g] = ∫∫ g(λ, μ) (1 + ω(e^-λ − L_A)(e^-μ − L_B)) du dv."""

    def __init__(self, r, alpha, s, beta, correlation):
        u, w = _tanh_sinh()
        self.rate = stats.gamma.ppf(u, r, scale=1 / alpha)[:, None]
        self.death = stats.gamma.ppf(u, s, scale=1 / beta)[None, :]
        laplace_a, laplace_b = (alpha / (alpha + 1)) ** r, (beta / (beta + 1)) ** s
        omega = correlation * (1 + alpha) * (1 + beta) / np.sqrt(r * s) / (laplace_a * laplace_b)
        kernel = (np.exp(-self.rate) - laplace_a) * (np.exp(-self.death) - laplace_b)
        self.weight = np.outer(w, w) * (1 + omega * kernel)

    def expect(self, values):
        return float(np.sum(self.weight * values))

    def alive_part(self, x, t_x, T):
        """λ^x e^-(λ+μ)T: the likelihood's share of a customer still alive at T."""
        return self.rate ** x * np.exp(-(self.rate + self.death) * T)

    def likelihood(self, x, t_x, T):
        """Fader & Hardie (2005) eq. 3: L(x, t_x, T | λ, μ)."""
        both = self.rate + self.death
        dead = self.rate ** x * self.death / both * (np.exp(-both * t_x) - np.exp(-both * T))
        return self.alive_part(x, t_x, T) + dead


def _model_at(correlation):
    """A correlated Pareto/NBD with the test's parameters, set without fitting."""
    fitted = cl.clv.ParetoNBD(correlation=True).fit(simulate_paretonbd(2000, 10, r=R, alpha=ALPHA, s=S, beta=BETA,
                                                                        correlation=0.05, seed=4))
    params = np.array([R, ALPHA, S, BETA, correlation])
    return fitted.at_theta(fitted._theta_from_params(params))


@pytest.fixture(scope="module", params=[0.6, -0.8, 0.0], ids=["positive", "negative", "none"])
def case(request):
    low, high = correlation_bounds(R, ALPHA, S, BETA)
    rho = request.param * (high if request.param > 0 else -low)
    return _model_at(rho), SarmanovQuadrature(R, ALPHA, S, BETA, rho), rho


def test_likelihood_is_the_integral_over_the_sarmanov_density(case):
    model, quadrature, _ = case
    columns = {c: CUSTOMERS[c].to_numpy() for c in CUSTOMERS}
    ll = model._log_likelihood(model._theta(), columns)[0]
    expected = [quadrature.expect(quadrature.likelihood(*row)) for row in CUSTOMERS.itertuples(index=False)]
    np.testing.assert_allclose(np.exp(ll), expected, rtol=1e-9)


def test_predictions_are_posterior_expectations_under_the_sarmanov_density(case):
    model, q, _ = case
    t, delta = 4.0, 0.02
    rows = list(CUSTOMERS.itertuples(index=False))
    likelihood = np.array([q.expect(q.likelihood(*row)) for row in rows])

    def posterior(of_alive):
        return np.array([q.expect(q.alive_part(*row) * of_alive) for row in rows]) / likelihood

    both = q.rate + q.death
    np.testing.assert_allclose(model.p_alive(CUSTOMERS), posterior(1.0), rtol=1e-8)
    np.testing.assert_allclose(model.p_alive(CUSTOMERS, t), posterior(np.exp(-q.death * t)), rtol=1e-8)
    np.testing.assert_allclose(model.expected_purchases(t, CUSTOMERS),
                               posterior(q.rate / q.death * -np.expm1(-q.death * t)), rtol=1e-8)
    no_purchase = np.exp(-both * t) + q.death / both * -np.expm1(-both * t)
    np.testing.assert_allclose(model.probability_no_purchases(t, CUSTOMERS),
                               1 - posterior(1.0) + posterior(no_purchase), rtol=1e-8)
    np.testing.assert_allclose(model.expected_residual_transactions(CUSTOMERS, delta),
                               posterior(q.rate / (q.death + delta)), rtol=1e-8)
    horizons = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(model.cumulative_expected_purchases(horizons, CUSTOMERS),
                               np.column_stack([posterior(q.rate / q.death * -np.expm1(-q.death * h))
                                                for h in horizons]), rtol=1e-8)
    np.testing.assert_allclose(model.expected_purchases_new_customer(t),
                               q.expect(q.rate / q.death * -np.expm1(-q.death * t)), rtol=1e-8)
    np.testing.assert_allclose(model.probability_of_purchases_new_customer(0, t), q.expect(no_purchase), rtol=1e-8)


def test_no_correlation_is_the_plain_model():
    model = _model_at(0.0)
    plain = cl.clv.ParetoNBD()
    plain.params_ = pd.Series({"r": R, "alpha": ALPHA, "s": S, "beta": BETA}, name="estimate")
    columns = {c: CUSTOMERS[c].to_numpy() for c in CUSTOMERS}
    np.testing.assert_allclose(model._log_likelihood(model._theta(), dict(columns))[0],
                               plain._log_likelihood(plain._theta(), dict(columns))[0], rtol=1e-12)
    np.testing.assert_allclose(model.expected_purchases(3.0, CUSTOMERS), plain.expected_purchases(3.0, CUSTOMERS),
                               rtol=1e-12)


def test_gradient_matches_finite_differences_with_covariates():
    rng = np.random.default_rng(7)
    data = simulate_paretonbd(300, 12, r=R, alpha=ALPHA, s=S, beta=BETA, seed=2)
    data["z"] = rng.integers(0, 2, len(data)).astype(float)
    model = cl.clv.ParetoNBD(purchase_covariates=["z"], dropout_covariates=["z"], correlation=True)
    prepared = model._prepare(data, None)
    theta = np.array([np.log(R), np.log(ALPHA), np.log(S), np.log(BETA), 0.3, -0.2, 0.7])
    value, gradient = model._objective(prepared)(theta)
    step = 1e-6
    numeric = [(model._objective(prepared)(theta + step * e)[0] - model._objective(prepared)(theta - step * e)[0])
               / (2 * step) for e in np.eye(len(theta))]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)


def test_the_simulator_draws_the_correlation_and_the_marginals_asked_for():
    rate, death = _sarmanov_rates(np.random.default_rng(0), 400_000, 0.5, 0.5, 0.5, 0.5, 0.2)
    assert np.corrcoef(rate, death)[0, 1] == pytest.approx(0.2, abs=0.01)
    assert rate.mean() == pytest.approx(1.0, rel=0.02) and death.var() == pytest.approx(2.0, rel=0.05)  # r/α, s/β²
    with pytest.raises(ValueError, match="outside the range"):
        simulate_paretonbd(10, 5, r=0.5, alpha=0.5, s=0.5, beta=0.5, correlation=0.5, seed=1)


def test_recovers_a_correlation_and_tests_it_against_independence():
    data = simulate_paretonbd(5000, 20, r=0.5, alpha=0.5, s=0.5, beta=0.5, correlation=0.2, seed=1)
    model = cl.clv.ParetoNBD(correlation=True).fit(data)
    rho, se = model.params_["correlation"], model.standard_errors_["correlation"]
    assert model.limit_ is None and abs(rho - 0.2) < 3 * se and se < 0.03
    summary = model.summary()
    assert summary.loc["correlation", "p_value"] < 1e-6
    test = cl.clv.likelihood_ratio_test(cl.clv.ParetoNBD().fit(data), model)
    assert test.df == 1 and test.p_value < 1e-6
    # the Wald interval, cut to the range the family allows
    low, high = model.confidence_intervals().loc["correlation"]
    assert low < rho < high <= correlation_bounds(*model._param_values())[1]


def test_independent_rates_give_an_insignificant_correlation():
    data = simulate_paretonbd(5000, 20, r=0.5, alpha=0.5, s=0.5, beta=0.5, seed=5)
    model = cl.clv.ParetoNBD(correlation=True).fit(data)
    assert abs(model.params_["correlation"]) < 3 * model.standard_errors_["correlation"]


def test_cdnow_wants_more_correlation_than_the_family_allows():
    summary = cl.datasets.load_cdnow_summary()
    plain = cl.clv.ParetoNBD().fit(summary)
    with pytest.warns(CrmlabWarning, match="upper bound"):
        model = cl.clv.ParetoNBD(correlation=True).fit(summary)
    assert "as positively correlated as the Sarmanov family allows" in model.limit_
    assert model.log_likelihood_ > plain.log_likelihood_ + 1.0
    assert model.params_["correlation"] == pytest.approx(correlation_bounds(*model._param_values())[1], rel=1e-9)
    assert np.isinf(model.standard_errors_["correlation"]) and np.isnan(model.summary().loc["correlation", "z"])
    assert np.all(np.isfinite(model.standard_errors_[["r", "alpha", "s", "beta"]]))
    with pytest.raises(PredictionError, match="bootstrap"):
        cl.clv.intervals.parameter_draws(model, 10, seed=1)
    assert np.all(np.isfinite(model.expected_purchases(10, summary)))


def test_apparel_correlation_is_near_zero_and_not_significant(apparel):
    """CLVTools.Rmd, "Add Correlation to the model": on the apparel data "the correlation parameter is not
    significant and the correlation is very close to zero"."""
    plain = cl.clv.ParetoNBD().fit(apparel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrmlabWarning)
        model = cl.clv.ParetoNBD(correlation=True).fit(apparel)
        test = cl.clv.likelihood_ratio_test(plain, model)
    assert abs(model.params_["correlation"]) < 0.02 and test.p_value > 0.05


def test_with_covariates_the_fit_nests_the_covariate_fit(apparel):
    both = ["Gender", "Channel"]
    covariates = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both).fit(apparel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrmlabWarning)
        model = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both, correlation=True).fit(apparel)
    assert model.log_likelihood_ >= covariates.log_likelihood_ - 1e-6
    assert list(model.params_.index)[-1] == "correlation" and model.coefficient_names == covariates.coefficient_names
    assert np.all(np.isfinite(model.p_alive(apparel)))


def test_saved_and_loaded_with_its_correlation(tmp_path):
    data = simulate_paretonbd(3000, 20, r=0.5, alpha=0.5, s=0.5, beta=0.5, correlation=0.15, seed=2)
    model = cl.clv.ParetoNBD(correlation=True).fit(data)
    path = tmp_path / "model.json"
    model.to_json(path)
    assert json.loads(path.read_text())["settings"]["correlation"] is True
    loaded = cl.clv.load_model(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_series_equal(loaded.expected_purchases(5, data), model.expected_purchases(5, data))


def test_intervals_from_parameter_draws_include_the_correlation():
    data = simulate_paretonbd(3000, 20, r=0.5, alpha=0.5, s=0.5, beta=0.5, correlation=0.15, seed=2)
    model = cl.clv.ParetoNBD(correlation=True).fit(data)
    draws = cl.clv.intervals.parameter_draws(model, 40, seed=3)
    low, high = correlation_bounds(*model._param_values())
    assert draws["correlation"].std() > 0
    interval = cl.clv.intervals.prediction_interval(model, data.head(50), "expected_purchases", draws=draws, t=10)
    estimate = model.expected_purchases(10, data.head(50)).to_numpy()
    assert np.all(interval["lower"].to_numpy() <= estimate + 1e-12)
    assert np.all(estimate <= interval["upper"].to_numpy() + 1e-12)
    assert low < model.params_["correlation"] < high


@pytest.mark.parametrize("setting", ["yes", 1, None])
def test_correlation_must_be_true_or_false(setting):
    data = simulate_paretonbd(200, 10, r=R, alpha=ALPHA, s=S, beta=BETA, seed=1)
    with pytest.raises(TypeError, match="correlation must be True or False"):
        cl.clv.ParetoNBD(correlation=setting).fit(data)


def test_a_starting_correlation_can_be_given():
    data = simulate_paretonbd(3000, 20, r=0.5, alpha=0.5, s=0.5, beta=0.5, correlation=0.15, seed=2)
    default = cl.clv.ParetoNBD(correlation=True).fit(data)
    started = cl.clv.ParetoNBD(correlation=True, initial_params={"correlation": 0.1}).fit(data)
    assert started.log_likelihood_ == pytest.approx(default.log_likelihood_, abs=1e-6)


def test_a_limit_of_the_plain_model_leaves_no_correlation_to_estimate():
    """Customers who never drop out (gamma-Poisson buying for 30 weeks): the plain fit is the NBD limit (μ ≡ 0), where
    Cor(λ, μ) does not exist, and the correlated fit says so instead of returning a number."""
    rng = np.random.default_rng(0)
    frequency = rng.poisson(rng.gamma(1.0, 1 / 2.0, 1000) * 30.0)
    recency = np.where(frequency > 0, 30.0 * rng.random(1000) ** (1 / np.maximum(frequency, 1)), 0.0)
    data = pd.DataFrame({"frequency": frequency, "recency": recency, "T": 30.0})
    with pytest.warns(CrmlabWarning, match="no customer ever dies"):
        assert cl.clv.ParetoNBD().fit(data, time_unit="W").limit_ is not None
    with pytest.raises(cl.errors.ConvergenceError, match="correlation is not identified"):
        cl.clv.ParetoNBD(correlation=True).fit(data, time_unit="W")

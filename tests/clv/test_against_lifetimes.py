"""Cross-check with lifetimes 0.11.3, an independent implementation: same MLE and log-likelihood.

lifetimes rescales the data and minimises the mean negative log-likelihood with
Nelder-Mead; we compare parameters within 1e-4 relative where its optimiser
converges, and its own log-likelihood function at both optima.
"""

from __future__ import annotations

import numpy as np
import pytest

import crmlab as cl

fitters = pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def cdnow_master_weeks():
    return cl.customer_summary(cl.datasets.load_cdnow("master"), observation_end="1997-09-30", time_unit="W")


def peer_log_likelihood(fitter, params: np.ndarray, data) -> float:
    """lifetimes' own log-likelihood function, on the unscaled data."""
    x, t_x, T = (data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    ones = np.ones_like(x)
    if fitter is fitters.ParetoNBDFitter:  # takes natural parameters, divides by the mean weight
        return -fitter._negative_log_likelihood(params, x, t_x, T, ones, 0.0)
    return -fitter._negative_log_likelihood(np.log(params), x, t_x, T, ones, 0.0) * len(x)


@pytest.mark.parametrize("ours, theirs", [(cl.clv.BetaGeo, "BetaGeoFitter"),
                                          (cl.clv.ModifiedBetaGeo, "ModifiedBetaGeoFitter"),
                                          (cl.clv.ParetoNBD, "ParetoNBDFitter")])
def test_same_mle_as_lifetimes_on_cdnow_master(ours, theirs, cdnow_master_weeks):
    data = cdnow_master_weeks
    model = ours().fit(data)
    fitter = getattr(fitters, theirs)
    np.random.seed(0)  # lifetimes starts Nelder-Mead from np.random.normal(1, 0.05): make its result reproducible
    peer = fitter().fit(data["frequency"], data["recency"], data["T"])
    peer_params = np.array([peer.params_[name] for name in ours.param_names])
    np.testing.assert_allclose(model.params_.to_numpy(), peer_params, rtol=1e-3)
    theirs_at_their_optimum = peer_log_likelihood(fitter, peer_params, data)
    theirs_at_our_optimum = peer_log_likelihood(fitter, model.params_.to_numpy(), data)
    assert model.log_likelihood_ == pytest.approx(theirs_at_our_optimum, rel=1e-10)  # the same function
    assert model.log_likelihood_ == pytest.approx(theirs_at_their_optimum, rel=1e-4)
    assert model.log_likelihood_ >= theirs_at_their_optimum - 1e-6  # and ours is at least as high


def test_same_gamma_gamma_as_lifetimes_on_cdnow_master(cdnow_master_weeks):
    repeat = cdnow_master_weeks[(cdnow_master_weeks["frequency"] > 0) & (cdnow_master_weeks["monetary"] > 0)]
    model = cl.clv.GammaGamma().fit(repeat)
    peer = fitters.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary"])
    np.testing.assert_allclose(model.params_.to_numpy(), [peer.params_[k] for k in ("p", "q", "v")], rtol=1e-3)
    ours_spend = model.expected_spend(repeat)
    theirs_spend = peer.conditional_expected_average_profit(repeat["frequency"], repeat["monetary"])
    np.testing.assert_allclose(ours_spend, theirs_spend, rtol=2e-3)


def test_same_predictions_as_lifetimes_at_equal_parameters(cdnow_published):
    model = cl.clv.BetaGeo().fit(cdnow_published)
    peer = fitters.BetaGeoFitter()
    peer.params_ = dict(model.params_)
    x, t_x, T = cdnow_published["frequency"], cdnow_published["recency"], cdnow_published["T"]
    np.testing.assert_allclose(model.p_alive(cdnow_published), peer.conditional_probability_alive(x, t_x, T),
                               rtol=1e-10)
    np.testing.assert_allclose(model.expected_purchases(10, cdnow_published),
                               peer.conditional_expected_number_of_purchases_up_to_time(10, x, t_x, T), rtol=1e-8)
    pareto = cl.clv.ParetoNBD().fit(cdnow_published)
    peer = fitters.ParetoNBDFitter()
    peer.params_ = dict(pareto.params_)
    np.testing.assert_allclose(pareto.p_alive(cdnow_published), peer.conditional_probability_alive(x, t_x, T),
                               rtol=1e-8)
    np.testing.assert_allclose(pareto.expected_purchases(10, cdnow_published),
                               peer.conditional_expected_number_of_purchases_up_to_time(10, x, t_x, T), rtol=1e-8)


@pytest.mark.parametrize("ours, theirs, simulate, truth", [
    (cl.clv.BetaGeo, "BetaGeoFitter", cl.datasets.simulate_bgnbd, {"r": 0.4, "alpha": 6.0, "a": 1.2, "b": 3.0}),
    (cl.clv.ParetoNBD, "ParetoNBDFitter", cl.datasets.simulate_paretonbd,
     {"r": 0.8, "alpha": 8.0, "s": 0.9, "beta": 15.0}),
])
def test_same_mle_as_lifetimes_on_simulated_data(ours, theirs, simulate, truth):
    data = simulate(4000, 52, seed=7, **truth)
    model = ours().fit(data)
    fitter = getattr(fitters, theirs)
    np.random.seed(0)  # see above
    peer = fitter().fit(data["frequency"], data["recency"], data["T"])
    peer_params = np.array([peer.params_[name] for name in ours.param_names])
    np.testing.assert_allclose(model.params_.to_numpy(), peer_params, rtol=1e-3)
    assert model.log_likelihood_ == pytest.approx(peer_log_likelihood(fitter, peer_params, data), rel=1e-4)

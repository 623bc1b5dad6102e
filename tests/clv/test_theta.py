"""The optimisation vector θ of a fitted model: ``theta_``, ``covariance_theta_`` and ``at_theta``."""

from __future__ import annotations

import numpy as np
import pytest

import crmlab as cl
from crmlab.errors import NotFittedError


@pytest.fixture(scope="module")
def bgnbd(cdnow_published):
    return cl.clv.BetaGeo().fit(cdnow_published)


def test_theta_is_the_log_of_the_parameters_and_its_covariance_gives_the_standard_errors(bgnbd):
    np.testing.assert_allclose(bgnbd.theta_, np.log(bgnbd.params_.to_numpy()))
    # delta method: se(φ) = φ se(θ)
    np.testing.assert_allclose(bgnbd.params_.to_numpy() * np.sqrt(np.diag(bgnbd.covariance_theta_)),
                               bgnbd.standard_errors_.to_numpy())
    bgnbd.covariance_theta_[0, 0] = -1.0  # a copy: the model is not changed through it
    assert bgnbd.covariance_theta_[0, 0] > 0


def test_at_theta_predicts_at_the_new_parameters_without_refitting(bgnbd, cdnow_published):
    shifted = bgnbd.theta_ + np.array([0.1, -0.2, 0.05, 0.0])
    copy = bgnbd.at_theta(shifted)
    np.testing.assert_allclose(copy.theta_, shifted)
    assert copy.log_likelihood_ == bgnbd.log_likelihood_
    assert copy.time_unit_ == bgnbd.time_unit_
    by_hand = cl.clv.BetaGeo()  # a model given the same parameters directly
    by_hand.params_, by_hand.time_unit_ = copy.params_, copy.time_unit_
    np.testing.assert_allclose(copy.expected_purchases(10, cdnow_published),
                               by_hand.expected_purchases(10, cdnow_published))
    assert not np.allclose(copy.p_alive(cdnow_published), bgnbd.p_alive(cdnow_published))
    np.testing.assert_allclose(bgnbd.at_theta(bgnbd.theta_).p_alive(cdnow_published), bgnbd.p_alive(cdnow_published))


def test_at_theta_refuses_a_vector_of_the_wrong_length_or_with_non_finite_values(bgnbd):
    for bad in ([0.0, 1.0], [0.0, np.nan, 0.0, 0.0], [[0.0] * 4]):
        with pytest.raises(ValueError, match="4 finite numbers"):
            bgnbd.at_theta(bad)


def test_theta_survives_saving_and_loading(bgnbd, tmp_path):
    path = tmp_path / "model.json"
    bgnbd.to_json(path)
    loaded = cl.clv.load_model(path)
    np.testing.assert_allclose(loaded.theta_, bgnbd.theta_)
    np.testing.assert_allclose(loaded.covariance_theta_, bgnbd.covariance_theta_)


def test_an_unfitted_model_has_no_theta():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        _ = cl.clv.ParetoNBD().theta_
    with pytest.raises(NotFittedError, match="not fitted yet"):
        cl.clv.ParetoNBD().at_theta([0.0] * 4)

"""Covariates of the spend (Gamma-Gamma) and contractual retention (sBG) models: recovery on simulated data.

No peer implements these; the definitions are crmlab's (docstrings of GammaGamma and ShiftedBetaGeometric):
Gamma-Gamma ν_i ~ Gamma(q, γ e^(δ'w_i)), so the expected spend per transaction is pγ/(q−1) e^(δ'w_i); sBG
θ_i ~ Beta(γ, δ e^(β'w_i)). The data are simulated from exactly these stories, so the truth is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import ColumnTypeError, MissingColumnError


def within(model, truth, width=3.5):
    error = (model.params_[list(truth)] - pd.Series(truth)) / model.standard_errors_[list(truth)]
    assert (error.abs() < width).all(), error


@pytest.fixture(scope="module")
def spend():
    rng = np.random.default_rng(11)
    n = 4000
    w = pd.DataFrame({"premium": rng.integers(0, 2, n).astype(float), "age": np.round(rng.normal(size=n), 1)})
    frequency = rng.poisson(3.0, n)
    gamma = 15.0 * np.exp(0.6 * w["premium"].to_numpy() - 0.2 * w["age"].to_numpy())
    data = cl.datasets.simulate_gammagamma(frequency, p=6.0, q=4.0, gamma=gamma, seed=12)
    return data[["frequency", "monetary"]].join(w)


def test_gamma_gamma_recovers_the_spend_coefficients(spend):
    model = cl.clv.GammaGamma(spend_covariates=["premium", "age"]).fit(spend)
    within(model, {"p": 6.0, "q": 4.0, "gamma": 15.0, "spend:premium": 0.6, "spend:age": -0.2})
    assert model.n_excluded_ == int((spend["frequency"] == 0).sum())
    # a customer without repeat purchases gets the covariate-adjusted population mean p γ e^(δ'w) / (q - 1)
    new = pd.DataFrame({"frequency": [0, 0], "monetary": [0.0, 0.0], "premium": [0.0, 1.0], "age": [0.0, 0.0]})
    expected = model.expected_spend(new)
    assert expected.iloc[0] == pytest.approx(model.mean_spend(), rel=1e-12)
    assert expected.iloc[1] / expected.iloc[0] == pytest.approx(np.exp(model.params_["spend:premium"]), rel=1e-12)
    with pytest.raises(MissingColumnError, match="age"):
        model.expected_spend(new.drop(columns="age"))


def test_gamma_gamma_covariate_gradient_and_bad_input(spend):
    model = cl.clv.GammaGamma(spend_covariates=["premium", "age"])
    model._check_settings()
    objective = model._objective(model._prepare(spend.iloc[:500], None))
    theta = np.array([1.5, 1.2, 2.5, 0.3, -0.1])
    gradient = objective(theta)[1]
    numeric = [(objective(theta + h)[0] - objective(theta - h)[0]) / 2e-6 for h in 1e-6 * np.eye(5)]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)
    with pytest.raises(ColumnTypeError, match="premium"):
        cl.clv.GammaGamma(spend_covariates=["premium"]).fit(spend.assign(premium=spend["premium"].map({0: "no",
                                                                                                     1: "yes"})))
    with pytest.raises(TypeError, match="list of column names"):
        cl.clv.GammaGamma(spend_covariates="premium").fit(spend)


def test_sbg_recovers_the_retention_coefficient():
    rng = np.random.default_rng(21)
    n, horizon = 6000, 8
    loyal = rng.integers(0, 2, n).astype(float)
    theta = rng.beta(0.7, 2.0 * np.exp(0.9 * loyal))
    cancels = rng.geometric(theta)  # the period in which the customer cancels
    rows = pd.DataFrame({"period": np.minimum(cancels, horizon), "churned": (cancels <= horizon).astype(int),
                         "loyal": loyal})
    model = cl.clv.ShiftedBetaGeometric(retention_covariates=["loyal"]).fit(rows)
    within(model, {"gamma": 0.7, "delta": 2.0, "retention:loyal": 0.9})
    active = pd.DataFrame({"period": [3, 3], "churned": [0, 0], "loyal": [0.0, 1.0]})
    renewals = model.expected_purchases(4, active)
    assert renewals.iloc[1] > renewals.iloc[0]  # loyal customers renew more
    plain = cl.clv.ShiftedBetaGeometric()
    plain.params_ = pd.Series({"gamma": model.params_["gamma"],
                               "delta": model.params_["delta"] * np.exp(model.params_["retention:loyal"])})
    plain.time_unit_ = "period"
    assert renewals.iloc[1] == pytest.approx(plain.expected_purchases(4, active[["period", "churned"]]).iloc[1])

"""Static-covariate Pareto/NBD fits reproduce CLVTools' published apparel results.

Source: CLVTools v0.12.1 (github bachmannpatrick/CLVTools, commit 1b06356), vignette
``vignettes/CLVTools_advanced_techniques.pdf`` ("Advanced and Very Advanced Modeling Techniques in
CLVTools", Meierer, Schilter, Näf & Bachmann, 2025-09-21): section 4 (unconstrained and Gender-constrained
fits, LR test), section 2 (regularisation, reg.lambdas = c(trans = 0.1, life = 0.2)) and section 6 (the
model without covariates, its standard errors). CLVTools' "trans" process is crmlab's purchase process,
"life" its dropout process, "constr.Gender" crmlab's "shared:Gender".

Log-likelihoods are tested tightly (CLVTools prints them to 4 decimals). The Pareto/NBD likelihood is flat
along a ridge in (s, β) — β's standard error is 70 % of the estimate — so CLVTools' optimiser (L-BFGS-B, stopped
by its own tolerance) and ours stop at points of the ridge that differ in the third digit of β; parameters are
compared loosely (relative 2e-3 for the well-determined ones, 1e-2 for s and β), as their standard errors
make any difference far below what the data can tell.
"""

from __future__ import annotations

import numpy as np
import pytest

import crmlab as cl

BOTH = ["Gender", "Channel"]
# advanced-techniques vignette, section 4, summary(est.pnbd.full)
FULL = {"r": 1.8378, "alpha": 92.9123, "s": 0.5920, "beta": 49.6227, "dropout:Gender": -0.6430,
        "dropout:Channel": 0.7907, "purchase:Gender": 0.2859, "purchase:Channel": 0.6241}
FULL_SE = {"r": 0.3455, "alpha": 16.9670, "s": 0.2609, "beta": 36.2509, "dropout:Gender": 0.2955,
           "dropout:Channel": 0.3059, "purchase:Gender": 0.1041, "purchase:Channel": 0.1050}
FULL_LL, FULL_AIC, FULL_BIC = -5821.0627, 11658.1254, 11693.3009
# section 4, summary(est.pnbd.constr), names.cov.constr = "Gender"
CONSTRAINED = {"r": 1.7939, "alpha": 94.7223, "s": 0.4287, "beta": 59.0743, "dropout:Channel": 1.0228,
               "purchase:Channel": 0.6384, "shared:Gender": 0.3283}
CONSTRAINED_LL = -5826.5342
# section 4, lrtest(est.pnbd.constr, est.pnbd.full): Chisq 10.943 on 1 df, p 0.0009396
LR_STATISTIC, LR_P = 10.943, 0.0009396
# section 2, reg.lambdas = c(trans = 0.1, life = 0.2): the "LL" row is the penalised objective -LL/N + penalty, negated
REGULARISED = {"r": 1.73887, "alpha": 69.85288, "s": 0.53350, "beta": 39.68346, "dropout:Gender": -0.04437,
               "dropout:Channel": 0.02465, "purchase:Gender": 0.17178, "purchase:Channel": 0.23676}
REGULARISED_OBJECTIVE = -9.7313
# section 6, the model without covariates and its standard errors (hessian() added after the fit)
PLAIN = {"r": 1.4489768, "alpha": 48.6360845, "s": 0.5612598, "beta": 46.8843633}
PLAIN_SE = {"r": 0.2434282, "alpha": 7.4891816, "s": 0.2710479, "beta": 35.6114114}
LOOSE = {"s": 1e-2, "beta": 1e-2}


def assert_params(model, expected, rtol=2e-3, atol=1e-3):
    for name, value in expected.items():
        assert model.params_[name] == pytest.approx(value, rel=LOOSE.get(name, rtol), abs=atol), name


@pytest.fixture(scope="module")
def full(apparel):
    return cl.clv.ParetoNBD(purchase_covariates=BOTH, dropout_covariates=BOTH).fit(apparel)


@pytest.fixture(scope="module")
def constrained(apparel):
    return cl.clv.ParetoNBD(purchase_covariates=BOTH, dropout_covariates=BOTH, shared_covariates=["Gender"]).fit(
        apparel)


def test_apparel_summary_is_clvtools_estimation_period(apparel):
    assert len(apparel) == 600 and (apparel["T"] == 104).all()
    assert apparel["frequency"].sum() == 1266  # 3,187 transactions, same-day ones merged, minus 600 first purchases


def test_unconstrained_fit(full):
    assert full.log_likelihood_ == pytest.approx(FULL_LL, abs=1e-3)
    assert full.aic_ == pytest.approx(FULL_AIC, abs=2e-3) and full.bic_ == pytest.approx(FULL_BIC, abs=2e-3)
    assert_params(full, FULL)
    for name, se in FULL_SE.items():
        assert full.standard_errors_[name] == pytest.approx(se, rel=LOOSE.get(name, 5e-3) * 2), name
    table = full.summary()
    assert table.loc["purchase:Channel", "z"] == pytest.approx(5.946, abs=5e-3)  # z-val in the vignette
    assert table.loc["dropout:Gender", "p_value"] == pytest.approx(0.02957, abs=5e-4)
    assert np.isnan(table.loc["r", "z"])  # CLVTools gives no z for the model parameters either


def test_constrained_fit_and_likelihood_ratio_test(full, constrained):
    assert constrained.log_likelihood_ == pytest.approx(CONSTRAINED_LL, abs=1e-3)
    assert_params(constrained, CONSTRAINED)
    assert list(constrained.params_.index[4:]) == ["purchase:Channel", "dropout:Channel", "shared:Gender"]
    test = cl.clv.likelihood_ratio_test(constrained, full)
    assert test.statistic == pytest.approx(LR_STATISTIC, abs=2e-3) and test.df == 1
    assert test.p_value == pytest.approx(LR_P, rel=2e-3)


def test_regularised_fit_reports_clvtools_objective(apparel):
    model = cl.clv.ParetoNBD(purchase_covariates=BOTH, dropout_covariates=BOTH,
                             covariate_penalty={"purchase": 0.1, "dropout": 0.2}).fit(apparel)
    assert model.objective_ == pytest.approx(REGULARISED_OBJECTIVE, abs=1e-4)
    assert_params(model, REGULARISED, atol=2e-3)
    penalty = 0.1 * (model.params_["purchase:Gender"] ** 2 + model.params_["purchase:Channel"] ** 2) + \
        0.2 * (model.params_["dropout:Gender"] ** 2 + model.params_["dropout:Channel"] ** 2)
    assert model.objective_ == pytest.approx(model.log_likelihood_ / 600 - penalty, rel=1e-12)


def test_model_without_covariates_and_its_standard_errors(apparel):
    model = cl.clv.ParetoNBD().fit(apparel)
    assert_params(model, PLAIN)
    for name, se in PLAIN_SE.items():
        assert model.standard_errors_[name] == pytest.approx(se, rel=LOOSE.get(name, 5e-3) * 2), name

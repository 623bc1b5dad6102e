"""The shifted-beta-geometric model against Fader & Hardie (2007) and an independent implementation.

Data: Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1), table 1 —
survivors per 1,000 of the "high end" and "regular" cohorts over the first seven years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


@pytest.mark.parametrize("survivors, published", [(HIGH_END, [0.668, 3.806]), (REGULAR, [0.704, 1.182])])
def test_reproduces_the_published_estimates(survivors, published):
    model = cl.clv.ShiftedBetaGeometric().fit_survivors(survivors)
    assert model.params_.round(3).tolist() == published  # Fader & Hardie (2007), section "Fitting the sBG"
    assert model.n_customers_ == 1000


def test_projection_and_derl_equal_an_independent_implementation():
    model = cl.clv.ShiftedBetaGeometric().fit_survivors(HIGH_END)
    # jdmaturen/shifted_beta_geometric_py README: years 8-12 of the high-end cohort and DERL(d = 0.10, t = 7)
    np.testing.assert_allclose(model.survival(np.arange(8, 13)), [0.460, 0.436, 0.414, 0.395, 0.378], atol=5e-4)
    assert model.discounted_expected_residual_lifetime(0.10, 7) == pytest.approx(7.530, abs=5e-4)


def test_retention_rises_over_time_and_lifetime_sums_survival():
    model = cl.clv.ShiftedBetaGeometric().fit_survivors(REGULAR)
    rates = model.retention_rate(np.arange(1, 20))
    assert np.all(np.diff(rates) > 0)  # heterogeneity: the loyal stay, so the cohort's retention rate climbs
    assert model.survival(3) == pytest.approx(np.prod(model.retention_rate([1, 2, 3])))
    by_sum = sum(model.survival(t) / 1.1**t for t in range(2000))
    assert model.discounted_expected_lifetime(0.10) == pytest.approx(by_sum, rel=1e-9)
    assert model.discounted_expected_lifetime(0.05) > model.discounted_expected_lifetime(0.10)


def test_bad_survivor_counts_are_rejected():
    with pytest.raises(DataError, match="must not increase.*period 2"):
        cl.clv.ShiftedBetaGeometric().fit_survivors([1000, 800, 850, 700])
    with pytest.raises(DataError, match="at least two"):
        cl.clv.ShiftedBetaGeometric().fit_survivors([1000])
    with pytest.raises(DataError, match="start positive"):
        cl.clv.ShiftedBetaGeometric().fit_survivors([0, 0])
    with pytest.raises(ValueError, match="discount_rate"):
        cl.clv.ShiftedBetaGeometric().fit_survivors(REGULAR).discounted_expected_residual_lifetime(0.0, 3)


def test_snapshot_of_month_to_month_telco_customers():
    telco = cl.datasets.load_telco_churn()
    monthly = telco[telco["Contract"] == "Month-to-month"]
    model = cl.clv.ShiftedBetaGeometric().fit_snapshot(monthly["tenure"], monthly["Churn"].eq("Yes"))
    assert model.n_customers_ + model.n_excluded_ == len(monthly)
    rates = model.retention_rate([1, 12, 36])
    assert 0.8 < rates[0] < rates[1] < rates[2] < 1  # heterogeneity: survivors are the loyal ones
    # the model's one-year survival sits near the life-table estimate of the same snapshot
    at_risk = monthly["tenure"] >= 1
    hazard = [((monthly["tenure"] == t) & monthly["Churn"].eq("Yes")).sum() / (monthly["tenure"] >= t).sum()
              for t in range(1, 13)]
    assert model.survival(12) == pytest.approx(np.prod(1 - np.array(hazard)), abs=0.05) and at_risk.any()


def test_snapshot_rows_and_a_clear_error_when_heterogeneity_is_not_identified():
    rows, excluded = cl.clv.snapshot_rows(pd.Series([0, 1, 1, 3]), pd.Series([False, True, False, True]))
    assert excluded == 1 and rows[["period", "churned", "weight"]].values.tolist() == [[1, 0, 1], [1, 1, 1], [3, 1, 1]]
    with pytest.raises(DataError, match="Yes'/'No'"):
        cl.clv.snapshot_rows(pd.Series([1, 2]), pd.Series(["Yes", "No"]))
    # identical customers, constant churn: no heterogeneity to estimate
    tenure = pd.Series(np.repeat(np.arange(1, 30), 50))
    with pytest.raises(cl.errors.ConvergenceError, match="renewal periods"):
        cl.clv.ShiftedBetaGeometric().fit_snapshot(tenure, pd.Series(np.ones(len(tenure), bool)))


def test_a_cohort_with_constant_churn_is_refused_with_the_constant_rate():
    """Survivors 1000 · 0.9^t: every customer churns with probability 0.1, so the sBG likelihood only rises
    towards its boundary (gamma + delta -> infinity); the error names the constant rate instead."""
    with pytest.raises(cl.errors.ConvergenceError, match=r"no heterogeneity.*constant churn rate of 0\.1 "):
        cl.clv.ShiftedBetaGeometric().fit_survivors(1000 * 0.9 ** np.arange(15))


@pytest.mark.parametrize("exit_message", ["ABNORMAL_TERMINATION_IN_LNSRCH", "CONVERGENCE: NORM_OF_PROJECTED_GRADIENT"])
def test_the_boundary_is_found_from_the_likelihood_whatever_the_optimiser_reports(exit_message, monkeypatch):
    """Whether L-BFGS-B stops in its line search or reports success depends on rounding (library versions, BLAS);
    the diagnosis "no heterogeneity" must not: it compares the likelihood with constant churn's."""
    minimize = cl.clv.fitting.optimize.minimize

    def reporting(*args, **kwargs):
        result = minimize(*args, **kwargs)
        result.success, result.message = exit_message.startswith("CONVERGENCE"), exit_message
        result.jac = result.jac * 0 + (1e-3 if not result.success else 0.0)  # a line search that gave up
        return result

    monkeypatch.setattr(cl.clv.fitting.optimize, "minimize", reporting)
    with pytest.raises(cl.errors.ConvergenceError, match=r"no heterogeneity.*constant churn rate of 0\.1 "):
        cl.clv.ShiftedBetaGeometric().fit_survivors(1000 * 0.9 ** np.arange(15))
    # a cohort with heterogeneity still fits through the same path when the optimiser reports success
    if exit_message.startswith("CONVERGENCE"):
        fitted = cl.clv.ShiftedBetaGeometric().fit_survivors([1000, 869, 743, 653, 593, 551, 517, 491])
        assert fitted.params_.round(3).tolist() == [0.668, 3.806]  # Fader & Hardie (2007)

"""Predictive checks: customers simulated from a fitted model against the observed ones (crmlab.clv.checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

import crmlab as cl
from crmlab.clv import checks
from crmlab.errors import DataError, NotFittedError

SIMULATED = {
    "BetaGeo": (cl.clv.BetaGeo, lambda: cl.datasets.simulate_bgnbd(1500, 39.0, r=0.8, alpha=6.0, a=0.6, b=2.5,
                                                                   seed=11)),
    "ModifiedBetaGeo": (cl.clv.ModifiedBetaGeo, lambda: cl.datasets.simulate_mbgnbd(1500, 39.0, r=0.8, alpha=6.0,
                                                                                    a=0.6, b=2.5, seed=12)),
    "ParetoNBD": (cl.clv.ParetoNBD, lambda: cl.datasets.simulate_paretonbd(1500, 39.0, r=0.8, alpha=6.0, s=0.7,
                                                                           beta=9.0, seed=13)),
    "BetaGeoBetaBinom": (cl.clv.BetaGeoBetaBinom, lambda: cl.datasets.simulate_bgbb(1500, 6, alpha=1.2, beta=0.75,
                                                                                     gamma=0.66, delta=2.8, seed=14)),
}


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_published):
    return cl.clv.BetaGeo().fit(cdnow_published), cdnow_published


@pytest.mark.parametrize("name", list(SIMULATED))
def test_a_model_fitted_to_its_own_kind_of_data_passes_its_check(name):
    model_class, simulate = SIMULATED[name]
    data = simulate()
    check = checks.predictive_check(model_class().fit(data), data, seed=0, n_simulations=10)
    assert (check.statistics["p_value"] > 0.001).all(), check.statistics
    # every customer is counted once in the histogram, repeat buyers once in the timing table
    assert check.frequency["observed"].sum() == len(data)
    assert check.frequency["expected"].sum() == pytest.approx(len(data))
    assert check.timing["observed"].sum() == (data["frequency"] > 0).sum()
    assert (check.frequency["low"] <= check.frequency["high"]).all()


def test_wrong_parameters_fail_the_check(cdnow_bgnbd):
    model, data = cdnow_bgnbd
    wrong = model.at_theta(model.theta_ + np.array([0.7, 0.0, 0.0, 0.0]))  # purchase rate about twice the estimate
    check = checks.predictive_check(wrong, data, seed=0, n_simulations=5)
    assert check.statistics.loc["repeat purchases", "p_value"] < 1e-6
    assert checks.predictive_check(model, data, seed=0, n_simulations=5).statistics.loc[
        "repeat purchases", "p_value"] > 1e-3


def test_grouped_patterns_are_simulated_customer_by_customer_and_seeded():
    donations = cl.datasets.load_donations()
    model = cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    check = checks.predictive_check(model, donations, weights="weights", seed=3, n_simulations=3)
    assert check.frequency["observed"].sum() == donations["weights"].sum() == 11_104
    again = checks.predictive_check(model, donations, weights="weights", seed=3, n_simulations=3)
    pd.testing.assert_frame_equal(check.statistics, again.statistics)
    assert "BG/BB" in str(check)


def test_plot_predictive_check_draws_on_the_given_axes(cdnow_bgnbd):
    import matplotlib.pyplot as plt

    check = checks.predictive_check(*cdnow_bgnbd, seed=0, n_simulations=3)
    _, given = plt.subplots()
    for kind, lang in (("frequency", "en"), ("timing", "zh")):
        ax = cl.plotting.plot_predictive_check(check, kind, ax=given if kind == "timing" else None, lang=lang)
        assert isinstance(ax, Axes) and len(ax.patches) == len(getattr(check, kind))
    assert ax is given and "预测检验" in ax.get_title()
    with pytest.raises(ValueError, match="kind must be"):
        cl.plotting.plot_predictive_check(check, "recency")


def test_bad_input(cdnow_bgnbd):
    model, data = cdnow_bgnbd
    with pytest.raises(NotFittedError):
        checks.predictive_check(cl.clv.BetaGeo(), data)
    with pytest.raises(TypeError, match="not GammaGamma"):
        checks.predictive_check(cl.clv.GammaGamma().fit(cl.customer_summary(
            cl.datasets.load_cdnow("sample"), observation_end="1997-09-30", time_unit="W")), data)
    for setting in ({"n_simulations": 1}, {"max_frequency": 0}, {"timing_bins": 1}, {"n_simulations": 2.5},
                    {"n_simulations": True}):
        with pytest.raises(ValueError, match="must be a whole number"):
            checks.predictive_check(model, data, **setting)
    with pytest.raises(DataError, match="whole numbers of customers"):
        checks.predictive_check(model, data, weights=np.full(len(data), 0.5))
    with pytest.raises(DataError, match="missing"):
        checks.predictive_check(model, data.drop(columns="T"))

"""Expectation gaps, the satisfaction-loyalty curve, the loyalty index, and the survey generators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError
from crmlab.satisfaction import kano_table
from crmlab.satisfaction.loyalty import expectation_gap, loyalty_index, satisfaction_loyalty_curve


def test_expectation_gap_by_hand():
    perception = pd.Series({"a": 5.0, "b": 7.2, "c": 9.0})
    expectation = pd.Series({"a": 7.0, "b": 7.0, "c": 7.0})
    table = expectation_gap(perception, expectation, tolerance=0.5)
    assert table["gap"].tolist() == pytest.approx([-2.0, 0.2, 2.0])
    assert table["class"].tolist() == ["dissatisfied", "satisfied", "highly satisfied"]
    assert expectation_gap(perception, expectation, lang="zh")["class"].tolist() == ["不满意", "满意", "非常满意"]
    attributes = pd.DataFrame({"x": [4, 8], "y": [6, 8]}, index=["a", "b"])
    assert expectation_gap(attributes, attributes - 1)["gap"].tolist() == [1.0, 1.0]
    with pytest.raises(DataError, match="same respondents"):
        expectation_gap(perception, expectation.iloc[:2])


def test_piecewise_curve_recovers_the_generating_thresholds():
    survey = cl.datasets.make_satisfaction_survey(1500, seed=11)
    fit = satisfaction_loyalty_curve(survey["overall"], survey["loyalty"], kind="piecewise")
    # make_satisfaction_survey: thresholds 4 and 8, slopes 0.8, 0.1, 1.2
    assert fit.thresholds == pytest.approx((4.0, 8.0), abs=0.6)
    assert fit.slopes == pytest.approx((0.8, 0.1, 1.2), abs=0.2)
    assert fit.nonlinearity_p_value < 1e-6
    linear = satisfaction_loyalty_curve(survey["overall"], survey["loyalty"], kind="linear")
    assert fit.aic < linear.aic and len(fit.grid) == 101


def test_linear_relation_is_not_flagged_as_non_linear(rng):
    s = pd.Series(rng.uniform(1, 10, 400))
    fit = satisfaction_loyalty_curve(s, 2 + 0.5 * s + rng.normal(0, 0.5, 400), kind="spline")
    assert fit.nonlinearity_p_value > 0.01


def test_logistic_curve_for_repurchase():
    survey = cl.datasets.make_satisfaction_survey(800, seed=3)
    fit = satisfaction_loyalty_curve(survey["overall"], survey["repurchased"], kind="logistic")
    assert fit.grid["loyalty"].between(0, 1).all()
    assert fit.grid["loyalty"].iloc[-1] > fit.grid["loyalty"].iloc[0]
    with pytest.raises(DataError, match="0/1"):
        satisfaction_loyalty_curve(survey["overall"], survey["loyalty"], kind="logistic")
    with pytest.raises(DataError, match="at least 20"):
        satisfaction_loyalty_curve(survey["overall"][:10], survey["loyalty"][:10])


def test_loyalty_index_by_hand():
    measures = pd.DataFrame({"repeat": [0, 5, 10], "recommend": [0, 10, 5], "price_sensitivity": [1.0, 0.5, 0.0]})
    table = loyalty_index(measures, {"repeat": 2, "recommend": 1, "price_sensitivity": 1},
                          lower_is_better=("price_sensitivity",))
    # rescaled: repeat 0/50/100, recommend 0/100/50, price (reversed) 0/50/100; weights 1/2, 1/4, 1/4
    assert table["loyalty_index"].tolist() == pytest.approx([0.0, 62.5, 87.5])
    with pytest.raises(DataError, match="same for every customer"):
        loyalty_index(measures.assign(repeat=1), {"repeat": 1})
    with pytest.raises(DataError, match="no column"):
        loyalty_index(measures, {"share_of_wallet": 1})


def test_generated_kano_survey_recovers_its_categories():
    truth = {"wifi": "must-be", "pool": "attractive", "price": "one-dimensional", "logo": "indifferent"}
    functional, dysfunctional = cl.datasets.make_kano_survey(truth, 300, seed=5)
    assert kano_table(functional, dysfunctional)["category"].to_dict() == truth


def test_example_survey_ships_with_the_lab():
    survey = cl.datasets.load_example_survey()
    assert survey.shape == (300, 15) and survey["repurchased"].isin([0, 1]).all()
    pd.testing.assert_frame_equal(survey, cl.datasets.make_satisfaction_survey(300, seed=2026), check_dtype=False,
                                  atol=0.006)
    assert np.corrcoef(survey["attr6"], survey["overall"])[0, 1] > np.corrcoef(survey["attr1"], survey["overall"])[0, 1]


def test_satisfaction_plots_draw_on_given_axes():
    import matplotlib.pyplot as plt

    survey = cl.datasets.make_satisfaction_survey(300, seed=2)
    fit = satisfaction_loyalty_curve(survey["overall"], survey["loyalty"])
    result = cl.satisfaction.plspm(cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model())
    boot = result.bootstrap(30, progress=False)
    _, axes = plt.subplots(1, 2)
    assert cl.plotting.plot_satisfaction_loyalty(fit, survey["overall"], survey["loyalty"], ax=axes[0]) is axes[0]
    assert "zone of indifference" in [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert cl.plotting.plot_path_coefficients(result, boot, ax=axes[1]) is axes[1]
    assert len(axes[1].patches) == 12
    plt.close("all")

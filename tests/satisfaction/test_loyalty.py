"""Satisfaction types, word of mouth, the satisfaction-loyalty curve and trap, profitability, the loyalty index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab import satisfaction as sat
from crmlab import simulation as sim
from crmlab.errors import DataError
from crmlab.satisfaction import kano_table
from crmlab.satisfaction.loyalty import expectation_gap, loyalty_index, satisfaction_loyalty_curve


def test_expectation_gap_by_hand():
    perception = pd.Series({"a": 5.0, "b": 7.2, "c": 9.0})
    expectation = pd.Series({"a": 7.0, "b": 7.0, "c": 7.0})
    table = expectation_gap(perception, expectation, tolerance=0.5)
    assert table["gap"].tolist() == pytest.approx([-2.0, 0.2, 2.0])
    assert table["class"].tolist() == ["dissatisfied", "satisfied", "highly satisfied"]
    assert expectation_gap(perception, expectation, lang="zh")["class"].tolist() == ["不满意", "一般满意", "高度满意"]
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


def test_stated_importance_is_rated_by_the_same_respondents():
    # 003 §2.2.6 has customers rate importance; the stated ratings come after every other draw, so the
    # example survey's respondents are the same ones
    survey = cl.datasets.load_example_survey()
    stated = cl.datasets.make_satisfaction_survey(300, seed=2026, stated_importance=True)
    pd.testing.assert_frame_equal(stated[survey.columns], cl.datasets.make_satisfaction_survey(300, seed=2026))
    ratings = stated[[f"importance{j}" for j in range(1, 7)]]
    assert ratings.isin(range(1, 11)).all().all()
    # mean rating 7 + 3 (λ − 0.6) for λ = 0.3, 0.42, …, 0.9: 6.1, 6.46, 6.82, 7.18, 7.54, 7.9 (sd 1.5 / √300 ≈ 0.09)
    assert ratings.mean().tolist() == pytest.approx([6.1, 6.46, 6.82, 7.18, 7.54, 7.9], abs=0.3)
    assert "importance1" not in cl.datasets.make_satisfaction_survey(10, seed=1)


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


# --------------------------------------------------------------------------- word of mouth, retention, profitability

def test_word_of_mouth_takes_the_textbook_tells_or_others():
    assert sat.word_of_mouth({"highly satisfied": 2})["positive_mentions"] == 20
    own = sat.word_of_mouth({"dissatisfied": 1, "satisfied": 1}, tells={"dissatisfied": 10, "satisfied": 5,
                                                                      "highly satisfied": 12})
    assert own.to_dict() == {"negative_mentions": 10.0, "positive_mentions": 5.0, "net_mentions": -5.0}
    for counts, message in (({"angry": 3}, "unknown satisfaction types \\['angry'\\]"),
                            ({"satisfied": -1}, "non-negative"), ({"satisfied": "many"}, "non-negative"),
                            ([10, 60, 30], "mapping")):
        with pytest.raises(DataError, match=message):
            sat.word_of_mouth(counts)
    with pytest.raises(DataError, match="no number of people for \\['highly satisfied'\\]"):
        sat.word_of_mouth({"satisfied": 1}, tells={"dissatisfied": 22, "satisfied": 8})


def test_retention_by_satisfaction_by_hand():
    s = pd.Series([1.0, 3.0, 4.0, 5.0, 9.0, 10.0])
    stayed = pd.Series([0, 0, 1, 1, 1, 1])
    table = sat.retention_by_satisfaction(s, stayed, [1, 4, 7, 10])
    assert table.index.tolist() == ["1-4", "4-7", "7-10"]
    assert table["customers"].tolist() == [3, 1, 2] and table["retained"].tolist() == [1, 1, 2]  # 4 is in "1-4"
    assert table["retention_rate"].tolist() == pytest.approx([1 / 3, 1.0, 1.0])
    assert sat.retention_by_satisfaction(s, stayed.astype(bool), [1, 4, 7, 10]).equals(table)
    empty = sat.retention_by_satisfaction(s, stayed, [1, 1.5, 2, 4, 7, 10])
    assert empty.loc["1.5-2", "customers"] == 0 and np.isnan(empty.loc["1.5-2", "retention_rate"])
    with pytest.raises(DataError, match="outside the bands 1-8"):
        sat.retention_by_satisfaction(s, stayed, [1, 4, 8])
    with pytest.raises(DataError, match="1/0"):
        sat.retention_by_satisfaction(s, stayed + 1, [1, 4, 7, 10])
    with pytest.raises(ValueError, match="increasing"):
        sat.retention_by_satisfaction(s, stayed, [10, 1])


def test_satisfaction_by_profitability_accounts_for_every_customer(rng):
    profit = pd.Series(rng.normal(10, 30, 97))
    labels = pd.Series(rng.choice(["dissatisfied", "satisfied", "highly satisfied"], 97))
    table = sat.satisfaction_by_profitability(labels, profit, top=0.2)
    subtotals = table.xs("subtotal", level="satisfaction")
    assert subtotals["customers"].tolist() == [19, 78]  # round(0.2 · 97) = 19 most profitable customers
    assert subtotals["profit"].sum() == pytest.approx(profit.sum())
    assert subtotals["profit_share"].sum() == pytest.approx(1.0)
    detail = table.drop(index="subtotal", level="satisfaction")
    assert detail["customers"].sum() == 97
    assert detail.index.get_level_values("satisfaction").unique().tolist() == ["dissatisfied", "satisfied",
                                                                                 "highly satisfied"]
    most = profit.sort_values(ascending=False).iloc[:19]
    assert subtotals.loc["most profitable", "profit"] == pytest.approx(most.sum())


def test_satisfaction_by_profitability_rejects_what_it_cannot_share():
    profit, labels = pd.Series([5.0, -1.0, 2.0]), pd.Series(["satisfied", "dissatisfied", None])
    with pytest.raises(DataError, match="1 customers have no satisfaction label"):
        sat.satisfaction_by_profitability(labels, profit)
    with pytest.raises(DataError, match="positive total"):
        sat.satisfaction_by_profitability(labels.fillna("satisfied"), -profit)
    with pytest.raises(DataError, match="same customers"):
        sat.satisfaction_by_profitability(labels.fillna("satisfied"), profit.iloc[:2])
    with pytest.raises(DataError, match="non-numeric profit"):
        sat.satisfaction_by_profitability(labels.fillna("satisfied"), pd.Series([5.0, "x", 2.0]))
    with pytest.raises(ValueError, match="top"):
        sat.satisfaction_by_profitability(labels.fillna("satisfied"), profit, top=1.5)


# --------------------------------------------------------------------------- the trap's simulations (001 §3.6.4)

def test_basic_and_latent_expectations_give_a_flat_middle_stretch():
    survey = sim.make_expectation_survey(1500, seed=4)
    assert survey.attrs["average_loyalty"] == 5.0
    assert survey[["basic_fulfilment", "latent_fulfilment"]].stack().between(0, 1).all()
    fit = satisfaction_loyalty_curve(survey["satisfaction"], survey["loyalty"], kind="piecewise")
    low, middle, high = fit.slopes
    assert middle < low and middle < high / 2 and fit.nonlinearity_p_value < 1e-6
    delighted = survey[survey["basic_fulfilment"] >= 0.8]
    assert np.corrcoef(delighted["latent_fulfilment"], delighted["loyalty"])[0, 1] > 0.8
    with pytest.raises(ValueError, match="average_loyalty"):
        sim.make_expectation_survey(10, average_loyalty=10)


def test_both_remedies_keep_satisfied_customers():
    bands = [1, 4, 7, 8.5, 10]

    def kept(**remedy):
        frame = sim.make_switching_customers(4000, seed=9, **remedy)
        return sat.retention_by_satisfaction(frame["satisfaction"], frame["stayed"], bands)["retention_rate"]

    baseline, value, lock_in = kept(), kept(extra_value=1.0), kept(switching_cost=1.0)
    assert baseline.is_monotonic_increasing and baseline["7-8.5"] < 0.7  # satisfied customers still leave
    assert (value >= baseline).all() and (lock_in >= baseline).all() and value["7-8.5"] > baseline["7-8.5"] + 0.15
    assert value.to_numpy() == pytest.approx(lock_in.to_numpy())  # in this model a point is a point
    with pytest.raises(ValueError, match="switching_cost"):
        sim.make_switching_customers(10, switching_cost=-1)


def test_satisfaction_labels_follow_the_profit_rank():
    profit = pd.Series(np.arange(1000.0))
    labels = sim.make_satisfaction_labels(profit, top=0.2, satisfied_top=0.3, satisfied_others=0.9, seed=1)
    assert labels.index.equals(profit.index) and labels.dtype == bool
    assert labels[profit >= 800].mean() == pytest.approx(0.3, abs=0.06)
    assert labels[profit < 800].mean() == pytest.approx(0.9, abs=0.04)

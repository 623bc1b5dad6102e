"""Building a satisfaction measurement (003 §2.2.2-§2.2.6): barrel principle, indicator system, Likert coding, waves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crmlab import satisfaction as sat
from crmlab import simulation as sim
from crmlab.errors import DataError
from crmlab.satisfaction import measurement

# --------------------------------------------------------------------------- the barrel principle (木桶原理)


def test_barrel_score_by_hand():
    scores = pd.DataFrame({"sales": [4, 5, 2], "delivery": [2, 5, 4], "service": [3, 5, 2]}, index=["r1", "r2", "r3"])
    barrel = sat.barrel_score(scores)
    assert barrel.respondents["weakest_score"].tolist() == [2, 5, 2]
    assert barrel.respondents["weakest_link"].tolist() == ["delivery", "sales", "sales"]  # ties: first column
    assert barrel.respondents["shortfall"].tolist() == pytest.approx([1.0, 0.0, 2 / 3])
    # r1: delivery; r2: three-way tie (1/3 each); r3: sales and service tie (1/2 each)
    assert barrel.links["weakest_share"].to_dict() == pytest.approx(
        {"delivery": (1 + 1 / 3) / 3, "sales": (1 / 3 + 1 / 2) / 3, "service": (1 / 3 + 1 / 2) / 3})
    assert barrel.links["weakest_share"].sum() == pytest.approx(1.0)
    assert barrel.weakest_link == "service" and barrel.links.index[0] == "service"  # lowest mean, 10/3
    assert barrel.summary().loc["weakest_score"].item() == 3.0


def test_barrel_score_groups_items_into_links():
    scores = pd.DataFrame({"a1": [1, 3], "a2": [3, 3], "b": [4, 4]})
    barrel = sat.barrel_score(scores, links={"a1": "A", "a2": "A", "b": "B"})
    assert barrel.links.loc["A", "mean_score"] == 2.5 and barrel.weakest_link == "A"
    with pytest.raises(DataError, match="no link for the items \\['b'\\]"):
        sat.barrel_score(scores, links={"a1": "A", "a2": "A"})
    with pytest.raises(DataError, match="at least two links"):
        sat.barrel_score(scores, links={"a1": "A", "a2": "A", "b": "A"})
    with pytest.raises(DataError, match="respondent 1, item 'b'"):
        sat.barrel_score(scores.astype(object).assign(b=[4, "n/a"]))


@given(arrays(np.int64, st.tuples(st.integers(1, 12), st.integers(2, 6)), elements=st.integers(1, 5)))
@settings(max_examples=50, deadline=None)
def test_barrel_invariants(values):
    scores = pd.DataFrame(values, columns=[f"link{j}" for j in range(values.shape[1])])
    barrel = sat.barrel_score(scores)
    assert (barrel.respondents["weakest_score"] <= barrel.respondents["mean_score"]).all()
    assert (barrel.respondents["shortfall"] >= 0).all()
    assert barrel.links["weakest_share"].sum() == pytest.approx(1.0)
    assert barrel.links["mean_score"].is_monotonic_increasing


# --------------------------------------------------------------------------- the indicator system (003 §2.2.3)

@pytest.fixture
def candidates(rng):
    """Overall satisfaction and candidate factors: a near-duplicate pair, two useful items and a noise item."""
    n = 400
    latent = rng.standard_normal(n)
    assortment = 0.8 * latent + 0.6 * rng.standard_normal(n)
    items = pd.DataFrame({"assortment": assortment, "can buy": assortment + 0.15 * rng.standard_normal(n),
                          "staff": 0.6 * latent + 0.8 * rng.standard_normal(n),
                          "checkout": 0.5 * latent + 0.87 * rng.standard_normal(n),
                          "parking": 0.05 * latent + rng.standard_normal(n)})
    return items, pd.Series(latent + 0.3 * rng.standard_normal(n))


def test_select_indicators_follows_the_three_moves(candidates):
    items, overall = candidates
    selection = sat.select_indicators(items, overall)
    dropped = selection.dropped
    assert set(dropped.index) == {"can buy", "parking"}
    redundant = dropped.loc["can buy"]
    assert redundant["reason"] == "redundant" and redundant["related_to"] == "assortment"
    assert redundant["value"] == pytest.approx(items.corr().loc["can buy", "assortment"])
    assert dropped.loc["parking", "reason"] == "weakly related" and dropped.loc["parking", "value"] < 0.3
    kept = selection.kept
    assert kept.index.tolist() == ["assortment", "staff", "checkout"]  # by relevance, highest first
    assert kept["relevance"].is_monotonic_decreasing and kept["weight"].sum() == pytest.approx(1.0)
    assert kept["weight"].to_numpy() == pytest.approx((kept["relevance"] / kept["relevance"].sum()).to_numpy())
    summary = selection.summary()
    assert sorted(summary.index) == sorted(items.columns) and not summary.index.duplicated().any()
    assert summary.loc[["can buy", "parking"], "weight"].tolist() == [0.0, 0.0]


def test_select_indicators_accounts_for_every_candidate_at_any_threshold(candidates):
    items, overall = candidates
    for max_correlation in (0.3, 0.6, 0.99):
        for min_relevance in (-1.0, 0.2, 0.7):
            selection = sat.select_indicators(items, overall, max_correlation=max_correlation,
                                              min_relevance=min_relevance)
            assert sorted([*selection.kept.index, *selection.dropped.index]) == sorted(items.columns)
            assert selection.summary().notna().all().all()


def test_select_indicators_rejects_unusable_input(candidates):
    items, overall = candidates
    cases = [(items.assign(staff=1.0), overall, "items \\['staff'\\] take a single value"),
             (items, overall.iloc[:-1], "same respondents"),
             (items.iloc[:2], overall.iloc[:2], "at least 3 respondents"),
             (items.assign(staff=np.nan), overall, "missing or non-numeric"),
             (items, overall.astype(object).where(overall.index != 3, "?"), "no missing values")]
    for data, target, message in cases:
        with pytest.raises(DataError, match=message):
            sat.select_indicators(data, target)
    with pytest.raises(ValueError, match="max_correlation"):
        sat.select_indicators(items, overall, max_correlation=1.5)


def test_generated_questionnaire_loses_the_near_duplicate_and_the_noise():
    answers = sim.make_questionnaire(400, seed=5)
    assert set(np.unique(answers.to_numpy())) <= set(measurement.LIKERT_LABELS["en"])
    coded = sat.likert_scores(answers)
    selection = sat.select_indicators(coded.drop(columns="overall satisfaction"), coded["overall satisfaction"])
    assert selection.dropped.loc["can buy what you need", "reason"] == "redundant"
    assert {"after-sales service", "parking"} <= set(selection.dropped.index)
    chinese = sim.make_questionnaire(400, lang="zh", seed=5)
    assert sat.likert_scores(chinese).equals(coded)  # the same answers, labelled in Chinese
    with pytest.raises(ValueError, match="lang"):
        sim.make_questionnaire(10, lang="fr")


# --------------------------------------------------------------------------- Likert coding (003 §2.2.4)

def test_likert_scores_understand_both_languages_and_numbers():
    answers = pd.DataFrame({"q1": ["very satisfied", "非常不满意", " neutral "], "q2": [3, 4.0, "一般"]},
                           index=["r1", "r2", "r3"])
    assert sat.likert_scores(answers).to_dict() == {"q1": {"r1": 5, "r2": 1, "r3": 3},
                                                    "q2": {"r1": 3, "r2": 4, "r3": 3}}
    seven = ["1", "2", "3", "4", "5", "6", "7"]
    assert sat.likert_scores(pd.DataFrame({"q": ["7", "1"]}), labels=seven)["q"].tolist() == [7, 1]
    assert sat.rescale_to_100(pd.Series([1, 4, 7]), scale=(1, 7)).tolist() == [0.0, 50.0, 100.0]
    assert sat.rescale_to_100(3) == 50.0


def test_likert_scores_name_the_answer_off_the_scale():
    answers = pd.DataFrame({"q1": ["satisfied", "satisfied"], "q2": ["satisfied", "so-so"]}, index=["r1", "r2"])
    with pytest.raises(DataError, match="'so-so' \\(respondent 'r2', question 'q2'\\)"):
        sat.likert_scores(answers)
    for bad in (6, 0, True, None, 2.5):
        with pytest.raises(DataError, match="not on the scale"):
            sat.likert_scores(pd.DataFrame({"q": [bad]}))
    with pytest.raises(ValueError, match="distinct"):
        sat.likert_scores(answers, labels=["a", "a"])
    with pytest.raises(DataError, match="outside the scale 1-5"):
        sat.rescale_to_100(pd.Series([0, 3]))


def test_survey_modes_and_workflow_follow_the_chapter():
    modes = measurement.survey_modes()
    assert modes.index.tolist() == ["on-site questionnaire", "mail questionnaire", "telephone survey",
                                    "online questionnaire"]  # 003 §2.2.4 ①-④
    assert modes.loc["mail questionnaire", "accuracy"] == "fairly accurate"  # "比较准确", not "the most accurate"
    assert modes.loc["mail questionnaire", "cost"] == "high"
    assert modes.loc["telephone survey", "accuracy"] == "not stated"  # "效果较好" is about effect, not accuracy
    workflow = measurement.measurement_workflow()
    assert workflow["pdca"].tolist() == ["plan"] * 4 + ["do"] * 2 + ["check", "act"]  # P = indicators, D = survey


# --------------------------------------------------------------------------- PDCA over two waves (003 §2.2.6)

def test_wave_comparison_checks_targets():
    before = pd.DataFrame({"importance": [0.5, 0.2], "performance": [2.8, 4.0],
                           "zone": ["key improvement zone", "maintenance zone"]}, index=["complaints", "info"])
    after = before.assign(performance=[3.4, 3.95], zone=["key maintenance zone", "maintenance zone"]).iloc[::-1]
    table = sat.wave_comparison(before, after, targets=pd.Series({"complaints": 3.3, "info": 3.9}))
    assert table.index.tolist() == ["complaints", "info"]
    assert table["change"].tolist() == pytest.approx([0.6, -0.05])
    assert table["target_met"].tolist() == [True, True] and table.loc["complaints", "zone_after"] == \
        "key maintenance zone"
    assert sat.wave_comparison(before, after, targets=4.0)["target_met"].tolist() == [False, False]
    assert "target" not in sat.wave_comparison(before, after)
    with pytest.raises(DataError, match="no numeric target for \\['info'\\]"):
        sat.wave_comparison(before, after, targets=pd.Series({"complaints": 3.3}))
    with pytest.raises(DataError, match="different attributes"):
        sat.wave_comparison(before, after.iloc[:1])
    with pytest.raises(DataError, match="importance_performance"):
        sat.wave_comparison(before.drop(columns="zone"), after)


def test_an_improvement_shows_in_the_second_wave():
    first = sim.make_satisfaction_wave(600, seed=1)
    assert set(first.columns) == {*sim.TOUCHPOINT_FACTORS, "overall"} and first.stack().between(1, 5).all()
    assert set(sim.TOUCHPOINT_FACTORS.values()) == set(measurement.SATISFACTION_FACTORS)
    plan = sat.importance_performance(first.drop(columns="overall"), overall=first["overall"])
    key = plan.index[plan["zone"] == sat.importance.ZONES[0]]
    assert {"complaint handling", "delivery speed"} <= set(key)
    second = sim.make_satisfaction_wave(600, shifts={name: 0.8 for name in key}, seed=2)
    check = sat.wave_comparison(plan, sat.importance_performance(second.drop(columns="overall"),
                                                                 overall=second["overall"]))
    assert (check.loc[key, "change"] > 0.5).all() and second["overall"].mean() > first["overall"].mean() + 0.2
    with pytest.raises(ValueError, match="unknown touchpoints"):
        sim.make_satisfaction_wave(10, shifts={"parking": 1.0})


def test_win_loss_deals_and_market_history_recover_their_truth():
    deals = sim.make_win_loss_deals(3000, seed=2)
    table = sat.win_loss_analysis(deals)
    assert table.loc["price", "win_rate"] == pytest.approx(0.30, abs=0.05)
    assert table.loc["product quality", "win_rate"] == pytest.approx(0.70, abs=0.05)
    assert table.loc["no reason recorded", "deals"] == pytest.approx(150, abs=40)
    events, share = sim.make_market_history(seed=0)
    timeline = sat.key_events(events, share)
    assert timeline["change"].to_numpy() == pytest.approx(timeline["true_effect"].to_numpy(), abs=1.0)
    with pytest.raises(ValueError, match="past the last event"):
        sim.make_market_history(periods=8)

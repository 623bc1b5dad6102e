"""Loyalty measurement: the ladder, the measures from a log, the simulated survey and the four-step evaluation,
each on small cases worked by hand."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import crmlab as cl
from crmlab import loyalty_measurement as lm
from crmlab.errors import DataError, MissingColumnError


def test_ladder_one_customer_per_rung():
    purchases = pd.Series({"p": 1, "c": 3, "s": 4, "a": 6, "partner": 9})
    attitude = pd.Series({"c": 40.0, "s": 70.0, "a": 80.0, "partner": 90.0})  # p was not surveyed
    recommends = pd.Series({"c": True, "s": False, "a": True, "partner": 1})
    partner = pd.Series({"a": False, "partner": True})
    ladder = lm.loyalty_ladder(purchases, attitude=attitude, attitude_threshold=60, recommends=recommends,
                               partner=partner)
    assert ladder["rung"].to_dict() == {"p": "purchaser", "c": "customer", "s": "supporter", "a": "advocate",
                                        "partner": "partner"}
    assert ladder["surveyed"].to_dict() == {"p": False, "c": True, "s": True, "a": True, "partner": True}
    # a one-off buyer does not climb, whatever they say; without attitude nobody climbs above "customer"
    eager = lm.loyalty_ladder(purchases, attitude=pd.Series({"p": 99.0}), attitude_threshold=60)
    assert eager.loc["p", "rung"] == "purchaser"
    assert set(lm.loyalty_ladder(purchases)["rung"]) == {"purchaser", "customer"}
    assert lm.loyalty_ladder(purchases, lang="zh")["rung"].tolist() == ["采购者", "客户", "客户", "客户", "客户"]


def test_ladder_refuses_what_it_cannot_place():
    purchases = pd.Series({"a": 2, "b": 1})
    with pytest.raises(ValueError, match="attitude_threshold"):
        lm.loyalty_ladder(purchases, attitude=pd.Series({"a": 1.0}))
    with pytest.raises(DataError, match="without purchases"):
        lm.loyalty_ladder(purchases, attitude=pd.Series({"z": 1.0}), attitude_threshold=0)
    with pytest.raises(DataError, match=">= 1"):
        lm.loyalty_ladder(pd.Series({"a": 0}))
    with pytest.raises(ValueError, match="needs attitude"):
        lm.loyalty_ladder(purchases, recommends=pd.Series({"a": True}))
    with pytest.raises(DataError, match="True/False"):
        lm.loyalty_ladder(purchases, attitude=pd.Series({"a": 1.0}), attitude_threshold=0,
                          recommends=pd.Series({"a": "often"}))
    with pytest.raises(TypeError, match="Series"):
        lm.loyalty_ladder([1, 2])


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "product", "quantity", "price"]).assign(
        date=lambda f: pd.to_datetime(f["date"]), amount=lambda f: f["quantity"] * f["price"])


def test_log_measures_by_hand():
    log = _log([
        # elastic: 4 units at 1, 1 unit at 2 → log q falls by ln 4 when log p rises by ln 2: sensitivity 2
        ("e", "2020-01-01", "x", 4, 1.0), ("e", "2020-02-01", "x", 1, 2.0), ("e", "2020-02-01", "y", 3, 5.0),
        # flat price: sensitivity undefined; returned on 2020-03-01 and came back later: tolerance 1
        ("f", "2020-01-01", "x", 2, 1.0), ("f", "2020-01-01", "x", 2, 1.0), ("f", "2020-04-01", "x", 2, 1.0),
        # returned after the last purchase: tolerance 0
        ("g", "2020-01-01", "y", 1, 5.0), ("g", "2020-01-02", "y", 1, 5.02),
    ])
    returns = pd.DataFrame({"customer_id": ["f", "g", "g"], "date": pd.to_datetime(["2020-03-01", "2020-02-01",
                                                                                     "2020-05-01"])})
    measures = lm.loyalty_measures(log, returns=returns)
    values = measures.values
    assert values["repeat_purchases"].to_dict() == {"e": 1, "f": 1, "g": 1}
    assert values["products"].to_dict() == {"e": 2, "f": 1, "g": 1}
    assert values.loc["e", "price_sensitivity"] == pytest.approx(2.0)
    assert values[["price_sensitivity"]].isna().sum().item() == 2  # f: one price; g: prices 0.4 % apart
    assert values["tolerance"].to_dict() == {"e": pytest.approx(np.nan, nan_ok=True), "f": 1.0, "g": 0.0}
    undefined = measures.undefined.set_index("measure")["customers"].to_dict()
    assert undefined == {"price_sensitivity": 2, "tolerance": 1}  # every NaN counted with its reason
    loose = lm.loyalty_measures(log, returns=returns, min_price_change=0.0)
    assert loose.values["price_sensitivity"].notna().sum() == 2


def test_log_measures_without_prices_or_returns_say_why():
    log = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2020-01-01", "2020-01-05"]),
                        "amount": [1.0, 2.0]})
    measures = lm.loyalty_measures(log)
    assert measures.values["repeat_purchases"].tolist() == [1]
    reasons = dict(zip(measures.undefined["measure"], measures.undefined["reason"], strict=True))
    assert "no quantity, price and product" in reasons["price_sensitivity"]
    assert "returns=None" in reasons["tolerance"]
    with pytest.raises(MissingColumnError, match="date"):
        lm.loyalty_measures(log.drop(columns="date"))
    with pytest.raises(MissingColumnError, match="returns needs"):
        lm.loyalty_measures(log, returns=pd.DataFrame({"customer_id": ["a"]}))
    with pytest.raises(ValueError, match="min_price_change"):
        lm.loyalty_measures(log, min_price_change=-0.1)


def test_return_events_follow_the_cleaning_report():
    raw = pd.DataFrame({
        "InvoiceNo": ["1", "2", "C3", "4", "C5"], "StockCode": ["x", "y", "x", "x", "z"],
        "Quantity": [5, 1, -2, 3, -1], "UnitPrice": [2.0, 3.0, 2.0, 2.0, 4.0],
        "InvoiceDate": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-02-01", "2020-02-02"]),
        "CustomerID": [7, 8, 7, 7, 9], "Country": ["UK"] * 5})
    log, report = cl.transactions.clean(raw, cl.transactions.ONLINE_RETAIL)
    events = lm.return_events(raw, log, report, cl.transactions.ONLINE_RETAIL)
    assert events.to_dict("list") == {"customer_id": [7], "date": [pd.Timestamp("2020-01-03")]}  # 9 never bought
    measures = lm.loyalty_measures(log, returns=events)
    assert measures.values.loc[7, "tolerance"] == 1.0  # bought again on 2020-02-01
    with pytest.raises(DataError, match="report of crmlab.transactions.clean"):
        lm.return_events(raw, log, cl.transactions.validate(raw, cl.transactions.ONLINE_RETAIL),
                         cl.transactions.ONLINE_RETAIL)


def test_simulated_survey_is_seeded_and_follows_behaviour():
    behaviour = pd.Series(np.arange(400), index=[f"c{i}" for i in range(400)])
    first = lm.simulate_loyalty_survey(behaviour, correlation=0.8, seed=3)
    assert first.equals(lm.simulate_loyalty_survey(behaviour, correlation=0.8, seed=3))
    assert list(first.columns) == ["share_of_requirement", "attention", "choice_time", "preference_for_competitors",
                                   "endorsement"]
    assert first["share_of_requirement"].between(0, 1).all() and first["endorsement"].between(1, 5).all()
    rank = behaviour.rank()
    assert first["endorsement"].corr(rank) > 0.3 and first["choice_time"].corr(rank) < -0.3
    with pytest.raises(ValueError, match="correlation"):
        lm.simulate_loyalty_survey(behaviour, correlation=1.5)


def test_evaluation_by_hand_and_its_two_extremes():
    objective = pd.DataFrame({"repeat_purchases": [0, 5, 10], "price_sensitivity": [2.0, 1.0, 0.0]}, index=list("abc"))
    subjective = pd.DataFrame({"endorsement": [1, 5, 3]}, index=list("cab"))  # any row order
    table = lm.loyalty_evaluation(objective, subjective, objective_weights={"repeat_purchases": 3,
                                                                             "price_sensitivity": 1},
                                  subjective_weights={"endorsement": 1}, lower_is_better=("price_sensitivity",))
    # a: 0 and 0 → 0; b: 50 and 50 → 50; c: 100 and 100 → 100; endorsement a 5 → 100, b 3 → 50, c 1 → 0
    assert table["objective_score"].tolist() == pytest.approx([0, 50, 100])
    assert table["subjective_score"].tolist() == pytest.approx([100, 50, 0])
    assert table["loyalty_score"].tolist() == pytest.approx([50, 50, 50])
    for mix, column in ((1.0, "objective_score"), (0.0, "subjective_score")):
        extreme = lm.loyalty_evaluation(objective, subjective, objective_weights={"repeat_purchases": 1},
                                        subjective_weights={"endorsement": 1}, mix=mix)
        assert extreme["loyalty_score"].tolist() == pytest.approx(extreme[column].tolist())
    patterns = lm.attitude_behaviour_matrix(table)
    assert patterns.to_dict() == {"a": "latent loyalty", "b": "no loyalty", "c": "spurious loyalty"}
    assert lm.attitude_behaviour_matrix(table, threshold=-1, lang="zh").tolist() == ["真正忠诚"] * 3


def test_evaluation_refuses_inconsistent_inputs():
    objective = pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"])
    subjective = pd.DataFrame({"y": [1.0, 2.0]}, index=["a", "b"])
    weights = {"objective_weights": {"x": 1}, "subjective_weights": {"y": 1}}
    with pytest.raises(DataError, match="same customers"):
        lm.loyalty_evaluation(objective, subjective.rename(index={"b": "z"}), **weights)
    with pytest.raises(DataError, match="both objective and subjective"):
        lm.loyalty_evaluation(objective.assign(y=1.0), subjective, objective_weights={"x": 1, "y": 1},
                              subjective_weights={"y": 1})
    with pytest.raises(ValueError, match="mix"):
        lm.loyalty_evaluation(objective, subjective, mix=2, **weights)
    with pytest.raises(DataError, match="without a weight"):
        lm.loyalty_evaluation(objective, subjective, lower_is_better=("z",), **weights)
    with pytest.raises(DataError, match="missing or non-numeric"):
        lm.loyalty_evaluation(objective.assign(x=[1.0, np.nan]), subjective, **weights)
    with pytest.raises(MissingColumnError, match="subjective_score"):
        lm.attitude_behaviour_matrix(pd.DataFrame({"objective_score": [1.0]}))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100), st.floats(0, 100)), min_size=2, max_size=30),
       mix=st.floats(0, 1))
def test_evaluation_scores_stay_on_the_scale(rows, mix):
    frame = pd.DataFrame(rows, columns=["x", "z", "y"])
    if frame.nunique().min() < 2:
        return  # a constant indicator cannot discriminate (loyalty_index refuses it)
    table = lm.loyalty_evaluation(frame[["x", "z"]], frame[["y"]], objective_weights={"x": 2, "z": 1},
                                  subjective_weights={"y": 1}, mix=mix, ranks=True)
    assert table.index.equals(frame.index)
    assert ((table >= -1e-9) & (table <= 100 + 1e-9)).all().all()
    assert table["loyalty_score"].to_numpy() == pytest.approx(
        (mix * table["objective_score"] + (1 - mix) * table["subjective_score"]).to_numpy())


def test_loyalty_tables():
    assert len(lm.LOYALTY_TYPES) == 6 and lm.LOYALTY_TYPES[["durability", "dependence"]].isin([1, 2, 3]).all().all()
    assert lm.LOYALTY_MEASURES["source"].value_counts().to_dict() == {"survey": 5, "log": 3}

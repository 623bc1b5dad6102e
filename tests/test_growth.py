"""Relationship growth, acquisition scoring and win-back by reason: hand-worked logs, identities, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import growth
from crmlab.errors import ColumnTypeError, DataError, EmptyDataError, MissingColumnError, ObservationPeriodError

P1, P2 = ("2021-01-01", "2021-06-30"), ("2021-07-01", "2021-12-31")


def _line(customer, day, product, quantity, price):
    return {"customer_id": customer, "date": pd.Timestamp(day), "product": product, "quantity": quantity,
            "amount": quantity * price}


def _hand_log() -> pd.DataFrame:
    """Six customers, one of each kind: new, won back, lost, and three retained ones that each grow one way."""
    lines = [
        _line("new", "2021-08-01", "a", 2, 5.0),                                  # first purchase in period 2
        _line("back", "2020-11-01", "a", 1, 5.0), _line("back", "2021-09-01", "a", 3, 5.0),  # silent in period 1
        _line("lost", "2021-02-01", "b", 4, 10.0),                                # period 1 only
        # cross-seller: one product, then two (same units per product, same price): revenue 20 -> 40
        _line("cross", "2021-03-01", "a", 2, 10.0),
        _line("cross", "2021-10-01", "a", 2, 10.0), _line("cross", "2021-10-01", "b", 2, 10.0),
        # up-seller: same product count and units, dearer: 3 x 4 = 12 -> 3 x 8 = 24
        _line("up", "2021-04-01", "c", 3, 4.0), _line("up", "2021-11-01", "d", 3, 8.0),
        # volume buyer: same product, twice the units: 5 -> 10
        _line("volume", "2021-05-01", "a", 1, 5.0), _line("volume", "2021-12-01", "a", 2, 5.0),
        _line("later", "2022-02-01", "a", 1, 5.0),                                # after both periods: ignored
    ]
    return pd.DataFrame(lines)


def test_relationship_growth_by_hand():
    result = growth.relationship_growth(_hand_log(), period_1=P1, period_2=P2)
    table = result.customers
    assert table["status"].to_dict() == {"back": "won back", "cross": "retained", "lost": "lost", "new": "new",
                                         "up": "retained", "volume": "retained"}
    assert "later" not in table.index
    # LMDI with one factor moving: the whole change goes to that factor
    assert table.loc["cross", ["cross_selling", "volume", "up_selling"]].tolist() == pytest.approx([20, 0, 0])
    assert table.loc["up", ["cross_selling", "volume", "up_selling"]].tolist() == pytest.approx([0, 0, 12])
    assert table.loc["volume", ["cross_selling", "volume", "up_selling"]].tolist() == pytest.approx([0, 5, 0])
    components = result.components()
    assert components["revenue_change"].to_dict() == pytest.approx({
        "new_customers": 10, "won_back": 15, "lost_customers": -40, "cross_selling": 20, "volume": 5,
        "up_selling": 12, "not_decomposed": 0})
    assert components.loc["won_back", "customers"] == 1 and components.loc["cross_selling", "customers"] == 3
    assert components["dimension"].tolist() == ["breadth", "breadth", "length", "depth", "depth", "depth", "depth"]
    steps = result.waterfall()
    assert steps.loc["revenue_period_1", "revenue"] == 40 + 20 + 12 + 5
    assert steps.loc["revenue_period_2", "revenue"] == 10 + 15 + 40 + 24 + 10


def test_a_retained_customer_changing_everything_splits_exactly():
    lines = [_line("x", "2021-02-01", "a", 3, 2.0),
             _line("x", "2021-08-01", "a", 4, 3.0), _line("x", "2021-08-02", "b", 2, 7.5)]
    row = growth.relationship_growth(pd.DataFrame(lines), period_1=P1, period_2=P2).customers.loc["x"]
    r1, r2 = 6.0, 27.0
    weight = (r2 - r1) / np.log(r2 / r1)  # the logarithmic mean of Ang (2004)
    assert row["cross_selling"] == pytest.approx(weight * np.log(2 / 1))
    assert row["volume"] == pytest.approx(weight * np.log((6 / 2) / (3 / 1)))
    assert row["up_selling"] == pytest.approx(weight * np.log((27 / 6) / (6 / 3)))
    assert row[["cross_selling", "volume", "up_selling"]].sum() == pytest.approx(r2 - r1)


def test_customers_whose_revenue_cannot_be_split_are_counted():
    lines = [_line("free", "2021-02-01", "a", 2, 0.0), _line("free", "2021-08-01", "a", 2, 3.0),
             _line("fine", "2021-02-01", "a", 1, 3.0), _line("fine", "2021-08-01", "a", 1, 3.0)]
    result = growth.relationship_growth(pd.DataFrame(lines), period_1=P1, period_2=P2)
    components = result.components()
    assert components.loc["not_decomposed", "customers"] == 1
    assert components.loc["not_decomposed", "revenue_change"] == pytest.approx(6.0)
    assert components.loc["cross_selling", "customers"] == 1  # "fine": no change, split into zeros
    assert result.customers.loc["fine", ["cross_selling", "volume", "up_selling"]].tolist() == [0, 0, 0]


@st.composite
def _logs(draw):
    n = draw(st.integers(1, 40))
    return pd.DataFrame({
        "customer_id": draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)),
        "date": pd.Timestamp("2020-10-01") + pd.to_timedelta(
            draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)), unit="D"),
        "product": draw(st.lists(st.sampled_from("abcde"), min_size=n, max_size=n)),
        "quantity": draw(st.lists(st.integers(1, 20), min_size=n, max_size=n)),
        "amount": draw(st.lists(st.floats(0.01, 1000), min_size=n, max_size=n)),
    })


@settings(max_examples=60, deadline=None)
@given(log=_logs())
def test_the_decomposition_is_exact_for_any_log(log):
    days = log["date"]
    if not days.between(*map(pd.Timestamp, P1)).any() or not days.between(*map(pd.Timestamp, P2)).any():
        with pytest.raises(EmptyDataError, match="no purchase falls in period"):
            growth.relationship_growth(log, period_1=P1, period_2=P2)
        return
    result = growth.relationship_growth(log, period_1=P1, period_2=P2)
    table = result.customers
    revenue = [log.loc[days.between(*map(pd.Timestamp, p)), "amount"].sum() for p in (P1, P2)]
    assert table["revenue_1"].sum() == pytest.approx(revenue[0])
    assert table["revenue_2"].sum() == pytest.approx(revenue[1])
    parts = table[list(growth.COMPONENTS)].sum(axis=1)
    assert np.allclose(parts, table["change"], rtol=1e-9, atol=1e-6)
    assert result.components()["revenue_change"].sum() == pytest.approx(revenue[1] - revenue[0], abs=1e-6)
    assert set(table["status"]) <= set(growth.STATUSES)


def test_growth_by_group_adds_up_and_keeps_customers_without_a_group():
    result = growth.relationship_growth(_hand_log(), period_1=P1, period_2=P2)
    groups = pd.Series({"new": "FR", "back": "FR", "lost": "UK", "cross": "UK", "up": "UK"})  # "volume" has none
    table = result.by(groups)
    assert table["customers"].to_dict() == {"FR": 2, "UK": 3, "no group": 1}
    assert table.loc["FR", "change"] == pytest.approx(25)
    totals = result.components()["revenue_change"].to_dict()
    assert table[list(growth.COMPONENTS)].sum().to_dict() == pytest.approx(totals)
    with pytest.raises(ColumnTypeError, match="pandas Series"):
        result.by({"new": "FR"})


@pytest.mark.parametrize("change, kwargs, error, message", [
    (lambda log: log.drop(columns="quantity"), {}, MissingColumnError, "needs columns \\['quantity'\\]"),
    (lambda log: log.iloc[0:0], {}, EmptyDataError, "empty"),
    (lambda log: log.assign(date=log["date"].astype(str)), {}, ColumnTypeError, "not dates"),
    (lambda log: log.assign(amount=log["amount"].where(log.index != 2)), {}, DataError, "1 rows have a missing"),
    (lambda log: log, {"period_2": ("2021-06-01", "2021-12-31")}, ObservationPeriodError, "must start after"),
    (lambda log: log, {"period_1": ("2021-06-30", "2021-01-01")}, ObservationPeriodError, "ends .* before"),
    (lambda log: log, {"period_1": "2021"}, DataError, "pair of dates"),
    (lambda log: log, {"period_2": ("2023-01-01", "2023-06-30")}, EmptyDataError, "no purchase falls in period_2"),
])
def test_relationship_growth_rejects_bad_input(change, kwargs, error, message):
    with pytest.raises(error, match=message):
        growth.relationship_growth(change(_hand_log()), **{"period_1": P1, "period_2": P2, **kwargs})


def _first_purchase_log() -> pd.DataFrame:
    lines = [
        _line(1, "2021-01-05", "a", 1, 10.0), _line(1, "2021-01-05", "b", 1, 30.0),
        _line(1, "2021-02-01", "a", 1, 10.0),
        _line(2, "2021-01-20", "a", 1, 10.0), _line(2, "2021-06-01", "a", 1, 99.0),  # back, but after 90 days
        _line(3, "2020-12-01", "a", 1, 10.0), _line(3, "2021-01-10", "a", 1, 10.0),  # first purchase before start
        _line(4, "2021-06-30", "c", 2, 5.0),
    ]
    return pd.DataFrame(lines).assign(country=["UK", "UK", "UK", "FR", "FR", "UK", "UK", "DE"])


def test_first_purchases_by_hand():
    table = growth.first_purchases(_first_purchase_log(), start="2021-01-01", end="2021-01-31", follow_up_days=90,
                                   attributes=("country",))
    assert list(table.index) == [1, 2]
    assert table.loc[1, ["first_spend", "first_products", "country"]].tolist() == [40.0, 2, "UK"]
    assert table["returned"].tolist() == [True, False]
    assert table["follow_up_revenue"].tolist() == [10.0, 0.0]
    with pytest.raises(ObservationPeriodError, match="need 90 days of follow-up"):
        growth.first_purchases(_first_purchase_log(), start="2021-01-01", end="2021-06-01")
    with pytest.raises(EmptyDataError, match="no customer made a first purchase"):
        growth.first_purchases(_first_purchase_log(), start="2021-03-01", end="2021-03-02", follow_up_days=10)
    with pytest.raises(DataError, match="follow_up_days"):
        growth.first_purchases(_first_purchase_log(), start="2021-01-01", end="2021-01-31", follow_up_days=0)


def test_score_prospects_uses_the_pattern_and_falls_back_visibly():
    history = pd.DataFrame({"home": [True, True, True, True, False, False],
                            "returned": [True, True, False, False, False, False],
                            "follow_up_revenue": [100.0, 300.0, 0.0, 0.0, 0.0, 0.0]})
    prospects = pd.DataFrame({"home": [True, False]}, index=["p", "q"])
    scored = growth.score_prospects(history, prospects, pattern=["home"])
    columns = ["p_acquire", "potential_relationship_value", "pattern_customers"]
    assert scored.loc["p", columns].tolist() == [0.5, 200.0, 4]
    assert scored.loc["p", "pattern_seen"]
    # abroad nobody came back: no value to learn in the cell, so the whole history's figures, flagged
    assert scored.loc["q", ["p_acquire", "potential_relationship_value"]].tolist() == pytest.approx([2 / 6, 200.0])
    assert not scored.loc["q", "pattern_seen"] and scored.loc["q", "pattern_customers"] == 2


def test_score_prospects_bins_numeric_patterns_on_the_history():
    history = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
                            "returned": [False, False, False, True, True, False],
                            "follow_up_revenue": [0.0, 0.0, 0.0, 50.0, 70.0, 0.0]})
    prospects = pd.DataFrame({"spend": [0.5, 25.0, 1e6]})
    scored = growth.score_prospects(history, prospects, pattern=["spend"], bins=2)
    # bands of the history: {1, 2, 3} (nobody came back: fallback to 2/6) and {10, 20, 30} (2 of 3);
    # values outside the history's range fall into the end bands
    assert scored["p_acquire"].tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3])
    assert scored["pattern_seen"].tolist() == [False, True, True]
    with pytest.raises(ColumnTypeError, match="True/False"):
        growth.score_prospects(history.assign(returned=1), prospects, pattern=["spend"])
    with pytest.raises(MissingColumnError, match="spend"):
        growth.score_prospects(history, prospects.rename(columns={"spend": "s"}), pattern=["spend"])


def test_acquisition_value_by_hand():
    prospects = pd.DataFrame({"p_acquire": [0.2, 0.5, 0.05], "potential_relationship_value": [500.0, 100.0, 400.0]},
                             index=["a", "b", "c"])
    table = growth.acquisition_value(prospects, acquisition_cost=60)
    assert list(table.index) == ["a", "b", "c"]  # 0.2 x 500 - 60, 0.5 x 100 - 60, 0.05 x 400 - 60
    assert table["expected_value"].tolist() == pytest.approx([40.0, -10.0, -40.0])
    assert table["worth_targeting"].tolist() == [True, False, False]
    assert table["cumulative_value"].tolist() == pytest.approx([40.0, 30.0, -10.0])
    margin = growth.acquisition_value(prospects, acquisition_cost=0, margin_rate=0.5)
    assert margin.loc["a", "expected_value"] == pytest.approx(50.0)
    with pytest.raises(DataError, match="outside \\[0, 1\\]"):
        growth.acquisition_value(prospects.assign(p_acquire=[0.2, 1.5, 0.1]), acquisition_cost=1)
    with pytest.raises(DataError, match="acquisition_cost"):
        growth.acquisition_value(prospects, acquisition_cost=-1)
    with pytest.raises(DataError, match="margin_rate"):
        growth.acquisition_value(prospects, acquisition_cost=1, margin_rate=0)


def test_lapse_signals_by_hand():
    log = pd.DataFrame([
        _line("ret", "2021-01-01", "a", 1, 10.0), _line("ret", "2021-02-01", "a", 1, 10.0),
        _line("one", "2021-01-01", "a", 1, 10.0),
        _line("fall", "2021-01-01", "a", 1, 100.0), _line("fall", "2021-02-01", "a", 1, 100.0),
        _line("fall", "2021-03-01", "a", 1, 20.0),
        _line("steady", "2021-01-01", "a", 1, 50.0), _line("steady", "2021-02-01", "a", 1, 40.0),
    ])
    reasons = growth.lapse_signals(log, ["ret", "one", "fall", "steady"], returns=pd.Series({"ret": 2, "one": 0}))
    assert reasons.astype(str).to_dict() == {"ret": "returned goods", "one": "single purchase",
                                             "fall": "spend falling", "steady": "no signal in the log"}
    assert list(reasons.cat.categories) == list(growth.LAPSE_SIGNALS)
    with pytest.raises(DataError, match="not in the log"):
        growth.lapse_signals(log, ["ret", "ghost"])


def test_win_back_by_reason_by_hand():
    ranking = pd.DataFrame({"second_lifetime_value": [50.0, 20.0, -5.0, 8.0, -2.0],
                            "worth_contacting": [True, True, False, True, False]}, index=list("abcde"))
    reasons = pd.Series({"a": "price", "b": "service", "c": "price", "d": "service"})
    table = growth.win_back_by_reason(ranking, reasons)
    assert table["customers"].to_dict() == {"price": 2, "service": 2, "no reason recorded": 1}
    assert table.loc["price", "total_second_lifetime_value"] == 45.0
    assert table.loc["price", "value_of_contacting_worthwhile"] == 50.0
    assert table.loc["service", "worth_contacting"] == 2
    assert table["customer_share"].sum() == pytest.approx(1.0)
    with pytest.raises(DataError, match="same customer ids"):
        growth.win_back_by_reason(ranking, pd.Series({"zz": "price"}))
    with pytest.raises(MissingColumnError, match="second_lifetime_value"):
        growth.win_back_by_reason(ranking.drop(columns="second_lifetime_value"), reasons)


def test_growth_summaries_by_hand():
    result = growth.relationship_growth(_hand_log(), period_1=P1, period_2=P2)
    assert result.by_dimension().to_dict() == pytest.approx({"breadth": 25, "length": -40, "depth": 37})
    kept = result.retention()
    # period 1: lost (40), cross (20), up (12), volume (5); three of the four bought again
    assert kept["customers_period_1"] == 4 and kept["retained"] == 3
    assert kept["customer_retention_rate"] == pytest.approx(0.75)
    assert kept["revenue_share_retained"] == pytest.approx(37 / 77)
    assert kept["retained_revenue_ratio"] == pytest.approx(74 / 37)
    depth = result.depth_summary()
    assert depth["customers_up"].to_dict() == {"cross_selling": 1, "volume": 1, "up_selling": 1}
    assert depth.loc["up_selling", "revenue_change"] == pytest.approx(12)


def test_targeting_backtest_by_hand():
    targets = pd.DataFrame({"worth_targeting": [True, True, False], "p_acquire": [0.6, 0.4, 0.1],
                            "returned": [True, False, False], "follow_up_revenue": [90.0, 0.0, 0.0]})
    table = growth.targeting_backtest(targets)
    assert list(table.index) == ["targeted", "not targeted"]
    assert table.loc["targeted"].tolist() == pytest.approx([2, 0.5, 0.5, 45.0])
    assert table.loc["not targeted", "acquired_share"] == 0


@pytest.mark.parametrize("call, message", [
    (lambda log: growth.first_purchases(log, start="2021-01-01", end="2021-01-31", follow_up_days="ninety"),
     "follow_up_days must be a number"),
    (lambda log: growth.first_purchases(log, start="2021-01-01", end="2021-01-31", follow_up_days=1.5),
     "whole number of days"),
    (lambda log: growth.first_purchases(log, start="not a date", end="2021-01-31"), "pair of dates"),
    (lambda log: growth.first_purchases(log, start="2021-01-01", end="2021-01-31", attributes=("region",)),
     "needs columns \\['region'\\]"),
    (lambda log: growth.lapse_signals(log, [1], falling="half"), "falling must be a number"),
    (lambda log: growth.lapse_signals(log, [1], falling=1.5), "falling is a share"),
    (lambda log: growth.acquisition_value(pd.DataFrame({"p_acquire": [0.5], "potential_relationship_value": [1.0]}),
                                          acquisition_cost="cheap"), "acquisition_cost must be a number"),
    (lambda log: growth.acquisition_value(pd.DataFrame({"p_acquire": ["high"], "potential_relationship_value": [1.0]}),
                                          acquisition_cost=1), "not numbers"),
    (lambda log: growth.acquisition_value(pd.DataFrame({"p_acquire": [0.5], "potential_relationship_value": [np.nan]}),
                                          acquisition_cost=1), "missing or infinite"),
    (lambda log: growth.score_prospects(pd.DataFrame({"s": [1.0, np.nan], "returned": [True, False],
                                                      "follow_up_revenue": [1.0, 0.0]}),
                                        pd.DataFrame({"s": [1.0]}), pattern=["s"]), "finite numbers"),
    (lambda log: growth.score_prospects(pd.DataFrame({"s": [1.0], "returned": [True], "follow_up_revenue": [1.0]}),
                                        pd.DataFrame({"s": [1.0]}), pattern=["s"], bins=1), "bins must be"),
    (lambda log: growth.score_prospects(pd.DataFrame({"s": [1.0], "returned": [True], "follow_up_revenue": [1.0]}),
                                        pd.DataFrame({"s": [1.0]}), pattern=[]), "at least one column"),
    (lambda log: growth.relationship_growth(log.to_dict(), period_1=P1, period_2=P2), "needs a DataFrame"),
])
def test_bad_arguments_get_crmlab_errors(call, message):
    from crmlab.errors import CrmlabError

    with pytest.raises(CrmlabError, match=message):
        call(_first_purchase_log())

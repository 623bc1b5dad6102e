"""Customer value: every rule on a small case worked by hand, invariants on random data."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import crmlab as cl
from crmlab import value
from crmlab.errors import DataError, MissingColumnError


@pytest.fixture
def four():
    # c and d tie at 10: ranked by id, c before d
    return pd.Series({"a": 50.0, "b": 30.0, "c": 10.0, "d": 10.0})


def test_concentration_by_hand(four):
    # sorted ascending 10, 10, 30, 50: sum (2i - n - 1) v = -30 - 10 + 30 + 150 = 140; G = 140 / (4 * 100)
    assert value.gini(four) == pytest.approx(0.35)
    assert value.gini(pd.Series([5.0, 5.0, 5.0])) == 0
    assert value.top_share(four, 0.25) == pytest.approx(0.5)
    assert value.top_share(four, 0.5) == pytest.approx(0.8)
    assert value.top_share(four, 0.375) == pytest.approx(0.65)  # halfway between the 1st and 2nd customer
    curve = value.pareto_curve(four)
    assert pd.isna(curve["customer_id"].iloc[0]) and curve["customer_id"].tolist()[1:] == ["a", "b", "c", "d"]
    assert curve["value_share"].tolist() == pytest.approx([0, 0.5, 0.8, 0.9, 1.0])
    lorenz = value.lorenz_curve(four)
    assert lorenz["value_share"].tolist() == pytest.approx([0, 0.1, 0.2, 0.5, 1.0])


def test_abc_both_conventions_by_hand(four):
    by_customers = value.abc_by_customers(four, cuts=(0.25, 0.5))
    assert by_customers.to_dict() == {"a": "A", "b": "B", "c": "C", "d": "C"}
    assert value.abc_by_customers(four).to_dict() == {"a": "A", "b": "C", "c": "C", "d": "C"}  # ceil(5 % of 4) = 1
    by_value = value.abc_by_value(four)  # value before a: 0, b: 50 %, c: 80 %, d: 90 %
    assert by_value.to_dict() == {"a": "A", "b": "B", "c": "C", "d": "C"}
    # the tie c = d straddles the 85 % cut: c (first by id) starts at 80 % and is B, d starts at 90 % and is C,
    # whatever the order of the input
    shuffled = four[["d", "c", "b", "a"]]
    assert value.abc_by_value(shuffled, cuts=(0.5, 0.85)).to_dict() == {"d": "C", "c": "B", "b": "B", "a": "A"}
    zh = value.abc_by_customers(four, cuts=(0.25, 0.5), labels=["贵宾型", "重要型", "普通型"])
    assert zh["a"] == "贵宾型"
    table = value.class_table(four, by_value)
    assert table["customers"].tolist() == [1, 1, 2] and table["value_share"].tolist() == pytest.approx([0.5, 0.3, 0.2])


def test_tie_straddling_a_cut_is_split_by_customer_id():
    tied = pd.Series({"z": 10.0, "y": 10.0, "x": 10.0, "w": 10.0})
    assert value.abc_by_customers(tied, cuts=(0.5,), labels=["A", "B"]).to_dict() == \
        {"z": "B", "y": "B", "x": "A", "w": "A"}


def test_profitability_by_hand():
    log = pd.DataFrame({
        "customer_id": ["c1", "c1", "c1", "c2"], "invoice": ["i1", "i1", "i2", "i3"],
        "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-15", "2020-03-01"]),
        "amount": [10.0, 30.0, 60.0, 20.0], "quantity": [1, 3, 2, 1]})
    costs = value.CostModel(cost_of_goods_share=0.5, per_order=5, per_unit=1, per_return=8, per_customer_period=2)
    table = value.customer_profitability(log, costs, returns=pd.Series({"c1": 1}), observation_end="2020-03-31")
    # c1: 100 - 50 goods - 2 orders x 5 - 6 units x 1 - 1 return x 8 - 3 months started (91 days) x 2 = 20
    # c2:  20 - 10 goods - 1 order x 5 - 1 unit x 1 - 0 returns - 2 months started (31 days) x 2 = 0
    assert table["profit"].to_dict() == pytest.approx({"c1": 20.0, "c2": 0.0})
    assert table.loc["c1", "orders"] == 2 and table.loc["c2", "service_costs"] == 4


def test_whale_curve_and_80_20_30_by_hand():
    profit = pd.Series({"a": 100.0, "b": 50.0, "c": -30.0})
    curve = value.whale_curve(profit)
    assert curve["profit_share"].tolist() == pytest.approx([0, 100 / 120, 150 / 120, 1.0])
    check = value.profit_concentration(profit, top=1 / 3)
    assert check["whale_peak_profit_share"] == pytest.approx(1.25)
    assert check["whale_peak_customer_share"] == pytest.approx(2 / 3)
    assert check["loss_making_share"] == pytest.approx(1 / 3)
    assert check["loss_making_profit_share"] == pytest.approx(-0.25)
    assert check["top_share_of_profit"] == pytest.approx(100 / 120)


def test_loyalty_classes_by_hand():
    def days(*dates):
        return list(pd.to_datetime(dates))

    rows = {
        "new": days("2020-12-01"),
        "loyal": days("2019-06-01", *pd.date_range("2019-07-01", "2020-12-15", periods=11).strftime("%Y-%m-%d")),
        "long": days("2019-06-01", "2019-12-01", "2020-03-01"),
        "regular": days("2020-06-01", "2020-07-01", "2020-08-01", "2020-09-01"),
        "once": days("2020-05-01"),
    }
    log = pd.DataFrame([(c, d) for c, ds in rows.items() for d in ds], columns=["customer_id", "date"])
    classes = value.loyalty_classes(log, observation_end="2021-01-01", prospects=["lead"])
    assert classes.to_dict() == {"new": "new customers", "loyal": "loyal customers",
                                 "long": "long-standing customers", "regular": "regular customers",
                                 "once": "one-time buyers", "lead": "potential customers"}
    assert value.loyalty_classes(log, observation_end="2021-01-01", lang="zh")["loyal"] == "忠诚客户"


def test_bad_input_gets_clear_errors(four):
    with pytest.raises(DataError, match="empty"):
        value.gini(pd.Series(dtype=float))
    with pytest.raises(DataError, match="missing or non-numeric"):
        value.top_share(pd.Series({"a": 1.0, "b": np.nan}))
    with pytest.raises(DataError, match="negative values"):
        value.gini(pd.Series({"a": 5.0, "b": -1.0}))
    with pytest.raises(DataError, match="all values are 0"):
        value.gini(pd.Series({"a": 0.0, "b": 0.0}))
    with pytest.raises(DataError, match="duplicated customer ids"):
        value.gini(pd.Series([1.0, 2.0], index=["a", "a"]))
    with pytest.raises(ValueError, match="increasing shares"):
        value.abc_by_customers(four, cuts=(0.5, 0.2))
    with pytest.raises(ValueError, match="3 classes, but 2 labels"):
        value.abc_by_value(four, labels=["A", "B"])
    with pytest.raises(TypeError, match="Series indexed by customer"):
        value.gini([1, 2, 3])
    with pytest.raises(ValueError, match="per_order"):
        value.CostModel(per_order=-1)
    with pytest.raises(MissingColumnError, match="amount"):
        value.customer_profitability(pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2020-01-01"])}))
    with pytest.raises(ValueError, match="lang"):
        value.loyalty_classes(pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2020-01-01"])}), lang="fr")


def test_online_retail_concentration_near_the_textbook_reference(online_retail_raw):
    log, _ = cl.transactions.clean(online_retail_raw, cl.transactions.ONLINE_RETAIL)
    revenue = log.groupby("customer_id")["amount"].sum()
    table = value.class_table(revenue, value.abc_by_customers(revenue))
    assert table["customers"].tolist() == [217, 649, 3_462]  # ceil(5 %) and ceil(20 %) of 4,328 customers
    # the textbook's 5/15/80 reference split brings 50/30/20 % of profit; revenue here: about 49/25/26 %
    assert table["value_share"].round(2).tolist() == [0.49, 0.25, 0.26]
    assert value.gini(revenue) > 0.6


values = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), st.floats(0, 1e6, allow_nan=False),
                         min_size=1, max_size=40)


@settings(max_examples=120, deadline=None)
@given(data=values, cut=st.floats(0.01, 0.6), step=st.floats(0.01, 0.39))
def test_class_invariants(data, cut, step):
    series = pd.Series(data)
    if series.sum() == 0:
        return
    for classes in (value.abc_by_customers(series, cuts=(cut, cut + step)),
                    value.abc_by_value(series, cuts=(cut, cut + step))):
        assert classes.index.equals(series.index) and classes.notna().all()  # everyone in exactly one class
        table = value.class_table(series, classes)
        assert table["customers"].sum() == len(series)
        assert table["customer_share"].sum() == pytest.approx(1) and table["value_share"].sum() == pytest.approx(1)
        order = {"A": 0, "B": 1, "C": 2}
        ranks = classes.map(order)
        for i in series.index:  # monotone: a strictly better customer is never in a worse class
            assert (ranks[series > series[i]] <= ranks[i]).all()


# --------------------------------------------------------------------------- classification against the reference

def test_abc_reference_check_and_class_order(four):
    check = value.abc_reference_check(four)  # 4 customers: ceil(5 %) = 1 A, ceil(20 %) - 1 = 0 B, 3 C
    assert check.index.tolist() == ["A", "B", "C"] and check["customers"].tolist() == [1, 0, 3]
    assert check.loc["A", "value_share"] == pytest.approx(0.5) and check.loc["A", "difference"] == pytest.approx(0.0)
    assert check.loc["A", "value_index"] == pytest.approx(0.5 / 0.25)
    tiers = value.class_table(four, value.abc_by_customers(four, cuts=(0.25, 0.5), labels=["top", "mid", "base"]))
    assert tiers.index.tolist() == ["top", "mid", "base"]  # best class first, whatever the labels' spelling


def test_profit_concentration_counts_the_unprofitable_in_the_bottom():
    profit = pd.Series({"a": 50.0, "b": 20.0, "c": 0.0, "d": -5.0, "e": 10.0})
    check = value.profit_concentration(profit, top=0.2)  # top: a; bottom: e, b, c, d → c and d bring nothing
    assert check["bottom_unprofitable_share"] == pytest.approx(2 / 4)
    assert check["unprofitable_share_of_all"] == pytest.approx(2 / 5)
    assert check["loss_making_share"] == pytest.approx(1 / 5)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        value.profit_concentration(profit, top=1.0)


def test_profit_classes_by_hand():
    profit = pd.Series({"a": 50.0, "b": 30.0, "c": 15.0, "d": 5.0, "e": 0.0, "f": -3.0})
    classes = value.profit_classes(profit)  # positive profit 100: a brings the first 50 %, b the next 30 %
    assert classes.to_dict() == {"a": "high profit", "b": "medium profit", "c": "low profit", "d": "low profit",
                                 "e": "no profit", "f": "no profit"}
    assert value.profit_classes(pd.Series({"x": -1.0})).tolist() == ["no profit"]
    with pytest.raises(ValueError, match="two cumulative shares"):
        value.profit_classes(profit, cuts=(0.5,))


def test_profitability_per_period():
    log = pd.DataFrame({"customer_id": ["c1", "c1"], "date": pd.to_datetime(["2020-01-01", "2020-02-15"]),
                        "amount": [100.0, 50.0]})
    table = value.customer_profitability(log, value.CostModel(cost_of_goods_share=0, per_order=0, per_unit=0,
                                                              per_customer_period=0), observation_end="2020-03-31")
    assert table.loc["c1", "periods"] == 3 and table.loc["c1", "profit_per_period"] == pytest.approx(50.0)


# --------------------------------------------------------------------------- value for and from the customer

OFFERS = pd.DataFrame({"product_value": [60.0, 50], "service_value": [20, 25], "personnel_value": [10, 15],
                       "image_value": [10, 10], "monetary_cost": [50, 40], "time_cost": [10, 5],
                       "energy_cost": [5, 5], "psychic_cost": [5, 10]}, index=["A", "B"])


def test_delivered_value_by_hand():
    table = value.delivered_value(OFFERS)
    assert table["total_customer_value"].tolist() == [100, 100] and table["total_customer_cost"].tolist() == [70, 60]
    assert table["delivered_value"].tolist() == [30, 40] and table["best"].tolist() == [False, True]
    assert table["value_cost_ratio"].tolist() == pytest.approx([100 / 70, 100 / 60])
    chooser = pd.concat([OFFERS.assign(who="x"), OFFERS.assign(who="y", psychic_cost=[5, 30])])
    by_chooser = value.delivered_value(chooser, chooser="who")
    assert by_chooser["best"].tolist() == [False, True, True, False]  # y's worry about B makes A the better offer
    three = OFFERS.rename(columns={"personnel_value": "consumption_value", "image_value": "potential_value",
                                   "energy_cost": "physical_cost"})
    assert value.delivered_value(three, chapter="003")["delivered_value"].tolist() == [30, 40]


def test_delivered_value_refuses_incomplete_or_unknown_parts():
    with pytest.raises(MissingColumnError, match="image_value"):
        value.delivered_value(OFFERS.drop(columns="image_value"))
    with pytest.raises(DataError, match="not parts of chapter 001"):
        value.delivered_value(OFFERS.assign(brand=1.0))
    with pytest.raises(DataError, match="non-negative"):
        value.delivered_value(OFFERS.assign(time_cost=[-1.0, 5]))
    with pytest.raises(DataError, match="missing, non-numeric"):
        value.delivered_value(OFFERS.assign(time_cost=[np.nan, 5]))
    with pytest.raises(ValueError, match="chapter must be one of"):
        value.delivered_value(OFFERS, chapter="002")
    with pytest.raises(MissingColumnError, match="chooser"):
        value.delivered_value(OFFERS, chooser="who")


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=8, max_size=8), min_size=1, max_size=6))
def test_delivered_value_is_value_minus_cost(parts):
    offers = pd.DataFrame(parts, columns=OFFERS.columns)
    table = value.delivered_value(offers)
    expected = offers.iloc[:, :4].sum(axis=1) - offers.iloc[:, 4:].sum(axis=1)
    assert table["delivered_value"].to_numpy() == pytest.approx(expected.to_numpy())
    assert table["best"].any() and table.loc[table["best"], "delivered_value"].min() == table["delivered_value"].max()


def test_relationship_value_reduces_to_retention_clv_and_is_linear_in_referrals():
    base = value.relationship_value(100, 0.7, 0.08)
    assert base["relationship_value"] == pytest.approx(cl.economics.constant_retention_clv(100, 0.7, 0.08))
    assert base["expected_lifetime"] == pytest.approx(0.7 / 0.3)
    values = [value.relationship_value(100, 0.7, 0.08, referrals=0.2, value_per_referral=v)["relationship_value"]
              for v in (-100.0, 0.0, 100.0, 200.0)]
    assert np.diff(values) == pytest.approx([np.diff(values)[0]] * 3)  # linear
    assert values[0] < values[1]  # negative word of mouth lowers the value
    start = value.relationship_value(100, 0.7, 0.08, timing="start", horizon=3)
    assert start["relationship_value"] == pytest.approx(100 * (1 + 0.7 / 1.08 + (0.7 / 1.08) ** 2))
    assert start["expected_lifetime"] == pytest.approx(1 + 0.7 + 0.49)


def test_relationship_value_per_customer_and_errors():
    margins = pd.Series({"a": 100.0, "b": -20.0})
    table = value.relationship_value(margins, pd.Series({"b": 0.5, "a": 0.9}), 0.1, capability=5)
    assert table.index.tolist() == ["a", "b"] and table.loc["b", "relationship_value"] < 0
    assert table.loc["a", "discount_weight"] == pytest.approx((0.9 / 1.1) / (1 - 0.9 / 1.1))
    with pytest.raises(ValueError, match="probability between 0 and 1"):
        value.relationship_value(100, 1.2, 0.1)
    with pytest.raises(ValueError, match="referrals"):
        value.relationship_value(100, 0.5, 0.1, referrals=-1)
    with pytest.raises(DataError, match="not given for the same customers"):
        value.relationship_value(margins, pd.Series({"a": 0.5, "z": 0.5}), 0.1)
    with pytest.raises(DataError, match="missing, infinite or non-numeric"):
        value.relationship_value(pd.Series({"a": np.nan}), 0.5, 0.1)
    with pytest.raises(DataError, match="duplicated"):
        value.relationship_value(pd.Series([1.0, 2.0], index=["a", "a"]), 0.5, 0.1)
    with pytest.raises(ValueError, match="infinite"):
        value.relationship_value(100, 1.0, 0.0)  # a relationship that never ends, undiscounted


def test_customer_equity_model_uses_ecsi_indicators():
    model = value.customer_equity_model()
    assert set(model.indicators) <= set(cl.datasets.load_ecsi().columns)
    assert ("value equity", "loyalty intention") in model.paths and ("brand equity", "loyalty intention") in model.paths
    assert set(value.CUSTOMER_EQUITY_DRIVERS["equity"]) == {"value equity", "brand equity", "relationship equity"}

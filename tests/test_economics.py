"""Retention economics, every formula on numbers worked by hand.

The textbook's own figures (教材 002, 003 §2.5.2, …) are pinned in tests/textbook/test_growth.py; this file checks
the formulas and the errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmlab import economics
from crmlab.errors import DataError, MissingColumnError


def test_leaking_bucket_with_customers_and_costs_by_hand():
    # our own example: 10,000 customers, revenue 10 million, acquisition cost 500, budget 3 million
    result = economics.leaking_bucket(10_000_000, 0.30, 0.15, customers=10_000, acquisition_cost=500,
                                      sales_marketing_spend=3_000_000)
    assert result["revenue_lost_to_turnover"] == pytest.approx(3_000_000)
    assert result["acquisition_rate_needed"] == pytest.approx(0.45)  # 30 % to refill + 15 % to grow
    assert result["customers_to_win"] == pytest.approx(4_500)
    assert result["refill_share"] == pytest.approx(2 / 3)  # two thirds only refill the bucket
    assert result["refill_spend"] == pytest.approx(1_500_000)
    assert result["acquisition_spend_needed"] == pytest.approx(2_250_000)
    assert result["refill_share_of_budget"] == pytest.approx(0.5)


@given(revenue=st.floats(0, 1e12), turnover=st.floats(0, 1), growth=st.floats(-0.5, 1),
       acquisition=st.floats(0, 2))
def test_leaking_bucket_identities(revenue, turnover, growth, acquisition):
    result = economics.leaking_bucket(revenue, turnover, growth, acquisition_rate=acquisition)
    scale = max(revenue, 1.0) * 1e-9
    assert result["revenue_next_year"] == pytest.approx(revenue - result["revenue_lost_to_turnover"]
                                                        + result["revenue_won"], abs=scale)
    assert result["change_vs_today"] + result["shortfall_vs_market"] == pytest.approx(revenue * growth, abs=scale)
    # acquiring at the needed rate closes the gap to the market exactly
    if turnover + growth >= 0:
        met = economics.leaking_bucket(revenue, turnover, growth, acquisition_rate=turnover + growth)
        assert met["shortfall_vs_market"] == pytest.approx(0.0, abs=scale)


def test_leaking_bucket_optional_rows():
    shrinking = economics.leaking_bucket(100.0, 0.2, -0.05, acquisition_rate=0.1)
    assert "needed_multiple_of_growth" not in shrinking  # no multiple of a shrinking market
    assert shrinking["acquisition_rate_needed"] == pytest.approx(0.15)
    assert "half_life_without_acquisition" not in economics.leaking_bucket(100.0, 0.0, 0.1)
    assert economics.leaking_bucket(100.0, 0.5, 0.1)["half_life_without_acquisition"] == pytest.approx(1.0)


@pytest.mark.parametrize("args, kwargs, message", [
    ((-1, 0.3, 0.1), {}, "revenue must be a finite number >= 0"),
    ((1e6, 1.3, 0.1), {}, "turnover_rate is a probability or share"),
    ((1e6, 0.3, -1.0), {}, "market_growth must be a rate above -1"),
    ((1e6, 0.3, float("nan")), {}, "market_growth must be a finite number"),
    ((1e6, 0.3, "fast"), {}, "market_growth must be a number"),
    ((1e6, 0.3, -0.1), {}, "give acquisition_rate >= 0 explicitly"),
    ((1e6, 0.3, 0.1), {"acquisition_rate": -0.1}, "acquisition_rate must be a finite number >= 0"),
    ((1e6, 0.3, 0.1), {"acquisition_cost": 50}, "need customers="),
    ((1e6, 0.3, 0.1), {"customers": 10, "acquisition_cost": 5, "sales_marketing_spend": 0}, "no budget"),
])
def test_leaking_bucket_rejects_bad_input(args, kwargs, message):
    with pytest.raises(DataError, match=message):
        economics.leaking_bucket(*args, **kwargs)


def test_quick_assessment_adds_the_four_terms():
    result = economics.crm_budget_quick_assessment(2_000_000, 0.25, 300_000, 150_000, 9_000_000, 8_500_000)
    assert result["marketing_expense_x_turnover"] == pytest.approx(500_000)
    assert result["retention_gap"] == pytest.approx(500_000)
    assert result["crm_budget"] == pytest.approx(500_000 + 300_000 + 150_000 + 500_000)
    assert list(result.index) == ["marketing_expense_x_turnover", "lost_referrals_value", "regain_sales_time_value",
                                  "retention_gap", "crm_budget"]
    no_gap = economics.crm_budget_quick_assessment(1.0, 0.0, 0.0, 0.0, 5.0, 5.0)
    assert no_gap["crm_budget"] == 0


@pytest.mark.parametrize("args, message", [
    ((-1, 0.3, 0, 0, 1, 1), "marketing_expense must be a finite number >= 0"),
    ((1, 1.5, 0, 0, 1, 1), "turnover_rate is a probability"),
    ((1, 0.3, -5, 0, 1, 1), "lost_referrals_value must be"),
    ((1, 0.3, 0, None, 1, 1), "regain_sales_time_value must be a number"),
    ((1, 0.3, 0, 0, 1, 2), "below current_retention_revenue"),
])
def test_quick_assessment_rejects_bad_input(args, message):
    with pytest.raises(DataError, match=message):
        economics.crm_budget_quick_assessment(*args)


def test_retention_clv_by_hand():
    # margin 100, retention 0.8, discount 10 %: 100 * 0.8 / (1.1 - 0.8) and 100 * 1.1 / (1.1 - 0.8)
    assert economics.constant_retention_clv(100, 0.8, 0.1) == pytest.approx(800 / 3)
    assert economics.constant_retention_clv(100, 0.8, 0.1, timing="start") == pytest.approx(1100 / 3)
    # three periods: 100 (0.8/1.1 + 0.8^2/1.1^2 + 0.8^3/1.1^3)
    assert economics.constant_retention_clv(100, 0.8, 0.1, horizon=3) == pytest.approx(164.0872, abs=1e-4)
    long = economics.constant_retention_clv(100, 0.8, 0.1, horizon=500)
    assert long == pytest.approx(economics.constant_retention_clv(100, 0.8, 0.1))


def test_clv_moves_the_right_way_with_retention_and_discounting():
    rates = np.linspace(0.1, 0.95, 18)
    values = [economics.constant_retention_clv(50, r, 0.1) for r in rates]
    assert np.all(np.diff(values) > 0)  # increases with retention
    clv = economics.constant_retention_clv
    assert clv(50, 0.8, 0.05) > clv(50, 0.8, 0.15)  # falls with discount


def test_five_points_of_retention():
    table = economics.retention_uplift([0.80, 0.90, 0.97], [0.10])
    # 0.80 -> 0.85: (85 / 0.25) / (80 / 0.30) - 1 = 27.5 %
    assert table.loc[0.80, 0.10] == pytest.approx(0.275)
    assert table.loc[0.90, 0.10] > table.loc[0.80, 0.10]
    assert np.isnan(table.loc[0.97, 0.10])  # 102 % retention does not exist


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="retention is a probability"):
        economics.constant_retention_clv(100, 1.2, 0.1)
    with pytest.raises(ValueError, match="margin must be"):
        economics.constant_retention_clv(-5, 0.8, 0.1)
    with pytest.raises(ValueError, match="infinite"):
        economics.constant_retention_clv(100, 1.0, 0.0)
    with pytest.raises(ValueError, match="turnover_rate"):
        economics.leaking_bucket(1e6, -0.1, 0.05)


def test_clv_components_by_hand():
    table = economics.clv_components(initial_margin=50, repeat_margin=100, retention=0.8, discount_rate=0.1,
                                     horizon=2, spending_growth=0.1, cross_sell_margin=10, service_cost_saving=5,
                                     referrals_per_period=0.5, referral_value=20, price_premium=2)
    w1, w2 = 0.8 / 1.1, 0.8**2 / 1.1**2  # P(still a customer) x discount factor in periods 1 and 2
    assert table.loc[0, "initial_purchase"] == 50 and table.loc[0, "total"] == 50
    assert table["repeat_purchases"].sum() == pytest.approx(100 * w1 + 110 * w2)  # spending grows 10 % a period
    assert table["cross_selling"].sum() == pytest.approx(10 * w2)  # nothing cross-sold in the first period
    assert table["lower_service_cost"].sum() == pytest.approx(5 * w2)
    assert table["referrals"].sum() == pytest.approx(10 * (w1 + w2))
    assert table["price_premium"].sum() == pytest.approx(2 * w2)
    assert table["retention_cost"].sum() == 0
    assert table["total"].sum() == pytest.approx(table.drop(columns="total").to_numpy().sum())
    assert list(table.columns[:-1]) == list(economics.COMPONENT_LABELS)


def test_negative_word_of_mouth_and_retention_cost():
    """003 §2.5.2 ③: a negative mention lowers CLV as much as a positive one raises it; ⑤: the cost is deducted."""
    base = {"initial_margin": 50, "repeat_margin": 100, "retention": 0.8, "discount_rate": 0.1, "horizon": 12,
            "referrals_per_period": 0.5}
    clv = {v: economics.clv_components(**base, referral_value=v)["total"].sum() for v in (-40, 0, 40)}
    assert clv[40] - clv[0] == pytest.approx(clv[0] - clv[-40])
    assert clv[-40] < clv[0] < clv[40]
    costly = economics.clv_components(**base, retention_cost=10)
    weights = sum((0.8 / 1.1) ** t for t in range(1, 13))
    assert costly["retention_cost"].sum() == pytest.approx(-10 * weights)
    assert clv[0] - costly["total"].sum() == pytest.approx(10 * weights)


def test_clv_drivers_move_clv_the_way_003_says():
    base = {"initial_margin": 40, "repeat_margin": 100, "retention": 0.8, "discount_rate": 0.1, "horizon": 15,
            "referrals_per_period": 0.1, "referral_value": 60}
    table = economics.clv_drivers(base, discount_rate=0.15, retention=0.85, referral_value=-60, spending_growth=0.05,
                                  retention_cost=20, competitor_retention=0.7)
    sign = np.sign(table["change"]).to_dict()
    assert sign == {"discount rate (①)": -1, "relationship length (②)": 1, "mention rate (③)": -1,
                    "customer income (④)": 1, "retention cost (⑤)": -1, "competitors (⑥)": -1}
    base_clv = economics.clv_components(**base)["total"].sum()
    assert table.attrs["base_clv"] == pytest.approx(base_clv)
    higher_d = economics.clv_components(**{**base, "discount_rate": 0.15})["total"].sum()
    assert table.loc["discount rate (①)", "clv"] == pytest.approx(higher_d)
    assert table.loc["customer income (④)", "base_value"] == 0.0  # the default of clv_components
    with pytest.raises(DataError, match="unknown \\['margin'\\]"):
        economics.clv_drivers({**base, "margin": 3}, discount_rate=0.15, retention=0.85, referral_value=-60,
                              spending_growth=0.05, retention_cost=20, competitor_retention=0.7)
    with pytest.raises(DataError, match="missing \\['retention'\\]"):
        economics.clv_drivers({k: v for k, v in base.items() if k != "retention"}, discount_rate=0.15,
                              retention=0.85, referral_value=-60, spending_growth=0.05, retention_cost=20,
                              competitor_retention=0.7)


@given(gain=st.floats(0.01, 5), d=st.floats(0, 0.3), u=st.floats(0.01, 0.2))
def test_retention_for_uplift_inverts_retention_uplift(gain, d, u):
    r = economics.retention_for_uplift(gain, d, uplift=u)
    if np.isnan(r):
        # no root on the upper branch: the gain is above the ceiling (at r = 1 - u) or below the minimum (vertex)
        best = economics.retention_ceilings([d], uplift=u).iloc[0]
        least = economics.retention_uplift([(1 + d - u) / 2], [d], uplift=u).iloc[0, 0]
        assert best < gain * (1 + 1e-9) or least > gain * (1 - 1e-9)
    else:
        assert (1 + d - u) / 2 <= r <= 1 - u
        assert economics.retention_uplift([r], [d], uplift=u).iloc[0, 0] == pytest.approx(gain, rel=1e-6)


def test_retention_ceilings_by_hand():
    ceilings = economics.retention_ceilings([0.0, 0.10], uplift=0.05)
    assert np.isinf(ceilings["d=0%"])
    assert ceilings["d=10%"] == pytest.approx(0.15 / (0.95 * 0.10) - 1)


def test_quoted_clv_table_discounts_a_level_stream():
    table = economics.quoted_clv_table(0.0)
    assert (table["present_value"] == table["lifetime_value"]).all()
    one = economics.quoted_clv_table(0.05).loc["Coca-Cola"]
    assert one["present_value"] == pytest.approx(220 * sum(1.05 ** -t for t in range(1, 51)))


def test_clv_components_reduce_to_retention_clv():
    table = economics.clv_components(initial_margin=0, repeat_margin=100, retention=0.8, discount_rate=0.1,
                                     horizon=7)
    assert table["total"].sum() == pytest.approx(economics.constant_retention_clv(100, 0.8, 0.1, horizon=7))


def test_clv_sensitivity_falls_with_discount_and_rises_with_horizon():
    table = economics.clv_sensitivity(100, 0.8, [0.0, 0.05, 0.1, 0.2], [1, 3, 10, None])
    assert table.loc[1, 0.1] == pytest.approx(100 * 0.8 / 1.1)
    assert table.loc["unlimited", 0.1] == pytest.approx(800 / 3)
    assert table.loc["unlimited", 0.0] == pytest.approx(400)  # undiscounted: m r / (1 - r)
    assert np.all(np.diff(table.to_numpy(), axis=1) < 0)  # along discount rates
    assert np.all(np.diff(table.to_numpy(), axis=0) > 0)  # along horizons


def test_customer_equity_projection_by_hand_and_as_a_growing_perpetuity():
    table = economics.customer_equity(1_000_000, 1_000, 300, acquisition_cost=100, discount_rate=0.1,
                                                 cohorts=2, cohort_growth=0.05)
    # cohort 1: 1,000 x 200 / 1.1; cohort 2: 1,050 x 200 / 1.21
    assert table["discounted_value"].tolist() == pytest.approx([1_000_000, 200_000 / 1.1, 210_000 / 1.21])
    assert table["cumulative_equity"].iloc[-1] == pytest.approx(1_000_000 + 200_000 / 1.1 + 210_000 / 1.21)
    long = economics.customer_equity(0, 1_000, 300, acquisition_cost=100, discount_rate=0.1,
                                                cohorts=2_000, cohort_growth=0.05)
    assert long["cumulative_equity"].iloc[-1] == pytest.approx(1_000 * 200 / (0.10 - 0.05))


@pytest.mark.parametrize("kwargs, message", [
    ({"retention": 1.2}, "retention is a probability"),
    ({"retention": -0.1}, "retention is a probability"),
    ({"repeat_margin": -5}, "repeat_margin must be a finite number >= 0"),
    ({"discount_rate": -1.5}, "discount_rate must be a rate above -1"),
    ({"horizon": 0}, "horizon must be a whole number"),
])
def test_clv_components_reject_bad_input(kwargs, message):
    arguments = {"initial_margin": 10, "repeat_margin": 10, "retention": 0.8, "discount_rate": 0.1, **kwargs}
    with pytest.raises(ValueError, match=message):
        economics.clv_components(**arguments)


def test_customer_equity_projection_rejects_bad_input():
    with pytest.raises(ValueError, match="new_customers must be a finite number >= 0"):
        economics.customer_equity(0, -10, 100, discount_rate=0.1)
    with pytest.raises(ValueError, match="cohort_growth must be a rate above -1"):
        economics.customer_equity(0, 10, 100, discount_rate=0.1, cohort_growth=-2)


def test_win_back_ranking_by_hand():
    view = pd.DataFrame({
        "first_purchase": pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01", "2021-11-01"]),
        "last_purchase": pd.to_datetime(["2021-01-01", "2020-06-01", "2021-03-01", "2021-12-20"]),
        "revenue": [2_000.0, 300.0, 100.0, 900.0],
    }, index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    table = economics.win_back_ranking(view, as_of="2022-01-01", lapsed_after_days=180, win_back_rate=0.2,
                                       contact_cost=10, margin_rate=0.3, retention=0.5, discount_rate=0.0,
                                       period_days=366)
    assert list(table.index) == ["a", "b", "c"]  # d bought 12 days ago: not lapsed
    # a: active 2020-01-01 to 2021-01-01 = 366 days = 1 period; margin 600 a period; CLV(1) = 1 / (1 - 0.5) = 2
    assert table.loc["a", "second_lifetime_value"] == pytest.approx(0.2 * 600 * 2 - 10)
    assert table.loc["b", "second_lifetime_value"] == pytest.approx(0.2 * 90 * 2 - 10)  # one-time buyer
    assert table.loc["c", "second_lifetime_value"] == pytest.approx(0.2 * 30 * 2 - 10)
    assert table["worth_contacting"].tolist() == [True, True, True]
    costly = economics.win_back_ranking(view, as_of="2022-01-01", win_back_rate=0.2, contact_cost=20,
                                        margin_rate=0.3, retention=0.5, discount_rate=0.0, period_days=366)
    assert costly["worth_contacting"].tolist() == [True, True, False]
    with pytest.raises(ValueError, match="win_back_rate is a probability"):
        economics.win_back_ranking(view, as_of="2022-01-01", win_back_rate=1.5, contact_cost=1, margin_rate=0.3,
                                   retention=0.5, discount_rate=0.0)
    with pytest.raises(MissingColumnError, match="needs columns \\['revenue'\\]"):
        economics.win_back_ranking(view.drop(columns="revenue"), as_of="2022-01-01", win_back_rate=0.2,
                                   contact_cost=1, margin_rate=0.3, retention=0.5, discount_rate=0.0)

"""Retention economics, every formula on numbers worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import economics


def test_textbook_leaking_bucket_30_percent_turnover_15_percent_growth():
    result = economics.crm_quick_assessment(10_000_000, 10_000, 0.30, 0.15, acquisition_cost=500,
                                            sales_marketing_spend=3_000_000)
    assert result["revenue_lost_to_turnover"] == pytest.approx(3_000_000)
    assert result["acquisition_rate_needed"] == pytest.approx(0.45)  # 30 % to refill + 15 % to grow
    assert result["customers_to_win"] == pytest.approx(4_500)
    assert result["share_of_acquisition_refilling"] == pytest.approx(2 / 3)  # two thirds only refill the bucket
    assert result["refill_spend"] == pytest.approx(1_500_000)
    assert result["refill_share_of_budget"] == pytest.approx(0.5)


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
        economics.crm_quick_assessment(1e6, 100, -0.1, 0.05)


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
    assert table["total"].sum() == pytest.approx(table.drop(columns="total").to_numpy().sum())
    assert list(table.columns[:-1]) == list(economics.COMPONENT_LABELS)


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
    ({"discount_rate": -1.5}, "discount_rate must be above -1"),
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
    import pandas as pd

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

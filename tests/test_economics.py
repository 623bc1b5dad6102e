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
    assert economics.retention_clv(100, 0.8, 0.1) == pytest.approx(800 / 3)
    assert economics.retention_clv(100, 0.8, 0.1, timing="start") == pytest.approx(1100 / 3)
    # three periods: 100 (0.8/1.1 + 0.8^2/1.1^2 + 0.8^3/1.1^3)
    assert economics.retention_clv(100, 0.8, 0.1, horizon=3) == pytest.approx(164.0872, abs=1e-4)
    long = economics.retention_clv(100, 0.8, 0.1, horizon=500)
    assert long == pytest.approx(economics.retention_clv(100, 0.8, 0.1))


def test_clv_moves_the_right_way_with_retention_and_discounting():
    rates = np.linspace(0.1, 0.95, 18)
    values = [economics.retention_clv(50, r, 0.1) for r in rates]
    assert np.all(np.diff(values) > 0)  # increases with retention
    assert economics.retention_clv(50, 0.8, 0.05) > economics.retention_clv(50, 0.8, 0.15)  # falls with discount


def test_five_points_of_retention():
    table = economics.retention_uplift([0.80, 0.90, 0.97], [0.10])
    # 0.80 -> 0.85: (85 / 0.25) / (80 / 0.30) - 1 = 27.5 %
    assert table.loc[0.80, 0.10] == pytest.approx(0.275)
    assert table.loc[0.90, 0.10] > table.loc[0.80, 0.10]
    assert np.isnan(table.loc[0.97, 0.10])  # 102 % retention does not exist


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="retention is a probability"):
        economics.retention_clv(100, 1.2, 0.1)
    with pytest.raises(ValueError, match="margin must be"):
        economics.retention_clv(-5, 0.8, 0.1)
    with pytest.raises(ValueError, match="infinite"):
        economics.retention_clv(100, 1.0, 0.0)
    with pytest.raises(ValueError, match="turnover_rate"):
        economics.crm_quick_assessment(1e6, 100, -0.1, 0.05)

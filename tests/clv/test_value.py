"""Customer lifetime value and customer equity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl

lifetimes = pytest.importorskip("lifetimes")


def test_clv_by_hand(cdnow_published):
    """CLV = margin x spend x Σ_k (E[X(kΔ)] - E[X((k-1)Δ)]) / (1+d)^k, from the model's own expectations."""
    model = cl.clv.BetaGeo().fit(cdnow_published)
    value = cl.clv.customer_lifetime_value(model, 10.0, cdnow_published, horizon=2, discount_rate=0.1,
                                           period_length=4.0, margin=0.3)
    first, second = (model.expected_purchases(h, cdnow_published) for h in (4.0, 8.0))
    by_hand = 0.3 * 10.0 * (first / 1.1 + (second - first) / 1.1**2)
    np.testing.assert_allclose(value["clv"], by_hand, rtol=1e-12)
    np.testing.assert_allclose(value["expected_purchases"], second, rtol=1e-12)


def test_clv_equals_lifetimes_at_equal_parameters(cdnow_weeks):
    daily = cl.customer_summary(cl.datasets.load_cdnow("sample"), observation_end="1997-09-30")
    purchases = cl.clv.BetaGeo().fit(daily)
    spend = cl.clv.GammaGamma().fit(daily)
    ours = cl.clv.customer_lifetime_value(purchases, spend, daily, horizon=12, discount_rate=0.01, period_length=30)
    assert purchases.time_unit_ == "D"  # lifetimes' freq="D": months of 30 days
    peer_bg = lifetimes.BetaGeoFitter()
    peer_bg.params_ = dict(purchases.params_)
    peer_bg.predict = peer_bg.conditional_expected_number_of_purchases_up_to_time  # what lifetimes' fit() attaches
    peer_gg = lifetimes.GammaGammaFitter()
    peer_gg.params_ = {"p": spend.params_["p"], "q": spend.params_["q"], "v": spend.params_["gamma"]}
    theirs = peer_gg.customer_lifetime_value(peer_bg, daily["frequency"], daily["recency"], daily["T"],
                                             daily["monetary"], time=12, discount_rate=0.01, freq="D")
    np.testing.assert_allclose(ours["clv"], theirs, rtol=1e-8)


def test_clv_moves_the_right_way(cdnow_weeks):
    purchases = cl.clv.ParetoNBD().fit(cdnow_weeks)
    spend = cl.clv.GammaGamma().fit(cdnow_weeks)

    def equity(**kwargs):
        return cl.clv.customer_base_value(purchases, spend, cdnow_weeks, **kwargs)

    assert equity(discount_rate=0.0) > equity(discount_rate=0.01) > equity(discount_rate=0.05)
    assert equity(horizon=24) > equity(horizon=12) > equity(horizon=6)
    assert equity(margin=0.2) == pytest.approx(0.2 * equity(margin=1.0))


def test_bad_clv_arguments(cdnow_weeks):
    purchases = cl.clv.BetaGeo().fit(cdnow_weeks)
    with pytest.raises(ValueError, match="horizon"):
        cl.clv.customer_lifetime_value(purchases, 10.0, cdnow_weeks, horizon=0)
    with pytest.raises(ValueError, match="discount_rate"):
        cl.clv.customer_lifetime_value(purchases, 10.0, cdnow_weeks, discount_rate=-1)
    with pytest.raises(ValueError, match="freq must be"):
        cl.clv.customer_lifetime_value(purchases, 10.0, cdnow_weeks, freq="Y")
    with pytest.raises(TypeError, match="spend_model"):
        cl.clv.customer_lifetime_value(purchases, "ten", cdnow_weeks)


def test_customer_values_written_in_chunks_equal_the_whole(tmp_path, cdnow_published):
    model = cl.clv.BetaGeo().fit(cdnow_published)
    spend = 35.0
    options = {"horizon": 6, "discount_rate": 0.01, "freq": "M"}
    path = cl.clv.write_customer_values(tmp_path / "values.parquet", model, spend, cdnow_published, chunk_size=500,
                                        progress=False, **options)
    written = pd.read_parquet(path)
    whole = cl.clv.customer_lifetime_value(model, spend, cdnow_published, **options)
    pd.testing.assert_frame_equal(written.drop(columns="p_alive"), whole)
    pd.testing.assert_series_equal(written["p_alive"], model.p_alive(cdnow_published), check_names=False)


def test_gamma_gamma_with_an_infinite_mean_refuses_instead_of_negative_spend():
    """q <= 1: the population mean spend is infinite, so customers without repeat purchases have no finite
    expected spend (the formula γp/(q-1) would turn negative, and CLV with it)."""
    spend = cl.clv.GammaGamma()
    spend.params_ = pd.Series({"p": 2.0, "q": 0.8, "gamma": 10.0})
    customers = pd.DataFrame({"frequency": [0, 3], "monetary": [0.0, 25.0]}, index=["once", "often"])
    with pytest.raises(cl.errors.PredictionError, match="1 customers.*'once'.*every one-time buyer"):
        spend.expected_spend(customers)
    assert spend.expected_spend(customers.loc[["often"]]).iloc[0] == pytest.approx((10 + 75) * 2 / (6 + 0.8 - 1))
    assert spend.mean_spend() == np.inf

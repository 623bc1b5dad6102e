"""Customer lifetime value and customer equity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl

lifetimes = pytest.importorskip("lifetimes")


class ConstantRate:
    """A stand-in purchase model: every customer buys `rate` times per time unit, forever."""

    def __init__(self, rate):
        self.rate = rate

    def expected_purchases(self, t, data):
        return pd.Series(self.rate * np.asarray(t, dtype=float) * np.ones(len(data)), index=data.index)


def test_clv_by_hand():
    data = pd.DataFrame(index=pd.Index(["a", "b"], name="customer_id"))
    value = cl.clv.customer_lifetime_value(ConstantRate(2.0), 10.0, data, horizon=2, discount_rate=0.1,
                                           period_length=1.0, margin=0.3)
    # two purchases a period worth 10 each, discounted at 10 %: 20/1.1 + 20/1.21, times a 30 % margin
    assert value["clv"].tolist() == pytest.approx([0.3 * (20 / 1.1 + 20 / 1.21)] * 2)
    assert value["expected_purchases"].tolist() == [4.0, 4.0]


def test_clv_equals_lifetimes_at_equal_parameters(cdnow_weeks):
    daily = cl.customer_summary(cl.datasets.load_cdnow("sample"), observation_end="1997-09-30")
    purchases = cl.clv.BetaGeo().fit(daily)
    spend = cl.clv.GammaGamma().fit(daily)
    ours = cl.clv.customer_lifetime_value(purchases, spend, daily, horizon=12, discount_rate=0.01, period_length=30)
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
        return cl.clv.customer_equity(purchases, spend, cdnow_weeks, time_unit="W", **kwargs)

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
    options = {"horizon": 6, "discount_rate": 0.01, "freq": "M", "time_unit": "W"}
    path = cl.clv.write_customer_values(tmp_path / "values.parquet", model, spend, cdnow_published, chunk_size=500,
                                        progress=False, **options)
    written = pd.read_parquet(path)
    whole = cl.clv.customer_lifetime_value(model, spend, cdnow_published, **options)
    pd.testing.assert_frame_equal(written.drop(columns="p_alive"), whole)
    pd.testing.assert_series_equal(written["p_alive"], model.p_alive(cdnow_published), check_names=False)

"""Units and meanings travel with the data: a summary knows its unit, a model knows what it was fitted on.

The regression behind these tests: a weekly CDNOW summary passed to customer_lifetime_value without
repeating time_unit="W" used to give customer equity 3.76 times too high, silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError
from crmlab.frames import table_info


@pytest.fixture(scope="module")
def cdnow_log():
    return cl.datasets.load_cdnow("sample")


@pytest.fixture(scope="module")
def in_days_and_weeks(cdnow_log):
    """The same purchases summarised in days and in weeks (one purchase = one customer-day in both)."""
    return {unit: cl.customer_summary(cdnow_log, observation_end="1997-09-30", time_unit=unit) for unit in "DW"}


def test_clv_of_one_log_is_the_same_in_days_and_weeks(in_days_and_weeks):
    """Rescaling time rescales alpha only (BG/NBD, Pareto/NBD): the CLV of a month is the same whatever the unit."""
    equity = {}
    for unit, summary in in_days_and_weeks.items():
        model = cl.clv.BetaGeo().fit(summary)  # no unit repeated anywhere
        assert model.time_unit_ == unit
        equity[unit] = cl.clv.customer_base_value(model, 30.0, summary, horizon=12, discount_rate=0.01, freq="M")
    assert equity["D"] == pytest.approx(equity["W"], rel=1e-5)
    days, weeks = (cl.clv.BetaGeo().fit(s) for s in in_days_and_weeks.values())
    assert days.params_["alpha"] == pytest.approx(7 * weeks.params_["alpha"], rel=1e-4)


def test_an_argument_that_contradicts_the_data_names_both(in_days_and_weeks):
    weekly = in_days_and_weeks["W"]
    model = cl.clv.BetaGeo().fit(weekly)
    with pytest.raises(DataError, match=r"time_unit='D'.*fitted in 'W'"):
        cl.clv.customer_lifetime_value(model, 30.0, weekly, time_unit="D")
    with pytest.raises(DataError, match=r"time_unit='D' contradicts the data, a customer summary in weeks \(W\)"):
        cl.clv.BetaGeo().fit(weekly, time_unit="D")
    with pytest.raises(DataError, match=r"fitted in weeks \(W\) but the data are a customer summary in days"):
        model.p_alive(in_days_and_weeks["D"])
    with pytest.raises(DataError, match="fitted in weeks"):
        cl.clv.customer_lifetime_value(model, 30.0, in_days_and_weeks["D"])
    # agreeing arguments are accepted: they are checks, not settings
    assert cl.clv.BetaGeo().fit(weekly, time_unit="W").time_unit_ == "W"


def test_a_hand_built_summary_states_its_unit_once(cdnow_published):
    by_hand = pd.DataFrame(cdnow_published[["frequency", "recency", "T"]])  # a plain frame: no crmlab information
    assert table_info(by_hand) is None
    with pytest.raises(DataError, match="do not say in which unit"):
        cl.clv.ParetoNBD().fit(by_hand)
    model = cl.clv.ParetoNBD().fit(by_hand, time_unit="W")
    assert model.time_unit_ == "W"
    value = cl.clv.customer_lifetime_value(model, 30.0, by_hand, horizon=3)  # the model's unit from here on
    assert np.isfinite(value["clv"]).all() and (value["clv"] >= 0).all()
    with pytest.raises(ValueError, match="time_unit must be one of"):
        cl.clv.BetaGeo().fit(by_hand, time_unit="weeks")


def test_joins_slices_and_parquet_keep_what_the_table_means(in_days_and_weeks, tmp_path):
    weekly = in_days_and_weeks["W"]
    covariates = pd.DataFrame({"gender": np.arange(len(weekly)) % 2}, index=weekly.index)
    for derived in (weekly.join(covariates), pd.concat([weekly, covariates], axis=1), weekly.head(100),
                    weekly[weekly["frequency"] > 0], weekly.assign(extra=1.0)):
        assert table_info(derived) == table_info(weekly)
    weekly.to_parquet(tmp_path / "summary.parquet")
    reread = pd.read_parquet(tmp_path / "summary.parquet")
    assert table_info(reread) == table_info(weekly)
    assert cl.clv.BetaGeo().fit(reread).time_unit_ == "W"
    assert table_info(weekly).describe() == "a customer summary in weeks (W) observed to 1997-09-30"


def test_a_split_records_both_ends_and_is_not_what_a_model_is_fitted_on(cdnow_log):
    split = cl.calibration_holdout(cdnow_log, calibration_end="1997-09-30", observation_end="1998-06-30",
                                   time_unit="W")
    info = table_info(split)
    assert (info.kind, info.calibration_end, info.observation_end, info.time_unit) == \
        ("calibration_holdout", "1997-09-30", "1998-06-30", "W")
    calibration = cl.calibration_summary(split)
    assert table_info(calibration).observation_end == "1997-09-30"
    with pytest.raises(DataError, match="calibration_summary"):
        cl.clv.BetaGeo().fit(split)
    daily_model = cl.clv.BetaGeo().fit(cl.customer_summary(cdnow_log, observation_end="1997-09-30", time_unit="D"))
    with pytest.raises(DataError, match="fitted in 'D' but the calibration/holdout table is in 'W'"):
        cl.clv.evaluate_holdout(daily_model, split)


def test_discrete_models_count_their_own_periods():
    donations = cl.datasets.load_donations()
    model = cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    assert model.time_unit_ == "opportunity" and model.time_unit_label == "opportunities"
    with pytest.raises(ValueError, match="time_unit does not apply"):
        cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights", time_unit="W")
    with pytest.raises(ValueError, match="no calendar length"):
        cl.clv.customer_lifetime_value(model, 10.0, donations, freq="M")
    value = cl.clv.customer_lifetime_value(model, 10.0, donations, horizon=5, discount_rate=0.1)
    by_hand = sum((model.expected_purchases(k, donations) - model.expected_purchases(k - 1, donations)) * 10 / 1.1**k
                  for k in range(1, 6))
    np.testing.assert_allclose(value["clv"], by_hand, rtol=1e-10)

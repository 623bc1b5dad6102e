"""Customer summary and calibration/holdout split.

References: the published CDNOW summary of Fader, Hardie & Lee (2005) as
distributed with their notes and lifetimes (``cdnow_customers_summary.csv``,
2 decimals), and lifetimes 0.11.3's ``summary_data_from_transaction_data`` /
``calibration_and_holdout_data``, an independent implementation.
"""

from __future__ import annotations

import hypothesis.strategies as st
import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import crmlab as cl
from crmlab.errors import MissingColumnError, ObservationPeriodError
from crmlab.transactions import ONLINE_RETAIL

lifetimes_utils = pytest.importorskip("lifetimes.utils")


def lifetimes_summary(log: pd.DataFrame, **kwargs) -> pd.DataFrame:
    out = lifetimes_utils.summary_data_from_transaction_data(log, "customer_id", "date", "amount", **kwargs)
    return out.rename(columns={"monetary_value": "monetary"}).sort_index()


def lifetimes_calibration_holdout(log: pd.DataFrame, **kwargs) -> pd.DataFrame:
    out = lifetimes_utils.calibration_and_holdout_data(log, "customer_id", "date", monetary_value_col="amount",
                                                       **kwargs)
    return out.rename(columns=lambda c: c.replace("monetary_value", "monetary")).sort_index()


def assert_same_summary(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Equal customers, equal counts and durations; money equal up to float summation order."""
    theirs = theirs[ours.columns]
    assert ours.index.equals(theirs.index)
    for column in ours.columns:
        if column.startswith("monetary"):
            pd.testing.assert_series_equal(ours[column], theirs[column], check_exact=False, rtol=1e-12,
                                           check_names=False)
        else:
            assert (ours[column].astype("float64") == theirs[column]).all(), column


@pytest.fixture(scope="module")
def online_retail_daily(online_retail_raw):
    log, _ = cl.transactions.clean(online_retail_raw, ONLINE_RETAIL)
    return log.assign(date=log["date"].dt.normalize())[["customer_id", "date", "amount"]]


def test_reproduces_published_cdnow_summary(cdnow_sample):
    ours = cl.customer_summary(cdnow_sample, observation_end="1997-09-30", time_unit="W")
    published = cl.datasets.load_cdnow_summary()
    assert ours.index.equals(published.index)
    assert (ours["frequency"] == published["frequency"]).all()
    assert (ours[["recency", "T"]].round(2) == published[["recency", "T"]]).all().all()
    # z-bar is published to the cent and rounded half up (22.345 -> 22.35)
    assert ((ours["monetary"] - published["monetary"]).abs() <= 0.005 + 1e-9).all()


def test_equals_lifetimes_on_cdnow_master_daily_and_weekly(cdnow_master):
    assert_same_summary(cl.customer_summary(cdnow_master, observation_end="1998-06-30"),
                        lifetimes_summary(cdnow_master, observation_period_end="1998-06-30"))
    weekly = cl.customer_summary(cdnow_master, observation_end="1998-06-28", time_unit="W", purchase_period="W")
    assert_same_summary(weekly, lifetimes_summary(cdnow_master, observation_period_end="1998-06-28", freq="W"))


def test_equals_lifetimes_on_clean_online_retail(online_retail_daily):
    assert_same_summary(cl.customer_summary(online_retail_daily, observation_end="2011-12-09"),
                        lifetimes_summary(online_retail_daily, observation_period_end="2011-12-09"))


def test_calibration_holdout_equals_lifetimes(cdnow_master, online_retail_daily):
    by_day = cdnow_master.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    ours = cl.calibration_holdout(cdnow_master, calibration_end="1997-09-30", observation_end="1998-06-30")
    assert_same_summary(ours, lifetimes_calibration_holdout(by_day, calibration_period_end="1997-09-30",
                                                            observation_period_end="1998-06-30"))
    retail = online_retail_daily.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    ours = cl.calibration_holdout(retail, calibration_end="2011-06-30", observation_end="2011-12-09")
    assert_same_summary(ours, lifetimes_calibration_holdout(retail, calibration_period_end="2011-06-30",
                                                            observation_period_end="2011-12-09"))


def test_cdnow_holdout_in_weeks(cdnow_sample):
    split = cl.calibration_holdout(cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30",
                                   time_unit="W")
    published = cl.datasets.load_cdnow_summary()
    assert (split["frequency_cal"] == published["frequency"]).all()
    assert (split["duration_holdout"] == 39).all()  # weeks 40-78 of Fader, Hardie & Lee (2005)
    assert (split["frequency_holdout"] >= 0).all()


def test_files_and_ibis_tables_give_the_same_summary(cdnow_master, tmp_path):
    expected = cl.customer_summary(cdnow_master, observation_end="1998-06-30", time_unit="W")
    cdnow_master.to_parquet(tmp_path / "log.parquet")
    cdnow_master.to_csv(tmp_path / "log.csv", index=False)
    for source in (tmp_path / "log.parquet", str(tmp_path / "log.csv"), ibis.memtable(cdnow_master)):
        got = cl.customer_summary(source, observation_end="1998-06-30", time_unit="W")
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


def test_purchase_period_and_time_unit_by_hand():
    # Monday 6, Wednesday 8 and Monday 13 January 2020; observation ends Sunday 19 January
    log = pd.DataFrame({"customer_id": [1, 1, 1, 1], "amount": [10.0, 4.0, 6.0, 30.0],
                        "date": pd.to_datetime(["2020-01-06 09:00", "2020-01-06 17:00", "2020-01-08", "2020-01-13"],
                                               format="ISO8601")})
    daily = cl.customer_summary(log, observation_end="2020-01-19")
    assert daily.loc[1].tolist() == [2, 7.0, 13.0, 18.0]  # days 6 (14), 8 (6), 13 (30)
    in_weeks = cl.customer_summary(log, observation_end="2020-01-19", time_unit="W")
    assert in_weeks.loc[1].tolist() == [2, 1.0, 13 / 7, 18.0]
    weekly = cl.customer_summary(log, observation_end="2020-01-19", time_unit="W", purchase_period="W")
    assert weekly.loc[1].tolist() == [1, 1.0, 1.0, 30.0]  # weeks of the 6th (20) and the 13th (30)
    months = pd.DataFrame({"customer_id": ["x", "x"], "amount": [1.0, 2.0],
                           "date": pd.to_datetime(["2020-01-31", "2020-02-01"])})
    monthly = cl.customer_summary(months, observation_end="2020-04-15", time_unit="M", purchase_period="M")
    assert monthly.loc["x"].tolist() == [1, 1.0, 3.0, 2.0]
    assert cl.customer_summary(months, time_unit="M").loc["x", "recency"] == pytest.approx(1 / (365.2425 / 12))


def test_summary_without_amount(cdnow_sample):
    counts = cl.customer_summary(cdnow_sample[["customer_id", "date"]], amount_col=None, observation_end="1997-09-30")
    assert list(counts.columns) == ["frequency", "recency", "T"]


def test_bad_arguments_get_clear_errors(cdnow_sample):
    with pytest.raises(ObservationPeriodError, match="before the first purchase in the log \\(1997-01-01\\)"):
        cl.customer_summary(cdnow_sample, observation_end="1996-12-31")
    with pytest.raises(ObservationPeriodError, match="must be before the observation end"):
        cl.calibration_holdout(cdnow_sample, calibration_end="1998-06-30", observation_end="1998-06-30")
    with pytest.raises(MissingColumnError, match="no amount column 'amount'.*amount_col=None"):
        cl.customer_summary(cdnow_sample.drop(columns="amount"))
    with pytest.raises(TypeError, match="not a date"):
        cl.customer_summary(cdnow_sample.assign(date=cdnow_sample["date"].astype(str)))
    with pytest.raises(ValueError, match="time_unit must be one of"):
        cl.customer_summary(cdnow_sample, time_unit="Y")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        cl.customer_summary("no/such/log.parquet")


def test_single_customer_view_by_hand():
    log = pd.DataFrame({"customer_id": [1, 1, 1, 2], "invoice": ["a", "a", "b", "c"],
                        "date": pd.to_datetime(["2020-01-01 10:00", "2020-01-01 10:00", "2020-02-01", "2020-01-15"],
                                               format="ISO8601"),
                        "amount": [5.0, 7.0, 8.0, 3.0], "quantity": [1, 2, 3, 1],
                        "Country": ["UK", "UK", "France", "Spain"]})
    view = cl.single_customer_view(log, attributes=("Country",))
    assert view.loc[1, ["orders", "purchase_days", "revenue", "items", "average_order_value", "Country"]].tolist() \
        == [2, 2, 20.0, 6, 10.0, "UK"]
    assert view.loc[2, "first_purchase"] == view.loc[2, "last_purchase"] == pd.Timestamp("2020-01-15")
    with pytest.raises(MissingColumnError, match="Region"):
        cl.single_customer_view(log, attributes=("Region",))


events = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 400), st.floats(0, 500, allow_nan=False)),
                  min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(events=events, end_day=st.integers(0, 420), time_unit=st.sampled_from("DWM"),
       purchase_period=st.sampled_from("DWM"))
def test_summary_invariants(events, end_day, time_unit, purchase_period):
    log = pd.DataFrame(events, columns=["customer_id", "day", "amount"])
    log["date"] = pd.Timestamp("2019-12-30") + pd.to_timedelta(log.pop("day"), unit="D")
    end = pd.Timestamp("2019-12-30") + pd.Timedelta(days=end_day)
    buyers = set(log.loc[log["date"] <= end, "customer_id"])
    if not buyers:
        with pytest.raises(ObservationPeriodError):
            cl.customer_summary(log, observation_end=end, time_unit=time_unit, purchase_period=purchase_period)
        return
    summary = cl.customer_summary(log, observation_end=end, time_unit=time_unit, purchase_period=purchase_period)
    assert summary.index.is_unique and set(summary.index) == buyers
    assert (summary["frequency"] >= 0).all()
    assert ((summary["recency"] >= 0) & (summary["recency"] <= summary["T"] + 1e-12)).all()
    assert ((summary["frequency"] == 0) == (summary["recency"] == 0)).all()
    days = log[log["date"] <= end].groupby("customer_id")["date"].nunique()
    assert (summary["frequency"] <= days.reindex(summary.index) - 1).all()


def test_portable_join_path_equals_the_argmin_path(cdnow_master, monkeypatch):
    fast = cl.customer_summary(cdnow_master, observation_end="1998-06-30", time_unit="W")
    monkeypatch.setattr(cl.summary, "_supports", lambda table, operation: False)
    portable = cl.customer_summary(cdnow_master, observation_end="1998-06-30", time_unit="W")
    pd.testing.assert_frame_equal(portable, fast, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("column, value, problem", [
    ("customer_id", None, "no customer id"), ("date", pd.NaT, "no date"), ("amount", np.nan, "a missing or infinite"),
    ("amount", np.inf, "a missing or infinite")])
def test_rows_the_summary_cannot_use_are_refused_not_dropped(column, value, problem):
    """A missing id used to become one NaN "customer", a missing date vanished uncounted: both are refused now."""
    log = pd.DataFrame({"customer_id": pd.array(["a", "a", "b"], dtype="object"),
                        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"]),
                        "amount": [10.0, 5.0, 7.0]})
    log.loc[1, column] = value
    with pytest.raises(cl.errors.DataError, match=f"1 rows with {problem}.*crmlab.transactions.clean"):
        cl.customer_summary(log)


def test_a_summary_records_what_it_means():
    log = cl.datasets.load_cdnow("sample")
    info = cl.frames.table_info(cl.customer_summary(log, observation_end="1997-09-30", time_unit="W",
                                                    purchase_period="W"))
    assert (info.kind, info.time_unit, info.purchase_period, info.observation_end) == \
        ("customer_summary", "W", "W", "1997-09-30")


# --------------------------------------------------------------------------- one customer's summary over time

@pytest.mark.parametrize(("time_unit", "purchase_period"), [("W", "D"), ("D", "D"), ("W", "W"), ("M", "M"), ("M", "D")])
def test_summary_history_is_the_summary_at_each_date(cdnow_sample, time_unit, purchase_period):
    customer = 6  # sixteen purchase days from 1997-01-01 to 1998-06-20 (CDNOW sample), two in the week of 02-21
    log = cdnow_sample[cdnow_sample["customer_id"] == customer]
    dates = pd.to_datetime(["1997-01-01", "1997-03-31", "1997-09-30", "1998-02-22", "1998-06-20", "1998-06-30"])
    history = cl.summary_history(cdnow_sample, customer, dates=dates, time_unit=time_unit,
                                 purchase_period=purchase_period)
    assert cl.frames.table_info(history).time_unit == time_unit
    for day in dates:
        summary = cl.customer_summary(log, observation_end=day, time_unit=time_unit, purchase_period=purchase_period)
        np.testing.assert_allclose(history.loc[day].to_numpy(dtype=float),
                                   summary[["frequency", "recency", "T"]].iloc[0].to_numpy(dtype=float), rtol=1e-12)


def test_summary_history_defaults_to_every_day_and_refuses_what_it_cannot_summarise(cdnow_sample):
    history = cl.summary_history(cdnow_sample, 6, observation_end="1998-06-30")
    assert history.index[0] == pd.Timestamp("1997-01-01") and history.index[-1] == pd.Timestamp("1998-06-30")
    assert history.index.is_monotonic_increasing and (np.diff(history.index.to_numpy()) == np.timedelta64(1, "D")).all()
    assert (np.diff(history["frequency"]) >= 0).all() and (history["recency"] <= history["T"]).all()
    with pytest.raises(cl.errors.DataError, match="customer -1 has no transaction"):
        cl.summary_history(cdnow_sample, -1)
    with pytest.raises(cl.errors.ObservationPeriodError, match="1 of the dates .* before the customer's first"):
        cl.summary_history(cdnow_sample, 6, dates=["1996-12-31", "1997-02-01"])
    with pytest.raises(cl.errors.ObservationPeriodError, match="before the customer's first purchase"):
        cl.summary_history(cdnow_sample, 6, observation_end="1996-12-31")
    with pytest.raises(cl.errors.MissingColumnError, match="no column"):
        cl.summary_history(cdnow_sample, 6, customer_col="client")
    with pytest.raises(cl.errors.ColumnTypeError, match="not a date"):
        cl.summary_history(cdnow_sample.astype({"date": str}), 6)
    with pytest.raises(ValueError, match="time_unit must be one of"):
        cl.summary_history(cdnow_sample, 6, time_unit="weeks")

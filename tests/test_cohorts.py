"""Cohort retention tables, checked on a log small enough to count by hand and on CDNOW against a set count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.cohorts import cohort_retention_table


@pytest.fixture
def small_log() -> pd.DataFrame:
    # A: Jan, Feb (twice), Apr; B: Jan; C: Feb, Mar; D: Mar
    rows = [("A", "2020-01-05"), ("A", "2020-02-01"), ("A", "2020-02-20"), ("A", "2020-04-02"), ("B", "2020-01-31"),
            ("C", "2020-02-29"), ("C", "2020-03-01"), ("D", "2020-03-31")]
    return pd.DataFrame({"customer_id": [c for c, _ in rows], "date": pd.to_datetime([d for _, d in rows])})


def test_retention_counted_by_hand(small_log):
    table = cohort_retention_table(small_log, observation_end="2020-03-31")
    expected = pd.DataFrame([[1.0, 0.5, 0.0], [1.0, 1.0, np.nan], [1.0, np.nan, np.nan]],
                            index=pd.PeriodIndex(["2020-01", "2020-02", "2020-03"], freq="M", name="cohort"),
                            columns=pd.Index([0, 1, 2], name="periods_since_acquisition"))
    pd.testing.assert_frame_equal(table, expected)
    assert table.attrs["customers"].tolist() == [2, 1, 1]
    assert table.attrs["rows_after_observation_end"] == 1  # A's April purchase
    counts = cohort_retention_table(small_log, observation_end="2020-03-31", shares=False)
    assert counts.loc["2020-01"].tolist()[:2] == [2.0, 1.0]
    # March is not over on the 30th: none of its cells is known yet, D's purchase is not counted either
    partial = cohort_retention_table(small_log, observation_end="2020-03-30")
    assert list(partial.index.astype(str)) == ["2020-01", "2020-02"]
    assert list(partial.columns) == [0, 1] and np.isnan(partial.loc["2020-02", 1])
    assert partial.attrs["rows_after_observation_end"] == 2


def test_weeks_start_on_monday_and_quarters(small_log):
    weekly = cohort_retention_table(small_log, period="W", observation_end="2020-04-05")  # a Sunday
    assert str(weekly.index[0].start_time.date()) == "2019-12-30"  # the Monday before 2020-01-05
    # C bought on Saturday 02-29 and Sunday 03-01: one week, so C is active only at age 0
    assert weekly.attrs["customers"].sum() == 4 and weekly.loc[pd.Period("2020-02-29", "W-SUN")].iloc[1] == 0
    quarterly = cohort_retention_table(small_log, period="Q", observation_end="2020-06-30")
    assert quarterly.loc["2020Q1"].tolist() == [1.0, 0.25]


def test_cdnow_retention_equals_a_count_of_customer_sets(cdnow_sample):
    table = cohort_retention_table(cdnow_sample, observation_end="1998-06-30")
    months = cdnow_sample["date"].dt.to_period("M")
    first = months.groupby(cdnow_sample["customer_id"]).transform("min")
    january = set(cdnow_sample.loc[first == pd.Period("1997-01", "M"), "customer_id"])
    for age in (1, 6, 17):
        month = pd.Period("1997-01", "M") + age
        active = set(cdnow_sample.loc[months == month, "customer_id"]) & january
        assert table.loc["1997-01", age] == pytest.approx(len(active) / len(january), rel=1e-15)
    assert table.attrs["customers"].sum() == cdnow_sample["customer_id"].nunique()
    assert np.isnan(table.loc["1997-03", 16])  # July 1998 is after the observation end


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"period": "D"}, ValueError, "period must be one of"),
    ({"customer_col": "client"}, cl.errors.MissingColumnError, r"no column \['client'\]"),
    ({"observation_end": "2019-01-01"}, cl.errors.DataError, "no transaction on or before"),
])
def test_bad_arguments(small_log, change, error, match):
    with pytest.raises(error, match=match):
        cohort_retention_table(small_log, **change)


def test_bad_logs(small_log):
    with pytest.raises(cl.errors.ColumnTypeError, match="not a date"):
        cohort_retention_table(small_log.astype({"date": str}))
    broken = small_log.copy()
    broken.loc[2, "date"] = pd.NaT
    broken.loc[3, "customer_id"] = None
    with pytest.raises(cl.errors.DataError, match="2 rows have no customer id or no date"):
        cohort_retention_table(broken)

"""Reading, validating and cleaning transaction logs.

Reference figures for Online Retail are UCI's published counts as verified in
data/raw/README.md (shared/data/README.md): 135,080 rows without customer, 9,288
cancellation rows, 5,268 duplicate copies, 1,336 negative quantities outside
cancellation invoices, 2 negative and 2,515 zero unit prices, and the usual
"clean" subset of 397,884 rows from 4,338 customers. Small cases are worked by hand.
"""

from __future__ import annotations

import hashlib

import hypothesis.strategies as st
import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import crmlab as cl
from crmlab.errors import (
    AllRowsDroppedError,
    AmbiguousDateError,
    ColumnTypeError,
    DateParseError,
    EmptyDataError,
    FileFormatError,
    InputNotFoundError,
    MissingColumnError,
    MixedTimeZoneError,
)
from crmlab.transactions import ONLINE_RETAIL, ColumnMap, clean, read_transactions, validate


def small_log(**columns) -> pd.DataFrame:
    base = {"customer_id": [1, 1, 2], "date": ["2020-01-01", "2020-01-05", "2020-01-03"], "amount": [10.0, 20.0, 5.0]}
    base.update(columns)
    return pd.DataFrame(base)


# --------------------------------------------------------------------------- Online Retail, published figures

@pytest.fixture(scope="module")
def online_retail_report(online_retail_raw):
    return validate(online_retail_raw, ONLINE_RETAIL)


@pytest.mark.parametrize("check, published", [
    ("missing_customer", 135_080), ("cancellation", 9_288), ("duplicate", 5_268), ("negative_value", 1_336),
    ("negative_price", 2), ("zero_value", 2_515), ("missing_date", 0), ("unparseable_date", 0),
])
def test_online_retail_findings_match_published_figures(online_retail_report, check, published):
    assert online_retail_report.findings[check] == published


def test_online_retail_usual_clean_subset_is_reproduced(online_retail_raw):
    log, report = clean(online_retail_raw, ONLINE_RETAIL, duplicates="keep", cancellations="drop", zero_value="drop")
    assert len(log) == report.rows_kept == 397_884
    assert log["customer_id"].nunique() == report.customers_kept == 4_338
    assert report.rows_in == 541_909 == report.rows_kept + sum(report.dropped.values())
    assert (log["quantity"] > 0).all() and (log["price"] > 0).all()
    assert not log["invoice"].str.startswith("C").any()


def test_online_retail_netting_accounts_for_every_row(online_retail_raw):
    netted, report = clean(online_retail_raw, ONLINE_RETAIL)
    dropped_only, _ = clean(online_retail_raw, ONLINE_RETAIL, cancellations="drop")
    assert report.rows_in == report.rows_kept + sum(report.dropped.values())
    assert report.dropped_rows.index.intersection(netted.index).empty
    assert report.dropped_rows.index.union(netted.index).sort_values().equals(online_retail_raw.index)
    assert (netted["quantity"] > 0).all()
    assert netted["amount"].sum() < dropped_only["amount"].sum()
    # the two largest single lines of the file are cancelled in full (data/raw/README.md, "Zero and odd prices")
    assert not (netted["quantity"].isin([80_995, 74_215])).any()
    assert report.modified["reduced_by_cancellation"] > 0


def test_report_renders_as_text_and_html(online_retail_report, online_retail_raw):
    text = str(online_retail_report)
    assert "135,080" in text and "9,288" in text and "5,268" in text
    _, cleaned = clean(online_retail_raw, ONLINE_RETAIL)
    html = cleaned._repr_html_()
    assert "<table" in html and "rows kept" in html and "135,080" in html
    table = cleaned.to_frame()
    assert table.loc[("kept", "rows_kept"), "rows"] == cleaned.rows_kept
    assert cleaned.dropped_by_reason().sum() == cleaned.rows_in - cleaned.rows_kept
    with pytest.raises(ValueError, match="use clean"):
        online_retail_report.dropped_by_reason()


# --------------------------------------------------------------------------- cancellations, worked by hand

def test_net_cancellations_in_money_against_latest_earlier_purchases():
    log = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b"],
        "date": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-06", "2020-01-02", "2020-01-03"]),
        "amount": [100.0, 50.0, -70.0, -10.0, 30.0],
    })
    out, report = clean(log)
    # -70 takes all 50 of the 5th, then 20 of the 1st; b's -10 precedes any purchase of b
    assert out["amount"].tolist() == [80.0, 30.0]
    assert out.index.tolist() == [0, 4]
    assert report.dropped_rows.to_dict() == {1: "fully_cancelled", 2: "cancellation_netted",
                                             3: "cancellation_unmatched"}
    assert report.modified == {"reduced_by_cancellation": 1}


def test_net_cancellations_in_units_of_the_same_product():
    log = pd.DataFrame({
        "inv": ["1", "2", "C3", "C4"], "cust": [7, 7, 7, 7], "sku": ["P1", "P2", "P1", "P2"],
        "qty": [10, 5, -4, -5], "unit": [2.0, 3.0, 2.0, 3.0],
        "ts": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-03"]),
    })
    columns = ColumnMap(customer="cust", date="ts", amount=None, quantity="qty", price="unit", invoice="inv",
                        product="sku")
    out, report = clean(log, columns)
    assert out[["product", "quantity", "amount"]].values.tolist() == [["P1", 6, 12.0]]
    assert report.dropped == {**{k: 0 for k in report.dropped}, "cancellation_netted": 2, "fully_cancelled": 1}
    dropped, drop_report = clean(log, columns, cancellations="drop")
    assert dropped["amount"].tolist() == [20.0, 15.0] and drop_report.dropped["cancellation"] == 2


# --------------------------------------------------------------------------- policy choices

def test_duplicates_zero_values_and_observation_end_follow_the_policy():
    log = pd.DataFrame({"customer_id": [1, 1, 1, 2], "amount": [5.0, 5.0, 0.0, 3.0],
                        "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-02", "2020-02-01"])})
    out, report = clean(log, observation_end="2020-01-31")
    assert out.index.tolist() == [0, 2]
    assert report.dropped["duplicate"] == 1 and report.dropped["after_observation_end"] == 1
    out, report = clean(log, duplicates="keep", zero_value="drop")
    assert out.index.tolist() == [0, 1, 3] and report.dropped["zero_value"] == 1


def test_observation_end_includes_its_whole_day():
    log = small_log(date=["2020-01-05 23:59", "2020-01-06 00:00", "2020-01-01"])
    out, report = clean(log, observation_end="2020-01-05")
    assert out.index.tolist() == [0, 2] and report.findings["after_observation_end"] == 1


@pytest.mark.parametrize("name, value", [("cancellations", "keep"), ("duplicates", "maybe"), ("zero_value", None)])
def test_unknown_policy_choice_is_rejected(name, value):
    with pytest.raises(ValueError, match=name):
        clean(small_log(), **{name: value})


# --------------------------------------------------------------------------- bad input

def test_missing_column_names_it_and_lists_the_columns():
    with pytest.raises(MissingColumnError, match=r"'amount'.*Its columns are \['customer_id', 'date', 'value'\]"):
        validate(small_log().rename(columns={"amount": "value"}))


def test_column_map_needs_a_value():
    with pytest.raises(ValueError, match="quantity"):
        ColumnMap(amount=None, quantity="q")


def test_empty_inputs(tmp_path):
    with pytest.raises(EmptyDataError, match="no rows"):
        clean(small_log().iloc[:0])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(EmptyDataError, match="empty"):
        clean(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("customer_id,date,amount\n")
    with pytest.raises(EmptyDataError, match="no rows"):
        clean(header_only)


def test_all_rows_dropped_raises_with_the_report():
    log = small_log(customer_id=[None, " ", None])
    with pytest.raises(AllRowsDroppedError, match="dropped every row") as info:
        clean(log)
    assert info.value.report.dropped["missing_customer"] == 3


def test_unparseable_dates_raise_with_rows_or_are_dropped_on_request():
    log = small_log(date=["2020-01-01", "31/02/2020", "soon"])
    with pytest.raises(DateParseError, match=r"2 values of column 'date'.*rows \[1, 2\].*date_format"):
        clean(log)
    out, report = clean(log, invalid_dates="drop")
    assert out.index.tolist() == [0] and report.dropped["unparseable_date"] == 2
    assert validate(log).findings["unparseable_date"] == 2


def test_non_iso_dates_are_read_and_noted():
    log = small_log(date=["2020-01-01", "01/05/2020", "Jan 3 2020"])
    with pytest.raises(AmbiguousDateError, match=r"1 dates of column 'date'.*'01/05/2020'.*date_format='%d/%m/%Y'"):
        clean(log)  # 1 May or January 5: nothing in the column says which
    out, report = clean(log, date_format="%m/%d/%Y")
    assert out["date"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-05"), pd.Timestamp("2020-01-03")]
    assert any("did not match date_format '%m/%d/%Y'" in note and "1 ISO 8601" in note for note in report.notes)


def test_numeric_dates_are_read_as_yyyymmdd_or_need_a_format():
    out, report = clean(small_log(date=[20200101, 20200105, 20200103]))
    assert out["date"].iloc[1] == pd.Timestamp("2020-01-05") and "YYYYMMDD" in report.notes[0]
    with pytest.raises(ColumnTypeError, match="date_format='%Y%m%d'"):
        clean(small_log(date=[1, 5, 3]))
    out, _ = clean(small_log(date=[200101, 200105, 200103]), date_format="%y%m%d")
    assert out["date"].iloc[1] == pd.Timestamp("2020-01-05")


def test_amount_column_of_text_is_a_type_error():
    with pytest.raises(ColumnTypeError, match="holds text such as 'United Kingdom'"):
        clean(small_log(amount=["United Kingdom", "France", "Spain"]))


def test_some_non_numeric_amounts_raise_or_are_dropped():
    log = small_log(amount=["10", "12.5%", ""])
    with pytest.raises(ColumnTypeError, match=r"1 values of column 'amount'.*rows \[1\].*percentage"):
        clean(log)
    out, report = clean(log, invalid_amounts="drop")
    assert out["amount"].tolist() == [10.0]
    assert report.dropped["non_numeric_amount"] == 1 and report.dropped["missing_amount"] == 1


def test_mixed_time_zones_raise_or_convert_to_utc():
    log = small_log(date=["2020-01-01T10:00:00+01:00", "2020-01-01T10:00:00+00:00", "2020-01-01T10:00:00+01:00"])
    with pytest.raises(MixedTimeZoneError, match="mixed_time_zones='utc'"):
        clean(log)
    assert validate(log).findings["mixed_time_zone"] == 1
    out, _ = clean(log, mixed_time_zones="utc")
    assert out["date"].dt.hour.tolist() == [9, 10, 9]


def test_single_offset_and_tz_aware_dates_keep_wall_clock_time():
    out, report = clean(small_log(date=["2020-01-01 10:00+05:30"] * 3))
    assert (out["date"].dt.hour == 10).all() and "+05:30" in report.notes[0]
    aware = small_log(date=pd.to_datetime(["2020-01-01 10:00"] * 3).tz_localize("Europe/London"))
    out, _ = clean(aware)
    assert (out["date"].dt.hour == 10).all() and out["date"].dt.tz is None


# --------------------------------------------------------------------------- sources

def test_every_source_kind_reads_the_same_log(tmp_path):
    log = pd.DataFrame({"who": ["00042", "00042", "00007"], "when": ["2020-01-01", "2020-01-05", "2020-01-03"],
                        "value": [10.0, 20.0, 5.0], "country": ["UK", "UK", "FR"]})
    columns = ColumnMap(customer="who", date="when", amount="value")
    log.to_csv(tmp_path / "log.csv", index=False)
    log.to_csv(tmp_path / "log.tsv", index=False, sep="\t")
    log.to_parquet(tmp_path / "log.parquet")
    log.to_excel(tmp_path / "log.xlsx", index=False)
    expected, _ = clean(log, columns)
    assert expected["customer_id"].tolist() == ["00042", "00042", "00007"]
    for source in [tmp_path / "log.csv", tmp_path / "log.tsv", str(tmp_path / "log.parquet"),
                   tmp_path / "log.xlsx", ibis.memtable(log)]:
        got, report = clean(source, columns)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                      check_dtype=False, obj=str(source))
        assert report.rows_in == 3


def test_unknown_sources_are_rejected(tmp_path):
    with pytest.raises(TypeError, match="file path, a pandas DataFrame or an Ibis table"):
        read_transactions([1, 2, 3])
    with pytest.raises(InputNotFoundError, match="does not exist"):
        read_transactions(tmp_path / "nope.csv")
    (tmp_path / "log.json").write_text("{}")
    with pytest.raises(FileFormatError, match="unknown file type"):
        read_transactions(tmp_path / "log.json")


@pytest.mark.parametrize("sample, delimiter", [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2,5;3\n", ";"), ("a\tb\tc\n1\t2,5\t3\n", "\t"), ("a|b\n1|2\n", "|"),
    ('a,b\n"1;2",3\n', ","), ("single\n1\n", ","), ("a;b;c\n1;2;3\n4;5;6\n7;8", ";"),
])
def test_the_delimiter_is_the_one_that_splits_every_line_alike(sample, delimiter):
    assert cl.reading.sniff_delimiter(sample) == delimiter


@pytest.mark.parametrize("data, encoding", [
    ("客户,金额\n".encode(), "utf-8"), (b"\xef\xbb\xbfa,b\n", "utf-8-sig"), ("a,b\n".encode("utf-16"), "utf-16"),
    ("a,b\n".encode("utf-16-le"), "utf-16-le"), ("a,b\n".encode("utf-16-be"), "utf-16-be"),
    ("客户编号,金额\n张三,1\n".encode("gb18030"), "gb18030"),
])
def test_encodings_are_detected(tmp_path, data, encoding):
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    assert cl.reading.detect_encoding(path)[0] == encoding


def test_reading_options_never_touch_the_callers_dataframe():
    log = small_log(date=["02/10/2023", "03/04/2023", "04/05/2023"])
    read = read_transactions(log, date_format="%d/%m/%Y")
    assert log.attrs == {} and read.attrs["crmlab.read"]["date_format"] == "%d/%m/%Y"
    assert clean(read)[0]["date"].iloc[0] == pd.Timestamp("2023-10-02")


def test_inputs_and_raw_files_are_never_modified(online_retail_raw):
    raw_files = sorted(cl.paths.RAW_DATA.glob("*.*"))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw_files}
    snapshot = online_retail_raw.copy()
    clean(cl.paths.RAW_DATA / "online_retail.parquet", ONLINE_RETAIL)
    clean(online_retail_raw, ONLINE_RETAIL)
    pd.testing.assert_frame_equal(online_retail_raw, snapshot)
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw_files}


# --------------------------------------------------------------------------- invariants

logs = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None, ""]), st.integers(0, 60),
              st.one_of(st.none(), st.floats(-50, 100, allow_nan=False).map(lambda x: round(x, 2)))),
    min_size=1, max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs, duplicates=st.sampled_from(["drop", "keep"]), cancellations=st.sampled_from(["net", "drop"]))
def test_every_row_is_kept_or_dropped_for_one_reason(rows, duplicates, cancellations):
    log = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    log["date"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(log.pop("day"), unit="D")
    try:
        out, report = clean(log, duplicates=duplicates, cancellations=cancellations)
    except AllRowsDroppedError as error:
        out, report = log.iloc[:0], error.report
    assert report.rows_in == len(log) == len(out) + len(report.dropped_rows)
    assert sum(report.dropped.values()) == len(report.dropped_rows)
    assert set(out.index).isdisjoint(report.dropped_rows.index)
    assert (out["amount"] >= 0).all() and out["customer_id"].notna().all()
    if cancellations == "net":  # netting moves value, it never creates any
        positive = log.loc[log["customer_id"].fillna("").str.strip().ne("") & log["amount"].gt(0), "amount"]
        assert out["amount"].sum() <= positive.sum() + 1e-9
    assert np.isfinite(out["amount"].astype("float64")).all()

"""Scoring where the data live: a Spark DataFrame (local Spark) and a Parquet file (DuckDB) give the in-memory scores.

The in-memory scores are the models' own predictions (checked against papers and lifetimes elsewhere); here
each backend must reproduce them customer by customer, and refuse what the in-memory code refuses before any
work is sent out.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import crmlab as cl
from crmlab.clv import scoring
from crmlab.errors import ColumnTypeError, DataError, MissingColumnError

ALL = ("p_alive", "expected_purchases", "probability_no_purchases", "clv")
OPTIONS = {"t": 52, "discount_rate": 0.002}


@pytest.fixture(scope="module")
def fitted(cdnow_weeks):
    return {"bgnbd": cl.clv.BetaGeo().fit(cdnow_weeks), "pareto": cl.clv.ParetoNBD().fit(cdnow_weeks),
            "spend": cl.clv.GammaGamma().fit(cdnow_weeks)}


def _same(left: pd.DataFrame, right: pd.DataFrame, customer_col: str = "customer_id") -> None:
    """Equal scores for equal customers, whatever the row order (a customer's score uses only its own row)."""
    left = left.set_index(customer_col).sort_index() if customer_col in left else left.sort_index()
    right = right.set_index(customer_col).sort_index() if customer_col in right else right.sort_index()
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12, atol=0, check_names=False,
                                  check_index_type=False)


# --------------------------------------------------------------------------- in memory

def test_scores_are_the_models_predictions(cdnow_weeks, fitted):
    model, spend = fitted["bgnbd"], fitted["spend"]
    scores = cl.clv.score(model, cdnow_weeks, ALL, spend_model=spend, **OPTIONS)
    assert list(scores.columns) == list(ALL) and scores.index.equals(cdnow_weeks.index)
    np.testing.assert_array_equal(scores["p_alive"], model.p_alive(cdnow_weeks))
    np.testing.assert_array_equal(scores["expected_purchases"], model.expected_purchases(52, cdnow_weeks))
    np.testing.assert_array_equal(scores["probability_no_purchases"], model.probability_no_purchases(52, cdnow_weeks))
    # CLV over 52 weeks with weekly discounting is the CLV of 52 one-week periods
    weekly = cl.clv.customer_lifetime_value(model, spend, cdnow_weeks, horizon=52, discount_rate=0.002, freq="W")
    np.testing.assert_allclose(scores["clv"], weekly["clv"], rtol=1e-12)
    # with no discounting it is expected purchases times expected spend
    flat = cl.clv.score(model, cdnow_weeks, "clv", t=52, spend_model=spend)
    np.testing.assert_allclose(flat["clv"], scores["expected_purchases"] * spend.expected_spend(cdnow_weeks),
                               rtol=1e-12)


@pytest.mark.parametrize(("arguments", "error", "match"), [
    ({"quantities": ["p_alive", "churn"]}, ValueError, "quantities must be distinct names"),
    ({"quantities": ["p_alive", "p_alive"]}, ValueError, "quantities must be distinct names"),
    ({"quantities": []}, ValueError, "quantities must be distinct names"),
    ({"quantities": "expected_purchases"}, ValueError, r"t \(the horizon in weeks\) must be a positive number"),
    ({"quantities": "expected_purchases", "t": -1}, ValueError, "must be a positive number"),
    ({"quantities": "expected_purchases", "t": np.nan}, ValueError, "must be a positive number"),
    ({"quantities": "expected_purchases", "t": True}, ValueError, "must be a positive number"),
    ({"quantities": "clv", "t": 10.5, "spend_model": 20.0}, ValueError, "t must be a whole number of weeks"),
    ({"quantities": "clv", "t": 10}, ValueError, "clv needs spend_model="),
    ({"quantities": "clv", "t": 10, "spend_model": "twenty"}, TypeError, "spend_model must be"),
    ({"quantities": "clv", "t": 10, "spend_model": 20.0, "discount_rate": -1}, ValueError, "discount_rate must be"),
    ({"level": 1.5}, ValueError, "level must be a number between 0 and 1"),
    ({"draws": [[1.0, 2.0]]}, TypeError, "draws must be a DataFrame"),
])
def test_bad_scoring_settings_are_refused(cdnow_weeks, fitted, arguments, error, match):
    with pytest.raises(error, match=match):
        cl.clv.score(fitted["bgnbd"], cdnow_weeks, **arguments)


def test_scoring_needs_a_fitted_customer_base_model(cdnow_weeks, fitted):
    with pytest.raises(RuntimeError, match="not fitted yet"):
        cl.clv.score(cl.clv.BetaGeo(), cdnow_weeks)
    with pytest.raises(TypeError, match="customer-base model"):
        cl.clv.score(fitted["spend"], cdnow_weeks)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        cl.clv.score(fitted["bgnbd"], cdnow_weeks, "clv", t=10, spend_model=cl.clv.GammaGamma())


# --------------------------------------------------------------------------- Parquet through DuckDB

@pytest.fixture
def summary_file(cdnow_weeks, tmp_path):
    path = tmp_path / "summary.parquet"
    cdnow_weeks.to_parquet(path)  # pandas keeps the summary's crmlab information in the file
    return path


@pytest.mark.parametrize("model_name", ["bgnbd", "pareto"])
def test_parquet_scores_equal_in_memory_scores(cdnow_weeks, fitted, summary_file, tmp_path, model_name):
    model, out = fitted[model_name], tmp_path / "scores.parquet"
    written = cl.clv.score_parquet(model, summary_file, out, ALL, spend_model=fitted["spend"], batch_rows=500,
                                   progress=False, **OPTIONS)
    assert written == out
    scores = pd.read_parquet(out)
    assert list(scores.columns) == ["customer_id", *ALL] and len(scores) == len(cdnow_weeks)
    _same(scores, cl.clv.score(model, cdnow_weeks, ALL, spend_model=fitted["spend"], **OPTIONS))


def test_parquet_is_scored_one_batch_at_a_time(cdnow_weeks, fitted, summary_file, tmp_path, monkeypatch):
    sizes = []
    original = scoring._Request.score

    def recording(self, model, data, *args):
        sizes.append(len(data))
        return original(self, model, data, *args)

    monkeypatch.setattr(scoring._Request, "score", recording)
    cl.clv.score_parquet(fitted["bgnbd"], summary_file, tmp_path / "s.parquet", batch_rows=700, progress=False)
    assert sizes[0] == 0  # the dry run on the file's columns
    assert sum(sizes[1:]) == len(cdnow_weeks) and max(sizes[1:]) <= 700 and len(sizes) >= 5


def test_a_folder_of_parquet_parts_and_a_file_without_units(cdnow_weeks, fitted, tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    table = pa.Table.from_pandas(pd.DataFrame(cdnow_weeks).reset_index(), preserve_index=False)
    table = table.replace_schema_metadata({})  # as another tool writes it: no unit recorded
    pq.write_table(table.slice(0, 1000), folder / "part-0.parquet")
    pq.write_table(table.slice(1000), folder / "part-1.parquet")
    model, out = fitted["bgnbd"], tmp_path / "out" / "scores.parquet"
    with pytest.raises(DataError, match="does not say in which unit.*time_unit='W'"):
        cl.clv.score_parquet(model, folder, out, progress=False)
    cl.clv.score_parquet(model, folder, out, time_unit="W", progress=False)
    _same(pd.read_parquet(out), cl.clv.score(model, cdnow_weeks))
    unknowing = copy.copy(model)
    unknowing.time_unit_ = None  # as loaded from a model file of format 1, which did not record the unit
    with pytest.raises(DataError, match=r"neither the Parquet file .* nor the BG/NBD model .* pass time_unit="):
        cl.clv.score_parquet(unknowing, folder, out, progress=False)
    cl.clv.score_parquet(unknowing, folder, out, time_unit="W", progress=False)
    _same(pd.read_parquet(out), cl.clv.score(model, cdnow_weeks))


def test_bad_parquet_inputs_are_refused_before_scoring(cdnow_weeks, fitted, summary_file, tmp_path):
    model, out = fitted["bgnbd"], tmp_path / "scores.parquet"
    with pytest.raises(DataError, match=r"time_unit='D' contradicts the Parquet file .* weeks \('W'\)"):
        cl.clv.score_parquet(model, summary_file, out, time_unit="D")
    days = cl.customer_summary(cl.datasets.load_cdnow("sample"), observation_end="1997-09-30", time_unit="D")
    days.to_parquet(tmp_path / "days.parquet")
    with pytest.raises(DataError, match=r"fitted in weeks \('W'\) but the Parquet file .* is in days \('D'\)"):
        cl.clv.score_parquet(model, tmp_path / "days.parquet", out)
    cdnow_weeks.drop(columns="T").to_parquet(tmp_path / "no_T.parquet")
    with pytest.raises(MissingColumnError, match=r"has no column \['T'\]"):
        cl.clv.score_parquet(model, tmp_path / "no_T.parquet", out)
    with pytest.raises(MissingColumnError, match=r"has no column \['client'\].*customer_col="):
        cl.clv.score_parquet(model, summary_file, out, customer_col="client")
    cdnow_weeks.astype({"recency": str}).to_parquet(tmp_path / "text.parquet")
    with pytest.raises(ColumnTypeError, match=r"columns \['recency'\] .* must hold numbers"):
        cl.clv.score_parquet(model, tmp_path / "text.parquet", out)
    cdnow_weeks.drop(columns="monetary").to_parquet(tmp_path / "no_monetary.parquet")
    with pytest.raises(MissingColumnError, match=r"has no column \['monetary'\]"):  # the spend model's column
        cl.clv.score_parquet(model, tmp_path / "no_monetary.parquet", out, "clv", t=4, spend_model=fitted["spend"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        cl.clv.score_parquet(model, tmp_path / "nowhere.parquet", out)
    with pytest.raises(ValueError, match="out_path must differ"):
        cl.clv.score_parquet(model, summary_file, summary_file)
    with pytest.raises(ValueError, match="batch_rows must be"):
        cl.clv.score_parquet(model, summary_file, out, batch_rows=0)
    with pytest.raises(ValueError, match="batch_rows must be"):
        cl.clv.score_spark(model, None, batch_rows=2.5)
    assert not out.exists()


def test_parquet_rows_with_missing_values_are_refused_with_the_models_message(cdnow_weeks, fitted, tmp_path):
    broken = pd.DataFrame(cdnow_weeks).copy()
    broken.iloc[3, broken.columns.get_loc("recency")] = np.nan
    cl.frames.with_info(broken, cl.frames.table_info(cdnow_weeks)).to_parquet(tmp_path / "broken.parquet")
    with pytest.raises(DataError, match="1 rows have missing or infinite values"):
        cl.clv.score_parquet(fitted["bgnbd"], tmp_path / "broken.parquet", tmp_path / "s.parquet", progress=False)


# --------------------------------------------------------------------------- Spark

@pytest.fixture(scope="module")
def spark_summary(spark, cdnow_weeks):
    """The CDNOW summary as a Spark DataFrame in three partitions, customer ids as text."""
    frame = pd.DataFrame(cdnow_weeks).reset_index()
    frame["customer_id"] = "c" + frame["customer_id"].astype(str)
    return spark.createDataFrame(frame).repartition(3)


@pytest.mark.parametrize(("model_name", "arrow_rows", "batch_rows"), [("bgnbd", 10_000, 200_000), ("pareto", 100, 250)])
def test_spark_scores_equal_in_memory_scores(spark, cdnow_weeks, fitted, spark_summary, model_name, arrow_rows,
                                             batch_rows):
    """Pareto/NBD: Spark's Arrow batches of 100 rows are gathered into chunks of 300 (and what is left)."""
    model = fitted[model_name]
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(arrow_rows))
    try:
        result = cl.clv.score_spark(model, spark_summary, ALL, time_unit="W", spend_model=fitted["spend"],
                                    batch_rows=batch_rows, **OPTIONS)
        assert result.columns == ["customer_id", *ALL]
        scores = result.toPandas()
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    expected = cl.clv.score(model, cdnow_weeks, ALL, spend_model=fitted["spend"], **OPTIONS)
    expected.index = "c" + expected.index.astype(str)
    _same(scores, expected)


def test_spark_scores_a_discrete_time_model_without_a_unit(spark):
    donations = cl.datasets.load_donations()
    model = cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    patterns = pd.DataFrame(donations).drop(columns="weights").rename_axis("pattern").reset_index()
    result = cl.clv.score_spark(model, spark.createDataFrame(patterns), ["p_alive", "clv"], t=5,
                                spend_model=25.0, discount_rate=0.1, customer_col="pattern").toPandas()
    expected = cl.clv.score(model, patterns.set_index("pattern"), ["p_alive", "clv"], t=5, spend_model=25.0,
                            discount_rate=0.1)
    _same(result, expected, "pattern")


def test_bad_spark_inputs_are_refused_before_any_job(spark, spark_summary, fitted, cdnow_weeks):
    model = fitted["bgnbd"]
    with pytest.raises(DataError, match="does not say in which unit.*time_unit='W'"):
        cl.clv.score_spark(model, spark_summary)
    with pytest.raises(DataError, match=r"fitted in weeks \('W'\) but the Spark DataFrame is in days \('D'\)"):
        cl.clv.score_spark(model, spark_summary, time_unit="D")
    with pytest.raises(ValueError, match="time_unit must be one of"):
        cl.clv.score_spark(model, spark_summary, time_unit="weeks")
    with pytest.raises(MissingColumnError, match=r"has no column \['T'\]"):
        cl.clv.score_spark(model, spark_summary.drop("T"), time_unit="W")
    with pytest.raises(MissingColumnError, match=r"has no column \['customer_id'\]"):
        cl.clv.score_spark(model, spark_summary.drop("customer_id"), time_unit="W")
    with pytest.raises(MissingColumnError, match=r"has no column \['monetary'\]"):  # the spend model's column
        cl.clv.score_spark(model, spark_summary.drop("monetary"), "clv", t=4, time_unit="W",
                           spend_model=fitted["spend"])
    with pytest.raises(ColumnTypeError, match=r"columns \['frequency'\] .* must hold numbers"):
        cl.clv.score_spark(model, spark_summary.withColumn("frequency", spark_summary["frequency"].cast("string")),
                           time_unit="W")
    with pytest.raises(TypeError, match="on Spark the spend model .* a Series by customer stays in memory"):
        cl.clv.score_spark(model, spark_summary, "clv", t=4, time_unit="W",
                           spend_model=fitted["spend"].expected_spend(cdnow_weeks))
    with pytest.raises(RuntimeError, match="not fitted yet"):
        cl.clv.score_spark(cl.clv.ParetoNBD(), spark_summary, time_unit="W")
    with pytest.raises(TypeError, match="use score\\(\\) for a pandas DataFrame"):
        cl.clv.score_spark(model, cdnow_weeks, time_unit="W")


def test_spark_rows_with_missing_values_fail_the_job_with_the_models_message(spark, fitted, cdnow_weeks):
    frame = pd.DataFrame(cdnow_weeks).reset_index()
    frame.loc[3, "recency"] = np.nan
    result = cl.clv.score_spark(fitted["bgnbd"], spark.createDataFrame(frame), time_unit="W")
    with pytest.raises(Exception, match="1 rows have missing or infinite values"):
        result.collect()


# --------------------------------------------------------------------------- intervals (crmlab.clv.intervals)

def test_intervals_are_the_same_in_memory_on_spark_and_in_parquet(spark, spark_summary, fitted, cdnow_weeks,
                                                                   summary_file, tmp_path):
    intervals = pytest.importorskip("crmlab.clv.intervals", reason="crmlab.clv.intervals is not merged yet")
    model, spend = fitted["bgnbd"], fitted["spend"]
    draws = intervals.parameter_draws(model, n_draws=50, seed=0)
    spend_draws = intervals.parameter_draws(spend, n_draws=50, seed=1)
    options = {"spend_model": spend, "draws": draws, "spend_draws": spend_draws, "level": 0.8, **OPTIONS}
    expected = cl.clv.score(model, cdnow_weeks, ALL, **options)
    assert list(expected.columns) == [f"{q}{end}" for q in ALL for end in ("", "_lower", "_upper")]
    for quantity in ALL:
        t = None if quantity == "clv" else 0.0 if quantity == "p_alive" else 52
        band = intervals.prediction_interval(model, cdnow_weeks, quantity, t=t,
                                             draws=draws, level=0.8,
                                             **({"spend_model": spend, "spend_draws": spend_draws, "horizon": 52,
                                                 "discount_rate": 0.002, "period_length": 1.0}
                                                if quantity == "clv" else {}))
        np.testing.assert_array_equal(expected[f"{quantity}_lower"], band["lower"])
        np.testing.assert_array_equal(expected[f"{quantity}_upper"], band["upper"])
        assert (expected[f"{quantity}_lower"] <= expected[f"{quantity}_upper"]).all()
    cl.clv.score_parquet(model, summary_file, tmp_path / "s.parquet", ALL, batch_rows=800, progress=False,
                         **options)
    _same(pd.read_parquet(tmp_path / "s.parquet"), expected)
    on_spark = cl.clv.score_spark(model, spark_summary, ALL, time_unit="W", **options).toPandas()
    expected.index = "c" + expected.index.astype(str)
    _same(on_spark, expected)

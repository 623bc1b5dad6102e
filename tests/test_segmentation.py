"""Segmentation: every rule on small cases worked by hand, invariants on random data."""

from __future__ import annotations

import itertools

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import crmlab as cl
from crmlab import segmentation as sg
from crmlab.errors import DataError, MissingColumnError


def test_rfm_values_by_hand():
    log = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "amount": [10.0, 5.0, 20.0, 7.0],
                        "date": pd.to_datetime(["2020-01-01 09:00", "2020-01-01 17:00", "2020-01-10 00:00",
                                                "2020-01-05 00:00"])})
    rfm = sg.rfm_values(log, observation_end="2020-01-20")
    assert rfm.loc["a"].tolist() == [10, 2, 35.0, 19]  # two purchase days; 35 of revenue; first purchase 19 days ago
    assert rfm.loc["b"].tolist() == [15, 1, 7.0, 15]


def test_scores_share_ties_and_follow_cut_points():
    rfm = pd.DataFrame({"days_since_last_purchase": [10, 20, 30, 40, 50], "purchases": [1, 1, 1, 1, 5],
                        "revenue": [5.0, 15.0, 20.0, 35.0, 50.0]}, index=list("vwxyz"))
    scores = sg.rfm_scores(rfm)
    assert scores["F"].tolist() == [3, 3, 3, 3, 5]  # four tied one-time buyers share the score of their mean rank
    assert scores["R"].tolist() == [5, 4, 3, 2, 1]  # recent is better
    cut = sg.rfm_scores(rfm, cuts={"M": [10, 20, 30, 40], "R": [15, 30, 45, 60]})
    assert cut["M"].tolist() == [1, 2, 3, 4, 5]  # 20 sits on a cut point: upper bin
    assert cut["R"].tolist() == [5, 4, 3, 3, 2]
    assert scores.loc["z", "RFM"] == "155" and scores.loc["z", "score"] == 11


def test_eight_rfm_classes_by_hand():
    combos = list(itertools.product([5, 1], repeat=3)) + [(3, 3, 3)]
    scores = pd.DataFrame(combos, columns=["R", "F", "M"])
    labels = sg.rfm_eight_classes(scores, threshold=3)
    assert labels.tolist() == ["important value", "general value", "important development", "general development",
                               "important retention", "general retention", "important retention-risk",
                               "general retention-risk",
                               "general retention-risk"]  # equal to the threshold counts as low
    assert sg.rfm_eight_classes(scores, threshold=3, lang="zh")[0] == "重要价值客户"


def test_named_segment_grid_covers_every_cell_once():
    cells = pd.DataFrame(list(itertools.product(range(1, 6), repeat=3)), columns=["R", "F", "M"])
    labels = sg.named_segments(cells)
    assert labels.notna().all() and labels.nunique() == 11
    by_hand = pd.DataFrame({"R": [5, 1, 2, 5], "F": [5, 1, 5, 1], "M": [4, 2, 5, 1]})
    assert sg.named_segments(by_hand).tolist() == ["champions", "lost customers", "cannot lose", "new"]
    assert sg.named_segments(by_hand, lang="zh")[0] == "冠军客户"
    with pytest.raises(ValueError, match="1 to 5"):
        sg.named_segments(by_hand * 2)


def test_segment_tables_have_strategies_in_both_languages():
    rfm = pd.DataFrame({"days_since_last_purchase": [5, 200, 30, 90], "purchases": [9, 1, 3, 2],
                        "revenue": [900.0, 20, 150, 60]}, index=list("abcd"))
    scores = sg.rfm_scores(rfm)
    for segments in (sg.rfm_eight_classes(scores), sg.named_segments(scores, lang="zh"), sg.behaviour_matrix(rfm)):
        table = sg.segment_table(segments, rfm)
        assert table["customers"].sum() == 4 and table["revenue_share"].sum() == pytest.approx(1)
        assert (table["strategy"].str.len() > 10).all()


def test_matrices_by_hand():
    rfm = pd.DataFrame({"purchases": [5, 5, 1, 1], "revenue": [500.0, 50, 100, 10],
                        "days_since_last_purchase": [1, 1, 1, 1]}, index=list("abcd"))  # mean spend 100, 10, 100, 10
    assert sg.behaviour_matrix(rfm).tolist() == ["best customers", "frequent customers", "spenders",
                                                 "uncertain customers"]
    current = pd.Series([10.0, 10, 1, 1], index=list("abcd"))
    potential = pd.Series([10.0, 1, 10, 1], index=list("abcd"))
    assert sg.value_matrix(current, potential).tolist() == ["core customers", "maintain", "develop", "low value"]
    assert sg.value_matrix(current, potential, lang="zh")["a"] == "核心客户"
    with pytest.raises(DataError, match="no potential value"):
        sg.value_matrix(current, potential.iloc[:2])
    proxy = sg.potential_value_proxy(pd.DataFrame({"days_since_last_purchase": [10, 400], "revenue": [100.0, 100.0],
                                                   "days_since_first_purchase": [365, 365]}))
    assert proxy.tolist() == pytest.approx([100.0, 0.0])


def test_lifecycle_stages_by_hand():
    purchases = {
        "fading": [("2020-01-01", 10), ("2020-01-11", 10), ("2020-01-21", 10)],
        "trying": [("2020-12-01", 10), ("2020-12-20", 10)],
        "growing": [("2020-10-01", 10), ("2020-11-01", 10), ("2020-12-01", 50), ("2020-12-20", 50)],
        "steady": [("2020-09-02", 20), ("2020-10-02", 20), ("2020-11-01", 20), ("2020-12-01", 20)],
    }
    log = pd.DataFrame([(c, pd.Timestamp(d), a) for c, rows in purchases.items() for d, a in rows],
                       columns=["customer_id", "date", "amount"])
    stages = sg.lifecycle_stages(log, observation_end="2020-12-31")
    assert stages.to_dict() == {"fading": "decline", "trying": "exploration", "growing": "formation",
                                "steady": "stability"}
    assert sg.lifecycle_stages(log, observation_end="2020-12-31", lang="zh")["steady"] == "稳定期"
    rfm = sg.rfm_values(log, observation_end="2020-12-31")
    for lang in ("en", "zh"):
        table = sg.segment_table(sg.lifecycle_stages(log, observation_end="2020-12-31", lang=lang), rfm)
        assert (table["strategy"].str.len() > 10).all()
    mix = sg.lifecycle_mix(log, ["2020-06-30", "2020-12-31"])
    assert mix.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])


def test_clustering_finds_two_obvious_groups(rng):
    n = 60
    rfm = pd.DataFrame({"days_since_last_purchase": np.r_[rng.integers(1, 10, n), rng.integers(250, 350, n)],
                        "purchases": np.r_[rng.integers(15, 25, n), np.ones(n, int)],
                        "revenue": np.r_[rng.uniform(3000, 6000, n), rng.uniform(10, 30, n)]})
    result = sg.cluster_customers(rfm, k_range=range(2, 6))
    assert result.n_clusters == 2 and set(result.diagnostics.index) == {2, 3, 4, 5}
    assert sorted(result.profiles["name"]) == ["lapsed · rare · low spend", "recent · frequent · high spend"]
    assert (result.profiles["strategy"].str.len() > 10).all()
    assert result.labels.groupby(result.labels).size().tolist() == [n, n]
    gmm = sg.cluster_customers(rfm, k_range=range(2, 4), method="gmm")
    assert "bic" in gmm.diagnostics and gmm.labels.nunique() == gmm.n_clusters
    with pytest.raises(DataError, match="constant"):
        sg.cluster_customers(rfm.assign(purchases=1))


def test_migration_matrix_by_hand():
    before = pd.Series({"a": "X", "b": "Y", "c": "X"})
    after = pd.Series({"a": "Y", "b": "Y", "d": "X"})
    counts = sg.migration_matrix(before, after)
    assert counts.loc["X", "Y"] == 1 and counts.loc["X", "(absent)"] == 1 and counts.loc["(absent)", "X"] == 1
    assert counts.to_numpy().sum() == 4
    assert sg.migration_matrix(before, after, normalize=True).sum(axis=1).tolist() == pytest.approx([1, 1, 1])


def test_bad_input_gets_clear_errors():
    with pytest.raises(MissingColumnError, match="revenue"):
        sg.rfm_scores(pd.DataFrame({"days_since_last_purchase": [1], "purchases": [1]}))
    with pytest.raises(DataError, match="no customers"):
        sg.rfm_scores(pd.DataFrame({"days_since_last_purchase": [], "purchases": [], "revenue": []}))
    rfm = pd.DataFrame({"days_since_last_purchase": [1, 2], "purchases": [1, 2], "revenue": [1.0, 2.0]})
    with pytest.raises(ValueError, match="bins"):
        sg.rfm_scores(rfm, bins=1)
    with pytest.raises(ValueError, match="4 increasing numbers"):
        sg.rfm_scores(rfm, cuts={"M": [1, 2]})
    with pytest.raises(ValueError, match="cuts are given per score"):
        sg.rfm_scores(rfm, cuts={"revenue": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="lang"):
        sg.rfm_eight_classes(sg.rfm_scores(rfm), lang="de")
    with pytest.raises(ValueError, match="threshold"):
        sg.rfm_eight_classes(sg.rfm_scores(rfm), threshold="mode")


def test_rfm_functions_refuse_a_customer_summary_and_models_refuse_rfm_values(online_retail_log):
    """'recency' and 'frequency' mean different things in the two tables: neither is accepted for the other."""
    log = online_retail_log[online_retail_log["customer_id"].isin(online_retail_log["customer_id"].unique()[:300])]
    summary = cl.customer_summary(log, time_unit="D")
    rfm = sg.rfm_values(log)
    assert list(rfm.columns) == list(sg.RFM_COLUMNS)
    for function in (sg.rfm_scores, sg.behaviour_matrix, sg.potential_value_proxy, sg.cluster_customers):
        with pytest.raises(DataError, match="not a customer summary"):
            function(summary)
    with pytest.raises(DataError, match="rfm_values"):
        sg.segment_table(sg.named_segments(sg.rfm_scores(rfm)), summary)
    with pytest.raises(DataError, match="not RFM values"):
        cl.clv.BetaGeo().fit(rfm)
    # what each table means travels with it, through slicing and Parquet
    assert cl.frames.table_info(rfm.head(10)).kind == "rfm_values"


rfm_data = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 30), st.floats(0.01, 1e5, allow_nan=False)),
                    min_size=1, max_size=60)


@settings(max_examples=100, deadline=None)
@given(rows=rfm_data)
def test_scores_and_segments_invariants(rows):
    rfm = pd.DataFrame(rows, columns=["days_since_last_purchase", "purchases", "revenue"])
    scores = sg.rfm_scores(rfm)
    assert scores[["R", "F", "M"]].isin(range(1, 6)).all().all()
    for column, letter, better in (("days_since_last_purchase", "R", -1), ("purchases", "F", 1), ("revenue", "M", 1)):
        order = np.argsort(better * rfm[column].to_numpy(), kind="stable")
        assert np.all(np.diff(scores[letter].to_numpy()[order]) >= 0)  # a better value never scores lower
    for segments in (sg.rfm_eight_classes(scores), sg.named_segments(scores)):
        assert segments.notna().all() and segments.index.equals(rfm.index)  # everyone in exactly one segment
        assert sg.segment_table(segments, rfm)["customer_share"].sum() == pytest.approx(1)


def test_falling_rule_declines_a_customer_who_still_buys():
    purchases = {  # every 30 days, still active at the end; spend halves in the later half
        "shrinking": [("2020-08-03", 100), ("2020-09-02", 100), ("2020-10-02", 50), ("2020-11-01", 50),
                      ("2020-12-01", 50)],
        "steady": [("2020-09-02", 20), ("2020-10-02", 20), ("2020-11-01", 20), ("2020-12-01", 20)],
        "growing": [("2020-10-01", 10), ("2020-11-01", 10), ("2020-12-01", 50), ("2020-12-20", 5)],
    }
    log = pd.DataFrame([(c, pd.Timestamp(d), a) for c, rows in purchases.items() for d, a in rows],
                       columns=["customer_id", "date", "amount"])
    assert sg.lifecycle_stages(log, observation_end="2020-12-31").to_dict() == {
        "growing": "formation", "shrinking": "stability", "steady": "stability"}
    falling = sg.lifecycle_stages(log, observation_end="2020-12-31", falling=True)
    # growing: later-half spend 27.5 vs 10 (growth wins although the last interval is long)
    assert falling.to_dict() == {"growing": "formation", "shrinking": "decline", "steady": "stability"}
    assert list(sg.LIFECYCLE_STAGES) == ["exploration", "formation", "stability", "decline"]
    assert sg.lifecycle_stages(log, observation_end="2020-12-31", falling=True, lang="zh")["shrinking"] == "退化期"


def test_labels_translate_values_not_customer_ids():
    scores = pd.DataFrame({"R": [5, 1], "F": [5, 1], "M": [5, 1]}, index=["new", "lost customers"])
    chinese = sg.rfm_eight_classes(scores, threshold=3, lang="zh")
    assert chinese.index.tolist() == ["new", "lost customers"]  # ids that look like labels stay ids
    assert chinese.tolist() == ["重要价值客户", "一般挽留客户"]
    rfm = pd.DataFrame({"purchases": [5, 5, 1, 1], "revenue": [500.0, 50, 100, 10],
                        "days_since_last_purchase": [1, 1, 1, 1]}, index=list("abcd"))  # as test_matrices_by_hand
    # Marcus's names: best customers, frequent customers, spenders, uncertain customers
    assert sg.behaviour_matrix(rfm, lang="zh").tolist() == ["最好的客户", "经常性客户", "乐于消费型客户",
                                                            "不确定型客户"]


def test_profile_segments_by_hand():
    customers = pd.DataFrame({"sex": ["f", "f", "m", None], "senior": [1, 0, 0, 0], "churn": [1, 0, 1, 0],
                              "spend": [10.0, 20.0, 30.0, 40.0]})
    table = sg.profile_segments(customers, ["sex"], ["churn", "spend"])
    assert table.index.tolist() == ["(missing)", "f", "m"]  # the customer without an attribute is kept
    assert table["customers"].sum() == 4 and table["customer_share"].sum() == pytest.approx(1)
    assert table.loc["f", "mean_churn"] == 0.5 and table.loc["m", "mean_spend"] == 30.0
    assert sg.segment_spread(table, "churn") == 1.0
    two = sg.profile_segments(customers, ["sex", "senior"], "churn")
    assert two["customers"].sum() == 4 and len(two) == 4
    with pytest.raises(DataError, match="non-numeric"):
        sg.profile_segments(customers.assign(churn=["yes", "no", "yes", "no"]), "sex", "churn")
    with pytest.raises(MissingColumnError, match="region"):
        sg.profile_segments(customers, "region", "churn")
    with pytest.raises(MissingColumnError, match="mean_spend"):
        sg.segment_spread(two, "spend")

"""Churn labels, features, metrics and the time-respecting comparison of classifiers with BG/NBD."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import crmlab as cl
from crmlab import churn
from crmlab.errors import DataError


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", "product"]).assign(
        date=lambda d: pd.to_datetime(d["date"], format="ISO8601"))


@pytest.fixture
def small_log():
    return _log([
        ("a", "2024-01-01", 10.0, "p1"), ("a", "2024-01-11", 20.0, "p2"), ("a", "2024-02-05", 5.0, "p1"),
        ("b", "2024-01-20", 50.0, "p3"),
        ("c", "2024-02-09", 8.0, "p1"),  # acquired on the last calibration day
        ("b", "2024-02-20", 7.0, "p3"),  # holdout purchase: b is retained
        ("d", "2024-02-25", 9.0, "p1"),  # first seen in the holdout: not in the data set
    ])


def test_churn_dataset_by_hand(small_log):
    data = churn.churn_dataset(small_log, calibration_end="2024-02-09", holdout_end="2024-03-09")
    assert list(data.index) == ["a", "b", "c"]
    assert data["churned"].tolist() == [True, False, True]
    a = data.loc["a"]
    # purchases on days 0, 10 and 35 after 1 January; calibration ends on day 39
    assert (a["frequency"], a["recency"], a["T"], a["inactive_days"]) == (2, 35, 39, 4)
    assert a["purchase_rate"] == pytest.approx(2 / 39)
    assert a["monetary"] == pytest.approx(12.5) and a["total_spend"] == pytest.approx(35)
    assert a["recent_purchases"] == 3 and a["distinct_products"] == 2
    assert data.loc["c", "purchase_rate"] == 0 and data.loc["c", "T"] == 0


def test_features_never_see_the_holdout(small_log):
    before = churn.churn_dataset(small_log, calibration_end="2024-02-09", holdout_end="2024-03-09")
    changed = small_log.copy()
    changed.loc[changed["date"] > "2024-02-09", "amount"] *= 100
    extra = _log([("a", "2024-03-01", 999.0, "p9")])
    after = churn.churn_dataset(pd.concat([changed, extra], ignore_index=True), calibration_end="2024-02-09",
                                holdout_end="2024-03-09")
    pd.testing.assert_frame_equal(before[list(churn.FEATURES)], after[list(churn.FEATURES)])
    assert after.loc["a", "churned"] == False  # noqa: E712 - only the label moved


def test_gain_table_by_hand():
    table = churn.gain_table([1, 1, 0, 0, 1, 0, 0, 0, 0, 1], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0],
                             bins=5)
    # pairs by score: (1,1) (0,0) (1,0) (0,0) (0,1); four churners
    assert table["gain"].tolist() == pytest.approx([0.5, 0.5, 0.75, 0.75, 1.0])
    assert table["lift"].tolist() == pytest.approx([2.5, 1.25, 1.25, 0.9375, 1.0])
    assert table["churn_rate"].tolist() == pytest.approx([1.0, 0.0, 0.5, 0.0, 0.5])


def test_churn_metrics_match_their_definitions(rng):
    y = rng.random(200) < 0.4
    p = np.clip(0.4 + 0.3 * (y - 0.4) + rng.normal(0, 0.2, 200), 0, 1)
    metrics = churn.churn_metrics(pd.Series(y), pd.DataFrame({"score": p}))
    # AUC as the share of (churner, non-churner) pairs ranked correctly, ties counting one half
    pairs = [(a > b) + 0.5 * (a == b) for a, b in itertools.product(p[y], p[~y])]
    assert metrics.loc["score", "roc_auc"] == pytest.approx(np.mean(pairs))
    assert metrics.loc["score", "brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert metrics.loc["base rate", "brier"] == pytest.approx(y.mean() * (1 - y.mean()))


def test_bad_scores_and_labels_get_clear_errors():
    with pytest.raises(ValueError, match="not a probability"):
        churn.churn_metrics(pd.Series([True, False]), pd.DataFrame({"s": [1.2, 0.1]}))
    with pytest.raises(DataError, match="both churned and retained"):
        churn.churn_metrics(pd.Series([True, True]), pd.DataFrame({"s": [0.2, 0.1]}))
    with pytest.raises(ValueError, match="must be after calibration_end"):
        churn.churn_dataset(_log([("a", "2024-01-01", 1.0, "p")]), calibration_end="2024-02-01",
                            holdout_end="2024-01-01")


def test_probability_of_no_purchases_is_the_gamma_laplace_transform(cdnow_master):
    summary = cl.customer_summary(cdnow_master, observation_end="1997-09-30", time_unit="W")
    model = cl.clv.BetaGeo().fit(summary)
    r, alpha = model.params_["r"], model.params_["alpha"]
    row = summary.iloc[[7]]
    x, T = row["frequency"].iloc[0], row["T"].iloc[0]
    quiet = stats.gamma(r + x, scale=1 / (alpha + T)).expect(lambda lam: np.exp(-lam * 13))  # E[e^(-13λ)]
    alive = model.p_alive(row).iloc[0]
    assert model.probability_no_purchases(13, row).iloc[0] == pytest.approx(1 - alive + alive * quiet, rel=1e-8)
    assert model.probability_no_purchases(0, row).iloc[0] == pytest.approx(1.0)


def test_online_retail_study_is_time_respecting(online_retail_log):
    study = churn.churn_study(online_retail_log, calibration_end="2011-09-09", holdout_end="2011-12-09")
    assert study.train.attrs["holdout_end"] == study.test.attrs["calibration_end"]  # labels end where test starts
    assert study.train.attrs["calibration_end"] == pd.Timestamp("2011-06-10")
    assert study.scores.index.equals(study.test.index)
    assert set(study.metrics.index) == {"logistic regression", "gradient boosting", "BG/NBD 1 − P(alive)",
                                        "BG/NBD P(no purchase)", "base rate"}
    # every learned score ranks better than chance on customers none of the models was trained on
    for name in ("logistic regression", "gradient boosting", "BG/NBD P(no purchase)"):
        assert study.metrics.loc[name, "roc_auc"] > 0.6
    # BG/NBD cannot call a one-time buyer dead (P(alive) = 1 when x = 0), so 1 - P(alive) misranks them
    one_timers = study.test["frequency"] == 0
    assert np.allclose(study.scores.loc[one_timers, "BG/NBD 1 − P(alive)"], 0.0)
    gains = study.gains()
    assert all(table["gain"].iloc[-1] == pytest.approx(1.0) for table in gains.values())


def test_life_table_is_kaplan_meier_by_hand():
    # tenure 1 (left), 2 (left), 2 (stays), 3 (stays), 0 (just joined): at risk 4, 3, 1
    table = churn.life_table(pd.Series([1, 2, 2, 3, 0]), pd.Series([True, True, False, False, False]))
    assert table["at_risk"].tolist() == [4, 3, 1]
    assert table["churned"].tolist() == [1, 1, 0]
    assert table["survival"].tolist() == pytest.approx([3 / 4, 3 / 4 * 2 / 3, 3 / 4 * 2 / 3])
    assert table.attrs["tenure_0"] == 1
    with pytest.raises(DataError, match="whole periods"):
        churn.life_table(pd.Series([1.5, 2]), pd.Series([True, False]))
    with pytest.raises(DataError, match="True/False"):
        churn.life_table(pd.Series([1, 2]), pd.Series(["Yes", "No"]))
    with pytest.raises(DataError, match="same length"):
        churn.life_table(pd.Series([1, 2]), pd.Series([True]))

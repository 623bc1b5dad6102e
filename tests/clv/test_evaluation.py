"""Holdout evaluation and the tracking table, on CDNOW (Fader, Hardie & Lee 2005, figures 2-4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl


@pytest.fixture(scope="module")
def cdnow_evaluation():
    log = cl.datasets.load_cdnow("sample")
    split = cl.calibration_holdout(log, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    model = cl.clv.BetaGeo().fit(cl.calibration_summary(split))
    evaluation = cl.clv.evaluate_holdout(model, split, transactions=log)  # the split carries its dates and unit
    return model, split, evaluation


def test_metrics_compare_model_and_baseline(cdnow_evaluation):
    model, split, evaluation = cdnow_evaluation
    metrics = evaluation.metrics
    assert list(metrics.index) == ["model", "baseline"]
    # 1,882 repeat purchases in weeks 40-78 (Fader, Hardie & Lee 2005)
    assert (metrics["total_actual"] == 1_882).all()
    per = evaluation.per_customer
    assert metrics.loc["model", "mae"] == pytest.approx(np.mean(np.abs(per["predicted"] - per["actual"])))
    assert evaluation.model_beats_baseline
    assert evaluation.reliability["customers"].sum() == len(split) == 2_357
    assert "Holdout evaluation" in str(evaluation) and "<table" in evaluation._repr_html_()


def test_tracking_table_accounts_for_every_repeat_purchase(cdnow_evaluation):
    model, split, evaluation = cdnow_evaluation
    tracking = evaluation.tracking
    assert len(tracking) == 78 and tracking["holdout"].sum() == 39  # 78 weeks, 39 of them holdout
    calibration = tracking.loc[~tracking["holdout"], "actual"].sum()
    holdout = tracking.loc[tracking["holdout"], "actual"].sum()
    assert (calibration, holdout) == (2_457, 1_882)  # repeat purchases in weeks 1-39 and 40-78
    assert tracking["expected_cumulative"].is_monotonic_increasing
    # the model tracks the cohort within 5 % at week 78 (FHL 2005, figure 2)
    assert tracking["expected_cumulative"].iloc[-1] == pytest.approx(tracking["actual_cumulative"].iloc[-1], rel=0.05)


def test_evaluation_needs_a_split_table(cdnow_evaluation):
    model, split, _ = cdnow_evaluation
    with pytest.raises(cl.errors.DataError, match="calibration_holdout"):
        cl.clv.evaluate_holdout(model, split.drop(columns="frequency_holdout"))
    by_hand = pd.DataFrame(split)  # a plain copy: no dates, no unit
    with pytest.raises(ValueError, match="calibration_end and observation_end"):
        cl.clv.evaluate_holdout(model, by_hand, transactions=cl.datasets.load_cdnow("sample"))
    with pytest.raises(cl.errors.DataError, match="contradicts"):
        cl.clv.evaluate_holdout(model, split, calibration_end="1997-10-31")
    with pytest.raises(cl.errors.MissingColumnError, match="date"):
        cl.clv.evaluate_holdout(model, split, transactions=pd.DataFrame({"customer_id": [1]}))


def test_model_plots_draw_on_given_axes(cdnow_evaluation):
    import matplotlib.pyplot as plt

    model, split, evaluation = cdnow_evaluation
    calibration = cl.calibration_summary(split)
    _, axes = plt.subplots(2, 3)
    drawn = [cl.plotting.plot_frequency_recency_matrix(model, t=39, T=39, ax=axes[0, 0]),
             cl.plotting.plot_p_alive_matrix(model, T=39, ax=axes[0, 1]),
             cl.plotting.plot_calibration_vs_holdout(evaluation, split, ax=axes[0, 2]),
             cl.plotting.plot_tracking(evaluation.tracking, ax=axes[1, 0]),
             cl.plotting.plot_tracking(evaluation.tracking, cumulative=False, ax=axes[1, 1]),
             cl.plotting.plot_repeat_purchase_histogram(model, calibration, ax=axes[1, 2])]
    assert drawn == list(axes.ravel())
    bars = [p.get_height() for p in axes[1, 2].patches]
    assert sum(bars[:8]) == len(calibration) and sum(bars[8:]) == pytest.approx(len(calibration))


def test_evaluation_and_model_plots_speak_the_readers_language(cdnow_evaluation):
    import re
    import warnings

    import matplotlib.pyplot as plt

    model, split, evaluation = cdnow_evaluation
    calibration = cl.calibration_summary(split)
    shown = repr(evaluation.summary("zh"))
    assert shown.startswith("验证期检验") and "均方根误差" in shown and "模型" in shown
    assert str(evaluation).startswith("Holdout evaluation") and "rmse" in str(evaluation)

    def draw(lang):
        _, axes = plt.subplots(2, 3)
        cl.plotting.plot_frequency_recency_matrix(model, t=39, T=39, ax=axes[0, 0], lang=lang)
        cl.plotting.plot_p_alive_matrix(model, T=39, ax=axes[0, 1], lang=lang)
        cl.plotting.plot_calibration_vs_holdout(evaluation, split, ax=axes[0, 2], lang=lang)
        cl.plotting.plot_tracking(evaluation.tracking, ax=axes[1, 0], lang=lang)
        cl.plotting.plot_tracking(evaluation.tracking, cumulative=False, ax=axes[1, 1], lang=lang)
        cl.plotting.plot_repeat_purchase_histogram(model, calibration, ax=axes[1, 2], lang=lang)
        return axes.ravel()

    english = draw("en")
    assert english[0].get_title() == "Expected purchases in the next 39 weeks (T = 39 weeks)"
    assert english[3].get_xlabel() == "weeks since the cohort's first purchase"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        chinese = draw("zh")
        chinese[0].figure.canvas.draw()
    assert chinese[0].get_title() == "未来 39 周内的预期购买次数（T = 39 周）"
    assert chinese[1].get_ylabel() == "最近一次购买的时间 t_x（周）"
    assert chinese[3].get_xlabel() == "自这批客户首次购买起的周数"
    for ax in chinese:
        labels = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *ax.get_legend_handles_labels()[1]]
        left = [label for label in labels if re.search(r"[A-Za-z]{3,}", label)]
        assert not left, left

"""The customer-base plots of issue 17: P(alive) history, cohort retention, holdout by recency, heterogeneity.

Each test checks what is drawn (the artists' data) against a computation done another way, and draws the
Chinese labels (a missing glyph is an error in the tests).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import special

import crmlab as cl
from crmlab.simulation import simulate_ggompertznbd, simulate_mbgcnbd


@pytest.fixture(scope="module")
def cdnow_log() -> pd.DataFrame:
    return cl.datasets.load_cdnow("sample")


@pytest.fixture(scope="module")
def calibration(cdnow_log):
    split = cl.calibration_holdout(cdnow_log, calibration_end="1997-09-30", observation_end="1998-06-30",
                                   time_unit="W")
    model = cl.clv.BetaGeo().fit(cl.calibration_summary(split))
    return model, split, cl.clv.evaluate_holdout(model, split)


def _drawn(ax) -> None:
    """Render the figure: the texts are laid out, and a glyph missing from the fonts raises."""
    ax.figure.canvas.draw()


# --------------------------------------------------------------------------- P(alive) history

def test_p_alive_history_follows_the_customer_day_by_day(cdnow_log, calibration):
    model, _, _ = calibration
    customer = 1  # bought on 1997-01-01, 01-18, 08-02 and 12-12 (CDNOW sample)
    figure, axes = plt.subplots(1, 2)
    ax = cl.plotting.plot_p_alive_history(model, cdnow_log, customer, ax=axes[0])
    assert ax is axes[0]
    line = ax.get_lines()[0]
    days, alive = line.get_xdata(), np.asarray(line.get_ydata())
    assert pd.Timestamp(days[0]) == pd.Timestamp("1997-01-01") and pd.Timestamp(days[-1]) == pd.Timestamp("1998-06-30")
    assert len(days) == (pd.Timestamp("1998-06-30") - pd.Timestamp("1997-01-01")).days + 1
    # on any day, P(alive) is the model's for the summary customer_summary gives at that day
    for day in ("1997-09-30", "1998-02-15", "1998-06-30"):
        summary = cl.customer_summary(cdnow_log[cdnow_log["customer_id"] == customer], observation_end=day,
                                      time_unit="W")
        position = (pd.Timestamp(day) - pd.Timestamp("1997-01-01")).days
        assert alive[position] == pytest.approx(model.p_alive(summary).iloc[0], rel=1e-12)
    purchases = ax.collections[-1].get_offsets()
    bought = cdnow_log.loc[cdnow_log["customer_id"] == customer, "date"].dt.normalize().unique()
    assert len(purchases) == len(bought) == 4
    # on the day of the x-th repeat purchase (T = t_x), BG/NBD's P(alive) is 1 / (1 + a / (b + x - 1)) (Fader,
    # Hardie & Lee 2005, eq. 13 with T = t_x); until the next purchase the customer only looks more likely gone
    a, b = model.params_["a"], model.params_["b"]
    after_first = alive[(pd.to_datetime(days) >= bought[1]) & (pd.to_datetime(days) < bought[2])]
    assert after_first[0] == pytest.approx(1 / (1 + a / b), rel=1e-12) and np.all(np.diff(after_first) < 0)
    assert purchases[2, 1] == pytest.approx(1 / (1 + a / (b + 1)), rel=1e-12)
    assert "end of calibration" in [t.get_text() for t in ax.get_legend().get_texts()]
    chinese = cl.plotting.plot_p_alive_history(model, cdnow_log, customer, ax=axes[1], lang="zh")
    assert chinese.get_title() == "客户 1 的存活概率随时间的变化（BG/NBD）" and chinese.get_xlabel() == "日期"
    _drawn(chinese)


def test_p_alive_history_gives_the_model_the_customers_covariates(cdnow_log, calibration, monkeypatch):
    model, _, _ = calibration
    seen = []
    monkeypatch.setattr(type(model), "p_alive", lambda self, data, t=0.0: seen.append(data) or data["T"] * 0 + 0.5)
    ax = cl.plotting.plot_p_alive_history(model, cdnow_log, 1, covariates=pd.Series({"Gender": 1.0, "Channel": 0.0}))
    assert (seen[0]["Gender"] == 1.0).all() and (seen[0]["Channel"] == 0.0).all()
    assert cl.frames.table_info(seen[0]).time_unit == "W"  # still a summary in weeks
    assert set(ax.get_lines()[0].get_ydata()) == {0.5}


def test_p_alive_history_refusals(cdnow_log, calibration):
    model, _, _ = calibration
    with pytest.raises(cl.errors.DataError, match="customer 'nobody' has no transaction"):
        cl.plotting.plot_p_alive_history(model, cdnow_log, "nobody")
    with pytest.raises(RuntimeError, match="not fitted"):
        cl.plotting.plot_p_alive_history(cl.clv.ParetoNBD(), cdnow_log, 1)
    bgbb = cl.clv.BetaGeoBetaBinom().fit(cl.datasets.load_donations(), weights="weights")
    with pytest.raises(ValueError, match="needs a model in calendar time"):
        cl.plotting.plot_p_alive_history(bgbb, cdnow_log, 1)


# --------------------------------------------------------------------------- cohort retention

def test_cohort_retention_heatmap_shows_the_table(cdnow_log):
    figure, axes = plt.subplots(1, 2)
    ax = cl.plotting.plot_cohort_retention(cdnow_log, observation_end="1998-05-15", ax=axes[0])
    table = cl.cohorts.cohort_retention_table(cdnow_log, observation_end="1998-05-15")
    image = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(np.ma.filled(image.astype(float), np.nan), table.to_numpy())
    # May 1998 is not over: the ages end with April 1998 for the January 1997 cohort, later months are blank
    assert list(table.columns) == list(range(16)) and np.isnan(table.loc["1997-03", 14])
    assert ax.get_images()[0].get_clim() == (0, np.nanmax(table.to_numpy()[:, 1:]))
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) == np.isfinite(table.to_numpy()).sum() and labels[0] == "100%"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1997-01", "1997-02", "1997-03"]
    assert ax.get_xlabel() == "months since acquisition"
    chinese = cl.plotting.plot_cohort_retention(cdnow_log, period="Q", observation_end="1998-06-30", ax=axes[1],
                                                lang="zh")
    assert chinese.get_xlabel() == "获取后的季度数" and chinese.get_title().startswith("客户群组保持率")
    _drawn(chinese)


# --------------------------------------------------------------------------- conditional expectations

def test_holdout_purchases_by_recency(calibration):
    model, split, evaluation = calibration
    figure, axes = plt.subplots(1, 3)
    ax = cl.plotting.plot_holdout_by_recency(evaluation, split, n_bins=4, ax=axes[0])
    # the groups, formed here by hand: one-time buyers, then repeat buyers by quarter of the 39 weeks
    T = split["T_cal"].max()
    per = evaluation.per_customer
    repeat = split["frequency_cal"] > 0
    groups = [~repeat] + [repeat & (split["recency_cal"] >= k * T / 4) & (split["recency_cal"] <= (k + 1) * T / 4)
                          & ((split["recency_cal"] > k * T / 4) | (k == 0)) for k in range(4)]
    for line, column in zip(ax.get_lines()[:3], ["actual", "predicted", "baseline"], strict=True):
        np.testing.assert_allclose(line.get_ydata(), [per.loc[g, column].mean() for g in groups], rtol=1e-12)
    assert sum(g.sum() for g in groups) == len(split)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "no repeat purchase" and ticks[-1] == f"{3 * T / 4:.0f}–{T:.0f}"
    assert ax.get_xlabel() == "recency in calibration (time of the last purchase, weeks)"
    # the frequency version draws through the same code
    by_frequency = cl.plotting.plot_calibration_vs_holdout(evaluation, split, ax=axes[1])
    frequency_means = per.groupby(split["frequency_cal"].clip(upper=7))["actual"].mean()
    np.testing.assert_allclose(by_frequency.get_lines()[0].get_ydata(), frequency_means, rtol=1e-12)
    chinese = cl.plotting.plot_holdout_by_recency(evaluation, split, ax=axes[2], lang="zh")
    assert chinese.get_xticklabels()[0].get_text() == "无重复购买"
    _drawn(chinese)
    with pytest.raises(ValueError, match="n_bins must be"):
        cl.plotting.plot_holdout_by_recency(evaluation, split, n_bins=0)
    with pytest.raises(cl.errors.MissingColumnError, match="recency_cal"):
        cl.plotting.plot_holdout_by_recency(evaluation, split.drop(columns="recency_cal"))


# --------------------------------------------------------------------------- heterogeneity

def _gamma_density(x, shape, rate):
    return math.exp(shape * math.log(rate) + (shape - 1) * math.log(x) - rate * x - math.lgamma(shape))


def _beta_density(x, a, b):
    return math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) + math.lgamma(a + b) - math.lgamma(a)
                    - math.lgamma(b))


@pytest.mark.parametrize(("name", "process", "family", "names"), [
    ("bgnbd", "purchase", "gamma", ("r", "alpha")),
    ("bgnbd", "dropout", "beta", ("a", "b")),
    ("pareto", "dropout", "gamma", ("s", "beta")),
    ("bgbb", "purchase", "beta", ("alpha", "beta")),
    ("bgbb", "dropout", "beta", ("gamma", "delta")),
])
def test_heterogeneity_draws_the_fitted_mixing_distribution(cdnow_weeks_summary, name, process, family, names):
    model = cdnow_weeks_summary[name]
    ax = cl.plotting.plot_heterogeneity(model, process)
    first, second = (model.params_[n] for n in names)
    curve, mean = ax.get_lines()[0], ax.get_lines()[1]
    x, y = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    density = _gamma_density if family == "gamma" else _beta_density
    for k in (3, len(x) // 2, len(x) - 2):
        assert y[k] == pytest.approx(density(x[k], first, second), rel=1e-9)
    expected_mean = first / second if family == "gamma" else first / (first + second)
    assert mean.get_xdata()[0] == pytest.approx(expected_mean, rel=1e-12)
    # the drawn range holds all but 0.5 % of a rate distribution, and the whole (0, 1) of a probability's
    if family == "gamma":
        assert special.gammainc(first, second * x[-1]) == pytest.approx(0.995, abs=1e-9)
    else:
        assert x[0] < 0.01 and x[-1] > 0.99
    assert ax.get_legend().get_texts()[1].get_text() == f"mean = {expected_mean:.3g}"


def test_heterogeneity_labels_and_refusals(cdnow_weeks_summary):
    model = cdnow_weeks_summary["pareto"]
    figure, axes = plt.subplots(1, 2)
    ax = cl.plotting.plot_heterogeneity(model, "purchase", ax=axes[0])
    assert ax.get_xlabel() == "purchase rate λ, per week"
    assert ax.get_legend().get_texts()[0].get_text().startswith("Gamma(r = ")
    chinese = cl.plotting.plot_heterogeneity(model, "dropout", ax=axes[1], lang="zh")
    assert chinese.get_xlabel() == "流失率 μ（每周）" and chinese.get_title() == "Pareto/NBD：流失率 μ在客户间的分布"
    assert chinese.get_legend().get_texts()[0].get_text().startswith("伽马分布(s = ")
    _drawn(chinese)
    with pytest.raises(ValueError, match="process must be one of"):
        cl.plotting.plot_heterogeneity(model, "spend")
    sbg = cl.clv.ShiftedBetaGeometric().fit_survivors([1000, 631, 468, 382, 326])
    with pytest.raises(ValueError, match=r"process must be one of \['dropout'\]"):
        cl.plotting.plot_heterogeneity(sbg, "purchase")
    assert cl.plotting.plot_heterogeneity(sbg, "dropout").get_xlabel() == "probability θ of cancelling in a period"
    with pytest.raises(ValueError, match="no heterogeneity plot for GammaGamma"):
        cl.plotting.plot_heterogeneity(cdnow_weeks_summary["spend"])


def test_heterogeneity_of_the_regularity_and_ageing_models():
    regular = simulate_mbgcnbd(800, 40, k=2, r=1.5, alpha=3.0, a=0.6, b=3.0, seed=3)
    cnbd = cl.clv.ModifiedBetaGeoCNBD(k=2).fit(regular)
    ax = cl.plotting.plot_heterogeneity(cnbd, "purchase")
    assert ax.get_xlabel() == "phase rate λ (a purchase every k phases), per week"
    assert ax.get_lines()[1].get_xdata()[0] == pytest.approx(cnbd.params_["r"] / cnbd.params_["alpha"])
    ageing = cl.clv.GammaGompertzNBD().fit(simulate_ggompertznbd(800, 40, r=1.0, alpha=4.0, b=0.05, s=1.0,
                                                                  beta=2.0, seed=4))
    chinese = cl.plotting.plot_heterogeneity(ageing, "dropout", lang="zh")
    assert chinese.get_xlabel() == "生命周期的冈珀茨尺度参数 η（无量纲）"
    assert chinese.get_lines()[1].get_xdata()[0] == pytest.approx(ageing.params_["s"] / ageing.params_["beta"])


@pytest.fixture(scope="module")
def cdnow_weeks_summary():
    summary = cl.datasets.load_cdnow_summary()
    return {"bgnbd": cl.clv.BetaGeo().fit(summary), "pareto": cl.clv.ParetoNBD().fit(summary),
            "bgbb": cl.clv.BetaGeoBetaBinom().fit(cl.datasets.load_donations(), weights="weights"),
            "spend": cl.clv.GammaGamma().fit(summary)}

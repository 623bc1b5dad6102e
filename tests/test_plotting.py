"""Figures draw on the Axes they are given, return it, and leave pyplot's state alone."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import crmlab as cl


@pytest.fixture(scope="module")
def cleaned():
    log = pd.DataFrame({"customer_id": [1, 1, 2, None, 3, 3], "amount": [5.0, -5.0, 3.0, 1.0, 2.0, 2.0],
                        "date": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-02-01", "2020-02-02",
                                                "2020-03-01", "2020-03-01"])})
    return cl.transactions.clean(log)


def test_plots_use_the_given_axes(cleaned):
    log, report = cleaned
    summary = cl.customer_summary(log)
    figure, axes = plt.subplots(1, 3)
    plt.figure()  # the "current" figure must stay the one created last
    current = plt.gcf()
    drawn = [cl.plotting.plot_dropped_rows(report, ax=axes[0]),
             cl.plotting.plot_monthly_activity(log, ax=axes[1]),
             cl.plotting.plot_repeat_purchases(summary, max_frequency=3, ax=axes[2])]
    assert drawn == list(axes)
    assert plt.gcf() is current
    # one row each: no customer, an exact duplicate, a return netted against the purchase it cancels in full
    assert [p.get_width() for p in axes[0].patches] == [1, 1, 1, 1]
    assert "Rows dropped: 4 of 6" in axes[0].get_title()
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["0", "1", "2", "3+"]
    assert sum(p.get_height() for p in axes[2].patches) == pytest.approx(1.0)


def test_plots_make_their_own_axes_when_none_is_given(cleaned):
    log, report = cleaned
    ax = cl.plotting.plot_dropped_rows(report)
    assert ax.figure is not None and ax.get_xlabel() == "rows dropped"


def test_dropped_rows_plot_needs_a_cleaning_report():
    report = cl.transactions.validate(pd.DataFrame({"customer_id": [1], "date": ["2020-01-01"], "amount": [1.0]}))
    with pytest.raises(ValueError, match="use clean"):
        cl.plotting.plot_dropped_rows(report)


def test_value_and_segment_plots_use_the_given_axes(rng):
    from crmlab import segmentation as sg
    from crmlab import value

    rfm = pd.DataFrame({"days_since_last_purchase": rng.integers(0, 300, 200), "purchases": rng.integers(1, 20, 200),
                        "revenue": rng.gamma(2.0, 300.0, 200)}, index=pd.RangeIndex(200, name="customer_id"))
    profit = pd.Series(rng.normal(100, 150, 200))
    classes = value.class_table(rfm["revenue"], value.abc_by_customers(rfm["revenue"]))
    clusters = sg.cluster_customers(rfm, k_range=range(2, 4))
    mix = pd.DataFrame({"exploration": [0.6, 0.4], "decline": [0.4, 0.6]},
                       index=pd.to_datetime(["2020-06-30", "2020-12-31"]))
    migration = sg.migration_matrix(pd.Series({"a": "X", "b": "Y"}), pd.Series({"a": "Y", "b": "Y"}))
    figure, axes = plt.subplots(2, 4)
    drawn = [cl.plotting.plot_concentration(rfm["revenue"], ax=axes[0, 0]),
             cl.plotting.plot_whale_curve(profit, ax=axes[0, 1]),
             cl.plotting.plot_class_shares(classes, ax=axes[0, 2]),
             cl.plotting.plot_behaviour_matrix(rfm, sg.behaviour_matrix(rfm), ax=axes[0, 3]),
             cl.plotting.plot_lifecycle_mix(mix, ax=axes[1, 0]),
             cl.plotting.plot_cluster_diagnostics(clusters, ax=axes[1, 1]),
             cl.plotting.plot_migration(migration, ax=axes[1, 2])]
    assert drawn == list(axes.ravel()[:7])
    assert "Gini" in axes[0, 0].get_title()
    assert [p.get_height() for p in axes[0, 2].patches[:3]] == pytest.approx(classes["customer_share"].tolist())


def test_retention_economics_plots_use_the_given_axes():
    from crmlab import churn, economics

    survivors = [1000, 631, 468, 382, 326]  # Fader & Hardie (2007), regular cohort, first five years
    model = cl.clv.ShiftedBetaGeometric().fit_survivors(survivors)
    components = economics.clv_components(initial_margin=50, repeat_margin=100, retention=0.8, discount_rate=0.1,
                                          horizon=5, cross_sell_margin=10)
    gains = {"score": churn.gain_table([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.2, 0.1], bins=5)}
    uplift = economics.retention_uplift([0.6, 0.8, 0.97], [0.05, 0.1])
    figure, axes = plt.subplots(1, 4)
    drawn = [cl.plotting.plot_gain(gains, ax=axes[0]),
             cl.plotting.plot_clv_components(components, ax=axes[1]),
             cl.plotting.plot_retention_projection(model, survivors, horizon=12, ax=axes[2]),
             cl.plotting.plot_retention_uplift(uplift, ax=axes[3])]
    assert drawn == list(axes)
    assert axes[0].lines[0].get_ydata()[-1] == pytest.approx(1.0)  # every churner reached at 100 %
    heights = [p.get_height() for p in axes[1].patches]
    assert sum(heights) == pytest.approx(components.drop(columns="total").to_numpy().sum())
    assert axes[2].lines[1].get_ydata()[0] == pytest.approx(1.0)


def test_value_and_segment_plots_speak_chinese(rng, cleaned):
    from crmlab import segmentation as sg

    log, report = cleaned
    rfm = pd.DataFrame({"days_since_last_purchase": rng.integers(0, 300, 60), "purchases": rng.integers(1, 20, 60),
                        "revenue": rng.gamma(2.0, 300.0, 60)}, index=pd.RangeIndex(60, name="customer_id"))
    mix = pd.DataFrame({"exploration": [0.6, 0.4], "decline": [0.4, 0.6]},
                       index=pd.to_datetime(["2020-06-30", "2020-12-31"]))
    figure, axes = plt.subplots(2, 3)
    cl.plotting.plot_dropped_rows(report, ax=axes[0, 0], lang="zh")
    cl.plotting.plot_concentration(rfm["revenue"], ax=axes[0, 1], lang="zh")
    cl.plotting.plot_behaviour_matrix(rfm, sg.behaviour_matrix(rfm), ax=axes[0, 2], lang="zh")
    cl.plotting.plot_lifecycle_mix(mix, ax=axes[1, 0], lang="zh")
    cl.plotting.plot_migration(sg.migration_matrix(pd.Series({"a": "new"}), pd.Series({"a": "champions"})),
                               ax=axes[1, 1], lang="zh")
    cl.plotting.plot_repeat_purchases(cl.customer_summary(log, time_unit="D"), ax=axes[1, 2], lang="zh")
    assert axes[0, 0].get_title().startswith("删除 4 行")
    assert "基尼系数" in axes[0, 1].get_title()
    assert {t.get_text() for t in axes[0, 2].get_legend().get_texts()} <= {"最好的客户", "经常性客户", "乐于消费型客户",
                                                                          "不确定型客户"}
    assert [t.get_text() for t in axes[1, 0].get_legend().get_texts()] == ["考察期", "退化期"]
    assert axes[1, 1].get_xlabel() == "后期客户群" and axes[1, 1].get_yticklabels()[0].get_text() == "新客户"
    with pytest.raises(ValueError, match="lang"):
        cl.plotting.plot_whale_curve(rfm["revenue"], lang="fr")


def test_customer_value_and_loyalty_plots_use_the_given_axes():
    from crmlab import loyalty_measurement as lm
    from crmlab import value

    offers = pd.DataFrame({"product_value": [60.0, 50], "service_value": [20, 25], "personnel_value": [10, 15],
                           "image_value": [10, 10], "monetary_cost": [50, 40], "time_cost": [10, 5],
                           "energy_cost": [5, 5], "psychic_cost": [5, 10]}, index=["A", "B"])
    evaluation = pd.DataFrame({"objective_score": [10.0, 80.0, 60.0], "subjective_score": [90.0, 20.0, 70.0]})
    ladder = lm.loyalty_ladder(pd.Series({"a": 1, "b": 2, "c": 3}))
    check = value.abc_reference_check(pd.Series(range(1, 101), dtype="float64"))
    figure, axes = plt.subplots(1, 5)
    current = plt.gcf()
    drawn = [cl.plotting.plot_delivered_value(value.delivered_value(offers), ax=axes[0], lang="zh"),
             cl.plotting.plot_loyalty_types(ax=axes[1]),
             cl.plotting.plot_loyalty_evaluation(evaluation, ax=axes[2]),
             cl.plotting.plot_loyalty_ladder(ladder, ax=axes[3], lang="zh"),
             cl.plotting.plot_abc_reference(check, ax=axes[4])]
    assert drawn == list(axes) and plt.gcf() is current
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["A", "B ★"]  # B delivers 40, A 30
    assert len(axes[0].patches) == 2 * 8 and "顾客让渡价值" in axes[0].get_title()
    assert len(axes[1].collections[0].get_offsets()) == 6
    assert [t.get_text() for t in axes[3].get_yticklabels()] == ["采购者", "客户", "支持者", "倡导者", "伙伴"]
    assert [p.get_width() for p in axes[3].patches] == pytest.approx([1 / 3, 2 / 3, 0, 0, 0])
    # 000's two poles of the ladder, bottom and top
    assert [t.get_text() for t in axes[3].texts[-2:]] == ["↓ 强调一次性交易", "↑ 强调长期忠诚度"]
    assert [p.get_height() for p in axes[4].patches[3:6]] == pytest.approx(check["value_share"].tolist())
    with pytest.raises(cl.errors.MissingColumnError, match="delivered_value"):
        cl.plotting.plot_delivered_value(offers)


def _growth_example():
    from crmlab import growth

    log = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3], "product": ["a", "b", "a", "a", "a"],
                        "date": pd.to_datetime(["2021-02-01", "2021-08-01", "2021-03-01", "2021-04-01", "2021-09-01"]),
                        "quantity": [1, 2, 1, 1, 3], "amount": [5.0, 12.0, 4.0, 5.0, 15.0]})
    return growth.relationship_growth(log, period_1=("2021-01-01", "2021-06-30"), period_2=("2021-07-01", "2021-12-31"))


def test_business_case_and_growth_plots_use_the_given_axes():
    from crmlab import basket, economics

    telco = pd.DataFrame({"tenure": [1, 2, 2, 3, 5, 5], "churned": [True, False, True, False, True, False]})
    model = cl.clv.ShiftedBetaGeometric().fit_survivors([1000, 631, 468, 382, 326])
    depth = basket.relationship_depth(pd.DataFrame({"customer_id": [1, 1, 2], "product": ["a", "b", "a"],
                                                    "kind": ["x", "y", "x"], "amount": [3.0, 4.0, 5.0]}),
                                      category_col="kind")
    figure, axes = plt.subplots(2, 4)
    drawn = [cl.plotting.plot_leaking_bucket(1e9, 0.30, 0.15, [0.15, 0.30, 0.45], years=3, ax=axes[0, 0]),
             cl.plotting.plot_relationship_growth(_growth_example(), ax=axes[0, 1]),
             cl.plotting.plot_crm_process(ax=axes[0, 2]),
             cl.plotting.plot_crm_kinds(ax=axes[0, 3]),
             cl.plotting.plot_retention_claims(ax=axes[1, 0]),
             cl.plotting.plot_snapshot_survival(model, telco["tenure"], telco["churned"], ax=axes[1, 1]),
             cl.plotting.plot_relationship_depth(depth, ax=axes[1, 2])]
    assert drawn == list(axes.ravel()[:7])
    # 002's company: flat at 1 billion when acquisition doubles the market growth rate, 1.15^t at 45 %
    flat, market_pace = axes[0, 0].lines[2].get_ydata(), axes[0, 0].lines[3].get_ydata()
    assert flat == pytest.approx([1e9] * 4) and market_pace == pytest.approx([1e9 * 1.15**t for t in range(4)])
    labelled = [[t for t in ax.texts if t.get_text()] for ax in (axes[0, 2], axes[0, 3])]
    assert [len(texts) for texts in labelled] == [5, 7]  # five steps; three kinds, their notes and the loop back
    # a CLV-gain curve per discount rate and a dotted line per quoted gain (25, 35, 60, 85, 95, 100 %)
    assert len(axes[1, 0].lines) == 3 + 6
    assert axes[1, 1].lines[0].get_ydata() == pytest.approx(cl.churn.life_table(telco["tenure"],
                                                                                  telco["churned"])["survival"])
    clv = economics.clv_components(initial_margin=0, repeat_margin=10, retention=0.5, discount_rate=0.1, horizon=2,
                                   referrals_per_period=1, referral_value=-30)
    ax = cl.plotting.plot_clv_components(clv)
    assert min(p.get_y() + min(p.get_height(), 0) for p in ax.patches) < 0  # negative word of mouth stacks down


def test_waterfall_bars_step_from_one_period_to_the_next():
    result = _growth_example()
    ax = cl.plotting.plot_relationship_growth(result)
    steps = result.waterfall()
    shown = steps[(steps["revenue"] != 0) | (steps["dimension"] == "total")]
    assert len(ax.patches) == len(shown) + 3  # the bars, and three empty bars that carry the legend
    last = ax.patches[len(shown) - 1]
    assert last.get_height() == pytest.approx(steps.loc["revenue_period_2", "revenue"])
    assert ax.patches[len(shown) - 2].get_y() + ax.patches[len(shown) - 2].get_height() == pytest.approx(
        last.get_height())  # the last step ends where period 2's bar does


def test_growth_plots_speak_chinese():
    import re

    from crmlab import economics

    axes = [cl.plotting.plot_leaking_bucket(1e9, 0.3, 0.15, [0.15], lang="zh"),
            cl.plotting.plot_relationship_growth(_growth_example(), lang="zh"),
            cl.plotting.plot_crm_process(lang="zh"), cl.plotting.plot_crm_kinds(lang="zh"),
            cl.plotting.plot_retention_claims(lang="zh"),
            cl.plotting.plot_clv_components(economics.clv_components(
                initial_margin=5, repeat_margin=10, retention=0.5, discount_rate=0.1, horizon=2, retention_cost=1),
                lang="zh"),
            cl.plotting.plot_retention_uplift(economics.retention_uplift([0.8], [0.1]), lang="zh")]
    for ax in axes:
        labels = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts),
                  *(t.get_text() for t in ax.get_xticklabels())]
        if ax.get_legend():
            labels += [t.get_text() for t in ax.get_legend().get_texts()]
        english = [label for label in labels if re.search(r"[a-z]{3,}", re.sub(r"CRM|CLV|sBG", "", label))]
        assert not english, english

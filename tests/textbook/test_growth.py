"""The textbook's own numbers for the business case, relationship growth and retention economics.

Each test cites the chapter file (../shared/textbook/00x_…txt) and the section or slide title it checks, with the
phrase it recomputes. Where the chapter's arithmetic is off, the expected value is the recomputation of the
textbook audit (issue 14, §3) and the text's figure is asserted as the documented mismatch.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import economics, growth

RMB_1_BILLION = 1_000_000_000


def test_002_turnover_rates_and_half_lives():
    """002 有如此多的公司正在飞速发展: "客户的流动率超过30%、 40%,甚至达到50%" — with no acquisition a base with
    turnover c keeps 1 − c a year and halves in ln 0.5 / ln(1 − c) years."""
    half_lives = [economics.leaking_bucket(RMB_1_BILLION, c, 0.15)["half_life_without_acquisition"]
                  for c in (0.30, 0.40, 0.50)]
    assert half_lives == pytest.approx([1.9434, 1.3569, 1.0], abs=1e-4)
    kept = [economics.leaking_bucket(RMB_1_BILLION, c, 0.15, acquisition_rate=0.0)["revenue_next_year"]
            for c in (0.30, 0.40, 0.50)]
    assert kept == pytest.approx([0.70e9, 0.60e9, 0.50e9])


def test_002_scenario_loses_150_million():
    """002 案例一/案例二: "A RMB 1 billion company", "30% customer turnover", "15% market growth"; "If the company
    acquires new customers at the market growth rate, it loses 150 million in revenue" (如果一家企业获得新客户的速度
    与市场成长率相当,它将丢失1.5亿 的收入)."""
    bucket = economics.leaking_bucket(RMB_1_BILLION, 0.30, 0.15)
    assert bucket["revenue_lost_to_turnover"] == pytest.approx(300_000_000)
    assert bucket["revenue_next_year"] == pytest.approx(850_000_000)
    assert bucket["change_vs_today"] == pytest.approx(-150_000_000)  # the slide's 150 million (1.5亿) ✓
    assert bucket["shortfall_vs_market"] == pytest.approx(300_000_000)  # against a market growing to 1.15 billion


def test_002_chinese_slide_amount_is_ten_times_the_english_one():
    """002 案例一: the Chinese slide says "一个资产100亿的公司" (RMB 10 billion), the English "A RMB 1 billion company".
    Only the English amount gives the slide's own "1.5亿" loss; 100亿 would lose 15亿 (documented mismatch)."""
    chinese = economics.leaking_bucket(100 * 100_000_000, 0.30, 0.15)  # 100亿 = 100 x 1亿
    assert chinese["change_vs_today"] == pytest.approx(-15 * 100_000_000)
    assert chinese["change_vs_today"] != pytest.approx(-1.5 * 100_000_000)


def test_002_double_the_market_growth_rate_is_not_enough():
    """002 案例二: "Customer acquisition must double the market growth rate for the company to grow at the same rate as
    the market" (新客户的获取率必须是市场增长率 的两倍). Recomputed: a = c + g = 45 % = 3 × g; at 2 g = 30 % revenue
    only stands still (documented mismatch: the slide's "double" holds only when c = g)."""
    bucket = economics.leaking_bucket(RMB_1_BILLION, 0.30, 0.15)
    assert bucket["acquisition_rate_needed"] == pytest.approx(0.45)
    assert bucket["needed_multiple_of_growth"] == pytest.approx(3.0)
    assert bucket["needed_multiple_of_growth"] != pytest.approx(2.0)  # the slide's "double"
    doubled = economics.leaking_bucket(RMB_1_BILLION, 0.30, 0.15, acquisition_rate=2 * 0.15)
    assert doubled["change_vs_today"] == pytest.approx(0.0)
    assert doubled["shortfall_vs_market"] == pytest.approx(150_000_000)  # 15 points of acquisition short
    assert economics.leaking_bucket(1.0, 0.15, 0.15)["needed_multiple_of_growth"] == pytest.approx(2.0)  # c = g


def test_002_thirty_percent_of_marketing_expense():
    """002 案例二 and 你能在 CRM上花多少钱?快速评估: "The company must devote 30% of sales management and marketing
    expense to digging itself out of a hole"; the quick assessment's first term "Marketing expense X turnover rate"
    (市场花费开销 X 周转率) is that 30 % for c = 30 %. Of the acquisition needed, c / (c + g) = 2/3 only refills."""
    expense = 123_456_789.0
    assessment = economics.crm_budget_quick_assessment(expense, 0.30, 0.0, 0.0, 0.0, 0.0)
    assert assessment["marketing_expense_x_turnover"] == pytest.approx(0.30 * expense)
    assert economics.leaking_bucket(RMB_1_BILLION, 0.30, 0.15)["refill_share"] == pytest.approx(2 / 3)


def test_002_quick_assessment_is_the_sum_of_its_four_terms():
    """002 你能在 CRM上花多少钱?快速评估: "Marketing expense X turnover rate, +" "Present value of lost
    referrals/good word of mouth, +" "The value of sales management time spent re-gaining lost revenue, +"
    "Target retention (in $ of revenue) - Current retention" "= the costs to your revenue growth that could be
    re-allocated to CRM". The slide gives no values but c = 30 %; the rest are ours."""
    result = economics.crm_budget_quick_assessment(100e6, 0.30, 20e6, 10e6, 0.80 * RMB_1_BILLION,
                                                   0.70 * RMB_1_BILLION)
    assert result["crm_budget"] == pytest.approx(30e6 + 20e6 + 10e6 + 100e6)


@pytest.mark.parametrize("source, gain, expected", [
    # 000 客户关系的远度成长 2.客户挽留: "客户挽留率每增加5%,可带来公司利润60%的增长"
    ("000", 0.60, {0.0: 0.852, 0.05: 0.903, 0.10: None}),
    # 001 §3.6: "顾客忠诚度上升5个百分点时,利润上升的幅度将达到25%85%" (range sign lost: 25%~85%); 004 §2.4.2 ⑹ the same
    ("001 §3.6 low", 0.25, {0.0: 0.635, 0.05: 0.700, 0.10: 0.761}),
    ("001 §3.6 high", 0.85, {0.0: 0.883, 0.05: 0.934, 0.10: None}),
    # 003 §2.3: "留住5%的客户有可能会为企业带来100%的利润"
    ("003 §2.3", 1.00, {0.0: 0.894, 0.05: 0.944, 0.10: None}),
])
def test_retention_claims_hold_only_at_some_retention_and_discount_rates(source, gain, expected):
    """The audit's §3.2 (N7, N8, N10): with CLV = m r / (1 + d − r), five more points of retention raise CLV by the
    quoted gain at these retention rates (the audit's three decimals); None: no retention rate reaches it."""
    for d, r in expected.items():
        found = economics.retention_for_uplift(gain, d, uplift=0.05)
        if r is None:
            assert np.isnan(found), (source, d)
        else:
            assert found == pytest.approx(r, abs=5e-4), (source, d)
            assert economics.retention_uplift([found], [d]).iloc[0, 0] == pytest.approx(gain)


def test_000_sixty_percent_is_out_of_reach_at_a_ten_percent_discount_rate():
    """000 2.客户挽留 (N7): at d = 10 % the CLV gain of +5 points is at most 57.9 % (at r = 0.95)."""
    assert economics.retention_ceilings([0.10])["d=10%"] == pytest.approx(0.5789, abs=5e-5)
    assert economics.retention_uplift([0.95], [0.10]).iloc[0, 0] == pytest.approx(0.5789, abs=5e-5)


def test_the_five_versions_of_the_retention_claim():
    """N11: 000 (60 %), 001 §3.6 (25–85 %), 001 §3.6.2 ("顾客保持率每提高5%,顾客的净现值增加35%95%"), 003 §2.3
    (100 %), 004 §2.4.2 ("忠诚的客户增加5%,企业的利润就可以增加25%~85%")."""
    claims = economics.retention_claims([0.0, 0.05, 0.10])
    assert claims["source"].unique().tolist() == ["000", "001 §3.6", "001 §3.6.2", "003 §2.3", "004 §2.4.2"]
    assert claims["quoted_gain"].tolist() == [0.60, 0.25, 0.85, 0.35, 0.95, 1.00, 0.25, 0.85]
    npv = claims[claims["source"] == "001 §3.6.2"]
    # by hand at d = 0, u = 0.05: r = (0.95 + √(0.95² − 4 · 0.05 / G)) / 2 for G = 0.35 and 0.95
    by_hand = [(0.95 + np.sqrt(0.95**2 - 0.2 / g)) / 2 for g in (0.35, 0.95)]
    assert npv["r_at_d=0%"].tolist() == pytest.approx(by_hand)
    assert by_hand == pytest.approx([0.7627, 0.8909], abs=1e-4)


def test_003_quoted_lifetime_values_per_year():
    """003 §2.5.2 1): "北欧航空公司来说,每位商务旅行者20年的价值是48万美元;对卡迪拉克公司而言,每位客户30年的价值是
    33.2万美元;…万宝路…30年…2.5万美元;里兹酒店…20年…14.4万美元;AT&T公司…30年…7.2万美元;可口可乐公司…50年…1.1万
    美元" — per year 24,000; 11,066.67; 833.33; 7,200; 2,400; 220 (N30)."""
    table = economics.quoted_clv_table(0.10)
    assert table["value_per_year"].tolist() == pytest.approx([24_000, 11_066.67, 833.33, 7_200, 2_400, 220], abs=0.01)
    # audit N30: the quotes are undiscounted; at 10 % a level stream is worth far less today
    assert table.loc["Scandinavian Airlines (business traveller)", "present_value"] == pytest.approx(204_325, abs=1)
    assert table.loc["Cadillac", "present_value"] == pytest.approx(104_325, abs=1)
    assert table.loc["Scandinavian Airlines (business traveller)", "present_value_share"] == pytest.approx(0.426,
                                                                                                          abs=5e-4)
    assert table.loc["Cadillac", "present_value_share"] == pytest.approx(0.314, abs=5e-4)


def test_003_clv_is_the_sum_of_its_components_and_moves_with_its_drivers():
    """003 §2.5.2 2) CLV = ΣCLVi (N31); 3) ① "客户的终身价值与贴现率成反比", ② "与客户关系的生命周期成正比",
    ③ "如果产品是被负面提及,推荐收益是负值,会使客户终身价值减少", ④ "一般客户的终身价值与客户的收入成正比",
    ⑤ the retention cost "是客户终身价值的减少项目", ⑥ "较有实力的新竞争者进入,可能使某个企业的客户终身价值降低"."""
    base = {"initial_margin": 40, "repeat_margin": 100, "retention": 0.8, "discount_rate": 0.1, "horizon": 15,
            "cross_sell_margin": 8, "service_cost_saving": 3, "referrals_per_period": 0.1, "referral_value": 60,
            "price_premium": 2}
    table = economics.clv_components(**base)
    sources = table.drop(columns=["total"])
    assert table["total"].sum() == pytest.approx(sources.sum().sum())
    drivers = economics.clv_drivers(base, discount_rate=0.15, retention=0.85, referral_value=-60, spending_growth=0.05,
                                    retention_cost=20, competitor_retention=0.70)
    assert (drivers["change"] < 0).tolist() == [True, False, True, False, True, True]


def test_000_growth_identity_on_online_retail(online_retail_log):
    """000 客户关系发展的三个维度(A)(B)(C): the change in revenue between 2011 H1 and H2 of Online Retail splits
    exactly into breadth (new, won back), length (lost) and depth (retained customers' change)."""
    result = growth.relationship_growth(online_retail_log, period_1=("2011-01-01", "2011-06-30"),
                                        period_2=("2011-07-01", "2011-12-09"))
    days = online_retail_log["date"].dt.normalize()
    revenue = [online_retail_log.loc[days.between(a, b), "amount"].sum()
               for a, b in (("2011-01-01", "2011-06-30"), ("2011-07-01", "2011-12-09"))]
    assert result.components()["revenue_change"].sum() == pytest.approx(revenue[1] - revenue[0], rel=1e-9)
    counts = result.customers["status"].value_counts()
    h1 = online_retail_log.loc[days.between("2011-01-01", "2011-06-30"), "customer_id"].nunique()
    assert counts["retained"] + counts["lost"] == h1

"""The textbook's own numbers for the business case, relationship growth and retention economics.

Each test cites the chapter file (../shared/textbook/00x_…txt) and the section or slide title it checks, with the
phrase it recomputes. Where the chapter's arithmetic is off, the expected value is our recomputation, with the
arithmetic written in the test, and the text's figure is asserted as the documented mismatch.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import economics, growth

RMB_1_BILLION = 1_000_000_000
def test_002_turnover_rates_and_half_lives(chapter):
    """002 有如此多的公司正在飞速发展 / Too Many Companies are Running Up Hill!: "客户的流动率超过30%、 40%,甚至达到50%"
    — with no acquisition a base with turnover c keeps 1 − c a year and halves in ln 0.5 / ln(1 − c) years; keeping
    pace with a market growing 15 % needs a = c + 15 %: 45, 55, 65 %, that is 3, 11/3 and 13/3 times the market
    growth rate (09 §4).

    Documented mismatch: the Chinese title "飞速发展" (growing very fast) says the opposite of the English "Running Up
    Hill" (struggling to grow), and the body line "中国公司正在持续不断的增加销售收入和市场份额" drops "running up
    hill"; the figures 30/40/50 % are the same in both languages (09 §4 says so)."""
    assert "有如此多的公司正在飞速发展" in chapter("002")
    assert "Too Many Companies are Running Up Hill!" in chapter("002")
    assert "30%、 40%,甚至达到50%" in chapter("002") and "greater than 30, 40, or even 50%" in chapter("002")
    half_lives = [economics.leaking_bucket(RMB_1_BILLION, c, 0.15)["half_life_without_acquisition"]
                  for c in (0.30, 0.40, 0.50)]
    assert half_lives == pytest.approx([1.9434, 1.3569, 1.0], abs=1e-4)
    kept = [economics.leaking_bucket(RMB_1_BILLION, c, 0.15, acquisition_rate=0.0)["revenue_next_year"]
            for c in (0.30, 0.40, 0.50)]
    assert kept == pytest.approx([0.70e9, 0.60e9, 0.50e9])
    needed = [economics.leaking_bucket(RMB_1_BILLION, c, 0.15) for c in (0.30, 0.40, 0.50)]
    assert [b["acquisition_rate_needed"] for b in needed] == pytest.approx([0.45, 0.55, 0.65])
    assert [b["needed_multiple_of_growth"] for b in needed] == pytest.approx([3.0, 11 / 3, 13 / 3])


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


@pytest.mark.parametrize("source, phrase, gain, expected", [
    # 000 客户关系的远度成长, 2.客户挽留
    ("000", "客户挽留率每增加5%,可带来公司利润60%的增长", 0.60, {0.0: 0.852, 0.05: 0.903, 0.10: None}),
    # 001 §3.6 (the range sign is lost: 25%~85%); 004 §2.4.2 ⑹ says the same
    ("001", "顾客忠诚度上升5个百分点时,利润上升的幅度将达到25%85%", 0.25, {0.0: 0.635, 0.05: 0.700, 0.10: 0.761}),
    ("001", "顾客忠诚度上升5个百分点时,利润上升的幅度将达到25%85%", 0.85, {0.0: 0.883, 0.05: 0.934, 0.10: None}),
    # 003 §2.3 客户忠诚
    ("003", "留住5%的客户有可能会为企业带来100%的利润", 1.00, {0.0: 0.894, 0.05: 0.944, 0.10: None}),
])
def test_retention_claims_hold_only_at_some_retention_and_discount_rates(chapter, source, phrase, gain, expected):
    """000 2.客户挽留, 001 §3.6 and 003 §2.3 (the phrases above): with CLV = m r / (1 + d − r), five more points of
    retention raise CLV by G when (r + 0.05)(1 + d − r) = (1 + G) r (0.95 + d − r); the expected r is the root in
    (0, 0.95) of that quadratic, to three decimals, and the second assertion recomputes the gain at the root. None:
    the quadratic has no root there, no retention rate reaches the quoted gain."""
    assert phrase in chapter(source)
    for d, r in expected.items():
        found = economics.retention_for_uplift(gain, d, uplift=0.05)
        if r is None:
            assert np.isnan(found), (source, d)
        else:
            assert found == pytest.approx(r, abs=5e-4), (source, d)
            assert economics.retention_uplift([found], [d]).iloc[0, 0] == pytest.approx(gain)


def test_000_sixty_percent_is_out_of_reach_at_a_ten_percent_discount_rate(chapter):
    """000 客户关系的远度成长, 2.客户挽留 ("客户挽留率每增加5%,可带来公司利润60%的增长"): at d = 10 % the CLV gain of
    +5 points is largest at r = 0.95, where it is (1.00 / 0.10) / (0.95 / 0.15) − 1 = 0.15 / 0.095 − 1 = 57.9 %."""
    assert "客户挽留率每增加5%,可带来公司利润60%的增长" in chapter("000")
    assert 0.15 / 0.095 - 1 == pytest.approx(0.5789, abs=5e-5)
    assert economics.retention_ceilings([0.10])["d=10%"] == pytest.approx(0.5789, abs=5e-5)
    assert economics.retention_uplift([0.95], [0.10]).iloc[0, 0] == pytest.approx(0.5789, abs=5e-5)


def test_the_five_versions_of_the_retention_claim(chapter):
    """The five versions of the claim: 000 2.客户挽留 (60 %), 001 §3.6 (25–85 %), 001 §3.6.2 顾客忠诚给企业带来的效益
    (35–95 % of net present value), 003 §2.3 客户忠诚 (100 %), 004 §2.4.2 ⑹ (25–85 %), each phrase found in its
    chapter."""
    phrases = {"000": ["客户挽留率每增加5%,可带来公司利润60%的增长"],
               "001": ["顾客忠诚度上升5个百分点时,利润上升的幅度将达到25%85%",
                       "顾客保持率每提高5%,顾客的净现值增加35%95%"],
               "003": ["留住5%的客户有可能会为企业带来100%的利润"],
               "004": ["忠诚的客户增加5%,企业的利润就可以增加25%~85%"]}
    for source, quoted in phrases.items():
        assert all(phrase in chapter(source) for phrase in quoted), source
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
    美元" — per year 24,000; 11,066.67; 833.33; 7,200; 2,400; 220 (value / years, by hand)."""
    table = economics.quoted_clv_table(0.10)
    assert table["value_per_year"].tolist() == pytest.approx([24_000, 11_066.67, 833.33, 7_200, 2_400, 220], abs=0.01)
    # the quotes are undiscounted; at 10 % a level stream of 24,000 a year for 20 years is worth
    # 24,000 · (1 − 1.1^−20) / 0.1 = 204,325 today, 42.6 % of 480,000 (Cadillac: 11,066.67 · (1 − 1.1^−30) / 0.1)
    assert table.loc["Scandinavian Airlines (business traveller)", "present_value"] == pytest.approx(204_325, abs=1)
    assert table.loc["Cadillac", "present_value"] == pytest.approx(104_325, abs=1)
    assert table.loc["Scandinavian Airlines (business traveller)", "present_value_share"] == pytest.approx(0.426,
                                                                                                          abs=5e-4)
    assert table.loc["Cadillac", "present_value_share"] == pytest.approx(0.314, abs=5e-4)


def test_003_clv_is_the_sum_of_its_components_and_moves_with_its_drivers():
    """003 §2.5.2 2) CLV = ΣCLVi (CLV1 … CLV6, summed); 3) ① "客户的终身价值与贴现率成反比",
    ② "与客户关系的生命周期成正比",
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


# ---------------------------------------------------------------- acquisition against retention cost (08 §3)

# the base customer of notebook 08 §3 (cell "base = dict(...)"), with the retention cost set per test
BASE_08 = dict(initial_margin=40, repeat_margin=100, retention=0.80, discount_rate=0.10, horizon=15,
               spending_growth=0.03, cross_sell_margin=8, service_cost_saving=3, referrals_per_period=0.1,
               referral_value=60, price_premium=2)


def _annuity_08() -> float:
    """Σ_{t=1}^{15} (r / (1 + d))^t for r = 0.8, d = 0.1: the discounted expected number of periods in which a
    retention cost is paid, by hand as a geometric series q (1 − q^15) / (1 − q), q = 8/11."""
    q = 0.8 / 1.1
    return q * (1 - q**15) / (1 - q)


def test_004_acquisition_costs_five_to_eight_times_retention(chapter):
    """004 §2.4.2 ⑴ 降低营销成本: "开发新客户的费用成本是维持老客户成本的5倍~8倍". With an acquisition cost of 150
    (notebook 08's parameter) keeping a customer may cost 150/8 = 18.75 to 150/5 = 30 a period (the per-period
    reading is ours). Keeping today's customer at either cost is worth more than replacing them by a new one who
    costs 150: keep − replace = 150 − (k − 5) A with A = Σ (0.8/1.1)^t, t = 1…15 (the base customer pays 5)."""
    assert "开发新客户的费用成本是维持老客户成本的5倍~8倍" in chapter("004")
    low, high = 150 / 8, 150 / 5
    assert (low, high) == (18.75, 30.0)
    total = {k: economics.clv_components(**BASE_08, retention_cost=k)["total"].sum() for k in (0.0, 5.0, low, high)}
    annuity = _annuity_08()
    assert annuity == pytest.approx(2.6442, abs=1e-4)
    assert total[0.0] - total[low] == pytest.approx(low * annuity)
    assert total[low] - total[high] == pytest.approx((high - low) * annuity)
    replace = total[5.0] - 150
    assert total[low] - replace == pytest.approx(150 - (low - 5) * annuity)  # 113.64
    assert total[high] - replace == pytest.approx(150 - (high - 5) * annuity)  # 83.90
    assert total[high] > replace


def test_003_a_new_customer_costs_five_times_keeping_one(chapter):
    """003 §2.3 客户忠诚: "企业争取一个新客户的成本是保留一个老客户的5倍" — the low end of 004's 5–8: keeping a
    customer at 150 / 5 = 30 a period is the dearest retention 08 §3 considers, and it still beats replacement
    (the margin of 83.90 = 150 − 25 A is hand arithmetic, A as above)."""
    assert "企业争取一个新客户的成本是保留一个老客户的5倍" in chapter("003")
    keep = economics.clv_components(**BASE_08, retention_cost=150 / 5)["total"].sum()
    replace = economics.clv_components(**BASE_08, retention_cost=5)["total"].sum() - 150
    assert keep - replace == pytest.approx(150 - 25 * _annuity_08())
    assert 150 - 25 * _annuity_08() == pytest.approx(83.90, abs=0.01)


# ---------------------------------------------------------------- 003 §2.5.2 3): "成反比", "成正比"

def test_003_clv_is_not_proportional_to_the_discount_rate_or_the_length(chapter):
    """003 §2.5.2 3) ① "客户的终身价值与贴现率成反比" and ② "客户的终身价值与客户关系的生命周期成正比". With
    CLV = m r / (1 + d − r), m = 100, r = 0.8: d from 10 % to 20 % takes CLV from 80/0.3 = 266.67 to 80/0.4 = 200,
    ×0.75 and not ×0.5; r from 0.8 to 0.9 takes the expected number of margins r / (1 − r) from 4 to 9 (×2.25) but
    CLV from 266.67 to 90/0.2 = 450, ×1.6875. The direction is right, the proportion is not (documented, 08 §3)."""
    text = chapter("003")
    assert "客户的终身价值与贴现率成反比" in text and "客户的终身价值与客户关系的生命周期成正比" in text
    table = economics.clv_proportionality(100, 0.8, 0.10, discount_rate_to=0.20, retention_to=0.90)
    rate, length = table.loc["discount rate"], table.loc["relationship length"]
    assert (rate["clv_from"], rate["clv_to"]) == pytest.approx((80 / 0.3, 80 / 0.4))
    assert rate["clv_factor"] == pytest.approx(0.75) and rate["factor_if_proportional"] == pytest.approx(0.5)
    assert (length["driver_from"], length["driver_to"]) == pytest.approx((4.0, 9.0))
    assert length["clv_to"] == pytest.approx(90 / 0.2)
    assert length["clv_factor"] == pytest.approx(1.6875) and length["factor_if_proportional"] == pytest.approx(2.25)
    # with m = 200 every value doubles: 160/0.3 = 533.33 → 160/0.4 = 400 and → 180/0.2 = 900
    doubled = economics.clv_proportionality(200, 0.8, 0.10, discount_rate_to=0.20, retention_to=0.90)
    assert doubled["clv_to"].tolist() == pytest.approx([400.0, 900.0])
    assert doubled["clv_from"].tolist() == pytest.approx([1600 / 3, 1600 / 3])


# ---------------------------------------------------------------- 000: CLV and customer equity as defined

def test_000_clv_without_discounting_is_the_plain_sum_of_each_periods_profit(chapter):
    """000 客户终身价值CLV--CustomerLifetimeValue: "如果不考虑货币的时间价值…客户终身价值就等于客户在关系生命周期内
    各个时期内客户盈利性的简单加总". With margin 100 and retention 0.8 (08 §1), the expected profit of period t is
    100 · 0.8^t; five periods sum to 80 + 64 + 51.2 + 40.96 + 32.768 = 268.928, all periods to 100 · 0.8 / 0.2 = 400."""
    assert "客户终身价值就等于客户在关系生命周期内各个时期内客户盈利性的简单加总" in chapter("000")
    table = economics.clv_sensitivity(100, 0.8, [0.0, 0.10], [5, None])
    assert table.iloc[0, 0] == pytest.approx(80 + 64 + 51.2 + 40.96 + 32.768)
    assert table.iloc[1, 0] == pytest.approx(400.0)
    assert table.iloc[1, 1] == pytest.approx(80 / 0.3)  # discounted at 10 %: m r / (1 + d − r)
    assert economics.constant_retention_clv(100, 0.8, 0.0, horizon=5) == pytest.approx(268.928)


def test_000_customer_equity_is_the_sum_of_discounted_lifetime_values(chapter):
    """000 客户关系管理终极目标——客户资产: "客户资产:客户的终生价值折现现值之和". Today's 3 customers each worth 50,
    and two future cohorts of 10 customers worth 40 net (60 − 20 acquisition cost), discounted at 10 %:
    150 + 363.6364 + 330.5785 = 844.2149 (hand arithmetic)."""
    assert "客户资产:客户的终生价值折现现值之和" in chapter("000")
    equity = economics.customer_equity(3 * 50, 10, 60, acquisition_cost=20, discount_rate=0.10, cohorts=2)
    assert equity["cumulative_equity"].iloc[-1] == pytest.approx(150 + 400 / 1.1 + 400 / 1.21)
    assert equity["cumulative_equity"].iloc[-1] == pytest.approx(844.2149, abs=1e-4)


def test_004_crm_process_steps_and_kinds_read_as_the_chapter(chapter):
    """004 §2.4.1 CRM的基本流程 ⑴ 客户分析 … ⑸ 管理客户关系, and §2.3.2 运营型CRM、分析型CRM、协作型CRM (前台/后台):
    the Chinese labels of the lab's figures are the chapter's words, in the chapter's order."""
    from crmlab.i18n import term
    from crmlab.plotting import CRM_KINDS, CRM_PROCESS_STEPS

    text = chapter("004")
    steps = [term(step, "zh") for step in CRM_PROCESS_STEPS]
    positions = [text.index(f"{number} {step}") for number, step in zip("⑴⑵⑶⑷⑸", steps, strict=True)]
    assert positions == sorted(positions)
    for kind, office in zip(CRM_KINDS, ("前台", "后台", None), strict=True):
        name = term(kind, "zh").split(" ")[0]
        assert name in text and (office is None or f"{name}也称“{office}”" in text or f"{name}也称为“{office}”" in text)


def test_000_acquisition_win_back_and_loyalty_lists_read_as_the_chapter(chapter):
    """000 客户关系的宽度成长, 1.获取新客户: the four tasks "制订获取新客户战略 … 估计客户获取可能性" and the four steps
    "客户关系管理获取新客户步骤识别客户行为的影响模式 … 选择潜在关系价值高的目标客户"; 2.赢返流失客户:
    "(1)根据流失客户的重生终身价值(secondlifetimevalue)进行细分和排序–(2)根据流失客户叛逃的原因进行细分";
    客户关系的远度成长, 1.客户忠诚:
    the five traits ① … ⑤. The Chinese labels of growth.py's constants are the chapter's words, in its order."""
    from crmlab.i18n import term

    text = chapter("000")
    tasks, steps = ([term(item, "zh") for item in items]
                    for items in (growth.ACQUISITION_TASKS, growth.ACQUISITION_STEPS))
    assert "1.获取新客户" + "".join(tasks) + "客户关系管理获取新客户步骤" + "".join(steps) in text
    by_value, by_reason = (term(method, "zh") for method in growth.WIN_BACK_METHODS)
    assert f"(1)根据流失客户的{by_value}(secondlifetimevalue)进行细分和排序–(2)根据流失客户{by_reason}进行细分" in text
    traits = [term(trait, "zh") for trait in growth.LOYAL_CUSTOMER_TRAITS]
    assert "忠诚的客户具有5个方面的特征:–" + "–".join(f"{n}{t}" for n, t in zip("①②③④⑤", traits, strict=True)) in text
    assert (len(tasks), len(steps), len(traits)) == (4, 4, 5)


def test_001_gmaccm_grew_more_than_twentyfold_on_a_small_it_investment(chapter):
    """001 §3.6.4 3)顾客满意陷阱的解决方式, (2)提高顾客转移成本,以锁定顾客忠诚: GMACCM "1994年…被拆分成独立公司时,只拥有
    50亿美元的抵押资产,现在其资产超过1000亿美元" and "投资300万美元把贷款文件数字化". By hand: 1000亿 / 50亿 = 20, so
    more than twentyfold (the chapter gives no year for "现在", so no growth rate per year); 300万 / 1000亿 = 0.003 %
    (10 §9 prints both)."""
    from crmlab.i18n import message

    text = chapter("001")
    for phrase in ("(2)提高顾客转移成本,以锁定顾客忠诚", "1994年", "只拥有50亿美元的抵押资产",
                   "现在其资产超过1000亿美元", "投资300万美元把贷款文件数字化"):
        assert phrase in text, phrase
    multiple, share = 100e9 / 5e9, 3e6 / 100e9
    assert multiple == pytest.approx(20) and share == pytest.approx(0.00003)
    note = message("gmaccm_growth", "en", multiple=multiple, share=share)
    assert "more than 20 times" in note and "0.003%" in note
    assert "20 倍以上" in message("gmaccm_growth", "zh", multiple=multiple, share=share)

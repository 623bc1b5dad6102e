"""The textbook's own numbers and lists for customer value, classification, segmentation and loyalty measurement.

Each test cites the chapter file (../shared/textbook/00x_…txt, the five chapters of the course) and the section it
checks, with the phrase it recomputes or the list it mirrors. Where a chapter states a rule loosely (80/20/30), the
expected value is the exact recomputation from the chapter's own words (issue 14) and the loose reading is asserted
as the documented mismatch. The lists are checked against the chapter text itself: the Chinese label of every
crmlab item (crmlab/locale) must read, in order, as the chapter writes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import economics, i18n, value
from crmlab import loyalty_measurement as lm
from crmlab import segmentation as sg
from crmlab.errors import DataError


def zh(labels) -> list[str]:
    return [i18n.term(label, "zh") for label in labels]


# --------------------------------------------------------------------------- 003 §2.1.3: ABC, 80/20, 80/20/30

def test_003_abc_reference_table(chapter):
    """003 §2.1.3, 用ABC分类法对客户进行划分: "A贵宾型5%50%B重要型15%30%C普通型80%20%" — a customer of class A
    is worth 50/5 = 10 times the average, B 30/15 = 2 times, C 20/80 = 0.25 times; A + B = the top
    20 % bring 80 %."""
    assert "A贵宾型5%50%B重要型15%30%C普通型80%20%" in chapter("003")
    reference = value.ABC_REFERENCE
    assert reference["customer_share"].tolist() == [0.05, 0.15, 0.80]
    assert reference["profit_share"].tolist() == [0.50, 0.30, 0.20]
    assert reference["profit_index"].tolist() == pytest.approx([10.0, 2.0, 0.25])
    assert reference.loc["A", "profit_index"] / reference.loc["C", "profit_index"] == pytest.approx(40)
    assert "可把客户分成贵宾型客户、重要型客户和普通型客户三种" in chapter("003")
    assert zh(reference["name"]) == ["贵宾型客户", "重要型客户", "普通型客户"]


def test_003_a_firm_at_the_reference_reproduces_it():
    """003 §2.1.3: 100 customers earning 10, 2 and 0.25 times the average reproduce the 50/30/20 split through the
    ABC classes, and the top 20 % bring 80 % — "企业80%的收益来自20%的客户"."""
    profit = pd.Series([10.0] * 5 + [2.0] * 15 + [0.25] * 80, index=range(100))
    check = value.abc_reference_check(profit)
    assert check["customers"].tolist() == [5, 15, 80]
    assert check["value_share"].tolist() == pytest.approx([0.50, 0.30, 0.20])
    assert check["difference"].abs().max() == pytest.approx(0)
    assert value.top_share(profit, 0.2) == pytest.approx(0.80)


def test_003_bank_vip_class_is_worth_more_than_fifty_times_the_average(chapter):
    """003 §2.1.3: "在银行业中,贵宾型客户的数量可能只占到客户数量的1%,但为企业创造的利润可能超过50%" — 1 % bringing
    more than 50 % is more than 50 times the average profit per customer (02 §3 prints this bank: 51 % of the profit
    from 1 % of the customers, 51 / 1 = 51 times the average)."""
    assert "贵宾型客户的数量可能只占到客户数量的1%,但为企业创造的利润可能超过50%" in chapter("003")
    profit = pd.Series([51.0] + [49.0 / 99] * 99, index=range(100))  # 1 customer with 51 % of the profit
    banking = value.class_table(profit, value.abc_by_customers(profit, cuts=(0.01, 0.10)))
    assert banking.loc["A", "customers"] == 1 and banking.loc["A", "value_share"] > 0.50
    assert banking.loc["A", "value_share"] / banking.loc["A", "customer_share"] > 50


def test_003_80_20_30_is_thirty_percent_of_the_eighty_percent(chapter):
    """003 §2.1.3: "在80%的普通客户中找出其中30%不能为企业创造价值的客户" — 30 % of the ordinary 80 % are 24 % of
    all customers. 100 customers, 24 of the bottom 80 at zero profit: 0.30 and 0.24, not 0.30 of all."""
    assert "在80%的普通客户中找出其中30%不能为企业创造价值的客户" in chapter("003")
    profit = pd.Series(np.r_[np.linspace(100, 50, 20), np.linspace(20, 1, 56), np.zeros(24)],
                       index=[f"c{i:03d}" for i in range(100)])
    check = value.profit_concentration(profit, top=0.2)
    assert check["bottom_unprofitable_share"] == pytest.approx(0.30)
    assert check["unprofitable_share_of_all"] == pytest.approx(0.24)
    assert check["unprofitable_share_of_all"] != pytest.approx(0.30)  # the misreading "30 % of customers"
    assert check["loss_making_share"] == 0  # "不能为企业创造利润" is no profit, not a loss


def test_003_loyalty_classes_are_the_chapters_five(chapter):
    """003 §2.1.3 2)按客户忠诚度划分: "可把客户分成潜在客户、新客户、常客户、老客户和忠诚客户等" — the lab's sixth class
    (one-time buyers) is its own addition."""
    assert "可把客户分成" + "、".join(zh(value.LOYALTY_CLASSES[:4])) + "和忠诚客户等" in chapter("003")
    assert zh(value.LOYALTY_CLASSES[4:5]) == ["忠诚客户"]


def test_003_customer_resource_value_has_the_chapters_three_terms(chapter):
    """003 §2.1.1: the value of the customer resource is "所有客户未来为企业带来的收入之和,扣除产品、服务以及营销的成本,
    加上满意的客户向其他潜在客户推荐而带来的利润". Two customers, one period (horizon 1, no discounting): revenue
    100 + 50, costs 60 + 45, referral profit 5 + 0 → 150 − 105 + 5 = 50."""
    assert ("所有客户未来为企业带来的收入之和,扣除产品、服务以及营销的成本,"
            "加上满意的客户向其他潜在客户推荐而带来的利润") in chapter("003")
    resource = value.customer_resource_value(pd.Series({"a": 100.0, "b": 50.0}), pd.Series({"a": 60.0, "b": 45.0}),
                                             1.0, 0.0, referral_profit=pd.Series({"a": 5.0, "b": 0.0}), horizon=1)
    assert resource[["future_revenue", "costs", "referral_profit", "customer_resource_value"]].tolist() == \
        pytest.approx([150, 105, 5, 50])


# --------------------------------------------------------------------------- 001 §3.3 and 003 §2.4: customer value

def test_delivered_value_parts_are_each_chapters_lists(chapter):
    """001 §3.3.1 (图3.4): total value "包括产品价值、服务价值、人员价值和形象价值", total cost
    "货币、时间、精力和精神成本"; 003 §2.4.2 2)(2): "产品价值、服务价值、消费活动的价值和潜在价值",
    "货币成本、时间成本、精神成本和体力成本";
    000 价值资产: the same value parts as 001, "货币成本、时间成本、精力成本和体力成本"."""
    parts = value.DELIVERED_VALUE_COMPONENTS
    assert "包括" + "、".join(zh(parts["001"]["value"][:3])) + "和形象价值" in chapter("001")
    assert "耗费的" + "、".join(p.removesuffix("成本") for p in zh(parts["001"]["cost"][:3])) + "和精神成本" \
        in chapter("001")
    assert "包括" + "、".join(zh(parts["003"]["value"][:3])) + "和潜在价值等" in chapter("003")
    assert "、".join(zh(parts["003"]["cost"][:3])) + "和体力成本等" in chapter("003")
    assert "感知利得:包括" + "、".join(zh(parts["000"]["value"][:3])) + "和形象价值等" in chapter("000")
    assert "感知利失:包括" + "、".join(zh(parts["000"]["cost"][:3])) + "和体力成本等" in chapter("000")


def test_delivered_value_is_total_value_minus_total_cost():
    """001 §3.3.1: "顾客让渡价值顾客总价值顾客总成本" (the minus sign is lost in the file): Kotler's difference; 003
    §2.4.2: customers buy from the offer with the highest delivered value."""
    offers = pd.DataFrame({"product_value": [600, 550], "service_value": [150, 200], "personnel_value": [100, 150],
                           "image_value": [150, 100], "monetary_cost": [700, 650], "time_cost": [60, 40],
                           "energy_cost": [40, 30], "psychic_cost": [30, 20]}, index=["A", "B"])
    table = value.delivered_value(offers)
    assert table["delivered_value"].tolist() == [170, 260]
    assert table["best"].tolist() == [False, True]


def test_001_relationship_value_has_four_dimensions_and_sums_to_the_firms_value(chapter):
    """001 §3.3.2: "关系价值主要有4个维度:关系赢利性、关系生命周期、客户能力价值和推荐价值"; §3.3.3:
    "企业的总价值应该等于所有过去的、现在的或将来的顾客的关系价值的总和". With capability and referrals 0 the
    relationship value is the retention CLV: 200 × (0.8/1.1)/(1 − 0.8/1.1) = 533.33."""
    assert "关系价值主要有4个维度:关系赢利性、关系生命周期、客户能力价值和推荐价值" in chapter("001")
    example = value.relationship_value(200, 0.8, 0.10, capability=20, referrals=0.1, value_per_referral=300)
    labels = zh(["margin", "expected_lifetime", "capability_value", "referral_value"])
    for dimension, label in zip(("关系赢利性", "关系生命周期", "顾客能力价值", "推荐价值"), labels, strict=True):
        assert dimension in label
    assert example["expected_lifetime"] == pytest.approx(4.0)
    assert example["profitability_value"] == pytest.approx(economics.constant_retention_clv(200, 0.8, 0.10))
    assert example[["capability_value", "referral_value"]].tolist() == pytest.approx([53.3333, 80.0], abs=1e-4)
    assert "企业的总价值应该等于所有过去的、现在的或将来的顾客的关系价值的总和" in chapter("001")
    margins = pd.Series({"a": 200.0, "b": -50.0})
    each = value.relationship_value(margins, 0.8, 0.10)
    assert each["relationship_value"].sum() == pytest.approx(economics.constant_retention_clv(150, 0.8, 0.10))


def test_000_customer_equity_framework_and_drivers(chapter):
    """000 客户资产框架模型: "客户资产价值资产品牌资产关系资产"; 提升客户资产: "质量、价格和便利性",
    "品牌的知晓程度、品牌态度、企业的品牌伦理", "①忠诚者奖励;–②特殊礼遇;–③联谊活动;–④客户团体活动;–⑤知识学习活动"."""
    drivers = value.CUSTOMER_EQUITY_DRIVERS
    equities = list(dict.fromkeys(drivers["equity"]))
    assert "客户资产框架模型客户资产" + "".join(zh(equities)) in chapter("000")
    by_equity = {equity: zh(group["driver"]) for equity, group in drivers.groupby("equity", sort=False)}
    assert "提升价值资产的要素:" + "、".join(by_equity["value equity"][:2]) + "和便利性" in chapter("000")
    assert "提升品牌资产的要素:" + "、".join(by_equity["brand equity"]) in chapter("000")
    assert ";–".join(f"{n}{d}" for n, d in zip("①②③④⑤", by_equity["relationship equity"], strict=True)) \
        in chapter("000")
    model = value.customer_equity_model()
    assert "relationship equity" not in model.blocks  # the ECSI survey has no indicator for it


# --------------------------------------------------------------------------- 001 §3.4 and 004: segmentation

def test_004_life_cycle_stages(chapter):
    """004 §2.2.4: "客户生命周期可分为考察期、形成期、稳定期和退化期等四个阶段" (also 001 §3.4.2 2)(2))."""
    assert "客户生命周期可分为" + "、".join(zh(sg.LIFECYCLE_STAGES[:3])) + "和退化期等四个阶段" in chapter("004")
    assert zh(sg.LIFECYCLE_STAGES[3:]) == ["退化期"]


def test_004_core_customers_are_high_on_both_values(chapter):
    """004 §2.2.4: core customers "既有很高的当前价值, 又有巨大的增值潜力"."""
    assert "这类客户既有很高的当前价值, 又有巨大的增值潜力" in chapter("004")
    current = pd.Series({"core": 10.0, "x": 10.0, "y": 1.0, "z": 1.0})
    potential = pd.Series({"core": 10.0, "x": 1.0, "y": 10.0, "z": 1.0})
    assert sg.value_matrix(current, potential, lang="zh")["core"] == "核心客户"
    assert (sg.value_matrix(current, potential) == "core customers").sum() == 1


def test_001_spend_tiers_and_demographic_bases(chapter):
    """001 §3.4.2: telecoms tier customers by their bill "白金客户、黄金客户、青铜客户、铁质客户"; demographic bases
    "年龄、性别、收入、职业、地区等"; 004 §2.2.4 adds "文化观念,消费收入、消费习俗、生活方式"."""
    assert "把客户分为" + "、".join(zh(["platinum", "gold", "bronze", "iron"])) + "等" in chapter("001")
    assert "年龄、性别、收入、职业、地区等" in chapter("001")
    customers = pd.DataFrame({"region": ["N", "N", "S", "S"], "churn": [1, 0, 0, 0]})
    table = sg.profile_segments(customers, "region", "churn")
    assert table["mean_churn"].tolist() == [0.5, 0.0] and sg.segment_spread(table, "churn") == 0.5


# --------------------------------------------------------------------------- 000, 001 §3.6, 003 §2.3: loyalty

def test_000_loyalty_ladder_has_five_rungs(chapter):
    """000 客户忠诚阶梯: "客户忠诚阶梯伙伴倡导者支持者客户采购者强调长期忠诚度强调一次性交易" — the five rungs top
    to bottom, then the two poles (long-term loyalty at the top, one-off transactions at the bottom)."""
    assert "客户忠诚阶梯" + "".join(reversed(zh(lm.LOYALTY_LADDER))) + "强调长期忠诚度强调一次性交易" in chapter("000")
    assert len(lm.LOYALTY_LADDER) == 5


def test_001_six_loyalty_types(chapter):
    """001 §3.6.1 2)顾客忠诚的类别: "(1)垄断带来的忠诚(2)亲缘垄断(3)利益忠诚(4)惰性忠诚(5)信赖忠诚(6)潜在忠诚"."""
    listed = "".join(f"({n}){name}" for n, name in enumerate(zh(lm.LOYALTY_TYPES.index), start=1))
    assert listed in chapter("001")


def test_003_eight_loyalty_measures_and_their_direction(chapter):
    """003 §2.3.1 (1)-(8): each measure's heading, and the direction the text gives ("越多…忠诚度越高", "这个比例越高",
    "挑选产品所用的时间越短", "敏感程度越低", "对竞争产品表现出越来越多的偏好…忠诚度下降", "越宽容", "经常向身边的人士
    推荐…忠诚度较高"). (3) attention: more is more loyal ("关注的次数、渠道和信息越多,其忠诚度也就越高")."""
    text = chapter("003")
    measures = lm.LOYALTY_MEASURES
    assert measures.index.tolist() == list(range(1, 9))
    evidence = {1: "重复购买的次数越多,说明客户对该产品的忠诚度越高", 2: "这个比例越高,表明客户的忠诚度越高",
                3: "关注的次数、渠道和信息越多,其忠诚度也就越高", 4: "客户挑选产品所用的时间越短,表明其忠诚度越高",
                5: "客户对价格的敏感程度越低,忠诚度越高",
                6: "如果客户对竞争产品表现出越来越多的偏好,表明客户对本企业的忠诚度下降",
                7: "客户对产品或品牌的忠诚度越高,对出现的质量事故也就越宽容",
                8: "如果客户经常向身边的人士推荐产品,或在间接的评价中表示认同,则表明忠诚度较高"}
    for phrase in evidence.values():
        assert phrase in text
    higher, lower = "the higher", "the lower"
    assert measures["more_loyal_when"].to_dict() == {1: higher, 2: higher, 3: higher, 4: lower, 5: lower, 6: lower,
                                                     7: higher, 8: higher}
    assert set(measures.loc[measures["source"] == "log", "measure"]) <= {
        "repeat_purchases", "price_sensitivity", "tolerance"}
    assert "选择适合的因素给以不同的权值" in text  # the measures are weighted: loyalty_evaluation's weights


def test_001_four_step_loyalty_evaluation(chapter):
    """001 §3.6.3 3): "(1)明确影响因素和评价指标(2)对因素进行分类(3)计算忠诚度的客观值(4)计算忠诚度的主观值"."""
    assert "(1)明确影响因素和评价指标(2)对因素进行分类(3)计算忠诚度的客观值(4)计算忠诚度的主观值" in chapter("001")
    objective = pd.DataFrame({"repeat_purchases": [0, 5, 10]}, index=list("abc"))
    subjective = pd.DataFrame({"endorsement": [5, 3, 1]}, index=list("abc"))
    table = lm.loyalty_evaluation(objective, subjective, objective_weights={"repeat_purchases": 1},
                                  subjective_weights={"endorsement": 1})
    assert zh(["objective_score", "subjective_score"]) == ["忠诚度客观值", "忠诚度主观值"]
    assert table["objective_score"].tolist() == [0, 50, 100] and table["subjective_score"].tolist() == [100, 50, 0]


# --------------------------------------------------------------------------- 003 §2.4: customer value

def test_003_value_hierarchy_and_value_management(chapter):
    """003 §2.4.2 1) 客户价值的层次模型: attributes and their performance at the bottom, then consequences of use,
    then the customer's goals ("特定属性和属性效能", "使用结果", "目标和目的"); 003 §2.4.4 客户价值管理: its
    seven aspects "(1)客户导向型过程" … "(7)满足客户当前或未来的需求", in the chapter's order."""
    text = chapter("003")
    for phrase in ("客户将产品看做特定属性和属性效能的结合体", "形成对特定使用结果的期望", "对实现自身目标和目的的贡献",
                   "在客户的期望价值层次模型的每一个层次上,都可以产生一个满意度水平"):
        assert phrase in text
    assert zh(value.VALUE_HIERARCHY.index) == ["产品属性与属性效能", "使用结果", "客户的目标和目的"]
    aspects = zh(value.VALUE_MANAGEMENT_ASPECTS)
    positions = [text.index(f"({n}){label}") for n, label in enumerate(aspects, start=1)]
    assert positions == sorted(positions) and len(aspects) == 7


def test_003_relative_sales_growth_measures_the_value_created(chapter):
    """003 §2.4.2 3) 客户价值与竞争优势: "相对的销售增长也可以用于评价企业的客户价值的创造水平" — by hand: a
    share rising from 30 % to 36 % means our sales grow by 36/30 − 1 = 20 % and the competitors' by 64/70 − 1 =
    −8.571 % in a market of constant size, so we grow 1.2 / (64/70) − 1 = 31.25 % faster; with the market growing
    10 %, 32 % and +0.571 %, the relative growth unchanged."""
    assert "相对的销售增长也可以用于评价企业的客户价值的创造水平" in chapter("003")
    flat = value.relative_sales_growth(pd.Series([30.0, 33.0, 36.0]))
    assert flat["our_growth"] == pytest.approx(0.20)
    assert flat["competitors_growth"] == pytest.approx(64 / 70 - 1)
    assert flat["relative_growth"] == pytest.approx(0.3125)
    growing = value.relative_sales_growth(pd.Series([30.0, 36.0]), market_growth=0.10)
    assert growing["our_growth"] == pytest.approx(0.32)
    assert growing["competitors_growth"] == pytest.approx(1.1 * 64 / 70 - 1)
    assert growing["relative_growth"] == pytest.approx(0.3125)
    with pytest.raises(DataError, match="strictly between 0 and 100"):
        value.relative_sales_growth(pd.Series([30.0]))


def test_004_top_twenty_percent_by_class(chapter):
    """004 §2.4.2 ⑴ 降低营销成本: "企业80%的利润来源于20%的客户,而这20%的客户大多是老客户" (02 §6 computes the mix on
    the data). Ten customers, profits 100, 90, …, 10: the top 20 % are the two best (100 and 90); if one is a loyal and
    one a new customer, each class holds half of the top; the remaining classes none."""
    assert "企业80%的利润来源于20%的客户,而这20%的客户大多是老客户" in chapter("004")
    profit = pd.Series([100.0, 90, 80, 70, 60, 50, 40, 30, 20, 10], index=[f"c{i}" for i in range(10)])
    classes = pd.Series(["loyal customers", "new customers"] + ["one-time buyers"] * 8, index=profit.index,
                        name="loyalty_class")
    mix = value.top_customers_class_mix(profit, classes, top=0.2)
    assert mix.to_dict() == {"loyal customers": 0.5, "new customers": 0.5}
    assert mix.index.name == "loyalty_class" and mix.name == "customer_share"
    # 30 % of 10 is 3 customers: the third (80) is a one-time buyer
    assert value.top_customers_class_mix(profit, classes, top=0.3).to_dict() == pytest.approx(
        {"loyal customers": 1 / 3, "new customers": 1 / 3, "one-time buyers": 1 / 3})

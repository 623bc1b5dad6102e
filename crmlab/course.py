"""What the course covers: the notebooks' contents, the map from the textbook to them, and a bilingual glossary.

The textbook chapters (Chinese) live in ``../shared/textbook/``; :data:`TEXTBOOK_MAP` says which notebook
section takes up each of their topics, and :data:`GLOSSARY` gives the English and Chinese term for every
concept the notebooks use, with a one-line definition in our own words.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd

from . import paths
from .i18n import check_lang, term

__all__ = ["GLOSSARY", "TEXTBOOK_MAP", "glossary", "table_of_contents", "textbook_map"]

#: (textbook part, topic in English, 中文, notebook, section number, chapter file, the heading or caption of that
#: chapter the section follows — verbatim, so that a test can find it in the chapter text)
TEXTBOOK_MAP = [
    ('The business case for CRM', 'why CRM, the steps towards it', '为什么要做CRM',
     '09_crm_business_case_and_growth', 1, '002', '什么是 CRM?'),
    ('Segmentation and core customers', 'operational, analytical and collaborative CRM', '运营型、分析型、协作型CRM',
     '09_crm_business_case_and_growth', 2, '004', '2.3.2 客户关系管理的分类'),
    ('Segmentation and core customers', 'the CRM basic process', 'CRM的基本流程',
     '09_crm_business_case_and_growth', 3, '004', '2.4.1 CRM的基本流程'),
    ('The business case for CRM', 'customer turnover against market growth', '客户流失与市场增长',
     '09_crm_business_case_and_growth', 4, '002', '案例二'),
    ('The business case for CRM', 'a quick assessment of the CRM budget', '快速评估',
     '09_crm_business_case_and_growth', 5, '002', '你能在 CRM上花多少钱?快速评估'),
    ('CRM vision and goals', 'relationship growth in breadth, length and depth', '客户关系的宽度、远度与深度成长',
     '09_crm_business_case_and_growth', 6, '000', '客户关系发展的三个维度'),
    ('CRM vision and goals', 'acquiring new customers', '获取新客户',
     '09_crm_business_case_and_growth', 7, '000', '1.获取新客户'),
    ('CRM vision and goals', 'win-back by value and by reason', '赢返流失客户',
     '09_crm_business_case_and_growth', 8, '000', '2.赢返流失客户'),
    ('CRM vision and goals', 'identifying new segments', '识别新的细分市场',
     '09_crm_business_case_and_growth', 9, '000', '3.识别新的细分市场'),
    ('CRM vision and goals', 'loyalty and retention', '客户关系的远度成长',
     '09_crm_business_case_and_growth', 10, '000', '客户关系的远度成长'),
    ('Segmentation and core customers', 'one-to-one marketing', '一对一营销',
     '09_crm_business_case_and_growth', 11, '004', '2.2.4客户细分与核心客户'),
    ('CRM vision and goals', 'customer lifetime value and its factors', '客户终身价值及其影响因素',
     '08_retention_economics', 1, '000', '客户终身价值CLV'),
    ('CRM vision and goals', 'the value of retention: five versions of the claim', '客户保持的价值',
     '08_retention_economics', 2, '000', '2.客户挽留'),
    ('Customers', 'components and drivers of CLV (CLV1-CLV6)', '客户终身价值的组成与影响因素',
     '08_retention_economics', 3, '003', '2.5.2 客户终身价值分析'),
    ('CRM vision and goals', 'customer equity', '客户资产',
     '08_retention_economics', 4, '000', '客户关系管理终极目标——客户资产'),
    ('CRM vision and goals', 'at-risk customers, win-back and second lifetime value', '赢返流失客户与重生终身价值',
     '08_retention_economics', 7, '000', '2.赢返流失客户'),
    ('CRM vision and goals', 'cross-selling and up-selling: depth', '交叉销售与追加销售',
     '08_retention_economics', 8, '000', '客户关系的深度成长'),
    ('Segmentation and core customers', 'the single customer view from operational data', '客户单一视图',
     '01_customer_data', 4, '004', '⑵ 分析型CRM'),
    ('Customers', 'customer profitability', '客户盈利能力', '02_customer_value', 1, '003', '2.5.1'),
    ('Customers', 'the 80/20 rule and concentration', '80/20 法则',
     '02_customer_value', 2, '003', '2.1.3 客户的分类'),
    ('Customers', 'ABC classification (5/15/80 with 50/30/20)', 'ABC分类法',
     '02_customer_value', 3, '003', '用ABC分类法对客户进行划分'),
    ('Customers', 'the whale curve and the 80/20/30 rule', '“80/20/30”法则',
     '02_customer_value', 4, '003', '2.1.3 客户的分类'),
    ('CRM strategy and customer analysis', 'profit-based classification', '利润分类法',
     '02_customer_value', 5, '001', '(1)利润分类法'),
    ('Customers', 'loyalty classes', '按客户忠诚度划分', '02_customer_value', 6, '003', '2)按客户忠诚度划分'),
    ('CRM strategy and customer analysis', 'demographic segmentation', '客户统计学特征',
     '03_segmentation', 1, '001', '3.4.2'),
    ('CRM strategy and customer analysis', 'RFM segmentation', 'RFM 模型', '03_segmentation', 2, '001', '图3.6'),
    ('CRM strategy and customer analysis', 'customer behaviour matrix', '客户行为矩阵',
     '03_segmentation', 5, '001', '图3.7'),
    ('CRM strategy and customer analysis', 'customer life-cycle stages', '客户生命周期',
     '03_segmentation', 6, '001', '(2)依据客户关系的不同阶段进行客户细分'),
    ('CRM strategy and customer analysis', 'customer value matrix', '客户价值矩阵',
     '03_segmentation', 7, '001', '图3.9'),
    ('Segmentation and core customers', 'core customers', '核心客户',
     '03_segmentation', 7, '004', '2.2.4客户细分与核心客户'),
    ('CRM strategy and customer analysis', 'segmentation by clustering', '聚类分析',
     '03_segmentation', 8, '001', '3.4.3'),
    ('Customers', 'customer lifetime value', '客户终身价值',
     '04_clv_probabilistic_models', 7, '003', '2.5.2 客户终身价值分析'),
    ('CRM vision and goals', 'drivers of CLV measured by covariates', '以协变量测量客户终身价值的影响因素',
     '04b_clv_covariates_intervals_regularity', 1, '000', '影响客户生命价值的因素'),
    ('Customers', 'drivers of CLV by customer group', '客户终身价值的影响因素分析',
     '04b_clv_covariates_intervals_regularity', 1, '003', '2.5.2 客户终身价值分析'),
    ('CRM strategy and customer analysis', 'segments that differ in purchase and dropout rates', '客户细分的目的',
     '04b_clv_covariates_intervals_regularity', 3, '001', '3.4.1 客户细分的概念和目的'),
    ('CRM vision and goals', 'customer equity with its prediction interval', '客户资产的预测区间',
     '04b_clv_covariates_intervals_regularity', 4, '000', '客户关系管理终极目标——客户资产'),
    ('CRM vision and goals', 'regular repeat purchases of loyal customers', '有规律的重复购买',
     '04b_clv_covariates_intervals_regularity', 5, '000', '1.客户忠诚'),
    ('CRM vision and goals', 'relationship length: do customers age?', '客户关系生命周期',
     '04b_clv_covariates_intervals_regularity', 6, '000', '影响客户生命价值的因素'),
    ('CRM vision and goals', 'retention of acquisition cohorts', '客户挽留（客户群组保持率）',
     '04b_clv_covariates_intervals_regularity', 8, '000', '2.客户挽留'),
    ('CRM strategy and customer analysis', 'ACSI variables: from the logical to the structural model',
     '顾客满意度指数模型', '05_satisfaction_index', 1, '001', '图3.13'),
    ('CRM strategy and customer analysis', 'building and estimating a CSI model', '顾客满意度指数模型',
     '05_satisfaction_index', 2, '001', '图3.14'),
    ('CRM strategy and customer analysis', 'latent and observed variables: is the measurement sound?',
     '结构变量与观测变量', '05_satisfaction_index', 3, '001', '图3.16 结构变量间及其与观测变量之间的关系图'),
    ('CRM strategy and customer analysis', 'the Kano model and its curves', '卡诺模型',
     '06_kano_ipa_value_map', 1, '001', '图3.11'),
    ('Customers', 'importance-satisfaction zones', '重要性-满意度分析',
     '06_kano_ipa_value_map', 3, '003', '客户满意度战略选择示意图'),
    ('Customers', 'market-perceived quality', '市场感知质量水平',
     '06_kano_ipa_value_map', 4, '003', '1)市场感知质量水平'),
    ('Customers', 'market-perceived price and the price indices', '市场感知价格水平',
     '06_kano_ipa_value_map', 5, '003', '2)市场感知价格水平'),
    ('Customers', "Gale's customer value map", '客户价值图',
     '06_kano_ipa_value_map', 6, '003', '以豪华汽车为例的客户价值图'),
    ('Customers', 'win/loss analysis', '得失分析',
     '06_kano_ipa_value_map', 7, '003', '2.4.3 客户价值分析'),
    ('Customers', 'the head-to-head comparison chart', '客户价值分析对照图',
     '06_kano_ipa_value_map', 8, '003', '2.4.3 客户价值分析'),
    ('Customers', 'the key-events table and the What/Who matrix', '关键事件表与What/Who矩阵',
     '06_kano_ipa_value_map', 9, '003', '2.4.3 客户价值分析'),
    ('Customers', 'expectation versus perception: satisfaction types', '客户满意的类型',
     '07_satisfaction_loyalty', 1, '003', '客户满意的类型'),
    ('Customers', 'the satisfaction-loyalty curve', '客户满意度与客户忠诚度的关系',
     '07_satisfaction_loyalty', 2, '003', '客户满意度与客户忠诚度关系曲线'),
    ('CRM strategy and customer analysis', 'basic versus latent expectations', '基本期望与潜在期望',
     '07_satisfaction_loyalty', 3, '001', '图3.22'),
    ('CRM strategy and customer analysis', 'the satisfaction trap: causes and remedies', '顾客满意陷阱',
     '07_satisfaction_loyalty', 4, '001', '3.6.4'),
    ('CRM strategy and customer analysis', 'the satisfaction-loyalty curve behind the trap',
     '顾客满意度与顾客忠诚度关系曲线', '07_satisfaction_loyalty', 4, '001', '图3.21 顾客满意度与顾客忠诚度关系曲线'),
    ('Customers', 'satisfaction versus profitability', '满意度与盈利能力',
     '07_satisfaction_loyalty', 5, '003', '2.3.3'),
    ('Customers', 'four points for raising loyalty', '提高客户忠诚度的要点',
     '07_satisfaction_loyalty', 7, '003', '2.3.2 提高客户忠诚度的要点'),
    ('Customers', 'two directions of customer value', '客户价值的方向定位',
     '10_customer_value_and_loyalty', 1, '003', '1)客户价值的方向定位'),
    ('CRM strategy and customer analysis', 'customer delivered value', '顾客让渡价值',
     '10_customer_value_and_loyalty', 2, '001', '图3.4'),
    ('CRM strategy and customer analysis', 'relationship value and its four dimensions', '关系价值',
     '10_customer_value_and_loyalty', 3, '001', '图3.5'),
    ('Customers', 'the value of the customer resource', '客户资源的价值',
     '10_customer_value_and_loyalty', 3, '003', '2.1.1 对“客户”的重新认识'),
    ('CRM vision and goals', 'customer equity: value, brand and relationship equity', '客户资产框架模型',
     '10_customer_value_and_loyalty', 4, '000', '客户资产框架模型'),
    ('CRM strategy and customer analysis', 'loyalty types', '顾客忠诚的类别',
     '10_customer_value_and_loyalty', 5, '001', '图3.18'),
    ('Customers', 'the eight loyalty measures', '客户忠诚度的衡量',
     '10_customer_value_and_loyalty', 6, '003', '2.3.1'),
    ('CRM strategy and customer analysis', 'the four-step loyalty evaluation', '顾客忠诚度的评价方法',
     '10_customer_value_and_loyalty', 7, '001', '图3.20'),
    ('CRM strategy and customer analysis', 'the value-driven loyalty model', '顾客忠诚的价值驱动模式',
     '10_customer_value_and_loyalty', 7, '001', '图3.19 客户忠诚的价值驱动模型'),
    ('CRM vision and goals', 'the loyalty ladder', '客户忠诚阶梯',
     '10_customer_value_and_loyalty', 8, '000', '客户忠诚阶梯'),
    ('CRM strategy and customer analysis', 'the loyalty-ladder classification', '忠诚度阶梯分类法',
     '10_customer_value_and_loyalty', 8, '001', '图3.8 忠诚度阶梯分类图'),
    ('CRM strategy and customer analysis', 'what loyalty is worth', '顾客忠诚给企业带来的效益',
     '10_customer_value_and_loyalty', 9, '001', '3.6.2'),
    ('Customers', "Woodruff's definition of customer value", '客户价值的定义',
     '10_customer_value_and_loyalty', 10, '003', '3)客户价值的定义'),
    ('Customers', 'the customer value hierarchy', '客户价值的层次模型',
     '10_customer_value_and_loyalty', 10, '003', '1)客户价值的层次模型'),
    ('Customers', 'customer value and competitive advantage: relative sales growth', '客户价值与竞争优势',
     '10_customer_value_and_loyalty', 10, '003', '3)客户价值与竞争优势'),
    ('Customers', 'customer value management and its seven aspects', '客户价值管理',
     '10_customer_value_and_loyalty', 10, '003', '2.4.4 客户价值管理'),
    ('Customers', 'satisfaction types and word of mouth', '客户满意的类型',
     '11_satisfaction_measurement', 1, '003', '客户满意的类型'),
    ('CRM strategy and customer analysis', 'perception compared with expectation', '顾客感知与顾客期望的比较',
     '11_satisfaction_measurement', 1, '001', '图3.10 顾客感知与顾客期望比较后的感受'),
    ('Customers', 'five satisfaction factors and the barrel principle', '影响客户满意的因素',
     '11_satisfaction_measurement', 2, '003', '2.2.2'),
    ('Customers', 'building the indicator system in four steps', '客户满意度测评指标体系的建立',
     '11_satisfaction_measurement', 3, '003', '(4)建立企业客户满意指标体系'),
    ('Customers', 'a five-point Likert questionnaire and survey modes', '调研方案与问卷设计',
     '11_satisfaction_measurement', 4, '003', '2.2.4'),
    ('CRM strategy and customer analysis', 'the satisfaction measurement workflow', '顾客满意度测评流程',
     '11_satisfaction_measurement', 5, '001', '图3.15'),
    ('CRM strategy and customer analysis', 'CRM and satisfaction measurement: the system modules',
     'CRM与顾客满意度测评框架', '11_satisfaction_measurement', 5, '001', '图3.17 CRM与顾客满意度测评框架结构'),
    ('Customers', 'carrying out the survey and writing the report', '客户满意度调查方案的实施',
     '11_satisfaction_measurement', 5, '003', '2.2.5 客户满意度调查方案的实施'),
    ('Customers', 'PDCA over survey waves', '客户关系管理的PDCA循环',
     '11_satisfaction_measurement', 7, '003', '客户关系管理的PDCA循环'),
    ('CRM strategy and customer analysis', 'how to raise satisfaction', '如何提高顾客满意度',
     '11_satisfaction_measurement', 8, '001', '3.5.4'),
    ('CRM strategy and customer analysis', 'a satisfaction-index study assessed as a reviewer does',
     '顾客满意度指数模型的建立与评价', '12_csi_study_pls_sem', 1, '001', '图3.14 顾客满意度指数测评模型'),
    ('Customers', 'discriminant validity: dropping highly correlated factors',
     '剔除高度相关的因素(区别效度)', '12_csi_study_pls_sem', 3, '003', '(4)建立企业客户满意指标体系'),
    ('CRM strategy and customer analysis', 'structural model: paths, R², f², Q²',
     '结构模型的路径与效应', '12_csi_study_pls_sem', 4, '001', '图3.12 ACSI结构模型'),
    ('CRM strategy and customer analysis', 'switching costs moderating satisfaction → loyalty',
     '转移成本的调节效应', '12_csi_study_pls_sem', 7, '001', '(2)提高顾客转移成本,以锁定顾客忠诚'),
    ('Customers', 'a hierarchical indicator system as a higher-order construct',
     '高阶结构变量', '12_csi_study_pls_sem', 8, '003', '2.2.3 客户满意度测评指标体系的建立'),
    ('Customers', 'comparing groups: MICOM and multi-group analysis',
     '满意度比较模型', '12_csi_study_pls_sem', 9, '003', '2.2.5 客户满意度调查方案的实施'),
    ('Customers', 'importance–performance map with PLS and PLSc',
     '重要性-表现图', '12_csi_study_pls_sem', 11, '003', '客户满意度战略选择示意图'),
]

#: (English, 中文, notebook, definition)
GLOSSARY = [
    ("customer summary (RFM/T)", "客户汇总 (最近购买、频率、金额)", "01",
     "per customer: repeat purchases, time of the last purchase and length of observation, mean spend"),
    ("single customer view", "客户单一视图", "01", "one row per customer gathering everything known about them"),
    ("data-quality report", "数据质量报告", "01", "every row dropped while cleaning, counted with its reason"),
    ("calibration / holdout period", "校准期 / 验证期", "01", "fit on the first period, check forecasts on the second"),
    ("Pareto principle (80/20)", "帕累托法则 (80/20)", "02", "a minority of customers brings most of the value"),
    ("Gini coefficient", "基尼系数", "02", "0 when every customer is worth the same, near 1 when one is worth all"),
    ("ABC classification", "ABC 分类", "02", "classes of customers by their share of customers or of value"),
    ("customer profitability", "客户盈利能力", "02", "revenue a customer brings minus the costs of serving them"),
    ("whale curve", "鲸鱼曲线", "02", "cumulative profit as customers are added from most to least profitable"),
    ("loyalty classes", "客户忠诚度类别", "02",
     "003's five classes by loyalty: potential, new, regular, long-standing and loyal customers"),
    ("80/20/30 rule", "“80/20/30”法则", "02", "among the 80 % ordinary customers, 30 % create no profit"),
    ("profit-based classification", "利润分类法", "02", "classes of customers by the profit they contribute"),
    ("customer resource", "客户资源", "02",
     "all customers' future revenue less costs, plus referral profit; a resource the firm cannot own (003)"),
    ("contact cost", "接触成本", "02", "marketing, administration, storage and service costs of a customer"),
    ("80/20 rule", "“80/20”法则", "02", "80 % of the revenue comes from 20 % of the customers (003, 004)"),
    ("demographic characteristics", "客户统计学特征", "03", "who customers are: age, sex, income, region"),
    ("customer delivered value", "顾客让渡价值", "10", "total customer value minus total customer cost"),
    ("relationship value", "关系价值", "10", "the value a customer brings over the whole relationship"),
    ("customer capability value", "顾客能力价值", "10", "the value of a customer's knowledge and feedback"),
    ("customer equity framework", "客户资产框架模型", "10", "value, brand and relationship equity"),
    ("value equity", "价值资产", "10", "the customer's judgement of what the offer is worth for what it costs (000)"),
    ("brand equity", "品牌资产", "10", "the customer's view of the brand beyond its objective value (000)"),
    ("relationship equity (000: retention equity)", "关系资产", "10",
     "the pull of the relationship itself; 000 prints its English as Retention Equity"),
    ("perceived gains / perceived losses", "感知利得 / 感知利失", "10",
     "what a customer feels they get from an offer / give up for it (000)"),
    ("customer loyalty ladder", "客户忠诚阶梯", "10", "purchaser, customer, supporter, advocate, partner"),
    ("attitudinal / behavioural loyalty", "态度取向 / 行为重复", "10", "loyalty as a feeling and as repeat buying"),
    ("price sensitivity", "价格敏感程度", "10", "how strongly a customer's buying reacts to price (a loyalty "
     "measure)"),
    ("customer value (two directions)", "客户价值 (顾客价值 / 关系价值)", "10",
     "value the firm gives the customer, or value the customer brings the firm"),
    ("total customer value / total customer cost", "顾客总价值 / 顾客总成本", "10",
     "the benefits a buyer expects / the money, time, effort and stress buying costs"),
    ("relationship profitability, life cycle, referral value", "关系赢利性 / 关系生命周期 / 推荐价值", "10",
     "three of the four dimensions of relationship value (001 §3.3.2)"),
    ("six loyalty types", "垄断带来的忠诚/亲缘垄断/利益忠诚/惰性忠诚/信赖忠诚/潜在忠诚", "10",
     "001's loyalty types, from no alternative or a tie to incentives, habit, trust and unmet wish"),
    ("objective / subjective loyalty score", "忠诚度客观值 / 主观值", "10",
     "loyalty from behaviour data / from survey answers (001's four-step evaluation)"),
    ("value-driven loyalty model", "顾客忠诚的价值驱动模式", "10",
     "value delivered raises satisfaction, which drives loyalty (001 图3.19)"),
    ("customer value hierarchy (Woodruff)", "客户价值的层次模型", "10",
     "attributes, consequences and goals, each a level where satisfaction can arise (003 §2.4.2)"),
    ("customer value management", "客户价值管理", "10",
     "aligning processes and capabilities with the value customers perceive; seven aspects (003 §2.4.4)"),
    ("RFM", "最近购买、购买频率、购买金额", "03", "recency, frequency and monetary value of a customer's purchases"),
    ("segment", "细分群体", "03", "a group of customers treated alike"),
    ("customer behaviour matrix", "客户行为矩阵", "03",
     "customers placed by purchase frequency and spend (001 图3.7; its lead-in calls it 客户价值矩阵模型)"),
    ("customer value matrix", "客户价值矩阵", "03",
     "customers placed by current and potential value (001 图3.9; not the behaviour matrix of 图3.7)"),
    ("core customers", "核心客户", "03", "high current and high potential value"),
    ("customer life cycle", "客户生命周期", "03", "exploration, formation, stability, decline"),
    ("cluster analysis", "聚类分析", "03", "grouping customers by similarity of their measures"),
    ("segment migration", "客户迁移", "03", "how customers move between segments over time"),
    ("customer segmentation", "客户细分", "03",
     "dividing customers into groups by demographics, behaviour, life cycle or value (001 §3.4)"),
    ("buy till you die", "购买直至流失", "04", "models where customers buy at random until they silently drop out"),
    ("BG/NBD model", "BG/NBD 模型", "04", "beta-geometric dropout after each purchase, Poisson purchases"),
    ("Pareto/NBD model", "Pareto/NBD 模型", "04", "exponential lifetimes, Poisson purchases"),
    ("Gamma-Gamma model", "Gamma-Gamma 消费模型", "04", "spend per purchase, varying across customers"),
    ("P(alive)", "存活概率", "04", "probability that a customer has not yet dropped out"),
    ("customer lifetime value (CLV)", "客户终身价值", "04", "discounted value of a customer's future margins"),
    ("discount rate", "贴现率", "04", "rate at which future money is worth less today"),
    ("covariate", "协变量", "04b", "a customer attribute that scales a model's purchase or dropout rate"),
    ("likelihood-ratio test", "似然比检验", "04b",
     "twice the log-likelihood gained by lifting a restriction, compared with a chi-squared distribution"),
    ("nested models", "嵌套模型", "04b", "one model is the other with some parameters fixed or set equal"),
    ("AIC / BIC", "AIC / BIC 信息准则", "04b", "fit penalised by the number of parameters; lower is better"),
    ("prediction interval (parameter uncertainty)", "预测区间（参数不确定性）", "04b",
     "the range of a prediction over the plausible values of the model's parameters"),
    ("purchase regularity", "购买规律性", "04b",
     "how evenly spaced a customer's purchases are (Erlang-k times between purchases)"),
    ("MBG/CNBD-k model", "MBG/CNBD-k 模型", "04b",
     "MBG/NBD with Erlang-k times between purchases, k chosen by likelihood"),
    ("GGompertz/NBD model", "GGompertz/NBD 模型", "04b",
     "lifetimes whose dropout risk changes with the age of the relationship"),
    ("cohort retention", "客户群组保持率", "04b",
     "share of an acquisition cohort still buying k periods after acquisition"),
    ("customer equity", "客户资产", "08", "the sum of the lifetime values of current and future customers"),
    ("PLS path modelling", "偏最小二乘路径模型", "05", "estimates latent constructs and the paths between them"),
    ("customer satisfaction index (ACSI/ECSI)", "顾客满意度指数", "05", "a 0-100 index from a structural model"),
    ("perceived quality / perceived value", "感知质量 / 感知价值", "05", "the customer's judgement of quality and of "
     "value for money"),
    ("average variance extracted (AVE)", "平均方差萃取量", "05", "how much of its indicators' variance a construct "
     "explains"),
    ("bootstrap", "自助法", "05", "resampling respondents to measure the uncertainty of estimates"),
    ("importance-performance analysis", "重要性-表现分析", "06", "attributes placed by importance and performance"),
    ("Kano model", "卡诺模型", "06",
     "001's three qualities: must-be, one-dimensional and attractive (the lab adds indifferent)"),
    ("customer value map", "客户价值图", "06", "relative perceived quality against relative perceived price"),
    ("expectation-perception gap", "期望-感知差距", "07", "perceived performance minus what was expected"),
    ("zone of indifference", "无差异区 (本实验室用语; 教材: 高满意度低忠诚度)", "07",
     "range where more satisfaction hardly raises loyalty (the lab's term)"),
    ("satisfaction trap", "顾客满意陷阱", "07", "satisfied customers who still defect"),
    ("loyalty index", "忠诚度指数", "07", "weighted combination of behavioural and attitudinal loyalty measures"),
    ("customer turnover", "客户周转率", "09", "share of customers lost in a year (002 calls it turnover)"),
    ("retention rate", "客户保持率 (000、003: 客户挽留率)", "08",
     "share of customers kept from one period to the next"),
    ("shifted-beta-geometric (sBG) model", "移位贝塔几何模型", "08", "contract renewals with churn probabilities "
     "varying across customers"),
    ("churn", "客户流失", "08", "a customer ending the relationship, or going quiet"),
    ("lift / gain chart", "提升度 / 增益图", "08", "how many more churners a ranked list catches than a random one"),
    ("at-risk customers", "危险客户", "08", "still customers, but likely to leave"),
    ("second lifetime value", "重生终身价值", "08", "value of a lapsed customer if won back"),
    ("cross-selling / up-selling", "交叉销售 / 追加销售", "08", "selling other products / better products to a "
     "customer"),
    ("support, confidence, lift", "支持度、置信度、提升度", "08", "how often products are bought together, and how "
     "much more than by chance"),
    ("share of wallet", "荷包份额", "08", "the firm's share of what a customer spends in the category"),
    ("CLV1-CLV6", "CLV1-CLV6", "08",
     "first purchase, repeat buying, cross-selling, lower serving cost, referrals, lower price sensitivity"),
    ("referral revenue / mention rate", "推荐收益 / 产品被提及率", "08",
     "profit from word of mouth; how often customers mention the product, which can be negative"),
    ("secure customers", "牢固客户", "08", "customers unlikely to leave (000)"),
    ("defection", "叛逃", "08", "a customer leaving for a competitor (000)"),
    ("leaking bucket", "漏桶 (本实验室用语)", "09",
     "revenue lost to turnover that acquisition must refill before the firm grows (the lab's image)"),
    ("quick assessment of a CRM budget", "快速评估", "09", "002's sum of what turnover costs: what CRM may spend"),
    ("operational / analytical / collaborative CRM", "运营型/分析型/协作型CRM", "09",
     "CRM that runs the front office / turns data into information / connects the channels"),
    ("CRM basic process", "CRM的基本流程", "09", "004's steps from customer analysis to managing relationships"),
    ("breadth / length / depth of a relationship", "宽度/远度/深度", "09",
     "more customers / longer relationships / more business with each customer"),
    ("win-back", "赢返", "09", "winning lost customers back"),
    ("one-to-one marketing", "一对一营销", "09", "offers made to each customer from their own history"),
    ("likelihood of acquisition", "客户获取可能性", "09", "how likely a prospect is to become a customer (000)"),
    ("potential relationship value", "潜在关系价值", "09", "what a prospect would be worth once acquired (000)"),
    ("market growth rate", "市场增长率", "09", "yearly growth of the market the firm sells in (002)"),
    ("must-be / one-dimensional / attractive quality", "当然质量/期望质量/迷人质量", "06",
     "taken for granted / pays in proportion / delights when present and is not missed when absent"),
    ("market-perceived quality / price", "市场感知质量/市场感知价格", "06",
     "a firm's weighted quality and price ratings relative to its competitors'"),
    ("price competitiveness index", "价格竞争力指数", "06", "our price satisfaction over the competitors'"),
    ("average value line", "平均价值线", "06", "offers of average value for money on the value map"),
    ("relative price ratio", "相对价格比率", "06", "the competitors' price satisfaction over ours"),
    ("performance ratio", "业绩比率", "06", "our score on a quality attribute divided by the competitor's"),
    ("win/loss analysis", "得失分析", "06", "why customers chose or left us, from won and lost deals"),
    ("head-to-head comparison chart", "客户价值分析对照图", "06",
     "where we beat or trail a competitor, attribute by attribute"),
    ("key events table", "关键事件表", "06", "events that changed the value customers saw, with our and a rival's "
     "response"),
    ("What/Who matrix", "What/Who矩阵", "06", "which unit is responsible for which value attribute"),
    ("zones: key improvement, key maintenance, opportunity, maintenance", "重点改进区域/重点保持区域/机会区域/维持区域",
     "06", "003's four zones from rated importance and satisfaction"),
    ("satisfied / highly satisfied", "一般满意/高度满意", "07", "perception equals / exceeds expectation"),
    ("switching cost", "转移成本", "07", "what a customer loses by changing supplier; it holds customers in place"),
    ("customer satisfaction", "客户满意 / 顾客满意度", "07",
     "how perceived performance compares with what the customer expected; the degree is the satisfaction"),
    ("customer loyalty", "客户忠诚 / 客户忠诚度", "07",
     "lasting preference shown in repeat buying; the degree to which a customer is loyal"),
    ("basic / latent expectations", "基本期望 / 潜在期望", "07",
     "what any supplier must deliver / unexpected value that turns satisfaction into loyalty"),
    ("average loyalty", "平均忠诚度", "07", "the loyalty an industry-average offer inspires"),
    ("ways to raise loyalty", "提高客户忠诚度的要点", "07",
     "choose whom to cultivate, offer distinctive service, communicate, handle complaints well (003 §2.3.2)"),
    ("customer complaints", "顾客抱怨", "05", "an ACSI variable: complaints after dissatisfaction"),
    ("logical model / structural model", "逻辑模型 / 结构模型", "05",
     "which variables drive satisfaction / the same as paths between latent variables (001 图3.13-3.14)"),
    ("observed variable", "观测变量", "05", "a survey question that measures a latent variable"),
    ("barrel principle", "木桶原理", "11", "the weakest link caps the satisfaction a firm can reach"),
    ("Likert scale", "李克特量表", "11", "an ordered five-point answer scale, coded 1-5"),
    ("PDCA (Deming) cycle", "戴明环", "11", "plan, do, check, act, repeated over survey waves"),
    ("word of mouth", "口碑", "11", "how many people each kind of customer tells"),
    ("five satisfaction factors", "企业因素/产品因素/营销与服务体系/沟通因素/客户关怀", "11",
     "003's five sources of satisfaction: firm, product, marketing and service, communication, customer care"),
    ("auxiliary / relative indicators", "辅助指标 / 相对指标", "11",
     "behavioural intentions such as repurchase / the same scores for competitors and leaders"),
    ('composite reliability ρc', '组合信度', "12", 'reliability from the loadings'),
    ('ρA (Dijkstra-Henseler)', 'ρA 信度', "12", 'the reliability consistent PLS needs'),
    ('convergent validity', '收敛效度', "12",
     "a construct explains at least half of its indicators' variance (AVE ≥ 0.5)"),
    ('discriminant validity', '区别效度', "12", 'constructs capture different things'),
    ('heterotrait-monotrait ratio (HTMT)', '异质-单质比率', "12",
     'correlations between blocks relative to those within them'),
    ('variance inflation factor (VIF)', '方差膨胀因子', "12", "collinearity of a construct's causes"),
    ('effect size f²', '效应量 f²', "12", 'R² lost without a path'),
    ('blindfolding Q²', '遮蔽法 Q²', "12", 'predictive relevance from omitted data points'),
    ('consistent PLS (PLSc)', '一致性偏最小二乘', "12", 'PLS with correlations disattenuated by ρA'),
    ('common factor vs composite', '公因子与组合', "12", 'a cause of the indicators vs a weighted sum of them'),
    ('covariance-based SEM (CB-SEM)', '基于协方差的结构方程模型', "12", 'maximum-likelihood common-factor model'),
    ('inadmissible solution', '不可接受解', "12", 'construct correlations that are not positive definite'),
    ('Heywood case', '海伍德现象(不恰当解)', "12", 'variances ≤ 0 or standardised estimates beyond ±1'),
    ('SRMR', '标准化均方根残差', "12", 'distance between observed and implied correlations'),
    ('test of exact fit', '精确拟合检验', "12", 'Bollen-Stine bootstrap of the fit distances'),
    ('moderation, interaction term', '调节效应、交互项', "12", "a third construct changes a path's strength"),
    ('simple slope', '简单斜率', "12", "a path's value at a given moderator level"),
    ('higher-order construct', '高阶结构变量', "12", 'a construct measured by other constructs'),
    ('measurement invariance (MICOM)', '测量不变性', "12", 'the same composites in both groups'),
    ('multi-group analysis (PLS-MGA)', '多群组分析', "12", 'group-wise paths compared'),
    ('permutation test', '置换检验', "12", 'p-value from reshuffled group labels'),
    ('PLSpredict, Q²predict', '样本外预测', "12", 'cross-validated prediction against the mean and the linear model'),
    ('CVPAT', '交叉验证预测能力检验', "12", 'a test of the difference in prediction loss'),
]


def _edition(notebook: Path, lang: str) -> Path:
    """The notebook in ``lang``: its Chinese edition ``notebooks/zh/<name>`` for "zh" (the English one while the
    Chinese edition does not exist yet), the notebook itself for "en"."""
    chinese = notebook.parent / "zh" / notebook.name
    return chinese if lang == "zh" and chinese.is_file() else notebook


def textbook_map(lang: str = "en") -> pd.DataFrame:
    """:data:`TEXTBOOK_MAP` as a table, with each notebook section's title.

    Columns: textbook (the part), topic, 中文 (the topic's Chinese term), notebook, section, chapter (file id) and
    follows (the chapter's heading or caption the section follows). With ``lang="zh"`` the part and the topic are
    in Chinese (topic holds the Chinese term; there is no 中文 column) and the section titles are those of the
    Chinese editions; :func:`crmlab.display.table` shows the column names translated.
    """
    check_lang(lang)
    sections = {name: dict(enumerate(
        table_of_contents([_edition(paths.NOTEBOOKS / f"{name}.ipynb", lang)])["section"], start=1))
                for name in {row[3] for row in TEXTBOOK_MAP}}
    rows = [{"textbook": term(part, lang), "topic": topic, "中文": chinese, "notebook": notebook,
             "section": sections[notebook].get(number), "chapter": chapter, "follows": cited}
            for part, topic, chinese, notebook, number, chapter, cited in TEXTBOOK_MAP]
    table = pd.DataFrame(rows)
    if lang == "zh":
        return table.assign(topic=table["中文"]).drop(columns="中文")
    return table


def glossary(lang: str = "en") -> pd.DataFrame:
    """:data:`GLOSSARY` as a table sorted by notebook: English, 中文, notebook, meaning.

    With ``lang="zh"`` the Chinese term comes first, in a column named term, and the meaning is in Chinese (from
    the locale catalogues, which a test keeps complete): term, English, notebook, meaning.
    """
    check_lang(lang)
    table = pd.DataFrame(GLOSSARY, columns=["English", "中文", "notebook", "meaning"])
    table = table.sort_values(["notebook", "English"], kind="stable").reset_index(drop=True)
    if lang == "zh":
        return pd.DataFrame({"term": table["中文"], "English": table["English"], "notebook": table["notebook"],
                             "meaning": table["meaning"].map(lambda meaning: term(meaning, lang))})
    return table


def table_of_contents(notebooks: list[Path] | None = None, lang: str = "en") -> pd.DataFrame:
    """The numbered sections (``## N. …`` headings) of each notebook, in order.

    ``notebooks`` defaults to the course's notebooks, in the edition of ``lang`` (see :func:`textbook_map`):
    with ``lang="zh"`` the titles and sections are read from the Chinese editions in ``notebooks/zh/``.
    """
    from .studies import course_notebooks

    check_lang(lang)
    rows = []
    for path in notebooks or [_edition(p, lang) for p in course_notebooks()]:
        cells = nbformat.read(path, as_version=4).cells
        title = next((c.source.splitlines()[0].lstrip("# ") for c in cells if c.cell_type == "markdown"), "")
        for cell in cells:
            if cell.cell_type != "markdown":
                continue
            for line in cell.source.splitlines():
                if line.startswith("## ") and line[3:4].isdigit():
                    rows.append({"notebook": path.stem, "title": title, "section": line[3:].strip()})
    return pd.DataFrame(rows, columns=["notebook", "title", "section"])

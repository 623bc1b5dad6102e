"""Customer segmentation (客户细分): RFM scores and segment maps, behaviour and value matrices,
life-cycle stages, clustering and segment migration.

The chapters name four bases of segmentation (教材 001 §3.4.2): demographic characteristics
(客户统计学特征), behaviour (the RFM model, 图3.6, and the customer behaviour matrix, 图3.7), the
relationship life cycle (the loyalty ladder, 图3.8, and the stages 考察期/形成期/稳定期/退化期) and value
(利润分类法 and the customer value matrix, 图3.9). The chapters give those figures as captions only: they
name no RFM classes and no quadrants except the core customers (核心客户, 教材 004 §2.2.4). The labels
here are therefore partly the lab's own, and each docstring says where a label comes from.

Every segmentation returns one label per customer (a Series indexed by customer);
:func:`segment_table` turns any of them into the table an analyst reads — size,
revenue share, mean R/F/M measures and a one-line suggested strategy.
Labels are English in the code; ``lang="zh"`` gives the Chinese labels of the catalogue
``crmlab/locale/value.json`` (:mod:`crmlab.i18n`).

RFM values (:func:`rfm_values`): R is measured by ``days_since_last_purchase`` (to the end
of observation; lower is better), F by ``purchases`` (purchase days, or orders), M by
``revenue`` (total spend). These names differ on purpose from the customer summary's
``recency``/``frequency``/``monetary`` (time from first to last purchase, repeat purchases,
mean repeat spend), which the probabilistic models use: each function here refuses a customer
summary, and the models refuse an RFM table. Scores 1-5 (5 best) come from ranks, so ties never
break them (most customers buy once; ``pandas.qcut`` fails on such columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError, MissingColumnError
from .frames import CUSTOMER_SUMMARY, RFM_VALUES, TableInfo, table_info, with_info
from .i18n import check_lang, term, terms

__all__ = [
    "RFM_COLUMNS", "rfm_values", "rfm_scores", "rfm_eight_classes", "named_segments", "segment_table", "STRATEGIES",
    "profile_segments", "segment_spread",
    "behaviour_matrix", "value_matrix", "potential_value_proxy", "LIFECYCLE_STAGES", "lifecycle_stages",
    "lifecycle_mix", "ClusteringResult", "cluster_customers", "migration_matrix",
]


def _labelled(labels: pd.Series, lang: str) -> pd.Series:
    """English labels as they are, or in Chinese from the catalogue (values only: customer ids stay as they are)."""
    return labels if check_lang(lang) == "en" else labels.map(lambda label: term(label, lang))


#: The columns of :func:`rfm_values`: R, F and M measures, and the time since the first purchase.
RFM_COLUMNS = ("days_since_last_purchase", "purchases", "revenue", "days_since_first_purchase")


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} needs a DataFrame, not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame]
    if missing:
        raise MissingColumnError(f"{what} needs columns {list(columns)}; missing {missing}")
    if len(frame) == 0:
        raise DataError(f"{what}: no customers")


def _require_rfm(rfm: pd.DataFrame, columns, what: str) -> None:
    """Check an RFM table, refusing a customer summary (whose recency and frequency mean something else)."""
    info = table_info(rfm) if isinstance(rfm, pd.DataFrame) else None
    if (info is not None and info.kind == CUSTOMER_SUMMARY) or (
            isinstance(rfm, pd.DataFrame) and {"recency", "T"} <= set(rfm.columns)):
        raise DataError(f"{what} takes RFM values (days since the last purchase, purchases, revenue) from "
                        "crmlab.segmentation.rfm_values(log), not a customer summary: there 'recency' is the time "
                        "from the first to the last purchase and 'frequency' counts repeat purchases only")
    _require(rfm, columns, what)


# --------------------------------------------------------------------------- RFM

def rfm_values(transactions: pd.DataFrame, *, observation_end=None, frequency: str = "days") -> pd.DataFrame:
    """The RFM measures per customer of a clean log, up to ``observation_end`` (default: the last day).

    Columns: ``days_since_last_purchase`` (R; 0 = bought on the last day), ``purchases`` (F:
    purchase days with ``frequency="days"``, distinct invoices with ``"orders"``, which needs an
    ``invoice`` column), ``revenue`` (M: total spend) and ``days_since_first_purchase``. The table
    records its observation end and what a purchase is (:func:`crmlab.frames.table_info`).
    """
    _require(transactions, ("customer_id", "date", "amount"), "rfm_values")
    if frequency not in ("days", "orders"):
        raise ValueError(f"frequency must be 'days' or 'orders', got {frequency!r}")
    if frequency == "orders" and "invoice" not in transactions:
        raise MissingColumnError("rfm_values(frequency='orders') counts invoices, but the log has no 'invoice' "
                                 "column; map one when cleaning, or use frequency='days'")
    log = transactions.assign(day=transactions["date"].dt.normalize())
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else log["day"].max()
    log = log[log["day"] <= end]
    if len(log) == 0:
        raise DataError(f"rfm_values: no purchase on or before the observation end {end.date()}")
    grouped = log.groupby("customer_id", sort=True)
    counts = grouped["day"].nunique() if frequency == "days" else grouped["invoice"].nunique()
    table = pd.DataFrame({"days_since_last_purchase": (end - grouped["day"].max()).dt.days, "purchases": counts,
                          "revenue": grouped["amount"].sum(),
                          "days_since_first_purchase": (end - grouped["day"].min()).dt.days})
    info = TableInfo(RFM_VALUES, purchase_period="D" if frequency == "days" else "order",
                     observation_end=str(end.date()))
    return with_info(table, info)


def _rank_score(values: pd.Series, bins: int, higher_is_better: bool) -> pd.Series:
    """1..bins from the average percentile rank: equal values always share a score."""
    pct = (values if higher_is_better else -values).rank(method="average", pct=True)
    return np.ceil(pct * bins).clip(1, bins).astype("int64")


_MEASURES = {"R": "days_since_last_purchase", "F": "purchases", "M": "revenue"}


def rfm_scores(rfm: pd.DataFrame, bins: int = 5, cuts: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """R, F and M scores from 1 (worst) to ``bins`` (best), their string code and their sum.

    ``rfm`` is the output of :func:`rfm_values`. By default a score is ceil(bins × average
    percentile rank), so tied customers share a score and scores never fail on ties. ``cuts``
    gives cut points per score instead, e.g. ``{"R": [30, 90, 180, 365]}`` (days since the last
    purchase; fewer is better) or ``{"M": [100, 500, 1000, 5000]}`` (revenue); a value equal to a
    cut point falls in the upper bin.
    """
    _require_rfm(rfm, tuple(_MEASURES.values()), "rfm_scores")
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 2:
        raise ValueError(f"bins must be a whole number >= 2, got {bins!r}")
    cuts = cuts or {}
    unknown = set(cuts) - set(_MEASURES)
    if unknown:
        raise ValueError(f"cuts are given per score, 'R', 'F' or 'M', not {sorted(unknown)}")
    scores = {}
    for letter, column in _MEASURES.items():
        values = pd.to_numeric(rfm[column], errors="coerce")
        if values.isna().any() or not np.all(np.isfinite(values.to_numpy(dtype="float64"))):
            raise DataError(f"rfm_scores: {column} has missing, infinite or non-numeric values "
                            f"(customers {list(rfm.index[~np.isfinite(values.fillna(np.inf))][:5])})")
        higher_is_better = letter != "R"
        if letter in cuts:
            edges = np.asarray(cuts[letter], dtype="float64")
            if len(edges) != bins - 1 or np.any(np.diff(edges) <= 0):
                raise ValueError(f"cuts[{letter!r}] must be {bins - 1} increasing numbers, got {list(edges)}")
            position = np.searchsorted(edges, values.to_numpy(), side="right") + 1
            scores[letter] = pd.Series(position if higher_is_better else bins + 1 - position, index=rfm.index)
        else:
            scores[letter] = _rank_score(values, bins, higher_is_better)
    table = pd.DataFrame(scores)
    table["RFM"] = table["R"].astype(str) + table["F"].astype(str) + table["M"].astype(str)
    table["score"] = table[["R", "F", "M"]].sum(axis=1)
    return table


#: The eight RFM classes of common Chinese practice (R, F, M each high or low), keyed by (R, F, M) high = 1.
#: Not the chapters': they name the RFM model only (教材 001 §3.4.2, 图3.6). The practice calls the low-R, low-F
#: classes 重要/一般挽留客户: customers at risk of leaving whom the firm tries to keep, hence "retention-risk" in
#: English — not win-back (赢返, winning lost customers back, 教材 000).
_EIGHT = {
    (1, 1, 1): "important value", (1, 0, 1): "important development",
    (0, 1, 1): "important retention", (0, 0, 1): "important retention-risk",
    (1, 1, 0): "general value", (1, 0, 0): "general development",
    (0, 1, 0): "general retention", (0, 0, 0): "general retention-risk",
}

#: The common named RFM segments as an explicit grid: rows R = 5..1, columns FM = 1..5.
_GRID = {
    5: ["new", "potential loyalists", "potential loyalists", "champions", "champions"],
    4: ["promising", "potential loyalists", "potential loyalists", "loyal", "champions"],
    3: ["about to sleep", "need attention", "need attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at risk", "at risk", "cannot lose"],
    1: ["lost customers", "lost customers", "hibernating", "at risk", "cannot lose"],
}

#: One-line suggested strategy per segment (English labels).
STRATEGIES = {
    "important value": "Keep them delighted: personal service, early access, no discounts needed.",
    "important development": "Recent big spenders who buy rarely: raise frequency with reminders and bundles.",
    "important retention": "Frequent big spenders drifting away: reach out personally before they lapse.",
    "important retention-risk": "Valuable but gone quiet and infrequent: a strong, personal offer before they go.",
    "general value": "Recent and frequent but small baskets: cross- and up-sell to grow spend.",
    "general development": "Recent small one-off buyers: onboarding and a second-purchase incentive.",
    "general retention": "Frequent small buyers drifting away: low-cost reactivation messages.",
    "general retention-risk": "Low value and lapsed: cheap automated campaigns or let go.",
    "champions": "Reward them; ask for reviews and referrals; first to try new products.",
    "loyal": "Loyalty programme and up-selling; listen to their feedback.",
    "potential loyalists": "Membership or loyalty offers to turn recent buyers into regulars.",
    "new": "Welcome series and support to secure the second purchase.",
    "promising": "Build awareness of the range; modest incentives.",
    "need attention": "Limited-time, personalised offers before they slip.",
    "about to sleep": "Recommend popular products; reconnect before they go dormant.",
    "at risk": "Personal reactivation with strong offers; find out what went wrong.",
    "cannot lose": "Win them back at almost any cost; talk to them directly.",
    "hibernating": "Low-cost reactivation; otherwise reduce spending on them.",
    "lost customers": "One last revival campaign, then stop spending on them.",
    "best customers": "Protect and reward: they buy often and spend much.",
    "frequent customers": "Grow basket size with cross-selling and bundles.",
    "spenders": "Raise purchase frequency with reminders and subscriptions.",
    "uncertain customers": "Test low-cost offers; invest only where they respond.",
    "core customers": "One-to-one strategy; most resources go to keeping and growing them (核心客户).",
    "maintain": "Valuable today but little room to grow: serve efficiently, keep them.",
    "develop": "Little value today but large potential: invest to grow the relationship.",
    "low value": "Serve at low cost; migrate up where possible.",
    "exploration": "Make the first experiences excellent; learn needs; secure the next purchases.",
    "formation": "Deepen the relationship: cross-sell, bundles, a loyalty programme.",
    "stability": "Keep them content and efficiently served; defend against competitors.",
    "decline": "Find out why; targeted win-back offers where the customer is still worth it.",
}


def _threshold(values: pd.Series, threshold) -> float:
    if threshold == "mean":
        return float(values.mean())
    if threshold == "median":
        return float(values.median())
    if isinstance(threshold, int | float):
        return float(threshold)
    raise ValueError(f"threshold must be 'mean', 'median' or a number, got {threshold!r}")


def rfm_eight_classes(scores: pd.DataFrame, threshold="mean", lang: str = "en") -> pd.Series:
    """Eight RFM classes (重要价值客户 … 一般挽留客户): R, F and M each high or low.

    This eight-cell scheme is common in Chinese CRM practice; the chapters do not give it — they
    name the RFM model only (教材 001 §3.4.2, "(1)RFM模型(RPM)", 图3.6), with no scores and no classes.
    A score is high when it is above ``threshold`` ("mean" of that score over customers, "median",
    or a number on the score scale); a score equal to the threshold counts as low.
    """
    check_lang(lang)
    _require(scores, ("R", "F", "M"), "rfm_eight_classes")
    high = {c: (scores[c] > _threshold(scores[c], threshold)).to_numpy(dtype=int) for c in ("R", "F", "M")}
    table = np.empty((2, 2, 2), dtype=object)
    for (r, f, m), name in _EIGHT.items():
        table[r, f, m] = name
    return _labelled(pd.Series(table[high["R"], high["F"], high["M"]], index=scores.index, name="segment"), lang)


def named_segments(scores: pd.DataFrame, lang: str = "en") -> pd.Series:
    """Eleven named segments (champions … lost customers) from a fixed grid of R against FM = round-half-up((F+M)/2).

    Needs 5-point scores. The grid (rows R, columns FM) is ``crmlab.segmentation._GRID``: every
    (R, FM) cell has exactly one segment, so segments never overlap. The names are practitioners'
    (not the chapters').
    """
    check_lang(lang)
    _require(scores, ("R", "F", "M"), "named_segments")
    if scores[["R", "F", "M"]].max().max() > 5 or scores[["R", "F", "M"]].min().min() < 1:
        raise ValueError("named_segments needs scores from 1 to 5 (rfm_scores with bins=5)")
    fm = np.floor((scores["F"].to_numpy() + scores["M"].to_numpy()) / 2 + 0.5).astype(int)
    table = np.empty((6, 6), dtype=object)
    for r, names in _GRID.items():
        table[r, 1:] = names
    return _labelled(pd.Series(table[scores["R"].to_numpy(dtype=int), fm], index=scores.index, name="segment"), lang)


def segment_table(segments: pd.Series, rfm: pd.DataFrame) -> pd.DataFrame:
    """Size, share of customers and revenue, mean R/F/M measures and a suggested strategy per segment."""
    _require_rfm(rfm, tuple(_MEASURES.values()), "segment_table")
    frame = rfm.assign(segment=segments.reindex(rfm.index))
    if frame["segment"].isna().any():
        raise DataError("some customers have no segment; compute segments for the same customers as rfm")
    table = frame.groupby("segment").agg(customers=("revenue", "size"), revenue=("revenue", "sum"),
                                         mean_days_since_last_purchase=("days_since_last_purchase", "mean"),
                                         mean_purchases=("purchases", "mean"), mean_revenue=("revenue", "mean"))
    table.insert(1, "customer_share", table["customers"] / len(frame))
    table.insert(3, "revenue_share", table["revenue"] / frame["revenue"].sum())
    english = {chinese: label for label, chinese in terms().items() if label in STRATEGIES}
    table["strategy"] = [STRATEGIES.get(english.get(name, name), "") for name in table.index]
    return table.sort_values("revenue", ascending=False)


# --------------------------------------------------------------------------- demographic segments

def profile_segments(customers: pd.DataFrame, by, measures) -> pd.DataFrame:
    """Segments by customer attributes (客户统计学特征, 教材 001 §3.4.2): size and the mean of each measure.

    ``customers`` has one row per customer; ``by`` names the attribute columns that define the segments
    (gender, age group, income, region, or lifestyle variables — 教材 004 §2.2.4: 文化观念, 消费收入,
    消费习俗, 生活方式); ``measures`` the numeric (or 0/1) columns to average per segment, e.g. churn and
    spend. Returns one row per segment: ``customers``, ``customer_share`` and ``mean_<measure>``; compare
    bases of segmentation with :func:`segment_spread`. Missing attribute values form their own segment
    ("(missing)") so no customer is dropped.
    """
    by = [by] if isinstance(by, str) else list(by)
    measures = [measures] if isinstance(measures, str) else list(measures)
    _require(customers, [*by, *measures], "profile_segments")
    values = customers[measures].apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any():
        bad = list(values.columns[values.isna().any()])
        raise DataError(f"profile_segments: measures {bad} have missing or non-numeric values; code them as "
                        "numbers (e.g. churn Yes/No as 1/0) and fill or drop the missing ones first")
    keys = customers[by].astype(object).where(customers[by].notna(), "(missing)")
    grouped = values.groupby([keys[c] for c in by])
    table = grouped.mean().add_prefix("mean_")
    table.insert(0, "customers", grouped.size())
    table.insert(1, "customer_share", table["customers"] / len(customers))
    return table


def segment_spread(table: pd.DataFrame, measure: str) -> float:
    """Highest minus lowest segment mean of ``measure`` in a :func:`profile_segments` table.

    A basis of segmentation is useful when the segments differ in what matters (churn, spend): the
    spread compares bases on the same measure.
    """
    column = f"mean_{measure}"
    if column not in table:
        raise MissingColumnError(f"the table has no column {column!r}; pass a profile_segments table with {measure!r}")
    return float(table[column].max() - table[column].min())


# --------------------------------------------------------------------------- matrices

def _quadrants(x: pd.Series, y: pd.Series, threshold, names, lang: str) -> pd.Series:
    check_lang(lang)
    high_x, high_y = x > _threshold(x, threshold), y > _threshold(y, threshold)
    labels = np.select([high_x & high_y, high_x & ~high_y, ~high_x & high_y], names[:3], default=names[3])
    return _labelled(pd.Series(labels, index=x.index, name="segment"), lang)


def behaviour_matrix(rfm: pd.DataFrame, threshold="median", lang: str = "en") -> pd.Series:
    """Customer behaviour matrix (客户行为矩阵模型, 教材 001 §3.4.2, 图3.7): purchase frequency × average spend.

    High/high: best customers (最好的客户); high frequency, low spend: frequent customers (经常性客户);
    low frequency, high spend: spenders (乐于消费型客户); low/low: uncertain customers (不确定型客户).
    The chapter gives the figure's caption only; the quadrant names are those of Marcus (1998, "A practical
    yet meaningful approach to customer segmentation", *Journal of Consumer Marketing* 15(5), 494-504)
    in their usual Chinese rendering, not the chapter's.
    High means above ``threshold`` ("median" by default, "mean" or a number) of the column.
    """
    _require_rfm(rfm, ("purchases", "revenue"), "behaviour_matrix")
    average = rfm["revenue"] / rfm["purchases"].where(rfm["purchases"] > 0)
    return _quadrants(rfm["purchases"], average.fillna(0.0), threshold,
                      ["best customers", "frequent customers", "spenders", "uncertain customers"], lang)


def value_matrix(current_value: pd.Series, potential_value: pd.Series, threshold="median",
                 lang: str = "en") -> pd.Series:
    """Customer value matrix (客户价值矩阵, 教材 001 §3.4.2, 图3.9): current value × potential value.

    High/high: core customers (核心客户) — 教材 004 §2.2.4: high current value and large growth
    potential, the most valuable group, served one to one. The other three names are the lab's own
    (the chapters name no other quadrant): high current, low potential: maintain (维持型客户); low
    current, high potential: develop (发展型客户); low/low: low value (低价值客户). Potential value
    is best a CLV forecast (``crmlab.clv.customer_lifetime_value``); :func:`potential_value_proxy`
    is a rough stand-in when no model is fitted.
    """
    common = current_value.index.intersection(potential_value.index)
    if len(common) < len(current_value):
        raise DataError(f"{len(current_value) - len(common):,} customers have a current but no potential value")
    return _quadrants(current_value, potential_value.reindex(current_value.index), threshold,
                      ["core customers", "maintain", "develop", "low value"], lang)


def potential_value_proxy(rfm: pd.DataFrame, active_days: int = 180) -> pd.Series:
    """A model-free stand-in for potential value: next year's revenue at the customer's own run-rate.

    Revenue per day on the books (at least 30 days) × 365 for customers who bought within the last
    ``active_days``, 0 for the others. It ignores that customers leave and regress to the mean;
    prefer a CLV forecast from :mod:`crmlab.clv` where one can be fitted.
    """
    _require_rfm(rfm, ("days_since_last_purchase", "revenue", "days_since_first_purchase"), "potential_value_proxy")
    run_rate = rfm["revenue"] / np.maximum(rfm["days_since_first_purchase"], 30) * 365.0
    return run_rate.where(rfm["days_since_last_purchase"] <= active_days, 0.0).rename("potential_value")


# --------------------------------------------------------------------------- life cycle

#: The four stages of the customer life cycle (教材 001 §3.4.2 2)(2); 教材 004 §2.2.4), in order.
LIFECYCLE_STAGES = ("exploration", "formation", "stability", "decline")


def lifecycle_stages(transactions: pd.DataFrame, *, observation_end=None, min_purchases: int = 3,
                     growth: float = 0.2, decline_factor: float = 2.0, active_days: int = 180,
                     falling: bool = False, lang: str = "en") -> pd.Series:
    """Life-cycle stage of each customer relationship: exploration, formation, stability or decline.

    教材 004 §2.2.4 names the stages and says what each is: 考察期 (exploration) the gestation of the
    relationship, 形成期 (formation) its rapid growth, 稳定期 (stability) its mature, ideal state, 退化期
    (decline) the stage where the relationship reverses. The rules that read a stage from a purchase log
    are the lab's. In this order (first match wins), on the customer's purchase days up to the end:

    1. decline (退化期) — silent for longer than ``decline_factor`` × the customer's mean interval
       between purchases (or than ``active_days`` with a single purchase);
    2. exploration (考察期) — fewer than ``min_purchases`` purchase days: too early to see a trend;
    3. formation (形成期) — the later half of the purchases shows growth: mean spend per purchase up by
       more than ``growth`` or the mean interval down by more than ``growth`` (relative to the earlier half);
    4. with ``falling=True``, decline (退化期) also when the relationship reverses while the customer still
       buys: mean spend per purchase down by more than ``growth`` or the mean interval up by more than
       ``growth`` (growth in rule 3 wins when a customer shows both);
    5. stability (稳定期) — otherwise: regular buying without growth.
    """
    check_lang(lang)
    _require(transactions, ("customer_id", "date", "amount"), "lifecycle_stages")
    log = transactions.assign(day=transactions["date"].dt.normalize())
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else log["day"].max()
    daily = (log[log["day"] <= end].groupby(["customer_id", "day"], sort=True)["amount"].sum().reset_index())
    daily["gap"] = daily.groupby("customer_id")["day"].diff().dt.days
    daily["n"] = daily.groupby("customer_id")["day"].transform("size")
    daily["later"] = daily.groupby("customer_id").cumcount() >= daily["n"] / 2
    per = daily.groupby("customer_id").agg(n=("n", "first"), last=("day", "max"), mean_gap=("gap", "mean"))
    halves = daily.groupby(["customer_id", "later"]).agg(spend=("amount", "mean"), gap=("gap", "mean")).unstack()
    silent = (end - per["last"]).dt.days
    allowed = (decline_factor * per["mean_gap"]).fillna(active_days)
    spend_up = halves[("spend", True)] > (1 + growth) * halves[("spend", False)]
    faster = halves[("gap", True)] < (1 - growth) * halves[("gap", False)]
    growing = (spend_up | faster).reindex(per.index, fill_value=False)
    spend_down = halves[("spend", True)] < (1 - growth) * halves[("spend", False)]
    slower = halves[("gap", True)] > (1 + growth) * halves[("gap", False)]
    reversing = (spend_down | slower).reindex(per.index, fill_value=False) & falling
    stages = np.select([silent > allowed, per["n"] < min_purchases, growing, reversing],
                       ["decline", "exploration", "formation", "decline"], default="stability")
    return _labelled(pd.Series(stages, index=per.index, name="stage"), lang)


def lifecycle_mix(transactions: pd.DataFrame, dates, **rules) -> pd.DataFrame:
    """Share of customers in each life-cycle stage at each snapshot date (the stage mix over time)."""
    rows = {}
    for date in pd.to_datetime(list(dates)):
        stages = lifecycle_stages(transactions, observation_end=date, **rules)
        rows[date] = stages.value_counts(normalize=True)
    mix = pd.DataFrame(rows).T.fillna(0.0)
    order = [s for s in (*LIFECYCLE_STAGES, *(term(stage, "zh") for stage in LIFECYCLE_STAGES)) if s in mix.columns]
    return mix[order].rename_axis("snapshot")


# --------------------------------------------------------------------------- clustering

@dataclass(frozen=True)
class ClusteringResult:
    """Labels, the diagnostics used to choose the number of clusters, and the cluster profiles."""

    labels: pd.Series
    diagnostics: pd.DataFrame
    profiles: pd.DataFrame
    n_clusters: int
    pipeline: object


def cluster_customers(rfm: pd.DataFrame, *, k_range=range(2, 9), method: str = "kmeans", random_state: int = 0,
                      silhouette_sample: int = 5000, lang: str = "en") -> ClusteringResult:
    """Cluster customers on log-transformed, standardised RFM values (:func:`rfm_values`) with scikit-learn.

    The data-driven counterpart of the traditional 行为聚类法 (behavioural clustering, 教材 001 §3.4.3).
    The pipeline is log1p → StandardScaler → KMeans (``method="kmeans"``, k chosen by the highest
    silhouette score) or GaussianMixture (``"gmm"``, k chosen by the lowest BIC). Each cluster is named
    from its median days since the last purchase, purchases and revenue against the overall medians
    (e.g. "recent · frequent · high spend", in ``lang``) and given the strategy of the eight-class RFM
    scheme (:func:`rfm_eight_classes`) with the same pattern.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    check_lang(lang)
    measures = list(_MEASURES.values())
    _require_rfm(rfm, measures, "cluster_customers")
    if method not in ("kmeans", "gmm"):
        raise ValueError(f"method must be 'kmeans' or 'gmm', got {method!r}")
    features = pd.DataFrame(rfm[measures]).astype("float64")
    if (features < 0).any().any() or not np.isfinite(features.to_numpy()).all():
        raise DataError(f"cluster_customers needs finite, non-negative {measures} (log1p transform)")
    if features.nunique().min() < 2:
        raise DataError(f"a column of {measures} is constant: there is nothing to cluster on")
    k_values = [k for k in k_range if 2 <= k < len(features)]
    if not k_values:
        raise ValueError(f"k_range must contain numbers of clusters between 2 and {len(features) - 1}")
    records, fitted = [], {}
    for k in k_values:
        model = KMeans(n_clusters=k, n_init=10, random_state=random_state) if method == "kmeans" else \
            GaussianMixture(n_components=k, n_init=3, random_state=random_state)
        pipeline = make_pipeline(FunctionTransformer(np.log1p), StandardScaler(), model)
        labels = pipeline.fit_predict(features)
        transformed = pipeline[:-1].transform(features)
        silhouette = silhouette_score(transformed, labels, sample_size=min(silhouette_sample, len(features)),
                                      random_state=random_state) if len(set(labels)) > 1 else np.nan
        record = {"k": k, "silhouette": silhouette}
        record["inertia" if method == "kmeans" else "bic"] = model.inertia_ if method == "kmeans" \
            else model.bic(transformed)
        records.append(record)
        fitted[k] = (pipeline, labels)
    diagnostics = pd.DataFrame(records).set_index("k")
    best = int(diagnostics["silhouette"].idxmax() if method == "kmeans" else diagnostics["bic"].idxmin())
    pipeline, labels = fitted[best]
    labels = pd.Series(labels, index=features.index, name="cluster")
    profiles = features.groupby(labels).median().assign(customers=labels.value_counts())
    medians = features.median()
    pattern = [(int(row.days_since_last_purchase <= medians["days_since_last_purchase"]),
                int(row.purchases > medians["purchases"]), int(row.revenue > medians["revenue"]))
               for row in profiles.itertuples()]
    words = [["recent" if r else "lapsed", "frequent" if f else "rare", "high spend" if m else "low spend"]
             for r, f, m in pattern]
    profiles["name"] = [" · ".join(term(part, lang) for part in parts) for parts in words]
    # the strategy of the eight-class scheme's class with the same high/low recency, frequency and spend
    profiles["strategy"] = [STRATEGIES[_EIGHT[key]] for key in pattern]
    return ClusteringResult(labels, diagnostics, profiles, best, pipeline)


def migration_matrix(before: pd.Series, after: pd.Series, normalize: bool = False) -> pd.DataFrame:
    """Customers by segment in one period (rows) and the next (columns); absent customers are "(absent)".

    With ``normalize=True`` each row gives the shares of the row's customers (transition probabilities).
    """
    customers = before.index.union(after.index)
    frame = pd.DataFrame({"before": before.reindex(customers).fillna("(absent)"),
                          "after": after.reindex(customers).fillna("(absent)")})
    return pd.crosstab(frame["before"], frame["after"], normalize="index" if normalize else False)

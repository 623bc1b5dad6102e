"""Building a satisfaction measurement: factors, the indicator system, the questionnaire, survey waves.

Textbook 003 §2.2.2–§2.2.6 and 001 §3.5.3 (图3.15 顾客满意度测评流程). The functions follow the chapter's
workflow (:func:`measurement_workflow`):

* **Five factors and the barrel principle** (影响客户满意的因素, 木桶原理, 003 §2.2.2): satisfaction is
  shaped by the firm (企业因素), the product (产品因素), the marketing and service system (营销与服务体系),
  communication (沟通因素) and customer care (客户关怀). Like a barrel that holds water only up to its
  shortest stave, the satisfaction a firm can reach is capped by its weakest link or department:
  :func:`barrel_score`.
* **The indicator system in four steps** (客户满意度测评指标体系的建立, 003 §2.2.3): ask the questions,
  collect data, build the industry's factor system, then the firm's indicator system — drop factors
  highly correlated with another, drop factors with little bearing on satisfaction, order the rest by
  weight: :func:`select_indicators`.
* **The questionnaire** (设计问卷, 003 §2.2.4): answers on a five-level Likert scale (李克特量表) from
  非常不满意 to 非常满意 are assigned values (赋值) and placed on a scale (定位): :func:`likert_scores`,
  :func:`rescale_to_100`; survey modes: :func:`survey_modes`.
* **PDCA** (戴明环, 003 §2.2.6 2)): the indicator system is the plan (P), the survey the doing (D); the
  next survey wave checks (C) whether the improvements worked, and the result is acted on (A) —
  :func:`wave_comparison`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["SATISFACTION_FACTORS", "LIKERT_LABELS", "BarrelScore", "barrel_score", "IndicatorSelection",
           "select_indicators", "likert_scores", "rescale_to_100", "survey_modes", "measurement_workflow",
           "wave_comparison"]

#: The five factors of satisfaction in 003 §2.2.2, in the textbook's order.
SATISFACTION_FACTORS = ("firm", "product", "marketing and service system", "communication", "customer care")
#: A five-level Likert scale, lowest first. The text names only the two ends (非常不满意, 非常满意); the
#: three middle labels are ours.
LIKERT_LABELS = {"en": ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
                 "zh": ("非常不满意", "不满意", "一般", "满意", "非常满意")}


def _numeric(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise DataError(f"{what} must be a non-empty DataFrame of respondents (rows) × items (columns)")
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna()
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise DataError(f"{what} has {int(bad.to_numpy().sum())} missing or non-numeric values, e.g. "
                        f"{frame.iat[row, column]!r} (respondent {frame.index[row]!r}, item {frame.columns[column]!r});"
                        " drop or impute them first")
    return numeric.astype("float64")


@dataclass(frozen=True)
class BarrelScore:
    """The barrel principle on a survey: per respondent and per link (see :func:`barrel_score`)."""

    respondents: pd.DataFrame
    links: pd.DataFrame

    @property
    def weakest_link(self) -> str:
        """The link with the lowest mean score: the shortest stave of the barrel."""
        return str(self.links["mean_score"].idxmin())

    def summary(self) -> pd.DataFrame:
        """Mean over respondents of their mean score, their weakest-link score and the gap between them."""
        means = self.respondents[["mean_score", "weakest_score", "shortfall"]].mean()
        return means.to_frame("mean over respondents")


def barrel_score(scores: pd.DataFrame, links: Mapping[str, str] | None = None) -> BarrelScore:
    """The barrel principle (木桶原理, 003 §2.2.2): the weakest link caps the satisfaction a firm can reach.

    ``scores``: respondents × items, numeric ratings of the links (departments, touchpoints or the five
    factors). ``links`` optionally maps each item to its link (e.g. item → one of
    :data:`SATISFACTION_FACTORS`); a respondent's link score is then the mean of its items.

    Returns a :class:`BarrelScore` with

    * ``respondents``: ``mean_score`` over links, ``weakest_score`` (the barrel's height for that customer),
      ``weakest_link`` (first in column order when tied) and ``shortfall`` = mean_score − weakest_score;
    * ``links``: each link's ``mean_score`` and ``weakest_share`` — the share of respondents for whom it is the
      weakest link (a respondent tied between k links counts 1/k for each, so the shares add up to 1) —
      lowest mean first.
    """
    numeric = _numeric(scores, "scores")
    if links is not None:
        unmapped = [item for item in numeric.columns if item not in links]
        if unmapped:
            raise DataError(f"links gives no link for the items {unmapped}; map every column of scores")
        numeric = numeric.T.groupby(numeric.columns.map(links), sort=False).mean().T
    if numeric.shape[1] < 2:
        raise DataError("the barrel principle compares at least two links; scores has only one")
    values = numeric.to_numpy()
    minimum = values.min(axis=1)
    tied = np.isclose(values, minimum[:, None], rtol=0.0, atol=1e-12)
    respondents = pd.DataFrame({"mean_score": values.mean(axis=1), "weakest_score": minimum,
                                "weakest_link": numeric.columns[tied.argmax(axis=1)],
                                "shortfall": values.mean(axis=1) - minimum}, index=numeric.index)
    share = (tied / tied.sum(axis=1, keepdims=True)).mean(axis=0)
    table = pd.DataFrame({"mean_score": values.mean(axis=0), "weakest_share": share}, index=numeric.columns)
    table.index.name = "link"
    return BarrelScore(respondents=respondents, links=table.sort_values("mean_score", kind="stable"))


@dataclass(frozen=True)
class IndicatorSelection:
    """The firm's indicator system chosen from the industry's factors (see :func:`select_indicators`)."""

    kept: pd.DataFrame
    dropped: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Every candidate factor once: ``"selected"`` with its weight, or ``"removed"`` with the reason (weight 0)."""
        kept = self.kept.assign(decision="selected", reason="", related_to="")
        dropped = self.dropped.assign(decision="removed", weight=0.0)
        return pd.concat([kept, dropped])[["decision", "relevance", "weight", "reason", "related_to"]]


def select_indicators(items: pd.DataFrame, overall: pd.Series, *, max_correlation: float = 0.8,
                      min_relevance: float = 0.3) -> IndicatorSelection:
    """The firm's satisfaction indicator system from the industry's candidate factors (003 §2.2.3 (4)).

    ``items``: respondents × candidate factors (numeric ratings, negatively worded items reverse-coded);
    ``overall``: overall satisfaction of the same respondents. The relevance r_j of a factor is its
    Pearson correlation with overall satisfaction. Following the chapter's three moves:

    1. drop factors highly correlated with another (|r_jk| > ``max_correlation``), keeping the one more
       relevant to satisfaction — e.g. "is the assortment complete?" and "can you buy the goods you
       need?" measure nearly the same thing, so only one stays. Factors are visited from the most
       relevant down, and each is dropped if it is too close to one already kept;
    2. drop factors with relevance below ``min_relevance`` (noise factors, 噪声因素 — e.g. after-sales
       service for fast-moving consumer goods);
    3. order the rest by relevance; ``weight`` = r_j / Σ r_k.

    Returns an :class:`IndicatorSelection`: ``kept`` (relevance, weight; most relevant first) and
    ``dropped`` (relevance, ``reason``, ``related_to`` and ``value``: ``"redundant"`` with the kept factor it
    duplicates and their correlation, or ``"weakly related"`` with its relevance). Every candidate ends in
    exactly one of them. The chapter's auxiliary indicators (辅助指标:
    repurchase intention, loyalty) and relative indicators (相对指标: competitors' satisfaction) are added
    to the system afterwards; they are not chosen by this rule.
    """
    numeric = _numeric(items, "items")
    if not 0 < max_correlation <= 1 or not -1 <= min_relevance < 1:
        raise ValueError(f"max_correlation must be in (0, 1] and min_relevance in [-1, 1), got "
                         f"{max_correlation!r} and {min_relevance!r}")
    target = pd.to_numeric(overall, errors="coerce") if isinstance(overall, pd.Series) else None
    if target is None or not target.index.equals(numeric.index) or target.isna().any():
        raise DataError("overall must be a numeric Series of overall satisfaction for the same respondents as items "
                        "(same index, no missing values)")
    if len(numeric) < 3:
        raise DataError(f"correlations need at least 3 respondents, got {len(numeric)}")
    constant = [c for c in numeric.columns if numeric[c].nunique() < 2]
    if constant or target.nunique() < 2:
        what = f"the items {constant}" if constant else "overall satisfaction"
        raise DataError(f"{what} take a single value, so their correlation is undefined; remove them")
    relevance = numeric.corrwith(target)
    correlations = numeric.corr()
    kept: list[str] = []
    dropped: dict[str, tuple] = {}
    for item in relevance.sort_values(ascending=False, kind="stable").index:
        close = [other for other in kept if abs(correlations.loc[item, other]) > max_correlation]
        if close:
            dropped[item] = ("redundant", close[0], float(correlations.loc[item, close[0]]))
        else:
            kept.append(item)
    for item in [k for k in kept if relevance[k] < min_relevance]:
        kept.remove(item)
        dropped[item] = ("weakly related", "", float(relevance[item]))
    kept_table = pd.DataFrame({"relevance": relevance[kept]})
    kept_table["weight"] = kept_table["relevance"] / kept_table["relevance"].sum()
    dropped_table = pd.DataFrame.from_dict(dropped, orient="index", columns=["reason", "related_to", "value"])
    dropped_table.insert(0, "relevance", relevance[dropped_table.index])
    for table in (kept_table, dropped_table):
        table.index.name = "factor"
    return IndicatorSelection(kept=kept_table, dropped=dropped_table)


def likert_scores(answers: pd.DataFrame, labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Code labelled answers as numbers 1…k (赋值, 003 §2.2.4 (2)).

    ``labels``: the answer labels from the lowest to the highest level. By default the five levels of
    :data:`LIKERT_LABELS` in English or Chinese are both understood (and numbers already coded 1–5 are
    kept). An answer that is not a label is an error naming the respondent and the item.
    """
    if not isinstance(answers, pd.DataFrame) or answers.empty:
        raise DataError("answers must be a non-empty DataFrame of respondents (rows) × questions (columns)")
    if labels is None:
        codes = {label: level for scale in LIKERT_LABELS.values() for level, label in enumerate(scale, start=1)}
        k = 5
    else:
        labels = list(labels)
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be at least two distinct answers, lowest first, got {labels!r}")
        codes = {label: level for level, label in enumerate(labels, start=1)}
        k = len(labels)
    levels = set(range(1, k + 1))

    def code(value):
        if isinstance(value, str):
            return codes.get(value.strip(), np.nan)
        if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool) \
                and value in levels:
            return float(value)
        return np.nan

    coded = answers.map(code)
    bad = coded.isna()
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise DataError(f"{int(bad.to_numpy().sum())} answers are not on the scale, e.g. {answers.iat[row, column]!r} "
                        f"(respondent {answers.index[row]!r}, question {answers.columns[column]!r}); the scale is "
                        f"{list(codes)[:k] if labels is not None else list(LIKERT_LABELS['en'])} (or its Chinese "
                        "labels, or the numbers 1-5)")
    return coded.astype("int64")


def rescale_to_100(scores, scale: tuple[float, float] = (1, 5)):
    """Scores on ``scale`` (lowest, highest) as an index from 0 to 100: (x − lowest) / (highest − lowest) × 100.

    On the five-level scale the levels 1…5 become 0, 25, 50, 75, 100. Works on numbers, Series and
    DataFrames; scores outside the scale are an error.
    """
    low, high = (float(v) for v in scale)
    if not high > low:
        raise ValueError(f"scale must be (lowest, highest) with highest > lowest, got {scale!r}")
    if isinstance(scores, pd.DataFrame):
        numeric = scores.apply(pd.to_numeric, errors="coerce")
    else:
        flat = scores if isinstance(scores, pd.Series) else pd.Series(np.ravel(np.asarray(scores, dtype=object)))
        numeric = pd.to_numeric(flat, errors="coerce")
    outside = numeric.isna() | (numeric < low) | (numeric > high)
    if outside.to_numpy().any():
        raise DataError(f"{int(outside.to_numpy().sum())} scores are missing or outside the scale {low:g}-{high:g}")
    index = (numeric.astype("float64") - low) / (high - low) * 100
    if isinstance(scores, pd.DataFrame | pd.Series):
        return index
    return float(index.iat[0]) if np.ndim(scores) == 0 else index.to_numpy().reshape(np.shape(scores))


def survey_modes() -> pd.DataFrame:
    """The four survey modes of 003 §2.2.4 (1) and what the chapter says of each.

    Columns: ``speed``, ``cost``, ``accuracy``, ``suited_to`` and ``drawback``; ``"not stated"`` where the
    chapter is silent. On-site (现场发放: information not very accurate), mail (邮寄: "比较准确", fairly
    accurate, but dear and slow, at most once or twice a year), telephone (电话: for stable customer groups
    that buy often; fast, shows care and "效果较好" — works well, which is not a claim about accuracy — but
    may annoy) and online (网上: cheap and fast, reaches internet users only, so biased).
    """
    rows = {
        "on-site questionnaire": ("fast", "low (small gifts)", "low", "customers gathered at events",
                                  "customers hard to tell from prospects"),
        "mail questionnaire": ("slow (at most 1-2 a year)", "high", "fairly accurate", "long questionnaires",
                               "expensive, long cycle"),
        "telephone survey": ("fast", "not stated", "not stated", "stable customers who buy often (works well)",
                             "may disturb customers; keep it short"),
        "online questionnaire": ("fast", "low", "not stated", "internet users; draws public attention",
                                 "misses customers offline: biased"),
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["speed", "cost", "accuracy", "suited_to",
                                                                  "drawback"])
    table.index.name = "survey_mode"
    return table


def measurement_workflow() -> pd.DataFrame:
    """The satisfaction measurement workflow, step by step, with its PDCA stage and textbook section.

    Our reading of 001 图3.15 (顾客满意度测评流程, caption only in the file) filled in from 003 §2.2.3–§2.2.6:
    the indicator system is the plan (P), the survey plan and its execution the doing (D) — as 003 §2.2.6
    says — the analysis of the results against the goals the check (C), and the improvement plan the
    act (A) that starts the next cycle.
    """
    steps = [("define the questions", "plan", "003 §2.2.3 (1)"),
             ("collect data", "plan", "003 §2.2.3 (2)"),
             ("build the industry's factor system", "plan", "003 §2.2.3 (3)"),
             ("build the firm's indicator system", "plan", "003 §2.2.3 (4)"),
             ("plan the survey and design the questionnaire", "do", "003 §2.2.4"),
             ("carry out the survey and write the report", "do", "003 §2.2.5"),
             ("compare importance and satisfaction with the goals", "check", "003 §2.2.6 1)"),
             ("improve, standardise, start the next cycle", "act", "003 §2.2.6 2)")]
    table = pd.DataFrame(steps, columns=["workflow_step", "pdca", "textbook_section"],
                         index=pd.RangeIndex(1, len(steps) + 1, name="step_number"))
    return table


def wave_comparison(before: pd.DataFrame, after: pd.DataFrame, *, targets=None) -> pd.DataFrame:
    """Check (the C of PDCA): two survey waves of :func:`~crmlab.satisfaction.importance_performance`.

    Per attribute: ``zone_before``, ``zone_after``, ``performance_before``, ``performance_after`` and
    ``change``; with ``targets`` (a number, or a Series per attribute) also ``target`` and ``target_met``
    (performance after >= target). The two waves must rate the same attributes.
    """
    for name, table in (("before", before), ("after", after)):
        if not isinstance(table, pd.DataFrame) or not {"performance", "zone"} <= set(table.columns):
            raise DataError(f"{name} must be a table of importance_performance (columns performance and zone)")
    if set(before.index) != set(after.index):
        only_before = sorted(set(before.index) - set(after.index))
        only_after = sorted(set(after.index) - set(before.index))
        raise DataError(f"the waves rate different attributes: only before {only_before}, only after {only_after}")
    after = after.loc[before.index]
    table = pd.DataFrame({"zone_before": before["zone"], "zone_after": after["zone"],
                          "performance_before": before["performance"], "performance_after": after["performance"]})
    table["change"] = table["performance_after"] - table["performance_before"]
    if targets is not None:
        goal = pd.Series(targets, index=table.index) if np.ndim(targets) == 0 else pd.Series(targets)
        goal = pd.to_numeric(goal.reindex(table.index), errors="coerce")
        if goal.isna().any():
            raise DataError(f"no numeric target for {list(goal.index[goal.isna()])}")
        table["target"] = goal
        table["target_met"] = table["performance_after"] >= goal
    table.index.name = "attribute"
    return table

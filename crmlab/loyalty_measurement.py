"""Measuring customer loyalty (客户忠诚度): the ladder, the types, the eight measures and the four-step evaluation.

The chapters describe loyalty from several sides, and this module makes each side computable:

* the loyalty ladder of 教材 000 (客户忠诚阶梯: 采购者 → 客户 → 支持者 → 倡导者 → 伙伴, from one-off
  transactions to long-term loyalty; 教材 001 §3.4.2 2)(1), 图3.8) — :func:`loyalty_ladder`. It is not
  003's loyalty classes (潜在/新/常/老/忠诚客户, :func:`crmlab.value.loyalty_classes`);
* loyalty as attitude (态度取向) and as repeat behaviour (行为重复) (教材 001 §3.6.1 1); 教材 003 §2.3.1:
  意愿 and 行为), and the six types of loyalty by their source (教材 001 §3.6.1 2), 图3.18) —
  :data:`LOYALTY_TYPES` and :func:`attitude_behaviour_matrix`;
* the eight measures of 教材 003 §2.3.1 (:data:`LOYALTY_MEASURES`): three can be read from a purchase log
  (:func:`loyalty_measures`), five need a survey (:func:`simulate_loyalty_survey` makes a labelled teaching
  stand-in), and the chapter asks for them to be weighted;
* the four-step evaluation of 教材 001 §3.6.3 3) (图3.20): indicators, their split into objective and
  subjective ones, the objective and the subjective score — :func:`loyalty_evaluation`, which weights each
  group with :func:`crmlab.satisfaction.loyalty.loyalty_index`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError, MissingColumnError
from .i18n import check_lang, term

__all__ = ["LOYALTY_LADDER", "loyalty_ladder", "LOYALTY_TYPES", "attitude_behaviour_matrix", "LOYALTY_MEASURES",
           "return_events", "LoyaltyMeasures", "loyalty_measures", "simulate_loyalty_survey", "loyalty_evaluation"]

#: The rungs of 教材 000's customer loyalty ladder, bottom (one-off transaction) to top (long-term loyalty).
LOYALTY_LADDER = ("purchaser", "customer", "supporter", "advocate", "partner")


def _series(values, name: str, index: pd.Index) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by customer, not {type(values).__name__}")
    if not values.index.is_unique:
        raise DataError(f"{name} has duplicated customer ids; give one value per customer")
    unknown = values.index.difference(index)
    if len(unknown):
        raise DataError(f"{name} has {len(unknown):,} customers without purchases (e.g. {list(unknown[:3])}); the "
                        "ladder starts at the first purchase — prospects are 003's 潜在客户, not a rung")
    return values.reindex(index)


def _flag(values: pd.Series, name: str) -> pd.Series:
    """True/False where answered, NaN where not asked; anything else is an error."""
    answered = values.dropna()
    if not answered.isin([True, False, 0, 1]).all():
        raise DataError(f"{name} must be True/False (or 1/0) per customer, NaN where not known; "
                        f"got {list(answered[~answered.isin([True, False])].unique()[:5])}")
    return values.map(lambda v: v if pd.isna(v) else bool(v)).astype(object)


def loyalty_ladder(purchases: pd.Series, *, attitude: pd.Series | None = None, attitude_threshold: float | None = None,
                   recommends: pd.Series | None = None, partner: pd.Series | None = None,
                   lang: str = "en") -> pd.DataFrame:
    """Each customer's rung on the customer loyalty ladder (客户忠诚阶梯, 教材 000; 教材 001 图3.8).

    The chapters give the five rungs as a picture only; the rules that place a customer are ours, and
    each rung needs the one below it:

    1. purchaser (采购者) — has bought once (a one-off transaction);
    2. customer (客户) — has bought at least twice;
    3. supporter (支持者) — a customer whose ``attitude`` score is at least ``attitude_threshold``;
    4. advocate (倡导者) — a supporter who ``recommends`` the firm to others;
    5. partner (伙伴) — an advocate in a ``partner`` relationship (a contract, co-development, …).

    Purchases come from the log; the upper rungs need what a log cannot show (attitude, recommending,
    partnership). Customers without those answers (not surveyed: NaN) stay on the rung their purchases
    give, and the table says so (``surveyed``). Without ``attitude`` nobody climbs above "customer".

    Parameters
    ----------
    purchases : Series
        Purchases (e.g. purchase days) per customer, each at least 1.
    attitude : Series, optional
        An attitude score per customer (e.g. a 0-100 subjective loyalty score); needs ``attitude_threshold``.
    recommends, partner : Series, optional
        True/False per customer, NaN where unknown.
    lang : {"en", "zh"}
        Language of the rung labels.

    Returns
    -------
    DataFrame indexed by customer: ``purchases``, the answers given, ``surveyed`` and ``rung``.
    """
    check_lang(lang)
    if not isinstance(purchases, pd.Series):
        raise TypeError(f"purchases must be a pandas Series indexed by customer, not {type(purchases).__name__}")
    count = pd.to_numeric(purchases, errors="coerce")
    if count.isna().any() or (count < 1).any():
        bad = purchases.index[count.isna() | (count < 1)]
        raise DataError(f"{len(bad):,} customers have no valid purchase count >= 1 (e.g. {list(bad[:3])}); the "
                        "ladder starts at the first purchase")
    table = pd.DataFrame({"purchases": count})
    rung = np.where(count >= 2, 1, 0)
    surveyed = pd.Series(False, index=count.index)
    if attitude is not None:
        if attitude_threshold is None:
            raise ValueError("give attitude_threshold: the attitude score from which a repeat customer counts as a "
                             "supporter, on the scale of your attitude scores")
        table["attitude"] = pd.to_numeric(_series(attitude, "attitude", count.index), errors="coerce")
        surveyed = table["attitude"].notna()
        climbs = (rung == 1) & (table["attitude"] >= attitude_threshold).to_numpy()
        if recommends is not None:
            table["recommends"] = _flag(_series(recommends, "recommends", count.index), "recommends")
            advocates = climbs & table["recommends"].eq(True).to_numpy()
            if partner is not None:
                table["partner"] = _flag(_series(partner, "partner", count.index), "partner")
                rung = np.where(advocates & table["partner"].eq(True).to_numpy(), 4, rung)
            rung = np.where(advocates & (rung < 4), 3, rung)
        rung = np.where(climbs & (rung < 3), 2, rung)
    elif recommends is not None or partner is not None:
        raise ValueError("recommends and partner place customers above 'supporter', which needs attitude")
    table["surveyed"] = surveyed.to_numpy()
    table["rung"] = [term(label, lang) for label in np.asarray(LOYALTY_LADDER, dtype=object)[rung]]
    return table


#: The six loyalty types of 教材 001 §3.6.1 2) with their place in 图3.18 (durability × the customer's
#: dependence, 1 = low … 3 = high) and the attitude/repeat-behaviour pattern each shows. The figure's
#: content is missing from the chapter file: the scores are the lab's reading of the types, not the
#: chapter's figure.
LOYALTY_TYPES = pd.DataFrame(
    [("monopoly loyalty", 2, 3, "low", "high", "no alternative supplier: buys here because it must"),
     ("kinship monopoly", 2, 3, "neutral", "high", "a tie (group company, family, employer) fixes the supplier"),
     ("incentive loyalty", 1, 1, "low", "high", "stays for discounts and rewards; leaves when they stop"),
     ("inertia loyalty", 2, 1, "low", "high", "habit and convenience; a better offer moves the customer"),
     ("trust loyalty", 3, 3, "high", "high", "satisfaction and trust: prefers the firm and keeps buying"),
     ("latent loyalty", 3, 2, "high", "low", "prefers the firm but cannot buy more (money, access, need)")],
    columns=["type", "durability", "dependence", "attitude", "repeat_behaviour", "source"]).set_index("type")


def attitude_behaviour_matrix(evaluation: pd.DataFrame, threshold: float = 50.0, lang: str = "en") -> pd.Series:
    """Customers by attitude (subjective score) and repeat behaviour (objective score), Dick & Basu (1994).

    The chapters define loyalty by both sides (教材 001 §3.6.1 1): 态度取向 and 行为重复; 教材 003 §2.3.1:
    意愿 and 行为): high on both is true loyalty (真正忠诚); a good attitude without the purchases is latent
    loyalty (潜在忠诚, one of 001's six types); purchases without the attitude are spurious loyalty (虚假忠诚
    — inertia, incentive and monopoly loyalty look like this); low on both, no loyalty (不忠诚). The four
    names are Dick & Basu's ("Customer loyalty: toward an integrated conceptual framework", *Journal of the
    Academy of Marketing Science* 22(2), 1994), not the chapters'.

    ``evaluation`` has ``objective_score`` and ``subjective_score`` on 0-100 (:func:`loyalty_evaluation`);
    a score above ``threshold`` is high.
    """
    check_lang(lang)
    missing = [c for c in ("objective_score", "subjective_score") if c not in evaluation]
    if missing:
        raise MissingColumnError(f"attitude_behaviour_matrix needs {missing}; pass the output of loyalty_evaluation")
    behaviour = evaluation["objective_score"] > threshold
    attitude = evaluation["subjective_score"] > threshold
    labels = np.select([attitude & behaviour, attitude & ~behaviour, ~attitude & behaviour],
                       ["true loyalty", "latent loyalty", "spurious loyalty"], default="no loyalty")
    return pd.Series([term(label, lang) for label in labels], index=evaluation.index, name="loyalty_pattern",
                     dtype=object)


#: The eight measures of loyalty of 教材 003 §2.3.1 (1)-(8): where each can come from and which direction
#: means more loyal. The log-based ones are computed by :func:`loyalty_measures`.
LOYALTY_MEASURES = pd.DataFrame(
    [(1, "repeat_purchases", "log", "the higher"),
     (2, "share_of_requirement", "survey", "the higher"),
     (3, "attention", "survey", "the higher"),
     (4, "choice_time", "survey", "the lower"),
     (5, "price_sensitivity", "log", "the lower"),
     (6, "preference_for_competitors", "survey", "the lower"),
     (7, "tolerance", "log", "the higher"),
     (8, "endorsement", "survey", "the higher")],
    columns=["number", "measure", "source", "more_loyal_when"]).set_index("number")

_RETURN_REASONS = ("cancellation", "cancellation_netted", "cancellation_unmatched")


def return_events(raw: pd.DataFrame, log: pd.DataFrame, report, columns) -> pd.DataFrame:
    """Customer and day of every cancellation or return line that :func:`crmlab.transactions.clean` set aside.

    ``raw`` is the log as read, ``log`` and ``report`` what ``clean(raw, columns, ...)`` returned, ``columns``
    the :class:`crmlab.transactions.ColumnMap` used. The report names the rows dropped as cancellations
    (netted, unmatched, or dropped by policy); their customers are given the ids of the clean log (mapped
    through the rows both share), and lines whose customer never bought anything are left out (they are no
    customer of the clean log). Returns ``customer_id`` and ``date`` (day), one row per return line.
    """
    if getattr(report, "dropped_rows", None) is None:
        raise DataError("return_events needs the report of crmlab.transactions.clean (validate() drops nothing)")
    for role in ("customer", "date"):
        if getattr(columns, role, None) not in raw:
            raise MissingColumnError(f"raw has no {role} column {getattr(columns, role, None)!r} (from columns)")
    rows = report.dropped_rows.index[report.dropped_rows.isin(_RETURN_REASONS)]
    ids = pd.Series(log["customer_id"].to_numpy(), index=raw.loc[log.index, columns.customer].to_numpy())
    ids = ids[~ids.index.duplicated()]
    customers = raw.loc[rows, columns.customer].map(ids)
    dates = pd.to_datetime(raw.loc[rows, columns.date], errors="coerce")
    if dates[customers.notna()].isna().any():
        raise DataError(f"{int(dates[customers.notna()].isna().sum()):,} return lines have dates that cannot be read")
    known = customers.notna()
    events = pd.DataFrame({"customer_id": customers[known].astype(log["customer_id"].dtype),
                           "date": dates[known].dt.normalize()})
    return events.reset_index(drop=True)


@dataclass(frozen=True)
class LoyaltyMeasures:
    """The log-based loyalty measures per customer, and why some are undefined for some customers.

    ``values``: customers × measures (NaN where a measure is undefined); ``undefined``: one row per
    measure and reason, with the number of customers — every NaN in ``values`` is counted there.
    """

    values: pd.DataFrame
    undefined: pd.DataFrame


def _price_sensitivity(log: pd.DataFrame, min_price_change: float) -> pd.Series:
    """Minus the pooled within customer × product slope of log quantity on log unit price, per customer."""
    lines = log[(log["quantity"] > 0) & (log["price"] > 0)]
    x, y = np.log(lines["price"].astype("float64")), np.log(lines["quantity"].astype("float64"))
    keys = [lines["customer_id"], lines["product"]]
    varies = (x.groupby(keys).transform("max") - x.groupby(keys).transform("min")) > np.log1p(min_price_change)
    x, y, lines = x[varies], y[varies], lines[varies]
    keys = [lines["customer_id"], lines["product"]]
    dx = x - x.groupby(keys).transform("mean")
    dy = y - y.groupby(keys).transform("mean")
    totals = pd.DataFrame({"sxy": dx * dy, "sxx": dx * dx, "customer_id": lines["customer_id"]}).groupby(
        "customer_id")[["sxy", "sxx"]].sum()
    return -totals["sxy"] / totals["sxx"]


def loyalty_measures(transactions: pd.DataFrame, *, returns: pd.DataFrame | None = None,
                     min_price_change: float = 0.05, observation_end=None) -> LoyaltyMeasures:
    """The loyalty measures of 教材 003 §2.3.1 that a purchase log can show, per customer.

    * (1) ``repeat_purchases`` — purchase days − 1 ("客户重复购买的次数"); with a ``product`` column also
      ``products``, the number of different products bought (the chapter counts repeat buying of a firm's
      different products as loyalty too);
    * (5) ``price_sensitivity`` — how strongly the quantity a customer buys of a product falls when its unit
      price is higher: minus the slope of log quantity on log unit price within customer × product (pooled
      over the customer's products), β̂ = −Σ(x−x̄)(y−ȳ)/Σ(x−x̄)²; lower is more loyal ("对产品价格的敏感程度").
      Needs ``quantity``, ``price`` and ``product``; only products the customer bought at unit prices differing
      by more than ``min_price_change`` (5 %) count, so rounding of prices does not make huge slopes; undefined
      for customers without such a product. Where the price list gives quantity discounts (Online Retail
      does), unit price falls with the quantity ordered, so the slope mixes the customer's response with the
      price list: compare customers, do not read it as a demand elasticity;
    * (7) ``tolerance`` — 1 if the customer bought again after their first cancellation or return, 0 if not
      ("对产品质量事故的承受能力"); undefined for customers who never returned anything. Needs ``returns``
      (:func:`return_events`). A return on the last days of the log leaves little time to come back.

    The other five measures ((2) share of requirement, (3) attention, (4) choice time, (6) attitude to
    competing products, (8) endorsement) need survey or web data.
    """
    missing = [c for c in ("customer_id", "date") if c not in transactions]
    if missing:
        raise MissingColumnError(f"loyalty_measures needs columns customer_id and date; missing {missing}")
    if len(transactions) == 0:
        raise DataError("loyalty_measures: the transaction log is empty")
    if not min_price_change >= 0:
        raise ValueError(f"min_price_change is a relative price difference >= 0, got {min_price_change}")
    log = transactions.assign(day=transactions["date"].dt.normalize())
    if observation_end is not None:
        log = log[log["day"] <= pd.Timestamp(observation_end).normalize()]
    grouped = log.groupby("customer_id", sort=True)
    values = pd.DataFrame({"repeat_purchases": grouped["day"].nunique() - 1})
    if "product" in log:
        values["products"] = grouped["product"].nunique()
    undefined = []
    if all(c in log for c in ("quantity", "price", "product")):
        values["price_sensitivity"] = _price_sensitivity(log, min_price_change).reindex(values.index)
        reason = f"no product bought at unit prices more than {min_price_change:.0%} apart"
        undefined.append(("price_sensitivity", reason, int(values["price_sensitivity"].isna().sum())))
    else:
        values["price_sensitivity"] = np.nan
        undefined.append(("price_sensitivity", "the log has no quantity, price and product columns", len(values)))
    if returns is None:
        values["tolerance"] = np.nan
        undefined.append(("tolerance", "no return events given (returns=None)", len(values)))
    else:
        missing = [c for c in ("customer_id", "date") if c not in returns]
        if missing:
            raise MissingColumnError("returns needs columns customer_id and date (see return_events); "
                                     f"missing {missing}")
        first_return = returns.groupby("customer_id")["date"].min().reindex(values.index)
        last_purchase = grouped["day"].max()
        values["tolerance"] = (last_purchase > first_return.dt.normalize()).astype("float64").where(
            first_return.notna())
        undefined.append(("tolerance", "never cancelled or returned anything", int(first_return.isna().sum())))
    table = pd.DataFrame(undefined, columns=["measure", "reason", "customers"])
    return LoyaltyMeasures(values=values, undefined=table[table["customers"] > 0].reset_index(drop=True))


def simulate_loyalty_survey(behaviour: pd.Series, *, correlation: float = 0.6, seed=None) -> pd.DataFrame:
    """A simulated loyalty survey for teaching: the five measures of 教材 003 §2.3.1 that a log cannot show.

    **Simulated data, not answers of real customers.** Each customer gets a latent attitude
    a = ρ·z + √(1−ρ²)·ε, where z is the normal score of the customer's rank on ``behaviour`` (e.g. repeat
    purchases: behaviour and attitude go together only partly, ρ = ``correlation``) and ε ~ N(0, 1). From it:

    * (2) ``share_of_requirement`` = 1 / (1 + exp(−(a + u))), u ~ N(0, 0.5²) — share of the customer's need
      bought here;
    * (3) ``attention``, (8) ``endorsement`` — 1-5 ratings, round(3 + a + N(0, 0.7²)) clipped to 1-5;
    * (4) ``choice_time`` — minutes taken to choose, 10·exp(−0.5 a + N(0, 0.3²)) (shorter = more loyal);
    * (6) ``preference_for_competitors`` — 1-5, round(3 − a + N(0, 0.7²)) clipped (lower = more loyal).
    """
    if not isinstance(behaviour, pd.Series) or len(behaviour) < 2:
        raise DataError("behaviour must be a Series with a value for at least two customers")
    if not -1 <= correlation <= 1:
        raise ValueError(f"correlation must lie in [-1, 1], got {correlation}")
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    n = len(behaviour)
    z = norm.ppf(pd.to_numeric(behaviour, errors="raise").rank(method="average").to_numpy() / (n + 1))
    attitude = correlation * z + np.sqrt(1 - correlation**2) * rng.standard_normal(n)

    def rating(centre: np.ndarray) -> np.ndarray:
        return np.clip(np.round(centre + rng.normal(0, 0.7, n)), 1, 5).astype("int64")

    return pd.DataFrame({
        "share_of_requirement": 1 / (1 + np.exp(-(attitude + rng.normal(0, 0.5, n)))),
        "attention": rating(3 + attitude),
        "choice_time": 10 * np.exp(-0.5 * attitude + rng.normal(0, 0.3, n)),
        "preference_for_competitors": rating(3 - attitude),
        "endorsement": rating(3 + attitude),
    }, index=behaviour.index)


def loyalty_evaluation(objective: pd.DataFrame, subjective: pd.DataFrame, *, objective_weights: dict[str, float],
                       subjective_weights: dict[str, float], mix: float = 0.5,
                       lower_is_better: tuple[str, ...] = (), ranks: bool = False) -> pd.DataFrame:
    """The four-step loyalty evaluation of 教材 001 §3.6.3 3) (忠诚度测评体系, 图3.20).

    1. 明确影响因素和评价指标 — the indicators are the columns of the two tables;
    2. 对因素进行分类 — their split into ``objective`` (behaviour the firm observes: repeat purchases, price
       sensitivity, tolerance, …) and ``subjective`` (what customers say: share of requirement, attention,
       preference for competitors, endorsement, …);
    3. 计算忠诚度的客观值 — ``objective_score``: the weighted 0-100 index of the objective indicators;
    4. 计算忠诚度的主观值 — ``subjective_score``: the same for the subjective ones.

    Each score is :func:`crmlab.satisfaction.loyalty.loyalty_index` (min-max rescaled over the customers
    evaluated, reversed for ``lower_is_better``, weights normalised to sum to 1), so scores compare customers
    within one evaluation. With ``ranks=True`` each indicator first becomes its percentile rank among the
    customers, so that a long tail (a few customers with hundreds of purchases) does not squeeze everyone else
    into the bottom of the 0-100 range. The chapter stops at the two values; ``loyalty_score`` = mix·objective +
    (1 − mix)·subjective combines them (``mix`` is the weight of behaviour, the lab's addition).
    """
    from .satisfaction.loyalty import loyalty_index

    for name, frame in (("objective", objective), ("subjective", subjective)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a DataFrame of indicators (customers × columns), "
                            f"not {type(frame).__name__}")
        if not frame.index.is_unique:
            raise DataError(f"{name} has duplicated customer ids; give one row per customer")
    if not 0 <= mix <= 1:
        raise ValueError(f"mix is the weight of the objective score, between 0 and 1; got {mix}")
    differ = objective.index.symmetric_difference(subjective.index)
    if len(differ):
        raise DataError(f"objective and subjective indicators must be for the same customers; {len(differ):,} "
                        f"customers are in only one of them (e.g. {list(differ[:3])}) — join the survey to the "
                        "log's customers first, and count those without answers")
    both = set(objective_weights) & set(subjective_weights)
    if both:
        raise DataError(f"indicators {sorted(both)} are weighted as both objective and subjective; step 2 puts "
                        "each indicator in one class")
    unknown = [c for c in lower_is_better if c not in objective_weights and c not in subjective_weights]
    if unknown:
        raise DataError(f"lower_is_better names indicators without a weight: {unknown}")
    scores = {}
    for name, frame, weights in (("objective", objective, objective_weights),
                                 ("subjective", subjective.reindex(objective.index), subjective_weights)):
        reversed_ = tuple(c for c in lower_is_better if c in weights)
        indicators = frame.apply(pd.to_numeric, errors="coerce").rank(pct=True) if ranks else frame
        scores[f"{name}_score"] = loyalty_index(indicators, weights, reversed_)["loyalty_index"]
    table = pd.DataFrame(scores)
    table["loyalty_score"] = mix * table["objective_score"] + (1 - mix) * table["subjective_score"]
    return table

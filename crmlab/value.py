"""Customer value in both directions: what customers bring the firm, and what the firm delivers to them.

The chapters keep the two directions apart (教材 003 §2.4.1 1); 教材 001 §3.3): 客户价值 / 顾客价值 is
the value the firm creates *for* the customer, measured by the customer delivered value
(:func:`delivered_value`, 顾客让渡价值); the value the customer brings *to* the firm is the
relationship value (:func:`relationship_value`, 关系价值), and summed over all customers the value of
the customer resource (:func:`customer_resource_value`, 教材 003 §2.1.1) or customer equity (客户资产,
教材 000, whose framework of value, brand and relationship equity is :func:`customer_equity_model`).

Most of this module measures the second direction and classifies customers by it (客户分类, 教材 003
§2.1.3): concentration (Pareto and Lorenz curves, Gini, the 80/20 rule), the ABC method (贵宾型 A,
重要型 B, 普通型 C) against the chapter's reference split (:data:`ABC_REFERENCE`: 5 % / 15 % / 80 % of
customers bring 50 % / 30 % / 20 % of profit), customer profitability and the whale curve with the
80/20/30 check (among the 80 % ordinary customers, 30 % bring no profit — 24 % of all customers),
and 003's loyalty classes (潜在客户, 新客户, 常客户, 老客户, 忠诚客户), which are not the loyalty
ladder of 教材 000 (:func:`crmlab.loyalty_measurement.loyalty_ladder`). Each function takes
per-customer values (a Series indexed by customer) or a clean transaction log and returns a tidy table.

Ties are handled one way everywhere: customers are ranked by value, highest first,
and equal values are ordered by customer id (ascending), so every result is
deterministic and independent of the input's row order.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .errors import DataError, MissingColumnError
from .i18n import check_lang, term
from .units import days_per

__all__ = [
    "pareto_curve", "lorenz_curve", "gini", "top_share",
    "ABC_REFERENCE", "abc_by_customers", "abc_by_value", "class_table", "abc_reference_check",
    "CostModel", "customer_profitability", "whale_curve", "profit_concentration", "profit_classes",
    "LoyaltyRules", "loyalty_classes", "LOYALTY_CLASSES", "top_customers_class_mix",
    "DELIVERED_VALUE_COMPONENTS", "delivered_value", "relationship_value", "customer_resource_value",
    "customer_equity_model", "CUSTOMER_EQUITY_DRIVERS",
    "VALUE_HIERARCHY", "VALUE_MANAGEMENT_ASPECTS", "relative_sales_growth",
]


def _values(values: pd.Series, *, allow_negative: bool = True, name: str = "values") -> pd.Series:
    if not isinstance(values, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by customer, not {type(values).__name__}")
    if len(values) == 0:
        raise DataError(f"{name} is empty: there are no customers to rank")
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = numbers.isna() | ~np.isfinite(numbers)
    if bad.any():
        raise DataError(f"{name} has {int(bad.sum()):,} missing or non-numeric values "
                        f"(customers {list(values.index[bad][:5])}); fill or drop them first")
    if not allow_negative and (numbers < 0).any():
        raise DataError(f"{name} has negative values (e.g. customer {numbers.idxmin()!r}: {numbers.min():,.2f}); "
                        "concentration measures need non-negative values — use revenue, or clip profit at 0")
    if not numbers.index.is_unique:
        raise DataError(f"{name} has duplicated customer ids (e.g. {numbers.index[numbers.index.duplicated()][0]!r}); "
                        "aggregate to one value per customer first")
    return numbers


def _ranked(values: pd.Series) -> pd.Series:
    """Highest value first; ties by customer id ascending."""
    return values.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


def pareto_curve(values: pd.Series) -> pd.DataFrame:
    """Cumulative share of value against cumulative share of customers, best customers first.

    Returns rows indexed by rank (0 = the origin, before any customer; k = the k-th best
    customer) with ``customer_id``, ``customer_share`` and ``value_share``. ``value_share``
    can exceed 1 for profit with loss-making customers (see :func:`whale_curve`).
    """
    ranked = _ranked(_values(values))
    total = ranked.sum()
    if total == 0:
        raise DataError("the values sum to 0, so shares of the total are undefined")
    n = len(ranked)
    return pd.DataFrame({
        "customer_id": [None, *ranked.index],
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.concatenate([[0.0], ranked.cumsum().to_numpy() / total]),
    }, index=pd.RangeIndex(n + 1, name="rank"))


def lorenz_curve(values: pd.Series) -> pd.DataFrame:
    """The Lorenz curve: cumulative share of value held by the poorest share of customers (from (0,0) to (1,1))."""
    values = _values(values, allow_negative=False)
    ordered = values.sort_index(kind="stable").sort_values(kind="stable")
    total = ordered.sum()
    if total == 0:
        raise DataError("all values are 0: the Lorenz curve is undefined")
    n = len(ordered)
    return pd.DataFrame({"customer_share": np.concatenate([[0.0], np.arange(1, n + 1) / n]),
                         "value_share": np.concatenate([[0.0], ordered.cumsum().to_numpy() / total])})


def gini(values: pd.Series) -> float:
    """Gini coefficient of non-negative values: 0 when all customers are worth the same, towards 1 when one holds all.

    G = Σ_i (2i - n - 1) v_(i) / (n Σ v) with v_(i) sorted ascending — twice the area between the
    Lorenz curve and the diagonal, for a finite population.
    """
    values = _values(values, allow_negative=False)
    ordered = np.sort(values.to_numpy())
    n, total = len(ordered), ordered.sum()
    if total == 0:
        raise DataError("all values are 0: the Gini coefficient is undefined")
    ranks = np.arange(1, n + 1)
    return float(np.sum((2 * ranks - n - 1) * ordered) / (n * total))


def top_share(values: pd.Series, top: float = 0.2) -> float:
    """Share of the total value brought by the top ``top`` fraction of customers ("the top 20 % bring 80 %").

    When top·n is not a whole number the Pareto curve is interpolated linearly
    between the two neighbouring customers.
    """
    if not 0 <= top <= 1:
        raise ValueError(f"top must be a share between 0 and 1, got {top}")
    curve = pareto_curve(values)
    return float(np.interp(top, curve["customer_share"], curve["value_share"]))


# --------------------------------------------------------------------------- ABC classes

def _labels(cuts: tuple[float, ...], labels) -> list[str]:
    if any(not 0 < c < 1 for c in cuts) or list(cuts) != sorted(set(cuts)):
        raise ValueError(f"cut points must be increasing shares strictly between 0 and 1, got {cuts}")
    labels = list(labels) if labels is not None else [chr(ord("A") + i) for i in range(len(cuts) + 1)]
    if len(labels) != len(cuts) + 1:
        raise ValueError(f"{len(cuts)} cut points make {len(cuts) + 1} classes, but {len(labels)} labels were given")
    return labels


def abc_by_customers(values: pd.Series, cuts: tuple[float, ...] = (0.05, 0.20), labels=None) -> pd.Series:
    """ABC classes by share of customers: the top 5 % are A (贵宾型), the next 15 % B (重要型), the rest C (普通型).

    The customer at rank k (1-based, of n) belongs to the first class whose cut exceeds (k-1)/n,
    so class A holds ceil(0.05 n) customers. Ties are ordered by customer id.
    """
    labels = _labels(cuts, labels)
    ranked = _ranked(_values(values))
    start_share = np.arange(len(ranked)) / len(ranked)
    classes = np.searchsorted(np.asarray(cuts), start_share, side="right")
    return pd.Series(np.asarray(labels, dtype=object)[classes], index=ranked.index, name="abc").reindex(values.index)


def abc_by_value(values: pd.Series, cuts: tuple[float, ...] = (0.50, 0.80), labels=None) -> pd.Series:
    """ABC classes by cumulative share of value: A are the best customers who together bring the first 50 %, etc.

    A customer belongs to the first class whose cut exceeds the cumulative share of value of
    all better-ranked customers (so the customer who crosses 50 % is still A). Values must be
    non-negative. Ties are ordered by customer id.
    """
    labels = _labels(cuts, labels)
    values = _values(values, allow_negative=False)
    ranked = _ranked(values)
    total = ranked.sum()
    if total == 0:
        raise DataError("all values are 0: classes by share of value are undefined")
    before = (ranked.cumsum() - ranked).to_numpy() / total
    classes = np.searchsorted(np.asarray(cuts), before, side="right")
    return pd.Series(np.asarray(labels, dtype=object)[classes], index=ranked.index, name="abc").reindex(values.index)


def class_table(values: pd.Series, classes: pd.Series) -> pd.DataFrame:
    """Size, share of customers, total and share of value, and mean value per class, best class first.

    Rows are ordered by mean value, highest first (A before B before C; platinum before gold …), ties by label.
    """
    values = _values(values)
    frame = pd.DataFrame({"value": values, "class": classes.reindex(values.index)})
    if frame["class"].isna().any():
        raise DataError("some customers have no class; pass classes computed from the same values")
    table = frame.groupby("class", sort=True)["value"].agg(customers="size", value="sum", mean_value="mean")
    table.insert(1, "customer_share", table["customers"] / len(frame))
    table.insert(3, "value_share", table["value"] / frame["value"].sum())
    return table.sort_index(kind="stable").sort_values("mean_value", ascending=False, kind="stable")


#: The ABC method's reference split (教材 003 §2.1.3, table "用ABC分类法对客户进行划分"): share of customers and
#: share of the profit they create per class; ``profit_index`` = profit per customer relative to the average
#: (profit share ÷ customer share: 10, 2, 0.25). The chapter calls the numbers reference values that differ
#: by industry (a bank's VIP class may be 1 % of customers with more than 50 % of profit).
ABC_REFERENCE = pd.DataFrame(
    {"name": ["VIP customers", "key customers", "ordinary customers"],
     "customer_share": [0.05, 0.15, 0.80], "profit_share": [0.50, 0.30, 0.20]},
    index=pd.Index(["A", "B", "C"], name="class"),
).assign(profit_index=lambda t: t["profit_share"] / t["customer_share"])


def abc_reference_check(values: pd.Series) -> pd.DataFrame:
    """A firm's ABC classes (top 5 %, next 15 %, rest) beside the chapter's reference split.

    Classes by share of customers (:func:`abc_by_customers` with cuts 5 % and 20 %), then per class the
    share of ``values`` (profit, as the chapter has it, or revenue), the value per customer relative to
    the average (``value_index``) and the reference ``profit_share`` and ``profit_index`` of
    :data:`ABC_REFERENCE`; ``difference`` = value share − reference profit share. With very few customers a
    class can be empty (no customer starts within its share): it has 0 customers and value, and no value index (NaN).
    """
    cuts = tuple(ABC_REFERENCE["customer_share"].cumsum().iloc[:-1].round(10))
    table = class_table(values, abc_by_customers(values, cuts=cuts)).reindex(ABC_REFERENCE.index)
    table[["customers", "customer_share", "value_share"]] = table[["customers", "customer_share", "value_share"]
                                                                  ].fillna(0.0)
    index = table["value_share"] / table["customer_share"].where(table["customers"] > 0)
    check = pd.DataFrame({
        "name": ABC_REFERENCE["name"], "customers": table["customers"].astype("int64"),
        "customer_share": table["customer_share"],
        "value_share": table["value_share"], "value_index": index,
        "reference_profit_share": ABC_REFERENCE["profit_share"],
        "reference_profit_index": ABC_REFERENCE["profit_index"],
    })
    check["difference"] = check["value_share"] - check["reference_profit_share"]
    return check


# --------------------------------------------------------------------------- profitability

@dataclass(frozen=True)
class CostModel:
    """A small, explicit cost model for customer profitability (客户盈利能力).

    profit = revenue − cost of goods − per-order costs − per-unit costs − per-return costs
    − per-customer service costs. The defaults are placeholders of plausible size for a
    small online retailer; replace each with your own figures.

    Attributes
    ----------
    cost_of_goods_share : share of revenue that is the cost of the goods sold.
    per_order : fulfilment and handling per order (invoice, or purchase day without invoices).
    per_unit : picking and packing per unit (needs a ``quantity`` column).
    per_return : handling per cancelled or returned line.
    per_customer_period : contact and service cost per customer per ``period`` on the books
        (from first purchase to the end of observation, periods started count in full).
    period : "D", "W" or "M".
    """

    cost_of_goods_share: float = 0.60
    per_order: float = 5.0
    per_unit: float = 0.05
    per_return: float = 8.0
    per_customer_period: float = 2.0
    period: str = "M"

    def __post_init__(self):
        for name, value in asdict(self).items():
            if name != "period" and (not math.isfinite(value) or value < 0):
                raise ValueError(f"CostModel.{name} must be a finite number >= 0, got {value!r}")
        if not self.cost_of_goods_share <= 1:
            raise ValueError(f"cost_of_goods_share is a share of revenue (<= 1), got {self.cost_of_goods_share}")
        if self.period not in ("D", "W", "M"):
            raise ValueError(f"period must be 'D', 'W' or 'M', got {self.period!r}")




def customer_profitability(transactions: pd.DataFrame, cost_model: CostModel = CostModel(), *,
                           returns: pd.Series | None = None, observation_end=None) -> pd.DataFrame:
    """Revenue, each cost component and profit per customer, from a clean log.

    教材 003 §2.5.1 defines a customer's profitability as revenue (unit price × quantity bought per unit of
    time) minus the contact costs of attracting and serving the customer (marketing, administration,
    storage, customer service). The cost model here also subtracts the cost of goods (the lab's addition;
    set ``cost_of_goods_share=0`` for the chapter's formula). ``periods`` is the number of ``cost_model.period``
    units on the books (from the first purchase to the end, started periods in full) and
    ``profit_per_period`` = profit ÷ periods, the chapter's "per unit of time" view.

    Parameters
    ----------
    transactions : DataFrame
        Clean log (:func:`crmlab.transactions.clean`) with ``customer_id``, ``date``, ``amount`` and
        optionally ``quantity`` and ``invoice``.
    cost_model : CostModel
    returns : Series, optional
        Cancelled or returned lines per customer (e.g. :func:`crmlab.transactions.returns_by_customer`);
        customers not in it have none.
    observation_end : date-like, optional
        End of the period on the books (default: the last date in the log).
    """
    missing = [c for c in ("customer_id", "date", "amount") if c not in transactions]
    if missing:
        raise MissingColumnError(f"customer_profitability needs columns customer_id, date, amount; missing {missing}")
    if len(transactions) == 0:
        raise DataError("the transaction log is empty")
    log = transactions.assign(day=transactions["date"].dt.normalize())
    grouped = log.groupby("customer_id", sort=True)
    revenue = grouped["amount"].sum()
    orders = grouped["invoice"].nunique() if "invoice" in log else grouped["day"].nunique()
    units = grouped["quantity"].sum() if "quantity" in log else pd.Series(0.0, index=revenue.index)
    end = pd.Timestamp(observation_end) if observation_end is not None else log["date"].max()
    days_on_books = (end.normalize() - grouped["day"].min()).dt.days + 1
    periods = np.ceil(days_on_books / days_per(cost_model.period, "period"))
    returned = (returns if returns is not None else pd.Series(dtype="float64")).reindex(revenue.index, fill_value=0)
    table = pd.DataFrame({
        "revenue": revenue,
        "cost_of_goods": cost_model.cost_of_goods_share * revenue,
        "order_costs": cost_model.per_order * orders,
        "unit_costs": cost_model.per_unit * units,
        "return_costs": cost_model.per_return * returned.astype("float64"),
        "service_costs": cost_model.per_customer_period * periods,
    })
    table["profit"] = table["revenue"] - table.drop(columns="revenue").sum(axis=1)
    table.insert(1, "orders", orders)
    table["periods"] = periods.astype("int64")
    table["profit_per_period"] = table["profit"] / table["periods"]
    return table


def whale_curve(profit: pd.Series) -> pd.DataFrame:
    """Cumulative profit (as a share of total profit) against the share of customers ranked by profit.

    The curve rises above 100 % while profitable customers are added and falls back to 100 %
    as the loss-makers are: its peak says how much more the firm would earn without them.
    """
    return pareto_curve(profit).rename(columns={"value_share": "profit_share"})


def profit_concentration(profit: pd.Series, top: float = 0.2) -> dict[str, float]:
    """The 80/20 and 80/20/30 checks: how profit concentrates, and how many customers bring none.

    教材 003 §2.1.3: 80 % of the profit comes from 20 % of the customers, and among the other 80 %
    ("the ordinary customers") some hold that 30 % create no profit — 30 % *of the 80 %*, i.e. 24 %
    of all customers, not 30 % of all. Returned (shares in [0, 1]):

    * ``top_share_of_profit`` — profit share of the top ``top`` customers (ranked by profit, as in
      :func:`top_share`);
    * ``bottom_unprofitable_share`` — among the other customers (the bottom 1 − ``top``: the customer at
      rank k of n is in the top when (k − 1)/n < ``top``, as in :func:`abc_by_customers`), the share whose
      profit is ≤ 0 (compare with the chapter's 30 %);
    * ``unprofitable_share_of_all`` — the same customers as a share of all customers (compare with 24 %);
    * ``whale_peak_profit_share`` / ``whale_peak_customer_share`` — the peak of the whale curve;
    * ``loss_making_share`` / ``loss_making_profit_share`` — customers with profit < 0, and their profit
      as a share of the total (negative).
    """
    profit = _values(profit, name="profit")
    if not 0 < top < 1:
        raise ValueError(f"top must be a share strictly between 0 and 1, got {top}")
    curve = whale_curve(profit)
    peak = curve["profit_share"].idxmax()
    ranked = _ranked(profit)
    in_top = np.arange(len(ranked)) / len(ranked) < top
    bottom = ranked[~in_top]
    unprofitable = int((bottom <= 0).sum())
    return {
        "top_share_of_customers": top,
        "top_share_of_profit": top_share(profit, top),
        "bottom_unprofitable_share": unprofitable / len(bottom) if len(bottom) else 0.0,
        "unprofitable_share_of_all": unprofitable / len(ranked),
        "whale_peak_profit_share": float(curve["profit_share"].max()),
        "whale_peak_customer_share": float(curve.loc[peak, "customer_share"]),
        "loss_making_share": float((profit < 0).mean()),
        "loss_making_profit_share": float(profit[profit < 0].sum() / profit.sum()),
    }


def profit_classes(profit: pd.Series, cuts: tuple[float, float] = (0.50, 0.80)) -> pd.Series:
    """Profit-based classification (利润分类法, 教材 001 §3.4.2 3)(1)): customers by the profit they create.

    The chapter names the method only. The reading here: customers with profit ≤ 0 are "no profit" (the
    ones 003's 80/20/30 rule asks to upgrade or let go); the profitable ones are ranked by profit and split
    by cumulative share of the positive profit as :func:`abc_by_value` does — "high profit" bring the first
    ``cuts[0]`` (50 %), "medium profit" the next part up to ``cuts[1]`` (80 %), "low profit" the rest.
    """
    profit = _values(profit, name="profit")
    if len(cuts) != 2:
        raise ValueError(f"cuts are two cumulative shares of profit, e.g. (0.5, 0.8); got {cuts}")
    positive = profit[profit > 0]
    classes = pd.Series("no profit", index=profit.index, name="profit_class", dtype=object)
    if len(positive):
        classes[positive.index] = abc_by_value(positive, cuts=tuple(cuts),
                                               labels=["high profit", "medium profit", "low profit"])
    return classes


# --------------------------------------------------------------------------- loyalty classes

#: 教材 003 §2.1.3 2)'s loyalty classes (按客户忠诚度划分), from the least to the most loyal, and the lab's
#: "one-time buyers" for customers who fit none of them. Chinese labels: crmlab/locale/value.json.
LOYALTY_CLASSES = ("potential customers", "new customers", "regular customers", "long-standing customers",
                   "loyal customers", "one-time buyers")


@dataclass(frozen=True)
class LoyaltyRules:
    """Thresholds that read 003's loyalty classes from a purchase log, applied in this order (first match wins).

    教材 003 §2.1.3 2) describes the classes in words only (潜在客户 not yet buying; 新客户 just started;
    常客户 buying often, though also elsewhere; 老客户 a long history, also elsewhere; 忠诚客户 a long,
    stable relationship, buying almost only here); the thresholds are the lab's reading of them:

    1. potential customers — a known prospect without any purchase (needs ``prospects``);
    2. new customers — first purchase less than ``new_days`` before the end;
    3. loyal customers — on the books at least ``long_days``, at least ``loyal_purchases_per_year``
       purchase days a year, and a purchase within the last ``active_days``;
    4. long-standing customers — on the books at least ``long_days`` with at least 2 purchase days;
    5. regular customers — at least ``regular_purchases`` purchase days;
    6. one-time buyers — everyone else: a single purchase, not recent (the lab's addition: the chapter
       has no class for them).
    """

    new_days: int = 90
    long_days: int = 365
    loyal_purchases_per_year: float = 6.0
    active_days: int = 90
    regular_purchases: int = 3

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"LoyaltyRules.{name} must be positive, got {value!r}")


def loyalty_classes(transactions: pd.DataFrame, rules: LoyaltyRules = LoyaltyRules(), *, observation_end=None,
                    prospects=None, lang: str = "en") -> pd.Series:
    """003's loyalty classes (潜在 → 新 → 常 → 老 → 忠诚客户, 教材 003 §2.1.3 2)) by :class:`LoyaltyRules`.

    These classes are not the loyalty ladder of 教材 000 (采购者 → 客户 → 支持者 → 倡导者 → 伙伴), which
    needs attitudes as well as purchases: see :func:`crmlab.loyalty_measurement.loyalty_ladder`.
    ``prospects`` lists known customers without purchases (they become "potential customers");
    ``lang="zh"`` returns the Chinese labels.
    """
    check_lang(lang)
    missing = [c for c in ("customer_id", "date") if c not in transactions]
    if missing:
        raise MissingColumnError(f"loyalty_classes needs columns customer_id and date; missing {missing}")
    days = transactions.assign(day=transactions["date"].dt.normalize()).groupby("customer_id")["day"]
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else days.max().max()
    first, last, purchases = days.min(), days.max(), days.nunique()
    tenure = (end - first).dt.days
    since_last = (end - last).dt.days
    rate = purchases / np.maximum(tenure, 1) * 12 * days_per("M")  # purchase days per year
    long = tenure >= rules.long_days
    classes = np.select(
        [tenure < rules.new_days,
         long & (rate >= rules.loyal_purchases_per_year) & (since_last <= rules.active_days),
         long & (purchases >= 2),
         purchases >= rules.regular_purchases],
        ["new customers", "loyal customers", "long-standing customers", "regular customers"],
        default="one-time buyers")
    result = pd.Series(classes, index=first.index, name="loyalty_class", dtype=object)
    if prospects is not None:
        extra = pd.Index(prospects).difference(result.index)
        result = pd.concat([result, pd.Series("potential customers", index=extra, dtype=object)]
                           ).rename("loyalty_class")
    return result if lang == "en" else result.map(lambda label: term(label, lang))


def top_customers_class_mix(values: pd.Series, classes: pd.Series, top: float = 0.20) -> pd.Series:
    """How the top ``top`` share of customers by ``values`` divides among ``classes`` (shares summing to 1).

    教材 004 §2.4.2 ⑴: "企业80%的利润来源于20%的客户,而这20%的客户大多是老客户" — with profit as ``values`` and
    :func:`loyalty_classes` as ``classes`` this says which kind of customer the top 20 % are. The top customers are
    those :func:`abc_by_customers` puts in its first class (ceil(top · n) customers, ties by customer id). Largest
    share first, ties by label.
    """
    if not 0 < top < 1:
        raise ValueError(f"top must be a share between 0 and 1, got {top!r}")
    values = _values(values)
    in_top = abc_by_customers(values, cuts=(top,), labels=["top", "rest"]) == "top"
    mix = classes.reindex(values.index)[in_top]
    if mix.isna().any():
        raise DataError("some top customers have no class; pass classes computed for the same customers")
    shares = mix.value_counts(normalize=True).rename("customer_share").rename_axis(classes.name or "class")
    return shares.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


# --------------------------------------------------------------------------- value for the customer

#: The parts of the customer delivered value as each chapter lists them. 教材 001 §3.3.1 (图3.4) gives
#: Kotler's own list; 教材 003 §2.4.2 2)(2) and 教材 000 (价值资产) vary it (003: 消费活动的价值, 潜在价值,
#: 体力成本; 000: 体力成本 instead of 精神成本).
DELIVERED_VALUE_COMPONENTS = {
    "001": {"value": ("product_value", "service_value", "personnel_value", "image_value"),
            "cost": ("monetary_cost", "time_cost", "energy_cost", "psychic_cost")},
    "003": {"value": ("product_value", "service_value", "consumption_value", "potential_value"),
            "cost": ("monetary_cost", "time_cost", "psychic_cost", "physical_cost")},
    "000": {"value": ("product_value", "service_value", "personnel_value", "image_value"),
            "cost": ("monetary_cost", "time_cost", "energy_cost", "physical_cost")},
}


def delivered_value(offers: pd.DataFrame, *, chapter: str = "001", chooser: str | None = None) -> pd.DataFrame:
    """Customer delivered value (顾客让渡价值) = total customer value − total customer cost, per offer.

    Kotler's definition as 教材 001 §3.3.1 (图3.4) gives it: total customer value (顾客总价值) is the sum
    of product, service, personnel and image value; total customer cost (顾客总成本) the sum of the
    monetary, time, energy and psychic costs of buying. ``chapter="003"`` or ``"000"`` uses those
    chapters' lists (:data:`DELIVERED_VALUE_COMPONENTS`). Customers buy from the offer with the highest
    delivered value (教材 003 §2.4.2 2)(2)), so ``best`` marks it (all tied offers), per ``chooser``
    (a column naming the customer or segment who chooses) when the table holds several choosers.

    Parameters
    ----------
    offers : DataFrame
        One row per offer (firm, product or offer × chooser); one column per component, all in one
        unit (money equivalents or ratings), non-negative: costs are amounts the customer gives up.
    chapter : {"001", "003", "000"}
    chooser : str, optional

    Returns
    -------
    DataFrame: the components, ``total_customer_value``, ``total_customer_cost``, ``delivered_value``,
    ``value_cost_ratio`` (total value ÷ total cost, the other way to read the same comparison) and ``best``.
    """
    if chapter not in DELIVERED_VALUE_COMPONENTS:
        raise ValueError(f"chapter must be one of {sorted(DELIVERED_VALUE_COMPONENTS)}, got {chapter!r}")
    if not isinstance(offers, pd.DataFrame):
        raise TypeError(f"offers must be a DataFrame with one column per component, not {type(offers).__name__}")
    parts = DELIVERED_VALUE_COMPONENTS[chapter]
    components = [*parts["value"], *parts["cost"]]
    missing = [c for c in components if c not in offers]
    if missing:
        raise MissingColumnError(f"offers lacks the components {missing} of chapter {chapter}'s delivered value "
                                 f"(it needs {components}); give every part, 0 where it does not apply")
    if chooser is not None and chooser not in offers:
        raise MissingColumnError(f"offers has no chooser column {chooser!r}")
    extra = [c for c in offers.columns if c not in components and c != chooser]
    if extra:
        raise DataError(f"offers has columns {extra} that are not parts of chapter {chapter}'s delivered value "
                        f"({components}); drop them, or pick the chapter whose list they belong to")
    if len(offers) == 0:
        raise DataError("offers is empty: there is nothing to compare")
    numbers = offers[components].apply(pd.to_numeric, errors="coerce").astype("float64")
    bad = ~np.isfinite(numbers) | (numbers < 0)
    if bad.any().any():
        rows, columns = np.nonzero(bad.to_numpy())
        where = [(offers.index[r], components[c]) for r, c in zip(rows[:5], columns[:5], strict=True)]
        raise DataError(f"{int(bad.to_numpy().sum())} component values are missing, non-numeric or negative, "
                        f"e.g. (offer, component) {where}; every part is a non-negative amount")
    table = numbers.copy()
    table["total_customer_value"] = numbers[list(parts["value"])].sum(axis=1)
    table["total_customer_cost"] = numbers[list(parts["cost"])].sum(axis=1)
    table["delivered_value"] = table["total_customer_value"] - table["total_customer_cost"]
    table["value_cost_ratio"] = table["total_customer_value"] / table["total_customer_cost"].where(
        table["total_customer_cost"] > 0)
    groups = offers[chooser] if chooser is not None else pd.Series(0, index=offers.index)
    table["best"] = table["delivered_value"] == table["delivered_value"].groupby(groups).transform("max")
    if chooser is not None:
        table.insert(0, chooser, offers[chooser])
    return table


# --------------------------------------------------------------------------- value from the customer

def _discount_weights(retention: pd.Series, discount_rate: float, horizon, timing: str) -> pd.DataFrame:
    """Σ_t r^t and Σ_t (r/(1+d))^t over the relationship's periods, per value of ``retention``."""
    from .economics import constant_retention_clv

    if not retention.between(0, 1).all():
        outside = retention[~retention.between(0, 1)].tolist()[:5]
        raise ValueError(f"retention is a probability between 0 and 1, got {outside}")

    def weight(r: float, d: float) -> float:
        return constant_retention_clv(1.0, r, d, horizon=horizon, timing=timing)

    unique = pd.unique(retention.to_numpy())
    lifetime = {r: weight(r, 0.0) if r < 1 or horizon is not None else np.inf for r in unique}
    discounted = {r: weight(r, discount_rate) for r in unique}
    return pd.DataFrame({"expected_lifetime": retention.map(lifetime), "discount_weight": retention.map(discounted)})


def _per_customer(**inputs) -> tuple[pd.DataFrame, bool]:
    """Numbers and Series (indexed by customer) as one table; True when every input was a number."""
    series = {name: value for name, value in inputs.items() if isinstance(value, pd.Series)}
    index = None
    for name, value in series.items():
        if not value.index.is_unique:
            raise DataError(f"{name} has duplicated customer ids; give one value per customer")
        if index is not None and not value.index.equals(index) and set(value.index) != set(index):
            raise DataError(f"{name} is not given for the same customers as the other inputs "
                            f"({len(value.index.symmetric_difference(index)):,} customers differ)")
        index = value.index if index is None else index
    frame = pd.DataFrame({name: value.reindex(index) if isinstance(value, pd.Series) else value
                          for name, value in inputs.items()}, index=index if index is not None else [0])
    numbers = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    bad = ~np.isfinite(numbers)
    if bad.any().any():
        columns = list(numbers.columns[bad.any()])
        raise DataError(f"{columns} have missing, infinite or non-numeric values (customers "
                        f"{list(numbers.index[bad.any(axis=1)][:5])})")
    return numbers, not series


def relationship_value(margin, retention, discount_rate: float, *, capability=0.0, referrals=0.0,
                       value_per_referral=0.0, horizon: int | None = None, timing: str = "end"):
    """Relationship value (关系价值) with its four dimensions (教材 001 §3.3.2).

    The chapter names the dimensions — 关系赢利性 (relationship profitability), 关系生命周期 (relationship
    life cycle), 顾客能力价值 (the customer's capability value) and 推荐价值 (referral value) — without
    defining them. The reading here: the customer brings ``margin`` per period (profitability) for as long
    as the relationship lasts, each period with probability r^t (the life cycle; expected length
    Σ r^t periods); the customer's capability — what their knowledge, ideas and feedback are worth to the
    firm (教材 000's 学习潜力/知识价值) — adds ``capability`` per period; and ``referrals`` new customers a
    period, each worth ``value_per_referral`` (negative for bad word of mouth), add referral value.
    Every stream is discounted with the same weights as :func:`crmlab.economics.constant_retention_clv`:

        W = Σ_t (r / (1 + d))^t,   t = 1, 2, … (``timing="end"``) or 0, 1, … (``"start"``), up to ``horizon``
        relationship value = (m + c + k·v) · W

    With ``capability = referrals = 0`` the value is ``constant_retention_clv(margin, retention, d)``.
    The firm's value is the sum of all customers' relationship values (教材 001 §3.3.3).

    Parameters
    ----------
    margin, retention, capability, referrals, value_per_referral : number or Series indexed by customer
        Per period. ``margin`` and ``capability`` may be negative (relationships that destroy value, which
        the chapter says to end); ``retention`` is a probability in [0, 1]; ``referrals`` ≥ 0.
    discount_rate : float
    horizon : int, optional
        Number of periods (None: no limit).
    timing : {"end", "start"}

    Returns
    -------
    Series (all inputs numbers) or DataFrame (one row per customer) with ``margin``, ``retention``,
    ``expected_lifetime``, ``discount_weight``, ``profitability_value``, ``capability_value``,
    ``referral_value`` and ``relationship_value``.
    """
    table, scalar = _per_customer(margin=margin, retention=retention, capability=capability, referrals=referrals,
                                  value_per_referral=value_per_referral)
    if (table["referrals"] < 0).any():
        raise ValueError("referrals (new customers referred per period) cannot be negative; put bad word of mouth "
                         "into a negative value_per_referral")
    weights = _discount_weights(table["retention"], discount_rate, horizon, timing)
    result = pd.DataFrame({"margin": table["margin"], "retention": table["retention"], **weights})
    result["profitability_value"] = table["margin"] * result["discount_weight"]
    result["capability_value"] = table["capability"] * result["discount_weight"]
    result["referral_value"] = table["referrals"] * table["value_per_referral"] * result["discount_weight"]
    result["relationship_value"] = result[["profitability_value", "capability_value", "referral_value"]].sum(axis=1)
    return result.iloc[0].rename("relationship_value") if scalar else result


def customer_resource_value(future_revenue, costs, retention, discount_rate: float, *, referral_profit=0.0,
                            horizon: int | None = None, timing: str = "end") -> pd.Series:
    """The value of the customer resource (客户资源的价值, 教材 003 §2.1.1), summed over customers.

    The chapter's definition: the sum of all customers' future revenue, minus the costs of products,
    services and marketing, plus the profit that satisfied customers' referrals bring. Per customer and
    period: revenue R, costs C, referral profit P; each stream discounted with the customer's survival
    weights W (see :func:`relationship_value`), so the value is Σ_i (R_i − C_i + P_i) W_i — the sum of the
    customers' relationship values without a capability term.

    Returns a Series: ``future_revenue``, ``costs``, ``referral_profit`` (discounted totals),
    ``customer_resource_value`` and ``customers``.
    """
    table, _ = _per_customer(future_revenue=future_revenue, costs=costs, referral_profit=referral_profit,
                             retention=retention)
    weights = _discount_weights(table["retention"], discount_rate, horizon, timing)["discount_weight"]
    streams = table[["future_revenue", "costs", "referral_profit"]].mul(weights, axis=0)
    return pd.Series({"future_revenue": streams["future_revenue"].sum(), "costs": streams["costs"].sum(),
                      "referral_profit": streams["referral_profit"].sum(),
                      "customer_resource_value": (streams["future_revenue"] - streams["costs"]
                                                  + streams["referral_profit"]).sum(),
                      "customers": float(len(table))}, name="customer_resource_value")


# --------------------------------------------------------------------------- customer value (教材 003 §2.4)

#: Woodruff's customer value hierarchy (教材 003 §2.4.2 1), 客户价值的层次模型), bottom level first: what the
#: customer sees at each level, and an example from a hotel stay (our example). Satisfaction can form at every
#: level; the use situation (a business trip or a holiday) changes the links between the levels.
VALUE_HIERARCHY = pd.DataFrame([
    ("product attributes and attribute performance", "clean room, free wifi, breakfast quality, friendly staff"),
    ("consequences in use", "slept well, could work in the room, started the day on time"),
    ("goals and purposes", "a successful business trip, a restful holiday"),
], columns=["value_level", "hotel_example"]).set_index("value_level")

#: The seven aspects of customer value management (教材 003 §2.4.4 (1)-(7)), in the chapter's order.
VALUE_MANAGEMENT_ASPECTS = ("customer-oriented processes", "a strategic task", "profitability", "competitiveness",
                            "integration capability", "the value chain",
                            "meeting customers' present and future needs")


def relative_sales_growth(share: pd.Series, *, market_growth: float = 0.0) -> pd.Series:
    """Our sales growth against the rest of the market's, from our market share (教材 003 §2.4.2 3)).

    003 reads relative sales growth as a measure of the customer value a firm creates: more value than the
    competitors, faster growth than theirs. With our share going from s₀ (first value of ``share``, in
    percent) to s₁ (last value) and the market growing by ``market_growth``, our sales grow by
    (1 + g)·s₁/s₀ − 1 and the competitors' together by (1 + g)·(100 − s₁)/(100 − s₀) − 1; the relative
    growth (1 + ours)/(1 + theirs) − 1 does not depend on g. Returns ``our_growth``, ``competitors_growth``
    and ``relative_growth``.
    """
    values = pd.to_numeric(pd.Series(share), errors="coerce").dropna()
    if len(values) < 2 or not ((values > 0) & (values < 100)).all():
        raise DataError("share must hold at least two market shares strictly between 0 and 100 (percent)")
    if not np.isfinite(market_growth) or market_growth <= -1:
        raise ValueError(f"market_growth must be a finite growth rate above -1, got {market_growth!r}")
    start, end = float(values.iloc[0]), float(values.iloc[-1])
    ours = (1 + market_growth) * end / start - 1
    theirs = (1 + market_growth) * (100 - end) / (100 - start) - 1
    return pd.Series({"our_growth": ours, "competitors_growth": theirs,
                      "relative_growth": (1 + ours) / (1 + theirs) - 1}, name="sales_growth")


# --------------------------------------------------------------------------- customer equity (教材 000)

#: What raises each part of customer equity (教材 000, 提升客户资产), and which indicators of the ECSI
#: mobile-phone survey (:func:`crmlab.datasets.load_ecsi`) come closest to measuring it ("" = none).
CUSTOMER_EQUITY_DRIVERS = pd.DataFrame([
    ("value equity", "quality", "PERQ1-PERQ7"),
    ("value equity", "price", "PERV1-PERV2"),
    ("value equity", "convenience", ""),
    ("brand equity", "brand awareness", ""),
    ("brand equity", "brand attitude", "IMAG1-IMAG5"),
    ("brand equity", "corporate brand ethics", "IMAG3"),
    ("relationship equity", "loyalty rewards", ""),
    ("relationship equity", "special treatment", ""),
    ("relationship equity", "social events", ""),
    ("relationship equity", "customer community events", ""),
    ("relationship equity", "learning events", ""),
], columns=["equity", "driver", "ecsi_indicators"])


def customer_equity_model():
    """The customer equity framework (客户资产框架模型, 教材 000) as a PLS path model on the ECSI survey.

    教材 000 splits customer equity into value equity (价值资产: the customer's weighing of perceived gains
    against perceived losses), brand equity (品牌资产: the subjective value beyond it) and relationship
    equity (关系资产: the tendency to stay with the brand, decisive for retention). The ECSI mobile-phone
    survey (Tenenhaus et al. 2005) measures the first two and the outcome, not the third:

    * ``quality`` (PERQ1-7) — a driver of value equity (质量);
    * ``value equity`` (PERV1-2: price given quality, quality given price — gains against losses);
    * ``brand equity`` (IMAG1-5: the operator's image);
    * ``loyalty intention`` (CUSL1-3: choose it again, stay when competitors cut prices, recommend it) —
      the retention outcome that relationship equity is said to decide.

    Paths: quality → value equity → loyalty intention ← brand equity. Relationship equity has no indicator
    in the survey, so the model cannot estimate it; its drivers (loyalty rewards, special treatment, …) would
    need their own questions. Returns a :class:`crmlab.satisfaction.PathModel` for
    :func:`crmlab.satisfaction.plspm`.
    """
    from .satisfaction.specification import PathModel

    return PathModel(
        blocks={"quality": [f"PERQ{i}" for i in range(1, 8)], "value equity": ["PERV1", "PERV2"],
                "brand equity": [f"IMAG{i}" for i in range(1, 6)], "loyalty intention": ["CUSL1", "CUSL2", "CUSL3"]},
        paths=[("quality", "value equity"), ("value equity", "loyalty intention"),
               ("brand equity", "loyalty intention")])

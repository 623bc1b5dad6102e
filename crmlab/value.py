"""Customer value (客户价值): concentration, ABC classes, profitability and the whale curve, loyalty classes.

The textbook ranks customers by what they bring: the ABC method (贵宾型 A, 重要型 B,
普通型 C) with the reference split of 5 % / 15 % / 80 % of customers bringing
50 % / 30 % / 20 % of profit, the 80/20 rule and its refinement 80/20/30 (among
the 80 %, about 30 % destroy value), and the loyalty ladder from prospect to loyal
customer. Each function here takes per-customer values (a Series indexed by
customer) or a clean transaction log and returns a tidy table.

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
from .units import days_per

__all__ = [
    "pareto_curve", "lorenz_curve", "gini", "top_share",
    "abc_by_customers", "abc_by_value", "class_table",
    "CostModel", "customer_profitability", "whale_curve", "profit_concentration",
    "LoyaltyRules", "loyalty_classes", "LOYALTY_LABELS",
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
    """Size, share of customers, total and share of value, and mean value per class."""
    values = _values(values)
    frame = pd.DataFrame({"value": values, "class": classes.reindex(values.index)})
    if frame["class"].isna().any():
        raise DataError("some customers have no class; pass classes computed from the same values")
    table = frame.groupby("class", sort=True)["value"].agg(customers="size", value="sum", mean_value="mean")
    table.insert(1, "customer_share", table["customers"] / len(frame))
    table.insert(3, "value_share", table["value"] / frame["value"].sum())
    return table


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
    return table


def whale_curve(profit: pd.Series) -> pd.DataFrame:
    """Cumulative profit (as a share of total profit) against the share of customers ranked by profit.

    The curve rises above 100 % while profitable customers are added and falls back to 100 %
    as the loss-makers are: its peak says how much more the firm would earn without them.
    """
    return pareto_curve(profit).rename(columns={"value_share": "profit_share"})


def profit_concentration(profit: pd.Series, top: float = 0.2) -> dict[str, float]:
    """The 80/20/30 check: profit share of the top customers, peak of the whale curve, share of loss-makers."""
    profit = _values(profit, name="profit")
    curve = whale_curve(profit)
    peak = curve["profit_share"].idxmax() if len(curve) else None
    return {
        "top_share_of_customers": top,
        "top_share_of_profit": top_share(profit, top),
        "whale_peak_profit_share": float(curve["profit_share"].max()),
        "whale_peak_customer_share": float(curve.loc[peak, "customer_share"]) if peak is not None else 0.0,
        "loss_making_share": float((profit < 0).mean()),
        "loss_making_profit_share": float(profit[profit < 0].sum() / profit.sum()),
    }


# --------------------------------------------------------------------------- loyalty classes

#: Labels of the loyalty ladder in English and Chinese (the textbook's 潜在客户 … 忠诚客户).
LOYALTY_LABELS = {
    "potential": "潜在客户", "new": "新客户", "regular": "常客户", "long-standing": "老客户", "loyal": "忠诚客户",
    "one-time": "一次性客户",
}


@dataclass(frozen=True)
class LoyaltyRules:
    """Thresholds of the loyalty ladder, applied in this order (first match wins):

    1. potential — a known prospect without any purchase (needs ``prospects``);
    2. new — first purchase less than ``new_days`` before the end;
    3. loyal — on the books at least ``long_days``, at least ``loyal_purchases_per_year``
       purchase days a year, and a purchase within the last ``active_days``;
    4. long-standing — on the books at least ``long_days`` with at least 2 purchase days;
    5. regular — at least ``regular_purchases`` purchase days;
    6. one-time — everyone else: a single purchase, not recent.
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
    """Place every customer on the loyalty ladder (潜在 → 新 → 常 → 老 → 忠诚客户) by :class:`LoyaltyRules`.

    ``prospects`` lists known customers without purchases (they become "potential");
    ``lang="zh"`` returns the Chinese labels.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
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
        ["new", "loyal", "long-standing", "regular"], default="one-time")
    result = pd.Series(classes, index=first.index, name="loyalty_class", dtype=object)
    if prospects is not None:
        extra = pd.Index(prospects).difference(result.index)
        result = pd.concat([result, pd.Series("potential", index=extra, dtype=object)]).rename("loyalty_class")
    return result.map(LOYALTY_LABELS) if lang == "zh" else result

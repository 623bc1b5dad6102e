"""Relationship growth in breadth, length and depth (教材 000, 客户关系发展的三个维度).

The chapter grows a customer relationship in three directions:

* breadth (宽度成长) — more customers: acquiring new ones (获取新客户), winning back lost ones (赢返流失客户),
  finding new segments (识别新的细分市场);
* length (远度成长) — longer relationships: loyalty and retention (客户忠诚, 客户挽留);
* depth (深度成长) — more business per customer: cross-selling (交叉销售) and up-selling (追加销售).

:func:`relationship_growth` measures all three on a transaction log between two periods, as an exact
decomposition of the change in revenue. :func:`first_purchases`, :func:`score_prospects` and
:func:`acquisition_value` follow 000's four acquisition steps (客户关系管理获取新客户步骤: 识别客户行为的影响
模式 → 根据模式选择目标客户 → 目标客户潜在关系价值分析 → 选择潜在关系价值高的目标客户). :func:`lapse_signals`
and :func:`win_back_by_reason` give 000's second way of segmenting lost customers, by the reason they left
(根据流失客户叛逃的原因进行细分), beside the first, by second lifetime value
(:func:`crmlab.economics.win_back_ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .economics import _non_negative, _number
from .errors import ColumnTypeError, DataError, EmptyDataError, MissingColumnError, ObservationPeriodError

__all__ = ["ACQUISITION_STEPS", "ACQUISITION_TASKS", "COMPONENTS", "LAPSE_SIGNALS", "LOYAL_CUSTOMER_TRAITS", "STATUSES",
           "WIN_BACK_METHODS", "RelationshipGrowth", "acquisition_value", "first_purchases", "lapse_signals",
           "relationship_growth", "score_prospects", "targeting_backtest", "win_back_by_reason"]

#: The components of :func:`relationship_growth`, with the growth dimension each belongs to.
COMPONENTS = {
    "new_customers": "breadth",
    "won_back": "breadth",
    "lost_customers": "length",
    "cross_selling": "depth",
    "volume": "depth",
    "up_selling": "depth",
    "not_decomposed": "depth",
}

#: Customer status between the two periods.
STATUSES = ("new", "won back", "retained", "lost")

#: 000 1.获取新客户: the four tasks of acquiring new customers, in the chapter's order (Chinese labels in the locale).
ACQUISITION_TASKS = ("set a strategy for acquiring new customers", "identify groups of potential customers",
                     "run marketing that acquires valuable customers", "estimate how likely each acquisition is")

#: 000 客户关系管理获取新客户步骤: the four CRM steps of acquisition, which :func:`first_purchases`,
#: :func:`score_prospects` and :func:`acquisition_value` follow.
ACQUISITION_STEPS = ("identify the patterns that shape customer behaviour", "choose target customers by those patterns",
                     "analyse the targets' potential relationship value",
                     "choose the targets of high potential relationship value")

#: 000 2.赢返流失客户: the two ways of segmenting lost customers — (1) by second lifetime value
#: (:func:`crmlab.economics.win_back_ranking`), (2) by the reason they defected (:func:`win_back_by_reason`).
WIN_BACK_METHODS = ("second lifetime value", "reason for defecting")

#: 000 1.客户忠诚: the five traits of a loyal customer, ① to ⑤ (09 §10).
LOYAL_CUSTOMER_TRAITS = ("regular repeat purchases", "buying several of the supplier's products and services",
                         "often recommending the supplier to others", "immune to competitors' lures",
                         "bearing the supplier's occasional mistakes without leaving")


def _require(frame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ColumnTypeError(f"{what} needs a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnError(f"{what} needs columns {missing}; the table has {list(frame.columns)}. "
                                 "Clean the raw log with crmlab.transactions.clean (or pass the column names).")


def _dates(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        raise ColumnTypeError(f"{what}: column {column!r} holds {values.dtype}, not dates; clean the log with "
                              "crmlab.transactions.clean, which parses them")
    if values.isna().any():
        raise DataError(f"{what}: {int(values.isna().sum()):,} rows have no {column!r}; drop or fix them first")
    return values


def _amounts(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ColumnTypeError(f"{what}: column {column!r} holds {values.dtype}, not numbers")
    bad = ~np.isfinite(values.to_numpy(dtype="float64"))
    if bad.any():
        raise DataError(f"{what}: {int(bad.sum()):,} rows have a missing or infinite {column!r}; drop or fix them "
                        "first (crmlab.transactions.clean counts such rows)")
    return values.astype("float64")


def _period(value, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    try:
        start, end = value
        start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        raise DataError(f"{name} is a pair of dates (first day, last day), e.g. ('2011-01-01', '2011-06-30'); "
                        f"got {value!r}") from None
    if end < start:
        raise ObservationPeriodError(f"{name} ends ({end.date()}) before it starts ({start.date()})")
    return start, end


def _in(days: pd.Series, period: tuple[pd.Timestamp, pd.Timestamp]) -> pd.Series:
    return days.between(period[0], period[1])


@dataclass(frozen=True)
class RelationshipGrowth:
    """The result of :func:`relationship_growth`.

    ``customers``: one row per customer who bought in either period — ``status`` (new, won back, retained, lost),
    revenue, distinct products and units in each period, and the revenue change split into the columns of
    :data:`COMPONENTS` (each customer's components sum to their change).
    ``period_1``, ``period_2``: the (first day, last day) of each period.
    """

    customers: pd.DataFrame
    period_1: tuple[pd.Timestamp, pd.Timestamp]
    period_2: tuple[pd.Timestamp, pd.Timestamp]

    def components(self) -> pd.DataFrame:
        """Revenue change by component: dimension, customers involved, revenue change.

        The rows add up exactly: revenue in period 2 − revenue in period 1 = Σ revenue_change.
        """
        table = self.customers
        counts = {
            "new_customers": (table["status"] == "new").sum(),
            "won_back": (table["status"] == "won back").sum(),
            "lost_customers": (table["status"] == "lost").sum(),
        }
        retained = table["status"] == "retained"
        decomposed = retained & table["decomposed"]
        for name in ("cross_selling", "volume", "up_selling"):
            counts[name] = decomposed.sum()
        counts["not_decomposed"] = (retained & ~table["decomposed"]).sum()
        return pd.DataFrame({
            "dimension": pd.Series(COMPONENTS),
            "customers": pd.Series(counts, dtype="int64"),
            "revenue_change": table[list(COMPONENTS)].sum(),
        }).rename_axis("component")

    def by_dimension(self) -> pd.Series:
        """Revenue change by growth dimension (教材 000: 宽度, 远度, 深度); sums to the total change."""
        components = self.components()
        return components.groupby("dimension", sort=False)["revenue_change"].sum().rename("revenue_change")

    def retention(self) -> pd.Series:
        """Length (远度, 教材 000 客户关系的远度成长) in numbers: who of period 1 bought again, and what they kept.

        ``customers_period_1``, ``retained``, ``customer_retention_rate`` = retained / customers of period 1,
        ``revenue_share_retained`` = the retained customers' share of period-1 revenue, and
        ``retained_revenue_ratio`` = their period-2 revenue / their period-1 revenue (> 1: they grew in depth).
        """
        table = self.customers
        first = table[table["status"].isin(["retained", "lost"])]
        kept = first[first["status"] == "retained"]
        return pd.Series({
            "customers_period_1": len(first),
            "retained": len(kept),
            "customer_retention_rate": len(kept) / len(first),
            "revenue_share_retained": kept["revenue_1"].sum() / first["revenue_1"].sum(),
            "retained_revenue_ratio": kept["revenue_2"].sum() / kept["revenue_1"].sum(),
        }, name="retention")

    def depth_summary(self) -> pd.DataFrame:
        """Per depth component (教材 000 客户关系的深度成长: cross-/up-selling), the retained customers it raised (> 0)
        and lowered (< 0), and the revenue change."""
        table = self.customers[self.customers["decomposed"]]
        rows = {name: {"customers_up": int((table[name] > 0).sum()), "customers_down": int((table[name] < 0).sum()),
                       "share_up": float((table[name] > 0).mean()) if len(table) else 0.0,
                       "revenue_change": float(table[name].sum())}
                for name in ("cross_selling", "volume", "up_selling")}
        return pd.DataFrame(rows).T.rename_axis("component").astype(
            {"customers_up": "int64", "customers_down": "int64"})

    def waterfall(self) -> pd.DataFrame:
        """Period 1 revenue, each component, period 2 revenue: the steps of the bridge from one to the other."""
        components = self.components()
        first = self.customers["revenue_1"].sum()
        steps = pd.concat([pd.Series({"revenue_period_1": first}), components["revenue_change"],
                           pd.Series({"revenue_period_2": self.customers["revenue_2"].sum()})])
        dimension = pd.concat([pd.Series({"revenue_period_1": "total"}), components["dimension"],
                               pd.Series({"revenue_period_2": "total"})])
        return pd.DataFrame({"dimension": dimension, "revenue": steps}).rename_axis("step")

    def by(self, groups: pd.Series) -> pd.DataFrame:
        """The components per group of customers (``groups`` maps customer id to group, e.g. country).

        Customers missing from ``groups`` form the group "no group" (counted, not dropped). Rows are groups,
        columns the components and ``change``; the columns sum to :meth:`components`.
        """
        if not isinstance(groups, pd.Series):
            raise ColumnTypeError(f"groups maps customer id to group as a pandas Series, got {type(groups).__name__}")
        labels = groups.reindex(self.customers.index).astype(object).where(
            groups.reindex(self.customers.index).notna(), "no group")
        table = self.customers[list(COMPONENTS)].groupby(labels.rename("group")).sum()
        table["change"] = table.sum(axis=1)
        table.insert(0, "customers", self.customers.groupby(labels.rename("group")).size())
        return table.sort_values("change", ascending=False, kind="stable")


def relationship_growth(transactions: pd.DataFrame, *, period_1, period_2, customer_col: str = "customer_id",
                        date_col: str = "date", amount_col: str = "amount", product_col: str = "product",
                        quantity_col: str = "quantity") -> RelationshipGrowth:
    """The change in revenue between two periods, split into breadth, length and depth (教材 000).

    Each period is a pair (first day, last day), whole days included; period 2 starts after period 1 ends.
    Customers who buy in either period are, by what they did:

    * **new** — bought in period 2, first purchase ever after period 1 (breadth, 获取新客户);
    * **won back** — bought before period 1, not in period 1, again in period 2 (breadth, 赢返流失客户);
    * **lost** — bought in period 1, not in period 2 (length: the revenue retention failed to keep);
    * **retained** — bought in both (length kept them; depth is what changed in their business).

    With R₁, R₂ the revenue in each period, the identity (exact)

        R₂ − R₁ = new + won_back − lost + Σ_retained (R₂ᵢ − R₁ᵢ)

    holds by construction. A retained customer's revenue is Rᵢ = nᵢ · (Qᵢ / nᵢ) · (Rᵢ / Qᵢ): distinct products
    n, units per product, revenue per unit. The log-mean Divisia index (LMDI-I; Ang 2004, "Decomposition analysis
    for policymaking in energy", *Energy Policy* 32, eq. 5) splits the change exactly into

    * cross_selling = L · ln(n₂/n₁)  — more different products (交叉销售);
    * volume = L · ln((Q₂/n₂)/(Q₁/n₁)) — more units of each product;
    * up_selling = L · ln((R₂/Q₂)/(R₁/Q₁)) — a dearer mix per unit, trading up (追加销售, 购买升级 —
      it also moves with list-price changes),

    with L = (R₂ − R₁)/(ln R₂ − ln R₁) (L = R₁ when R₂ = R₁), so the three sum to R₂ − R₁. Retained customers
    whose revenue or units are not positive in a period cannot be split; their change is ``not_decomposed``
    (counted in :meth:`RelationshipGrowth.components`).

    Purchases outside both periods only serve to tell new customers from won-back ones.
    """
    what = "relationship_growth"
    _require(transactions, (customer_col, date_col, amount_col, product_col, quantity_col), what)
    if transactions.empty:
        raise EmptyDataError("the transaction log is empty: there is no growth to measure")
    first_period, second_period = _period(period_1, "period_1"), _period(period_2, "period_2")
    if second_period[0] <= first_period[1]:
        raise ObservationPeriodError(f"period_2 must start after period_1 ends ({first_period[1].date()}); "
                                     f"it starts {second_period[0].date()}")
    days = _dates(transactions, date_col, what).dt.normalize()
    amount = _amounts(transactions, amount_col, what)
    quantity = _amounts(transactions, quantity_col, what)
    customers = transactions[customer_col]
    if customers.isna().any():
        raise DataError(f"{what}: {int(customers.isna().sum()):,} rows have no {customer_col!r}; drop them first")
    in_1, in_2 = _in(days, first_period), _in(days, second_period)
    for name, mask, period in (("period_1", in_1, first_period), ("period_2", in_2, second_period)):
        if not mask.any():
            raise EmptyDataError(f"no purchase falls in {name} ({period[0].date()} to {period[1].date()}); the log "
                                 f"runs from {days.min().date()} to {days.max().date()}")
    lines = pd.DataFrame({"customer": customers, "amount": amount, "quantity": quantity,
                          "product": transactions[product_col]})

    def per_period(mask: pd.Series, suffix: str) -> pd.DataFrame:
        grouped = lines[mask].groupby("customer")
        return pd.DataFrame({f"revenue_{suffix}": grouped["amount"].sum(), f"products_{suffix}":
                             grouped["product"].nunique(), f"units_{suffix}": grouped["quantity"].sum()})

    table = per_period(in_1, "1").join(per_period(in_2, "2"), how="outer")
    table = table.fillna({c: 0 for c in table.columns})
    table[["products_1", "products_2"]] = table[["products_1", "products_2"]].astype("int64")
    first_day = days.groupby(customers).min().reindex(table.index)
    bought_1, bought_2 = table["products_1"] > 0, table["products_2"] > 0
    status = np.select([bought_1 & bought_2, bought_1, first_day < first_period[0]],
                       ["retained", "lost", "won back"], default="new")
    table.insert(0, "status", pd.Categorical(status, categories=STATUSES))
    table["change"] = table["revenue_2"] - table["revenue_1"]
    for name in COMPONENTS:
        table[name] = 0.0
    table.loc[table["status"] == "new", "new_customers"] = table["revenue_2"]
    table.loc[table["status"] == "won back", "won_back"] = table["revenue_2"]
    table.loc[table["status"] == "lost", "lost_customers"] = -table["revenue_1"]
    retained = table["status"] == "retained"
    positive = (table[["revenue_1", "revenue_2", "units_1", "units_2"]] > 0).all(axis=1)
    table["decomposed"] = retained & positive
    split = table[table["decomposed"]]
    r1, r2 = split["revenue_1"], split["revenue_2"]
    log_ratio = np.log(r2 / r1)
    same = np.isclose(log_ratio, 0.0, rtol=0, atol=1e-12)
    weight = np.where(same, r1, (r2 - r1) / log_ratio.where(~same, 1))  # logarithmic mean L(R2, R1)
    table.loc[split.index, "cross_selling"] = weight * np.log(split["products_2"] / split["products_1"])
    table.loc[split.index, "volume"] = weight * np.log((split["units_2"] / split["products_2"])
                                                       / (split["units_1"] / split["products_1"]))
    table.loc[split.index, "up_selling"] = weight * np.log((r2 / split["units_2"]) / (r1 / split["units_1"]))
    undecomposed = retained & ~positive
    table.loc[undecomposed, "not_decomposed"] = table.loc[undecomposed, "change"]
    table.index.name = customer_col
    return RelationshipGrowth(table, first_period, second_period)


def first_purchases(transactions: pd.DataFrame, *, start, end, follow_up_days: int = 90,
                    attributes: tuple[str, ...] = (), customer_col: str = "customer_id", date_col: str = "date",
                    amount_col: str = "amount", product_col: str = "product") -> pd.DataFrame:
    """Customers whose first purchase falls between ``start`` and ``end``, and whether they came back.

    A first order makes a purchaser (采购者, the ladder's lowest rung in 教材 000 客户忠诚阶梯); a relationship is
    acquired when the purchaser comes back. Per customer: the first purchase day, the first day's spend
    (``first_spend``) and distinct products (``first_products``), each of ``attributes`` on that day (e.g.
    ``("Country",)``), and over the ``follow_up_days`` after the first day: ``returned`` (another purchase day)
    and ``follow_up_revenue``. Every customer gets the full follow-up window, so the log must reach
    ``end`` + ``follow_up_days`` (an ObservationPeriodError says by how much it falls short).
    """
    what = "first_purchases"
    _require(transactions, (customer_col, date_col, amount_col, product_col, *attributes), what)
    if transactions.empty:
        raise EmptyDataError("the transaction log is empty")
    start_day, end_day = _period((start, end), "start/end")
    follow = _number("follow_up_days", follow_up_days)
    if follow != int(follow) or follow < 1:
        raise DataError(f"follow_up_days must be a whole number of days >= 1, got {follow_up_days!r}")
    follow = int(follow)
    days = _dates(transactions, date_col, what).dt.normalize()
    amount = _amounts(transactions, amount_col, what)
    last_day = days.max()
    if end_day + pd.Timedelta(days=follow) > last_day:
        raise ObservationPeriodError(f"the log ends {last_day.date()}, but first purchases up to {end_day.date()} "
                                     f"need {follow} days of follow-up, until "
                                     f"{(end_day + pd.Timedelta(days=follow)).date()}; end earlier or shorten "
                                     "follow_up_days")
    lines = transactions.assign(_day=days, _amount=amount)
    first_day = lines.groupby(customer_col)["_day"].transform("min")
    chosen = lines[first_day.between(start_day, end_day)]
    if chosen.empty:
        raise EmptyDataError(f"no customer made a first purchase between {start_day.date()} and {end_day.date()}")
    chosen_first = first_day[chosen.index]
    on_first = chosen[chosen["_day"] == chosen_first]
    later = chosen[(chosen["_day"] > chosen_first) & (chosen["_day"] <= chosen_first + pd.Timedelta(days=follow))]
    grouped = on_first.groupby(customer_col)
    table = pd.DataFrame({"first_purchase": grouped["_day"].first(), "first_spend": grouped["_amount"].sum(),
                          "first_products": grouped[product_col].nunique()})
    for name in attributes:
        table[name] = grouped[name].agg(lambda values: values.mode().iloc[0] if values.notna().any() else None)
    table["returned"] = table.index.isin(later[customer_col].unique())
    table["follow_up_revenue"] = later.groupby(customer_col)["_amount"].sum().reindex(table.index, fill_value=0.0)
    return table


def score_prospects(history: pd.DataFrame, prospects: pd.DataFrame, *, pattern: list[str], bins: int = 3,
                    outcome: str = "returned", value: str = "follow_up_revenue") -> pd.DataFrame:
    """Acquisition likelihood and potential value of each prospect from the pattern it shares with past prospects.

    000's first three acquisition steps: find the patterns in customer behaviour that go with acquisition
    (识别客户行为的影响模式), select targets by pattern (根据模式选择目标客户), estimate their potential relationship
    value (目标客户潜在关系价值分析). ``history`` are earlier prospects whose ``outcome`` (True = acquired) and
    ``value`` (what an acquired one brought) are known; ``prospects`` are new ones, scored by the cell of
    ``pattern`` they fall in. Numeric pattern columns are cut into ``bins`` quantile bands of the history (the
    same edges for the prospects; values outside fall into the end bands).

    For each prospect: ``p_acquire`` = share of the cell's history acquired; ``potential_relationship_value`` = mean
    ``value`` of the cell's acquired history; ``pattern_customers`` = history in the cell. A prospect whose cell
    the history lacks, or whose cell never acquired anyone, gets the whole history's rate or value and
    ``pattern_seen`` False — so every prospect is scored, and the fallback is visible.
    """
    _require(history, (*pattern, outcome, value), "score_prospects (history)")
    _require(prospects, tuple(pattern), "score_prospects (prospects)")
    if history.empty or prospects.empty:
        raise EmptyDataError("score_prospects needs past prospects (history) and prospects to score; one is empty")
    if not pattern:
        raise DataError("pattern names at least one column that describes a prospect (e.g. ['first_spend'])")
    if _number("bins", bins) != int(bins) or bins < 2:
        raise DataError(f"bins must be a whole number >= 2, got {bins!r}")
    acquired = history[outcome]
    if not pd.api.types.is_bool_dtype(acquired):
        raise ColumnTypeError(f"score_prospects: {outcome!r} must be True/False (acquired or not), "
                              f"got {acquired.dtype}")
    past_value = _amounts(history, value, "score_prospects (history)")
    history_cells, prospect_cells = {}, {}
    for column in pattern:
        past, new = history[column], prospects[column]
        if pd.api.types.is_numeric_dtype(past) and not pd.api.types.is_bool_dtype(past):
            for label, values in (("history", past), ("prospects", new)):
                if not pd.api.types.is_numeric_dtype(values) or not np.isfinite(values.to_numpy(dtype="float64")).all():
                    raise DataError(f"score_prospects: pattern column {column!r} of the {label} must hold finite "
                                    "numbers (it is cut into bands); fill or drop the missing values first")
            edges = np.unique(np.quantile(past.to_numpy(dtype="float64"), np.linspace(0, 1, int(bins) + 1)))
            inner = edges[1:-1]
            history_cells[column] = np.searchsorted(inner, past.to_numpy(dtype="float64"), side="right")
            prospect_cells[column] = np.searchsorted(inner, new.to_numpy(dtype="float64"), side="right")
        else:
            history_cells[column] = past.astype(object).to_numpy()
            prospect_cells[column] = new.astype(object).to_numpy()
    past = pd.DataFrame({c: history_cells[c] for c in pattern})
    past["_acquired"], past["_value"] = acquired.to_numpy(), past_value.where(acquired).to_numpy()
    cells = past.groupby(list(pattern), dropna=False).agg(rate=("_acquired", "mean"), n=("_acquired", "size"),
                                                          value=("_value", "mean")).reset_index()
    found = pd.DataFrame({c: prospect_cells[c] for c in pattern}).merge(cells, on=list(pattern), how="left")
    overall_rate, overall_value = acquired.mean(), past_value[acquired].mean() if acquired.any() else 0.0
    seen = found["n"].notna().to_numpy() & found["value"].notna().to_numpy()
    scored = prospects.copy()
    scored["p_acquire"] = np.where(seen, found["rate"].to_numpy(), overall_rate)
    scored["potential_relationship_value"] = np.where(seen, found["value"].to_numpy(), overall_value)
    scored["pattern_customers"] = found["n"].fillna(0).astype("int64").to_numpy()
    scored["pattern_seen"] = seen
    return scored


def acquisition_value(prospects: pd.DataFrame, *, acquisition_cost: float, margin_rate: float = 1.0,
                      probability: str = "p_acquire", value: str = "potential_relationship_value") -> pd.DataFrame:
    """Prospects ranked by the expected value of trying to acquire them (教材 000, 获取新客户).

    expected_value = p · m · V − c: the acquisition likelihood p (客户获取可能性), the potential relationship value
    V (潜在关系价值, in revenue; ``margin_rate`` m turns it into margin) and the cost c of the acquisition attempt
    per prospect. Sorted by expected value; ``worth_targeting`` (> 0) is 000's last step, 选择潜在关系价值高的目标
    客户; ``cumulative_value`` is the value of targeting down the list.
    """
    _require(prospects, (probability, value), "acquisition_value")
    if prospects.empty:
        raise EmptyDataError("there are no prospects to rank")
    p = _amounts(prospects, probability, "acquisition_value")
    outside = (p < 0) | (p > 1)
    if outside.any():
        raise DataError(f"acquisition_value: {int(outside.sum()):,} values of {probability!r} lie outside [0, 1] "
                        f"(e.g. {p[outside].iloc[0]!r}); it is a probability")
    potential = _amounts(prospects, value, "acquisition_value")
    cost, margin = _non_negative("acquisition_cost", acquisition_cost), _number("margin_rate", margin_rate)
    if not 0 < margin <= 1:
        raise DataError(f"margin_rate is the share of revenue kept as margin, in (0, 1], got {margin_rate!r}")
    table = prospects.copy()
    table["expected_value"] = p * margin * potential - cost
    table = table.sort_values("expected_value", ascending=False, kind="stable")
    table["worth_targeting"] = table["expected_value"] > 0
    table["cumulative_value"] = table["expected_value"].cumsum()
    return table


#: The reason proxies of :func:`lapse_signals`, in the order the rules are tried.
LAPSE_SIGNALS = ("returned goods", "single purchase", "spend falling", "no signal in the log")


def targeting_backtest(targets: pd.DataFrame, *, outcome: str = "returned", value: str = "follow_up_revenue"
                       ) -> pd.DataFrame:
    """How the prospects :func:`acquisition_value` chose to target actually behaved, against the others.

    A check of 000's last acquisition step (选择潜在关系价值高的目标客户, 教材 000 客户关系管理获取新客户步骤).
    Useful when the prospects' outcomes are known (scored on past data, as in a backtest): per group ("targeted",
    "not targeted") the customers, the mean predicted likelihood ``p_acquire``, the share actually acquired
    (mean ``outcome``) and the mean actual ``value``.
    """
    _require(targets, ("worth_targeting", "p_acquire", outcome, value), "targeting_backtest")
    if targets.empty:
        raise EmptyDataError("there are no prospects to check")
    group = np.where(targets["worth_targeting"], "targeted", "not targeted")
    table = targets.groupby(group).agg(customers=("p_acquire", "size"), p_acquire=("p_acquire", "mean"),
                                       acquired_share=(outcome, "mean"), mean_value=(value, "mean"))
    return table.reindex([g for g in ("targeted", "not targeted") if g in table.index]).rename_axis("group")


def lapse_signals(transactions: pd.DataFrame, lapsed, *, returns: pd.Series | None = None, falling: float = 0.5,
                  customer_col: str = "customer_id", date_col: str = "date", amount_col: str = "amount"
                  ) -> pd.Series:
    """A defection-reason proxy for each lapsed customer, read from the log (教材 000, 2.赢返流失客户 (2)).

    The chapter segments lost customers by why they left; a firm learns that from exit surveys or complaints. A
    log only shows signals, tried in this order (the first that applies):

    1. "returned goods" — the customer returned or cancelled goods (``returns``: lines per customer, from
       :func:`crmlab.transactions.returns_by_customer`): a product or service problem;
    2. "single purchase" — one purchase day only: the relationship never formed;
    3. "spend falling" — the last purchase day brought less than ``falling`` × the mean of the earlier ones:
       business drifting away, often to a competitor or a cheaper offer;
    4. "no signal in the log".

    ``lapsed`` are the customer ids (e.g. the index of :func:`crmlab.economics.win_back_ranking`). Returns a
    categorical Series named "reason" with the categories of :data:`LAPSE_SIGNALS`. Ids absent from the log raise.
    """
    what = "lapse_signals"
    _require(transactions, (customer_col, date_col, amount_col), what)
    ids = pd.Index(lapsed)
    absent = ids.difference(pd.Index(transactions[customer_col].unique()))
    if len(absent):
        raise DataError(f"{len(absent):,} lapsed customers are not in the log (e.g. {list(absent[:3])}); pass ids "
                        "of the same log")
    falling = _number("falling", falling)
    if not 0 < falling < 1:
        raise DataError(f"falling is a share of the earlier mean spend per purchase day, in (0, 1), got {falling!r}")
    days = _dates(transactions, date_col, what).dt.normalize()
    amount = _amounts(transactions, amount_col, what)
    mine = transactions[customer_col].isin(ids)
    daily = amount[mine].groupby([transactions.loc[mine, customer_col], days[mine]]).sum()
    purchase_days = daily.groupby(level=0).size().reindex(ids)
    last = daily.groupby(level=0).last().reindex(ids)
    earlier_mean = ((daily.groupby(level=0).sum() - daily.groupby(level=0).last())
                    / (daily.groupby(level=0).size() - 1).replace(0, np.nan)).reindex(ids)
    returned = (returns.reindex(ids).fillna(0) if returns is not None else pd.Series(0, index=ids)) > 0
    reason = np.select([returned.to_numpy(), (purchase_days == 1).to_numpy(),
                        (last < falling * earlier_mean).to_numpy()],
                       list(LAPSE_SIGNALS[:3]), default=LAPSE_SIGNALS[3])
    return pd.Series(pd.Categorical(reason, categories=LAPSE_SIGNALS), index=ids, name="reason")


def win_back_by_reason(ranking: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    """Lapsed customers grouped by why they left, with their second lifetime value (教材 000, 2.赢返流失客户).

    000 segments lost customers two ways: by second lifetime value (重生终身价值; ``ranking`` from
    :func:`crmlab.economics.win_back_ranking`) and by the reason for defection (``reasons``: customer id → reason,
    from a survey or :func:`lapse_signals`). Per reason: customers, their share, total and mean second lifetime
    value, how many are worth contacting and what contacting those is worth. Lapsed customers without a reason
    form the row "no reason recorded" (counted, not dropped).
    """
    _require(ranking, ("second_lifetime_value", "worth_contacting"), "win_back_by_reason")
    if ranking.empty:
        raise EmptyDataError("no lapsed customers to group")
    if not isinstance(reasons, pd.Series):
        raise ColumnTypeError(f"reasons maps customer id to reason as a pandas Series, got {type(reasons).__name__}")
    if not ranking.index.isin(reasons.index).any() and len(reasons):
        raise DataError("no lapsed customer of the ranking has a reason: check that both use the same customer ids")
    reason = reasons.reindex(ranking.index).astype(object).where(reasons.reindex(ranking.index).notna(),
                                                                 "no reason recorded")
    frame = ranking.assign(reason=reason.to_numpy())
    worth = frame["second_lifetime_value"].where(frame["worth_contacting"], 0.0)
    table = frame.groupby("reason", sort=False).agg(
        customers=("second_lifetime_value", "size"),
        total_second_lifetime_value=("second_lifetime_value", "sum"),
        mean_second_lifetime_value=("second_lifetime_value", "mean"),
        worth_contacting=("worth_contacting", "sum"))
    table["value_of_contacting_worthwhile"] = worth.groupby(frame["reason"]).sum()
    table.insert(1, "customer_share", table["customers"] / table["customers"].sum())
    table["worth_contacting"] = table["worth_contacting"].astype("int64")
    return table.sort_values("value_of_contacting_worthwhile", ascending=False, kind="stable")

"""Retention economics: the business case for CRM in numbers.

* :func:`crm_quick_assessment` — the textbook's "leaking bucket": with customer turnover c in a market
  growing g, the firm must win c + g of its base each year just to keep its share, and c / (c + g) of
  all that acquisition only replaces customers it lost.
* :func:`constant_retention_clv` — lifetime value with a constant retention rate r, margin m per period and
  discount rate d: Σ_t m r^t / (1 + d)^t, in closed form m r / (1 + d − r) (margin at the end of each
  period, the customer must survive to earn it) or m (1 + d) / (1 + d − r) (margin at the start), or
  summed over a finite horizon.
* :func:`retention_uplift` — how much CLV (and so the value of the base) rises when retention rises by a
  few points; the famous "+5 points of retention, +25 % to +85 % profit" (Reichheld & Sasser 1990) holds
  only for some combinations of retention and discount rate, which the table makes visible.
* :func:`clv_sensitivity` — the same CLV over a grid of discount rates and relationship lengths.
* :func:`clv_components` — CLV split into the textbook's six sources (initial purchase, repeat purchases,
  cross-selling, lower cost to serve, referrals, price premium), period by period.
* :func:`customer_equity` — customer equity as the value of today's base plus the discounted
  net value of the cohorts still to be acquired (Gupta, Lehmann & Stuart 2004).
* :func:`win_back_ranking` — lapsed customers (流失客户) ranked by their "second lifetime value"
  (重生终身价值): what each is expected to be worth if a win-back offer brings them back, less its cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["COMPONENT_LABELS", "clv_components", "clv_sensitivity", "crm_quick_assessment",
           "customer_equity", "constant_retention_clv", "retention_uplift", "win_back_ranking"]

#: The textbook's CLV1-CLV6 with their Chinese names, in order.
COMPONENT_LABELS = {
    "initial_purchase": "初期购买收益 (CLV1)",
    "repeat_purchases": "重复购买收益 (CLV2)",
    "cross_selling": "交叉销售收益 (CLV3)",
    "lower_service_cost": "服务成本降低 (CLV4)",
    "referrals": "推荐收益 (CLV5)",
    "price_premium": "价格溢价 (CLV6)",
}


def _share(name: str, value: float, allow_one: bool = True) -> float:
    value = float(value)
    if not np.isfinite(value) or value < 0 or value > 1 or (value == 1 and not allow_one):
        raise ValueError(f"{name} is a probability or share between 0 and 1, got {value}")
    return value


def _non_negative(name: str, value) -> float:
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _discount_rate(value) -> float:
    d = float(value)
    if not np.isfinite(d) or d <= -1:
        raise ValueError(f"discount_rate must be above -1, got {value}")
    return d


def crm_quick_assessment(revenue: float, customers: float, turnover_rate: float, market_growth: float, *,
                         acquisition_cost: float | None = None,
                         sales_marketing_spend: float | None = None) -> pd.Series:
    """What customer turnover costs a firm that wants to grow with its market.

    Returns the revenue lost to turnover (turnover × revenue), the customers to win and the acquisition
    rate needed (turnover + growth), the share of acquisitions that only refill the leaking bucket
    (turnover / (turnover + growth)) and, with an acquisition cost and a sales and marketing budget, the
    spend that only replaces lost customers and its share of the budget.
    """
    revenue, customers = _non_negative("revenue", revenue), _non_negative("customers", customers)
    turnover = _share("turnover_rate", turnover_rate)
    growth = float(market_growth)
    if not np.isfinite(growth) or growth <= -1:
        raise ValueError(f"market_growth must be a rate above -1, got {market_growth}")
    needed = turnover + growth
    result = {
        "revenue_lost_to_turnover": turnover * revenue,
        "customers_lost": turnover * customers,
        "acquisition_rate_needed": needed,
        "customers_to_win": needed * customers,
        "share_of_acquisition_refilling": turnover / needed if needed > 0 else np.nan,
    }
    if acquisition_cost is not None:
        cost = _non_negative("acquisition_cost", acquisition_cost)
        result["refill_spend"] = turnover * customers * cost
        result["acquisition_spend_needed"] = needed * customers * cost
        if sales_marketing_spend is not None:
            budget = _non_negative("sales_marketing_spend", sales_marketing_spend)
            result["refill_share_of_budget"] = result["refill_spend"] / budget if budget else np.nan
    return pd.Series(result, name="assessment")


def constant_retention_clv(margin: float, retention: float, discount_rate: float, *, horizon: int | None = None,
                           timing: str = "end") -> float:
    """Lifetime value of a customer with constant retention rate ``retention``.

    ``timing="end"``: the margin of period t (t = 1, 2, …) is earned if the customer is still there,
    probability r^t; ``"start"``: margins at t = 0, 1, … (the first one certain). ``horizon`` limits the
    number of periods (None: no limit, the closed form).
    """
    m = _non_negative("margin", margin)
    r = _share("retention", retention)
    d = _discount_rate(discount_rate)
    if timing not in ("end", "start"):
        raise ValueError(f"timing must be 'end' or 'start', got {timing!r}")
    ratio = r / (1 + d)
    if horizon is None:
        if ratio >= 1:
            raise ValueError("with retention >= 1 + discount rate the value over an unlimited horizon is infinite; "
                             "give a horizon")
        return m * ratio / (1 - ratio) if timing == "end" else m / (1 - ratio)
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon}")
    periods = np.arange(1, horizon + 1) if timing == "end" else np.arange(horizon)
    return float(m * np.sum(ratio**periods))


def retention_uplift(retention_rates, discount_rates, *, uplift: float = 0.05, horizon: int | None = None,
                     timing: str = "end") -> pd.DataFrame:
    """Relative rise in CLV when retention rises by ``uplift`` (0.05 = 5 points), for each retention × discount rate.

    Margin cancels out of the ratio. Rows: retention rate; columns: discount rate; values: CLV(r + uplift) /
    CLV(r) − 1 (NaN where r + uplift exceeds 1).
    """
    table = pd.DataFrame(index=pd.Index(retention_rates, name="retention"),
                         columns=pd.Index(discount_rates, name="discount_rate"), dtype="float64")
    for r in table.index:
        for d in table.columns:
            if r + uplift > 1:
                continue
            base = constant_retention_clv(1.0, r, d, horizon=horizon, timing=timing)
            table.loc[r, d] = constant_retention_clv(1.0, r + uplift, d, horizon=horizon, timing=timing) / base - 1
    return table


def clv_sensitivity(margin: float, retention: float, discount_rates, horizons, *, timing: str = "end") -> pd.DataFrame:
    """Retention CLV for every combination of discount rate (columns) and horizon in periods (rows).

    A horizon of None is the unlimited relationship (the closed form). The table shows the textbook's two
    drivers at work: CLV falls as the discount rate rises, and grows with the length of the relationship,
    ever more slowly because later margins are both less likely and worth less today.
    """
    rows = pd.Index(["unlimited" if h is None else h for h in horizons], name="horizon")
    table = pd.DataFrame(index=rows, columns=pd.Index(discount_rates, name="discount_rate"), dtype="float64")
    for label, h in zip(rows, horizons, strict=True):
        for d in table.columns:
            table.loc[label, d] = constant_retention_clv(margin, retention, d, horizon=h, timing=timing)
    return table


def clv_components(*, initial_margin: float, repeat_margin: float, retention: float, discount_rate: float,
                   horizon: int = 10, spending_growth: float = 0.0, cross_sell_margin: float = 0.0,
                   service_cost_saving: float = 0.0, referrals_per_period: float = 0.0, referral_value: float = 0.0,
                   price_premium: float = 0.0) -> pd.DataFrame:
    """Expected discounted margin of one customer by source of value, period by period (textbook CLV1-CLV6).

    Period 0 is the acquisition: the initial purchase's margin (CLV1), certain and undiscounted. In period
    t = 1, ..., ``horizon`` the customer is still a customer with probability r^t, and a margin earned then is
    worth (1 + d)^-t today. While still a customer, in period t the customer brings

    * CLV2, repeat purchases: ``repeat_margin`` (1 + ``spending_growth``)^(t-1), a growing share of spending;
    * CLV3, cross-selling: ``cross_sell_margin`` (t - 1), each period of tenure adding one more product's margin;
    * CLV4, lower cost to serve: ``service_cost_saving`` (t - 1), as both sides learn to work together;
    * CLV5, referrals: ``referrals_per_period`` x ``referral_value`` (the value of a referred customer);
    * CLV6, price premium: ``price_premium`` (t - 1), as loyal customers grow less sensitive to price.

    The linear growth with tenure is the simplest form of Reichheld & Sasser's (1990) profit pattern, in
    which every source beyond the base margin grows the longer the customer stays. Returns a DataFrame
    indexed by period with one column per source (:data:`COMPONENT_LABELS`) and ``total``; its column sums
    are the CLV by source.
    """
    r = _share("retention", retention)
    d = _discount_rate(discount_rate)
    amounts = {name: _non_negative(name, value) for name, value in {
        "initial_margin": initial_margin, "repeat_margin": repeat_margin, "cross_sell_margin": cross_sell_margin,
        "service_cost_saving": service_cost_saving, "referrals_per_period": referrals_per_period,
        "referral_value": referral_value, "price_premium": price_premium}.items()}
    growth = float(spending_growth)
    if not np.isfinite(growth) or growth <= -1:
        raise ValueError(f"spending_growth must be a rate above -1, got {spending_growth}")
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon}")
    t = np.arange(horizon + 1)
    tenure = np.maximum(t - 1, 0)
    weight = np.where(t > 0, (r / (1 + d)) ** t, 0.0)  # P(still a customer) x discount factor, from period 1
    table = pd.DataFrame({
        "initial_purchase": np.where(t == 0, amounts["initial_margin"], 0.0),
        "repeat_purchases": weight * amounts["repeat_margin"] * (1 + growth) ** tenure,
        "cross_selling": weight * amounts["cross_sell_margin"] * tenure,
        "lower_service_cost": weight * amounts["service_cost_saving"] * tenure,
        "referrals": weight * amounts["referrals_per_period"] * amounts["referral_value"],
        "price_premium": weight * amounts["price_premium"] * tenure,
    }, index=pd.Index(t, name="period"))
    table["total"] = table.sum(axis=1)
    return table


def customer_equity(current_value: float, new_customers: float, new_customer_value: float, *,
                    acquisition_cost: float = 0.0, discount_rate: float, cohorts: int = 10,
                    cohort_growth: float = 0.0) -> pd.DataFrame:
    """Customer equity: the value of today's customers plus that of the cohorts still to come.

    Following Gupta, Lehmann & Stuart (2004, "Valuing customers", *Journal of Marketing Research* 41(1)),
    cohort k = 1, ..., ``cohorts`` brings n_k = ``new_customers`` (1 + g)^(k-1) customers at the start of
    period k, each worth ``new_customer_value`` (a CLV at acquisition) less ``acquisition_cost``, and the
    cohort is discounted by (1 + d)^-k. Cohort 0 is the current base, worth ``current_value`` (for instance
    :func:`crmlab.clv.customer_base_value` of a fitted model, or customers x :func:`constant_retention_clv`).

    With unlimited cohorts and g < d the future cohorts sum to n (CLV - c) / (d - g), a growing perpetuity.
    Returns one row per cohort (customers, net value per customer, discounted value) and the cumulative equity.
    """
    d = _discount_rate(discount_rate)
    growth = float(cohort_growth)
    if not np.isfinite(growth) or growth <= -1:
        raise ValueError(f"cohort_growth must be a rate above -1, got {cohort_growth}")
    n = _non_negative("new_customers", new_customers)
    cost = _non_negative("acquisition_cost", acquisition_cost)
    value = float(new_customer_value)
    if not np.isfinite(value) or not np.isfinite(float(current_value)):
        raise ValueError("current_value and new_customer_value must be finite numbers")
    if int(cohorts) != cohorts or cohorts < 0:
        raise ValueError(f"cohorts must be a whole number >= 0, got {cohorts}")
    k = np.arange(1, cohorts + 1)
    customers = n * (1 + growth) ** (k - 1)
    discounted = customers * (value - cost) / (1 + d) ** k
    table = pd.DataFrame({
        "customers": np.r_[np.nan, customers],
        "net_value_per_customer": np.r_[np.nan, np.full(cohorts, value - cost)],
        "discounted_value": np.r_[float(current_value), discounted],
    }, index=pd.Index(np.r_[0, k], name="cohort"))
    table["cumulative_equity"] = table["discounted_value"].cumsum()
    return table


def win_back_ranking(view: pd.DataFrame, *, as_of, lapsed_after_days: float = 180, win_back_rate: float,
                     contact_cost: float, margin_rate: float, retention: float, discount_rate: float,
                     period_days: float = 365.25, horizon: int | None = None) -> pd.DataFrame:
    """Lapsed customers ranked by second lifetime value: the expected value of trying to win each one back.

    ``view`` is :func:`crmlab.single_customer_view` (first_purchase, last_purchase, revenue per customer).
    A customer has lapsed when the last purchase is more than ``lapsed_after_days`` before ``as_of``. Every
    assumption is a parameter:

    * a won-back customer resumes their old pace: margin per period m_i = ``margin_rate`` x revenue_i /
      max(active periods_i, 1), where the active span runs from the first to the last purchase (so a
      one-time buyer counts as one period's revenue);
    * the offer succeeds with probability ``win_back_rate`` and costs ``contact_cost`` per customer tried;
    * after returning, the customer stays each period with probability ``retention``; margins are
      discounted at ``discount_rate`` per period, the first period after the return being certain
      (:func:`constant_retention_clv` with ``timing="start"``, optionally over ``horizon`` periods).

    Second lifetime value = win_back_rate x m_i x CLV(1) − contact_cost. Returns the lapsed customers sorted
    by it, with ``worth_contacting`` (value > 0) and the cumulative value of contacting down the list.
    """
    for column in ("first_purchase", "last_purchase", "revenue"):
        if column not in view.columns:
            raise KeyError(f"win_back_ranking needs {column!r} from crmlab.single_customer_view; "
                           f"have {list(view.columns)}")
    p = _share("win_back_rate", win_back_rate)
    cost = _non_negative("contact_cost", contact_cost)
    margin = _share("margin_rate", margin_rate)
    per_period = constant_retention_clv(1.0, retention, discount_rate, horizon=horizon, timing="start")
    if _non_negative("period_days", period_days) == 0:
        raise ValueError("period_days must be positive")
    as_of = pd.Timestamp(as_of)
    idle_days = (as_of - view["last_purchase"]).dt.total_seconds() / 86_400
    lapsed = view[idle_days > _non_negative("lapsed_after_days", lapsed_after_days)]
    active_periods = ((lapsed["last_purchase"] - lapsed["first_purchase"]).dt.total_seconds() / 86_400
                      / period_days).clip(lower=1.0)
    margin_per_period = margin * lapsed["revenue"].clip(lower=0) / active_periods
    table = pd.DataFrame({
        "days_since_last_purchase": idle_days[lapsed.index],
        "revenue": lapsed["revenue"],
        "margin_per_period": margin_per_period,
        "second_lifetime_value": p * margin_per_period * per_period - cost,
    }).sort_values("second_lifetime_value", ascending=False, kind="stable")
    table["worth_contacting"] = table["second_lifetime_value"] > 0
    table["cumulative_value"] = table["second_lifetime_value"].cumsum()
    return table

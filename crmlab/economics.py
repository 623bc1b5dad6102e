"""Retention economics: the business case for CRM in numbers.

* :func:`leaking_bucket` — customer turnover against market growth (教材 002, 案例一/案例二): with turnover c and
  market growth g, a firm that wins new customers at rate a ends the year at R (1 − c + a); keeping pace with the
  market needs a = c + g, so (c + g) / g times the market growth rate, and c / (c + g) of that effort only refills
  the bucket.
* :func:`crm_budget_quick_assessment` — 002's "How much can you spend on CRM? – quick assessment": marketing expense
  × turnover rate + present value of lost referrals + value of the sales-management time spent regaining lost
  revenue + (target − current retention, in revenue).
* :func:`constant_retention_clv` — lifetime value with a constant retention rate r, margin m per period and
  discount rate d: Σ_t m r^t / (1 + d)^t, in closed form m r / (1 + d − r) (margin at the end of each
  period, the customer must survive to earn it) or m (1 + d) / (1 + d − r) (margin at the start), or
  summed over a finite horizon.
* :func:`retention_uplift` — how much CLV (and so the value of the base) rises when retention rises by a
  few points; :func:`retention_for_uplift` inverts it in closed form, and :func:`retention_claims` sets the five
  versions of the "+5 % retention → +x % profit" claim the textbook chapters quote (:data:`RETENTION_CLAIMS`)
  against the retention and discount rates at which the CLV gain reaches them.
* :func:`clv_sensitivity` — the same CLV over a grid of discount rates and relationship lengths.
* :func:`clv_components` — CLV split into the textbook's six sources CLV1–CLV6 (教材 003 §2.5.2) and the retention
  cost, period by period; :func:`clv_drivers` moves each of 003's six drivers ①–⑥ in turn.
* :func:`clv_proportionality` — 003 §2.5.2 3) says CLV is inversely proportional to the discount rate and
  proportional to the length of the relationship; the constant-retention CLV shows by how much it really moves.
* :data:`QUOTED_CLV` and :func:`quoted_clv_table` — the lifetime values 003 §2.5.2 quotes (SAS, Cadillac, …)
  per year and as the present value of a level yearly stream.
* :func:`customer_equity` — customer equity as the value of today's base plus the discounted
  net value of the cohorts still to be acquired (Gupta, Lehmann & Stuart 2004).
* :func:`win_back_ranking` — lapsed customers (流失客户) ranked by their "second lifetime value"
  (重生终身价值): what each is expected to be worth if a win-back offer brings them back, less its cost.

Every function raises a :class:`crmlab.errors.DataError` (a ``ValueError``) that names the argument and the
values it accepts when an argument is out of range.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import DataError, MissingColumnError

__all__ = ["COMPONENT_LABELS", "QUOTED_CLV", "RETENTION_CLAIMS", "clv_components", "clv_drivers", "clv_sensitivity",
           "clv_proportionality", "constant_retention_clv", "crm_budget_quick_assessment", "customer_equity",
           "leaking_bucket", "quoted_clv_table", "retention_ceilings", "retention_claims", "retention_for_uplift",
           "retention_uplift", "win_back_ranking"]

#: The columns of :func:`clv_components`: CLV1–CLV6 of 教材 003 §2.5.2 2) and driver ⑤ of §2.5.2 3), with the
#: label a table shows (translated by :mod:`crmlab.i18n`: 初期购买收益 (CLV1), … 客户关系的维系成本 (⑤)).
COMPONENT_LABELS = {
    "initial_purchase": "initial purchase (CLV1)",
    "repeat_purchases": "repeat purchases and higher spending (CLV2)",
    "cross_selling": "cross-selling (CLV3)",
    "lower_service_cost": "lower cost to serve, better marketing efficiency (CLV4)",
    "referrals": "referrals (CLV5)",
    "price_premium": "lower price sensitivity (CLV6)",
    "retention_cost": "retention cost (⑤)",
}

#: The lifetime values 教材 003 §2.5.2 1) quotes: (company, years, value in US$). Undiscounted totals as quoted.
QUOTED_CLV = (
    ("Scandinavian Airlines (business traveller)", 20, 480_000),
    ("Cadillac", 30, 332_000),
    ("Marlboro (smoker)", 30, 25_000),
    ("Ritz hotel", 20, 144_000),
    ("AT&T", 30, 72_000),
    ("Coca-Cola", 50, 11_000),
)

#: The five versions of the retention claim in the chapters: (source, measure, retention rise as worded,
#: lower and upper gain). 000 客户关系的远度成长 2.客户挽留; 001 §3.6 (range printed "25%85%", read 25%~85%);
#: 001 §3.6.2 (printed "35%95%"); 003 §2.3; 004 §2.4.2 ⑹.
RETENTION_CLAIMS = (
    ("000", "profit", "retention rate +5%", 0.60, 0.60),
    ("001 §3.6", "profit", "loyalty +5 points", 0.25, 0.85),
    ("001 §3.6.2", "customer NPV", "customer retention rate up 5%", 0.35, 0.95),
    ("003 §2.3", "profit", "keep 5% of customers", 1.00, 1.00),
    ("004 §2.4.2", "profit", "loyal customers +5%", 0.25, 0.85),
)


def _number(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise DataError(f"{name} must be a finite number, got {value!r}")
    return number


def _share(name: str, value, allow_one: bool = True) -> float:
    number = _number(name, value)
    if number < 0 or number > 1 or (number == 1 and not allow_one):
        upper = "1" if allow_one else "below 1"
        raise DataError(f"{name} is a probability or share between 0 and {upper}, got {value!r}")
    return number


def _non_negative(name: str, value) -> float:
    number = _number(name, value)
    if number < 0:
        raise DataError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def _rate(name: str, value) -> float:
    number = _number(name, value)
    if number <= -1:
        raise DataError(f"{name} must be a rate above -1 (-100 %), got {value!r}")
    return number


def _discount_rate(value) -> float:
    return _rate("discount_rate", value)


def _periods(name: str, value) -> int:
    number = _number(name, value)
    if int(number) != number or number < 1:
        raise DataError(f"{name} must be a whole number of periods >= 1, got {value!r}")
    return int(number)


def leaking_bucket(revenue: float, turnover_rate: float, market_growth: float, *,
                   acquisition_rate: float | None = None, customers: float | None = None,
                   acquisition_cost: float | None = None, sales_marketing_spend: float | None = None) -> pd.Series:
    """What customer turnover costs a firm that wants to grow with its market (the "leaking bucket").

    The scenario of 教材 002 (案例一, 案例二): revenue R, customer turnover c (客户周转率, the share of customers — and,
    customers alike, of revenue — lost in a year), market growth g (市场增长率), new customers won at rate a
    (share of today's base; by default a = g, "acquires new customers at the market growth rate"). Then

    * revenue lost to turnover = c R, revenue won = a R;
    * next year's revenue R' = R (1 − c + a), the change R' − R = (a − c) R;
    * the market's pace: R (1 + g); the shortfall against it R (1 + g) − R' = (c + g − a) R;
    * acquisition needed to grow with the market: a* = c + g, i.e. (c + g) / g times the market growth rate
      (``needed_multiple_of_growth``, only when g > 0); c / (c + g) of that acquisition only replaces lost
      customers (``refill_share``, when c + g > 0);
    * without any acquisition the base halves in ln 0.5 / ln(1 − c) years (``half_life_without_acquisition``,
      when 0 < c < 1): 1.94, 1.36 and 1.00 years for 002's turnover rates of 30, 40 and 50 %.

    With 002's numbers (R = RMB 1 billion, c = 30 %, g = 15 %): R' = 850 million, a loss of 150 million as the
    slide says; but a* = 45 % = 3 × g, not the slide's "double the market growth rate" — acquiring at 2 g = 30 %
    only replaces the turnover (R' = R).

    With ``customers`` (N) the same rates in customers (customers_lost = c N, customers_to_win = (c + g) N); with an
    ``acquisition_cost`` per customer also the spend that only refills the bucket (c N × cost) and the spend needed
    ((c + g) N × cost); with a ``sales_marketing_spend`` budget, the refill spend's share of it.

    Returns
    -------
    pd.Series named "leaking_bucket" (money in the unit of ``revenue``).
    """
    revenue = _non_negative("revenue", revenue)
    turnover = _share("turnover_rate", turnover_rate)
    growth = _rate("market_growth", market_growth)
    acquisition = growth if acquisition_rate is None else _non_negative("acquisition_rate", acquisition_rate)
    if acquisition < 0:
        raise DataError(f"acquisition_rate defaults to market_growth, which is negative ({growth}); give "
                        "acquisition_rate >= 0 explicitly when the market shrinks")
    needed = turnover + growth
    result = {
        "revenue": revenue,
        "revenue_lost_to_turnover": turnover * revenue,
        "revenue_won": acquisition * revenue,
        "revenue_next_year": revenue * (1 - turnover + acquisition),
        "change_vs_today": revenue * (acquisition - turnover),
        "market_pace_revenue": revenue * (1 + growth),
        "shortfall_vs_market": revenue * (needed - acquisition),
        "acquisition_rate": acquisition,
        "acquisition_rate_needed": needed,
    }
    if growth > 0:
        result["needed_multiple_of_growth"] = needed / growth
    if needed > 0:
        result["refill_share"] = turnover / needed
    if 0 < turnover < 1:
        result["half_life_without_acquisition"] = math.log(0.5) / math.log1p(-turnover)
    if customers is not None:
        n = _non_negative("customers", customers)
        result["customers_lost"] = turnover * n
        result["customers_to_win"] = needed * n
        if acquisition_cost is not None:
            cost = _non_negative("acquisition_cost", acquisition_cost)
            result["refill_spend"] = turnover * n * cost
            result["acquisition_spend_needed"] = needed * n * cost
            if sales_marketing_spend is not None:
                budget = _non_negative("sales_marketing_spend", sales_marketing_spend)
                if budget == 0:
                    raise DataError("sales_marketing_spend is 0: the refill spend has no budget to be a share of; "
                                    "leave sales_marketing_spend out")
                result["refill_share_of_budget"] = result["refill_spend"] / budget
    elif acquisition_cost is not None or sales_marketing_spend is not None:
        raise DataError("acquisition_cost and sales_marketing_spend are per customer and need customers= "
                        "(the number of customers today)")
    return pd.Series(result, name="leaking_bucket", dtype="float64")


def crm_budget_quick_assessment(marketing_expense: float, turnover_rate: float, lost_referrals_value: float,
                                regain_sales_time_value: float, target_retention_revenue: float,
                                current_retention_revenue: float) -> pd.Series:
    """How much a firm can spend on CRM: the quick assessment of 教材 002 (你能在 CRM上花多少钱?快速评估).

    The slide adds four costs that turnover imposes on revenue growth, all money per year:

        budget = M · c + PV_ref + V_time + (R_target − R_current)

    * M · c — marketing expense × turnover rate (市场花费开销 X 周转率): the part of the marketing spend that
      only replaces lost customers (with c = 30 %, 002's "30 % of sales management and marketing expense");
    * PV_ref — present value of lost referrals / good word of mouth (良好口碑的价值; the English slide says
      *lost* and *present value*, the Chinese only "value of good word of mouth");
    * V_time — value of the sales-management time spent regaining lost revenue (花在重获失去的收入上的销售管理
      时间的价值);
    * R_target − R_current — target minus current retention, in revenue (目标保持力 − 现有保持力).

    "= the costs to your revenue growth that could be re-allocated to CRM". The slide gives no values except the
    turnover rate; a target below the current retention is refused (there is then no gap to close: pass equal
    values).

    Returns
    -------
    pd.Series named "crm_budget_quick_assessment": the four terms and their sum ``crm_budget``.
    """
    expense = _non_negative("marketing_expense", marketing_expense)
    turnover = _share("turnover_rate", turnover_rate)
    referrals = _non_negative("lost_referrals_value", lost_referrals_value)
    time_value = _non_negative("regain_sales_time_value", regain_sales_time_value)
    target = _non_negative("target_retention_revenue", target_retention_revenue)
    current = _non_negative("current_retention_revenue", current_retention_revenue)
    if target < current:
        raise DataError(f"target_retention_revenue ({target:,.2f}) is below current_retention_revenue "
                        f"({current:,.2f}): the quick assessment counts the gap still to close, so the target must "
                        "be at least the current retention (pass equal values when there is no gap)")
    terms = {
        "marketing_expense_x_turnover": expense * turnover,
        "lost_referrals_value": referrals,
        "regain_sales_time_value": time_value,
        "retention_gap": target - current,
    }
    terms["crm_budget"] = sum(terms.values())
    return pd.Series(terms, name="crm_budget_quick_assessment", dtype="float64")


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
        raise DataError(f"timing must be 'end' or 'start', got {timing!r}")
    ratio = r / (1 + d)
    if horizon is None:
        if ratio >= 1:
            raise DataError("with retention >= 1 + discount rate the value over an unlimited horizon is infinite; "
                            "give a horizon")
        return m * ratio / (1 - ratio) if timing == "end" else m / (1 - ratio)
    horizon = _periods("horizon", horizon)
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


def retention_for_uplift(gain: float, discount_rate: float, *, uplift: float = 0.05) -> float:
    """The retention rate at which ``uplift`` more points of retention raise CLV by ``gain`` (0.60 = +60 %).

    With CLV(r) = m r / (1 + d − r) (:func:`constant_retention_clv`, margins at the end of each period), write
    a = 1 + d, u = ``uplift`` and G = ``gain``. CLV(r + u) / CLV(r) = 1 + G reduces to the quadratic

        r² − (a − u) r + a u / G = 0,   r = [(a − u) ± √((a − u)² − 4 a u / G)] / 2.

    The gain is smallest at r = (a − u) / 2 and rises on both sides (towards r = 0 CLV itself vanishes, so any
    rise is large in relative terms); the function returns the upper root, the branch where a firm with better
    retention gains more — the reading of the textbook's claims (教材 000 客户关系的远度成长; 001 §3.6, §3.6.2;
    003 §2.3; 004 §2.4.2). Returns NaN when no retention rate on that branch gives the gain: when it is above the
    ceiling (u + d) / ((1 − u) d) − 1 reached at r = 1 − u (57.9 % for u = 5 points, d = 10 %; see
    :func:`retention_ceilings`), or below the smallest gain, at r = (a − u) / 2, which every retention rate
    exceeds (22.2 % for u = 5 points, d = 0).
    """
    target = _number("gain", gain)
    if target <= 0:
        raise DataError(f"gain is a relative rise of CLV above 0 (0.6 = +60 %), got {gain!r}")
    d = _discount_rate(discount_rate)
    u = _share("uplift", uplift, allow_one=False)
    if u == 0:
        raise DataError("uplift must be above 0 (0.05 = five points of retention)")
    a = 1 + d
    discriminant = (a - u) ** 2 - 4 * a * u / target
    if discriminant < 0:
        return float("nan")
    r = ((a - u) + np.sqrt(discriminant)) / 2
    return float(r) if r <= 1 - u else float("nan")


def retention_claims(discount_rates=(0.0, 0.05, 0.10), *, uplift: float = 0.05) -> pd.DataFrame:
    """The five versions of the retention claim (:data:`RETENTION_CLAIMS`) against the CLV arithmetic.

    One row per claim and bound (a range such as 25 %~85 % gives two rows); for each discount rate d a column
    ``r_at_d=…`` with the retention rate at which ``uplift`` more points raise CLV by the quoted gain
    (:func:`retention_for_uplift`, NaN where unreachable), and ``ceiling_at_d=…`` in :func:`retention_ceilings`.
    The chapters speak of profit or NPV, the arithmetic of CLV: the table shows under which (r, d) the two agree,
    not that the claims are right.
    """
    rows = []
    for source, measure, wording, low, high in RETENTION_CLAIMS:
        for bound, gain in (("low", low), ("high", high)) if low != high else (("single", low),):
            row = {"source": source, "measure": measure, "claim": wording, "bound": bound, "quoted_gain": gain}
            for d in discount_rates:
                row[f"r_at_d={d:.0%}"] = retention_for_uplift(gain, d, uplift=uplift)
            rows.append(row)
    return pd.DataFrame(rows)


def retention_ceilings(discount_rates=(0.0, 0.05, 0.10), *, uplift: float = 0.05) -> pd.Series:
    """The largest CLV gain ``uplift`` more points of retention can give at each discount rate: at r = 1 − u.

    (u + d) / ((1 − u) d) − 1, unbounded (inf) at d = 0, where CLV at r = 1 is infinite. At d = 10 % and u = 5 points
    it is 57.9 %, below the 60 % of 教材 000 (2.客户挽留).
    """
    u = _share("uplift", uplift, allow_one=False)
    values = {}
    for rate in discount_rates:
        d = _discount_rate(rate)
        values[f"d={d:.0%}"] = np.inf if d == 0 else (u + d) / ((1 - u) * d) - 1
    return pd.Series(values, name="max_gain", dtype="float64")


def clv_proportionality(margin: float, retention: float, discount_rate: float, *, discount_rate_to: float,
                        retention_to: float) -> pd.DataFrame:
    """How far 003's "成反比" and "成正比" hold for the constant-retention CLV m r / (1 + d - r).

    教材 003 §2.5.2 3) ① writes "客户的终身价值与贴现率成反比" and ② "客户的终身价值与客户关系的生命周期成正比". Read
    literally, multiplying the discount rate by k divides CLV by k, and multiplying the length of the relationship
    by k multiplies CLV by k. Here the length is the expected number of margins the customer brings, Σ r^t =
    r / (1 - r) (t = 1, 2, …, as in :func:`constant_retention_clv`). Returns one row per driver ("discount rate":
    ``discount_rate`` → ``discount_rate_to``; "relationship length": the length at ``retention`` →
    ``retention_to``) with the driver's values and factor, CLV before and after, CLV's factor and the factor a
    strict proportion would give (1 / driver factor for the discount rate, the driver factor for the length).
    The direction the chapter gives is right; the proportion is not.
    """
    d0, d1 = _discount_rate(discount_rate), _discount_rate(discount_rate_to)
    r0, r1 = _share("retention", retention), _share("retention_to", retention_to)
    if d0 <= 0 or r0 >= 1 or r1 >= 1:
        raise DataError("the discount rate must be above 0 and the retention rates below 1 for the factors to exist")
    clv = {(r, d): constant_retention_clv(margin, r, d) for r, d in ((r0, d0), (r0, d1), (r1, d0))}
    length0, length1 = r0 / (1 - r0), r1 / (1 - r1)
    rows = {
        "discount rate": (d0, d1, d1 / d0, clv[r0, d0], clv[r0, d1], d0 / d1),
        "relationship length": (length0, length1, length1 / length0, clv[r0, d0], clv[r1, d0], length1 / length0),
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["driver_from", "driver_to", "driver_factor",
                                                                   "clv_from", "clv_to", "factor_if_proportional"])
    table.insert(5, "clv_factor", table["clv_to"] / table["clv_from"])
    table.index.name = "driver"
    return table


def clv_components(*, initial_margin: float, repeat_margin: float, retention: float, discount_rate: float,
                   horizon: int = 10, spending_growth: float = 0.0, cross_sell_margin: float = 0.0,
                   service_cost_saving: float = 0.0, referrals_per_period: float = 0.0, referral_value: float = 0.0,
                   price_premium: float = 0.0, retention_cost: float = 0.0) -> pd.DataFrame:
    """Expected discounted margin of one customer by source of value, period by period (教材 003 §2.5.2).

    Period 0 is the acquisition: the initial purchase's margin (CLV1), certain and undiscounted. In period
    t = 1, ..., ``horizon`` the customer is still a customer with probability r^t, and a margin earned then is
    worth (1 + d)^-t today: weight w_t = (r / (1 + d))^t. While still a customer, in period t the customer brings

    * CLV2, repeat purchases: ``repeat_margin`` (1 + ``spending_growth``)^(t-1) — a growing share of spending;
      a customer whose income grows spends more (003's driver ④ 客户收入的变化);
    * CLV3, cross-selling: ``cross_sell_margin`` (t - 1), each period of tenure adding one more product's margin;
    * CLV4, lower cost to serve and better marketing efficiency: ``service_cost_saving`` (t - 1);
    * CLV5, referrals: ``referrals_per_period`` x ``referral_value`` — the value of one mention. A negative
      ``referral_value`` is negative word of mouth (driver ③ 产品被提及率: "如果产品是被负面提及,推荐收益是
      负值"), which lowers CLV;
    * CLV6, lower price sensitivity: ``price_premium`` (t - 1);
    * driver ⑤, the cost of keeping the relationship (客户关系的维系成本): − ``retention_cost`` per period.

    The linear growth with tenure is the simplest form of Reichheld & Sasser's (1990) profit pattern, in
    which every source beyond the base margin grows the longer the customer stays. Returns a DataFrame
    indexed by period with one column per source (:data:`COMPONENT_LABELS`) and ``total``; its column sums
    are the CLV by source, CLV = Σ CLVi − discounted retention cost.
    """
    r = _share("retention", retention)
    d = _discount_rate(discount_rate)
    amounts = {name: _non_negative(name, value) for name, value in {
        "initial_margin": initial_margin, "repeat_margin": repeat_margin, "cross_sell_margin": cross_sell_margin,
        "service_cost_saving": service_cost_saving, "referrals_per_period": referrals_per_period,
        "price_premium": price_premium, "retention_cost": retention_cost}.items()}
    mention_value = _number("referral_value", referral_value)
    growth = _rate("spending_growth", spending_growth)
    horizon = _periods("horizon", horizon)
    t = np.arange(horizon + 1)
    tenure = np.maximum(t - 1, 0)
    weight = np.where(t > 0, (r / (1 + d)) ** t, 0.0)  # P(still a customer) x discount factor, from period 1
    table = pd.DataFrame({
        "initial_purchase": np.where(t == 0, amounts["initial_margin"], 0.0),
        "repeat_purchases": weight * amounts["repeat_margin"] * (1 + growth) ** tenure,
        "cross_selling": weight * amounts["cross_sell_margin"] * tenure,
        "lower_service_cost": weight * amounts["service_cost_saving"] * tenure,
        "referrals": weight * amounts["referrals_per_period"] * mention_value,
        "price_premium": weight * amounts["price_premium"] * tenure,
        "retention_cost": -weight * amounts["retention_cost"],
    }, index=pd.Index(t, name="period"))
    table["total"] = table.sum(axis=1)
    return table


def clv_drivers(base: Mapping[str, float], *, discount_rate: float, retention: float, referral_value: float,
                spending_growth: float, retention_cost: float, competitor_retention: float) -> pd.DataFrame:
    """CLV when each of the six drivers of 教材 003 §2.5.2 3) moves in turn, all else as in ``base``.

    ``base`` holds the keyword arguments of :func:`clv_components`. Each keyword here is the value the driver's
    parameter takes in its scenario:

    * ① 贴现率 — ``discount_rate`` (CLV falls as it rises: "客户的终身价值与贴现率成反比");
    * ② 客户关系的生命周期 — ``retention`` (expected length 1 / (1 − r); CLV rises with it, through CLV2/CLV3);
    * ③ 产品被提及率 — ``referral_value`` (negative: negative word of mouth);
    * ④ 客户收入的变化 — ``spending_growth`` (income growth raising repeat spending);
    * ⑤ 客户关系的维系成本 — ``retention_cost`` per period (a direct deduction; 003 calls the level appropriate
      while keeping a customer costs less than winning a new one);
    * ⑥ 其他 — ``competitor_retention``: the retention rate after a strong competitor enters (the text names
      entrants, exits and competitors' actions; we model their effect on retention).

    Returns one row per driver: parameter, base_value, scenario_value, clv (scenario), change and
    relative_change against the base CLV (Σ of :func:`clv_components` ``total``).
    """
    if not isinstance(base, Mapping):
        raise DataError(f"base is the keyword arguments of clv_components as a dict, got {type(base).__name__}")
    scenarios = {
        "discount rate (①)": ("discount_rate", discount_rate),
        "relationship length (②)": ("retention", retention),
        "mention rate (③)": ("referral_value", referral_value),
        "customer income (④)": ("spending_growth", spending_growth),
        "retention cost (⑤)": ("retention_cost", retention_cost),
        "competitors (⑥)": ("retention", competitor_retention),
    }
    defaults = {name: p.default for name, p in inspect.signature(clv_components).parameters.items()}
    unknown = sorted(set(base) - set(defaults))
    missing = sorted(name for name, default in defaults.items() if default is inspect.Parameter.empty
                     and name not in base)
    if unknown or missing:
        raise DataError(f"base must hold the keyword arguments of clv_components: unknown {unknown}, "
                        f"missing {missing}")
    base_clv = clv_components(**base)["total"].sum()
    if base_clv == 0:
        raise DataError("the base CLV is 0, so relative changes are undefined; give the base some margin")
    rows = []
    for driver, (parameter, value) in scenarios.items():
        clv = clv_components(**{**base, parameter: value})["total"].sum()
        rows.append({"driver": driver, "parameter": parameter,
                     "base_value": float(base.get(parameter, defaults[parameter])),
                     "scenario_value": float(value), "clv": clv, "change": clv - base_clv,
                     "relative_change": (clv - base_clv) / abs(base_clv)})
    table = pd.DataFrame(rows).set_index("driver")
    table.attrs["base_clv"] = base_clv
    return table


def quoted_clv_table(discount_rate: float = 0.10) -> pd.DataFrame:
    """The quoted lifetime values of 教材 003 §2.5.2 1) (:data:`QUOTED_CLV`), per year and discounted.

    For each company: the quoted value V over n years, the undiscounted value per year V / n, and the present value
    of that level yearly amount received at the end of each year, (V / n) (1 − (1 + d)^-n) / d (the annuity
    factor; V at d = 0), with its share of the quoted figure. The quotes are undiscounted sums — at 10 % a year
    the SAS traveller's 480,000 over 20 years is worth 204,326 today (42.6 %).
    """
    d = _discount_rate(discount_rate)
    table = pd.DataFrame(QUOTED_CLV, columns=["company", "years", "lifetime_value"]).set_index("company")
    table["value_per_year"] = table["lifetime_value"] / table["years"]
    factor = table["years"].astype("float64") if d == 0 else (1 - (1 + d) ** -table["years"]) / d
    table["present_value"] = table["value_per_year"] * factor
    table["present_value_share"] = table["present_value"] / table["lifetime_value"]
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
    growth = _rate("cohort_growth", cohort_growth)
    n = _non_negative("new_customers", new_customers)
    cost = _non_negative("acquisition_cost", acquisition_cost)
    value = _number("new_customer_value", new_customer_value)
    current_value = _number("current_value", current_value)
    if _number("cohorts", cohorts) != int(cohorts) or cohorts < 0:
        raise DataError(f"cohorts must be a whole number >= 0, got {cohorts!r}")
    cohorts = int(cohorts)
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
    missing = [c for c in ("first_purchase", "last_purchase", "revenue") if c not in view.columns]
    if missing:
        raise MissingColumnError(f"win_back_ranking needs columns {missing} of crmlab.single_customer_view(log); "
                                 f"the table has {list(view.columns)}")
    p = _share("win_back_rate", win_back_rate)
    cost = _non_negative("contact_cost", contact_cost)
    margin = _share("margin_rate", margin_rate)
    per_period = constant_retention_clv(1.0, retention, discount_rate, horizon=horizon, timing="start")
    if _non_negative("period_days", period_days) == 0:
        raise DataError("period_days must be positive (365.25 for years)")
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

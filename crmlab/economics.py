"""Retention economics: the business case for CRM in numbers.

* :func:`crm_quick_assessment` — the textbook's "leaking bucket": with customer turnover c in a market
  growing g, the firm must win c + g of its base each year just to keep its share, and c / (c + g) of
  all that acquisition only replaces customers it lost.
* :func:`retention_clv` — lifetime value with a constant retention rate r, margin m per period and
  discount rate d: Σ_t m r^t / (1 + d)^t, in closed form m r / (1 + d − r) (margin at the end of each
  period, the customer must survive to earn it) or m (1 + d) / (1 + d − r) (margin at the start), or
  summed over a finite horizon.
* :func:`retention_uplift` — how much CLV (and so the value of the base) rises when retention rises by a
  few points; the famous "+5 points of retention, +25 % to +85 % profit" (Reichheld & Sasser 1990) holds
  only for some combinations of retention and discount rate, which the table makes visible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["crm_quick_assessment", "retention_clv", "retention_uplift"]


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


def retention_clv(margin: float, retention: float, discount_rate: float, *, horizon: int | None = None,
                  timing: str = "end") -> float:
    """Lifetime value of a customer with constant retention rate ``retention``.

    ``timing="end"``: the margin of period t (t = 1, 2, …) is earned if the customer is still there,
    probability r^t; ``"start"``: margins at t = 0, 1, … (the first one certain). ``horizon`` limits the
    number of periods (None: no limit, the closed form).
    """
    m = _non_negative("margin", margin)
    r = _share("retention", retention)
    d = float(discount_rate)
    if not np.isfinite(d) or d <= -1:
        raise ValueError(f"discount_rate must be above -1, got {discount_rate}")
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
            base = retention_clv(1.0, r, d, horizon=horizon, timing=timing)
            table.loc[r, d] = retention_clv(1.0, r + uplift, d, horizon=horizon, timing=timing) / base - 1
    return table

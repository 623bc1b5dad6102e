"""Customer lifetime value (客户终身价值) and customer equity from a purchase model and a spend model.

The expected discounted value of a customer over the next H periods is

.. math::
    CLV_i = m \\cdot E[z_i] \\sum_{k=1}^{H} \\frac{E[X_i(k\\Delta)] - E[X_i((k-1)\\Delta)]}{(1+d)^k}

where E[X_i(t)] is the model's conditional expected number of purchases in the
next t time units (given the customer's x, t_x, T), Δ the length of one
discounting period in the data's time unit, d the discount rate per period,
E[z_i] the expected spend per purchase (e.g. a Gamma-Gamma model's conditional
mean) and m the margin. Purchases within a period are discounted at the period's
end, as in Fader, Hardie & Lee (2005, "RFM and CLV") and lifetimes. Customer
equity (客户资产) is the sum of CLV over the customer base.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import pandas as pd

from ..units import days_per

__all__ = ["customer_lifetime_value", "customer_equity"]



def _period_length(freq: str, time_unit: str, period_length: float | None) -> float:
    if period_length is not None:
        if period_length <= 0:
            raise ValueError(f"period_length must be positive, got {period_length}")
        return float(period_length)
    return days_per(freq, "freq") / days_per(time_unit)


def _spend(spend_model, data: pd.DataFrame) -> np.ndarray:
    if hasattr(spend_model, "expected_spend"):
        return spend_model.expected_spend(data).to_numpy()
    if isinstance(spend_model, pd.Series):
        return spend_model.reindex(data.index).to_numpy(dtype="float64")
    if isinstance(spend_model, numbers.Real):
        return np.full(len(data), float(spend_model))
    raise TypeError("spend_model must be a fitted spend model (e.g. GammaGamma), a Series by customer, or a number")


def customer_lifetime_value(transaction_model, spend_model, data: pd.DataFrame, *, horizon: int = 12,
                            discount_rate: float = 0.01, freq: str = "M", time_unit: str = "D",
                            margin: float = 1.0, period_length: float | None = None) -> pd.DataFrame:
    """Discounted expected value of each customer over the next ``horizon`` periods.

    Parameters
    ----------
    transaction_model
        A fitted purchase model (``BetaGeo``, ``ParetoNBD``, ``ModifiedBetaGeo``, ``BetaGeoBetaBinom``).
    spend_model
        A fitted ``GammaGamma`` model, a Series of expected spend per purchase by customer, or a number.
    data : DataFrame
        The customers' summary (the columns both models need), indexed by customer.
    horizon : int
        Number of discounting periods.
    discount_rate : float
        Discount rate per period (e.g. 0.01 a month ≈ 12.7 % a year).
    freq : {"D", "W", "M"}
        Length of a discounting period.
    time_unit : {"D", "W", "M"}
        Unit of recency and T in ``data`` (for BG/BB: ignored when ``period_length`` is given).
    margin : float
        Share of spend that is profit (1 = value in revenue).
    period_length : float, optional
        Length of a period in the data's time unit, overriding ``freq``/``time_unit``
        (e.g. 30 for months of 30 days when the data are in days, 1 for BG/BB opportunities).

    Returns
    -------
    DataFrame indexed like ``data``: ``expected_purchases`` over the horizon,
    ``expected_spend`` per purchase, ``clv`` (discounted, times margin).
    """
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError(f"discount_rate must be > -1, got {discount_rate}")
    if not np.isfinite(margin):
        raise ValueError(f"margin must be a finite number, got {margin}")
    step = _period_length(freq, time_unit, period_length)
    spend = _spend(spend_model, data)
    horizons = step * np.arange(1, horizon + 1)
    # Σ_k (C_k - C_{k-1}) v_k = Σ_k C_k (v_k - v_{k+1}), with v_k = (1+d)^-k, v_{H+1} = 0 and C_k the
    # cumulative expected purchases; the second column keeps C_H
    discount = (1 + discount_rate) ** -np.arange(1.0, horizon + 1)
    combine = np.column_stack([discount - np.append(discount[1:], 0.0), np.eye(horizon)[:, -1]])
    if hasattr(transaction_model, "cumulative_expected_purchases"):
        sums = transaction_model.cumulative_expected_purchases(horizons, data, combine=combine)
    else:
        sums = np.column_stack([transaction_model.expected_purchases(h, data).to_numpy() for h in horizons]) @ combine
    return pd.DataFrame({"expected_purchases": sums[:, 1], "expected_spend": spend,
                         "clv": margin * spend * sums[:, 0]}, index=data.index)


def customer_equity(transaction_model, spend_model, data: pd.DataFrame, **kwargs) -> float:
    """Customer equity of the current base: the sum of :func:`customer_lifetime_value` over ``data``."""
    return float(customer_lifetime_value(transaction_model, spend_model, data, **kwargs)["clv"].sum())


def write_customer_values(path: str | Path, transaction_model, spend_model, data: pd.DataFrame, *,
                          chunk_size: int = 1_000_000, progress: bool = True, **clv_options) -> Path:
    """P(alive), expected purchases, expected spend and CLV per customer, written to Parquet chunk by chunk.

    For bases too large to hold every per-customer intermediate at once: each chunk of ``chunk_size``
    customers is scored with :func:`customer_lifetime_value` (``clv_options`` are its keyword arguments)
    and appended to one Parquet file, so memory stays that of one chunk. Returns the path.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    try:
        for start in tqdm(range(0, len(data), chunk_size), desc="customer values", unit="chunk",
                          disable=not progress):
            part = data.iloc[start:start + chunk_size]
            values = customer_lifetime_value(transaction_model, spend_model, part, **clv_options)
            if hasattr(transaction_model, "p_alive"):
                values.insert(0, "p_alive", transaction_model.p_alive(part).to_numpy())
            table = pa.Table.from_pandas(values, preserve_index=True)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return target

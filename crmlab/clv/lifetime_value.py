"""Customer lifetime value (客户终身价值) from a fitted purchase model and a spend model.

The expected discounted value of a customer over the next H periods is

.. math::
    CLV_i = m \\cdot E[z_i] \\sum_{k=1}^{H} \\frac{E[X_i(k\\Delta)] - E[X_i((k-1)\\Delta)]}{(1+d)^k}

where E[X_i(t)] is the model's conditional expected number of purchases in the
next t time units (given the customer's x, t_x, T), Δ the length of one
discounting period in the model's time unit, d the discount rate per period,
E[z_i] the expected spend per purchase (e.g. a Gamma-Gamma model's conditional
mean) and m the margin. Purchases within a period are discounted at the period's
end, as in Fader, Hardie & Lee (2005, "RFM and CLV") and lifetimes.

The time unit is the one the purchase model was fitted in (``model.time_unit_``, from
the customer summary): it is never assumed. :func:`customer_base_value` sums CLV over
today's customers; customer equity (客户资产) adds the customers still to come
(:func:`crmlab.economics.customer_equity`).
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..units import DAYS_PER_UNIT, days_per

__all__ = ["customer_lifetime_value", "customer_base_value", "write_customer_values"]


def _model_unit(model, time_unit: str | None) -> str:
    """The unit the purchase model was fitted in; an explicit ``time_unit`` must agree with it."""
    if not hasattr(model, "cumulative_expected_purchases"):
        raise TypeError("transaction_model must be a fitted customer-base model (BetaGeo, ParetoNBD, "
                        f"ModifiedBetaGeo, BetaGeoBetaBinom), not {type(model).__name__}")
    model._require_fit()
    fitted = getattr(model, "time_unit_", None)
    if fitted is None:
        if time_unit is None:
            raise DataError(f"the {model.model_name} model does not record its time unit (loaded from an old model "
                            "file); pass time_unit=")
        days_per(time_unit)  # a clear error for anything but D, W, M
        return time_unit
    if time_unit is not None and time_unit != fitted:
        raise DataError(f"time_unit={time_unit!r} contradicts the {model.model_name} model, fitted in {fitted!r}; "
                        "drop the argument (the model's unit is used)")
    return fitted


def _period_length(unit: str, freq: str | None, period_length: float | None) -> float:
    """Length of one discounting period in the model's unit."""
    if period_length is not None:
        if freq is not None:
            raise ValueError("give the discounting period as freq= or as period_length=, not both")
        if not np.isfinite(period_length) or period_length <= 0:
            raise ValueError(f"period_length must be a positive number, got {period_length}")
        return float(period_length)
    if unit not in DAYS_PER_UNIT:  # a discrete model: one period is one opportunity / renewal
        if freq is not None:
            raise ValueError(f"the model counts {unit}s, which have no calendar length; drop freq= (one discounting "
                             f"period is one {unit}) or pass period_length= in {unit}s")
        return 1.0
    return days_per(freq or "M", "freq") / days_per(unit)


def _spend(spend_model, data: pd.DataFrame) -> np.ndarray:
    if hasattr(spend_model, "expected_spend"):
        return spend_model.expected_spend(data).to_numpy()
    if isinstance(spend_model, pd.Series):
        spend = spend_model.reindex(data.index)
        missing = spend.isna()
        if missing.any():
            raise DataError(f"the spend Series has no value for {int(missing.sum()):,} customers of the data "
                            f"(e.g. {list(data.index[missing.to_numpy()][:5])}); give one per customer")
        values = pd.to_numeric(spend, errors="coerce").to_numpy(dtype="float64")
    elif isinstance(spend_model, numbers.Real) and not isinstance(spend_model, bool):
        values = np.full(len(data), float(spend_model))
    else:
        raise TypeError("spend_model must be a fitted spend model (e.g. GammaGamma), a Series by customer, or a "
                        f"number, not {type(spend_model).__name__}")
    if not np.all(np.isfinite(values)):
        raise DataError("the expected spend per purchase must be a finite number for every customer")
    return values


def _discounting(transaction_model, *, horizon: int, discount_rate: float, freq: str | None, time_unit: str | None,
                 period_length: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The period ends (in the model's unit) and the matrix that turns cumulative expected purchases at them into
    (discounted purchases, undiscounted purchases over the horizon), as in the module docstring.

    Σ_k (C_k − C_{k−1}) v_k = Σ_k C_k (v_k − v_{k+1}), with v_k = (1+d)^−k, v_{H+1} = 0 and C_k the cumulative
    expected purchases at the end of period k; the second column keeps C_H.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    if not isinstance(discount_rate, numbers.Real) or not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError(f"discount_rate must be a number > -1, got {discount_rate!r}")
    step = _period_length(_model_unit(transaction_model, time_unit), freq, period_length)
    discount = (1 + discount_rate) ** -np.arange(1.0, horizon + 1)
    combine = np.column_stack([discount - np.append(discount[1:], 0.0), np.eye(horizon)[:, -1]])
    return step * np.arange(1, horizon + 1), combine


def customer_lifetime_value(transaction_model, spend_model, data: pd.DataFrame, *, horizon: int = 12,
                            discount_rate: float = 0.01, freq: str | None = None, margin: float = 1.0,
                            time_unit: str | None = None, period_length: float | None = None) -> pd.DataFrame:
    """Discounted expected value of each customer over the next ``horizon`` periods.

    Parameters
    ----------
    transaction_model
        A fitted purchase model (``BetaGeo``, ``ParetoNBD``, ``ModifiedBetaGeo``, ``BetaGeoBetaBinom``).
    spend_model
        A fitted ``GammaGamma`` model, a Series of expected spend per purchase by customer, or a number.
    data : DataFrame
        The customers' summary (the columns both models need), indexed by customer, in the
        unit the purchase model was fitted in (a summary that says otherwise is refused).
    horizon : int
        Number of discounting periods.
    discount_rate : float
        Discount rate per period (e.g. 0.01 a month ≈ 12.7 % a year).
    freq : {"D", "W", "M"}, optional
        Length of a discounting period (default "M", a month). For BG/BB a period is one
        opportunity and ``freq`` does not apply.
    margin : float
        Share of spend that is profit (1 = value in revenue).
    time_unit : {"D", "W", "M"}, optional
        Not needed: the model's unit is used. Given, it must agree with the model's (a check).
    period_length : float, optional
        Length of a discounting period in the model's time unit, instead of ``freq``
        (e.g. 30 for months of 30 days when the model counts days).

    Returns
    -------
    DataFrame indexed like ``data``: ``expected_purchases`` over the horizon,
    ``expected_spend`` per purchase, ``clv`` (discounted, times margin).
    """
    horizons, combine = _discounting(transaction_model, horizon=horizon, discount_rate=discount_rate, freq=freq,
                                     time_unit=time_unit, period_length=period_length)
    if not isinstance(margin, numbers.Real) or not np.isfinite(margin):
        raise ValueError(f"margin must be a finite number, got {margin!r}")
    sums = transaction_model.cumulative_expected_purchases(horizons, data, combine=combine)
    spend = _spend(spend_model, data)
    return pd.DataFrame({"expected_purchases": sums[:, 1], "expected_spend": spend,
                         "clv": margin * spend * sums[:, 0]}, index=data.index)


def customer_base_value(transaction_model, spend_model, data: pd.DataFrame, **kwargs) -> float:
    """The value of today's customer base: :func:`customer_lifetime_value` summed over ``data``.

    Customer equity (客户资产) adds the value of the customers still to be acquired:
    :func:`crmlab.economics.customer_equity` takes this number as its ``current_value``.
    """
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
            values.insert(0, "p_alive", transaction_model.p_alive(part).to_numpy())
            table = pa.Table.from_pandas(values, preserve_index=True)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return target

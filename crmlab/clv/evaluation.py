"""Does the model forecast better than a naive rule? Calibration/holdout evaluation of purchase models.

The model is fitted on the calibration period only; its forecasts of each customer's
holdout purchases are compared with what the customer did, and with a naive
baseline that extrapolates the customer's own calibration rate (x / T per time unit,
no dropout, no shrinkage). P(alive) at the end of calibration is compared with
activity in the holdout (at least one purchase) — a conservative check, as an
alive customer may still not buy within the holdout — by the Brier score and a
reliability table; its baseline is the base rate of activity. The tracking table
follows the whole cohort period by period, expected against actual repeat purchases,
as in Fader, Hardie & Lee (2005, figure 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import display
from ..errors import DataError, MissingColumnError
from ..frames import CALIBRATION_HOLDOUT, table_info
from ..i18n import term
from ..summary import calibration_summary
from ..units import days_per

__all__ = ["HoldoutEvaluation", "evaluate_holdout", "tracking_table"]

_SPLIT_COLUMNS = ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout")


@dataclass(frozen=True)
class HoldoutEvaluation:
    """Result of :func:`evaluate_holdout`.

    ``per_customer``: actual and predicted holdout purchases (model and baseline), P(alive), activity.
    ``metrics``: MAE, RMSE, totals and the Brier score of P(alive), for the model and the baseline.
    ``reliability``: P(alive) bins with their mean prediction and observed share of active customers.
    ``tracking``: expected vs actual repeat purchases per period (when a transaction log was given).
    """

    per_customer: pd.DataFrame
    metrics: pd.DataFrame
    reliability: pd.DataFrame
    tracking: pd.DataFrame | None = None

    @property
    def model_beats_baseline(self) -> bool:
        """True when the model's per-customer RMSE is below the baseline's."""
        return bool(self.metrics.loc["model", "rmse"] < self.metrics.loc["baseline", "rmse"])

    def summary(self, lang: str = "en") -> display.FormattedTable:
        """``metrics`` to read, with its title, labels in ``lang`` ("en" or "zh"); renders as text and HTML."""
        return display.table(self.metrics, lang, decimals=4, caption=term("Holdout evaluation", lang))

    def __str__(self) -> str:
        return repr(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _agreed(name: str, given, recorded, normalise=str):
    """The recorded value of a setting, checked against an explicit one; the explicit one when none is recorded."""
    if given is not None and recorded is not None and normalise(given) != normalise(recorded):
        raise DataError(f"{name}={given!r} contradicts the calibration/holdout table, which has {name}={recorded!r}; "
                        "drop the argument (the table's value is used)")
    return recorded if recorded is not None else given


def _day(value) -> str:
    return str(pd.Timestamp(value).date())


def evaluate_holdout(model, split: pd.DataFrame, *, transactions: pd.DataFrame | None = None, n_bins: int = 10,
                     calibration_end=None, observation_end=None, time_unit: str | None = None) -> HoldoutEvaluation:
    """Evaluate a fitted purchase model on a calibration/holdout table.

    Parameters
    ----------
    model
        A purchase model fitted on the calibration half (``calibration_summary(split)``).
    split : DataFrame
        Output of :func:`crmlab.calibration_holdout`, which records its calibration end,
        observation end and time unit; they must agree with the model's time unit.
    transactions : DataFrame, optional
        The clean log: adds the period-by-period tracking table (see :func:`tracking_table`).
    n_bins : int
        Number of equal-width P(alive) bins in the reliability table.
    calibration_end, observation_end, time_unit
        Needed only for a split built by hand; given for a crmlab split, they must agree with it.
    """
    missing = [c for c in _SPLIT_COLUMNS if c not in split]
    if missing:
        raise DataError(f"the calibration/holdout table lacks {missing}; build it with crmlab.calibration_holdout")
    info = table_info(split)
    if info is not None and info.kind != CALIBRATION_HOLDOUT:
        raise DataError(f"evaluate_holdout needs a calibration/holdout table, got {info.describe()}")
    calibration_end = _agreed("calibration_end", calibration_end, info and info.calibration_end, _day)
    observation_end = _agreed("observation_end", observation_end, info and info.observation_end, _day)
    time_unit = _agreed("time_unit", time_unit, info and info.time_unit)
    fitted = getattr(model, "time_unit_", None)
    if time_unit is not None and fitted is not None and time_unit != fitted:
        raise DataError(f"the {model.model_name} model was fitted in {fitted!r} but the calibration/holdout table is "
                        f"in {time_unit!r}; build both in one unit")
    calibration = calibration_summary(split)
    duration = split["duration_holdout"].to_numpy(dtype="float64")
    actual = split["frequency_holdout"].to_numpy(dtype="float64")
    predicted = model.expected_purchases(duration, calibration).to_numpy()
    baseline = calibration["frequency"].to_numpy() / calibration["T"].to_numpy() * duration
    p_alive = model.p_alive(calibration).to_numpy()
    active = (actual > 0).astype("float64")
    per_customer = pd.DataFrame({"actual": actual, "predicted": predicted, "baseline": baseline,
                                 "p_alive": p_alive, "active": active}, index=split.index)

    def scores(forecast, probability):
        error = forecast - actual
        return {"mae": np.mean(np.abs(error)), "rmse": np.sqrt(np.mean(error**2)),
                "total_actual": actual.sum(), "total_predicted": forecast.sum(),
                "total_error_pct": 100 * (forecast.sum() - actual.sum()) / max(actual.sum(), 1e-12),
                "brier_p_alive": np.mean((probability - active) ** 2)}

    metrics = pd.DataFrame({"model": scores(predicted, p_alive),
                            "baseline": scores(baseline, np.full_like(active, active.mean()))}).T
    bins = pd.cut(per_customer["p_alive"], np.linspace(0, 1, n_bins + 1), include_lowest=True)
    reliability = per_customer.groupby(bins, observed=True).agg(
        customers=("active", "size"), mean_p_alive=("p_alive", "mean"), share_active=("active", "mean"))
    tracking = None
    if transactions is not None:
        if calibration_end is None or observation_end is None:
            raise ValueError("a tracking table needs calibration_end and observation_end with the transactions "
                             "(a split from crmlab.calibration_holdout carries them)")
        tracking = tracking_table(model, transactions, calibration_end=calibration_end,
                                  observation_end=observation_end)
    return HoldoutEvaluation(per_customer, metrics, reliability, tracking)


def tracking_table(model, transactions: pd.DataFrame, *, calibration_end, observation_end,
                   time_unit: str | None = None) -> pd.DataFrame:
    """Expected and actual repeat purchases of the calibration cohort, period by period.

    A purchase is one customer-day (or customer-week/-month when the model was fitted on
    such purchases); customers are those whose first purchase is on or before
    ``calibration_end``. Period k covers [k-1, k) time units — the model's unit — from the
    cohort's first purchase day. Expected repeat purchases up to time t are
    Σ_i E[X(t - s_i)], with s_i customer i's first purchase time and E[X(·)] the
    model's new-customer expectation.

    Returns a DataFrame indexed by period end (time units) with ``actual``,
    ``expected``, their cumulative sums and ``holdout`` (True after calibration); its
    ``attrs["time_unit"]`` names the unit.
    """
    missing = [c for c in ("customer_id", "date") if c not in transactions]
    if missing:
        raise MissingColumnError(f"the tracking table needs a clean log with customer_id and date; missing {missing} "
                                 "(clean it with crmlab.transactions.clean)")
    fitted = getattr(model, "time_unit_", None)
    if fitted is None and time_unit is None:
        raise DataError(f"the {model.model_name} model does not record its time unit; pass time_unit=")
    if fitted is not None and time_unit is not None and time_unit != fitted:
        raise DataError(f"time_unit={time_unit!r} contradicts the {model.model_name} model, fitted in {fitted!r}")
    time_unit = fitted or time_unit
    info = getattr(model, "data_info_", None)
    purchase_period = info.purchase_period if info is not None and info.purchase_period else "D"
    dates = pd.to_datetime(transactions["date"])
    days = dates.dt.normalize() if purchase_period == "D" else dates.dt.to_period(purchase_period).dt.start_time
    days = pd.DataFrame({"customer_id": transactions["customer_id"], "day": days}).drop_duplicates()
    days = days[days["day"] <= pd.Timestamp(observation_end)]
    first = days.groupby("customer_id")["day"].transform("min")
    cohort = first <= pd.Timestamp(calibration_end)
    days, first = days[cohort], first[cohort]
    start = first.min()
    unit = days_per(time_unit)
    n_periods = int(np.ceil(((pd.Timestamp(observation_end) - start).days + 1) / unit))
    repeat = days[days["day"] > first]
    period = np.floor((repeat["day"] - start).dt.days / unit).astype(int)
    actual = np.bincount(period, minlength=n_periods)[:n_periods].astype("float64")

    starts = ((first.groupby(days["customer_id"]).first() - start).dt.days / unit).value_counts()
    ends = np.arange(1, n_periods + 1, dtype="float64")
    elapsed = np.clip(ends[:, None] - starts.index.to_numpy()[None, :], 0, None)
    times, at = np.unique(elapsed, return_inverse=True)  # few distinct times (whole days): each evaluated once
    expected = model.expected_purchases_new_customer(times)[at.reshape(elapsed.shape)]
    expected_cumulative = (expected * starts.to_numpy()[None, :]).sum(axis=1)
    calibration_periods = ((pd.Timestamp(calibration_end) - start).days + 1) / unit
    table = pd.DataFrame({"actual": actual, "expected": np.diff(expected_cumulative, prepend=0.0),
                          "actual_cumulative": np.cumsum(actual), "expected_cumulative": expected_cumulative,
                          "holdout": ends > calibration_periods + 1e-9}, index=pd.Index(ends, name="period_end"))
    table.attrs["time_unit"] = time_unit
    return table

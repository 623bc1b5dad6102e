"""What BG/NBD, MBG/NBD and Pareto/NBD share: their data (frequency, recency, T) and its checks."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import DataError
from .base import MaximumLikelihoodModel, _Data


class PurchaseModel(MaximumLikelihoodModel):
    """A continuous-time "buy till you die" model fitted on a customer summary.

    Data: ``frequency`` x (repeat purchases, a whole number), ``recency`` t_x and
    ``T`` (time from the first purchase to the last one and to the end of the
    period, in one unit), as produced by :func:`crmlab.customer_summary`.
    """

    data_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")

    def _check_values(self, columns: dict[str, np.ndarray]) -> None:
        x, t_x, T = columns["frequency"], columns["recency"], columns["T"]
        problems = {
            "frequency is negative or not a whole number": (x < 0) | (x != np.floor(x)),
            "T is not positive": T <= 0,
            "recency is negative or larger than T": (t_x < 0) | (t_x > T * (1 + 1e-12)),
            "recency is positive while frequency is 0": (x == 0) & (t_x > 0),
        }
        for problem, mask in problems.items():
            if mask.any():
                raise DataError(f"{self.model_name}: {int(mask.sum()):,} rows where {problem} "
                                f"(row positions {np.flatnonzero(mask)[:5].tolist()}). Recompute the summary with "
                                "crmlab.customer_summary, which guarantees 0 <= recency <= T.")

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        mean_T = float(np.average(data.columns["T"], weights=data.counts))
        start = {"r": 1.0, "alpha": max(mean_T / 10, 1e-3), "a": 1.0, "b": 1.0, "s": 1.0, "beta": max(mean_T, 1e-3)}
        return np.log([start[name] for name in self.param_names])

    @staticmethod
    def _rft(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
        missing = [c for c in ("frequency", "recency", "T") if c not in data]
        if missing:
            raise DataError(f"predictions need columns frequency, recency and T; missing {missing}")
        return (data["frequency"].to_numpy(dtype="float64"), data["recency"].to_numpy(dtype="float64"),
                data["T"].to_numpy(dtype="float64"), data.index)

    @staticmethod
    def _horizon(t) -> np.ndarray:
        t = np.asarray(t, dtype="float64")
        if np.any(t < 0) or not np.all(np.isfinite(t)):
            raise ValueError(f"the forecast horizon t must be finite and >= 0, got {t}")
        return t

"""What BG/NBD, MBG/NBD and Pareto/NBD share: their data (frequency, recency, T) and its checks."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import DataError
from .base import MaximumLikelihoodModel, _Data, _unique_rows

_ROUNDED_PILOT_MIN_ROWS = 4_000  # fits on more unique rows than this start on rounded rows
_ROUNDED_PILOT_GRID = 32


class PurchaseModel(MaximumLikelihoodModel):
    """A continuous-time "buy till you die" model fitted on a customer summary.

    Data: ``frequency`` x (repeat purchases, a whole number), ``recency`` t_x and
    ``T`` (time from the first purchase to the last one and to the end of the
    period, in one unit), as produced by :func:`crmlab.customer_summary`.
    """

    data_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")
    convergence_hint = "check the data: enough repeat buyers, recency and T in the same unit"

    def _check_values(self, columns: dict[str, np.ndarray]) -> None:
        x, t_x, T = columns["frequency"], columns["recency"], columns["T"]
        problems = {
            "frequency is negative or not a whole number": (x < 0) | (x != np.floor(x)),
            "T is negative": T < 0,  # T = 0 (acquired on the last day) carries no information: likelihood 1
            "recency is negative or larger than T": (t_x < 0) | (t_x > T * (1 + 1e-12)),
            "recency is positive while frequency is 0": (x == 0) & (t_x > 0),
        }
        for problem, mask in problems.items():
            if mask.any():
                raise DataError(f"{self.model_name}: {int(mask.sum()):,} rows where {problem} "
                                f"(row positions {np.flatnonzero(mask)[:5].tolist()}). Recompute the summary with "
                                "crmlab.customer_summary, which guarantees 0 <= recency <= T.")

    def _derived(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        at, levels = pd.factorize(columns["frequency"])
        return {"frequency_levels": levels, "frequency_at": at}

    @staticmethod
    def _frequency_levels(data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Distinct frequencies and each row's position among them (special functions are evaluated per level)."""
        if "frequency_levels" in data:
            return data["frequency_levels"], data["frequency_at"]
        levels, at = np.unique(data["frequency"], return_inverse=True)
        return levels, at.ravel()

    def _pilot(self, prepared: _Data) -> _Data | None:
        """All customers with recency and T rounded to a grid of max(T) / _ROUNDED_PILOT_GRID, if most rows merge.

        Rounding moves no customer by more than half a grid step, so the estimate on the merged rows is
        close to the full one and its information matrix closer still (every customer counts, unlike in
        a subsample); BFGS on the exact rows then converges in a few evaluations.
        """
        if len(prepared.counts) <= _ROUNDED_PILOT_MIN_ROWS:
            return None
        columns = prepared.columns
        step = float(np.max(columns["T"])) / _ROUNDED_PILOT_GRID
        if step <= 0:
            return super()._pilot(prepared)
        coarse = {"frequency": columns["frequency"], "recency": np.round(columns["recency"] / step) * step,
                  "T": np.round(columns["T"] / step) * step}
        unique, counts = _unique_rows(coarse, prepared.counts)
        if len(counts) > len(prepared.counts) / 3:
            return super()._pilot(prepared)
        return self._data(unique, counts)

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        mean_T = float(np.average(data.columns["T"], weights=data.counts))
        scale = max(mean_T / 10, 1e-3)  # alpha = beta: the Pareto/NBD integral's series starts with one term
        start = {"r": 1.0, "alpha": scale, "a": 1.0, "b": 1.0, "s": 1.0, "beta": scale}
        return np.log([start[name] for name in self.param_names])

    # ------------------------------------------------------------------ predictions
    def _purchases_if_alive(self, t, x, T) -> np.ndarray:
        """E[purchases in (T, T+t] | alive at T, x, T]; depends on x and T only, not on recency."""
        raise NotImplementedError

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        raise NotImplementedError

    def expected_purchases(self, t, data: pd.DataFrame) -> pd.Series:
        """E[purchases in (T, T+t] | x, t_x, T] = P(alive at T) · E[purchases in (T, T+t] | alive, x, T]."""
        x, _, T, index = self._rft(data)
        value = self._purchases_if_alive(self._horizon(t), x, T) * self.p_alive(data).to_numpy()
        return pd.Series(value, index=index, name="expected_purchases")

    def cumulative_expected_purchases(self, horizons, data: pd.DataFrame, combine=None) -> np.ndarray:
        """Expected purchases in (T, T+h] for each horizon h: an array (customers, horizons).

        With ``combine`` (a horizons x m matrix) the result is that array times ``combine``
        (customers, m) — e.g. discounted sums for CLV — formed before expanding to customers.
        P(alive) is computed once and the rest once per distinct (frequency, T) pair, far
        fewer than customers in real data: this is what makes CLV for millions of customers fast.
        """
        x, _, T, _ = self._rft(data)
        x_codes, x_values = pd.factorize(x)
        T_codes, T_values = pd.factorize(T)
        at, pairs = pd.factorize(x_codes.astype("int64") * len(T_values) + T_codes)
        pair_x, pair_T = x_values[pairs // len(T_values)], T_values[pairs % len(T_values)]
        per_pair = np.stack([self._purchases_if_alive(h, pair_x, pair_T) for h in self._horizon(horizons)], axis=1)
        if combine is not None:
            per_pair = per_pair @ np.asarray(combine, dtype="float64")
        return per_pair[at] * self.p_alive(data).to_numpy()[:, None]

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

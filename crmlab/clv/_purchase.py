"""What BG/NBD, MBG/NBD and Pareto/NBD share: their data (frequency, recency, T) and its checks."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import DataError
from ._customer_base import CustomerBaseModel
from .base import _Data, _unique_rows
from .fitting import Boundary

_ROUNDED_STAND_IN_MIN_ROWS = 4_000  # fits on more unique rows than this start on rounded rows
_ROUNDED_STAND_IN_GRID = 32
#: The limit every purchase model shares: the gamma mixture of purchase rates collapses on one rate (Poisson buying).
COMMON_PURCHASE_RATE = Boundary(("r", "alpha"), concentrate="every customer buys at the same rate λ = r/α = "
                                                            "{ratio:.4g} per time unit while alive")


class PurchaseModel(CustomerBaseModel):
    """A continuous-time "buy till you die" model fitted on a customer summary.

    Data: ``frequency`` x (repeat purchases, a whole number), ``recency`` t_x and
    ``T`` (time from the first purchase to the last one and to the end of the
    period, in one unit), as produced by :func:`crmlab.customer_summary`, which
    also records the unit (:meth:`fit` takes it from there, or from ``time_unit=``).
    Predictions are those of :class:`~crmlab.clv._customer_base.CustomerBaseModel`.
    """

    data_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")
    posterior_columns: ClassVar[tuple[str, ...]] = ("frequency", "T")
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

    def _check_identifiable(self, prepared: _Data) -> None:
        """Refuse data that no parameter values can fit: nobody observed, no repeat purchase, one history."""
        observed = prepared.columns["T"] > 0  # customers acquired at the end carry no information
        customers = prepared.counts[observed].sum()
        if customers == 0:
            raise DataError(f"{self.model_name}: every customer was acquired at the end of the period (T = 0), so "
                            "nothing was observed; summarise a longer period")
        if not np.any(prepared.columns["frequency"][observed] > 0):
            raise DataError(f"{self.model_name}: none of the {customers:,.0f} customers made a repeat purchase, so "
                            "the purchase rate cannot be told apart from zero (the likelihood rises as r/alpha -> 0); "
                            "use a longer period, or check that repeat purchases were not merged away")
        if np.count_nonzero(observed) < 2:
            who = "the data hold one customer" if customers == 1 else f"all {customers:,.0f} customers share one " \
                                                                       "history (frequency, recency, T)"
            raise DataError(f"{self.model_name}: {who}; a model of how customers differ needs at least two "
                            "different histories")

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

    def _stand_in(self, prepared: _Data) -> _Data | None:
        """All customers with recency and T rounded to a grid of max(T) / _ROUNDED_STAND_IN_GRID, if most rows merge.

        Rounding moves no customer by more than half a grid step, so the estimate on the merged rows is
        close to the full one and its information matrix closer still (every customer counts, unlike in
        a subsample); BFGS on the exact rows then converges in a few evaluations.
        """
        if len(prepared.counts) <= _ROUNDED_STAND_IN_MIN_ROWS:
            return None
        columns = prepared.columns
        step = float(np.max(columns["T"])) / _ROUNDED_STAND_IN_GRID
        if step <= 0:
            return super()._stand_in(prepared)
        coarse = {"frequency": columns["frequency"], "recency": np.round(columns["recency"] / step) * step,
                  "T": np.round(columns["T"] / step) * step}
        unique, counts = _unique_rows(coarse, prepared.counts)
        if len(counts) > len(prepared.counts) / 3:
            return super()._stand_in(prepared)
        return self._data(unique, counts)

    #: Values of the dropout parameters, each a start of its own with the observed purchase rate (see
    #: :meth:`_alternative_starts`); the BG/NBD models add a U-shaped dropout probability.
    _dropout_starts: ClassVar[tuple[dict[str, float], ...]] = ({},)

    def _start_values(self, data: _Data) -> dict[str, float]:
        mean_T = float(np.average(data.columns["T"], weights=data.counts))
        scale = max(mean_T / 10, 1e-3)  # alpha = beta: the Pareto/NBD integral's series starts with one term
        return {"r": 1.0, "alpha": scale, "a": 1.0, "b": 1.0, "s": 1.0, "beta": scale}

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        start = self._start_values(data)
        return np.log([start[name] for name in self.param_names])

    def _alternative_starts(self, data: _Data) -> list[np.ndarray]:
        """The purchase rates matched to the data, with each of ``_dropout_starts``.

        λ ~ Gamma(1, α) with 1/α = Σx / ΣT, the observed repeat purchases per unit of time (the mean rate
        of customers who never drop out: a moment estimate, low where many dropped out). The first start,
        α = mean(T)/10, assumes frequent buyers; where customers buy rarely (a few purchases in hundreds
        of time units) the likelihood also has a maximum near nearly homogeneous rates (r and α large),
        which a climb from a rate that is too high can miss for a limit.
        """
        rate = float(np.sum(data.counts * data.columns["frequency"]) / np.sum(data.counts * data.columns["T"]))
        values = self._start_values(data) | {"r": 1.0, "alpha": 1.0 / rate}
        return [np.log([(values | dropout)[name] for name in self.param_names]) for dropout in self._dropout_starts]

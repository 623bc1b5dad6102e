"""The prediction interface every customer-base model shares: one set of verbs, one argument order.

Every model here — BG/NBD, MBG/NBD, Pareto/NBD, (M)BG/CNBD-k and GGompertz/NBD (continuous time),
BG/BB (discrete opportunities) and sBG (contractual renewals) — describes a customer by two things:
whether the customer is still alive, and, while alive, a purchase (or renewal) process
with parameters that are heterogeneous across customers. A customer's history enters every prediction only through

* P(alive now | history), and
* the parameters of the alive customer's process *from now on*: the prior parameters updated by the
  history (e.g. for BG/NBD λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x)).

Looking forward from the end of observation, an alive customer is like a new customer of the same
kind of process with those updated parameters, and a dead one buys nothing. So each model states
(a) ``_process``: a class whose static methods give, for a customer alive at time 0 with parameters
θ (arrays, one value per customer), the expected number of purchases in (0, t], P(still alive at t)
and P(N(0, t] = n); (b) ``_new_customer()``: P(alive at the start) and θ for a customer just
acquired; (c) ``_alive_parameters(keys)``: θ of an alive customer given the history columns that
matter (``posterior_columns``); and (d) ``_p_alive_now(history)``. This class turns them into the
public predictions:

===================================================  =========================================================
``expected_purchases(t, data)``                      E[X(T, T+t] | history] = P(alive) · E_θ'[N(0, t]]
``p_alive(data, t=0)``                               P(alive at T + t | history) = P(alive) · P_θ'(alive at t)
``probability_of_purchases(n, t, data)``             P(X(T, T+t] = n | history)
``probability_no_purchases(t, data)``                the same for n = 0
``expected_purchases_new_customer(t)``               E[X(t)] for a customer just acquired
``probability_of_purchases_new_customer(n, t)``      P(X(t) = n) for a customer just acquired
``cumulative_expected_purchases(horizons, data)``    E[X(T, T+h]] for many horizons at once (for CLV)
===================================================  =========================================================

The posterior parameters depend on few columns (frequency and T), which real customers share, so
they and the process quantities are computed once per distinct key and mapped back to customers.

Time: a model fitted on a customer summary records the summary's ``time_unit`` (``time_unit_``);
``t`` is always in that unit, and a table passed to a prediction that says otherwise is refused.
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import DataError, MissingColumnError, PredictionError
from ..frames import CUSTOMER_SUMMARY, TableInfo, table_info, unit_name
from .base import MaximumLikelihoodModel, numeric_column

__all__ = ["CustomerBaseModel"]


def _plural(unit: str) -> str:
    return {"opportunity": "opportunities"}.get(unit, f"{unit}s")


class CustomerBaseModel(MaximumLikelihoodModel):
    """Base of the models that predict customers' future purchases (see the module docstring)."""

    #: The columns of a customer's history that determine the alive customer's future parameters.
    posterior_columns: ClassVar[tuple[str, ...]] = ()
    #: The unit the model's time is counted in when it is not a calendar unit ("opportunity", "period").
    discrete_unit: ClassVar[str | None] = None
    _process: ClassVar[type] = type(None)

    # ------------------------------------------------------------------ to implement
    def _p_alive_now(self, history: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def _alive_parameters(self, keys: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    def _new_customer(self) -> tuple[float, tuple[float, ...]]:
        """P(alive at acquisition) and the parameters of the process of a customer alive then."""
        return 1.0, self._param_values()

    # ------------------------------------------------------------------ fitting with a unit
    def fit(self, data: pd.DataFrame, weights: str | np.ndarray | None = None, *, time_unit: str | None = None):
        """Fit by maximum likelihood (see :meth:`MaximumLikelihoodModel.fit`).

        ``time_unit`` ("D", "W" or "M") states the unit of recency and T for a table built by hand; a
        table from :func:`crmlab.customer_summary` carries its unit, and an explicit ``time_unit`` that
        contradicts it is an error. BG/BB counts opportunities and sBG renewal periods: no unit applies.
        """
        unit = self._unit_of(data, time_unit)
        super().fit(data, weights)
        self.time_unit_ = unit
        return self

    def _unit_of(self, data, time_unit: str | None) -> str:
        self._refuse_other_tables(data)
        if self.discrete_unit is not None:
            if time_unit is not None:
                raise ValueError(f"{self.model_name} counts time in {self.discrete_unit}s; time_unit does not "
                                 f"apply (got {time_unit!r})")
            return self.discrete_unit
        info = table_info(data)
        if time_unit is not None:
            TableInfo(CUSTOMER_SUMMARY, time_unit=time_unit)  # validates the unit
        if info is not None and info.time_unit is not None:
            if time_unit is not None and time_unit != info.time_unit:
                raise DataError(f"time_unit={time_unit!r} contradicts the data, {info.describe()}; drop the "
                                "argument (the summary's unit is used) or recompute the summary in the unit you want")
            return info.time_unit
        if time_unit is None:
            raise DataError(f"{self.model_name}: the data do not say in which unit recency and T are measured "
                            "(a table built by hand, or one that lost its crmlab information). State it once: "
                            "fit(data, time_unit='W') for weeks ('D' days, 'M' months), or build the table with "
                            "crmlab.customer_summary(..., time_unit=...).")
        return time_unit

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        self.time_unit_ = state.get("time_unit")

    def _fitted_state(self) -> dict:
        return {**super()._fitted_state(), "time_unit": self.time_unit_}

    @property
    def time_unit_label(self) -> str:
        """The fitted unit in words ("weeks", "opportunities"), for axis labels."""
        unit = getattr(self, "time_unit_", None)
        if unit is None:
            return "time units"
        return unit_name(unit) if self.discrete_unit is None else _plural(unit)

    # ------------------------------------------------------------------ predictions
    def p_alive(self, data: pd.DataFrame, t=0.0) -> pd.Series:
        """P(alive at T + t | history): alive now (t = 0, the default) or ``t`` time units from now."""
        history, index = self._history(data)
        value = self._p_alive_now(history)
        if np.any(self._horizon(t) > 0):
            value = value * self._per_key(history, lambda theta, h: self._process.survival(theta, h), t)
        return pd.Series(value, index=index, name="p_alive")

    def expected_purchases(self, t, data: pd.DataFrame) -> pd.Series:
        """E[purchases in (T, T+t] | history] = P(alive) · E[purchases in (0, t] of the alive customer's process]."""
        history, index = self._history(data)
        value = self._p_alive_now(history) * self._per_key(history, self._process.expected, t)
        return pd.Series(value, index=index, name="expected_purchases")

    def probability_of_purchases(self, n, t, data: pd.DataFrame) -> pd.Series:
        """P(X(T, T+t] = n | history): the distribution of each customer's purchases in the next t time units.

        A dead customer buys nothing; an alive one buys as a new customer of the process with the
        parameters updated by the history.
        """
        n = self._count(n)
        history, index = self._history(data)
        alive = self._p_alive_now(history)
        if_alive = self._per_key(history, lambda theta, h: self._process.count_probability(theta, n, h), t)
        return pd.Series(alive * if_alive + (1.0 - alive) * (n == 0), index=index, name="probability")

    def probability_no_purchases(self, t, data: pd.DataFrame) -> pd.Series:
        """P(no purchase in (T, T+t] | history)."""
        return self.probability_of_purchases(0, t, data).rename("p_no_purchases")

    def expected_residual_transactions(self, data: pd.DataFrame, discount_rate: float) -> pd.Series:
        """DERT: each customer's discounted expected number of purchases from now on, over the whole future.

        DERT = P(alive now | history) · E[discounted purchases of the alive customer's process], in closed
        form where the model has one: Pareto/NBD (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 2), with
        ``discount_rate`` δ continuous per time unit of the model (an annual rate of 15 % is
        ln(1.15)/52 per week), purchases discounted as they happen; BG/BB (Fader, Hardie & Shang 2010,
        eq. 13), with ``discount_rate`` d per opportunity, the transaction at opportunity n + k discounted
        by (1 + d)^k. Times the value of a purchase (e.g. a Gamma-Gamma model's expected spend) it is the
        customer's expected residual value. Other models have no closed form: use
        :func:`~crmlab.clv.customer_lifetime_value` with a long horizon.
        """
        discounted = getattr(self._process, "discounted_expected", None)
        if discounted is None:
            raise PredictionError(f"{self.model_name} has no closed-form DERT (expected residual transactions); sum "
                                  "discounted expected purchases over a long horizon with "
                                  "crmlab.clv.customer_lifetime_value(model, 1.0, data, horizon=...)")
        if isinstance(discount_rate, bool) or not isinstance(discount_rate, numbers.Real) or \
                not np.isfinite(discount_rate) or discount_rate <= 0:
            raise ValueError(f"discount_rate must be a number > 0 (per {self.time_unit_label[:-1]}; with no "
                             f"discounting the expected residual transactions may be infinite), got {discount_rate!r}")
        history, index = self._history(data)
        value = self._p_alive_now(history) * self._per_key(history, lambda theta, _: discounted(theta, discount_rate),
                                                           0.0)
        return pd.Series(value, index=index, name="expected_residual_transactions")

    def expected_purchases_new_customer(self, t) -> np.ndarray:
        """E[X(t)]: expected purchases in the first t time units of a customer just acquired."""
        alive, theta = self._new_customer()
        return alive * self._process.expected(theta, self._horizon(t))

    def probability_of_purchases_new_customer(self, n, t) -> np.ndarray:
        """P(X(t) = n) for a customer just acquired (``n`` and ``t`` broadcast against each other)."""
        alive, theta = self._new_customer()
        n, t = np.broadcast_arrays(self._count(n), self._horizon(t))
        return alive * self._process.count_probability(theta, n, t) + (1.0 - alive) * (n == 0)

    def cumulative_expected_purchases(self, horizons, data: pd.DataFrame, combine=None) -> np.ndarray:
        """Expected purchases in (T, T+h] for each horizon h: an array (customers, horizons).

        With ``combine`` (a horizons x m matrix) the result is that array times ``combine``
        (customers, m) — e.g. discounted sums for CLV — formed before expanding to customers:
        P(alive) is computed once per customer, the rest once per distinct history key, far fewer
        than customers in real data; this is what makes CLV for millions of customers fast.
        """
        history, _ = self._history(data)
        at, keys = self._keys(history)
        theta = self._alive_parameters(keys)
        per_key = np.stack([self._process.expected(theta, h) for h in self._horizon(horizons)], axis=1)
        if combine is not None:
            per_key = per_key @ np.asarray(combine, dtype="float64")
        return per_key[at] * self._p_alive_now(history)[:, None]

    # ------------------------------------------------------------------ helpers
    def _history(self, data: pd.DataFrame) -> tuple[dict[str, np.ndarray], pd.Index]:
        """The model's columns of ``data`` as float arrays, checked as the fit checks them."""
        self._require_fit()
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"{self.model_name} predictions take a DataFrame with columns {list(self.data_columns)}, "
                            f"not {type(data).__name__}")
        self._refuse_other_tables(data)
        self._check_unit_of(data)
        missing = [c for c in self.data_columns if c not in data.columns]
        if missing:
            raise MissingColumnError(f"{self.model_name} predictions need columns {list(self.data_columns)}; "
                                     f"missing {missing} (have {list(data.columns)})")
        history = {c: numeric_column(data, c, self.model_name) for c in self.data_columns}
        bad = ~np.logical_and.reduce([np.isfinite(v) for v in history.values()])
        if bad.any():
            raise DataError(f"{self.model_name}: {int(bad.sum()):,} rows have missing or infinite values "
                            f"(first: {list(data.index[bad][:5])}); drop or fix them first")
        self._check_values(history)
        return history, data.index

    def _check_unit_of(self, data) -> None:
        info = table_info(data)
        fitted = getattr(self, "time_unit_", None)
        if info is not None and info.time_unit is not None and fitted is not None and self.discrete_unit is None \
                and info.time_unit != fitted:
            raise DataError(f"the {self.model_name} model was fitted in {unit_name(fitted)} ({fitted}) but the data "
                            f"are {info.describe()}; recompute the summary with time_unit={fitted!r} (or refit)")

    def _keys(self, history: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Each row's position among the distinct values of ``posterior_columns``, and those values."""
        group = np.zeros(len(next(iter(history.values()))), dtype="int64")
        for column in self.posterior_columns:
            codes, uniques = pd.factorize(history[column])
            group = pd.factorize(group)[0] * max(len(uniques), 1) + codes  # refactorised: no overflow
        at, distinct = pd.factorize(group)
        row = np.empty(len(distinct), dtype="int64")
        row[at] = np.arange(len(at))  # a row of each key (all its rows hold the same key)
        return at, {c: history[c][row] for c in self.posterior_columns}

    def _per_key(self, history: dict[str, np.ndarray], quantity, t) -> np.ndarray:
        """``quantity(θ, t)`` of each row's alive-customer process, computed once per distinct key when t is one
        number, row by row when t has one value per row."""
        horizon = self._horizon(t)
        if horizon.ndim == 0:
            at, keys = self._keys(history)
            return np.asarray(quantity(self._alive_parameters(keys), horizon))[at]
        rows = len(next(iter(history.values())))
        if horizon.shape != (rows,):
            raise ValueError(f"t must be one number or one value per customer ({rows}), got shape {horizon.shape}")
        return quantity(self._alive_parameters({c: history[c] for c in self.posterior_columns}), horizon)

    def _horizon(self, t) -> np.ndarray:
        """A forecast horizon in the model's time unit: finite and >= 0 (whole numbers for discrete models)."""
        try:
            horizon = np.asarray(t, dtype="float64")
        except (TypeError, ValueError) as error:
            raise TypeError(f"the forecast horizon t must be a number or an array of numbers, got {t!r}") from error
        if horizon.size and (not np.all(np.isfinite(horizon)) or np.any(horizon < 0)):
            raise ValueError(f"the forecast horizon t must be finite and >= 0, got {t!r}")
        if self.discrete_unit is not None and np.any(horizon != np.floor(horizon)):
            raise ValueError(f"{self.model_name} forecasts whole numbers of {_plural(self.discrete_unit)}, got t={t!r}")
        return horizon

    @staticmethod
    def _count(n) -> np.ndarray:
        try:
            count = np.asarray(n, dtype="float64")
        except (TypeError, ValueError) as error:
            raise TypeError(f"the number of purchases n must be a whole number >= 0, got {n!r}") from error
        if not np.all(np.isfinite(count)) or np.any(count < 0) or np.any(count != np.floor(count)):
            raise ValueError(f"the number of purchases n must be a whole number >= 0, got {n!r}")
        return count

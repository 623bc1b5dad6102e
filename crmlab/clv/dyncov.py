"""Pareto/NBD with time-varying covariates (Bachmann, Meierer & Näf 2021; CLVTools' ``pnbd`` with dynamic covariates).

Bachmann, P., Meierer, M., Näf, J. (2021), "The role of time-varying contextual factors in latent attrition
models for customer base analysis", *Marketing Science* 40(4), 783-809; CLVTools v0.12.1
(``src/pnbd_dyncov_LL.cpp``).

Model. While alive, customer i buys at rate λ_i a(t) and drops out at hazard μ_i c(t), with
a(t) = exp(γ_purchase'z_i(t)) and c(t) = exp(γ_dropout'z_i(t)) for covariates z_i(t) constant within the
periods of a regular grid (weeks, say); λ ~ Gamma(r, α) and μ ~ Gamma(s, β) as in Pareto/NBD. Time starts
at the customer's first purchase. With A(τ) = ∫_0^τ a and C(τ) = ∫_0^τ c (piecewise linear), integrating
λ and μ out of the likelihood of x repeat purchases at t_1 … t_x = t_x, observed until T, gives

.. math::
    L = \\prod_j a(t_j)\\,\\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}\\Big[(\\alpha+A(T))^{-(r+x)}
        (\\beta+C(T))^{-s} + s\\int_{t_x}^{T} c(\\tau)(\\alpha+A(\\tau))^{-(r+x)}(\\beta+C(\\tau))^{-(s+1)}d\\tau\\Big]

(the static model's likelihood with T and τ measured in "covariate-weighted time"). On each covariate
period k within [t_x, T], starting at τ_k with a_k, c_k, α + A(τ) = a_k(α''_k + u) and β + C(τ) =
c_k(β''_k + u) for u = τ − τ_k, α''_k = (α + A(τ_k))/a_k, β''_k = (β + C(τ_k))/c_k, so the piece of the
integral is a_k^−(r+x) c_k^−s ∫_0^{ℓ_k} (α''_k+u)^−(r+x) (β''_k+u)^−(s+1) du — the Pareto/NBD integral
with per-row scale parameters, :func:`~crmlab.clv._special.pareto_nbd_integral`, with its gradient. CLVTools
writes the same pieces with 2F1 and calls A(τ) − a_k τ and C(τ) − c_k τ on period k B_k and D_k (its test
spreadsheet ``dyncov_LL_reference.xlsx``, reproduced in ``tests/clv/test_dyncov.py``). With constant
covariates the likelihood is the static-covariate model's, and with zero coefficients the plain Pareto/NBD's.

Conventions: a purchase day belongs to the covariate period whose start is on or before it; same-day
purchases merge; recency and T are those of :func:`crmlab.customer_summary` (observation end inclusive).
The fit needs each customer's covariates for every period from the first purchase to the observation end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..errors import DataError, MissingColumnError
from ..units import DAYS_PER_UNIT
from ._special import pareto_nbd_integral
from .base import MaximumLikelihoodModel, _Data
from .covariates import PROCESSES, CovariateDesign, CovariatePenalty, covariate_values

__all__ = ["ParetoNBDDynamic", "CovariatePaths", "covariate_paths"]


@dataclass(frozen=True)
class CovariatePaths:
    """Customers' histories on the covariate grid: per customer x, t_x, T and the covariates at the repeat
    purchases (summed); per covariate period within [0, T] (rows sorted by customer, then time) its customer,
    start, end and covariate values. ``offsets[i]`` is the first period row of customer i."""

    customers: pd.Index
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    at_purchases: np.ndarray  # (customers, covariates): Σ_j z(t_j) over the repeat purchases
    customer: np.ndarray
    start: np.ndarray
    end: np.ndarray
    values: np.ndarray  # (periods, covariates)
    offsets: np.ndarray
    columns: tuple[str, ...]


def covariate_paths(transactions: pd.DataFrame, covariates: pd.DataFrame, columns: tuple[str, ...], *,
                    observation_end, time_unit: str = "W", customer_col: str = "customer_id",
                    date_col: str = "date", model_name: str = "Pareto/NBD dynamic") -> CovariatePaths:
    """Build :class:`CovariatePaths` from a transaction log and covariates on a regular grid of period starts."""
    if time_unit not in DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be one of {sorted(DAYS_PER_UNIT)}, got {time_unit!r}")
    for frame, name in ((transactions, "transactions"), (covariates, "covariates")):
        missing = [c for c in (customer_col, date_col) if c not in frame.columns]
        if missing:
            raise MissingColumnError(f"{model_name}: the {name} lack columns {missing} (have {list(frame.columns)})")
    values = covariate_values(covariates, columns, model_name)
    end_day = pd.Timestamp(observation_end).normalize()
    days = pd.DataFrame({"customer": transactions[customer_col].to_numpy(),
                         "day": pd.to_datetime(transactions[date_col]).dt.normalize().to_numpy()})
    days = days[days["day"] <= end_day].drop_duplicates().sort_values(["customer", "day"], ignore_index=True)
    if days.empty:
        raise DataError(f"{model_name}: no purchase on or before the observation end {end_day.date()}")
    unit = pd.Timedelta(days=DAYS_PER_UNIT[time_unit])
    first = days.groupby("customer")["day"].transform("min")
    days["t"] = (days["day"] - first) / unit
    grid = pd.DataFrame({"customer": covariates[customer_col].to_numpy(),
                         "start_day": pd.to_datetime(covariates[date_col]).dt.normalize().to_numpy(),
                         **{c: values[c] for c in columns}}).sort_values(["customer", "start_day"], ignore_index=True)
    if grid.duplicated(["customer", "start_day"]).any():
        raise DataError(f"{model_name}: the covariates have more than one row for some customer and period start")
    steps = grid.groupby("customer")["start_day"].diff().dropna().unique()
    if len(steps) != 1:
        raise DataError(f"{model_name}: the covariates must be on one regular grid of period starts (one row per "
                        f"customer and period, equally spaced); found spacings {sorted(pd.to_timedelta(steps))[:5]}")
    period = pd.Timedelta(steps[0])
    summary = days.groupby("customer", sort=True).agg(first=("day", "min"), last=("t", "max"), x=("t", "size"))
    summary["x"] -= 1
    summary["T"] = (end_day - summary["first"]) / unit
    grid = grid.merge(summary[["first", "T"]], left_on="customer", right_index=True, how="inner")
    grid["start"] = (grid["start_day"] - grid["first"]) / unit
    grid["end"] = grid["start"] + period / unit
    covered = grid.groupby("customer").agg(low=("start", "min"), high=("end", "max"))
    covered = covered.reindex(summary.index)
    gaps = covered["low"].isna() | (covered["low"] > 0) | (covered["high"] < summary["T"])
    if gaps.any():
        raise DataError(f"{model_name}: {int(gaps.sum()):,} customers lack covariates for part of the time from their "
                        f"first purchase to the observation end (first: {list(summary.index[gaps][:5])}); give every "
                        "customer a row for each period")
    grid = grid[(grid["end"] > 0) & (grid["start"] < grid["T"])].copy()
    grid["start"] = grid["start"].clip(lower=0.0)
    grid["end"] = np.minimum(grid["end"], grid["T"])
    grid = grid[grid["end"] > grid["start"]]
    customers = summary.index[summary["T"] > 0]
    grid = grid[grid["customer"].isin(customers)]
    code = pd.Index(customers).get_indexer(grid["customer"])
    # the covariates at each repeat purchase: the period that starts on or before its day
    repeats = days[days["t"] > 0]
    repeats = repeats[repeats["customer"].isin(customers)]
    at = pd.merge_asof(repeats.assign(time=repeats["t"]).sort_values("time"),
                       grid.assign(time=grid["start"])[["customer", "time", *columns]].sort_values("time"),
                       on="time", by="customer", direction="backward")
    at_purchases = at.groupby("customer")[list(columns)].sum().reindex(customers, fill_value=0.0)
    counts = np.bincount(code, minlength=len(customers))
    summary = summary.loc[customers]
    return CovariatePaths(pd.Index(customers, name="customer_id"), summary["x"].to_numpy(dtype="float64"),
                          summary["last"].to_numpy(dtype="float64"), summary["T"].to_numpy(dtype="float64"),
                          at_purchases.to_numpy(dtype="float64"), code, grid["start"].to_numpy(dtype="float64"),
                          grid["end"].to_numpy(dtype="float64"), grid[list(columns)].to_numpy(dtype="float64"),
                          np.r_[0, np.cumsum(counts)], tuple(columns))


def cumulative_at_starts(rates: np.ndarray, lengths: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """∫ rate from each customer's time 0 to the start of each of its periods: the exclusive cumulative sum of
    rate × length within each customer (``offsets``: first row of each customer, and the end)."""
    total = np.cumsum(rates * lengths, axis=0)
    before = np.concatenate([np.zeros((1, *total.shape[1:])), total])[offsets[:-1]]
    return total - rates * lengths - np.repeat(before, np.diff(offsets), axis=0)


class ParetoNBDDynamic(CovariatePenalty, MaximumLikelihoodModel):
    """Pareto/NBD with time-varying covariates, fitted on a transaction log and covariates per period.

    ``ParetoNBDDynamic(purchase_covariates=[...], dropout_covariates=[...], shared_covariates=[...],
    covariate_penalty={...}).fit(transactions, covariates, observation_end=...)``: the settings, the
    names of the coefficients (``purchase:<c>``, ``dropout:<c>``, ``shared:<c>``), the penalty and the
    summary are those of :class:`~crmlab.clv.ParetoNBD` with static covariates; the maths is in the module
    docstring. ``covariates`` has one row per customer and period: the customer, the period's first day
    (``date``) and the covariate columns. The model is for explaining purchases and dropout (coefficients,
    tests, comparison); predicting the future needs the covariates of the future periods, which this class
    does not take.
    """

    param_names = ("r", "alpha", "s", "beta")
    model_name = "Pareto/NBD with time-varying covariates"

    def __init__(self, purchase_covariates=None, dropout_covariates=None, shared_covariates=None,
                 covariate_penalty=None, *, penalizer: float = 0.0, initial_params: dict | None = None,
                 tol: float = 1e-10, max_iter: int = 2000, strategy="direct"):
        super().__init__(penalizer=penalizer, initial_params=initial_params, tol=tol, max_iter=max_iter,
                         strategy=strategy)
        self._set_covariate_settings(purchase_covariates, dropout_covariates, shared_covariates, covariate_penalty)

    def _design_from_settings(self) -> CovariateDesign:
        return CovariateDesign.from_settings(self.model_name, self.purchase_covariates, self.dropout_covariates,
                                             self.shared_covariates, self.covariate_penalty, ("customer_id", "date"))

    def _check_settings(self) -> None:
        super()._check_settings()
        if not self.covariate_design():
            raise ValueError(f"{self.model_name} needs purchase_covariates= or dropout_covariates=; without them use "
                             "crmlab.clv.ParetoNBD")

    # ------------------------------------------------------------------ fitting
    def fit(self, transactions: pd.DataFrame, covariates: pd.DataFrame, *, observation_end, time_unit: str = "W",
            customer_col: str = "customer_id", date_col: str = "date"):
        """Fit on a transaction log and the customers' covariates per period (see the class docstring)."""
        self._check_settings()
        paths = covariate_paths(transactions, covariates, self.covariate_columns, observation_end=observation_end,
                                time_unit=time_unit, customer_col=customer_col, date_col=date_col,
                                model_name=self.model_name)
        if not np.any(paths.x > 0):
            raise DataError(f"{self.model_name}: no customer made a repeat purchase, so the purchase rate cannot be "
                            "told apart from zero")
        self._paths = paths
        n = len(paths.x)
        self.data_fingerprint_ = self._fingerprint(
            {"x": paths.x, "t_x": paths.t_x, "T": paths.T, **{c: paths.values[:, j] for j, c in
                                                              enumerate(paths.columns)}}, np.ones(n))
        self._maximise(self._data({"customer": np.arange(n, dtype="float64")}, np.ones(n)))
        self.time_unit_ = time_unit
        self.data_info_ = None
        return self

    def _stand_in(self, prepared: _Data):
        return None

    def _coefficient_covariates(self, prepared: _Data) -> list[np.ndarray]:
        """Each coefficient's covariate over every customer's periods."""
        names = self.theta_names[len(self.param_names):]
        return [self._paths.values[:, self._paths.columns.index(n.split(":", 1)[1])] for n in names]

    def _initial_log_params(self, data: _Data) -> np.ndarray:
        scale = max(float(np.mean(self._paths.T)) / 10, 1e-3)
        return np.r_[np.log([1.0, scale, 1.0, scale]), np.zeros(len(self.covariate_design().names))]

    def _derived(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The block's customers and their period rows (blocks hold whole customers)."""
        paths = self._paths
        customers = columns["customer"].astype("int64")
        first, last = paths.offsets[customers[0]], paths.offsets[customers[-1] + 1]
        return {"rows": np.arange(first, last), "offsets": paths.offsets[customers[0]:customers[-1] + 2] - first,
                "customers": customers}

    def _coefficients(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Per process, the coefficient of every covariate column (0 where it does not act)."""
        design, k = self.covariate_design(), len(self.param_names)
        result = {}
        for process in PROCESSES:
            full = np.zeros(len(self._paths.columns))
            for column, position in zip(design.effects(process), design.positions(process), strict=True):
                full[self._paths.columns.index(column)] = theta[k + position]
            result[process] = full
        return result

    def _log_likelihood(self, log_params, data):
        paths = self._paths
        rows, offsets, customers = data["rows"], data["offsets"], data["customers"]
        r, alpha, s, beta = np.exp(log_params[:4])
        x, t_x = paths.x[customers], paths.t_x[customers]
        z, start, end = paths.values[rows], paths.start[rows], paths.end[rows]
        owner = paths.customer[rows] - customers[0]
        gamma = self._coefficients(log_params)
        a, c = np.exp(z @ gamma["purchase"]), np.exp(z @ gamma["dropout"])
        length = end - start
        # cumulative A, C at each period start and at T, and their derivatives in the coefficients
        A0, C0 = cumulative_at_starts(a, length, offsets), cumulative_at_starts(c, length, offsets)
        dA0 = cumulative_at_starts((a * length)[:, None] * z, np.ones_like(length)[:, None], offsets)
        dC0 = cumulative_at_starts((c * length)[:, None] * z, np.ones_like(length)[:, None], offsets)
        A_T, C_T = np.add.reduceat(a * length, offsets[:-1]), np.add.reduceat(c * length, offsets[:-1])
        dA_T = np.add.reduceat((a * length)[:, None] * z, offsets[:-1])
        dC_T = np.add.reduceat((c * length)[:, None] * z, offsets[:-1])
        rx = r + x
        term1 = -rx * np.log(alpha + A_T) - s * np.log(beta + C_T)
        # the pieces of the integral: periods after the last purchase
        tail = end > t_x[owner]
        who = owner[tail]
        piece_start = np.maximum(start[tail], t_x[who])
        shift = piece_start - start[tail]
        at, ct, zt = a[tail], c[tail], z[tail]
        A_ps, C_ps = A0[tail] + at * shift, C0[tail] + ct * shift
        dA_ps, dC_ps = dA0[tail] + (at * shift)[:, None] * zt, dC0[tail] + (ct * shift)[:, None] * zt
        a2, b2 = (alpha + A_ps) / at, (beta + C_ps) / ct
        log_j, d_j = pareto_nbd_integral(r, a2, s, b2, x[who], 0.0, end[tail] - piece_start)
        log_piece = np.log(s) - rx[who] * np.log(at) - s * np.log(ct) + log_j - r * np.log(a2) - s * np.log(b2)
        # log-sum-exp of term1 and the pieces, per customer
        peak = np.maximum(term1, _reduce_max(log_piece, who, len(x)))
        weight_pieces = np.exp(log_piece - peak[who])
        total = np.exp(term1 - peak) + np.bincount(who, weights=weight_pieces, minlength=len(x))
        mix = peak + np.log(total)
        w1, wk = np.exp(term1 - mix), weight_pieces / total[who]
        ll = special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta) + mix + \
            paths.at_purchases[customers] @ gamma["purchase"]

        def per_customer(values):
            return np.bincount(who, weights=values, minlength=len(x))

        d_a2, d_b2 = d_j[1] - r / a2, d_j[3] - s / b2  # ∂ log ∫ / ∂α'', ∂β''
        d_r = r * (special.digamma(rx) - special.digamma(r) + np.log(alpha) - w1 * np.log(alpha + A_T)
                   + per_customer(wk * (-np.log(at) + d_j[0] - np.log(a2))))
        d_alpha = alpha * (r / alpha - w1 * rx / (alpha + A_T) + per_customer(wk * d_a2 / at))
        d_s = s * (np.log(beta) - w1 * np.log(beta + C_T) + per_customer(wk * (1 / s - np.log(ct) + d_j[2] -
                                                                               np.log(b2))))
        d_beta = beta * (s / beta - w1 * s / (beta + C_T) + per_customer(wk * d_b2 / ct))
        columns = [d_r, d_alpha, d_s, d_beta]
        # coefficients: per covariate column, then summed over the processes' coefficients in θ
        d_gp = paths.at_purchases[customers] - (w1 * rx / (alpha + A_T))[:, None] * dA_T + np.stack(
            [per_customer(wk * (-rx[who] * zt[:, j] + d_a2 * (dA_ps[:, j] / at - a2 * zt[:, j])))
             for j in range(zt.shape[1])], axis=1)
        d_gd = -(w1 * s / (beta + C_T))[:, None] * dC_T + np.stack(
            [per_customer(wk * (-s * zt[:, j] + d_b2 * (dC_ps[:, j] / ct - b2 * zt[:, j])))
             for j in range(zt.shape[1])], axis=1)
        design = self.covariate_design()
        extra = [np.zeros(len(x)) for _ in design.names]
        for process, gradient in (("purchase", d_gp), ("dropout", d_gd)):
            for column, position in zip(design.effects(process), design.positions(process), strict=True):
                extra[position] = extra[position] + gradient[:, paths.columns.index(column)]
        return ll, np.stack(columns + extra).T


def _reduce_max(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """The largest of ``values`` in each group 0..n-1 (-inf for a group without values)."""
    result = np.full(n, -np.inf)
    np.maximum.at(result, group, values)
    return result

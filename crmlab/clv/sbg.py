"""sBG: the shifted-beta-geometric model of contractual retention (Fader & Hardie 2007).

Fader, P.S., Hardie, B.G.S. (2007), "How to project customer retention", *Journal of Interactive
Marketing* 21(1), 76-90; Fader & Hardie (2010), "Customer-base valuation in a contractual setting:
the perils of ignoring heterogeneity", *Marketing Science* 29(1), 85-93 (DERL, eq. 6).

Assumptions: at the end of each period a customer renews or cancels; a customer's cancellation
probability θ is constant over time; θ ~ Beta(γ, δ) across customers. Because the customers most
likely to cancel leave first, the cohort's retention rate rises over time although nobody's θ changes.

* P(T = t) = B(γ + 1, δ + t − 1) / B(γ, δ)   (cancels in period t, t = 1, 2, …)
* S(t) = B(γ, δ + t) / B(γ, δ)                (still a customer after t periods)
* r(t) = S(t) / S(t − 1) = (δ + t − 1) / (γ + δ + t − 1)
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from ..errors import ConvergenceError, DataError
from ._customer_base import CustomerBaseModel
from ._special import digamma_difference, log_gamma_ratio, log_hyp2f1, sum_beta_geometric_survival
from .covariates import check_identifiable, column_names, covariate_values

__all__ = ["ShiftedBetaGeometric", "ShiftedBetaProcess", "survivor_rows", "snapshot_rows"]

_BOUNDARY_GAIN = 1e-6  # log-likelihood an interior estimate must gain over constant churn (LR statistic 2e-6)


def survivor_rows(survivors) -> pd.DataFrame:
    """Weighted rows (period, churned, weight) from a cohort's survivor counts n_0 ≥ n_1 ≥ … ≥ n_T.

    n_{t-1} − n_t customers cancel in period t; the n_T survivors are right-censored at T.
    Shares (starting at 1) work as well as counts.
    """
    counts = np.asarray(survivors, dtype="float64")
    if counts.ndim != 1 or len(counts) < 2:
        raise DataError("survivors must be a sequence n_0, n_1, …, n_T of at least two counts")
    if not np.all(np.isfinite(counts)) or counts[0] <= 0 or np.any(counts < 0):
        raise DataError(f"survivor counts must be finite, non-negative and start positive; got {counts.tolist()}")
    if np.any(np.diff(counts) > 0):
        bad = int(np.argmax(np.diff(counts) > 0)) + 1
        raise DataError(f"survivor counts must not increase: {counts[bad - 1]} at period {bad - 1} then "
                        f"{counts[bad]} at period {bad}. A cohort can only shrink; check the data or pass shares.")
    periods = np.arange(1, len(counts))
    churned = pd.DataFrame({"period": periods, "churned": 1, "weight": counts[:-1] - counts[1:]})
    alive = pd.DataFrame({"period": [periods[-1]], "churned": [0], "weight": [counts[-1]]})
    return pd.concat([churned, alive], ignore_index=True)


def snapshot_rows(tenure: pd.Series, churned: pd.Series) -> tuple[pd.DataFrame, int]:
    """Weighted sBG rows from a customer snapshot: tenure in whole periods and whether the customer has left.

    A customer who left after ``tenure`` periods cancelled in period ``tenure``; one still active has
    survived ``tenure`` periods so far (right-censored). Customers with tenure 0 have not yet faced a
    renewal and carry no information; they are left out and counted (second value returned).
    """
    frame = pd.DataFrame({"period": pd.to_numeric(tenure, errors="coerce"), "churned": churned})
    if frame["period"].isna().any() or (frame["period"] < 0).any() or (frame["period"] % 1 != 0).any():
        raise DataError("tenure must be whole, non-negative numbers of periods")
    if not frame["churned"].isin([0, 1, True, False]).all():
        raise DataError("churned must be 0/1 or True/False (map 'Yes'/'No' first)")
    frame["churned"] = frame["churned"].astype(int)
    too_new = int((frame["period"] == 0).sum())
    rows = frame[frame["period"] > 0].value_counts().rename("weight").reset_index()
    return rows.sort_values(["period", "churned"], ignore_index=True), too_new


class ShiftedBetaProcess:
    """Renewals of a customer under contract at period 0, θ = (γ, δ): churn probability θ ~ Beta(γ, δ) per period.

    ``t`` counts renewal periods (whole numbers); a "purchase" is a renewal (one more period paid for).
    """

    @staticmethod
    def survival(theta, t):
        """S(t) = B(γ, δ+t) / B(γ, δ) = (δ)_t/(γ+δ)_t: still a customer after t periods."""
        gamma, delta = theta
        return np.exp(log_gamma_ratio(delta, t) - log_gamma_ratio(gamma + delta, t))

    @staticmethod
    def expected(theta, t):
        """Expected renewals in the next t periods, Σ_{k=1}^{t} S(k) = δ/(γ−1) [1 − (δ+1)_t/(γ+δ)_t]
        (:func:`~crmlab.clv._special.sum_beta_geometric_survival`)."""
        gamma, delta = theta
        return sum_beta_geometric_survival(gamma, delta, t)

    @staticmethod
    def count_probability(theta, n, t):
        """P(n renewals in t periods): S(n) - S(n+1) for n < t (renews n times, then cancels), S(t) for n = t."""
        survival = ShiftedBetaProcess.survival
        return np.where(n < t, survival(theta, n) - survival(theta, n + 1), np.where(n == t, survival(theta, t), 0.0))


class ShiftedBetaGeometric(CustomerBaseModel):
    """sBG model of contractual retention; fit with :meth:`fit_survivors` (or ``fit`` on weighted rows).

    Covariates (``retention_covariates=[...]``, a crmlab definition): they act on δ, customer i's churn
    probability being θ_i ~ Beta(γ, δ_i) with δ_i = δ e^(β'w_i). The mean churn probability
    γ/(γ + δ_i) falls as β'w_i rises — a positive coefficient means longer retention — and the likelihood
    is the sBG's per row with δ_i. Fit on rows (``period``, ``churned``, the covariates, and a weight
    column if rows stand for several customers); predictions read the covariates from their data, and the
    cohort projections (:meth:`survival`, :meth:`retention_rate`, DEL/DERL) are those of a customer whose
    covariates are all 0. Coefficients appear as ``retention:<name>``. Recovery on simulated data:
    ``tests/clv/test_covariates_spend_retention.py``.

    Checked against Fader & Hardie (2007): γ = 0.668, δ = 3.806 for the "high end" customers and
    γ = 0.704, δ = 1.182 for the "regular" ones, each fitted on the first seven years.
    """

    param_names = ("gamma", "delta")
    base_columns: ClassVar[tuple[str, ...]] = ("period", "churned")
    discrete_unit = "period"
    model_name = "sBG"
    _process = ShiftedBetaProcess
    convergence_hint = ("measure tenure in renewal periods (months for monthly contracts, years for yearly ones); "
                        "a flat likelihood with delta growing without bound means no heterogeneity is visible, and "
                        "a constant retention rate describes the cohort as well")

    def __init__(self, penalizer: float = 0.0, initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000, strategy="auto", *, retention_covariates=None):
        super().__init__(penalizer=penalizer, initial_params=initial_params, tol=tol, max_iter=max_iter,
                         strategy=strategy)
        self.retention_covariates = retention_covariates

    @property
    def covariate_columns(self) -> tuple[str, ...]:
        return column_names(self.model_name, "retention_covariates", self.retention_covariates,
                            (*self.base_columns, "weight"))

    @property
    def theta_names(self) -> tuple[str, ...]:
        return (*self.param_names, *(f"retention:{c}" for c in self.covariate_columns))

    @property
    def data_columns(self) -> tuple[str, ...]:
        return (*self.base_columns, *self.covariate_columns)

    @property
    def posterior_columns(self) -> tuple[str, ...]:
        return ("period", *self.covariate_columns)

    def _check_settings(self) -> None:
        super()._check_settings()
        _ = self.covariate_columns  # checks retention_covariates before any work

    def _settings(self) -> dict:
        return {**super()._settings(), "retention_covariates": self.retention_covariates}

    def _initial_log_params(self, data):
        return np.zeros(len(self.theta_names))

    def _history(self, data):
        if self.covariate_columns and isinstance(data, pd.DataFrame):
            self._require_fit()
            covariate_values(data, self.covariate_columns, self.model_name)
        return super()._history(data)

    def _deltas(self, theta: np.ndarray, data: dict[str, np.ndarray]):
        """δ_i = δ e^(β'w_i) per row (δ itself without covariates)."""
        delta = np.exp(theta[1])
        if not self.covariate_columns:
            return delta
        return delta * np.exp(np.column_stack([data[c] for c in self.covariate_columns]) @ theta[2:])

    def fit_survivors(self, survivors):
        """Fit on one cohort's survivor counts n_0, n_1, …, n_T."""
        return self.fit(survivor_rows(survivors), weights="weight")

    def fit_snapshot(self, tenure: pd.Series, churned: pd.Series):
        """Fit on a snapshot of customers (tenure, churned): cancellations are events, active customers
        right-censored; ``n_excluded_`` counts the customers with tenure 0."""
        rows, self.n_excluded_ = snapshot_rows(tenure, churned)
        return self.fit(rows, weights="weight")

    def _prepare(self, data, weights):
        """The data, and the log-likelihood of the model's boundary, constant churn, to judge every estimate by.

        As γ + δ → ∞ with γ/(γ + δ) = θ fixed, Beta(γ, δ) collapses on θ and the sBG likelihood tends
        to the geometric one, Σ w [c log θ + (t − c) log(1 − θ)] (c = 1 for a cancellation), maximised
        at θ = Σ w c / Σ w t.
        """
        if self.covariate_columns and isinstance(data, pd.DataFrame):
            covariate_values(data, self.covariate_columns, self.model_name)
        prepared = super()._prepare(data, weights)
        if self.covariate_columns:
            check_identifiable({c: prepared.columns[c] for c in self.covariate_columns},
                               {"retention": self.covariate_columns}, prepared.counts, self.model_name)
        t, churned, weight = prepared.columns["period"], prepared.columns["churned"], prepared.counts
        rate = (weight @ churned) / (weight @ t)
        constant = weight @ (special.xlogy(churned, rate) + special.xlog1py(t - churned, -rate))
        self._constant_churn = (float(rate), float(constant), prepared.n_customers)
        return prepared

    def _check_optimum(self, result):
        """An estimate that does not beat constant churn is the boundary, however the optimiser stopped."""
        penalty = self._penalty(result.x)[0] if np.all(np.isfinite(result.x)) else 0.0
        self._refuse_boundary(-(result.fun - penalty) * self._constant_churn[2], np.exp(result.x[:2]))
        super()._check_optimum(result)

    def _store(self, estimate, prepared):
        self._refuse_boundary(self._weighted_log_likelihood(estimate.theta, prepared)[0], np.exp(estimate.theta[:2]))
        super()._store(estimate, prepared)

    def _refuse_boundary(self, log_likelihood: float, params: np.ndarray) -> None:
        """Raise ConvergenceError unless ``log_likelihood`` exceeds constant churn's by ``_BOUNDARY_GAIN``.

        An interior maximum lies above that limit; an estimate that does not is only where the
        optimiser stopped on a likelihood still rising towards the boundary (whether it reported
        success, stopped in its line search, or drifted to the edge of the parameter space).
        """
        rate, constant, _ = self._constant_churn
        if not np.isfinite(log_likelihood) or log_likelihood < constant + _BOUNDARY_GAIN:
            gamma, delta = params
            raise ConvergenceError(
                f"sBG fit found no heterogeneity in churn: its log-likelihood ({log_likelihood:.6f}) does not "
                f"exceed that of a constant churn rate of {rate:.4g} ({constant:.6f}), the limit "
                f"gamma + delta -> infinity (the fit stopped at gamma + delta = {gamma + delta:.3g}). "
                f"Use the constant rate, or {self.convergence_hint}.")

    def _check_values(self, columns):
        t, churned = columns["period"], columns["churned"]
        if np.any(t < 1) or np.any(t != np.floor(t)) or not np.isin(churned, (0, 1)).all():
            raise DataError("sBG rows need whole periods >= 1 and churned in {0, 1}")

    def _log_likelihood(self, log_params, data):
        """P(T = t) = γ (δ)_{t-1}/(γ+δ)_t for a cancellation in period t, S(t) = (δ)_t/(γ+δ)_t for a survivor:
        the beta-function ratios as Pochhammer ratios, exact also far out towards constant churn."""
        gamma, delta = np.exp(log_params[0]), self._deltas(log_params, data)
        t, churned = data["period"], data["churned"] > 0
        before = np.where(churned, t - 1, t)
        spread = digamma_difference(gamma + delta, t)
        ll = np.where(churned, np.log(gamma), 0.0) + log_gamma_ratio(delta, before) - log_gamma_ratio(gamma + delta, t)
        d_gamma = np.where(churned, 1.0, 0.0) - gamma * spread
        d_delta = delta * (digamma_difference(delta, before) - spread)  # ∂ℓ/∂log δ_i, and times w_ij for β_j
        return ll, np.stack([d_gamma, d_delta, *(data[c] * d_delta for c in self.covariate_columns)]).T

    # ------------------------------------------------------------------ predictions
    def _p_alive_now(self, history):
        """An active customer (churned = 0) is alive; one who cancelled is not — contracts make churn observed."""
        return 1.0 - history["churned"]

    def _alive_parameters(self, keys):
        """An active customer has renewed ``period`` times: θ ~ Beta(γ, δ + period)."""
        gamma = self._param_values()[0]
        period = keys["period"]
        return np.full_like(period, gamma), self._deltas(self._theta(), keys) + period

    # ------------------------------------------------------------------ projections
    def survival(self, t) -> np.ndarray:
        """S(t) = B(γ, δ + t) / B(γ, δ): share of a new cohort still customers after t periods."""
        return self._process.survival(self._param_values(), np.asarray(t, dtype="float64"))

    def retention_rate(self, t) -> np.ndarray:
        """r(t) = (δ + t − 1) / (γ + δ + t − 1): share of period-(t−1) customers who renew in period t."""
        gamma, delta = self._param_values()
        t = np.asarray(t, dtype="float64")
        return (delta + (t - 1)) / (gamma + delta + (t - 1))

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL = Σ_{t≥0} S(t) / (1 + d)^t = 2F1(1, δ; γ + δ; 1/(1 + d)), in periods (payment at each period start)."""
        if discount_rate <= 0:
            raise ValueError(f"discount_rate must be > 0 for a finite DEL, got {discount_rate}")
        gamma, delta = self._param_values()
        return float(np.exp(log_hyp2f1(1.0, delta, gamma + delta, 1 / (1 + discount_rate))))

    def discounted_expected_residual_lifetime(self, discount_rate: float, renewals: int) -> float:
        """DERL of a customer who has just made ``renewals`` renewals (Fader & Hardie 2010, eq. 6).

        DERL = (δ + n) / (γ + δ + n) · 2F1(1, δ + n + 1; γ + δ + n + 1; 1/(1 + d)) with n = renewals:
        the discounted number of further periods the customer is expected to pay for.
        """
        if discount_rate <= 0:
            raise ValueError(f"discount_rate must be > 0 for a finite DERL, got {discount_rate}")
        gamma, delta = self._param_values()
        n = float(renewals)
        z = 1 / (1 + discount_rate)
        log_series = log_hyp2f1(1.0, delta + n + 1, gamma + delta + n + 1, z)
        return float((delta + n) / (gamma + delta + n) * np.exp(log_series))

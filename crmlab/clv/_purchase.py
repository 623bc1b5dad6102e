"""What BG/NBD, MBG/NBD and Pareto/NBD share: their data (frequency, recency, T) and its checks, and covariates.

Covariates (CLVTools' parametrisation, see :mod:`crmlab.clv.covariates`): each model states in
``covariate_links`` which of its parameters a process's covariates scale and with which sign,
log φ_i = log φ + sign · γ'z_i. The model's likelihood is written for parameters given per customer
(``_row_log_likelihood``, with the gradient in each per-customer log-parameter); the chain rule here
turns that gradient into the coefficients', ∂ℓ/∂γ_j = Σ_links sign · z_ij · ∂ℓ/∂log φ_i.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import DataError
from ._customer_base import CustomerBaseModel
from .base import _Data, _first_rows, _row_groups, _unique_rows, dense_codes, row_codes
from .covariates import PROCESSES, CovariateDesign, CovariatePenalty, check_identifiable, covariate_values
from .fitting import Boundary

_ROUNDED_STAND_IN_MIN_ROWS = 4_000  # fits on more unique rows than this start on rounded rows
_ROUNDED_STAND_IN_GRID = 32
#: The limit every purchase model shares: the gamma mixture of purchase rates collapses on one rate (Poisson buying).
COMMON_PURCHASE_RATE = Boundary(("r", "alpha"), concentrate="every customer buys at the same rate λ = r/α = "
                                                            "{ratio:.4g} per time unit while alive")


class PurchaseModel(CovariatePenalty, CustomerBaseModel):
    """A continuous-time "buy till you die" model fitted on a customer summary.

    Data: ``frequency`` x (repeat purchases, a whole number), ``recency`` t_x and
    ``T`` (time from the first purchase to the last one and to the end of the
    period, in one unit), as produced by :func:`crmlab.customer_summary`, which
    also records the unit (:meth:`fit` takes it from there, or from ``time_unit=``).
    Predictions are those of :class:`~crmlab.clv._customer_base.CustomerBaseModel`.
    """

    base_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")
    convergence_hint = "check the data: enough repeat buyers, recency and T in the same unit"
    #: process -> ((parameter, sign), ...): the parameters a process's covariates scale, log φ_i = log φ + sign γ'z_i
    covariate_links: ClassVar[dict[str, tuple[tuple[str, int], ...]]] = {}

    def __init__(self, penalizer: float = 0.0, initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000, strategy="auto", *, purchase_covariates=None, dropout_covariates=None,
                 shared_covariates=None, covariate_penalty=None):
        super().__init__(penalizer=penalizer, initial_params=initial_params, tol=tol, max_iter=max_iter,
                         strategy=strategy)
        self._set_covariate_settings(purchase_covariates, dropout_covariates, shared_covariates, covariate_penalty)

    # ------------------------------------------------------------------ covariates
    def _design_from_settings(self) -> CovariateDesign:
        """The covariates of each process, the shared ones and the penalty (checked settings)."""
        given = [name for name in ("purchase_covariates", "dropout_covariates", "shared_covariates",
                                   "covariate_penalty") if getattr(self, name, None)]
        if given and not self.covariate_links:
            raise ValueError(f"{self.model_name} takes no covariates in crmlab (got {', '.join(given)}); fit "
                             "ParetoNBD, BetaGeo or ModifiedBetaGeo with covariates, or this model without them")
        return CovariateDesign.from_settings(self.model_name, self.purchase_covariates, self.dropout_covariates,
                                             self.shared_covariates, self.covariate_penalty, self.base_columns)

    @property
    def data_columns(self) -> tuple[str, ...]:
        return (*self.base_columns, *self.covariate_design().columns)

    @property
    def posterior_columns(self) -> tuple[str, ...]:
        return ("frequency", "T", *self.covariate_design().columns)

    def _check_settings(self) -> None:
        super()._check_settings()
        self.covariate_design()

    def _prepare(self, data, weights) -> _Data:
        design = self.covariate_design()
        if design and isinstance(data, pd.DataFrame):
            covariate_values(data, design.columns, self.model_name)  # text, categories, gaps: a crmlab error first
        prepared = super()._prepare(data, weights)
        if design:  # on the distinct covariate rows, each weighted by its customers: the same centred design
            values = {c: prepared.columns[c] for c in design.columns}
            if len(prepared.blocks) == 1:  # the groups the likelihood uses already
                group = prepared.blocks[0][0]["covariate_group"]
                first = _first_rows(group)
            else:
                group, first = _row_groups(values)
            check_identifiable({c: v[first] for c, v in values.items()}, {p: design.effects(p) for p in PROCESSES},
                               np.bincount(group, weights=prepared.counts), self.model_name)
        return prepared

    def _history(self, data):
        design = self.covariate_design()
        if design and isinstance(data, pd.DataFrame):
            self._require_fit()
            covariate_values(data, design.columns, self.model_name)
        return super()._history(data)

    def _covariate_matrices(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per process, the covariates acting on it as a (rows, effects) matrix."""
        design = self.covariate_design()
        rows = len(data["frequency"])
        return {process: (data[f"covariates:{process}"] if f"covariates:{process}" in data else
                          np.column_stack([data[c] for c in design.effects(process)]) if design.effects(process)
                          else np.zeros((rows, 0)))
                for process in PROCESSES}

    def _row_params(self, theta: np.ndarray, data: dict[str, np.ndarray]) -> tuple:
        """The model's parameters per customer: scalars without covariates, else arrays (one value per row) for
        the parameters the covariates scale, log φ_i = log φ + sign γ'z_i."""
        k = len(self.param_names)
        values = list(np.exp(theta[:k]))
        design = self.covariate_design()
        if not design:
            return tuple(values)
        gamma = theta[k:]
        matrices = self._covariate_matrices(data)
        for process in PROCESSES:
            if not design.effects(process):
                continue
            shift = matrices[process] @ gamma[design.positions(process)]
            for name, sign in self.covariate_links[process]:
                i = self.param_names.index(name)
                values[i] = values[i] * np.exp(sign * shift)
        return tuple(values)

    def _links(self, data: dict[str, np.ndarray]):
        """Each way a coefficient moves a per-customer log-parameter, as (the parameter's index, the coefficient's
        index in θ, ∂log φ_i/∂γ per row = sign · z_ij): log φ_i is linear in θ, so these are all its derivatives."""
        design, k = self.covariate_design(), len(self.param_names)
        matrices = self._covariate_matrices(data)
        for process in PROCESSES:
            for j, position in enumerate(design.positions(process)):
                for name, sign in self.covariate_links[process]:
                    yield self.param_names.index(name), k + position, sign * matrices[process][:, j]

    def _log_likelihood(self, log_params, data):
        """ℓ per row and its gradient in θ, from the per-customer likelihood by the chain rule (module docstring)."""
        ll, gradient = self._row_log_likelihood(self._row_params(log_params, data), data)
        design = self.covariate_design()
        if not design:
            return ll, gradient
        full = np.zeros((len(log_params), len(ll)))  # one row per component of θ: contiguous for each update
        full[:gradient.shape[1]] = gradient.T
        for parameter, coefficient, slope in self._links(data):
            full[coefficient] += slope * gradient[:, parameter]
        return ll, full.T

    def _likelihood_information(self, theta, prepared, gradient_at_theta=None):
        """The observed information in θ through the links: Σ_i n_i J_i' H_i J_i.

        H_i is minus the Hessian of customer i's log-likelihood in their own log-parameters (log r, log α_i,
        ...) from :meth:`_row_curvature`, and J_i = ∂(log φ_i)/∂θ is constant (:meth:`_links`), so the chain rule
        adds no second-derivative term. J_i depends on the customer only through their covariates, so where these
        take few values the H_i are first summed within each group of equal covariates. Used with covariates, and
        without them where the model's row curvature is exact (``exact_row_curvature``); else — and with θ extended
        beyond the coefficients (the correlation's η) — the generic forward differences in θ.
        """
        design, k = self.covariate_design(), len(self.param_names)
        if len(theta) != k + len(design.names) or not (design or self.exact_row_curvature):
            return super()._likelihood_information(theta, prepared, gradient_at_theta)
        information = np.zeros((len(theta), len(theta)))
        for columns, counts in prepared.blocks:
            curvature = self._row_curvature(theta, columns)  # {(i, j), i <= j: ∂²ℓ/∂log φ_i∂log φ_j per row}
            group = columns.get("covariate_group")
            n_groups = int(group.max()) + 1 if group is not None and group.size else 0
            if not design or 4 * n_groups > len(counts):
                information -= self._through_links(curvature, counts, columns)
                continue
            first = _first_rows(group)  # a row of each group, whose covariates it shares
            sums = {key: np.bincount(group, weights=counts * values, minlength=n_groups)
                    for key, values in curvature.items()}
            representatives = {key: values[first] for key, values in columns.items()
                               if key in ("frequency", *(f"covariates:{p}" for p in PROCESSES))}
            information -= self._through_links(sums, np.ones(n_groups), representatives)
        return information

    def _through_links(self, curvature, counts, columns) -> np.ndarray:
        """Σ_i n_i J_i' C_i J_i for the rows' curvatures C_i in their log-parameters ({(i, j), i <= j: values})."""
        k, n = len(self.param_names), len(self.theta_names)
        # column b of J is sparse: a unit vector for a log-parameter, the links' slopes for a coefficient
        loadings = [[(b, 1.0)] for b in range(k)] + [[] for _ in range(n - k)]
        for parameter, coefficient, slope in self._links(columns):
            loadings[coefficient].append((parameter, slope))
        total = np.zeros((n, n))
        for b in range(n):
            inner = [sum(curvature[min(i, j), max(i, j)] * slope for j, slope in loadings[b])
                     for i in range(k)]  # (C_i J_i)[:, b] per row
            for a in range(b, n):
                total[a, b] = sum((inner[i] * slope) @ counts for i, slope in loadings[a])
        return np.tril(total) + np.tril(total, -1).T

    #: Whether :meth:`_row_curvature` is in closed form (else forward differences of the row gradients).
    exact_row_curvature: ClassVar[bool] = False

    def _row_curvature(self, theta: np.ndarray, data: dict[str, np.ndarray]) -> dict[tuple[int, int], np.ndarray]:
        """∂²ℓ_i/∂log φ_j∂log φ_k per row in the customer's own log-parameters, for j <= k (the matrix is
        symmetric): :meth:`_row_curvature_by_differences`. Models with a closed form override this."""
        return self._row_curvature_by_differences(theta, data)

    def _row_curvature_by_differences(self, theta: np.ndarray, data: dict[str, np.ndarray],
                                      central: bool = False) -> dict[tuple[int, int], np.ndarray]:
        """:meth:`_row_curvature` by differences of the analytic row gradients, symmetrised, one shift of each
        log-parameter moving every customer's at once: forward (step 1e-6, k + 1 evaluations however many
        coefficients; error about 1e-7) or ``central`` (step 1e-5, 2k evaluations; error about 1e-10)."""
        k = len(self.param_names)

        def gradient(shift):
            return self._row_log_likelihood(self._row_params(theta + shift, data), data)[1]

        units = np.eye(len(theta))[:k]
        if central:
            step = 1e-5
            slopes = [(gradient(step * unit) - gradient(-step * unit)) / (2 * step) for unit in units]
        else:
            step, at = 1e-6, gradient(0.0)
            slopes = [(gradient(step * unit) - at) / step for unit in units]
        return {(i, j): (slopes[j][:, i] + slopes[i][:, j]) / 2 for i in range(k) for j in range(i, k)}

    def _row_log_likelihood(self, params: tuple, data: dict[str, np.ndarray]):
        """ℓ per row for parameters given per row (or as scalars), with the gradient in each log-parameter."""
        raise NotImplementedError

    def _customer_params(self, history: dict[str, np.ndarray]) -> tuple:
        """The fitted parameters of each customer of ``history`` (scalars for a model without covariates)."""
        self._require_fit()
        return self._row_params(self._theta(), history)

    def _new_customer(self):
        """A new customer whose covariates are all 0 (the baseline the scale parameters describe)."""
        return 1.0, self._param_values()

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
        """Levels — distinct frequencies, within each covariate group when there are covariates — with a row of
        each; the covariate groups and the processes' covariate matrices."""
        design = self.covariate_design()
        if not design:
            at, levels = dense_codes(columns["frequency"])
            return {"frequency_levels": levels, "frequency_at": at, "level_row": None}
        group = row_codes({c: columns[c] for c in design.columns})
        frequency_codes, distinct = dense_codes(columns["frequency"])
        at, _ = dense_codes(group.astype("int64") * max(len(distinct), 1) + frequency_codes)
        row = np.empty(int(at.max()) + 1 if at.size else 0, dtype="int64")
        row[at] = np.arange(len(at))
        derived = {"frequency_levels": columns["frequency"][row], "frequency_at": at, "level_row": row,
                   "covariate_group": group}
        matrices = self._covariate_matrices(columns)
        derived.update({f"covariates:{process}": matrix for process, matrix in matrices.items()})
        return derived

    def _frequency_levels(self, data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Distinct frequencies (within each covariate group) and each row's position among them: special
        functions are evaluated once per level (:meth:`_per_level` gives a parameter's value at each level)."""
        if "frequency_levels" not in data:
            data.update(self._derived(data))
        return data["frequency_levels"], data["frequency_at"]

    @staticmethod
    def _per_level(value, data: dict[str, np.ndarray]):
        """A parameter at each level of :meth:`_frequency_levels`: itself if it is one number for every customer."""
        return value if np.ndim(value) == 0 else value[data["level_row"]]

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
        recency, T = np.round(columns["recency"] / step), np.round(columns["T"] / step)  # 0, 1, ..., 32
        coarse = {**{c: columns[c] for c in self.data_columns}, "recency": recency * step, "T": T * step}
        levels_say_all = set(self.data_columns) == {*self.base_columns, *self.covariate_design().columns}
        if len(prepared.blocks) == 1 and levels_say_all:  # rows merge where their level and grid points agree
            level = prepared.blocks[0][0]["frequency_at"].astype("int64")
            group, _ = pd.factorize((level * (_ROUNDED_STAND_IN_GRID + 1) + recency.astype("int64"))
                                    * (_ROUNDED_STAND_IN_GRID + 1) + T.astype("int64"))
            first = _first_rows(group)
            unique, counts = {c: v[first] for c, v in coarse.items()}, np.bincount(group, weights=prepared.counts)
        else:
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
        return np.concatenate([np.log([start[name] for name in self.param_names]),
                               np.zeros(len(self.covariate_design().names))])

    def _alternative_starts(self, data: _Data, coefficients: np.ndarray | None = None) -> list[np.ndarray]:
        """The purchase rates matched to the data, with each of ``_dropout_starts``, and the covariate coefficients
        at ``coefficients`` (those of the estimate found so far; else 0).

        λ ~ Gamma(1, α) with 1/α = Σx / ΣT, the observed repeat purchases per unit of time (the mean rate
        of customers who never drop out: a moment estimate, low where many dropped out). The first start,
        α = mean(T)/10, assumes frequent buyers; where customers buy rarely (a few purchases in hundreds
        of time units) the likelihood also has a maximum near nearly homogeneous rates (r and α large),
        which a climb from a rate that is too high can miss for a limit. The starts differ in the model's own
        parameters; the covariates' effects start where the data have put them already, which on simulated data
        (``benchmarks/bench_covariates.py``) shortens the climbs from these starts by a third.
        """
        rate = float(np.sum(data.counts * data.columns["frequency"]) / np.sum(data.counts * data.columns["T"]))
        values = self._start_values(data) | {"r": 1.0, "alpha": 1.0 / rate}
        coefficients = np.zeros(len(self.covariate_design().names)) if coefficients is None else coefficients
        return [np.concatenate([np.log([(values | dropout)[name] for name in self.param_names]), coefficients])
                for dropout in self._dropout_starts]

"""Time-invariant covariates of the customer-base models, in CLVTools' parametrisation.

Bachmann, Meierer & Näf (2021), "The role of time-varying contextual factors in latent attrition
models for customer base analysis", *Marketing Science* 40(4), 783-809, and CLVTools
(bachmannpatrick/CLVTools v0.12.1: ``src/pnbd.cpp``, ``src/bgnbd.cpp``, ``R/interlayer_*.R``), which
this module follows exactly:

* Pareto/NBD: α_i = α exp(−γ_purchase'z_i) and β_i = β exp(−γ_dropout'z_i)
  (``pnbd_staticcov_alpha_i``/``beta_i``). A customer's mean purchase rate r/α_i and mean dropout
  rate s/β_i are thus scaled by exp(γ'z): a positive coefficient means more purchases, or an earlier
  dropout.
* BG/NBD and MBG/NBD: α_i = α exp(−γ_purchase'z_i), a_i = a exp(γ_dropout'z_i) and
  b_i = b exp(γ_dropout'z_i) — one dropout coefficient per covariate, scaling a and b alike
  (``bgnbd_staticcov_a_i``/``b_i``). The mean dropout probability a/(a+b) is then the same for every
  customer and the covariate moves its concentration: with a, b < 1, a positive γ pulls the customers'
  dropout probabilities towards that mean.
* Equality constraints (CLVTools ``names.cov.constr``): a covariate in ``shared_covariates`` has one
  coefficient acting on both processes; it is estimated once, as ``shared:<name>`` (CLVTools
  ``constr.<name>``), and is not in the ``purchase:`` or ``dropout:`` entries.
* L2 regularisation (CLVTools ``reg.lambdas``, ``interlayer_regularization.R``): the fit minimises

      −ℓ(θ)/N + λ_purchase Σ γ_purchase² + λ_dropout Σ γ_dropout²

  with N the number of customers, a shared coefficient counting in both sums. CLVTools reports
  the negative of this minimum in its summary's "LL" row; crmlab keeps it as ``objective_`` and
  ``log_likelihood_`` stays the unpenalised ℓ.

Covariates are numbers, one column per effect, as in CLVTools (dummy-code categories yourself); the
model's coefficients enter the estimation vector θ untransformed, after the log-parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import ColumnTypeError, DataError, MissingColumnError

__all__ = ["CovariateDesign", "CovariatePenalty", "covariate_values", "check_identifiable", "column_names"]

PROCESSES = ("purchase", "dropout")


@dataclass(frozen=True)
class CovariateDesign:
    """Which covariates act on which process, which coefficients are shared, and the L2 weights.

    Estimation order (the coefficients' place in θ, after the model's log-parameters): the free
    purchase coefficients, the free dropout coefficients, then the shared ones.
    """

    purchase: tuple[str, ...] = ()
    dropout: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    penalty: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def from_settings(cls, model_name: str, purchase, dropout, shared, penalty, reserved: Iterable[str]):
        """The design from a model's settings, checked; ValueError/TypeError naming what is wrong."""
        lists = {}
        for label, value in (("purchase_covariates", purchase), ("dropout_covariates", dropout),
                             ("shared_covariates", shared)):
            if value is None:
                lists[label] = ()
                continue
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"{model_name}: {label} must be a list of column names, got {value!r}")
            names = tuple(value)
            repeated = sorted({v for v in names if names.count(v) > 1})
            if repeated:
                raise ValueError(f"{model_name}: {label} names {repeated} more than once")
            lists[label] = names
        purchase, dropout, shared = (lists[k] for k in ("purchase_covariates", "dropout_covariates",
                                                        "shared_covariates"))
        one_sided = [name for name in shared if name not in purchase or name not in dropout]
        if one_sided:
            raise ValueError(f"{model_name}: shared_covariates {one_sided} must also be in both purchase_covariates "
                             f"and dropout_covariates (a shared coefficient acts on both processes)")
        clash = sorted(set(purchase + dropout) & set(reserved))
        if clash:
            raise ValueError(f"{model_name}: covariates may not be named like the model's data columns {clash}; "
                             "rename them")
        return cls(tuple(c for c in purchase if c not in shared), tuple(c for c in dropout if c not in shared),
                   shared, _penalty_weights(model_name, penalty))

    # ------------------------------------------------------------------ layout of θ
    # Every likelihood evaluation reads the layout several times: it is computed once per design (cached).
    @cached_property
    def names(self) -> tuple[str, ...]:
        """Names of the coefficients, in their order in θ."""
        return (*(f"purchase:{c}" for c in self.purchase), *(f"dropout:{c}" for c in self.dropout),
                *(f"shared:{c}" for c in self.shared))

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Every covariate column, once, in the order of first mention."""
        return tuple(dict.fromkeys(self.purchase + self.dropout + self.shared))

    def effects(self, process: str) -> tuple[str, ...]:
        """The covariates acting on ``process`` ("purchase" or "dropout"), free ones first, then shared."""
        return (self.purchase if process == "purchase" else self.dropout) + self.shared

    def positions(self, process: str) -> np.ndarray:
        """Where the coefficients of :meth:`effects` are in the coefficient vector."""
        return self._positions[process]

    @cached_property
    def _positions(self) -> dict[str, np.ndarray]:
        shared = len(self.purchase) + len(self.dropout) + np.arange(len(self.shared))
        own = {"purchase": np.arange(len(self.purchase)), "dropout": len(self.purchase) + np.arange(len(self.dropout))}
        positions = {process: np.concatenate([own[process], shared]).astype(int) for process in PROCESSES}
        for array in positions.values():
            array.flags.writeable = False
        return positions

    def __bool__(self) -> bool:
        return bool(self.purchase or self.dropout or self.shared)

    # ------------------------------------------------------------------ penalty
    def penalty_value(self, gamma: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """λ_purchase Σ γ_purchase² + λ_dropout Σ γ_dropout² (shared coefficients in both), its gradient and
        the diagonal of its Hessian, in the coefficient vector ``gamma``."""
        weight = np.zeros(len(gamma))
        for process, lam in zip(PROCESSES, self.penalty, strict=True):
            np.add.at(weight, self.positions(process), lam)
        return float(weight @ gamma**2), 2 * weight * gamma, 2 * weight

    def describe_penalty(self) -> dict[str, float]:
        return dict(zip(PROCESSES, self.penalty, strict=True))


def column_names(model_name: str, setting: str, covariates, reserved) -> tuple[str, ...]:
    """The covariate columns a setting names (a list of column names, or None), checked: distinct names, none of
    them one of the model's own data columns (``reserved``)."""
    covariates = covariates or ()
    if isinstance(covariates, str) or not all(isinstance(c, str) for c in covariates):
        raise TypeError(f"{model_name}: {setting} must be a list of column names, got {covariates!r}")
    if len(set(covariates)) < len(covariates) or set(covariates) & set(reserved):
        raise ValueError(f"{model_name}: {setting} {list(covariates)} repeat a name or use a data column name "
                         f"{list(reserved)}")
    return tuple(covariates)


class CovariatePenalty:
    """Mixin of the models with a :class:`CovariateDesign` (``covariate_design()``): their four covariate
    settings, the coefficients' names in θ, the L2 penalty of the coefficients in the objective, and its
    curvature in the information matrix."""

    def _set_covariate_settings(self, purchase_covariates, dropout_covariates, shared_covariates,
                                covariate_penalty) -> None:
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates
        self.shared_covariates = shared_covariates
        self.covariate_penalty = covariate_penalty

    def covariate_design(self) -> CovariateDesign:
        """The design of the four settings, checked (:meth:`_design_from_settings`); remembered while the settings
        stay as they are, since every likelihood evaluation asks for it."""
        settings = repr((self.purchase_covariates, self.dropout_covariates, self.shared_covariates,
                         self.covariate_penalty))
        remembered = self.__dict__.get("_design")
        if remembered is None or remembered[0] != settings:
            remembered = self.__dict__["_design"] = (settings, self._design_from_settings())
        return remembered[1]

    def _design_from_settings(self) -> CovariateDesign:
        raise NotImplementedError

    def _settings(self) -> dict:
        return {**super()._settings(), "purchase_covariates": self.purchase_covariates,
                "dropout_covariates": self.dropout_covariates, "shared_covariates": self.shared_covariates,
                "covariate_penalty": self.covariate_penalty}

    @property
    def theta_names(self) -> tuple[str, ...]:
        return (*self.param_names, *self.covariate_design().names)

    @property
    def covariate_columns(self) -> tuple[str, ...]:
        return self.covariate_design().columns

    def _penalty(self, theta):
        value, gradient, curvature = super()._penalty(theta)
        design = self.covariate_design()
        if design and any(design.penalty):
            block = slice(len(self.param_names), len(self.param_names) + len(design.names))
            extra, extra_gradient, extra_curvature = design.penalty_value(theta[block])
            value += extra
            gradient[block] += extra_gradient
            curvature[block] += extra_curvature
        return value, gradient, curvature

    def _hessian(self, theta, prepared, gradient_at_theta=None):
        """Observed information, plus N times the covariate penalty's curvature when there is one: the inverse is
        then the covariance of the posterior mode under the normal prior the L2 penalty stands for."""
        information = super()._hessian(theta, prepared, gradient_at_theta)
        design = self.covariate_design()
        if design and any(design.penalty):
            block = slice(len(self.param_names), len(self.param_names) + len(design.names))
            information[block, block] += prepared.n_customers * np.diag(design.penalty_value(theta[block])[2])
        return information


def _penalty_weights(model_name: str, penalty) -> tuple[float, float]:
    if penalty is None:
        return (0.0, 0.0)
    if not isinstance(penalty, dict):
        raise TypeError(f"{model_name}: covariate_penalty must be a dict like {{'purchase': 0.1, 'dropout': 0.2}}, "
                        f"got {penalty!r}")
    unknown = sorted(set(penalty) - set(PROCESSES))
    if unknown:
        raise ValueError(f"{model_name}: covariate_penalty has keys {unknown}; use 'purchase' and 'dropout'")
    weights = []
    for process in PROCESSES:
        value = penalty.get(process, 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{model_name}: covariate_penalty[{process!r}] must be a finite number >= 0, got "
                             f"{value!r}")
        weights.append(float(value))
    return tuple(weights)


# ---------------------------------------------------------------------------------------- data
def covariate_values(data: pd.DataFrame, columns: tuple[str, ...], model_name: str) -> dict[str, np.ndarray]:
    """The covariate columns of ``data`` as float arrays, refused with a crmlab error if unusable.

    Missing columns raise :class:`~crmlab.errors.MissingColumnError`; text, categories or dates raise
    :class:`~crmlab.errors.ColumnTypeError` (dummy-code them, as CLVTools expects); missing or infinite
    values raise :class:`~crmlab.errors.DataError` with their count per column and the first customers.
    """
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise MissingColumnError(f"{model_name}: covariate columns {missing} are not in the data (have "
                                 f"{list(data.columns)}). The covariates travel with the customers: fit and predict "
                                 "on summary.join(covariates), the covariates indexed by customer id.")
    values = {}
    for column in columns:
        series = data[column]
        if isinstance(series, pd.DataFrame):
            raise DataError(f"{model_name}: the data have {series.shape[1]} columns named {column!r}; rename them")
        if pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
            series = series.astype("float64")
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            shown = ", ".join(repr(v) for v in pd.unique(series.dropna())[:4])
            raise ColumnTypeError(
                f"{model_name}: covariate {column!r} holds {series.dtype} values ({shown}), not numbers. Covariates "
                f"enter as numbers (CLVTools' convention): dummy-code a category, e.g. "
                f"pd.get_dummies(data[{column!r}], prefix={column!r}, drop_first=True, dtype=float), and name the "
                "dummy columns instead.")
        array = series.to_numpy(dtype="float64", na_value=np.nan)
        values[column] = array
    bad = {c: ~np.isfinite(v) for c, v in values.items()}
    counts = {c: int(b.sum()) for c, b in bad.items() if b.any()}
    if counts:
        rows = np.logical_or.reduce(list(bad.values()))
        detail = ", ".join(f"{c}: {n:,}" for c, n in counts.items())
        raise DataError(f"{model_name}: {int(rows.sum()):,} customers have missing or infinite covariate values "
                        f"({detail}; first customers {list(data.index[rows][:5])}). Impute or drop them first "
                        "(and count what you drop).")
    return values


def check_identifiable(values: dict[str, np.ndarray], effects: dict[str, tuple[str, ...]], counts: np.ndarray,
                       model_name: str) -> None:
    """Refuse covariates that cannot be told apart from the scale parameter or from each other.

    A covariate constant over the fitted customers multiplies α (or β, a, b) by a constant, which the
    scale parameter absorbs; covariates that are linear combinations of each other (with a constant) on
    one process leave their coefficients unidentified. Checked on the unique rows, weighted by the
    number of customers, from the singular values of the centred design of each process (``effects``: process ->
    its covariates).
    """
    present = counts > 0
    for column, v in values.items():
        if np.ptp(v[present]) == 0:
            raise DataError(f"{model_name}: covariate {column!r} is {v[present][0]:g} for every customer, so its "
                            "effect cannot be told apart from the model's scale parameters; drop it")
    for process, columns in effects.items():
        if len(columns) < 2:
            continue
        weight = counts[present] / counts[present].sum()
        matrix = np.column_stack([values[c][present] for c in columns])
        centred = (matrix - weight @ matrix) * np.sqrt(weight)[:, None]
        scaled = centred / np.linalg.norm(centred, axis=0)
        _, singular, vectors = np.linalg.svd(scaled, full_matrices=False)
        if singular[-1] < 1e-8 * singular[0]:
            involved = [c for c, w in zip(columns, vectors[-1], strict=True) if abs(w) > 1e-6]
            raise DataError(f"{model_name}: the {process} covariates {involved} are collinear (one is a linear "
                            "combination of the others and a constant over the fitted customers), so their "
                            "coefficients are not identified. Drop one of them (e.g. one dummy of each "
                            "category: drop_first=True).")

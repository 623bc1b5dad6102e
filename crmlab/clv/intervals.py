"""Intervals for the predictions of a fitted customer-base model, from the uncertainty of its parameters.

A prediction — a customer's expected purchases, P(alive), CLV, DERT, the value of the whole base — is a
function g(φ) of the estimated parameters φ̂, which carry sampling error. The intervals here
describe that error, in two ways that both give *draws* of the parameters:

* :func:`parameter_draws` samples θ ~ N(θ̂, Σ̂), the asymptotic normal of the maximum-likelihood
  estimate in θ = log φ (``model.theta_``, ``model.covariance_theta_``: the inverse observed
  information). Sampling in θ keeps every parameter positive and follows the shape of the likelihood
  better than the normal in φ. Quick: no refit.
* :func:`bootstrap_draws` resamples the customers with replacement and refits, B times (Efron &
  Tibshirani 1993, ch. 6): no reliance on the asymptotic normal, at the cost of B fits. A model
  fitted on grouped rows (BG/BB patterns with ``weights``) is resampled customer by customer, as a
  multinomial draw of the rows' customer counts. Refits that fail are counted and reported, never
  dropped quietly.

:func:`prediction_interval` evaluates the prediction at every draw (``model.at_theta``) and reports,
per customer, the estimate at φ̂ and the central ``level`` interval of the draws' predictions (the
percentile interval); :func:`total_interval` does the same for the sum over customers (the expected
purchases of the whole base, or with ``"clv"`` the value of today's customers,
:func:`~crmlab.clv.customer_base_value`). For CLV the spend model's own draws enter draw by draw
(``spend_draws``); the purchase and spend models are fitted separately, so their draws are taken as
independent (bootstrap draws with the same seed on the same data resample the same customers and
pair up instead).

What the interval covers: the prediction at the true parameters, g(φ) — e.g. the expected number of
purchases given each customer's history — not the number the customer will actually make, which
varies around g(φ) by the purchase process's own randomness as well.

Work: a prediction depends on a customer only through the columns the model reads
(``frequency``, ``recency``, ``T``, …), so each distinct row is evaluated once per draw, in blocks
of rows × draws that bound the memory, and mapped back to the customers. Intervals of a customer do
not depend on the other customers: a partition of the data, with the same draws, gets the same
per-customer intervals.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConvergenceError, CrmlabWarning, DataError, MissingColumnError, PredictionError
from .base import _row_groups
from .lifetime_value import _discounting, _spend, customer_lifetime_value

__all__ = ["parameter_draws", "bootstrap_draws", "prediction_interval", "total_interval", "QUANTITIES"]

_BLOCK_VALUES = 2**22  # rows x draws evaluated at once (32 MB of float64 per block)
_PROCESS_ROWS = 2**15  # (key, draw) pairs per call of the alive process (quadratures use ~100 nodes a pair)
_HORIZON = "__horizon"  # key column of a per-customer horizon
_SPEND = "__spend"  # key column of a per-customer spend


# ------------------------------------------------------------------------------------------------ draws
def parameter_draws(model, n_draws: int = 500, *, seed=None) -> pd.DataFrame:
    """Draws of the parameters from the asymptotic normal of the estimate, θ ~ N(θ̂, Σ̂).

    Parameters
    ----------
    model
        A fitted model (any crmlab maximum-likelihood model).
    n_draws : int
        Number of draws (at least 2; 500 give the 5 % and 95 % quantiles to about ±0.01 in probability).
    seed : int or numpy Generator, optional
        Seeds the draws. Draw a spend model's parameters with another seed than the purchase model's.

    Returns
    -------
    DataFrame, one row per draw and one column per parameter (natural scale, as ``params_``);
    ``attrs["method"]`` is ``"asymptotic normal"``.
    """
    model._require_fit()
    n_draws = _count_of_draws(n_draws, "n_draws")
    covariance = model.covariance_theta_
    if not np.all(np.isfinite(covariance)):
        raise PredictionError(
            f"the {model.model_name} estimate is a limiting model on the boundary of the parameter space "
            f"({getattr(model, 'limit_', None) or 'infinite variances'}): its parameters have no asymptotic normal, "
            "so intervals cannot be drawn from it. Use crmlab.clv.intervals.bootstrap_draws(model, data), which "
            "refits on resampled customers.")
    rng = np.random.default_rng(seed)
    theta = rng.multivariate_normal(model.theta_, covariance, size=n_draws, method="eigh")
    params = np.stack([model._natural(row) for row in theta])
    return _draw_frame(params, model, np.arange(n_draws), {"method": "asymptotic normal"})


def bootstrap_draws(model, data: pd.DataFrame, n_boot: int = 200, *, weights=None, seed=None,
                    progress: bool = True) -> pd.DataFrame:
    """Draws of the parameters by refitting the model on customers resampled with replacement.

    Parameters
    ----------
    model
        The fitted model; each refit uses its settings, started at its estimate.
    data : DataFrame
        The table the model was fitted on.
    n_boot : int
        Number of resamples (at least 2).
    weights : str or array, optional
        As in ``fit``: the number of customers each row stands for (BG/BB patterns, sBG cohorts). They
        must be whole numbers — customers are what is resampled.
    seed : int or numpy Generator, optional
        Seeds the resampling. The same seed on the same data resamples the same customers, so draws of a
        purchase model and of a spend model fitted on one summary pair up, resample by resample.
    progress : bool
        Show a progress bar.

    Returns
    -------
    DataFrame, one row per successful refit (indexed by its resample number) and one column per
    parameter. ``attrs``: ``method`` ("bootstrap"), ``requested`` (n_boot), ``failed`` (refits that
    raised; each reason in ``failures``) and ``at_limit`` (refits whose estimate is a limiting model,
    kept: their predictions are the limit's). Failures and limits are also reported by a
    :class:`~crmlab.errors.CrmlabWarning`; fewer than two successful refits raise ConvergenceError.
    """
    from tqdm.auto import tqdm

    model._require_fit()
    n_boot = _count_of_draws(n_boot, "n_boot")
    customers = _customer_counts(model, data, weights)
    total = int(customers.sum())
    rng = np.random.default_rng(seed)
    estimates, numbers_kept, failures, at_limit = [], [], [], 0
    for number in tqdm(range(n_boot), desc=f"{model.model_name} bootstrap", unit="refit", disable=not progress):
        resample = rng.multinomial(total, customers / total).astype("float64")
        try:
            refit = _refit(model, data, resample)
        except (ConvergenceError, DataError) as error:
            failures.append(f"resample {number}: {type(error).__name__}: {error}")
            continue
        at_limit += getattr(refit, "limit_", None) is not None
        estimates.append(refit.params_.to_numpy(dtype="float64"))
        numbers_kept.append(number)
    _report_refits(model, n_boot, failures, at_limit)
    if len(estimates) < 2:
        raise ConvergenceError(f"{model.model_name}: only {len(estimates)} of {n_boot} bootstrap refits succeeded, "
                               f"too few for an interval; the first failure: {failures[0]}")
    return _draw_frame(np.array(estimates), model, np.array(numbers_kept),
                       {"method": "bootstrap", "requested": n_boot, "failed": len(failures), "failures": failures,
                        "at_limit": at_limit})


def _customer_counts(model, data, weights) -> np.ndarray:
    """Customers per row of ``data``: whole numbers that add up to the customers the model was fitted on."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"bootstrap_draws resamples the rows of the DataFrame the model was fitted on, not "
                        f"{type(data).__name__}")
    if len(data) == 0:
        raise DataError("bootstrap_draws: the data have no rows")
    counts = model._weights(data, weights)
    if np.any(counts != np.round(counts)):
        raise DataError(f"bootstrap_draws resamples customers, so the weights must be whole numbers of customers; "
                        f"got e.g. {counts[counts != np.round(counts)][:3].tolist()} (shares?). Pass counts.")
    if counts.sum() < 2:
        raise DataError("bootstrap_draws needs at least two customers to resample")
    if not hasattr(model, "n_excluded_") and round(counts.sum()) != model.n_customers_:
        raise DataError(f"the {model.model_name} model was fitted on {model.n_customers_:,} customers but the data "
                        f"hold {counts.sum():,.0f}{' rows' if weights is None else ''}: pass the table it was "
                        "fitted on" + (", and weights= if its rows stand for several customers each" if weights is None
                                       else ""))
    return counts


def _refit(model, data: pd.DataFrame, resample: np.ndarray):
    """The model refitted with ``resample`` customers per row, started at the original estimate."""
    settings = model._settings()
    if getattr(model, "limit_", None) is None:
        settings["initial_params"] = dict(model.params_)
    refit = type(model)(**settings)
    options = {}
    if getattr(model, "discrete_unit", "none") is None and getattr(model, "time_unit_", None) is not None:
        options["time_unit"] = model.time_unit_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrmlabWarning)  # limits are counted and reported once, after the loop
        return refit.fit(data, weights=resample, **options)


def _report_refits(model, requested: int, failures: list[str], at_limit: int) -> None:
    if failures:
        reasons = Counter(text.split(": ", 2)[1] for text in failures)
        listed = ", ".join(f"{count} {name}" for name, count in reasons.most_common())
        warnings.warn(f"{model.model_name}: {len(failures)} of {requested} bootstrap refits failed ({listed}; "
                      "draws.attrs['failures'] gives each reason). The draws hold the other refits: the intervals "
                      "describe the resamples on which the model could be fitted.", CrmlabWarning, stacklevel=3)
    if at_limit:
        warnings.warn(f"{model.model_name}: {at_limit} of {requested} bootstrap refits ended at a limiting model on "
                      "the boundary of the parameter space; they are kept (their predictions are the limit's).",
                      CrmlabWarning, stacklevel=3)


def _count_of_draws(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"{name} must be a whole number >= 2 (an interval needs several draws), got {n!r}")
    return int(n)


def _draw_frame(params: np.ndarray, model, index: np.ndarray, attrs: dict) -> pd.DataFrame:
    frame = pd.DataFrame(params, columns=model.params_.index, index=pd.Index(index, name="draw"))
    frame.attrs = {**attrs, "model": model.model_name}
    return frame


# ------------------------------------------------------------------------------------------------ quantities
@dataclass(frozen=True)
class _Quantity:
    """A prediction intervals are computed for: whether it needs a horizon ``t``, and what it means."""

    needs_horizon: bool
    horizon_default: float | None
    description: str


#: The predictions intervals are computed for, with what they mean.
QUANTITIES = {
    "expected_purchases": _Quantity(True, None, "expected purchases in the next t time units"),
    "p_alive": _Quantity(False, 0.0, "P(alive) now (t = 0) or t time units from now"),
    "probability_no_purchases": _Quantity(True, None, "probability of no purchase in the next t time units"),
    "clv": _Quantity(False, None, "discounted expected value (crmlab.clv.customer_lifetime_value); its total over "
                                  "customers is customer_base_value"),
    "expected_residual_transactions": _Quantity(False, None, "DERT, the discounted expected purchases over the whole "
                                                             "future (Pareto/NBD, BG/BB; discount_rate=)"),
}


# ------------------------------------------------------------------------------------------------ intervals
def prediction_interval(model, data: pd.DataFrame, quantity: str, *, draws: pd.DataFrame, t=None,
                        level: float = 0.9, spend_model=None, spend_draws: pd.DataFrame | None = None,
                        progress: bool = False, **clv_options) -> pd.DataFrame:
    """Each customer's prediction with the central ``level`` interval over the parameter draws.

    Parameters
    ----------
    model
        The fitted customer-base model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, sBG).
    data : DataFrame
        The customers (the columns the model reads), e.g. a customer summary.
    quantity : str
        One of :data:`QUANTITIES`: ``"expected_purchases"``, ``"p_alive"``,
        ``"probability_no_purchases"``, ``"clv"``, ``"expected_residual_transactions"``.
    draws : DataFrame
        Parameter draws of ``model`` from :func:`parameter_draws` or :func:`bootstrap_draws`.
    t : float or array, optional
        Horizon in the model's time unit (one number, or one per customer): needed for expected
        purchases and the probability of no purchases; P(alive) defaults to now.
    level : float
        Coverage of the interval, in (0, 1).
    spend_model, spend_draws
        For ``"clv"``: the spend model (a fitted GammaGamma, a Series by customer or a number) and, for
        a fitted spend model, its draws (as many as ``draws``, with the same index).
    progress : bool
        Show a progress bar over the blocks of customers.
    **clv_options
        For ``"clv"``: ``horizon``, ``discount_rate``, ``freq``, ``margin``, ``period_length`` of
        :func:`~crmlab.clv.customer_lifetime_value`; for ``"expected_residual_transactions"``:
        ``discount_rate`` (see the models' ``expected_residual_transactions``).

    Returns
    -------
    DataFrame indexed like ``data``: ``estimate`` (at the fitted parameters), ``lower``, ``upper``.
    """
    plan = _Plan.make(model, data, quantity, draws, t, level, spend_model, spend_draws, clv_options)
    estimate = np.empty(plan.n_keys)
    lower, upper = np.empty(plan.n_keys), np.empty(plan.n_keys)
    for rows, at_estimate, values in plan.blocks(progress):
        estimate[rows] = at_estimate
        lower[rows], upper[rows] = np.quantile(values, plan.probabilities, axis=1)
    return pd.DataFrame({"estimate": estimate[plan.at], "lower": lower[plan.at], "upper": upper[plan.at]},
                        index=data.index)


def total_interval(model, data: pd.DataFrame, quantity: str, *, draws: pd.DataFrame, t=None, level: float = 0.9,
                   spend_model=None, spend_draws: pd.DataFrame | None = None, progress: bool = False,
                   **clv_options) -> pd.Series:
    """The prediction summed over the customers of ``data``, with the central ``level`` interval over the draws.

    The sum is taken within each draw, so the interval reflects that every customer's prediction moves
    with the same parameters (it is much wider than the customers' intervals would suggest if they
    were independent). ``"clv"`` gives the value of today's customer base
    (:func:`~crmlab.clv.customer_base_value`); ``"expected_purchases"`` the purchases the base will
    make; ``"p_alive"`` the expected number of customers alive. Arguments as :func:`prediction_interval`.

    Returns
    -------
    Series ``estimate``, ``lower``, ``upper`` named after the quantity.
    """
    plan = _Plan.make(model, data, quantity, draws, t, level, spend_model, spend_draws, clv_options)
    estimate, totals = 0.0, np.zeros(plan.n_draws)
    for rows, at_estimate, values in plan.blocks(progress):
        weight = plan.counts[rows]
        estimate += float(weight @ at_estimate)
        totals += weight @ values
    lower, upper = np.quantile(totals, plan.probabilities)
    return pd.Series({"estimate": estimate, "lower": lower, "upper": upper}, name=quantity)


@dataclass
class _Plan:
    """The work of an interval: distinct rows (keys) of the data, the models at every draw, what to evaluate."""

    name: str
    quantity: _Quantity
    keys: pd.DataFrame
    at: np.ndarray
    counts: np.ndarray
    model: object
    spend: object
    draws: list
    t: object
    options: dict
    probabilities: tuple[float, float]
    horizons: np.ndarray  # for CLV: the period ends, and the discounting weight of each
    weights: np.ndarray

    @property
    def n_keys(self) -> int:
        return len(self.keys)

    @property
    def n_draws(self) -> int:
        return len(self.draws)

    @classmethod
    def make(cls, model, data, quantity, draws, t, level, spend_model, spend_draws, clv_options) -> _Plan:
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}, got {quantity!r}")
        spec = QUANTITIES[quantity]
        if not hasattr(model, "cumulative_expected_purchases"):
            raise TypeError("intervals are computed for a fitted customer-base model (BetaGeo, ModifiedBetaGeo, "
                            f"ParetoNBD, BetaGeoBetaBinom, ShiftedBetaGeometric), not {type(model).__name__}")
        model._require_fit()
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a DataFrame of customers, not {type(data).__name__}")
        if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
            raise ValueError(f"level must be a number strictly between 0 and 1 (e.g. 0.9 for a 90 % interval), "
                             f"got {level!r}")
        _check_draws(model, draws, "draws")
        if quantity == "clv":
            if t is not None:
                raise ValueError("CLV takes its horizon as horizon= (a number of discounting periods), not t=")
            if spend_model is None:
                raise ValueError("CLV needs spend_model= (a fitted GammaGamma, a Series by customer or a number)")
        elif quantity == "expected_residual_transactions":
            if t is not None or spend_model is not None or spend_draws is not None or set(clv_options) != \
                    {"discount_rate"}:
                raise TypeError("expected_residual_transactions takes discount_rate= (and no t, spend_model or "
                                f"other options); got t={t!r}, options {sorted(clv_options)}")
        elif spend_model is not None or spend_draws is not None or clv_options:
            given = sorted([*clv_options, *(["spend_model"] if spend_model is not None else []),
                            *(["spend_draws"] if spend_draws is not None else [])])
            raise TypeError(f"{given} apply to quantity='clv' only, not {quantity!r}")
        if t is None:
            if spec.needs_horizon:
                raise ValueError(f"{quantity} needs the horizon t (in {model.time_unit_label}): e.g. t=52")
            t = spec.horizon_default
        missing = [c for c in model._prediction_columns() if c not in data.columns]
        if missing:
            raise MissingColumnError(f"{model.model_name} predictions need columns {list(model._prediction_columns())}"
                                     f"; missing {missing} (have {list(data.columns)})")
        columns = {c: data[c].to_numpy() for c in model._prediction_columns()}
        spend, spend_at = _spend_draws(spend_model, spend_draws, draws, data, columns)
        horizon = model._horizon(t) if t is not None else None
        if horizon is not None and horizon.ndim > 0:  # one horizon per customer: part of each customer's key
            if horizon.shape != (len(data),):
                raise ValueError(f"t must be one number or one value per customer ({len(data)}), got shape "
                                 f"{horizon.shape}")
            columns[_HORIZON] = horizon
        group, first = _row_groups(columns)
        # keys ordered by the alive customer's posterior key, so that each block of keys evaluates the alive
        # process for its own posterior keys, not for ones that other blocks evaluate again
        posterior = [c for c in (*model.posterior_columns, _HORIZON) if c in columns]
        order = np.argsort(_row_groups({c: columns[c][first] for c in posterior})[0], kind="stable")
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        group, first = position[group], first[order]
        keys = pd.DataFrame({c: v[first] for c, v in columns.items()})
        keys.attrs = data.attrs  # what the table is (its time unit), for the model's checks
        models = [model.at_theta(model._theta_from_params(row)) for row in draws.to_numpy(dtype="float64")]
        horizons, weights = np.zeros(1), np.ones(1)
        if quantity == "clv":
            settings = {name: option.default for name, option in
                        inspect.signature(customer_lifetime_value).parameters.items()
                        if option.kind == option.KEYWORD_ONLY}
            unknown = sorted(set(clv_options) - set(settings))
            if unknown:
                raise TypeError(f"{unknown} are not options of customer_lifetime_value ({sorted(settings)})")
            settings.update(clv_options)
            horizons, combine = _discounting(model, **{k: v for k, v in settings.items() if k != "margin"})
            weights = combine[:, 0]
        return cls(quantity, spec, keys, group, np.bincount(group).astype("float64"), model, spend,
                   list(zip(models, spend_at, strict=True)), t, clv_options,
                   ((1 - level) / 2, (1 + level) / 2), horizons, weights)

    def blocks(self, progress: bool):
        """(positions of the keys, estimate there, values rows x draws) for blocks of keys."""
        from tqdm.auto import tqdm

        size = max(1, _BLOCK_VALUES // self.n_draws)
        for start in tqdm(range(0, self.n_keys, size), desc=f"{self.name} intervals", unit="block",
                          disable=not progress):
            rows = slice(start, start + size)
            frame = self.keys.iloc[rows]
            frame.attrs = self.keys.attrs
            at_estimate = self._at_estimate(frame)  # first: the model's own checks of the request
            values = self._at_draws(frame)
            bad = ~np.isfinite(values)
            if bad.any():
                draw = int(np.flatnonzero(bad.any(axis=0))[0])
                raise PredictionError(f"the {self.name} prediction is not finite at {int(bad.any(axis=0).sum())} of "
                                      f"the {self.n_draws} parameter draws (first: draw {draw}); those draws lie "
                                      "where the model's expectation does not exist. Use bootstrap draws, or check "
                                      "the fit.")
            yield rows, at_estimate, values

    def _at_estimate(self, frame: pd.DataFrame) -> np.ndarray:
        """The prediction at the fitted parameters, by the model's own method."""
        return self._predicted_by(self.model, self.spend, frame)

    def _predicted_by(self, model, spend, frame: pd.DataFrame) -> np.ndarray:
        """The prediction of ``model`` (with ``spend`` for CLV) by its own public method."""
        t = self._horizon(frame)
        if self.name == "expected_purchases":
            values = model.expected_purchases(t, frame)
        elif self.name == "p_alive":
            values = model.p_alive(frame, t)
        elif self.name == "probability_no_purchases":
            values = model.probability_no_purchases(t, frame)
        elif self.name == "expected_residual_transactions":
            values = model.expected_residual_transactions(frame, self.options["discount_rate"])
        else:
            values = customer_lifetime_value(model, self._spend_of(spend, frame), frame, **self.options)["clv"]
        return values.to_numpy(dtype="float64")

    def _at_draws(self, frame: pd.DataFrame) -> np.ndarray:
        """The prediction at every draw, rows x draws: the models' own pieces, P(alive) now draw by draw, and the
        alive customer's process for all (distinct posterior key, draw) pairs in one vectorised call.

        The same composition as :class:`~crmlab.clv._customer_base.CustomerBaseModel`'s predictions (checked
        by the tests: with every draw at the estimate, the interval collapses on the model's prediction). A
        Pareto/NBD with correlated rates mixes four such compositions (:mod:`crmlab.clv.correlation`): its
        draws are predicted one by one, by the model's own methods.
        """
        if getattr(self.model, "correlation", False):
            return np.column_stack([self._predicted_by(model, spend, frame) for model, spend in self.draws])
        history, _ = self.model._history(frame)
        posterior = {c: history[c] for c in self.model.posterior_columns}
        horizon = self._horizon(frame)
        if np.ndim(horizon):
            posterior[_HORIZON] = horizon
        at, first = _row_groups(posterior)
        keys = {c: v[first] for c, v in posterior.items()}
        alive = np.column_stack([model._p_alive_now(history) for model, _ in self.draws])
        parts = [model._alive_parameters(keys) for model, _ in self.draws]
        theta = tuple(np.concatenate(column) for column in zip(*parts, strict=True))
        t = np.tile(keys[_HORIZON], self.n_draws) if _HORIZON in keys else np.asarray(horizon, dtype="float64")
        process = self.model._process
        if self.name == "expected_purchases":
            quantity = process.expected
        elif self.name == "p_alive":
            quantity = process.survival if np.any(t > 0) else (lambda theta, _: np.ones(len(theta[0])))
        elif self.name == "probability_no_purchases":
            def quantity(theta, t):
                return process.count_probability(theta, 0.0, t)
        elif self.name == "expected_residual_transactions":
            def quantity(theta, _):
                return process.discounted_expected(theta, self.options["discount_rate"])
        else:  # Σ_k C_k w_k, C_k the alive customer's expected purchases by the end of period k
            def quantity(theta, _):
                return sum(w * process.expected(theta, h) for h, w in zip(self.horizons, self.weights, strict=True))
        if_alive = np.empty(len(theta[0]))
        for start in range(0, len(if_alive), _PROCESS_ROWS):  # chunks: the special functions' work arrays stay small
            part = slice(start, start + _PROCESS_ROWS)
            if_alive[part] = quantity(tuple(v[part] for v in theta), t[part] if t.ndim else t)
        if_alive = np.asarray(if_alive, dtype="float64").reshape(self.n_draws, -1)[:, at].T
        if self.name == "probability_no_purchases":
            return alive * if_alive + (1.0 - alive)
        if self.name != "clv":
            return alive * if_alive
        spend = np.column_stack([_spend(self._spend_of(spend, frame), frame) for _, spend in self.draws])
        return self.options.get("margin", 1.0) * spend * alive * if_alive

    def _horizon(self, frame: pd.DataFrame):
        return frame[_HORIZON].to_numpy() if _HORIZON in frame else self.t

    @staticmethod
    def _spend_of(spend, frame: pd.DataFrame):
        """The spend model, or the per-customer spend of the keys in ``frame`` as a Series indexed like it."""
        return pd.Series(frame[_SPEND].to_numpy(), index=frame.index) if _SPEND in frame else spend


def _spend_draws(spend_model, spend_draws, draws, data, columns) -> tuple[object, list]:
    """The spend model at its estimate and at every draw (paired with ``draws``); adds the spend model's columns
    (or a per-customer spend) to the key ``columns``."""
    if spend_model is None:
        return None, [None] * len(draws)
    if hasattr(spend_model, "params_"):
        if spend_draws is None:
            raise ValueError("a fitted spend model needs its own draws: spend_draws=intervals.parameter_draws("
                             "spend_model, n_draws=len(draws), seed=<another seed>) or bootstrap_draws(...)")
        _check_draws(spend_model, spend_draws, "spend_draws")
        if not spend_draws.index.equals(draws.index):
            only = draws.index.symmetric_difference(spend_draws.index)
            raise DataError(f"draws and spend_draws must pair up, draw by draw (the same index); {len(only)} draws "
                            f"are in one but not the other (e.g. {list(only[:5])}: bootstrap refits that failed for "
                            "one model?). Keep the common ones: common = draws.index.intersection(spend_draws.index); "
                            "draws.loc[common], spend_draws.loc[common].")
        for column in spend_model._prediction_columns():
            if column not in data.columns:
                raise DataError(f"the spend model needs column {column!r} in the data (have {list(data.columns)})")
            columns[column] = data[column].to_numpy()
        at = [spend_model.at_theta(spend_model._theta_from_params(row))
              for row in spend_draws.to_numpy(dtype="float64")]
        return spend_model, at
    if spend_draws is not None:
        raise ValueError("spend_draws apply to a fitted spend model; a fixed spend (a number or a Series) has none")
    if isinstance(spend_model, pd.Series):
        spend = spend_model.reindex(data.index)
        if spend.isna().any():
            raise DataError(f"the spend Series has no value for {int(spend.isna().sum()):,} customers of the data "
                            f"(e.g. {list(data.index[spend.isna().to_numpy()][:5])}); give one per customer")
        columns[_SPEND] = spend.to_numpy(dtype="float64")
    return spend_model, [spend_model] * len(draws)


def _check_draws(model, draws, name: str) -> None:
    if not isinstance(draws, pd.DataFrame):
        raise TypeError(f"{name} must be the DataFrame of parameter_draws or bootstrap_draws, not "
                        f"{type(draws).__name__}")
    expected = list(model.params_.index)
    if list(draws.columns) != expected:
        raise DataError(f"{name} are not draws of this {model.model_name} model: columns {list(draws.columns)}, "
                        f"expected {expected}")
    if len(draws) < 2:
        raise ValueError(f"{name} hold {len(draws)} draw(s); an interval needs at least 2")
    values = draws.to_numpy(dtype="float64")
    if not np.all(np.isfinite(values)):
        rows = list(draws.index[~np.isfinite(values).all(axis=1)][:5])
        raise DataError(f"{name} hold missing or infinite values (rows {rows})")

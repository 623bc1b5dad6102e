"""Comparing fitted customer-base models: the likelihood-ratio test of nested fits and a table of fits.

Two fits are nested when the restricted one is the full one with some coefficients fixed: covariates
left out (their coefficients 0) or a covariate's purchase and dropout coefficients constrained equal
(``shared_covariates``). Under the restricted model, 2 (ℓ_full − ℓ_restricted) is asymptotically χ² with
as many degrees of freedom as the full model has more parameters (Wilks 1938) — CLVTools' ``lrtest``,
which this reproduces on its apparel example (``tests/clv/test_covariates_reference.py``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import CrmlabWarning, DataError
from .covariates import PROCESSES

__all__ = ["LikelihoodRatioTest", "likelihood_ratio_test", "compare_models"]

_BASE_KEY = "base"  # the fingerprint of the model's own columns and the weights


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """The test's statistic 2 (ℓ_full − ℓ_restricted), its degrees of freedom and p value, and a table as
    CLVTools' ``lrtest`` prints it (one row per model)."""

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame

    def __repr__(self) -> str:
        return f"LikelihoodRatioTest(statistic={self.statistic:.4f}, df={self.df}, p_value={self.p_value:.4g})"


def likelihood_ratio_test(restricted, full, names: tuple[str, str] = ("restricted", "full")) -> LikelihoodRatioTest:
    """Likelihood-ratio test of ``restricted`` against ``full``, two fits of one model on the same customers.

    Refused with a :class:`~crmlab.errors.DataError` that says why when the fits are of different models,
    on different data, not nested (the restricted fit has a coefficient the full one lacks, or frees what
    the full one constrains), penalised (a penalised estimate is no maximum-likelihood estimate, and the
    χ² reference does not hold), or have the same number of parameters. A fit at a limit of its model (its
    parameters on the boundary) gets a :class:`~crmlab.errors.CrmlabWarning`: the χ² reference is then only
    an approximation.
    """
    for model in (restricted, full):
        model._require_fit()
    if type(restricted) is not type(full):
        raise DataError(f"a likelihood-ratio test compares two fits of one model; got {restricted.model_name} and "
                        f"{full.model_name}, which are not nested (compare them with compare_models: AIC, BIC)")
    _require_same_customers(restricted, full)
    for label, model in zip(names, (restricted, full), strict=True):
        weights = getattr(model, "covariate_penalty", None)
        weights = weights.values() if isinstance(weights, dict) else [weights or 0.0]
        penalised = [what for what, value in (("penalizer", model.penalizer), ("covariate_penalty", any(weights)))
                     if value]
        if penalised:
            raise DataError(f"the {label} fit is penalised ({', '.join(penalised)}): its estimate does not maximise "
                            "the likelihood, so the likelihood-ratio statistic has no chi-squared distribution. "
                            "Refit both without penalties to test.")
    reasons = _not_nested(_roles(restricted), _roles(full))
    if reasons:
        raise DataError(f"the {names[0]} fit is not nested in the {names[1]} fit: " + "; ".join(reasons) +
                        ". Pass the smaller model first.")
    df = full.n_parameters_ - restricted.n_parameters_
    if df <= 0:
        raise DataError(f"the {names[1]} fit has no more parameters than the {names[0]} fit ({full.n_parameters_} vs "
                        f"{restricted.n_parameters_}): nothing to test")
    for label, model in zip(names, (restricted, full), strict=True):
        if getattr(model, "limit_", None):
            warnings.warn(f"the {label} fit is at a limit of its model ({model.limit_}); the chi-squared reference of "
                          "the likelihood-ratio test is then only approximate", CrmlabWarning, stacklevel=2)
    difference = full.log_likelihood_ - restricted.log_likelihood_
    if difference < -1e-6 * max(1.0, abs(full.log_likelihood_)):
        raise DataError(f"the {names[1]} fit has a lower log-likelihood ({full.log_likelihood_:,.4f}) than the nested "
                        f"{names[0]} fit ({restricted.log_likelihood_:,.4f}), so it did not reach its maximum; refit "
                        "it (e.g. from the restricted estimates with initial_params=)")
    statistic = 2.0 * max(difference, 0.0)
    p_value = float(stats.chi2.sf(statistic, df))
    table = pd.DataFrame({"parameters": [restricted.n_parameters_, full.n_parameters_],
                          "log_likelihood": [restricted.log_likelihood_, full.log_likelihood_],
                          "df": [np.nan, df], "chi2": [np.nan, statistic], "p_value": [np.nan, p_value]},
                         index=pd.Index(list(names), name="model"))
    return LikelihoodRatioTest(statistic, df, p_value, table)


def compare_models(models, holdout: pd.DataFrame | None = None) -> pd.DataFrame:
    """A table of fits on the same customers: parameters, log-likelihood, AIC, BIC (and the holdout error).

    ``models`` is a dict of name -> fitted model (or a list, named by their model names). With ``holdout``,
    a calibration/holdout table (:func:`crmlab.calibration_holdout`, with any covariate columns joined) on
    whose calibration half every model was fitted, the table adds each model's holdout MAE and RMSE of the
    purchases per customer and the total error in percent (:func:`crmlab.clv.evaluate_holdout`). Lower AIC and
    BIC are better; they are comparable only between fits on the same customers, which is checked.
    """
    if not isinstance(models, dict):
        models = list(models)
        names = [getattr(m, "model_name", type(m).__name__) for m in models]
        models = {(name if names.count(name) == 1 else f"{name} ({i + 1})"): m
                  for i, (name, m) in enumerate(zip(names, models, strict=True))}
    if not models:
        raise ValueError("compare_models needs at least one fitted model")
    fitted = list(models.values())
    for model in fitted:
        model._require_fit()
    for model in fitted[1:]:
        _require_same_customers(fitted[0], model, covariates=False)
    rows = []
    for name, model in models.items():
        row = {"model": model.model_name, "parameters": model.n_parameters_, "log_likelihood": model.log_likelihood_,
               "aic": model.aic_, "bic": model.bic_, "customers": model.n_customers_}
        if holdout is not None:
            from .evaluation import evaluate_holdout

            metrics = evaluate_holdout(model, holdout).metrics.loc["model"]
            row.update(holdout_mae=metrics["mae"], holdout_rmse=metrics["rmse"],
                       holdout_total_error_pct=metrics["total_error_pct"])
        rows.append(pd.Series(row, name=name))
    return pd.DataFrame(rows).rename_axis("fit")


def _roles(model) -> dict[str, str]:
    """(process:covariate) -> "free" or "shared", for every coefficient the model estimates (read from its
    coefficient names: "shared:<c>" acts on both the purchase and the dropout process), and "free" for any other
    parameter beyond the model's own (the purchase-dropout ``correlation``)."""
    roles = {}
    for name in model.theta_names[len(model.param_names):]:
        process, column = name.split(":", 1) if name in model.coefficient_names else (name, "")
        if process == "shared":
            roles.update({f"{p}:{column}": "shared" for p in PROCESSES})
        else:
            roles[name] = "free"
    return roles


def _not_nested(small: dict[str, str], large: dict[str, str]) -> list[str]:
    """Why the restricted coefficients are not the full ones with some fixed at 0 or set equal (empty: nested)."""
    reasons = [f"it has the parameter {name} that the full fit lacks" for name in small if name not in large]
    shared = dict.fromkeys(name.split(":", 1)[1] for name, role in large.items() if role == "shared")
    for column in shared:
        both = [f"{p}:{column}" in small for p in PROCESSES]
        if any(both) and small.get(f"purchase:{column}") != "shared":
            reasons.append(f"it estimates {column}'s {'two coefficients' if all(both) else 'coefficient'} "
                           f"freely, while the full fit constrains {column} to one shared coefficient")
    return reasons


def _require_same_customers(first, second, covariates: bool = True) -> None:
    """Refuse fits on different data: the fingerprints of the model columns (and shared covariates) must agree."""
    one, two = (getattr(m, "data_fingerprint_", None) for m in (first, second))
    if one is None or two is None:
        raise DataError("these fits do not record what data they were fitted on (loaded from an older file?); refit "
                        "them to compare")
    schemes = {str(fingerprint[_BASE_KEY]).partition(":")[0] for fingerprint in (one, two)}
    if len(schemes) > 1:
        raise DataError("these fits record their data in different ways (one was saved by an older crmlab), so "
                        "whether they saw the same customers cannot be told; refit the older one to compare")
    keys = [_BASE_KEY] + ([k for k in one if k in two and k != _BASE_KEY] if covariates else [])
    differ = [k for k in keys if one.get(k) != two.get(k)]
    if differ:
        what = "the customers' histories (or weights)" if _BASE_KEY in differ else f"the covariates {differ}"
        raise DataError(f"the {first.model_name} and {second.model_name} fits were made on different data ({what} "
                        "differ); likelihoods are comparable only on the same customers")

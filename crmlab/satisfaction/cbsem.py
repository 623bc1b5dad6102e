"""Covariance-based SEM (CB-SEM) of the same path model, through semopy, to set beside PLS and PLSc.

PLS estimates composites; CB-SEM (maximum likelihood, Jöreskog 1973) estimates common factors from
the indicator covariance matrix — the model that consistent PLS also targets, so PLSc and CB-SEM
standardised estimates are close when the model holds (Dijkstra & Henseler 2015). crmlab does not
estimate CB-SEM itself: :func:`cbsem` writes the :class:`PathModel` in lavaan syntax (``=~`` for
each block, ``~`` for the paths, ``~~`` for correlated measurement errors) and fits it with semopy
(Igolkina & Meshcheryakov 2020), whose estimates equal lavaan's. semopy is an optional dependency:
``pip install crmlab[sem]``.

Only reflective blocks are modelled (a Mode B block is a composite, which CB-SEM does not estimate
here); a single-indicator construct gets an error variance fixed at 0. Checked against lavaan's
published output for Bollen's political-democracy model (via semopy's copy of the data).

Fit statistics are semopy's, except that the baseline (independence) model is not refitted: its
maximum-likelihood estimate is Σ = diag(S), so χ²_base = n (Σ_i log s_ii − log|S|) on p(p − 1)/2
degrees of freedom in closed form (semopy's own refit keeps the zero error variance of a
single-indicator construct and fails, which made CFI read 1). CFI, TLI, NFI, GFI and AGFI use it.

An ML solution can be improper (a Heywood case; Dillon, Kumar & Mulani 1987): a free variance at or
below zero, or a standardised loading or path beyond ±1. :func:`cbsem` then warns
(:class:`~crmlab.satisfaction.consistent.InadmissibleWarning`, as for an inadmissible PLSc solution)
and lists the reasons in ``improper``; its estimates should not be interpreted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, MissingDependencyError, ModelSpecificationError
from .consistent import InadmissibleWarning
from .plspm import prepare_data
from .results import TableResult
from .specification import PathModel
from .threads import one_blas_thread

__all__ = ["cbsem", "CBSEMResult", "lavaan_syntax", "compare_estimates", "fit_statistics", "improper_solution",
           "MissingDependencyError"]


def lavaan_syntax(model: PathModel, error_covariances: Sequence[tuple[str, str]] = ()) -> str:
    """The model in lavaan syntax: measurement (``=~``), structural (``~``) and error covariances (``~~``)."""
    if not model.is_first_order:
        raise ModelSpecificationError("CB-SEM here takes first-order models; higher-order constructs and "
                                      "interactions need their own CB-SEM specification")
    formative = [c for c in model.constructs if model.mode(c) == "B"]
    if formative:
        raise ModelSpecificationError(f"constructs {formative} are formative (Mode B) composites; CB-SEM estimates "
                                      "common factors — model them as reflective or leave them to PLS")
    lines = [f"{c} =~ {' + '.join(block)}" for c, block in model.blocks.items()]
    lines += [f"{block[0]} ~~ 0*{block[0]}" for block in model.blocks.values() if len(block) == 1]
    lines += [f"{effect} ~ {' + '.join(model.causes(effect))}" for effect in model.endogenous()]
    known = set(model.indicators)
    for a, b in error_covariances:
        if a not in known or b not in known:
            raise ModelSpecificationError(f"error covariance ({a!r}, {b!r}) names a column that is not an indicator")
        lines.append(f"{a} ~~ {b}")
    return "\n".join(lines)


@dataclass(frozen=True, repr=False)
class CBSEMResult(TableResult):
    """A fitted CB-SEM: every parameter (``estimates``), the loadings and paths, the fit statistics and why the
    solution is improper (``improper``, empty when it is proper)."""

    model: PathModel
    syntax: str
    estimates: pd.DataFrame
    fit_statistics: pd.Series
    n: int
    improper: tuple = ()

    @property
    def loadings(self) -> pd.DataFrame:
        """Unstandardised (first loading of each block fixed at 1) and standardised loadings."""
        table = self.estimates[self.estimates["op"] == "=~"]
        return table.set_index(["lhs", "rhs"])[["estimate", "standardised", "standard_error", "p_value"]]

    @property
    def path_coefficients(self) -> pd.DataFrame:
        """Structural paths (cause, effect): unstandardised and standardised estimates, standard errors, p."""
        table = self.estimates[self.estimates["op"] == "~"].rename(columns={"lhs": "to", "rhs": "from"})
        return table.set_index(["from", "to"])[["estimate", "standardised", "standard_error", "p_value"]]

    @property
    def r2(self) -> pd.Series:
        """R² of each endogenous construct: 1 − its standardised disturbance variance (1 in a Heywood case whose
        disturbance variance is 0)."""
        table = self.estimates
        own = table[(table["op"] == "~~") & (table["lhs"] == table["rhs"]) & table["lhs"].isin(self.model.endogenous())]
        return (1 - own.set_index("lhs")["standardised"]).rename("r2").reindex(self.model.endogenous())

    def summary(self) -> pd.DataFrame:
        return self.path_coefficients

    def _title(self) -> str:
        stats = self.fit_statistics
        return (f"CB-SEM (ML, semopy), {self.n} respondents: chi2 {stats['chi2']:.2f} on {stats['DoF']:.0f} df, "
                f"CFI {stats['CFI']:.3f}, RMSEA {stats['RMSEA']:.3f}")


@one_blas_thread
def cbsem(data: pd.DataFrame, model: PathModel, *, error_covariances: Sequence[tuple[str, str]] = (),
          missing: str = "raise") -> CBSEMResult:
    """Fit the path model as a covariance-based SEM by maximum likelihood (semopy).

    Parameters
    ----------
    data, model, missing : as :func:`~crmlab.satisfaction.plspm` (all blocks reflective)
    error_covariances : pairs of indicators whose measurement errors may correlate
    """
    try:
        import semopy
    except ImportError as error:
        raise MissingDependencyError("CB-SEM needs the optional package semopy: pip install 'crmlab[sem]'") from error
    syntax = lavaan_syntax(model, error_covariances)
    frame, _ = prepare_data(data, model, missing)
    sem = semopy.Model(syntax)
    outcome = sem.fit(frame)
    if not getattr(outcome, "success", True):
        raise DataError(f"semopy's maximum-likelihood fit did not converge ({outcome.message}); check the model "
                        "for constructs with too few or too weakly related indicators")
    table = sem.inspect(std_est=True)
    # semopy writes a loading "C =~ x" as "x ~ C" and keeps measurement and structural rows apart by name
    constructs = set(model.constructs)
    loading = (table["op"] == "~") & table["rval"].isin(constructs) & ~table["lval"].isin(constructs)
    estimates = pd.DataFrame({
        "lhs": np.where(loading, table["rval"], table["lval"]), "op": np.where(loading, "=~", table["op"]),
        "rhs": np.where(loading, table["lval"], table["rval"]), "estimate": table["Estimate"].astype(float),
        "standardised": table["Est. Std"].astype(float),
        "standard_error": pd.to_numeric(table["Std. Err"], errors="coerce"),
        "p_value": pd.to_numeric(table["p-value"], errors="coerce")})
    improper = improper_solution(estimates)
    if improper:
        import warnings

        warnings.warn(f"the CB-SEM solution is improper (a Heywood case): {'; '.join(improper)}. Its estimates cannot "
                      "be interpreted; constructs with few or weakly related indicators, or constructs that are "
                      "almost the same factor, are the usual causes (result.improper lists the reasons).",
                      InadmissibleWarning, stacklevel=2)
    return CBSEMResult(model=model, syntax=syntax, estimates=estimates, fit_statistics=fit_statistics(sem, frame),
                       n=len(frame), improper=tuple(improper))


def fit_statistics(sem, frame: pd.DataFrame) -> pd.Series:
    """semopy's fit statistics of a fitted model, with the baseline (independence) model in closed form:
    χ²_base = n (Σ log s_ii − log|S|), S the ML covariance matrix (divisor n), on p(p − 1)/2 degrees of freedom."""
    from semopy import stats

    n, p = frame.shape
    covariance = np.cov(frame.to_numpy(), rowvar=False, bias=True)
    chi2_base = n * (np.log(np.diag(covariance)).sum() - np.linalg.slogdet(covariance)[1])
    dof_base = p * (p - 1) // 2
    dof = stats.calc_dof(sem)
    chi2, p_value = stats.calc_chi2(sem, dof)
    likelihood = stats.calc_likelihood(sem)
    gfi = stats.calc_gfi(sem, chi2, chi2_base)
    return pd.Series({
        "DoF": dof, "DoF Baseline": dof_base, "chi2": chi2, "chi2 p-value": p_value, "chi2 Baseline": chi2_base,
        "CFI": stats.calc_cfi(sem, dof, chi2, dof_base, chi2_base), "GFI": gfi,
        "AGFI": stats.calc_agfi(sem, dof, dof_base, gfi), "NFI": stats.calc_nfi(sem, chi2, chi2_base),
        "TLI": stats.calc_tli(sem, dof, chi2, dof_base, chi2_base), "RMSEA": stats.calc_rmsea(sem, chi2, dof),
        "AIC": stats.calc_aic(sem, likelihood), "BIC": stats.calc_bic(sem, likelihood), "LogLik": likelihood},
        name="Value")


def improper_solution(estimates: pd.DataFrame, tolerance: float = 1e-6) -> list[str]:
    """Why an ML solution is improper: free variances at or below 0, standardised loadings or paths beyond ±1.
    Fixed parameters (no standard error, e.g. a first loading of 1 or a single indicator's zero error variance)
    are not judged."""
    free = estimates[estimates["standard_error"].notna()]
    variances = free[(free["op"] == "~~") & (free["lhs"] == free["rhs"]) & (free["estimate"] <= tolerance)]
    reasons = [f"variance of {name} estimated at {value:.3f}"
               for name, value in zip(variances["lhs"], variances["estimate"], strict=True)]
    directed = estimates[estimates["op"].isin(["=~", "~"]) & (estimates["standardised"].abs() > 1 + tolerance)]
    if len(directed):
        arrows = [f"{a} {op} {b} ({value:.2f})" for a, op, b, value in
                  zip(directed["lhs"], directed["op"], directed["rhs"], directed["standardised"], strict=True)]
        reasons.append(f"standardised estimates beyond ±1: {', '.join(arrows)}")
    return reasons


def compare_estimates(**results) -> pd.DataFrame:
    """Standardised path coefficients of several fits side by side, e.g.
    ``compare_estimates(PLS=plspm(...), PLSc=plspm(..., consistent=True), CB_SEM=cbsem(...))``."""
    columns = {}
    for name, result in results.items():
        if isinstance(result, CBSEMResult):
            columns[name] = result.path_coefficients["standardised"]
        else:
            columns[name] = result.paths().set_index(["from", "to"])["coefficient"]
    return pd.concat(columns, axis=1)  # rows in the first fit's order of paths

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CrmlabError, DataError
from .plspm import prepare_data
from .results import TableResult
from .specification import ModelSpecificationError, PathModel

__all__ = ["cbsem", "CBSEMResult", "lavaan_syntax", "compare_estimates"]


class MissingDependencyError(CrmlabError, ImportError):
    """An optional package a method needs is not installed."""


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
    """A fitted CB-SEM: every parameter (``estimates``), the loadings and paths, and the fit statistics."""

    model: PathModel
    syntax: str
    estimates: pd.DataFrame
    fit_statistics: pd.Series
    n: int

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

    def summary(self) -> pd.DataFrame:
        return self.path_coefficients

    def _title(self) -> str:
        stats = self.fit_statistics
        return (f"CB-SEM (ML, semopy), {self.n} respondents: chi2 {stats['chi2']:.2f} on {stats['DoF']:.0f} df, "
                f"CFI {stats['CFI']:.3f}, RMSEA {stats['RMSEA']:.3f}")


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
    except ImportError as error:  # pragma: no cover - the test environment installs semopy
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
    stats = semopy.calc_stats(sem).T.iloc[:, 0]
    return CBSEMResult(model=model, syntax=syntax, estimates=estimates, fit_statistics=stats, n=len(frame))


def compare_estimates(**results) -> pd.DataFrame:
    """Standardised path coefficients of several fits side by side, e.g.
    ``compare_estimates(PLS=plspm(...), PLSc=plspm(..., consistent=True), CB_SEM=cbsem(...))``."""
    columns = {}
    for name, result in results.items():
        if isinstance(result, CBSEMResult):
            columns[name] = result.path_coefficients["standardised"]
        else:
            columns[name] = result.paths().set_index(["from", "to"])["coefficient"]
    return pd.DataFrame(columns)

"""Multi-group analysis (PLS-MGA): do two groups of respondents have the same path coefficients?

The model is fitted to each group separately (same settings, including consistent PLS). Two tests
of H0: β⁽¹⁾ = β⁽²⁾ for every path:

* Henseler's PLS-MGA (Henseler, Ringle & Sinkovics 2009; Sarstedt, Henseler & Ringle 2011): each
  group is bootstrapped J times; with bootstrap means β̄ and draws β*,
  p = 1 − Σ_i Σ_j Θ(2β̄⁽¹⁾ − β*⁽¹⁾_i − 2β̄⁽²⁾ + β*⁽²⁾_j) / J²  (Θ the unit step) —
  the one-sided probability that β⁽¹⁾ ≤ β⁽²⁾, as seminr's ``estimate_pls_mga`` reports it; small
  values mean group 1's path is larger, values near 1 that it is smaller. The two-sided p-value is
  2·min(p, 1 − p).
* the permutation test (Chin & Dibbern 2010): group labels are permuted, both groups refitted, and
  p is the share of permutations whose |β⁽¹⁾ − β⁽²⁾| reaches the observed one.

Resamples that cannot be fitted (a constant indicator within a group, no convergence) are redrawn
and counted. Checked against seminr's PLS-MGA fixture (mobi data, random split): group estimates
equal, p-values within Monte Carlo error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .plspm import PLSSettings
from .resampling import draw, fit_once, refit, split_groups
from .results import TableResult
from .specification import PathModel
from .threads import one_blas_thread

__all__ = ["mga", "MGAResult"]


@dataclass(frozen=True, repr=False)
class MGAResult(TableResult):
    """Group-wise path coefficients with the PLS-MGA and permutation p-values (``table``)."""

    table: pd.DataFrame
    groups: tuple
    sizes: tuple
    n_bootstrap: int
    n_permutations: int
    redrawn: int

    def summary(self) -> pd.DataFrame:
        return self.table

    def _title(self) -> str:
        return (f"PLS multi-group analysis, {self.groups[0]} (n={self.sizes[0]}) vs {self.groups[1]} "
                f"(n={self.sizes[1]}); {self.n_bootstrap} bootstrap resamples per group, "
                f"{self.n_permutations} permutations")


def henseler_p(draws_1: np.ndarray, draws_2: np.ndarray) -> np.ndarray:
    """Henseler's PLS-MGA p-value per column of two (J × paths) bootstrap arrays, counted over all J² pairs
    by sorting (O(J log J) per path instead of J²)."""
    centred_1 = 2 * draws_1.mean(axis=0) - draws_1
    centred_2 = 2 * draws_2.mean(axis=0) - draws_2
    p = np.empty(draws_1.shape[1])
    for k in range(draws_1.shape[1]):
        below = np.searchsorted(np.sort(centred_2[:, k]), centred_1[:, k], side="left")  # pairs with a > b
        p[k] = 1 - below.sum() / (len(centred_1) * len(centred_2))
    return p


@one_blas_thread
def mga(data: pd.DataFrame, model: PathModel, *, group: str, groups: Sequence | None = None,
        n_bootstrap: int = 500, n_permutations: int = 1000, seed: int | None = 0, progress: bool = True,
        missing: str = "raise", max_redraws: int = 1000, **settings) -> MGAResult:
    """Compare the path coefficients of two groups of respondents.

    Parameters
    ----------
    data : DataFrame
        Indicators and the ``group`` column.
    model : PathModel
    group : str
        Column holding each respondent's group.
    groups : (label, label), optional
        The two groups to compare, when the column has more than two values.
    n_bootstrap, n_permutations : int
        Resamples per group for PLS-MGA; permutations of the group labels (0 skips a test).
    seed : int, optional
        Seed of the random generator (bootstrap and permutations).
    **settings
        Estimation settings of :func:`~crmlab.satisfaction.plspm` (scheme, consistent, ...).
    """
    from tqdm.auto import tqdm

    options = PLSSettings(**settings)
    raw, first, labels = split_groups(data, model, group, groups, missing, options)
    rng = np.random.default_rng(seed)
    redrawn = [0]
    one, two = raw[first], raw[~first]

    def paths(fit):
        index = fit["model"].constructs
        return np.array([fit["path_coefficients"][index.index(a), index.index(b)] for a, b in fit["model"].paths])

    pooled = fit_once(raw, model, options, "the pooled data")
    fit_1 = fit_once(one, model, options, f"group {labels[0]!r}")
    fit_2 = fit_once(two, model, options, f"group {labels[1]!r}")
    beta_1, beta_2 = paths(fit_1), paths(fit_2)
    table = pd.DataFrame({"estimate": paths(pooled), f"{labels[0]}": beta_1, f"{labels[1]}": beta_2,
                          "difference": beta_1 - beta_2},
                         index=pd.MultiIndex.from_tuples(pooled["model"].paths, names=["from", "to"]))
    if n_bootstrap:
        boots = []
        for sample in (one, two):
            boots.append(np.array([paths(draw(lambda s=sample: refit(s[rng.integers(0, len(s), len(s))], model,
                                                                               options),
                                              max_redraws, redrawn, "bootstrap resamples"))
                                   for _ in tqdm(range(n_bootstrap), desc="PLS-MGA bootstrap", unit="resample",
                                                 disable=not progress)]))
        table[f"{labels[0]}_bootstrap_mean"] = boots[0].mean(axis=0)
        table[f"{labels[1]}_bootstrap_mean"] = boots[1].mean(axis=0)
        table["p_mga"] = henseler_p(boots[0], boots[1])
        table["p_mga_two_sided"] = 2 * np.minimum(table["p_mga"], 1 - table["p_mga"])
    if n_permutations:
        observed = np.abs(beta_1 - beta_2)
        exceed = np.zeros(len(observed))
        for _ in tqdm(range(n_permutations), desc="permutation test", unit="permutation", disable=not progress):
            def permuted():
                mask = rng.permutation(first)
                a, b = refit(raw[mask], model, options), refit(raw[~mask], model, options)
                return None if a is None or b is None else {"a": a, "b": b}
            pair = draw(permuted, max_redraws, redrawn, "permutations")
            exceed += np.abs(paths(pair["a"]) - paths(pair["b"])) >= observed
        table["p_permutation"] = exceed / n_permutations
    return MGAResult(table=table, groups=labels, sizes=(int(first.sum()), int((~first).sum())),
                     n_bootstrap=n_bootstrap, n_permutations=n_permutations, redrawn=redrawn[0])

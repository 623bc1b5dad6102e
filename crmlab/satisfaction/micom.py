"""MICOM: measurement invariance of composite models across two groups (Henseler, Ringle & Sarstedt 2016,
*International Marketing Review* 33(3), 405-431). Multi-group comparisons of paths are meaningful only if
the constructs are the same composites in both groups.

* Step 1, configural invariance: same indicators, same data treatment, same algorithm — true by
  construction here (one model, one set of settings); reported for completeness.
* Step 2, compositional invariance: for each construct, c = cor(X w⁽¹⁾, X w⁽²⁾), the correlation of the
  scores that the two groups' weights (in the indicators' raw metric) give on the pooled data X.
  Permuting the group labels and refitting both groups gives c's distribution under invariance;
  invariance holds when c is not below its 5% quantile (p = share of permutations with a smaller c).
* Step 3, equality of composite means and variances: with the weights of the pooled fit, the
  standardised pooled scores' mean difference and log variance ratio between the groups, against
  their permutation distributions (2.5% and 97.5% quantiles; two-sided p-values). Full invariance
  when both hold; partial when step 2 holds — then the groups' paths may be compared (:func:`.mga`).

Steps 2 and 3 use the same permutations. Checked by its defining properties (c = 1 for identical
groups, invariance accepted for a random split, rejected for groups whose weights differ by design).
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

__all__ = ["micom", "MICOMResult"]


@dataclass(frozen=True, repr=False)
class MICOMResult(TableResult):
    """Step 2 (compositional) and step 3 (means, variances) of MICOM, one row per construct."""

    compositional: pd.DataFrame
    means: pd.DataFrame
    variances: pd.DataFrame
    groups: tuple
    n_permutations: int
    redrawn: int

    def summary(self) -> pd.DataFrame:
        """Per construct: c and its 5% quantile; mean difference and log variance ratio with their p-values;
        the verdict ("full invariance", "partial invariance" or "no invariance")."""
        step2 = self.compositional["invariant"]
        step3 = self.means["equal"] & self.variances["equal"]
        verdict = np.where(~step2, "no invariance", np.where(step3, "full invariance", "partial invariance"))
        return pd.DataFrame({"c": self.compositional["c"], "c_5%": self.compositional["quantile_5%"],
                             "p_compositional": self.compositional["p_value"],
                             "mean_difference": self.means["difference"], "p_mean": self.means["p_value"],
                             "log_variance_ratio": self.variances["difference"],
                             "p_variance": self.variances["p_value"], "invariance": verdict})

    def _title(self) -> str:
        return (f"MICOM, {self.groups[0]} vs {self.groups[1]}, {self.n_permutations} permutations; step 1 "
                "(configural invariance) holds by construction")


def _composite_weights(fit: dict) -> np.ndarray:
    """Weights in the indicators' raw metric (p × k), so that any data set can be scored with them."""
    return fit["standard_weights"] / fit["spread"][:, None]


def _correlations(raw: np.ndarray, fit_1: dict, fit_2: dict) -> np.ndarray:
    centred = raw - raw.mean(axis=0)
    a, b = centred @ _composite_weights(fit_1), centred @ _composite_weights(fit_2)
    return (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))


def _moments(scores: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    one, two = scores[first], scores[~first]
    return one.mean(axis=0) - two.mean(axis=0), np.log(one.var(axis=0, ddof=1) / two.var(axis=0, ddof=1))


@one_blas_thread
def micom(data: pd.DataFrame, model: PathModel, *, group: str, groups: Sequence | None = None,
          n_permutations: int = 1000, seed: int | None = 0, progress: bool = True, missing: str = "raise",
          max_redraws: int = 1000, **settings) -> MICOMResult:
    """Measurement invariance of composites between two groups (steps 1-3 of MICOM).

    Parameters as :func:`~crmlab.satisfaction.mga`; higher-order constructs and interactions are not
    supported (their second-stage indicators differ between groups by construction).
    """
    from tqdm.auto import tqdm

    from ..errors import DataError

    if not model.is_first_order:
        raise DataError("MICOM compares the composites of a first-order model; fit it without higher-order "
                        "constructs and interactions")
    if n_permutations < 20:
        raise ValueError(f"n_permutations must be at least 20 for the 5% quantile, got {n_permutations}")
    options = PLSSettings(**settings)
    raw, first, labels = split_groups(data, model, group, groups, missing, options)
    rng = np.random.default_rng(seed)
    redrawn = [0]
    pooled = fit_once(raw, model, options, "the pooled data")
    observed_c = _correlations(raw, fit_once(raw[first], model, options, f"group {labels[0]!r}"),
                               fit_once(raw[~first], model, options, f"group {labels[1]!r}"))
    scores = pooled["scores"]
    observed_mean, observed_var = _moments(scores, first)
    c_draws, mean_draws, var_draws = [], [], []
    for _ in tqdm(range(n_permutations), desc="MICOM permutations", unit="permutation", disable=not progress):
        def permuted():
            mask = rng.permutation(first)
            a, b = refit(raw[mask], model, options), refit(raw[~mask], model, options)
            return None if a is None or b is None else {"mask": mask, "c": _correlations(raw, a, b)}
        result = draw(permuted, max_redraws, redrawn, "permutations")
        c_draws.append(result["c"])
        moments = _moments(scores, result["mask"])
        mean_draws.append(moments[0])
        var_draws.append(moments[1])
    c_draws, mean_draws, var_draws = map(np.array, (c_draws, mean_draws, var_draws))
    names = model.constructs
    quantile_c = np.quantile(c_draws, 0.05, axis=0)
    compositional = pd.DataFrame({"c": observed_c, "quantile_5%": quantile_c,
                                  "p_value": (c_draws <= observed_c).mean(axis=0),
                                  "invariant": observed_c >= quantile_c}, index=names)

    def equality(observed, draws):
        low, high = np.quantile(draws, 0.025, axis=0), np.quantile(draws, 0.975, axis=0)
        return pd.DataFrame({"difference": observed, "quantile_2.5%": low, "quantile_97.5%": high,
                             "p_value": (np.abs(draws) >= np.abs(observed)).mean(axis=0),
                             "equal": (observed >= low) & (observed <= high)}, index=names)

    return MICOMResult(compositional=compositional, means=equality(observed_mean, mean_draws),
                       variances=equality(observed_var, var_draws), groups=labels, n_permutations=n_permutations,
                       redrawn=redrawn[0])

"""Bootstrap confidence intervals for a PLS path model.

Respondents are resampled with replacement and the model refitted with the same settings —
consistent PLS, higher-order stages and interaction terms included; the percentile interval of each
statistic over the resamples is reported (Efron & Tibshirani 1993, ch. 13). A resample in which
some indicator has no variance (all resampled respondents gave the same answer), whose weights do
not converge or whose causes are perfectly collinear cannot be used; it is redrawn, and the number
of redraws is reported. Inadmissible PLSc solutions (a Heywood case: a construct correlation matrix
that is not positive definite) are kept, as seminr does, and counted (``inadmissible``); cSEM's
default instead drops them. Resamples work on the estimator's arrays, never on DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .resampling import refit
from .results import TableResult, htmt_matrix
from .threads import one_blas_thread

__all__ = ["BootstrapResult", "bootstrap"]


@dataclass(frozen=True, repr=False)
class BootstrapResult(TableResult):
    """Estimates with bootstrap standard errors and percentile intervals, one table per kind of statistic."""

    paths: pd.DataFrame
    loadings: pd.DataFrame
    indirect_effects: pd.DataFrame
    htmt: pd.DataFrame
    r2: pd.DataFrame
    resamples: int
    redrawn: int
    inadmissible: int
    level: float

    def summary(self) -> pd.DataFrame:
        """Paths and R² with standard errors, t values (estimate / standard error) and intervals."""
        r2 = self.r2.set_axis(pd.MultiIndex.from_product([self.r2.index, ["R²"]], names=["from", "to"]))
        table = pd.concat({"path": self.paths, "r2": r2})
        return table.assign(t_value=table["estimate"] / table["standard_error"])

    def _title(self) -> str:
        return (f"Bootstrap, {self.resamples} resamples ({self.redrawn} redrawn, {self.inadmissible} inadmissible "
                f"PLSc solutions kept), {self.level:.0%} percentile intervals")


def _statistics(result) -> dict[str, pd.Series]:
    """The statistics of the full-sample fit, labelled; resamples are reduced to the same positions."""
    effects = result.effects()
    indirect = effects[effects["indirect"].abs() > 0]
    htmt = result.htmt().stack().dropna()  # single-indicator constructs have no HTMT
    htmt = htmt[[a < b for a, b in htmt.index]]
    return {
        "paths": result.paths().set_index(["from", "to"])["coefficient"],
        "loadings": result.loadings,
        "indirect_effects": indirect.set_index(["from", "to"])["indirect"],
        "htmt": htmt,
        "r2": result.r2,
    }


def _resample_statistics(fit: dict, positions: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The same statistics for one refitted resample, straight from arrays (no pandas)."""
    paths = fit["path_coefficients"]
    total = np.linalg.inv(np.eye(len(paths)) - paths) - np.eye(len(paths))
    htmt = htmt_matrix(fit["indicator_correlation"], fit["model"])
    return {"paths": paths[positions["paths"]], "loadings": fit["loadings"][fit["membership"].astype(bool)],
            "indirect_effects": (total - paths)[positions["indirect_effects"]], "htmt": htmt[positions["htmt"]],
            "r2": fit["r2"][positions["r2"]]}




@one_blas_thread
def bootstrap(result, n: int = 500, *, seed: int | None = 0, level: float = 0.95, progress: bool = True,
              max_redraws: int = 1000) -> BootstrapResult:
    """Resample respondents ``n`` times, refit, and summarise every path, loading, indirect effect and HTMT."""
    from tqdm.auto import tqdm

    if n < 2:
        raise ValueError(f"n must be at least 2 resamples, got {n}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    rng = np.random.default_rng(seed)
    raw = result.source.to_numpy()
    original = _statistics(result)
    index = {c: k for k, c in enumerate(result.model.constructs)}

    def pairs(labels):  # (row, column) positions of (from, to) labels in a construct × construct matrix
        return np.array([index[a] for a, _ in labels]), np.array([index[b] for _, b in labels])

    positions = {kind: pairs(original[kind].index) for kind in ("paths", "indirect_effects", "htmt")}
    positions["r2"] = np.array([index[c] for c in original["r2"].index])
    draws = {kind: [] for kind in original}
    redrawn = inadmissible = 0
    for _ in tqdm(range(n), desc="bootstrap", unit="resample", disable=not progress):
        while (fit := refit(raw[rng.integers(0, len(raw), len(raw))], result.specification, result.settings)) is None:
            redrawn += 1
            if redrawn > max_redraws:
                raise DataError(f"more than {max_redraws} resamples could not be used (a constant indicator, "
                                "collinear causes or no convergence); the data vary too little for the bootstrap "
                                "(check indicators answered identically by almost everyone)")
        inadmissible += bool(fit["inadmissible"])
        for kind, values in _resample_statistics(fit, positions).items():
            draws[kind].append(values)
    alpha = (1 - level) / 2
    tables = {}
    for kind, point in original.items():
        samples = pd.DataFrame(np.column_stack(draws[kind]), index=point.index)
        tables[kind] = pd.DataFrame({
            "estimate": point, "bootstrap_mean": samples.mean(axis=1), "standard_error": samples.std(axis=1),
            f"lower_{level:.0%}": samples.quantile(alpha, axis=1),
            f"upper_{level:.0%}": samples.quantile(1 - alpha, axis=1),
        })
    return BootstrapResult(paths=tables["paths"], loadings=tables["loadings"],
                           indirect_effects=tables["indirect_effects"], htmt=tables["htmt"], r2=tables["r2"],
                           resamples=n, redrawn=redrawn, inadmissible=inadmissible, level=level)

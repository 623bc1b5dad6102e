"""Bootstrap confidence intervals for a PLS path model.

Respondents are resampled with replacement and the model refitted with the same settings; the
percentile interval of each statistic over the resamples is reported (Efron & Tibshirani 1993,
ch. 13). A resample in which some indicator has no variance (all resampled respondents gave the
same answer) cannot be fitted; it is redrawn, and the number of redraws is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .plspm import estimate
from .results import htmt_matrix, inner_model

__all__ = ["BootstrapResult", "bootstrap"]


@dataclass(frozen=True)
class BootstrapResult:
    """Estimates with bootstrap standard errors and percentile intervals, one table per kind of statistic."""

    paths: pd.DataFrame
    loadings: pd.DataFrame
    indirect_effects: pd.DataFrame
    htmt: pd.DataFrame
    resamples: int
    redrawn: int
    level: float


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
    }


def _resample_statistics(raw: np.ndarray, result, positions: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The same statistics for one resample, straight from arrays (no pandas): what keeps 1,000 resamples fast."""
    fit = estimate(raw, result.model, scheme=result.scheme, scaled=result.scaled, tol=result.tol,
                   max_iter=result.max_iter)
    paths, _ = inner_model(fit["scores"], result.model)
    total = np.linalg.inv(np.eye(len(paths)) - paths) - np.eye(len(paths))
    htmt = htmt_matrix(raw, result.model)
    return {"paths": paths[positions["paths"]], "loadings": fit["cross"][fit["membership"].astype(bool)],
            "indirect_effects": (total - paths)[positions["indirect_effects"]], "htmt": htmt[positions["htmt"]]}


def bootstrap(result, n: int = 500, *, seed: int | None = 0, level: float = 0.95, progress: bool = True,
              max_redraws: int = 1000) -> BootstrapResult:
    """Resample respondents ``n`` times, refit, and summarise every path, loading, indirect effect and HTMT."""
    from tqdm.auto import tqdm

    if n < 2:
        raise ValueError(f"n must be at least 2 resamples, got {n}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    rng = np.random.default_rng(seed)
    raw = result.data[result.model.indicators].to_numpy()
    original = _statistics(result)
    index = {c: k for k, c in enumerate(result.model.constructs)}

    def pairs(labels):  # (row, column) positions of (from, to) labels in a construct × construct matrix
        return np.array([index[a] for a, _ in labels]), np.array([index[b] for _, b in labels])

    positions = {kind: pairs(original[kind].index) for kind in ("paths", "indirect_effects", "htmt")}
    draws = {kind: [] for kind in original}
    redrawn = 0
    for _ in tqdm(range(n), desc="bootstrap", unit="resample", disable=not progress):
        while True:
            sample = raw[rng.integers(0, len(raw), len(raw))]
            if (sample.std(axis=0) > 0).all():
                break
            redrawn += 1
            if redrawn > max_redraws:
                raise DataError(f"more than {max_redraws} resamples had a constant indicator; the data vary too "
                                "little for the bootstrap (check indicators answered identically by almost everyone)")
        for kind, values in _resample_statistics(sample, result, positions).items():
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
                           indirect_effects=tables["indirect_effects"], htmt=tables["htmt"], resamples=n,
                           redrawn=redrawn, level=level)

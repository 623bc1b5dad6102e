"""Results of a PLS path model: paths, loadings, effects, scores, the 0-100 index and measurement quality.

Measurement quality follows the usual PLS-SEM reporting (Hair et al. 2017, *A Primer on PLS-SEM*):
Cronbach's α (on standardised indicators), composite reliability ρc (Dillon-Goldstein's rho),
ρA (Dijkstra & Henseler 2015), average variance extracted (AVE), the Fornell-Larcker criterion,
the heterotrait-monotrait ratio HTMT (Henseler, Ringle & Sarstedt 2015), inner-model VIF and the
goodness of fit GoF = sqrt(mean communality × mean R²) (Tenenhaus et al. 2005).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .specification import PathModel

__all__ = ["PLSResult"]


@dataclass(frozen=True)
class PLSResult:
    """A fitted PLS path model (see :func:`crmlab.satisfaction.plspm`)."""

    model: PathModel
    data: pd.DataFrame
    weights: pd.Series
    scores: pd.DataFrame
    path_coefficients: pd.DataFrame
    r2: pd.Series
    loadings: pd.Series
    cross_loadings: pd.DataFrame
    spread: pd.Series
    scaled: bool
    scheme: str
    iterations: int
    converged: bool
    dropped: int
    tol: float = 1e-6
    max_iter: int = 300

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_fit(cls, *, model: PathModel, data: pd.DataFrame, fit: dict, scaled: bool, scheme: str, dropped: int,
                 tol: float, max_iter: int) -> PLSResult:
        constructs, indicators = model.constructs, model.indicators
        own = fit["membership"].astype(bool)
        paths, r2 = inner_model(fit["scores"], model)
        return cls(
            model=model, data=data,
            weights=pd.Series(fit["weights"][own], index=indicators, name="weight"),
            scores=pd.DataFrame(fit["scores"], index=data.index, columns=constructs),
            path_coefficients=pd.DataFrame(paths, index=constructs, columns=constructs),
            r2=pd.Series(r2, name="r2")[model.endogenous()],
            loadings=pd.Series(fit["cross"][own], index=indicators, name="loading"),
            cross_loadings=pd.DataFrame(fit["cross"], index=indicators, columns=constructs),
            spread=pd.Series(fit["spread"], index=indicators), scaled=scaled, scheme=scheme,
            iterations=fit["iterations"], converged=fit["converged"], dropped=dropped, tol=tol, max_iter=max_iter,
        )

    # ------------------------------------------------------------------ structural model
    def paths(self) -> pd.DataFrame:
        """One row per path: cause, effect and coefficient, in the order of the model."""
        return pd.DataFrame([(a, b, self.path_coefficients.loc[a, b]) for a, b in self.model.paths],
                            columns=["from", "to", "coefficient"])

    @property
    def adjusted_r2(self) -> pd.Series:
        """1 − (1 − R²)(n − 1)/(n − k − 1), k the number of causes of the construct."""
        n = len(self.scores)
        k = self.model.path_matrix().sum(axis=0)
        causes = pd.Series(k, index=self.model.constructs)[self.r2.index]
        return (1 - (1 - self.r2) * (n - 1) / (n - causes - 1)).rename("adjusted_r2")

    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects between every pair of constructs joined by a causal chain.

        With B the matrix of path coefficients, total effects are Σ_{m≥1} B^m = (I − B)⁻¹ − I.
        """
        B = self.path_coefficients.to_numpy()
        total = np.linalg.inv(np.eye(len(B)) - B) - np.eye(len(B))
        rows = []
        for i, a in enumerate(self.model.constructs):
            for j, b in enumerate(self.model.constructs):
                if abs(total[i, j]) > 0 or B[i, j]:
                    rows.append((a, b, B[i, j], total[i, j] - B[i, j], total[i, j]))
        return pd.DataFrame(rows, columns=["from", "to", "direct", "indirect", "total"])

    # ------------------------------------------------------------------ index scores
    def index_scores(self, scale: tuple[float, float] | None = None) -> pd.DataFrame:
        """Construct scores on a 0-100 scale, as the ACSI reports its index.

        Each construct is a weighted mean of its raw indicators with the unstandardised weights
        (w / sd when indicators were standardised) normalised to sum to 1, then mapped from the
        rating scale ``scale`` = (lowest, highest possible answer; default: the observed extremes of
        all indicators) onto 0-100.
        """
        low, high = scale if scale is not None else (float(self.data.min().min()), float(self.data.max().max()))
        if not high > low:
            raise ValueError(f"scale must be (lowest, highest) with highest > lowest, got {(low, high)}")
        columns = {}
        for construct, block in self.model.blocks.items():
            raw_weights = self.weights[block] / (self.spread[block] if self.scaled else 1.0)
            raw_weights = raw_weights / raw_weights.sum()
            columns[construct] = (self.data[block].to_numpy() @ raw_weights.to_numpy() - low) / (high - low) * 100
        return pd.DataFrame(columns, index=self.data.index)

    def ipma(self, target: str, scale: tuple[float, float] | None = None) -> pd.DataFrame:
        """Importance-performance map analysis for ``target`` (Ringle & Sarstedt 2016).

        For every construct with a total effect on the target: ``importance`` is that total effect
        in the 0-100 metric (the standardised total effect × sd(target index) / sd(construct index)),
        ``performance`` the mean 0-100 index score. Constructs in the lower right (important, weak)
        are where improvement pays most.
        """
        if target not in self.model.constructs:
            raise ValueError(f"unknown target construct {target!r}; constructs: {self.model.constructs}")
        effects = self.effects()
        drivers = effects[(effects["to"] == target) & (effects["total"].abs() > 0)]
        if drivers.empty:
            raise ValueError(f"no construct drives {target!r}; choose an endogenous construct")
        index = self.index_scores(scale)
        spread = index.std(ddof=0)
        table = pd.DataFrame({
            "construct": drivers["from"].to_numpy(),
            "importance": (drivers["total"] * spread[target] / spread[drivers["from"]].to_numpy()).to_numpy(),
            "importance_standardised": drivers["total"].to_numpy(),
            "performance": index[drivers["from"]].mean().to_numpy(),
        })
        return table.set_index("construct").sort_values("importance", ascending=False)

    # ------------------------------------------------------------------ measurement quality
    def reliability(self) -> pd.DataFrame:
        """Cronbach's α, ρc, ρA and AVE per construct (single-indicator blocks: all 1)."""
        rows = {}
        for construct, block in self.model.blocks.items():
            loadings = self.loadings[block].to_numpy()
            if len(block) == 1:
                rows[construct] = {"indicators": 1, "cronbach_alpha": 1.0, "rho_c": 1.0, "rho_a": 1.0,
                                   "ave": float(loadings[0] ** 2)}
                continue
            corr = self.data[block].corr().to_numpy()
            p = len(block)
            alpha = p / (p - 1) * (1 - p / corr.sum())
            rho_c = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
            w = self.weights[block].to_numpy() * (self.spread[block].to_numpy() if not self.scaled else 1.0)
            w = w / np.sqrt(w @ corr @ w)
            off = corr - np.diag(np.diag(corr))
            outer = np.outer(w, w)
            rho_a = (w @ w) ** 2 * (w @ off @ w) / (w @ (outer - np.diag(np.diag(outer))) @ w)
            rows[construct] = {"indicators": p, "cronbach_alpha": alpha, "rho_c": rho_c, "rho_a": rho_a,
                               "ave": float(np.mean(loadings**2))}
        return pd.DataFrame(rows).T.astype({"indicators": int})

    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with sqrt(AVE) on the diagonal: each diagonal value should exceed its row."""
        table = self.scores.corr()
        values = table.to_numpy(copy=True)
        np.fill_diagonal(values, np.sqrt(self.reliability()["ave"].reindex(table.index).to_numpy()))
        return pd.DataFrame(values, index=table.index, columns=table.columns)

    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (values above 0.85-0.90 signal poor discriminant validity).

        Constructs with a single indicator have no monotrait correlation; their ratios are NaN.
        """
        table = htmt_matrix(self.data[self.model.indicators].to_numpy(), self.model)
        return pd.DataFrame(table, index=self.model.constructs, columns=self.model.constructs)

    def vif(self) -> pd.DataFrame:
        """Variance inflation factors of the causes of each construct with two or more causes."""
        rows = []
        paths = self.model.path_matrix()
        names = self.model.constructs
        for j, effect in enumerate(names):
            causes = [names[i] for i in np.flatnonzero(paths[:, j])]
            for cause in causes if len(causes) > 1 else []:
                others = [c for c in causes if c != cause]
                _, r2 = _regress(self.scores[others].to_numpy(), self.scores[cause].to_numpy())
                rows.append((cause, effect, 1 / (1 - r2)))
        return pd.DataFrame(rows, columns=["cause", "effect", "vif"])

    @property
    def gof(self) -> float:
        """sqrt(mean communality of the indicators of multi-indicator reflective blocks × mean R²)."""
        communalities = [self.loadings[i] ** 2 for c, block in self.model.blocks.items()
                         if len(block) > 1 and self.model.mode(c) == "A" for i in block]
        return float(np.sqrt(np.mean(communalities) * self.r2.mean()))

    def bootstrap(self, n: int = 500, *, seed: int | None = 0, level: float = 0.95, progress: bool = True):
        """Percentile bootstrap intervals of paths, loadings, indirect effects and HTMT (see :mod:`.bootstrap`)."""
        from .bootstrap import bootstrap

        return bootstrap(self, n, seed=seed, level=level, progress=progress)

    def __str__(self) -> str:
        return (f"PLS path model ({self.scheme} scheme, {'standardised' if self.scaled else 'centred'} indicators, "
                f"{len(self.scores)} respondents, converged in {self.iterations} iterations)\n"
                + self.paths().round(3).to_string(index=False) + "\nR²:\n" + self.r2.round(3).to_string()
                + f"\nGoF {self.gof:.3f}")


def htmt_matrix(raw: np.ndarray, model: PathModel) -> np.ndarray:
    """HTMT between every pair of blocks from the indicator correlations (NaN on the diagonal and for
    single-indicator blocks): mean heterotrait correlation / sqrt(product of mean monotrait correlations)."""
    corr = np.corrcoef(raw, rowvar=False)
    sizes = [len(block) for block in model.blocks.values()]
    starts = np.cumsum([0, *sizes])
    spans = [slice(starts[k], starts[k + 1]) for k in range(len(sizes))]
    mono = np.array([corr[s, s][np.triu_indices(n, 1)].mean() if n > 1 else np.nan
                     for s, n in zip(spans, sizes, strict=True)])
    table = np.array([[corr[a, b].mean() for b in spans] for a in spans]) / np.sqrt(np.outer(mono, mono))
    np.fill_diagonal(table, np.nan)
    return table


def _regress(causes: np.ndarray, effect: np.ndarray) -> tuple[np.ndarray, float]:
    coefficients = np.linalg.lstsq(causes, effect, rcond=None)[0]
    residual = effect - causes @ coefficients
    return coefficients, 1 - residual.var() / effect.var()


def inner_model(scores: np.ndarray, model: PathModel) -> tuple[np.ndarray, dict[str, float]]:
    """Path coefficients (OLS of each construct on its causes) and R² of each endogenous construct."""
    paths = model.path_matrix()
    coefficients = np.zeros_like(paths)
    r2 = {}
    for j, construct in enumerate(model.constructs):
        causes = np.flatnonzero(paths[:, j])
        if causes.size:
            coefficients[causes, j], r2[construct] = _regress(scores[:, causes], scores[:, j])
    return coefficients, r2

"""Results of a PLS path model: paths, loadings, effects, scores, the 0-100 index and measurement quality.

Measurement quality follows the usual PLS-SEM reporting (Hair et al. 2017, *A Primer on PLS-SEM*):
Cronbach's α (on standardised indicators), composite reliability ρc (Jöreskog's rho, from the
loadings — PLSc loadings for common factors, as ADANCO and cSEM), ρA (Dijkstra & Henseler 2015),
average variance extracted (AVE), the Fornell-Larcker criterion (on the construct correlations,
disattenuated under PLSc), the heterotrait-monotrait ratio HTMT (Henseler, Ringle & Sarstedt 2015)
and HTMT2 (Roemer, Schuberth & Henseler 2021, for congeneric common factors), inner-model VIF,
Cohen's f², the goodness of fit GoF = sqrt(mean communality × mean R²) (Tenenhaus et al. 2005) and
the overall-fit distances SRMR, d_ULS and d_G (:mod:`.model_fit`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .specification import PathModel

__all__ = ["PLSResult", "TableResult"]


class TableResult(ABC):
    """Base of the result objects: ``summary()`` is a DataFrame, rendered as text and as HTML in notebooks."""

    @abstractmethod
    def summary(self) -> pd.DataFrame:
        """The result as one table."""

    def _repr_html_(self) -> str:
        return f"<p><b>{self._title()}</b></p>" + self.summary().to_html(float_format=lambda v: f"{v:.4g}")

    def _title(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        return self._title() + "\n" + self.summary().to_string(float_format=lambda v: f"{v:.4g}")


@dataclass(frozen=True, repr=False)
class PLSResult(TableResult):
    """A fitted PLS path model (see :func:`crmlab.satisfaction.plspm`).

    ``specification`` is the model as declared; ``model`` the first-order model that was estimated
    (the same unless it declares higher-order constructs or interactions) and ``data`` its indicators;
    ``source`` the declared indicators, which the bootstrap resamples.
    """

    specification: PathModel
    model: PathModel
    data: pd.DataFrame
    source: pd.DataFrame
    settings: object
    weights: pd.Series
    scores: pd.DataFrame
    path_coefficients: pd.DataFrame
    r2: pd.Series
    loadings: pd.Series
    cross_loadings: pd.DataFrame
    spread: pd.Series
    rho_a: pd.Series
    construct_correlations: pd.DataFrame
    proxy_correlations: pd.DataFrame
    consistent: tuple
    interaction_scale: pd.Series
    inadmissible: tuple
    iterations: int
    converged: bool
    dropped: int

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_fit(cls, *, specification: PathModel, source: pd.DataFrame, fit: dict, settings, dropped: int
                 ) -> PLSResult:
        model = fit["model"]
        constructs, indicators = model.constructs, model.indicators
        own = fit["membership"].astype(bool)
        data = pd.DataFrame(fit["raw"], index=source.index, columns=indicators)
        square = lambda values: pd.DataFrame(values, index=constructs, columns=constructs)  # noqa: E731
        return cls(
            specification=specification, model=model, data=data, source=source, settings=settings,
            weights=pd.Series(fit["weights"][own], index=indicators, name="weight"),
            scores=pd.DataFrame(fit["scores"], index=source.index, columns=constructs),
            path_coefficients=square(fit["path_coefficients"]),
            r2=pd.Series(fit["r2"], index=constructs, name="r2")[model.endogenous()],
            loadings=pd.Series(fit["loadings"][own], index=indicators, name="loading"),
            cross_loadings=pd.DataFrame(fit["cross"], index=indicators, columns=constructs),
            spread=pd.Series(fit["spread"], index=indicators),
            rho_a=pd.Series(fit["rho_a"], index=constructs, name="rho_a"),
            construct_correlations=square(fit["construct_correlation"]),
            proxy_correlations=square(fit["proxy_correlation"]),
            consistent=tuple(fit["consistent"]),
            interaction_scale=pd.Series(fit["interaction_scale"], index=constructs, name="scale"),
            inadmissible=tuple(fit["inadmissible"]),
            iterations=fit["iterations"], converged=fit["converged"], dropped=dropped,
        )

    @property
    def scheme(self) -> str:
        return self.settings.scheme

    @property
    def scaled(self) -> bool:
        return self.settings.scaled

    # ------------------------------------------------------------------ structural model
    def paths(self) -> pd.DataFrame:
        """One row per path: cause, effect and coefficient, in the order of the model."""
        return pd.DataFrame([(a, b, self.path_coefficients.loc[a, b]) for a, b in self.model.paths],
                            columns=["from", "to", "coefficient"])

    def summary(self) -> pd.DataFrame:
        """One row per path (coefficient, Cohen's f²), then one per endogenous construct (R², adjusted R²)."""
        paths = self.paths().merge(self.f_squared(), on=["from", "to"], how="left")
        paths.index = [f"{a} -> {b}" for a, b in zip(paths["from"], paths["to"], strict=True)]
        r2 = pd.DataFrame({"r2": self.r2, "adjusted_r2": self.adjusted_r2})
        r2.index = [f"R² {c}" for c in r2.index]
        return pd.concat([paths[["coefficient", "f2"]], r2])

    def _title(self) -> str:
        kind = f"consistent PLS (common factors: {', '.join(self.consistent)})" if self.consistent else "PLS"
        return (f"{kind} path model, {self.scheme} scheme, {len(self.scores)} respondents, converged in "
                f"{self.iterations} iterations")

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

    def f_squared(self, reestimate: bool = False) -> pd.DataFrame:
        """Cohen's f² of every path: (R²_included − R²_excluded) / (1 − R²_included) (see :mod:`.effect_sizes`)."""
        from .effect_sizes import f_squared

        return f_squared(self, reestimate=reestimate)

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
        ``performance`` the mean 0-100 index score. Under consistent PLS the total effects are those
        among the common factors (disattenuated paths), the performance the same weighted index.
        Constructs in the lower right (important, weak) are where improvement pays most.
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
            rows[construct] = {"indicators": p, "cronbach_alpha": alpha, "rho_c": rho_c,
                               "rho_a": float(self.rho_a[construct]), "ave": float(np.mean(loadings**2))}
        return pd.DataFrame(rows).T.astype({"indicators": int})

    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with sqrt(AVE) on the diagonal: each diagonal value should exceed its row."""
        table = self.construct_correlations
        values = table.to_numpy(copy=True)
        np.fill_diagonal(values, np.sqrt(self.reliability()["ave"].reindex(table.index).to_numpy()))
        return pd.DataFrame(values, index=table.index, columns=table.columns)

    def htmt(self, kind: str = "htmt") -> pd.DataFrame:
        """Heterotrait-monotrait ratios (values above 0.85-0.90 signal poor discriminant validity).

        ``kind="htmt"``: arithmetic means of the correlations (Henseler et al. 2015); ``"htmt2"``:
        geometric means (Roemer et al. 2021), consistent for congeneric common factors — the
        measurement model that consistent PLS assumes. Constructs with a single indicator have no
        monotrait correlation; their ratios are NaN.
        """
        correlation = np.corrcoef(self.data[self.model.indicators].to_numpy(), rowvar=False)
        table = htmt_matrix(correlation, self.model, kind=kind)
        return pd.DataFrame(table, index=self.model.constructs, columns=self.model.constructs)

    def vif(self) -> pd.DataFrame:
        """Variance inflation factors of the causes of each construct with two or more causes.

        VIF of cause i = 1 / (1 − R²_i), R²_i from the other causes, computed on the construct
        correlations (disattenuated under PLSc).
        """
        rows = []
        corr = self.construct_correlations
        for effect in self.model.constructs:
            causes = self.model.causes(effect)
            if len(causes) > 1:
                inverse = np.linalg.inv(corr.loc[causes, causes].to_numpy())
                rows += [(cause, effect, inverse[k, k]) for k, cause in enumerate(causes)]
        return pd.DataFrame(rows, columns=["cause", "effect", "vif"])

    @property
    def gof(self) -> float:
        """sqrt(mean communality of the indicators of multi-indicator reflective blocks × mean R²)."""
        communalities = [self.loadings[i] ** 2 for c, block in self.model.blocks.items()
                         if len(block) > 1 and self.model.mode(c) == "A" for i in block]
        return float(np.sqrt(np.mean(communalities) * self.r2.mean()))

    @property
    def fit_indices(self) -> pd.DataFrame:
        """SRMR, d_ULS and d_G of the saturated and the estimated model (see :mod:`.model_fit`)."""
        from .model_fit import fit_indices

        return fit_indices(self)

    def model_fit(self, n: int = 1000, *, seed: int | None = 0, progress: bool = True):
        """Bootstrap tests of exact overall fit (Dijkstra & Henseler 2015; see :func:`.model_fit.fit_test`)."""
        from .model_fit import fit_test

        return fit_test(self, n, seed=seed, progress=progress)

    def blindfolding(self, distance: int = 7) -> pd.DataFrame:
        """Stone-Geisser Q² by blindfolding (cross-validated redundancy; see :mod:`.effect_sizes`)."""
        from .effect_sizes import blindfolding

        return blindfolding(self, distance)

    def bootstrap(self, n: int = 500, *, seed: int | None = 0, level: float = 0.95, progress: bool = True):
        """Percentile bootstrap intervals of paths, loadings, indirect effects and HTMT (see :mod:`.bootstrap`)."""
        from .bootstrap import bootstrap

        return bootstrap(self, n, seed=seed, level=level, progress=progress)


def htmt_matrix(corr: np.ndarray, model: PathModel, kind: str = "htmt") -> np.ndarray:
    """HTMT between every pair of blocks from the indicator correlations ``corr`` (NaN on the diagonal and for
    single-indicator blocks): mean heterotrait correlation / sqrt(product of mean monotrait correlations),
    arithmetic means (``"htmt"``) or geometric means of the absolute correlations (``"htmt2"``)."""
    if kind not in ("htmt", "htmt2"):
        raise ValueError(f"kind must be 'htmt' or 'htmt2', got {kind!r}")
    values = corr if kind == "htmt" else np.log(np.abs(corr))  # geometric mean = exp(mean of logs)
    own = np.zeros((len(corr), len(model.blocks)))
    sizes = np.array([len(block) for block in model.blocks.values()])
    own[np.arange(len(corr)), np.repeat(np.arange(len(sizes)), sizes)] = 1.0
    off_diagonal = values - np.diag(np.diag(values))
    sums = own.T @ off_diagonal @ own  # block sums of the correlations (diagonal blocks without the 1s)
    pairs = np.outer(sizes, sizes) - np.diag(sizes)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / pairs
        means = means if kind == "htmt" else np.exp(means)
        mono = np.where(sizes > 1, np.diag(means), np.nan)
    table = means / np.sqrt(np.outer(mono, mono))
    np.fill_diagonal(table, np.nan)
    return table

"""Consistent PLS (PLSc): common-factor constructs from PLS composites (Dijkstra & Henseler 2015).

A PLS score ŷ_j = X_j ŵ_j is a composite: it contains the indicators' measurement error, so the
correlation of two scores underestimates the correlation of the common factors they stand for.
With Mode A weights ŵ_j scaled so that ŵ_j'S_jjŵ_j = 1 (S_jj the correlation matrix of block j),

    ρA_j = (ŵ_j'ŵ_j)² · ŵ_j'(S_jj − diag S_jj)ŵ_j / ŵ_j'(ŵ_jŵ_j' − diag ŵ_jŵ_j')ŵ_j      (eq. 18)

is a consistent estimate of the squared correlation between the composite and its factor
(reliability of the composite). PLSc then

* disattenuates the score correlations: P_ij = C_ij / sqrt(ρA_i ρA_j), P_jj = 1     (eq. 21);
* corrects the loadings: λ̂_j = ĉ_j ŵ_j with ĉ_j = sqrt(ρA_j) / (ŵ_j'ŵ_j)          (eq. 17);
* estimates paths and R² by least squares on P (as :func:`.plspm.structural_model` does).

Only reflective (Mode A) blocks with two or more indicators are corrected; single indicators,
formative blocks and interaction terms keep ρA = 1 (as seminr and cSEM do). The same ρA is the
reliability reported by :meth:`PLSResult.reliability`. Checked against seminr's fixtures (ρA,
PLSc paths, loadings, R² on the mobi data) and ADANCO 2.2.1 (bank survey; shipped with cSEM).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..errors import ModelSpecificationError
from .specification import PathModel

__all__ = ["consistent_constructs", "rho_a", "disattenuate", "inadmissibility", "InadmissibleWarning"]


class InadmissibleWarning(UserWarning):
    """A consistent-PLS solution outside the admissible region (a Heywood case)."""


def consistent_constructs(model: PathModel, consistent: bool | Iterable[str]) -> tuple[str, ...]:
    """The constructs to treat as common factors: every eligible one (``True``), none, or those named.

    Eligible: a block of two or more indicators estimated in Mode A that is not an interaction term.
    """
    interactions = {f"{a}*{b}" for a, b in model.interactions}
    eligible = [c for c, block in model.blocks.items()
                if model.mode(c) == "A" and len(block) > 1 and c not in interactions and "*" not in c]
    eligible += [c for c, dims in model.higher_order.items() if model.mode(c) == "A"]
    if consistent is True:
        return tuple(eligible)
    if consistent is False:
        return ()
    named = list(consistent)
    wrong = [c for c in named if c not in eligible]
    if wrong:
        raise ModelSpecificationError(f"consistent PLS applies to reflective (Mode A) constructs with two or more "
                                      f"indicators; {wrong} are not among them (eligible: {eligible})")
    return tuple(c for c in model.constructs if c in named)


def rho_a(weights: np.ndarray, correlation: np.ndarray) -> np.ndarray:
    """Dijkstra-Henseler's ρA (eq. 18) of every block at once, from the block-diagonal weights (p × k, in the
    metric of standardised indicators) and the indicators' correlation matrix. With ŵ scaled to ŵ'Sŵ = 1,
    ŵ'(S − diag S)ŵ = 1 − Σ ŵ_i² and ŵ'(ŵŵ' − diag ŵŵ')ŵ = (ŵ'ŵ)² − Σ ŵ_i⁴. Single-indicator blocks give 1."""
    w = weights / np.sqrt(np.einsum("ik,ij,jk->k", weights, correlation, weights))
    squares = (w**2).sum(axis=0)
    fourth = (w**4).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = squares**2 * (1 - squares) / (squares**2 - fourth)
    return np.where((weights != 0).sum(axis=0) > 1, rho, 1.0)


def disattenuate(fit: dict, model: PathModel, reliable: Iterable[str]) -> dict:
    """ρA of every construct, the score correlations C, the construct correlations P and the loadings.

    ``fit`` is the output of :func:`.plspm.estimate`; ``reliable`` names the common-factor constructs.
    Loadings of composites are their indicators' correlations with the score; those of common
    factors are the PLSc loadings ĉ_j ŵ_j. ρA is reported for reflective blocks (1 for formative
    blocks and interaction terms, as seminr).
    """
    membership = fit["membership"].astype(bool)
    reliable = set(reliable)
    names = model.constructs
    reflective = np.array([model.mode(c) == "A" and "*" not in c for c in names])
    weights = fit["standard_weights"] * membership
    rho = np.where(reflective, rho_a(weights, fit["indicator_correlation"]), 1.0)
    loadings = fit["cross"] * membership
    common = np.array([c in reliable for c in names])
    if common.any():
        w = weights[:, common] / np.sqrt(np.einsum("ik,ij,jk->k", weights[:, common], fit["indicator_correlation"],
                                                   weights[:, common]))
        loadings[:, common] = np.sqrt(rho[common]) * w / (w**2).sum(axis=0)
    proxy = np.corrcoef(fit["scores"], rowvar=False)
    q = np.sqrt(np.where(common, rho, 1.0))
    construct = proxy / np.outer(q, q)
    np.fill_diagonal(construct, 1.0)
    return {"rho_a": rho, "proxy_correlation": proxy, "construct_correlation": construct, "loadings": loadings}


def inadmissibility(fit: dict, model: PathModel) -> list[str]:
    """Why a consistent-PLS solution is inadmissible (empty when it is admissible): ρA above 1, a
    disattenuated correlation or a loading beyond ±1, or a construct correlation matrix that is not
    positive definite (as cSEM's ``verify()`` checks). Composites-only fits are always admissible."""
    if not fit["consistent"]:
        return []
    names = model.constructs
    reasons = [f"ρA of {names[k]} is {r:.3f} > 1" for k, r in enumerate(fit["rho_a"]) if r > 1 + 1e-9]
    correlation = fit["construct_correlation"]
    beyond = [(names[i], names[j]) for i, j in zip(*np.triu_indices(len(names), 1), strict=True)
              if abs(correlation[i, j]) > 1 + 1e-9]
    if beyond:
        reasons.append(f"disattenuated correlations beyond ±1: {beyond}")
    if np.linalg.eigvalsh(correlation).min() <= 0:
        reasons.append("the construct correlation matrix is not positive definite")
    loadings = np.abs(fit["loadings"]).max()
    if loadings > 1 + 1e-9:
        reasons.append(f"a loading of {loadings:.3f} exceeds 1")
    return reasons

"""Effect sizes of a PLS path model: Cohen's f² of each path and Stone-Geisser's Q² by blindfolding.

f² (Cohen 1988; Hair et al. 2017, ch. 6): for a path x → y,
f² = (R²_included − R²_excluded) / (1 − R²_included), where R²_excluded is y's R² without x.
Two conventions exist and both are offered:

* ``reestimate=False`` (ADANCO, cSEM): R²_excluded from the same construct correlations, by least
  squares of y on its other causes — checked against ADANCO 2.2.1;
* ``reestimate=True`` (SmartPLS, seminr): the whole model is re-estimated without the path, so the
  weights change too — checked against seminr's fixture for the corporate-reputation model. As in
  seminr, the main effects of an interaction's components get no f² (dropping them would leave the
  interaction without its parts).

Q² (Stone 1974; Geisser 1974; cross-validated redundancy, Hair et al. 2017, ch. 6.7): for each
endogenous reflective construct, its indicator matrix is read case by case down each indicator in
turn (as SmartPLS and semPLS's ``qSquared`` count) and every D-th value (omission distance D,
default 7; with a D that divides n a round would blank whole respondents) is left out in D rounds,
replaced by its column mean, and the model refitted. The omitted standardised values are predicted
by λ_k ŷ, ŷ = Σ β_i ξ_i from the construct's causes; Q² = 1 − SSE/SSO with SSO the sum of squares of
the standardised values. Q² > 0 means the model predicts the construct's indicators better than
their means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .specification import PathModel
from .threads import one_blas_thread

__all__ = ["f_squared", "blindfolding"]


@one_blas_thread
def f_squared(result, reestimate: bool = False) -> pd.DataFrame:
    """Cohen's f² of every path of a fitted :class:`PLSResult` (columns ``from``, ``to``, ``f2``)."""
    model = result.model
    covariance = result.construct_correlations.to_numpy()
    if not result.consistent:
        covariance = covariance * np.outer(result.interaction_scale, result.interaction_scale)
    index = {c: k for k, c in enumerate(model.constructs)}
    rows = []
    for cause, effect in model.paths:
        r2 = float(result.r2[effect])
        others = [c for c in model.causes(effect) if c != cause]
        if reestimate:
            excluded = _reestimated_r2(result, cause, effect)
        elif others:
            k, y = [index[c] for c in others], index[effect]
            v = covariance[k, y]
            excluded = float(v @ np.linalg.solve(covariance[np.ix_(k, k)], v) / covariance[y, y])
        else:
            excluded = 0.0
        rows.append((cause, effect, (r2 - excluded) / (1 - r2)))
    return pd.DataFrame(rows, columns=["from", "to", "f2"])


def _reestimated_r2(result, cause: str, effect: str) -> float:
    """y's R² after re-estimating the declared model without the path cause → effect (NaN for an
    interaction's components)."""
    from .plspm import fit_arrays

    spec = result.specification
    components = {c for pair in spec.interactions if f"{pair[0]}*{pair[1]}" in spec.causes(effect) for c in pair}
    if cause in components:
        return np.nan
    paths = [p for p in spec.paths if p != (cause, effect)]
    if not any(b == effect for _, b in paths):
        return 0.0
    used = {c for pair in paths for c in pair}
    higher = {h: d for h, d in spec.higher_order.items() if h in used}
    blocks = {c: b for c, b in spec.blocks.items() if c in used or any(c in dims for dims in higher.values())}
    interactions = [p for p in spec.interactions if f"{p[0]}*{p[1]}" in used]
    kept = {*blocks, *higher, *(f"{a}*{b}" for a, b in interactions)}
    reduced = PathModel(blocks=blocks, paths=paths, modes={c: m for c, m in spec.modes.items() if c in kept},
                        higher_order=higher, interactions=interactions)
    raw = result.source[reduced.indicators].to_numpy()
    fit = fit_arrays(raw, reduced, result.settings)
    return float(fit["r2"][fit["model"].constructs.index(effect)])


@one_blas_thread
def blindfolding(result, distance: int = 7) -> pd.DataFrame:
    """Q² (cross-validated redundancy) of every endogenous reflective construct, with SSO and SSE."""
    from .plspm import fit_arrays

    if result.specification.higher_order or result.specification.interactions:
        raise ValueError("blindfolding is implemented for first-order linear models; this one has higher-order "
                         "constructs or interactions")
    if not 2 <= distance < len(result.source):
        raise ValueError(f"distance must be between 2 and the number of respondents, got {distance}")
    model = result.model
    raw = result.source.to_numpy()
    standard = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    columns = {name: k for k, name in enumerate(model.indicators)}
    rows = {}
    for construct in model.endogenous():
        block = model.blocks[construct]
        if model.mode(construct) == "B":
            continue
        cols = [columns[i] for i in block]
        cell = np.arange(len(raw) * len(cols)).reshape(len(cols), len(raw)).T  # counted down each column in turn
        sse = 0.0
        for round_ in range(distance):
            omitted = cell % distance == round_
            data = raw.copy()
            values = data[:, cols]
            means = np.nanmean(np.where(omitted, np.nan, values), axis=0)
            data[:, cols] = np.where(omitted, means, values)
            fit = fit_arrays(data, model, result.settings)
            k = model.constructs.index(construct)
            predicted_construct = fit["scores"] @ fit["path_coefficients"][:, k]
            own = fit["membership"][:, k].astype(bool)
            predicted = np.outer(predicted_construct, fit["loadings"][own, k])
            sse += float(np.sum((standard[:, cols] - predicted)[omitted] ** 2))
        sso = float(np.sum(standard[:, cols] ** 2))
        rows[construct] = {"SSO": sso, "SSE": sse, "q2": 1 - sse / sso}
    return pd.DataFrame(rows).T

"""Moderation: interaction terms of two constructs, and simple-slope analysis.

Declared as ``PathModel(..., interactions=[("Image", "Expectation")])``, which adds the construct
``"Image*Expectation"`` for use in paths. Three ways to build it (Henseler & Chin 2010; Becker,
Ringle & Sarstedt 2018), chosen by ``plspm(..., interaction_method=)``:

* ``"product_indicator"``: every product of a standardised indicator of the construct and one of the
  moderator is an indicator of the interaction (named ``"x1*m1"``);
* ``"orthogonal"``: the same products, each replaced by its residual from the regression on all
  indicators of both constructs (Little, Bovaird & Widaman 2006), so the term is uncorrelated with
  the main effects;
* ``"two_stage"``: stage 1 estimates the model without interactions; the product of the two
  standardised construct scores is the interaction's single indicator in stage 2.

The interaction score keeps the spread of the product of standardised variables: it is rescaled
to the loading-weighted mean standard deviation of its indicators (Henseler & Chin 2010; for one
indicator simply that indicator's standard deviation), sample standard deviations as in seminr.
Its path coefficient is then the change in the construct's slope per standard deviation of the
moderator, which simple slopes need. Under consistent PLS (seminr's PLSc) the interaction's path
comes from the correlation matrix like every other path, i.e. standardised; :func:`simple_slopes`
converts it back. Checked against seminr's fixtures on the mobi data (two-stage, orthogonal with
PLSc) and its f² of the corporate-reputation model with a two-stage interaction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .specification import PathModel

__all__ = ["expand_interactions", "simple_slopes"]


def _zscore(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)


def expand_interactions(raw: np.ndarray, model: PathModel, settings) -> tuple[np.ndarray, PathModel, bool]:
    """The first-order model and data (columns in ``model.indicators`` order) with one block per interaction
    term, and whether stage 1 (two-stage method) converged."""
    from .plspm import estimate

    columns = {name: k for k, name in enumerate(model.indicators)}
    blocks, extra, converged = {}, [], True
    stage_scores = None
    if settings.interaction_method == "two_stage":
        first = PathModel(blocks=model.blocks, paths=[p for p in model.paths if "*" not in p[0]],
                          modes={c: m for c, m in model.modes.items() if c in model.blocks})
        stage = estimate(raw, first, scheme=settings.scheme, scaled=settings.scaled, tol=settings.tol,
                         max_iter=settings.max_iter)
        converged = stage["converged"]
        stage_scores = {c: _zscore(stage["scores"][:, k]) for k, c in enumerate(first.constructs)}
    for x, m in model.interactions:
        name = f"{x}*{m}"
        if stage_scores is not None:
            products = (stage_scores[x] * stage_scores[m])[:, None]
            labels = [f"{name}_intxn"]
        else:
            xs = _zscore(raw[:, [columns[i] for i in model.blocks[x]]])
            ms = _zscore(raw[:, [columns[i] for i in model.blocks[m]]])
            products = (xs[:, :, None] * ms[:, None, :]).reshape(len(raw), -1)
            labels = [f"{a}*{b}" for a in model.blocks[x] for b in model.blocks[m]]
            if settings.interaction_method == "orthogonal":
                design = np.column_stack([np.ones(len(raw)), xs, ms])
                products = products - design @ np.linalg.lstsq(design, products, rcond=None)[0]
        blocks[name] = labels
        extra.append(products)
    expanded = PathModel(blocks={**model.blocks, **blocks}, paths=model.paths, modes=model.modes)
    return np.column_stack([raw, *extra]), expanded, converged


def interaction_scale(fit: dict, model: PathModel, raw: np.ndarray) -> np.ndarray:
    """Scale of each construct's score: 1, or for an interaction term the |loading|-weighted mean sample
    standard deviation of its indicators (seminr's ``adjust_interaction``)."""
    spread = raw.std(axis=0, ddof=1)
    scale = np.ones(len(model.constructs))
    for k, construct in enumerate(model.constructs):
        if "*" in construct:
            rows = fit["membership"][:, k].astype(bool)
            weights = np.abs(fit["cross"][rows, k])
            scale[k] = float(weights @ spread[rows] / weights.sum())
    return scale


def simple_slopes(result, x: str, moderator: str, at: tuple[float, ...] = (-1.0, 0.0, 1.0)) -> pd.DataFrame:
    """The effect of ``x`` on the construct it and ``x*moderator`` drive, at moderator values ``at`` (in SDs).

    With standardised x and m and the interaction term as built above,
    ŷ = β_x x + β_m m + β_xm (x·m), so the simple slope of x at m is β_x + β_xm m (Aiken & West 1991).
    """
    name = f"{x}*{moderator}" if f"{x}*{moderator}" in result.model.constructs else f"{moderator}*{x}"
    if name not in result.model.constructs:
        raise ValueError(f"the model has no interaction of {x!r} and {moderator!r}; interactions: "
                         f"{[c for c in result.model.constructs if '*' in c]}")
    targets = [b for a, b in result.model.paths if a == name]
    target = targets[0]
    B = result.path_coefficients
    interaction = B.loc[name, target] / (result.interaction_scale[name] if result.consistent else 1.0)
    rows = [{"moderator_sd": m, "target": target, "slope": B.loc[x, target] + interaction * m,
             "intercept": B.loc[moderator, target] * m if moderator in B.index else 0.0} for m in at]
    return pd.DataFrame(rows).set_index("moderator_sd")

"""Higher-order constructs (HOCs): a construct measured by lower-order constructs (its dimensions).

Declared in the model as ``PathModel(..., higher_order={"Satisfaction": ["Image", "Value"]})``; the
HOC's mode (``modes=``) says whether the dimensions reflect it (Mode A) or form it (Mode B). Three
estimators (Becker, Klein & Wetzels 2012; Sarstedt, Hair, Cheah, Becker & Ringle 2019), chosen by
``plspm(..., hoc_method=)``:

* ``"repeated_indicators"``: the HOC is measured by every indicator of its dimensions (copies of
  the columns, named ``"indicator|HOC"``), with inner paths HOC → dimension (Mode A) or
  dimension → HOC (Mode B), in one PLS run;
* ``"two_stage"`` (embedded two-stage): stage 1 is the repeated-indicators model; its dimension
  scores become the HOC's indicators in stage 2, where the dimensions no longer appear;
* ``"disjoint_two_stage"``: stage 1 replaces the HOC by its dimensions — each linked directly to the
  HOC's causes and effects — without repeated indicators; stage 2 as above. This is seminr's
  ``higher_composite(method = two_stage)``, against whose fixtures it is checked.

In both two-stage variants the second stage is an ordinary first-order model, so consistent PLS,
interactions and the bootstrap (which repeats both stages) apply to it unchanged.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelSpecificationError
from .specification import PathModel

__all__ = ["expand_higher_order"]


def expand_higher_order(raw: np.ndarray, model: PathModel, settings) -> tuple[np.ndarray, PathModel, bool]:
    """The first-order model and data (columns in ``model.indicators`` order) that estimate ``model``'s
    higher-order constructs, and whether the first stage converged."""
    columns = {name: k for k, name in enumerate(model.indicators)}
    repeated_blocks = {hoc: [f"{i}|{hoc}" for d in dims for i in model.blocks[d]]
                       for hoc, dims in model.higher_order.items()}
    repeated_columns = [columns[i] for hoc, dims in model.higher_order.items() for d in dims for i in model.blocks[d]]
    linear_paths = [p for p in model.paths if "*" not in p[0] and "*" not in p[1]
                    and all(c in model.blocks or c in model.higher_order for c in p)]
    if settings.hoc_method == "repeated_indicators":
        inner = [(hoc, d) if model.mode(hoc) == "A" else (d, hoc) for hoc, dims in model.higher_order.items()
                 for d in dims]
        expanded = PathModel(blocks={**model.blocks, **repeated_blocks}, paths=[*model.paths, *inner],
                             modes=model.modes, interactions=model.interactions)
        return np.column_stack([raw, raw[:, repeated_columns]]), expanded, True
    dimensions = [d for dims in model.higher_order.values() for d in dims]
    tied = sorted({c for p in model.paths for c in p if c in dimensions})
    if tied:
        raise ModelSpecificationError(f"dimensions {tied} of a higher-order construct also appear in paths; in the "
                                      "two-stage approaches they become the HOC's indicators, so link the HOC "
                                      "instead (or use hoc_method='repeated_indicators')")
    if settings.hoc_method == "two_stage":
        inner = [(hoc, d) if model.mode(hoc) == "A" else (d, hoc) for hoc, dims in model.higher_order.items()
                 for d in dims]
        first = PathModel(blocks={**model.blocks, **repeated_blocks}, paths=[*linear_paths, *inner],
                          modes={c: m for c, m in model.modes.items() if c in model.blocks or c in model.higher_order})
        first_data = np.column_stack([raw, raw[:, repeated_columns]])
    else:
        first = PathModel(blocks=model.blocks, paths=_disjoint_paths(linear_paths, model.higher_order),
                          modes={c: m for c, m in model.modes.items() if c in model.blocks})
        first_data = raw
    from .plspm import estimate

    stage = estimate(first_data, first, scheme=settings.scheme, scaled=settings.scaled, tol=settings.tol,
                     max_iter=settings.max_iter)
    scores = stage["scores"][:, [first.constructs.index(d) for d in dimensions]]
    kept = {c: b for c, b in model.blocks.items() if c not in dimensions}
    second = PathModel(blocks={**kept, **{hoc: list(dims) for hoc, dims in model.higher_order.items()}},
                       paths=model.paths, modes=model.modes, interactions=model.interactions)
    kept_columns = [columns[i] for b in kept.values() for i in b]
    return np.column_stack([raw[:, kept_columns], scores]), second, stage["converged"]


def _disjoint_paths(paths: list[tuple[str, str]], higher_order: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Paths with every HOC replaced by its dimensions: a HOC's causes drive each dimension, each
    dimension drives the HOC's effects."""
    for hoc, dims in higher_order.items():
        paths = [pair for a, b in paths for pair in
                 ([(a, d) for d in dims] if b == hoc else [(d, b) for d in dims] if a == hoc else [(a, b)])]
    return paths

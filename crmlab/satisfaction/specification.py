"""Path-model specifications: which indicators measure which construct, and which construct drives which.

A :class:`PathModel` is a plain description — blocks (construct → indicators),
paths (cause → effect) and measurement modes ("A" reflective, "B" formative) —
checked on creation: constructs need indicators, paths must join known constructs,
and the inner model must be acyclic (a recursive model, as PLS path modelling needs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PathModel", "ecsi_model", "acsi_model", "bank_model"]


@dataclass(frozen=True)
class PathModel:
    """Blocks, paths and modes of a PLS path model.

    Parameters
    ----------
    blocks : mapping construct -> list of indicator column names
    paths : sequence of (cause, effect) pairs
    modes : mapping construct -> "A" (reflective, the default) or "B" (formative)
    """

    blocks: Mapping[str, Sequence[str]]
    paths: Sequence[tuple[str, str]]
    modes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        blocks = {str(k): list(v) for k, v in self.blocks.items()}
        empty = [name for name, indicators in blocks.items() if not indicators]
        if empty:
            raise ValueError(f"constructs {empty} have no indicators; give each construct at least one column")
        seen: dict[str, str] = {}
        for name, indicators in blocks.items():
            for indicator in indicators:
                if indicator in seen:
                    raise ValueError(f"indicator {indicator!r} is in two blocks ({seen[indicator]!r} and {name!r})")
                seen[indicator] = name
        unknown = sorted({c for pair in self.paths for c in pair} - set(blocks))
        if unknown:
            raise ValueError(f"paths mention constructs without a block: {unknown}; known: {sorted(blocks)}")
        if any(cause == effect for cause, effect in self.paths):
            raise ValueError("a construct cannot drive itself")
        bad_modes = {k: v for k, v in self.modes.items() if k not in blocks or v not in ("A", "B")}
        if bad_modes:
            raise ValueError(f"modes must be 'A' or 'B' for known constructs, got {bad_modes}")
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "paths", [tuple(p) for p in dict.fromkeys(tuple(p) for p in self.paths)])
        self.causal_order()  # raises on a cycle

    @property
    def constructs(self) -> list[str]:
        return list(self.blocks)

    @property
    def indicators(self) -> list[str]:
        return [i for block in self.blocks.values() for i in block]

    def mode(self, construct: str) -> str:
        return self.modes.get(construct, "A")

    def causal_order(self) -> list[str]:
        """Constructs in a causal order (every cause before its effects); raises on a cycle."""
        remaining = {c: {a for a, b in self.paths if b == c} for c in self.blocks}
        order = []
        while remaining:
            ready = [c for c, causes in remaining.items() if not causes]
            if not ready:
                raise ValueError(f"the inner model has a cycle among {sorted(remaining)}; PLS path models must be "
                                 "recursive (no feedback loops)")
            for c in ready:
                order.append(c)
                del remaining[c]
            for causes in remaining.values():
                causes.difference_update(ready)
        return order

    def path_matrix(self) -> np.ndarray:
        """D[i, j] = 1 when construct i drives construct j (constructs in ``constructs`` order)."""
        index = {c: k for k, c in enumerate(self.constructs)}
        matrix = np.zeros((len(index), len(index)))
        for cause, effect in self.paths:
            matrix[index[cause], index[effect]] = 1.0
        return matrix

    def endogenous(self) -> list[str]:
        return [c for c in self.constructs if any(b == c for _, b in self.paths)]


def ecsi_model() -> PathModel:
    """The European Customer Satisfaction Index model of the mobile-phone survey (``load_ecsi``).

    Seven constructs, 24 indicators (Tenenhaus et al. 2005): image drives expectation, satisfaction
    and loyalty; expectation drives quality, value and satisfaction; quality drives value and
    satisfaction; value drives satisfaction; satisfaction drives complaints and loyalty; complaints
    drive loyalty. All blocks reflective.
    """
    return PathModel(
        blocks={"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": [f"CUEX{i}" for i in range(1, 4)],
                "Quality": [f"PERQ{i}" for i in range(1, 8)], "Value": ["PERV1", "PERV2"],
                "Satisfaction": [f"CUSA{i}" for i in range(1, 4)], "Complaints": ["CUSCO"],
                "Loyalty": [f"CUSL{i}" for i in range(1, 4)]},
        paths=[("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
               ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
               ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
               ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")])


def acsi_model(blocks: Mapping[str, Sequence[str]] | None = None) -> PathModel:
    """The American Customer Satisfaction Index structure (Fornell et al. 1996).

    Expectations → perceived quality, perceived value, satisfaction; perceived quality → value and
    satisfaction; value → satisfaction; satisfaction → complaints and loyalty; complaints → loyalty.
    By default its blocks are the matching ECSI indicators of the mobile survey (without image).
    """
    blocks = blocks or {"Expectation": [f"CUEX{i}" for i in range(1, 4)], "Quality": [f"PERQ{i}" for i in range(1, 8)],
                        "Value": ["PERV1", "PERV2"], "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
                        "Complaints": ["CUSCO"], "Loyalty": [f"CUSL{i}" for i in range(1, 4)]}
    return PathModel(blocks=blocks, paths=[
        ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")])


def bank_model() -> PathModel:
    """ECSI without complaints on the bank survey (``bank_satisfaction.csv``), as in R plspm's example."""
    return PathModel(
        blocks={"IMAG": [f"imag{i}" for i in range(1, 6)], "EXPE": [f"expe{i}" for i in range(1, 6)],
                "QUAL": [f"qual{i}" for i in range(1, 6)], "VAL": [f"val{i}" for i in range(1, 5)],
                "SAT": [f"sat{i}" for i in range(1, 5)], "LOY": [f"loy{i}" for i in range(1, 5)]},
        paths=[("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"),
               ("EXPE", "SAT"), ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "LOY")])

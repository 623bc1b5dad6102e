"""Path-model specifications: which indicators measure which construct, and which construct drives which.

A :class:`PathModel` is a plain description — blocks (construct → indicators),
paths (cause → effect) and measurement modes ("A" reflective, "B" formative) —
checked on creation: constructs need indicators, paths must join known constructs,
and the inner model must be acyclic (a recursive model, as PLS path modelling needs).

Two kinds of construct have no indicators of their own: a higher-order construct, measured by its
lower-order dimensions (``higher_order={"HOC": ["dim1", "dim2"]}``, see :mod:`.higher_order`), and
an interaction ``"X*M"`` of two constructs (``interactions=[("X", "M")]``, see :mod:`.moderation`).
Both may appear in paths like any construct; how they are estimated is chosen when fitting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelSpecificationError

__all__ = ["PathModel", "ModelSpecificationError", "ecsi_model", "acsi_model", "bank_model", "corp_rep_model"]


@dataclass(frozen=True)
class PathModel:
    """Blocks, paths and modes of a PLS path model.

    Parameters
    ----------
    blocks : mapping construct -> list of indicator column names
    paths : sequence of (cause, effect) pairs
    modes : mapping construct -> "A" (reflective, the default) or "B" (formative)
    higher_order : mapping higher-order construct -> its lower-order dimensions (constructs of ``blocks``)
    interactions : sequence of (construct, moderator) pairs; each adds the construct ``"construct*moderator"``
    """

    blocks: Mapping[str, Sequence[str]]
    paths: Sequence[tuple[str, str]]
    modes: Mapping[str, str] = field(default_factory=dict)
    higher_order: Mapping[str, Sequence[str]] = field(default_factory=dict)
    interactions: Sequence[tuple[str, str]] = ()

    def __post_init__(self):
        blocks = {str(k): list(v) for k, v in self.blocks.items()}
        empty = [name for name, indicators in blocks.items() if not indicators]
        if empty:
            raise ModelSpecificationError(f"constructs {empty} have no indicators; give each construct at least "
                                          "one column")
        seen: dict[str, str] = {}
        for name, indicators in blocks.items():
            for indicator in indicators:
                if indicator in seen:
                    raise ModelSpecificationError(f"indicator {indicator!r} is in two blocks ({seen[indicator]!r} "
                                                  f"and {name!r}); each column measures one construct (for a "
                                                  "higher-order construct declare higher_order= instead)")
                seen[indicator] = name
        names = {*blocks, *self.higher_order}
        starred = [name for name in names if "*" in name and not set(name.split("*", 1)) <= names]
        if starred:
            raise ModelSpecificationError(f"construct names {starred} contain '*', which marks the interaction term "
                                          "of two constructs ('X*M'); rename them")
        higher = {str(k): list(v) for k, v in self.higher_order.items()}
        for name, dimensions in higher.items():
            if name in blocks:
                raise ModelSpecificationError(f"higher-order construct {name!r} also has a block of indicators; "
                                              "it is measured by its dimensions only")
            if len(dimensions) < 2 or not set(dimensions) <= set(blocks):
                raise ModelSpecificationError(f"higher-order construct {name!r} needs two or more dimensions that "
                                              f"are constructs with indicators; got {dimensions}, constructs with "
                                              f"indicators: {list(blocks)}")
        interactions = [tuple(pair) for pair in self.interactions]
        for pair in interactions:
            if len(pair) != 2 or not set(pair) <= set(blocks) | set(higher) or pair[0] == pair[1]:
                raise ModelSpecificationError(f"an interaction is a pair of two different known constructs, got "
                                              f"{pair}; constructs: {list(blocks) + list(higher)}")
        known = set(blocks) | set(higher) | {f"{a}*{b}" for a, b in interactions}
        unknown = sorted({c for pair in self.paths for c in pair} - known)
        if unknown:
            raise ModelSpecificationError(f"paths mention unknown constructs: {unknown}; known: {sorted(known)}")
        if any(cause == effect for cause, effect in self.paths):
            raise ModelSpecificationError("a construct cannot drive itself")
        driven = sorted({effect for _, effect in self.paths if "*" in effect})
        if driven:
            raise ModelSpecificationError(f"interaction terms {driven} can only be causes (an arrow out of them)")
        dimensions = {d for dims in higher.values() for d in dims}
        isolated = sorted(known - dimensions - {c for pair in self.paths for c in pair}) if self.paths else []
        if isolated:
            raise ModelSpecificationError(f"constructs {isolated} are in no path; add their paths or remove them "
                                          "(a higher-order construct's dimensions need no paths of their own)")
        bad_modes = {k: v for k, v in self.modes.items() if k not in known or v not in ("A", "B")}
        if bad_modes:
            raise ModelSpecificationError(f"modes must be 'A' or 'B' for known constructs, got {bad_modes}")
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "higher_order", higher)
        object.__setattr__(self, "interactions", interactions)
        object.__setattr__(self, "paths", [tuple(p) for p in dict.fromkeys(tuple(p) for p in self.paths)])
        self.causal_order()  # raises on a cycle

    @property
    def constructs(self) -> list[str]:
        """Constructs in the structural model's order: blocks, then higher-order constructs, then interactions."""
        return [*self.blocks, *self.higher_order, *(f"{a}*{b}" for a, b in self.interactions)]

    @property
    def is_first_order(self) -> bool:
        """True when every construct has its own indicators (no higher-order constructs, no interactions)."""
        return not self.higher_order and not self.interactions

    @property
    def indicators(self) -> list[str]:
        return [i for block in self.blocks.values() for i in block]

    def mode(self, construct: str) -> str:
        return self.modes.get(construct, "A")

    def causal_order(self) -> list[str]:
        """Constructs in a causal order (every cause before its effects); raises on a cycle."""
        remaining = {c: {a for a, b in self.paths if b == c} for c in self.constructs}
        order = []
        while remaining:
            ready = [c for c, causes in remaining.items() if not causes]
            if not ready:
                raise ModelSpecificationError(f"the inner model has a cycle among {sorted(remaining)}; PLS path "
                                              "models must be recursive (no feedback loops)")
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

    def causes(self, construct: str) -> list[str]:
        """The constructs with a path into ``construct``, in model order."""
        return [c for c in self.constructs if (c, construct) in self.paths]


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


def corp_rep_model() -> PathModel:
    """The corporate-reputation model of Hair, Hult, Ringle & Sarstedt, *A Primer on PLS-SEM* (2nd ed. 2017, ch. 5-6).

    Quality, performance, corporate social responsibility and attractiveness (formative, Mode B)
    drive competence and likeability (reflective), which drive customer satisfaction (single item)
    and loyalty; satisfaction drives loyalty. Data: ``data/raw/corp_rep_data.csv`` (seminr's
    ``corp_rep_data``; -99 marks a missing answer).
    """
    return PathModel(
        blocks={"QUAL": [f"qual_{i}" for i in range(1, 9)], "PERF": [f"perf_{i}" for i in range(1, 6)],
                "CSOR": [f"csor_{i}" for i in range(1, 6)], "ATTR": [f"attr_{i}" for i in range(1, 4)],
                "COMP": [f"comp_{i}" for i in range(1, 4)], "LIKE": [f"like_{i}" for i in range(1, 4)],
                "CUSA": ["cusa"], "CUSL": [f"cusl_{i}" for i in range(1, 4)]},
        paths=[(a, b) for a in ("QUAL", "PERF", "CSOR", "ATTR") for b in ("COMP", "LIKE")]
        + [(a, b) for a in ("COMP", "LIKE") for b in ("CUSA", "CUSL")] + [("CUSA", "CUSL")],
        modes={"QUAL": "B", "PERF": "B", "CSOR": "B", "ATTR": "B"})

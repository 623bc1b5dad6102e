"""Per-student variants of an exercise: each student's own sample of the data, from their seed.

A notebook's parameters cell declares ``student_seed = None``; a teacher's roster sets it for each student (from the
student id, :func:`student_seed`, unless the roster gives one). The first code cell of a notebook's exercises passes
the data through :func:`exercise_sample`, so every answer depends on the student's sample: two students get
different numbers for the same question, and the grader recomputes each student's correct answers from their seed.
With ``student_seed=None`` (the published notebook) the exercises use the whole data set.

The sample is a simple random sample without replacement of the *units* of the data — customers of a transaction log
(``by="customer_id"``: all of a sampled customer's lines are kept, so per-customer statistics stay whole), or rows of
a survey or customer table — drawn with :func:`numpy.random.default_rng` seeded by the student's seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, MissingColumnError

__all__ = ["DEFAULT_FRACTION", "exercise_choice", "exercise_sample", "student_seed"]

DEFAULT_FRACTION = 0.8


def student_seed(student_id: object) -> int:
    """A stable seed (0 ≤ seed < 2³¹) from a student id: the same id gives the same seed on every machine.

    The first four bytes of the SHA-256 digest of the id's text (Python's ``hash`` changes between runs).
    """
    text = str(student_id).strip()
    if not text:
        raise DataError("a student id is empty; every roster row needs a student_id")
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") >> 1


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"student_seed must be a non-negative whole number or None, got {seed!r}")
    return int(seed)


def exercise_sample(data: pd.DataFrame, student_seed: int | None, *, by: str | None = None,
                    fraction: float = DEFAULT_FRACTION) -> pd.DataFrame:
    """The student's sample of ``data``: ``fraction`` of its units, drawn with the student's seed.

    ``by`` names the column whose values are the units (e.g. ``"customer_id"``: every line of a sampled customer is
    kept); ``None`` samples rows. ``student_seed=None`` returns ``data`` itself. Rows keep their order and index.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"exercise_sample needs a DataFrame, got {type(data).__name__}")
    if not 0 < fraction <= 1:
        raise DataError(f"fraction must lie in (0, 1], got {fraction!r}: it is the share of units a student gets")
    if student_seed is None:
        return data
    rng = np.random.default_rng(_check_seed(student_seed))
    if by is None:
        units = pd.Index(range(len(data)))
        keep = np.zeros(len(data), dtype=bool)
        keep[rng.choice(len(units), size=max(1, round(fraction * len(units))), replace=False)] = True
        return data[keep]
    if by not in data.columns:
        raise MissingColumnError(f"exercise_sample(by={by!r}): no such column; the data has {list(data.columns)}")
    units = pd.Index(data[by].dropna().unique()).sort_values()
    if units.empty:
        raise DataError(f"exercise_sample(by={by!r}): the column holds no values to sample")
    chosen = units[rng.choice(len(units), size=max(1, round(fraction * len(units))), replace=False)]
    return data[data[by].isin(chosen)]


def exercise_choice(options: Sequence, student_seed: int | None):
    """One of ``options`` for the student (the first one when ``student_seed`` is None)."""
    if len(options) == 0:
        raise DataError("exercise_choice needs at least one option")
    if student_seed is None:
        return options[0]
    return options[int(np.random.default_rng(_check_seed(student_seed)).integers(len(options)))]

"""Hidden checks of an exercise: the answers a cell tagged ``check`` records, and how two records compare.

A check cell follows an exercise's solution in the teacher's notebook, e.g. ``cl.teaching.check("2", median_count=
median_count)``; handouts leave it out. :func:`check` shows the answers as an output of type :data:`CHECK_MIME`
(plus a plain-text line), which the grader reads twice: from the teacher's notebook run with the student's seed
(the correct answers for that student's variant) and from the student's submission with the same check cells
appended (the student's answers). :func:`compare` then decides each answer: numbers within a relative tolerance
(``rtol``, default 10⁻⁶, plus an absolute 10⁻⁹ for values near zero), text exactly, tables and lists element by element
with the same labels.
"""

from __future__ import annotations

import math
from numbers import Number

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["CHECK_MIME", "DEFAULT_RTOL", "check", "compare", "plain_value"]

CHECK_MIME = "application/vnd.crmlab.check+json"
DEFAULT_RTOL = 1e-6
_ATOL = 1e-9


def plain_value(value):
    """``value`` as JSON data: numbers, text, lists and label → value mappings (tables become nested mappings)."""
    if isinstance(value, pd.DataFrame):
        return {str(column): plain_value(value[column]) for column in value.columns}
    if isinstance(value, pd.Series):
        return {str(label): plain_value(item) for label, item in value.items()}
    if isinstance(value, (pd.Index, np.ndarray, list, tuple)):
        return [plain_value(item) for item in list(value)]
    if isinstance(value, dict):
        return {str(key): plain_value(item) for key, item in value.items()}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (str, pd.Timestamp)) or value is None:
        return None if value is None else str(value)
    raise DataError(f"a checked answer must be a number, text, list or table; got {type(value).__name__}")


def check(exercise: str, *, rtol: float = DEFAULT_RTOL, **answers) -> None:
    """Record the answers to ``exercise`` (name=value) for the grader; shows one line per answer."""
    if not answers:
        raise DataError(f"check({exercise!r}) names no answer; write check({exercise!r}, name=value)")
    from IPython.display import display

    record = {"exercise": str(exercise), "rtol": float(rtol),
              "answers": {name: plain_value(value) for name, value in answers.items()}}
    text = "\n".join(f"[{exercise}] {name} = {value!r}" for name, value in record["answers"].items())
    display({CHECK_MIME: record, "text/plain": text}, raw=True)


def compare(expected, got, rtol: float = DEFAULT_RTOL) -> str | None:
    """None when ``got`` matches ``expected``; otherwise the first difference, said plainly."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a table with labels {list(expected)[:5]}, got {got!r:.60}"
        missing = [key for key in expected if key not in got]
        if missing:
            return f"missing {missing[:5]}"
        extra = [key for key in got if key not in expected]
        if extra:
            return f"unexpected {extra[:5]}"
        for key in expected:
            difference = compare(expected[key], got[key], rtol)
            if difference:
                return f"{key}: {difference}"
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"expected {len(expected)} values, got {got!r:.60}"
        for position, (want, have) in enumerate(zip(expected, got, strict=True)):
            difference = compare(want, have, rtol)
            if difference:
                return f"item {position + 1}: {difference}"
        return None
    if isinstance(expected, Number) and not isinstance(expected, bool):
        if isinstance(got, Number) and not isinstance(got, bool) and math.isclose(got, expected, rel_tol=rtol,
                                                                                   abs_tol=_ATOL):
            return None
        return f"expected {expected:.6g}, got {got!r:.60}"
    return None if got == expected else f"expected {expected!r:.60}, got {got!r:.60}"

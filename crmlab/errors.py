"""Exceptions raised by crmlab.

Every error names what is wrong (the column, the rows, the file) and what to do
about it. They derive from the built-in exception a caller would expect
(``ValueError`` for bad data, ``FileNotFoundError`` for a missing data set), so
``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "CrmlabError",
    "DataError",
    "MissingColumnError",
    "ColumnTypeError",
    "DateParseError",
    "MixedTimeZoneError",
    "EmptyDataError",
    "AllRowsDroppedError",
    "ObservationPeriodError",
    "DatasetNotFoundError",
    "ConvergenceError",
    "PredictionError",
    "CrmlabWarning",
]


class CrmlabError(Exception):
    """Base class of every error crmlab raises on purpose."""


class DataError(CrmlabError, ValueError):
    """The input data cannot be used as it is."""


class MissingColumnError(DataError):
    """A column the caller named (or a default name) is not in the data."""


class ColumnTypeError(DataError, TypeError):
    """A column holds values of the wrong kind (text where numbers are needed, ...)."""


class DateParseError(DataError):
    """Some dates cannot be read as dates."""


class MixedTimeZoneError(DataError):
    """Timestamps carry different UTC offsets, so their order is ambiguous."""


class EmptyDataError(DataError):
    """The input has no rows."""


class AllRowsDroppedError(DataError):
    """Cleaning dropped every row; ``report`` says why."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class ObservationPeriodError(DataError):
    """Observation or calibration dates that do not fit the data."""


class DatasetNotFoundError(CrmlabError, FileNotFoundError):
    """A bundled data file is missing."""


class ConvergenceError(CrmlabError, RuntimeError):
    """A model fit did not reach a maximum of the likelihood; the message says what to try."""


class PredictionError(CrmlabError, ValueError):
    """A fitted model cannot make the prediction asked of it (e.g. its expectation is infinite there)."""


class CrmlabWarning(UserWarning):
    """Something the caller should know, which does not stop the computation (e.g. a model file from another
    crmlab version, an estimate on the boundary of the parameter space)."""

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
    "AmbiguousColumnError",
    "ColumnTypeError",
    "AmbiguousNumberError",
    "MixedCurrencyError",
    "NonFiniteValueError",
    "DateParseError",
    "AmbiguousDateError",
    "MixedTimeZoneError",
    "EmptyDataError",
    "InputNotFoundError",
    "FileFormatError",
    "EncodingError",
    "SheetNotFoundError",
    "AllRowsDroppedError",
    "ObservationPeriodError",
    "DatasetNotFoundError",
    "ConvergenceError",
    "PredictionError",
    "ModelSpecificationError",
    "MissingDependencyError",
    "CrmlabWarning",
    "StudyError",
    "NotFittedError",
]


class CrmlabError(Exception):
    """Base class of every error crmlab raises on purpose."""


class DataError(CrmlabError, ValueError):
    """The input data cannot be used as it is."""


class MissingColumnError(DataError):
    """A column the caller named (or a default name) is not in the data."""


class AmbiguousColumnError(DataError):
    """A column name the caller gave matches several columns (a repeated header, or names equal but for spaces)."""


class ColumnTypeError(DataError, TypeError):
    """A column holds values of the wrong kind (text where numbers are needed, ...)."""


class AmbiguousNumberError(DataError):
    """Numbers written so that the decimal mark cannot be told from the thousands separator (``1,234``)."""


class MixedCurrencyError(DataError):
    """Amounts in one column carry different currencies, which cannot be summed."""


class NonFiniteValueError(DataError):
    """Infinite amounts, quantities or prices (or a quantity x price beyond the float range)."""


class DateParseError(DataError):
    """Some dates cannot be read as dates."""


class AmbiguousDateError(DateParseError):
    """Dates such as ``02/10/2023`` whose day/month order the data does not settle."""


class MixedTimeZoneError(DataError):
    """Timestamps carry different UTC offsets, so their order is ambiguous."""


class EmptyDataError(DataError):
    """The input has no rows."""


class InputNotFoundError(CrmlabError, FileNotFoundError):
    """The file the caller named does not exist."""


class FileFormatError(DataError):
    """A file that cannot be read as a table of its kind (a folder, a binary or corrupt file, an unknown type)."""


class EncodingError(DataError):
    """A text file whose bytes do not decode with the detected (or given) character encoding."""


class SheetNotFoundError(DataError):
    """An Excel workbook has no sheet of the name (or position) asked for."""


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


class ModelSpecificationError(CrmlabError, ValueError):
    """A model that cannot be estimated as written: a path model with an unknown construct, a cycle or a shared
    indicator, or a method asked of a model it does not apply to (consistent PLS of a formative block, ...)."""


class MissingDependencyError(CrmlabError, ImportError):
    """An optional package a method needs is not installed; the message names the extra that brings it."""


class CrmlabWarning(UserWarning):
    """Something the caller should know, which does not stop the computation (e.g. a model file from another
    crmlab version, an estimate on the boundary of the parameter space)."""


class StudyError(CrmlabError, ValueError):
    """A study file, a parameter or a notebook run that cannot go ahead; the message says what to fix."""


class NotFittedError(CrmlabError, RuntimeError):
    """A model asked for estimates or predictions before it was fitted; the message says to call ``fit``."""

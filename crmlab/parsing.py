"""Cells of a transaction log to typed values: customer ids and money amounts.

Files and spreadsheets hand over ids and amounts as text more often than not. This module reads them
by explicit rules and says what it did (``notes``); anything it cannot read is marked, never guessed:

Missing values
    Blank cells and the words pandas writes for nothing — ``NaN``, ``nan``, ``None``, ``NULL``,
    ``NA``, ``N/A``, ``<NA>``, ``#N/A``, ``NaT`` (:data:`MISSING_TEXT`) — are missing, whatever the
    source (pandas' CSV reader already treats them so; Excel and DataFrames get the same rule).

Customer ids (:func:`parse_customer_ids`)
    Text stays text (``00123`` keeps its zeros). ``123.0`` is the text form of a whole number that went
    through a float column and is read as ``123`` — the same customer as ``123``; a note counts them.
    A float column of whole numbers becomes integers. True/False or dates are refused: the column map
    points at the wrong column.

Amounts (:func:`parse_amounts`)
    A text amount may carry one currency sign or code before or after the number (``$``, ``US$``,
    ``¥``/``￥``/``元``/``RMB``/``CNY``, ``€``, ``£``, ``HK$``, ``₹``, ``₩``, ``USD``, ``EUR``, …; one
    currency per column), a sign before or after (``-12``, ``12-``), or accounting parentheses
    (``(12.00)`` is −12). The decimal mark is ``decimal`` when given, else settled by the column:

    * ``1,234.50`` and ``1,234,567`` prove that ``.`` is the decimal mark, ``1.234,50``, ``12,50`` and
      ``1.234.567`` that ``,`` is; spaces and apostrophes (``1 234,50``, ``1'234.50``) group thousands.
    * ``1,234`` or ``1.234`` alone (one separator followed by exactly three digits) could be either.
      They follow the mark the other rows prove; when no row proves one,
      :class:`~crmlab.errors.AmbiguousNumberError` asks for ``decimal=``.
    * Rows proving both marks raise :class:`~crmlab.errors.AmbiguousNumberError` naming rows of each.

    Percentages (``12.5%``) and anything else are not amounts: those rows are marked non-numeric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import AmbiguousNumberError, ColumnTypeError, MixedCurrencyError

__all__ = ["MISSING_TEXT", "NumberParse", "as_text", "example_rows", "parse_amounts", "parse_customer_ids"]

#: Cell texts read as missing (pandas' CSV defaults that a person or a program writes for "nothing").
MISSING_TEXT = ("", "nan", "NaN", "NAN", "-nan", "-NaN", "None", "none", "NULL", "null", "Null", "NA", "N/A", "n/a",
                "<NA>", "#N/A", "#NA", "NaT")

_WHOLE_FLOAT_TEXT = r"[+-]?\d+\.0+"
_LARGEST_EXACT_INTEGER = 2.0 ** 53

# one currency sign or code before or after the number; the canonical name says which amounts may be summed
_CURRENCY = {"$": "USD", "US$": "USD", "USD": "USD", "¥": "CNY", "￥": "CNY", "元": "CNY", "CNY": "CNY", "RMB": "CNY",
             "JPY": "JPY", "円": "JPY", "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP", "HK$": "HKD",
             "HKD": "HKD", "₹": "INR", "INR": "INR", "₩": "KRW", "KRW": "KRW"}
_SIGNS = "|".join(re.escape(s) for s in sorted(_CURRENCY, key=len, reverse=True))
_MONEY = re.compile(rf"""
    (?P<open>\()?\s*
    (?P<sign>[-+])?\s*
    (?P<before>{_SIGNS})?\s*
    (?P<sign2>[-+])?\s*
    (?P<number>\d(?:[\d.,' ]*\d)?)
    \s*(?P<after>{_SIGNS})?\s*
    (?P<trailing>-)?\s*
    (?P<close>\))?""", re.X)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2212": "-", "\uff0c": ","})


@dataclass(frozen=True)
class NumberParse:
    """A column read as numbers: values (float64, NaN where missing or unreadable), the two masks, notes."""

    values: pd.Series
    missing: pd.Series
    non_numeric: pd.Series
    notes: tuple[str, ...] = ()


def as_text(values: pd.Series) -> pd.Series:
    """Stripped text (pandas ``string`` dtype) with blanks and :data:`MISSING_TEXT` as missing."""
    text = values.astype("string").str.strip()
    return text.mask(text.isin(MISSING_TEXT))


def example_rows(mask: pd.Series, values: pd.Series | None = None, n: int = 5) -> str:
    """``rows [3, 7, …]`` (first labels of ``mask``) and, with ``values``, ``e.g. ['a', 'b']``."""
    rows = mask[mask].index[:n].tolist()
    more = ", …" if mask.sum() > n else ""
    text = f"rows {str(rows)[:-1]}{more}]"
    if values is not None:
        text += f", e.g. {values[mask].iloc[:min(n, 3)].tolist()}"
    return text


def _refuse_kind(values: pd.Series, name: str, label: str, role: str, fix: str) -> None:
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_bool_dtype(values) or kind == "boolean":
        raise ColumnTypeError(f"column {name!r} of {label} holds True/False values, not {role}; {fix}")
    if pd.api.types.is_datetime64_any_dtype(values) or kind in ("datetime", "datetime64", "date"):
        raise ColumnTypeError(f"column {name!r} of {label} holds dates, not {role}; {fix}")


# --------------------------------------------------------------------------- customer ids

def parse_customer_ids(values: pd.Series, name: str, label: str) -> tuple[pd.Series, list[str]]:
    """Customer ids with missing ones as NA, and notes; see the module docstring for the rules."""
    fix = "map the customer id column with ColumnMap(customer=...)"
    _refuse_kind(values, name, label, "customer ids", fix)
    if pd.api.types.is_float_dtype(values):
        present = values[np.isfinite(values)]
        whole = (present == np.floor(present)).all() and (present.abs() < _LARGEST_EXACT_INTEGER).all()
        values = values.where(np.isfinite(values))
        return (values.astype("Int64") if whole else values), []
    if pd.api.types.is_numeric_dtype(values):
        return values, []
    text = as_text(values)
    if text.notna().any() and text.dropna().str.lower().isin(["true", "false"]).all():
        raise ColumnTypeError(f"column {name!r} of {label} holds only the words True/False, not customer ids; {fix}")
    whole = text.str.fullmatch(_WHOLE_FLOAT_TEXT).fillna(False).astype(bool)
    notes = []
    if whole.any():
        integers = text[whole].str.replace(r"\.0+$", "", regex=True).str.lstrip("+")
        also_plain = integers.isin(text[~whole]).sum()
        notes.append(f"{int(whole.sum()):,} customer ids written like {text[whole].iloc[0]!r} were read as whole "
                     f"numbers ({text[whole].iloc[0]!r} is customer {integers.iloc[0]!r}); {int(also_plain):,} of "
                     "them match ids written without '.0', which are the same customers")
        text = text.mask(whole, integers)
    return text, notes


# --------------------------------------------------------------------------- amounts

@dataclass(frozen=True)
class _Money:
    """One text amount taken apart: its sign, its digits with their separators, its currency."""

    negative: bool
    number: str
    currency: str | None
    proves: str | None      # the decimal mark this number proves ("." or ","), if any
    ambiguous: bool         # one separator and three digits after it: 1,234 or 1.234


def _take_apart(text: str) -> _Money | None:
    match = _MONEY.fullmatch(text.translate(_SPACES).strip())
    if match is None or bool(match["open"]) != bool(match["close"]):
        return None
    signs = [s for s in (match["sign"], match["sign2"], match["trailing"]) if s]
    if len(signs) > 1 or (match["before"] and match["after"]) or (signs and match["open"]):
        return None
    number = match["number"]
    proves, ambiguous = _decimal_evidence(number)
    if proves == "invalid":
        return None
    currency = _CURRENCY.get(match["before"] or match["after"] or "")
    return _Money(bool(match["open"]) or signs == ["-"], number, currency, proves, ambiguous)


def _decimal_evidence(number: str) -> tuple[str | None, bool]:
    """(the decimal mark ``number`` proves, or None, or "invalid"; whether it is ambiguous)."""
    if re.fullmatch(r"\d+", number):
        return None, False
    grouped = re.fullmatch(r"\d{1,3}(?:[ ']\d{3})+(?:([.,])\d+)?", number)
    if grouped:
        return grouped[1], False
    if "." in number and "," in number:
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d+", number):
            return ".", False
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", number):
            return ",", False
        return "invalid", False
    for mark, other in ((",", "."), (".", ",")):
        if mark not in number:
            continue
        if number.count(mark) > 1:
            return (other, False) if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+", number) else ("invalid",
                                                                                                        False)
        if re.fullmatch(rf"[1-9]\d{{0,2}}{re.escape(mark)}\d{{3}}", number):
            return None, True
        return (mark, False) if re.fullmatch(rf"\d+{re.escape(mark)}\d+", number) else ("invalid", False)
    return "invalid", False


def _number_value(money: _Money, decimal: str) -> float:
    """The value of a taken-apart amount once the decimal mark is known (NaN if it does not fit that mark)."""
    thousands = "," if decimal == "." else "."
    number, d = money.number, re.escape(decimal)
    if re.fullmatch(rf"\d+(?:{d}\d+)?", number):
        digits = number
    elif any(re.fullmatch(rf"\d{{1,3}}(?:{re.escape(t)}\d{{3}})+(?:{d}\d+)?", number) for t in (thousands, " ", "'")):
        digits = re.sub(rf"[^\d{d}]", "", number)
    else:
        return np.nan
    value = float(digits.replace(decimal, "."))
    return -value if money.negative else value


def parse_amounts(values: pd.Series, name: str, label: str, decimal: str | None = None) -> NumberParse:
    """Read a column of amounts (or quantities, prices) by the rules of the module docstring.

    Returns float64 values with NaN where a value is missing or not a number, and the masks saying which.
    Infinite values (``inf``, ``1e400``) come back as they are, for the caller to count.

    Raises
    ------
    ColumnTypeError
        For a column of True/False or dates, or of text in which no value is a number.
    AmbiguousNumberError
        When the decimal mark is not settled (see the module docstring).
    MixedCurrencyError
        When amounts carry different currencies.
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.' or ',' (or None to detect it), got {decimal!r}")
    _refuse_kind(values, name, label, "numbers", "map a numeric column")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        return NumberParse(numbers, numbers.isna(), pd.Series(False, index=values.index))
    stored = _stored_numbers(values)  # numbers kept as numbers in an object column (Excel cells, DataFrames)
    text = as_text(values.mask(stored.notna()))
    missing = (text.isna() & stored.isna()).astype(bool)
    plain = pd.to_numeric(text, errors="coerce").astype("float64").fillna(stored)  # '.' decimal, no signs
    money = _Written(text, text.notna() & plain.isna())
    dotted = plain.notna() & text.str.contains(".", regex=False).fillna(False).astype(bool)
    three_decimals = text.str.fullmatch(r"[+-]?[1-9]\d{0,2}\.\d{3}").fillna(False).astype(bool)
    proves_dot = (dotted & ~three_decimals) | money.flag(lambda m: m.proves == ".")
    proves_comma = money.flag(lambda m: m.proves == ",")
    ambiguous = (dotted & three_decimals) | money.flag(lambda m: m.ambiguous)
    settled = decimal is None
    if settled:
        decimal = _settle_decimal(proves_dot, proves_comma, ambiguous, text, name, label)
    if decimal == ",":
        money = _Written(text, text.notna())  # every text row: '.' now groups thousands
        numbers = stored.to_numpy(copy=True)
    else:
        numbers = plain.to_numpy(copy=True)
    numbers[money.positions] = money.values(decimal)
    numbers = pd.Series(numbers, index=text.index)
    notes: list[str] = []
    proof = proves_comma if decimal == "," else proves_dot
    if settled and (ambiguous.any() or decimal == ","):
        shown = int(np.argmax((ambiguous if ambiguous.any() else proof).to_numpy()))
        notes.append(f"{name!r} uses {decimal!r} as the decimal mark, as rows such as these prove: "
                     f"{example_rows(proof, text)}; so {text.iloc[shown]!r} was read as {numbers.iloc[shown]:.12g}")
    _check_currencies(money, name, label, notes)
    bad = (numbers.isna() & ~missing).astype(bool)
    if bad.any() and bad.sum() == (~missing).sum():
        raise ColumnTypeError(
            f"column {name!r} of {label} should hold numbers but holds text such as {text[bad].iloc[0]!r}; "
            "check that the column map points at the right column, or convert the column first.")
    return NumberParse(numbers, missing, bad, tuple(notes))


def _stored_numbers(values: pd.Series) -> pd.Series:
    """The values that are stored as numbers (not text, not True/False), as float64; NaN elsewhere."""
    if values.dtype != object:
        return pd.Series(np.nan, index=values.index)
    numeric = values.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_))
    return values.where(numeric.astype(bool)).astype("float64")


class _Written:
    """The text amounts of the rows in ``mask``, taken apart once per distinct value."""

    def __init__(self, text: pd.Series, mask: pd.Series):
        self.index = text.index
        self.positions = np.flatnonzero(mask.to_numpy())
        self.codes, uniques = pd.factorize(text.iloc[self.positions])
        self.parts = [_take_apart(u) for u in uniques]

    def flag(self, test) -> pd.Series:
        """``test`` of each row's parts (False for rows without parts), on the whole column."""
        per_value = np.array([p is not None and bool(test(p)) for p in self.parts] + [False])
        flags = np.zeros(len(self.index), dtype=bool)
        flags[self.positions] = per_value[self.codes]
        return pd.Series(flags, index=self.index)

    def values(self, decimal: str) -> np.ndarray:
        """Each row's amount read with ``decimal`` as decimal mark (NaN where it cannot be)."""
        per_value = np.array([np.nan if p is None else _number_value(p, decimal) for p in self.parts] + [np.nan])
        return per_value[self.codes]

    def currencies(self) -> pd.Series:
        """Rows per currency."""
        per_value = np.array([None if p is None else p.currency for p in self.parts] + [None], dtype=object)
        return pd.Series(per_value[self.codes], dtype="object").dropna().value_counts()


def _settle_decimal(proves_dot, proves_comma, ambiguous, text, name, label) -> str:
    if proves_dot.any() and proves_comma.any():
        raise AmbiguousNumberError(
            f"column {name!r} of {label} mixes '.' as decimal mark ({int(proves_dot.sum()):,} "
            f"{example_rows(proves_dot, text)}) with ',' as decimal mark ({int(proves_comma.sum()):,} "
            f"{example_rows(proves_comma, text)}); fix those rows, or pass decimal='.' or decimal=',' "
            "(rows that do not fit it are then reported as non-numeric).")
    if proves_comma.any():
        return ","
    if proves_dot.any() or not ambiguous.any():
        return "."
    first = text[ambiguous].iloc[0]
    raise AmbiguousNumberError(
        f"{int(ambiguous.sum()):,} values of column {name!r} of {label} such as {first!r} can be read as "
        f"{_number_value(_take_apart(first), '.'):g} or {_number_value(_take_apart(first), ','):g} and no value "
        f"settles which ({example_rows(ambiguous)}); pass decimal='.' if ',' groups thousands or decimal=',' if it "
        "is the decimal mark.")


def _check_currencies(money: _Written, name: str, label: str, notes: list[str]) -> None:
    counts = money.currencies()
    if len(counts) > 1:
        raise MixedCurrencyError(
            f"column {name!r} of {label} mixes currencies {counts.to_dict()}; amounts in different currencies "
            "cannot be summed — convert them to one currency first (or split the log by currency).")
    if len(counts):
        notes.append(f"{int(counts.iloc[0]):,} amounts in {name!r} carried the currency {counts.index[0]} "
                     "(sign or code removed)")

"""Date cells to timestamps, by explicit rules: the day/month order is settled by the data, never guessed.

Each text date is read by the first rule that fits it:

1. ``date_format``, when given — a strftime format such as ``"%d/%m/%Y"`` or ``"%Y年%m月%d日"``. Rows that do
   not match it are read by the rules below, taking the day/month order from the format.
2. ISO 8601 and other year-first dates: ``2024-03-05``, ``2024-03-05T14:30:00``, ``2024/3/5``,
   ``2024.03.05``, Chinese ``2024年3月5日`` (also with a time: ``2024年3月5日 14:30``, ``2024年3月5日14时30分``).
3. Day and month as numbers before the year: ``05/03/2024``, ``5.3.24``, ``05-03-2024``. Their order is
   settled by the column: a first field above 12 proves day-first (``31/12/2023``), a second field above 12
   proves month-first (``12/31/2023``). The proven order is used for every row and said in a note. When rows
   prove both orders, or none does while some dates read differently either way (``02/10/2023``: 2 October or
   February 10), :class:`~crmlab.errors.AmbiguousDateError` counts the rows and asks for ``date_format=``.
   Two-digit years are 2000-2068 for 00-68 and 1969-1999 for 69-99 (as strptime's ``%y``).
4. ``YYYYMMDD`` (``19970101``) and Excel serial day numbers (``45356`` = 2024-03-05, days since 1899-12-30,
   accepted from 1910 to 2099), whether stored as numbers or as text.
5. Dates with an English month name and a four-digit year: ``5 March 2024``, ``Mar 5, 2024``.

Anything else is unparseable, partial dates included (``2024-03``, ``2024``: a purchase has a day). Times
``HH:MM[:SS[.ffffff]]`` may follow, with ``AM``/``PM``. A UTC offset after the time (``Z``, ``+08:00``) is
handled by ``mixed_time_zones``: one offset throughout keeps the wall-clock time; several offsets raise
:class:`~crmlab.errors.MixedTimeZoneError`, or with ``"utc"`` convert every timestamp to UTC (timestamps
without an offset are then taken as UTC). A column of datetimes is kept as it is (a time zone is dropped,
keeping wall-clock time). The result is naive ``datetime64``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import AmbiguousDateError, ColumnTypeError, DateParseError, MixedTimeZoneError
from .parsing import as_text, example_rows

__all__ = ["DateParse", "parse_dates"]

_TIME = r"(?:(?:\s*T\s*|\s+|(?<=日))(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<F>\d{1,9}))?)?" \
        r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?)?"
_YEAR_FIRST = re.compile(r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?" + _TIME)
_DAY_MONTH = re.compile(r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_SERIAL = re.compile(r"\d{4,5}(?:\.\d+)?")
_MONTH_NAME = re.compile(r"(?i)(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])")
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_CHINESE_TIME = [(re.compile(r"(\d{1,2})[时時](\d{1,2})分(\d{1,2})秒"), r"\1:\2:\3"),
                 (re.compile(r"(\d{1,2})[时時](\d{1,2})分"), r"\1:\2")]
_ISO = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?"
_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"  # a string: pyarrow runs it
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_RANGE = (3654, 73050)             # 1910-01-01 .. 2099-12-31
_KINDS = {"iso": "ISO 8601", "format": "date_format", "year_first": "year-first (2024/3/5, 2024年3月5日)",
          "day_first": "day/month/year", "month_first": "month/day/year", "compact": "YYYYMMDD",
          "serial": "Excel serial day numbers", "named": "with a month name"}


@dataclass(frozen=True)
class DateParse:
    """A column read as dates: naive datetimes (NaT where missing or unreadable), masks, notes."""

    dates: pd.Series
    missing: pd.Series
    unparseable: pd.Series
    mixed_time_zone: pd.Series
    notes: tuple[str, ...] = ()


def parse_dates(values: pd.Series, name: str, label: str, *, date_format: str | None = None,
                mixed_time_zones: str = "raise") -> DateParse:
    """Read a date column by the rules of the module docstring.

    Raises
    ------
    ColumnTypeError
        For True/False, or numbers that are neither YYYYMMDD nor Excel serial days.
    AmbiguousDateError
        When the day/month order of numeric dates is not settled.
    MixedTimeZoneError
        For several UTC offsets with ``mixed_time_zones="raise"``.
    DateParseError
        For a ``date_format`` that is not a strftime format.
    """
    index = values.index
    no_rows = pd.Series(False, index=index)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        dates = values.dt.tz_localize(None)
        return DateParse(dates, dates.isna(), no_rows, no_rows,
                         (f"dates in time zone {values.dtype.tz} were kept as local wall-clock time",))
    if pd.api.types.is_datetime64_dtype(values):
        return DateParse(values, values.isna(), no_rows, no_rows)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.infer_dtype(values, skipna=True) == "boolean":
        raise ColumnTypeError(f"date column {name!r} of {label} holds True/False values, not dates; "
                              "map the date column with ColumnMap(date=...)")
    if pd.api.types.is_numeric_dtype(values):
        return _numeric_dates(values, name, label, date_format)
    if pd.api.types.infer_dtype(values, skipna=True) in ("datetime", "datetime64", "date"):
        return parse_dates(pd.to_datetime(values), name, label)  # datetimes as objects (Excel cells)
    text = as_text(values)
    missing = text.isna()
    text, utc, mixed, notes = _offsets(text, missing, name, label, mixed_time_zones)
    dates = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    kinds = pd.Series("", index=index, dtype="object")
    order = None
    if date_format is not None:
        order = _order_of(date_format)
        dates[~missing] = _with_format(text[~missing], date_format, name)
        kinds[dates.notna()] = "format"
    rest = dates.isna() & ~missing
    iso = rest & text.str.fullmatch(_ISO).fillna(False).astype(bool)
    if iso.any():
        read = pd.to_datetime(text[iso], format="ISO8601", errors="coerce", utc=utc)
        dates[iso] = read.dt.tz_convert(None) if utc else read
        kinds[iso] = "iso"
    rest &= ~iso
    if rest.any():
        other, other_kinds, order_note = _read_other(text[rest], order, name, label)
        dates[rest], kinds[rest] = other, other_kinds
        notes += [order_note] if order_note else []
    found = kinds[dates.notna()].value_counts()
    automatic = found.drop("format", errors="ignore")
    if date_format is not None and automatic.sum():
        notes.append(f"{int(automatic.sum()):,} dates did not match date_format {date_format!r} and were read by "
                     "the automatic rules: " + _describe(automatic))
    elif date_format is None and set(found.index) - {"iso"}:
        notes.append(f"dates in {name!r} read as " + _describe(found))
    unparseable = (dates.isna() & ~missing).astype(bool)
    return DateParse(dates, missing.astype(bool), unparseable, mixed, tuple(notes))


def _describe(found: pd.Series) -> str:
    return ", ".join(f"{int(n):,} {_KINDS[kind]}" for kind, n in found.items())


def _order_of(date_format: str) -> str | None:
    """"day_first" or "month_first" as ``date_format`` puts them, None if it has no %d and %m."""
    day, month = date_format.find("%d"), max(date_format.find("%m"), date_format.find("%b"), date_format.find("%B"))
    if day < 0 or month < 0:
        return None
    return "day_first" if day < month else "month_first"


def _with_format(text: pd.Series, date_format: str, name: str) -> pd.Series:
    try:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    except ValueError as error:
        raise DateParseError(f"date_format {date_format!r} for column {name!r} is not a strftime format ({error}); "
                             "write it like '%d/%m/%Y' or '%Y年%m月%d日'") from error


def _offsets(text: pd.Series, missing: pd.Series, name: str, label: str, policy: str):
    """Text without a single shared UTC offset, whether to convert to UTC, the mixed-offset mask, notes."""
    index = text.index
    mixed = pd.Series(False, index=index)
    if not text.str.contains(_OFFSET.replace("(Z|", "(?:Z|"), regex=True).fillna(False).any():  # fast; extract is not
        return text, False, mixed, []
    offsets = text.str.extract(_OFFSET, expand=False)
    labels = offsets.str.replace("Z", "+00:00").str.replace(r"^([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
    labels = labels.fillna("none")[~missing]
    counts = labels.value_counts()
    if len(counts) == 1:
        text = text.str.replace(r"\s*(Z|[+-]\d{2}(?::?\d{2})?)$", "", regex=True)
        return text, False, mixed, [f"every timestamp carries offset {counts.index[0]}; kept as local wall-clock time"]
    mixed[~missing] = (labels != counts.index[0]).to_numpy()
    if policy == "raise":
        raise MixedTimeZoneError(
            f"date column {name!r} of {label} mixes UTC offsets {dict(counts)} ({int(mixed.sum()):,} rows differ "
            f"from {counts.index[0]}), so the order of purchases is ambiguous. Pass mixed_time_zones='utc' to "
            "convert every timestamp to UTC (timestamps without an offset are then taken as UTC).")
    return text, True, mixed, [f"mixed UTC offsets {dict(counts)} converted to UTC"]


def _numeric_dates(values: pd.Series, name: str, label: str, date_format: str | None) -> DateParse:
    index = values.index
    missing = values.isna()
    present = values[~missing].astype("float64")
    whole = bool((present == np.floor(present)).all())
    notes = []
    if date_format is not None or (whole and present.between(10_000_101, 99_991_231).all()):
        digits = values.astype("Float64").round().astype("Int64").astype("string")
        dates = pd.to_datetime(digits, format=date_format or "%Y%m%d", errors="coerce")
        notes = [] if date_format else [f"dates in {name!r} are numbers read as YYYYMMDD "
                                        f"(e.g. {int(present.iloc[0])} = {dates[~missing].iloc[0]:%Y-%m-%d})"]
    elif present.between(*_SERIAL_RANGE).all():
        dates = _EXCEL_EPOCH + pd.to_timedelta(values.astype("float64"), unit="D")
        notes = [f"dates in {name!r} are numbers read as Excel serial days "
                 f"(e.g. {present.iloc[0]:g} = {dates[~missing].iloc[0]:%Y-%m-%d})"]
    else:
        raise ColumnTypeError(
            f"date column {name!r} of {label} holds numbers (e.g. {present.iloc[0]:g}) that are neither YYYYMMDD "
            "dates nor Excel serial days of 1910-2099; pass date_format= (e.g. date_format='%Y%m%d'), or convert "
            "them first (Unix seconds: pandas.to_datetime(column, unit='s')).")
    dates = dates.astype("datetime64[us]")
    return DateParse(dates, missing.astype(bool), (dates.isna() & ~missing).astype(bool),
                     pd.Series(False, index=index), tuple(notes))


def _read_other(text: pd.Series, order: str | None, name: str, label: str):
    """Dates by rules 2-5 of the module docstring: (dates, kind of each row, note on the day/month order)."""
    codes, uniques = pd.factorize(text)
    fields = pd.DataFrame([_fields(u) for u in uniques],
                          columns=["kind", "y", "a", "b", "H", "M", "S", "F", "pm"]).iloc[codes]
    fields.index = text.index
    numeric = fields["kind"] == "day_month"
    note = None
    if numeric.any():
        order, note = _settle_order(fields[numeric], text[numeric], order, name, label)
        fields.loc[numeric, "kind"] = order
    day_first = fields["kind"] == "day_first"
    month = fields["a"].where(~day_first, fields["b"])
    day = fields["b"].where(~day_first, fields["a"])
    pm = fields["pm"]
    hour = fields["H"].where(pm.isna(), fields["H"] % 12 + 12 * pm.eq(1))
    valid = (month.between(1, 12) & day.between(1, 31) & fields["H"].fillna(0).between(0, 23)
             & (pm.isna() | fields["H"].between(1, 12))
             & fields["M"].fillna(0).between(0, 59) & fields["S"].fillna(0).between(0, 59))
    parts = pd.DataFrame({"year": fields["y"], "month": month, "day": day, "hour": hour.fillna(0),
                          "minute": fields["M"].fillna(0), "second": fields["S"].fillna(0),
                          "us": fields["F"].fillna(0)}).where(valid)
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    assembled = valid & fields["y"].notna()
    if assembled.any():
        dates[assembled] = pd.to_datetime(parts[assembled].astype("int64"), errors="coerce")
    serial = fields["kind"] == "serial"
    dates[serial] = _EXCEL_EPOCH + pd.to_timedelta(fields.loc[serial, "a"], unit="D")
    named = fields["kind"] == "named"
    if named.any():
        dates[named] = pd.to_datetime(text[named], format="mixed", errors="coerce")
    kinds = fields["kind"].where(dates.notna(), "")
    return dates, kinds, note


def _fields(value: str) -> tuple:
    """(kind, year, first field, second field, hour, minute, second, microsecond, pm) of one text date."""
    for pattern, replacement in _CHINESE_TIME:
        value = pattern.sub(replacement, value)
    for pattern, kind in ((_YEAR_FIRST, "year_first"), (_DAY_MONTH, "day_month"), (_COMPACT, "compact")):
        match = pattern.fullmatch(value)
        if match is None:
            continue
        groups = match.groupdict()
        year = int(groups["y"])
        if len(groups["y"]) == 2:
            year += 2000 if year < 69 else 1900
        first, second = (int(groups["m"]), int(groups["d"])) if kind != "day_month" else (int(groups["a"]),
                                                                                          int(groups["b"]))
        ampm = groups.get("ampm")
        return (kind, year, first, second, _int(groups.get("H")), _int(groups.get("M")), _int(groups.get("S")),
                int((groups.get("F") or "0")[:6].ljust(6, "0")), None if not ampm else float(ampm[0] in "Pp"))
    if _SERIAL.fullmatch(value) and _SERIAL_RANGE[0] <= float(value) <= _SERIAL_RANGE[1]:
        return ("serial", None, float(value), None, None, None, None, None, None)
    if _MONTH_NAME.search(value) and _FOUR_DIGIT_YEAR.search(value):
        return ("named", None, None, None, None, None, None, None, None)
    return ("", None, None, None, None, None, None, None, None)


def _int(text: str | None) -> float:
    return np.nan if text is None else float(text)


def _settle_order(fields: pd.DataFrame, text: pd.Series, order: str | None, name: str, label: str):
    """The day/month order of numeric dates (see rule 3), and a note saying how it was settled."""
    day_first = (fields["a"] > 12) & (fields["b"] <= 12)
    month_first = (fields["b"] > 12) & (fields["a"] <= 12)
    if order is not None:
        return order, None
    if day_first.any() and month_first.any():
        raise AmbiguousDateError(
            f"date column {name!r} of {label} mixes day-first dates ({int(day_first.sum()):,} "
            f"{example_rows(day_first, text)}) with month-first dates ({int(month_first.sum()):,} "
            f"{example_rows(month_first, text)}); fix the file, or pass date_format= with the right order "
            "(rows that do not fit it are then reported as unparseable).")
    proof = day_first if day_first.any() else month_first
    if proof.any():
        settled = "day_first" if day_first.any() else "month_first"
        words = "day/month/year" if settled == "day_first" else "month/day/year"
        return settled, (f"dates in {name!r} were read as {words}, as rows with a "
                         f"{'day' if settled == 'day_first' else 'month'} above 12 prove ({example_rows(proof, text)})")
    ambiguous = fields["a"] != fields["b"]
    if ambiguous.any():
        example = text[ambiguous].iloc[0]
        first, second = fields.loc[ambiguous, ["a", "b"]].iloc[0].astype(int)
        match = _DAY_MONTH.fullmatch(example)
        sep, year = match["sep"], "%Y" if len(match["y"]) == 4 else "%y"
        raise AmbiguousDateError(
            f"{int(ambiguous.sum()):,} dates of column {name!r} of {label} such as {example!r} can be read day-first "
            f"(day {first}, month {second}) or month-first (month {first}, day {second}), and no date settles "
            f"which ({example_rows(ambiguous)}); pass date_format='%d{sep}%m{sep}{year}' (day first) or "
            f"date_format='%m{sep}%d{sep}{year}' (month first).")
    return "day_first", None

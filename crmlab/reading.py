"""Reading a transaction file as it is: its type, character encoding, delimiter, header and sheet.

:func:`read_table` turns a file into a DataFrame of the file's values without judging them (that is
:mod:`crmlab.transactions`' job), says how it read the file, and refuses with a crmlab error naming the
file and the fix whatever cannot be read as a table:

File types
    ``.csv``, ``.txt`` and ``.tsv`` are text, ``.parquet`` (or a folder of Parquet parts) and ``.xlsx``,
    ``.xlsm``, ``.xls`` workbooks. Anything else, a folder without Parquet parts, a binary file under a text
    name (an ``.xlsx`` renamed ``.csv`` is recognised and named) and a corrupt workbook or Parquet file raise
    :class:`~crmlab.errors.FileFormatError`; a missing file :class:`~crmlab.errors.InputNotFoundError`.
Encoding (text files)
    ``encoding`` when given; otherwise a byte-order mark (UTF-8, UTF-16 — Excel's "Unicode text"), then
    UTF-8, then GB18030 (the superset of GBK and GB2312 that Chinese Windows and Excel write) when the
    bytes decode and read as Chinese (most two-byte characters in the GB2312 range, which Latin-1 text
    misread as GB18030 is not). Otherwise :class:`~crmlab.errors.EncodingError` names the first bad byte
    and suggests ``encoding=``. The whole file is checked, not a sample.
Delimiter (text files)
    Tab for ``.tsv``; otherwise whichever of ``,`` ``;`` tab ``|`` splits the header into the most
    fields (more than one) and splits the following lines the same way.
Header
    Names are stripped of surrounding spaces and of a byte-order mark. A name that occurs twice (after
    stripping) is kept apart as ``name.1`` like pandas does, and reported in :attr:`TableFile.repeated`,
    so that a caller mapping that name can refuse it.
Excel
    ``sheet_name`` (a name or a 0-based position; default the first sheet). A missing sheet raises
    :class:`~crmlab.errors.SheetNotFoundError` listing the workbook's sheets.

Columns named in ``text_columns`` are read from text files as text (pandas' CSV reader would otherwise turn
``00123`` into 123 and ``1.234`` into 1.234), so that :mod:`crmlab.parsing` and :mod:`crmlab.dates` apply
their rules; from Excel as the cells' own values (a number cell stays a number, a text cell ``00123`` text).
Parquet columns keep their types.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import EmptyDataError, EncodingError, FileFormatError, InputNotFoundError, SheetNotFoundError

__all__ = ["TEXT_SUFFIXES", "EXCEL_SUFFIXES", "TableFile", "detect_encoding", "read_table", "sniff_delimiter"]

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 24
_MAGIC = {b"PK\x03\x04": ("a zip archive — an .xlsx workbook is one", ".xlsx"),
          b"PAR1": ("a Parquet file", ".parquet"),
          b"\xd0\xcf\x11\xe0": ("an old Excel workbook (OLE2)", ".xls"),
          b"%PDF": ("a PDF document", None),
          b"\x1f\x8b": ("a gzip-compressed file", None)}
_ENCODING_HINT = ("pass encoding= — 'latin-1' or 'cp1252' for Western European Excel exports, 'gb18030' for "
                  "Chinese, 'big5' for traditional Chinese, 'shift_jis' for Japanese")


@dataclass(frozen=True)
class TableFile:
    """A file read as a table, and how it was read."""

    frame: pd.DataFrame
    repeated: dict[str, list[str]]          # stripped name -> the header's spellings, for names seen twice or more
    notes: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


def read_table(path: str | Path, *, text_columns: Collection[str] = (), encoding: str | None = None,
               sheet_name: str | int = 0) -> TableFile:
    """Read a CSV/TXT/TSV, Parquet or Excel file by the rules of the module docstring."""
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"transaction file {path} does not exist (working directory: {Path.cwd()})")
    wanted = {str(name).strip() for name in text_columns}
    if path.is_dir():
        parts = sorted(path.glob("*.parquet"))
        if not parts:
            shown = ", ".join(p.name for p in sorted(path.iterdir())[:5]) or "nothing"
            raise FileFormatError(f"{path} is a folder, not a file (it holds {shown}); name the transaction file "
                                  "itself (a folder is read only when it holds Parquet parts)")
        return _read_parquet(path)
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise EmptyDataError(f"{path} is empty (0 bytes): it has no header and no rows.")
    with path.open("rb") as handle:
        head = handle.read(8)
    if suffix in TEXT_SUFFIXES:
        _refuse_binary(path, head)
        return _read_text(path, suffix, wanted, encoding)
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, wanted, sheet_name)
    looks = next((f" (its content is {kind})" for magic, (kind, _) in _MAGIC.items() if head.startswith(magic)), "")
    raise FileFormatError(f"{path}: unknown file type {suffix or '(no extension)'!r}{looks}; crmlab reads .csv, "
                          ".txt, .tsv, .parquet, .xlsx, .xlsm and .xls (or read it yourself and pass the DataFrame)")


def _refuse_binary(path: Path, head: bytes) -> None:
    for magic, (kind, suffix) in _MAGIC.items():
        if head.startswith(magic):
            rename = f"; rename it to {path.with_suffix(suffix).name}" if suffix else ""
            raise FileFormatError(f"{path} is not a text file but {kind}{rename}")


# --------------------------------------------------------------------------- text files

def detect_encoding(path: Path) -> tuple[str, str | None]:
    """(encoding, note) of a text file; see the module docstring for the order of the checks."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with a byte-order mark"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 (Excel 'Unicode text')"
    if b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > 0.4 * len(sample) / 2 and min(even, odd) == 0:
            return ("utf-16-le", "UTF-16 little-endian without a byte-order mark") if odd else \
                ("utf-16-be", "UTF-16 big-endian without a byte-order mark")
        raise FileFormatError(f"{path} is not a text file: it holds NUL bytes (binary data); export the table as "
                              "CSV, or read it with the program that wrote it")
    failure = _decoding_failure(path, "utf-8")
    if failure is None:
        return "utf-8", None
    if _decoding_failure(path, "gb18030") is None and _reads_as_chinese(sample):
        return "gb18030", "GB18030 (GBK) — Chinese Windows/Excel encoding, detected"
    raise EncodingError(f"{path} is not UTF-8 ({failure}) nor UTF-16 or Chinese GB18030; {_ENCODING_HINT}.")


def _decoding_failure(path: Path, encoding: str) -> str | None:
    """None if the whole file decodes with ``encoding``, else where it fails (byte, line)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, done = 1, 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_CHUNK_BYTES)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                bad = block[error.start:error.start + 1]
                line += block[:error.start].count(b"\n")
                return f"byte {bad!r} at line {line}, byte {done + error.start:,}"
            if not block:
                return None
            line += block.count(b"\n")
            done += len(block)


def _reads_as_chinese(sample: bytes) -> bool:
    """Whether most two-byte GB18030 characters of ``sample`` lie in the GB2312 range (both bytes >= 0xA1)."""
    text = sample.decode("gb18030", errors="ignore")
    wide = [c.encode("gb18030") for c in text if ord(c) > 0x7F][:20_000]
    in_gb2312 = sum(len(b) == 2 and b[0] >= 0xA1 and b[1] >= 0xA1 for b in wide)
    return bool(wide) and in_gb2312 >= 0.5 * len(wide)


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a text sample (its first lines), by the rule of the module docstring."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut its last line
    best, best_score = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        rows = [row for row in csv.reader(lines[:50], delimiter=delimiter) if any(cell.strip() for cell in row)]
        if not rows or len(rows[0]) < 2:
            continue
        score = (sum(len(row) == len(rows[0]) for row in rows) / len(rows), len(rows[0]))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_text(path: Path, suffix: str, wanted: set[str], encoding: str | None) -> TableFile:
    notes = []
    if encoding is None:
        encoding, note = detect_encoding(path)
        notes += [f"read as {note}"] if note else []
    else:
        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise EncodingError(f"unknown encoding {encoding!r}; {_ENCODING_HINT}") from error
        failure = _decoding_failure(path, encoding)
        if failure is not None:
            raise EncodingError(f"{path} is not {encoding} ({failure}); {_ENCODING_HINT}, or leave encoding=None "
                                "to detect it.")
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(sample)
    if delimiter != "," and suffix != ".tsv":
        notes.append(f"fields separated by {'tab' if delimiter == chr(9) else repr(delimiter)} (detected)")
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    names, repeated, header_notes = _clean_header(header)
    dtype = {name: "string" for name in names if name in wanted}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, sep=delimiter, encoding=encoding, header=0, names=names, dtype=dtype,
                                index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        problem = " ".join(str(error).replace("Error tokenizing data. C error: ", "").split())
        raise FileFormatError(f"{path} is not a regular table with delimiter {delimiter!r}: {problem}. A field that "
                              "contains the delimiter must be quoted (\"1,234.50\").") from error
    except pd.errors.EmptyDataError as error:
        raise EmptyDataError(f"{path} is empty: it has no header and no rows.") from error
    return TableFile(frame, repeated, tuple(notes + header_notes), encoding=encoding, delimiter=delimiter)


# --------------------------------------------------------------------------- header, Parquet, Excel

def _clean_header(header: list) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Stripped, unique column names; the spellings of repeated names; notes."""
    stripped = [str(name).replace("\ufeff", "").strip() for name in header]
    stripped = [name or f"Unnamed: {position}" for position, name in enumerate(stripped)]
    seen: dict[str, list[str]] = {}
    names = []
    for raw, name in zip(header, stripped, strict=True):
        seen.setdefault(name, []).append(str(raw))
        count = len(seen[name]) - 1
        names.append(name if count == 0 else f"{name}.{count}")
    repeated = {name: spellings for name, spellings in seen.items() if len(spellings) > 1}
    notes = []
    spaced = [str(raw) for raw, name in zip(header, stripped, strict=True) if str(raw) != name]
    if spaced:
        notes.append(f"column names {spaced} had surrounding spaces (or a byte-order mark), removed")
    if repeated:
        notes.append("repeated column names " + ", ".join(f"{name!r} ({len(s)} times)" for name, s in repeated.items())
                     + "; the later ones were renamed name.1, name.2, …")
    return names, repeated, notes


def _read_parquet(path: Path) -> TableFile:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError or its own errors for a damaged file
        raise FileFormatError(f"{path} is not a readable Parquet file ({type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else ''}); check how it was written") \
            from error
    names, repeated, notes = _clean_header(list(frame.columns))
    frame.columns = names
    return TableFile(frame, repeated, tuple(notes))


def _read_excel(path: Path, wanted: set[str], sheet_name: str | int) -> TableFile:
    try:
        book = pd.ExcelFile(path)
    except ImportError as error:
        raise FileFormatError(f"reading {path.suffix} workbooks needs an extra package ({error}); install it, or "
                              "save the workbook as .xlsx or .csv") from error
    except Exception as error:  # zipfile.BadZipFile, xlrd/openpyxl errors, "format cannot be determined"
        raise FileFormatError(f"{path} is not a readable Excel workbook ({type(error).__name__}: {error}); open it "
                              "in Excel and save it again as .xlsx") from error
    sheets = book.sheet_names
    if isinstance(sheet_name, str) and sheet_name not in sheets or isinstance(sheet_name, int) \
            and not -len(sheets) <= sheet_name < len(sheets):
        raise SheetNotFoundError(f"{path} has no sheet {sheet_name!r}; its sheets are {sheets}. "
                                 "Pass sheet_name= with one of them (or its position, 0 for the first).")
    sheet = sheet_name if isinstance(sheet_name, str) else sheets[sheet_name]
    with book:
        first = pd.read_excel(book, sheet, header=None, nrows=1)
        if first.empty:
            raise EmptyDataError(f"sheet {sheet!r} of {path} is empty: it has no header and no rows.")
        names, repeated, notes = _clean_header(["" if pd.isna(v) else v for v in first.iloc[0]])
        frame = pd.read_excel(book, sheet, header=0, names=names, dtype={n: object for n in names if n in wanted})
    if len(sheets) > 1:
        notes.insert(0, f"read sheet {sheet!r} of the {len(sheets)} sheets {sheets}; pass sheet_name= for another")
    return TableFile(frame, repeated, tuple(notes), sheet=sheet)

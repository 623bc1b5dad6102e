"""A catalogue of malformed and awkward transaction logs, as a new user brings them.

Every case is a file written here (no binary fixtures) and states its precise outcome: the values read
(and the rows dropped, per reason), or the crmlab error and the words of its message. Each goes through
the Python API (:func:`crmlab.transactions.clean`) and through the command line (``crmlab data check``,
and for readable files ``crmlab summary``, whose data-quality report must equal ``data check``'s): a
refused file gives exit code 1 and one line ``crmlab: error: …`` on stderr, never a traceback.

The property tests at the end generate logs — ids, dates and amounts written in every style the rules
accept — and check that cleaning accounts for every row, never leaves a NaN, and reads back what was
written.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from crmlab.cli import _as_command_line, main
from crmlab.errors import (
    AllRowsDroppedError,
    AmbiguousColumnError,
    AmbiguousDateError,
    AmbiguousNumberError,
    ColumnTypeError,
    CrmlabError,
    DateParseError,
    EmptyDataError,
    EncodingError,
    FileFormatError,
    InputNotFoundError,
    MissingColumnError,
    MixedCurrencyError,
    MixedTimeZoneError,
    NonFiniteValueError,
    SheetNotFoundError,
)
from crmlab.transactions import ColumnMap, clean, read_transactions

T = pd.Timestamp
HEADER = "customer_id,date,amount\n"
CHINESE = ColumnMap(customer="客户编号", date="订单日期", amount="金额")


# --------------------------------------------------------------------------- how the files are made

def text(content: str | bytes, name: str = "log.csv", encoding: str = "utf-8"):
    """A file with ``content`` (text is encoded with ``encoding``)."""
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path
    return make


def rows(*lines: str, header: str = HEADER, name: str = "log.csv", encoding: str = "utf-8"):
    return text(header + "".join(line + "\n" for line in lines), name, encoding)


def parquet(**columns):
    def make(folder: Path) -> Path:
        path = folder / "log.parquet"
        pd.DataFrame(columns).to_parquet(path)
        return path
    return make


def excel(**sheets):
    def make(folder: Path) -> Path:
        path = folder / "log.xlsx"
        with pd.ExcelWriter(path) as writer:
            for sheet, frame in sheets.items():
                frame.to_excel(writer, sheet_name=sheet, index=False)
        return path
    return make


def renamed(make, name: str):
    """A file made by ``make``, renamed (an .xlsx saved as .csv, …)."""
    def remake(folder: Path) -> Path:
        return make(folder).rename(folder / name)
    return remake


def missing_file(folder: Path) -> Path:
    return folder / "no_such_log.csv"


def folder_of_notes(folder: Path) -> Path:
    (folder / "logs").mkdir()
    (folder / "logs" / "readme.md").write_text("orders go here")
    return folder / "logs"


def log_frame(**changes) -> pd.DataFrame:
    base = {"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-02", "2024-01-03"]), "amount": [10.0, 5.0]}
    return pd.DataFrame({**base, **changes})


# --------------------------------------------------------------------------- outcomes

@dataclass(frozen=True)
class Refused:
    """The file is refused with ``error`` whose message matches ``pattern``."""

    error: type
    pattern: str


@dataclass(frozen=True)
class Reads:
    """The file is read: the clean log's ``values`` (columns → kept values), rows dropped per reason, a note."""

    values: dict
    dropped: dict = field(default_factory=dict)
    note: str | None = None


def case(id: str, make, outcome, **options):
    return pytest.param(make, options, outcome, id=id)


CATALOGUE = [
    # ---- files
    case("empty-file-0-bytes", text(b""), Refused(EmptyDataError, r"log.csv is empty \(0 bytes\)")),
    case("header-only", text(HEADER), Refused(EmptyDataError, "log.csv has no rows")),
    case("wrong-column-names", rows("a,2024-01-02,5", header="client,day,total\n"),
         Refused(MissingColumnError, r"no column 'customer_id' \(as customer_id\).*Its columns are \['client', 'day', "
                                     r"'total'\].*ColumnMap")),
    case("duplicate-column-names", rows("a,2024-01-02,5,6", header="customer_id,date,amount,amount\n"),
         Refused(AmbiguousColumnError, r"2 columns named 'amount'.*rename or delete")),
    case("mapped-column-twice-after-stripping", rows("a,2024-01-02,5,6", header="customer_id,date,amount, amount \n"),
         Refused(AmbiguousColumnError, r"spelled \['amount', ' amount '\]")),
    case("header-names-with-spaces", rows("a,2024-01-02,5", header=" customer_id , date,amount \n"),
         Reads({"customer_id": ["a"], "amount": [5.0]}, note="surrounding spaces")),
    case("file-does-not-exist", missing_file, Refused(InputNotFoundError, "no_such_log.csv does not exist")),
    case("a-directory", folder_of_notes,
         Refused(FileFormatError, r"logs is a folder, not a file \(it holds readme.md\)")),
    case("unknown-extension", text('{"customer_id": 1}', name="log.json"),
         Refused(FileFormatError, r"unknown file type '.json'; crmlab reads .csv")),
    case("binary-file-named-csv", text(bytes(range(256)) * 4), Refused(FileFormatError, "not a text file")),
    case("xlsx-saved-as-csv", renamed(excel(Sheet1=log_frame()), "log.csv"),
         Refused(FileFormatError, r"not a text file but a zip archive.*rename it to log.xlsx")),
    case("corrupt-parquet", text(b"PAR1 this is not parquet PAR1", name="log.parquet"),
         Refused(FileFormatError, "not a readable Parquet file")),
    case("text-named-xlsx", text(HEADER + "a,2024-01-02,5\n", name="log.xlsx"),
         Refused(FileFormatError, "log.xlsx is not a readable Excel workbook")),
    case("xls-workbook", text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), name="log.xls"),
         Refused(FileFormatError, r"(xls workbooks needs an extra package|not a readable Excel workbook)")),
    case("txt-file", rows("a,2024-01-02,5", name="log.txt"), Reads({"amount": [5.0]})),
    case("ragged-rows", rows("a,2024-01-02,5", "b,2024-01-03,5,extra"),
         Refused(FileFormatError, r"not a regular table.*Expected 3 fields in line 3, saw 4.*quoted")),
    # ---- encodings
    case("gbk-chinese-headers", rows("C001,2024-03-05,12.5", "C002,2024-03-06,8", header="客户编号,订单日期,金额\n",
                                     encoding="gb18030"),
         Reads({"customer_id": ["C001", "C002"], "amount": [12.5, 8.0]}, note="GB18030"), columns=CHINESE),
    case("utf8-with-bom", text(b"\xef\xbb\xbf" + (HEADER + "a,2024-01-02,5\n").encode()),
         Reads({"customer_id": ["a"]}, note="byte-order mark")),
    case("utf16-excel-unicode-text", text("customer_id\tdate\tamount\r\na\t2024-01-02\t5\r\n", name="log.txt",
                                          encoding="utf-16"),
         Reads({"customer_id": ["a"], "amount": [5.0]}, note="UTF-16")),
    case("latin1-not-detected", rows("Zoë,2024-01-02,5", "Zürich,2024-01-03,7", encoding="latin-1"),
         Refused(EncodingError, r"not UTF-8 \(byte b'\\xeb' at line 2.*encoding=.*'latin-1'")),
    case("latin1-that-also-decodes-as-gb18030", rows("Müller,2024-01-02,5", "Jürgen,2024-01-03,7", encoding="latin-1"),
         Refused(EncodingError, "not UTF-8 .* nor UTF-16 or Chinese GB18030")),
    case("latin1-with-encoding", rows("Zoë,2024-01-02,5", "Zürich,2024-01-03,7", encoding="latin-1"),
         Reads({"customer_id": ["Zoë", "Zürich"]}), encoding="latin-1"),
    case("wrong-encoding-given", rows("客户,2024-01-02,5"), Refused(EncodingError, r"log.csv is not ascii"),
         encoding="ascii"),
    case("unknown-encoding-name", rows("a,2024-01-02,5"), Refused(EncodingError, "unknown encoding 'klingon'"),
         encoding="klingon"),
    # ---- delimiters and quoting
    case("semicolon-european", rows("a;05.03.2024;1.234,50", "b;31.12.2023;12,5", header="customer_id;date;amount\n"),
         Reads({"date": [T("2024-03-05"), T("2023-12-31")], "amount": [1234.5, 12.5]}, note="';' (detected)")),
    case("tab-separated-csv", rows("a\t2024-01-02\t5", header="customer_id\tdate\tamount\n"),
         Reads({"amount": [5.0]}, note="tab")),
    case("quoted-fields-with-commas", rows('a,2024-01-02,"1,234.50","red, large"', header=HEADER[:-1] + ",note\n"),
         Reads({"amount": [1234.5], "note": ["red, large"]})),
    case("trailing-empty-lines", text(HEADER + "a,2024-01-02,5\nb,2024-01-03,6\n\n\n\n"),
         Reads({"customer_id": ["a", "b"]})),
    # ---- dates
    case("unparseable-dates", rows("a,2024-01-02,5", "b,soon,6", "c,31/02/2024,7"),
         Refused(DateParseError, r"2 values of column 'date'.*rows \[1, 2\].*'soon'.*date_format=")),
    case("unparseable-dates-dropped", rows("a,2024-01-02,5", "b,soon,6"),
         Reads({"customer_id": ["a"]}, {"unparseable_date": 1}), invalid_dates="drop"),
    case("partial-dates", rows("a,2024-03,5", "b,2024-01-03,6"), Refused(DateParseError, r"rows \[0\].*'2024-03'")),
    case("mixed-date-formats", rows("a,2024-03-05,5", "b,31/12/2023,6", "c,5 March 2024,7"),
         Reads({"date": [T("2024-03-05"), T("2023-12-31"), T("2024-03-05")]},
               note="1 ISO 8601")),
    case("day-first-proven-by-a-day-above-12", rows("a,02/10/2023,5", "b,31/12/2023,6"),
         Reads({"date": [T("2023-10-02"), T("2023-12-31")]}, note="day/month/year, as rows with a day above 12")),
    case("month-first-proven-by-a-month-field-above-12", rows("a,02/10/2023,5", "b,12/31/2023,6"),
         Reads({"date": [T("2023-02-10"), T("2023-12-31")]}, note="month/day/year")),
    case("day-month-order-unsettled", rows("a,02/10/2023,5", "b,03/04/2023,6"),
         Refused(AmbiguousDateError, r"2 dates of column 'date'.*'02/10/2023'.*no date settles which.*"
                                     r"date_format='%d/%m/%Y' \(day first\)")),
    case("day-month-order-given", rows("a,02/10/2023,5", "b,03/04/2023 14:30,6"),
         Reads({"date": [T("2023-10-02"), T("2023-04-03 14:30")]}), date_format="%d/%m/%Y"),
    case("day-first-and-month-first-mixed", rows("a,31/12/2023,5", "b,12/31/2023,6"),
         Refused(AmbiguousDateError, r"mixes day-first dates \(1 rows \[0\].*month-first dates \(1 rows \[1\]")),
    case("one-utc-offset", rows("a,2024-03-05T10:00:00+08:00,5", "b,2024-03-05T11:00:00+08:00,6"),
         Reads({"date": [T("2024-03-05 10:00"), T("2024-03-05 11:00")]}, note="offset +08:00")),
    case("parquet-time-zone-aware", parquet(customer_id=["a", "b"], amount=[1.0, 2.0], date=pd.to_datetime(
        ["2024-03-05 10:00", "2024-03-05 11:00"]).tz_localize("Asia/Shanghai")),
         Reads({"date": [T("2024-03-05 10:00"), T("2024-03-05 11:00")]}, note="time zone Asia/Shanghai")),
    case("mixed-utc-offsets", rows("a,2024-03-05T10:00:00+08:00,5", "b,2024-03-05T10:00:00Z,6"),
         Refused(MixedTimeZoneError, r"mixes UTC offsets.*mixed_time_zones='utc'")),
    case("after-the-observation-end", rows("a,2024-01-02,5", "b,2024-02-01,6"),
         Reads({"customer_id": ["a"]}, {"after_observation_end": 1}), observation_end="2024-01-31"),
    case("after-today", rows("a,2024-01-02,5", "b,2999-01-01,6"), Reads({"customer_id": ["a"]}, {"after_today": 1})),
    case("dates-as-yyyymmdd-text", rows("a,19970101,5", "b,19970102,6"),
         Reads({"date": [T("1997-01-01"), T("1997-01-02")]}, note="YYYYMMDD")),
    case("dates-as-yyyymmdd-numbers", parquet(customer_id=["a", "b"], date=[19970101, 19970102], amount=[5.0, 6.0]),
         Reads({"date": [T("1997-01-01"), T("1997-01-02")]}, note="YYYYMMDD")),
    case("dates-as-excel-serials-in-csv", rows("a,45356,5", "b,45357.5,6"),
         Reads({"date": [T("2024-03-05"), T("2024-03-06 12:00")]}, note="Excel serial")),
    case("numbers-that-are-not-dates", parquet(customer_id=["a", "b"], date=[5, 6], amount=[5.0, 6.0]),
         Refused(ColumnTypeError, r"holds numbers \(e.g. 5\) that are neither YYYYMMDD.*date_format=")),
    case("chinese-dates", rows("a,2024年3月5日,5", "b,2024年3月5日 14:30,6", "c,2024年3月6日9时05分,7"),
         Reads({"date": [T("2024-03-05"), T("2024-03-05 14:30"), T("2024-03-06 09:05")]})),
    case("chinese-dates-with-format", rows("a,2024年3月5日,5"), Reads({"date": [T("2024-03-05")]}),
         date_format="%Y年%m月%d日"),
    case("bad-date-format", rows("a,2024-01-02,5"), Refused(DateParseError, "date_format '%Q' .* is not a strftime"),
         date_format="%Q"),
    case("bad-observation-end", rows("a,2024-01-02,5"), Refused(CrmlabError, "observation_end 'end of May' is not a "
                                                                             "date"), observation_end="end of May"),
    # ---- amounts
    case("yuan-sign-and-thousands", rows("a,2024-01-02,\"¥1,234.50\"", "b,2024-01-03,￥8", "c,2024-01-04,12元"),
         Reads({"amount": [1234.5, 8.0, 12.0]}, note="currency CNY")),
    case("dollar-sign-and-thousands", rows('a,2024-01-02,"$1,234.50"', "b,2024-01-03,$8"),
         Reads({"amount": [1234.5, 8.0]}, note="currency USD")),
    case("european-decimal-comma", rows('a,2024-01-02,"1.234,50"', 'b,2024-01-03,"12,5"'),
         Reads({"amount": [1234.5, 12.5]}, note="',' as the decimal mark")),
    case("space-thousands", rows('a,2024-01-02,"1 234,50"', "b,2024-01-03,7"), Reads({"amount": [1234.5, 7.0]})),
    case("accounting-negative", rows("a,2024-01-02,20.00", "a,2024-01-03,(12.00)"),
         Reads({"amount": [8.0]}, {"cancellation_netted": 1})),
    case("percentages-are-not-amounts", rows("a,2024-01-02,12.5%", "b,2024-01-03,7"),
         Refused(ColumnTypeError, r"1 values of column 'amount'.*rows \[0\].*'12.5%'.*percentage")),
    case("thousands-or-decimal-unsettled", rows('a,2024-01-02,"1,234"', "b,2024-01-03,7"),
         Refused(AmbiguousNumberError, r"'1,234' can be read as 1234 or 1.234.*decimal='.'")),
    case("thousands-separator-given", rows('a,2024-01-02,"1,234"', "b,2024-01-03,7"),
         Reads({"amount": [1234.0, 7.0]}), decimal="."),
    case("two-decimal-marks", rows('a,2024-01-02,"12,50"', 'b,2024-01-03,"1,234.50"'),
         Refused(AmbiguousNumberError, r"mixes '.' as decimal mark \(1 rows \[1\].*with ',' as decimal mark")),
    case("two-currencies", rows("a,2024-01-02,$5", "b,2024-01-03,€5"),
         Refused(MixedCurrencyError, r"mixes currencies \{'USD': 1, 'EUR': 1\}")),
    case("amount-1e300", rows("a,2024-01-02,1e300", "b,2024-01-03,5"), Reads({"amount": [1e300, 5.0]})),
    case("amount-infinite", rows("a,2024-01-02,inf", "b,2024-01-03,-inf", "c,2024-01-04,5"),
         Refused(NonFiniteValueError, r"2 values of column 'amount'.*infinite.*rows \[0, 1\]")),
    case("amount-infinite-dropped", rows("a,2024-01-02,inf", "c,2024-01-04,5"),
         Reads({"amount": [5.0]}, {"non_finite_amount": 1}), invalid_amounts="drop"),
    case("amount-nan-text", rows("a,2024-01-02,NaN", "b,2024-01-03,5"),
         Reads({"amount": [5.0]}, {"missing_amount": 1})),
    case("all-zero-amounts", rows("a,2024-01-02,0", "b,2024-01-03,0.00"), Reads({"amount": [0.0, 0.0]})),
    case("quantity-times-price-overflows", rows("a,2024-01-02,1e200,1e200", "b,2024-01-03,2,3",
                                                header="customer_id,date,qty,price\n"),
         Refused(NonFiniteValueError, r"1 values of column 'qty/price'.*rows \[0\]"),
         columns=ColumnMap(amount=None, quantity="qty", price="price")),
    case("booleans-as-amounts",
         parquet(customer_id=["a", "b"], date=["2024-01-02", "2024-01-03"], amount=[True, False]),
         Refused(ColumnTypeError, "column 'amount' of .* holds True/False values, not numbers")),
    # ---- Parquet with the wrong types
    case("parquet-amount-as-text", parquet(customer_id=["a", "b"], date=pd.to_datetime(["2024-01-02", "2024-01-03"]),
                                           amount=["12.50", "3"]), Reads({"amount": [12.5, 3.0]})),
    case("parquet-dates-as-text",
         parquet(customer_id=["a", "b"], date=["2024-01-02", "2024-01-03 10:00"], amount=[1.0, 2.0]),
         Reads({"date": [T("2024-01-02"), T("2024-01-03 10:00")]})),
    case("parquet-customer-float-with-nan", parquet(customer_id=[1.0, np.nan, 2.0], amount=[1.0, 2.0, 3.0],
                                                    date=pd.to_datetime(["2024-01-02"] * 3)),
         Reads({"customer_id": [1, 2]}, {"missing_customer": 1})),
    # ---- customer ids
    case("customer-missing-blank-and-words", rows(",2024-01-02,1", "  ,2024-01-02,2", "NaN,2024-01-02,3",
                                                  "nan,2024-01-02,4", "None,2024-01-02,5", "NULL,2024-01-02,6",
                                                  "A,2024-01-02,7"),
         Reads({"customer_id": ["A"]}, {"missing_customer": 6})),
    case("customer-123.0-and-123", rows("123.0,2024-01-02,1", "123,2024-01-03,2", "00123,2024-01-04,3"),
         Reads({"customer_id": ["123", "123", "00123"]}, note="'123.0' is customer '123'")),
    case("customer-ids-in-excel-with-text-and-numbers",
         excel(Sheet1=pd.DataFrame({"customer_id": [123, "00123"], "date": pd.to_datetime(["2024-01-02"] * 2),
                                    "amount": [1.0, 2.0]})), Reads({"customer_id": ["123", "00123"]})),
    case("customer-column-of-dates", parquet(customer_id=pd.to_datetime(["2024-01-02"] * 2),
                                             date=pd.to_datetime(["2024-01-02"] * 2), amount=[1.0, 2.0]),
         Refused(ColumnTypeError, "column 'customer_id' .* holds dates, not customer ids")),
    case("every-date-missing", rows("a,,5", "b,,6"),
         Refused(AllRowsDroppedError, r"dropped every row of .*log.csv \(missing_date 2\)")),
    case("customer-booleans", parquet(customer_id=[True, False], date=pd.to_datetime(["2024-01-02"] * 2),
                                      amount=[1.0, 2.0]),
         Refused(ColumnTypeError, "column 'customer_id' .* holds True/False values, not customer ids")),
    case("customer-words-true-false", rows("True,2024-01-02,1", "false,2024-01-03,2"),
         Refused(ColumnTypeError, "holds only the words True/False")),
    # ---- Excel
    case("excel-several-sheets-first-by-default",
         excel(first=log_frame(), second=log_frame(customer_id=["x", "y"])),
         Reads({"customer_id": ["a", "b"]}, note="read sheet 'first' of the 2 sheets ['first', 'second']")),
    case("excel-sheet-by-name", excel(first=log_frame(), second=log_frame(customer_id=["x", "y"])),
         Reads({"customer_id": ["x", "y"]}), sheet_name="second"),
    case("excel-sheet-missing", excel(first=log_frame(), second=log_frame()),
         Refused(SheetNotFoundError, r"no sheet 'third'; its sheets are \['first', 'second'\]"), sheet_name="third"),
    case("excel-dates-as-serial-numbers", excel(Sheet1=log_frame(date=[45356, 45357])),
         Reads({"date": [T("2024-03-05"), T("2024-03-06")]}, note="Excel serial")),
    # ---- tiny logs
    case("one-row", rows("a,2024-01-02,5"), Reads({"customer_id": ["a"], "amount": [5.0]})),
    case("one-customer-one-day", rows("a,2024-01-02,5", "a,2024-01-02,6"), Reads({"amount": [5.0, 6.0]})),
    case("everyone-buys-once", rows("a,2024-01-02,5", "b,2024-01-03,6", "c,2024-01-04,7"),
         Reads({"customer_id": ["a", "b", "c"]})),
]


# --------------------------------------------------------------------------- the catalogue through the API and the CLI

@pytest.mark.parametrize("make, options, outcome", CATALOGUE)
def test_through_the_python_api(make, options, outcome, tmp_path):
    path = make(tmp_path)
    if isinstance(outcome, Refused):
        with pytest.raises(outcome.error, match=outcome.pattern):
            clean(path, **options)
        return
    log, report = clean(path, **options)
    for column, expected in outcome.values.items():
        assert log[column].tolist() == expected, column
    assert {reason: n for reason, n in report.dropped.items() if n} == outcome.dropped
    assert report.rows_in == report.rows_kept + sum(report.dropped.values()) == len(log) + len(report.dropped_rows)
    assert log[["customer_id", "date", "amount"]].notna().all().all()
    if outcome.note:
        assert any(outcome.note in note for note in report.notes), report.notes


def _command_line(options: dict) -> list[str]:
    """The command-line options that say what ``options`` say to clean()."""
    flags = {"encoding": "--encoding", "date_format": "--date-format", "decimal": "--decimal",
             "sheet_name": "--sheet", "observation_end": "--observation-end"}
    argv = [item for key, flag in flags.items() if key in options for item in (flag, str(options[key]))]
    if "drop" in (options.get("invalid_dates"), options.get("invalid_amounts")):
        argv.append("--drop-invalid")
    columns = options.get("columns")
    if columns is not None:
        argv += [item for role, name in vars(columns).items() if name for item in (f"--{role}-col", name)]
    return argv


@pytest.mark.parametrize("make, options, outcome", CATALOGUE)
def test_through_the_command_line(make, options, outcome, tmp_path, capsys):
    path = make(tmp_path)
    code = main(["data", "check", str(path), *_command_line(options)])
    checked = capsys.readouterr()
    assert "Traceback" not in checked.err
    if isinstance(outcome, Refused):
        with pytest.raises(outcome.error) as refused:
            clean(path, **options)
        # one line: the error's first line, its hints in the command line's words (--date-format for date_format=)
        assert code == 1 and checked.err == f"crmlab: error: {_as_command_line(str(refused.value).splitlines()[0])}\n"
        return
    assert code == 0 and "Data quality report" in checked.out
    output = tmp_path / "out" / "summary.parquet"
    code = main(["summary", str(path), "-o", str(output), "-q", *_command_line(options)])
    summarised = capsys.readouterr()
    assert code == 0 and summarised.err == "", summarised.err
    # the summary cleans exactly as data check does, and says so next to its output
    assert (tmp_path / "out" / "summary.quality.txt").read_text(encoding="utf-8") == checked.out
    summary = pd.read_parquet(output)
    assert np.isfinite(summary[["frequency", "recency", "T", "monetary"]].to_numpy(dtype=float)).all()


def test_the_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 40
    assert sum(isinstance(p.values[2], Refused) for p in CATALOGUE) >= 20


def test_a_dataframe_with_a_repeated_column_label_is_refused():
    frame = pd.concat([log_frame(), log_frame()[["amount"]]], axis=1)
    with pytest.raises(AmbiguousColumnError, match="2 columns named 'amount'"):
        clean(frame)


def test_a_dataframe_whose_row_labels_repeat_is_read_by_position_and_keeps_its_labels():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "date": ["2024-01-02", "02/10/2023", "31/12/2023"],
                          "amount": ["1,5", "2", "3,25"]}, index=[7, 7, 8])
    log, report = clean(frame)
    assert log.index.tolist() == [7, 7, 8] and log["amount"].tolist() == [1.5, 2.0, 3.25]
    assert log["date"].tolist() == [T("2024-01-02"), T("2023-10-02"), T("2023-12-31")]
    with pytest.raises(DateParseError, match=r"2 values .* \(rows \[7, 7\], values \['soon', 'x'\]\)"):
        clean(frame.assign(date=["soon", "x", "2024-01-02"]))


def test_reading_options_travel_with_the_log_to_clean(tmp_path):
    path = rows("a,02/10/2023,\"1,5\"", "b,03/04/2023,2")(tmp_path)
    raw = read_transactions(path, date_format="%d/%m/%Y", decimal=",")
    log, report = clean(raw)
    assert log["date"].tolist() == [T("2023-10-02"), T("2023-04-03")] and log["amount"].tolist() == [1.5, 2.0]
    assert report.source == f"{path} (2 rows)"


# --------------------------------------------------------------------------- properties

def _money(value: float, style: str) -> str:
    """``value`` written the way a spreadsheet of ``style`` would."""
    negative, whole, cents = value < 0, f"{abs(value):,.2f}".split(".")[0], f"{abs(value):.2f}".split(".")[1]
    written = {"plain": f"{abs(value):.2f}", "us": f"{whole}.{cents}", "eu": f"{whole.replace(',', '.')},{cents}",
               "space": f"{whole.replace(',', ' ')},{cents}", "yuan": f"¥{whole}.{cents}",
               "accounting": f"{whole}.{cents}"}[style]
    if negative:
        return f"({written})" if style == "accounting" else f"-{written}"
    return written


amounts = st.decimals(min_value=-10**7, max_value=10**7, places=2, allow_nan=False).map(float)


@settings(max_examples=120, deadline=None)
@given(values=st.lists(amounts, min_size=1, max_size=20),
       style=st.sampled_from(["plain", "us", "eu", "space", "yuan", "accounting"]))
def test_amounts_written_in_any_accepted_style_read_back_exactly(values, style):
    proof = {"eu": "0,25", "space": "0,25"}.get(style, "0.25")  # a row that settles the decimal mark
    log = pd.DataFrame({"customer_id": "c", "date": "2024-01-02",
                        "amount": [_money(v, style) for v in values] + [proof]})
    report_values = clean(log, cancellations="drop", zero_value="keep", duplicates="keep")[0]
    expected = [v for v in values if v >= 0] + [0.25]
    assert report_values["amount"].tolist() == pytest.approx(expected, abs=1e-9)


@settings(max_examples=120, deadline=None)
@given(days=st.lists(st.dates(date(1990, 1, 1), date(2030, 12, 31)), min_size=1, max_size=20),
       style=st.sampled_from(["iso", "day_first", "month_first", "chinese", "compact", "dotted"]))
def test_dates_written_in_any_accepted_style_read_back_exactly(days, style):
    proof = {"day_first": "31/12/2020", "month_first": "12/31/2020", "dotted": "31.12.2020"}.get(style)
    fmt = {"iso": "%Y-%m-%d", "day_first": "%d/%m/%Y", "month_first": "%m/%d/%Y", "chinese": "%Y年%m月%d日",
           "compact": "%Y%m%d", "dotted": "%d.%m.%Y"}[style]
    written = [d.strftime(fmt) for d in days] + ([proof] if proof else [])
    log = pd.DataFrame({"customer_id": [f"c{i}" for i in range(len(written))], "date": written, "amount": 1.0})
    out, _ = clean(log, observation_end="2031-01-01")
    assert out["date"].tolist()[:len(days)] == [pd.Timestamp(d) for d in days]


ids = st.one_of(st.text(alphabet="abcXYZ0123456789客户张王", min_size=1, max_size=6),
                st.sampled_from(["", " ", "NaN", "None", "NULL", "123.0", "123", "00123"]))
row = st.tuples(ids, st.datetimes(datetime(2015, 1, 1), datetime(2024, 12, 31)),
                st.one_of(amounts, st.sampled_from([0.0, np.nan, 1e300])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(row, min_size=1, max_size=30), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16",
                                                                               "gb18030"]),
       delimiter=st.sampled_from([",", ";", "\t"]), date_style=st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d"]))
def test_any_valid_file_cleans_with_every_row_accounted_for_and_no_nan(lines, encoding, delimiter, date_style):
    frame = pd.DataFrame(lines, columns=["客户编号", "date", "amount"])
    frame["date"] = [d.strftime(date_style) for d in frame["date"]]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        buffer = io.StringIO()
        frame.to_csv(buffer, sep=delimiter, index=False)
        path.write_bytes(buffer.getvalue().encode(encoding))
        try:
            log, report = clean(path, ColumnMap(customer="客户编号"), observation_end="2025-01-01")
        except CrmlabError as error:  # every row can be dropped (no customer, no amount): still accounted for
            report = error.report
            log = frame.iloc[:0].rename(columns={"客户编号": "customer_id"})
    assert report.rows_in == len(frame) == len(log) + len(report.dropped_rows)
    assert report.rows_in == report.rows_kept + sum(report.dropped.values())
    assert log[["customer_id", "date", "amount"]].notna().all().all()
    assert np.isfinite(log["amount"].astype(float)).all()
    blank = frame["客户编号"].str.strip().isin(["", "NaN", "None", "NULL"])
    assert report.dropped["missing_customer"] == int(blank.sum())
    assert not log["customer_id"].isin(["123.0"]).any()


def test_future_rows_are_judged_against_the_day_of_cleaning():
    tomorrow = (pd.Timestamp.now().normalize() + timedelta(days=1)).strftime("%Y-%m-%d")
    log, report = clean(pd.DataFrame({"customer_id": ["a", "b"], "date": ["2024-01-02", tomorrow],
                                      "amount": [1.0, 2.0]}))
    assert log["customer_id"].tolist() == ["a"] and report.dropped["after_today"] == 1
    kept, report = clean(pd.DataFrame({"customer_id": ["a", "b"], "date": ["2024-01-02", tomorrow],
                                       "amount": [1.0, 2.0]}), observation_end="2999-12-31")
    assert len(kept) == 2 and report.findings["after_today"] == 1 and report.dropped["after_today"] == 0

"""The crmlab command: exit codes, one-line errors, and each subcommand on real files."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"crmlab {cl.__version__}"


def test_the_installed_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "crmlab.cli", "study", "list"], capture_output=True, text=True)
    assert done.returncode == 0 and "course" in done.stdout and "my_data" in done.stdout


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "crmlab study run course" in capsys.readouterr().out


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    pd.DataFrame({"client": ["a", "a", "b", None], "day": ["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-20"],
                  "total": [10.0, 5.0, 7.0, 3.0]}).to_csv(path, index=False)
    return path


def test_data_check_prints_the_quality_report(orders, capsys):
    code = main(["data", "check", str(orders), "--customer-col", "client", "--date-col", "day", "--amount-col",
                 "total"])
    out = capsys.readouterr().out
    assert code == 0 and "4 rows, 2 customers; kept 3 rows (75.0%)" in out
    assert "dropped   missing_customer" in out


def test_data_check_speaks_chinese_on_request(orders, capsys):
    code = main(["data", "check", str(orders), "--customer-col", "client", "--date-col", "day", "--amount-col",
                 "total", "--lang", "zh"])
    out = capsys.readouterr().out
    assert code == 0 and "共 4 行，2 位客户；保留 3 行（75.0%）" in out and "客户编号缺失或为空" in out


def test_summary_writes_the_customer_summary_and_what_it_dropped(orders, tmp_path, capsys):
    out = tmp_path / "summary.parquet"
    columns = ["--customer-col", "client", "--date-col", "day", "--amount-col", "total"]
    code = main(["summary", str(orders), "-o", str(out), *columns, "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0 and "2 customers written" in printed
    assert "from 3 of 4 lines (dropped: missing_customer 1)" in printed  # the blank customer is not a customer
    table = pd.read_parquet(out)
    assert table.loc["a", "frequency"] == 1 and table.loc["a", "recency"] == 31 and table.loc["b", "T"] == 17
    main(["data", "check", str(orders), *columns])
    assert (tmp_path / "summary.quality.txt").read_text() == capsys.readouterr().out  # the same cleaning
    assert cl.frames.table_info(table).time_unit == "D"  # the unit travels with the file


@pytest.fixture
def dirty_parquet(tmp_path):
    """Typed columns with the faults a scan can see: no id, the id "NaN", no date, no amount, a future line."""
    path = tmp_path / "big.parquet"
    pd.DataFrame({
        "client": [1.0, 1.0, 2.0, np.nan, 3.0, 4.0, 5.0, 2.0],
        "day": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-20", None, "2024-01-03",
                               "2099-01-01", "2024-01-15"]),
        "total": [10.0, 5.0, 7.0, 3.0, 1.0, np.nan, 2.0, 7.0],
    }).to_parquet(path)
    return path


def test_streamed_summary_counts_what_data_check_counts_and_says_what_it_did_not_check(dirty_parquet, tmp_path,
                                                                                        capsys):
    columns = ["--customer-col", "client", "--date-col", "day", "--amount-col", "total"]
    assert main(["summary", str(dirty_parquet), "-o", str(tmp_path / "s.parquet"), "--stream", "-q", *columns]) == 0
    streamed = capsys.readouterr()
    assert "crmlab: warning: NOT CLEANED — duplicates, cancellations" in streamed.err
    assert "from 4 of 8 lines" in streamed.out
    _, report = cl.transactions.clean(dirty_parquet, cl.transactions.ColumnMap(customer="client", date="day",
                                                                                 amount="total"))
    quality = (tmp_path / "s.quality.txt").read_text()
    for reason in ("missing_customer", "missing_date", "missing_amount", "after_today"):
        assert report.dropped[reason] == 1 and f"dropped {reason:>17}" in quality
    assert report.dropped["duplicate"] == 1  # the one fault a scan does not see: the summary counts it twice
    table = pd.read_parquet(tmp_path / "s.parquet")
    assert table.index.tolist() == [1, 2] and table.loc[2, "frequency"] == 0 and table.loc[2, "monetary"] == 0


@pytest.mark.parametrize("make, message", [
    (lambda folder: pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [1.0]})
     .to_csv(folder / "log.csv", index=False) or folder / "log.csv", "streaming reads Parquet files"),
    (lambda folder: pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [1.0]})
     .to_parquet(folder / "log.parquet") or folder / "log.parquet", "'date' of .* is string, not a timestamp"),
    (lambda folder: pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-01"]), "amount": [np.inf]})
     .to_parquet(folder / "log.parquet") or folder / "log.parquet", r"1 rows .* infinite amount.*--drop-invalid"),
])
def test_streaming_refuses_what_it_cannot_check(make, message, tmp_path, capsys):
    path = make(tmp_path)
    assert main(["summary", str(path), "-o", str(tmp_path / "s.parquet"), "--stream", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: ") and err.count("\n") == 1 and re.search(message, err)


def test_summary_help_says_loudly_what_streaming_does_not_check(capsys):
    with pytest.raises(SystemExit):
        main(["summary", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "exactly as `crmlab data check` does" in help_text
    assert "duplicates, cancellations, negative and zero amounts are NOT" in help_text
    assert "--encoding" in help_text and "--date-format" in help_text


def test_reading_options_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "订单.csv"
    path.write_bytes("客户编号;订单日期;金额\nC1;02/10/2023;1,5\nC2;03/04/2023;2\n".encode("gb18030"))
    columns = ["--customer-col", "客户编号", "--date-col", "订单日期", "--amount-col", "金额"]
    assert main(["data", "check", str(path), *columns]) == 1
    err = capsys.readouterr().err
    # the hint names the command line's option, not the Python keyword
    assert "pass --date-format '%d/%m/%Y' (day first) or --date-format '%m/%d/%Y' (month first)" in err
    assert main(["data", "check", str(path), *columns, "--encoding", "gb18030", "--date-format", "%d/%m/%Y",
                 "--decimal", ","]) == 0
    assert "kept 2 rows (100.0%) of 2 customers" in capsys.readouterr().out


def test_student_copy_command(tmp_path, capsys):
    code = main(["student-copy", str(cl.paths.NOTEBOOKS / "06_kano_ipa_value_map.ipynb"), "-o", str(tmp_path)])
    assert code == 0 and (tmp_path / "06_kano_ipa_value_map.ipynb").is_file()


@pytest.mark.parametrize("argv, message", [
    (["study", "run", "coarse"], "no study file coarse; the lab's studies are"),
    (["study", "run", "course", "-p", "seeed=1"], r"unknown parameter\(s\) \['seeed'\]"),
    (["data", "check", "missing.csv"], "missing.csv"),
    (["summary", "missing.parquet", "-o", "x.parquet"], "transaction file missing.parquet does not exist"),
    (["summary", "missing.parquet", "-o", "x.parquet", "--stream"], "transaction file missing.parquet does not exist"),
    (["data", "check", "missing.csv", "--observation-end", "soon"], "missing.csv does not exist"),
])
def test_bad_input_gives_one_line_and_a_nonzero_exit(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: ") and err.count("\n") == 1
    assert pytest.importorskip("re").search(message, err)


def test_malformed_command_lines_exit_with_2(capsys):
    with pytest.raises(SystemExit) as done:
        main(["study", "run", "course", "-p", "no-equals-sign"])
    assert done.value.code == 2 and "parameters are name=value" in capsys.readouterr().err


def test_summary_and_data_check_clean_alike_with_the_same_policy_options(tmp_path, capsys):
    path = tmp_path / "orders.csv"  # UTF-8 with a byte-order mark, day-first dates, a duplicate, a return, a zero
    path.write_text("客户编号,订单日期,金额\nC1,13/01/2024,10\nC1,13/01/2024,10\nC1,02/02/2024,-4\nC2,03/02/2024,0\n"
                    "C2,05/03/2024,7\n", encoding="utf-8-sig")
    columns = ["--customer-col", "客户编号", "--date-col", "订单日期", "--amount-col", "金额"]
    for policy, dropped in [([], {"duplicate 1", "cancellation_netted 1"}),
                            (["--duplicates", "keep", "--cancellations", "drop", "--zero-value", "drop"],
                             {"cancellation 1", "zero_value 1"})]:
        out = tmp_path / "summary.parquet"
        assert main(["summary", str(path), "-o", str(out), *columns, *policy, "--quiet"]) == 0
        reasons = re.search(r"\(dropped: ([^)]*)\)", capsys.readouterr().out)[1]
        assert set(reasons.split(", ")) == dropped
        assert main(["data", "check", str(path), *columns, *policy]) == 0
        assert (tmp_path / "summary.quality.txt").read_text() == capsys.readouterr().out


def test_an_undecodable_file_gets_the_encoding_option_as_the_fix(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes("client,day,total\nJosé,2024-01-02,1\n".encode("latin-1"))
    assert main(["data", "check", str(path), "--customer-col", "client", "--date-col", "day",
                 "--amount-col", "total"]) == 1
    err = capsys.readouterr().err
    assert "is not UTF-8" in err and "pass --encoding" in err and "gb18030" in err
